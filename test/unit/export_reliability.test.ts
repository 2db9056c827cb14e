// Export formats under hostile text and labels (issue 19, items 2, 7, 8, 10 and 12): CoNLL-U's
// `# text` and forms agree for any text (the UD validator's format rules, conllu_checker.ts,
// over fuzzed text with fast-check); labels a format cannot hold are escaped with a warning;
// an imported CoNLL-U file says what it kept and left out, and a re-export keeps its
// sentences and ids; the export runs in slices with pause points; the command line numbers
// sentences across files and marks each document.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Annotation } from '../../src/core/annotations';
import {
  exportAs,
  exportAsYielding,
  exportChunks,
  exportSpans,
  importAs,
  importConllu,
  type ExportRun,
  type WordSpan,
} from '../../src/core/formats';
import { checkConllu } from './conllu_checker';
import { bertTokenizer, patternTokenizer, REPO } from './fixtures';

const words = (text: string, bert = false): WordSpan[] => [...(bert ? bertTokenizer() : patternTokenizer()).wordSpans(text)];
const every = (text: string, ws: readonly WordSpan[], label = (i: number): string => (i % 3 ? 'NOUN' : 'VERB')): Annotation[] =>
  ws.map(([s, e], i) => ({ start: s, end: e, text: text.slice(s, e), label: label(i), source: 'model' }));
const noErrors = (content: string): void => {
  const errors = checkConllu(content);
  assert.deepEqual(errors, [], `${JSON.stringify(content)}\n${errors.map((e) => `${e.line} ${e.code}: ${e.message}`).join('\n')}`);
};

// Characters the word splitter drops between words, and text the UD validator rejected
const HOSTILE = [
  'zero\u200bwidth space',
  'soft\u00adhyphen',
  'word\u2060joiner',
  'family 👨\u200d👩\u200d👧 emoji',
  'bidi \u202bRTL\u202c and \u2067isolate\u2069 text',
  'nul\u0000byte',
  'cafe\u0301 in NFD',
  'a\u00a0no-break space',
  'tab\tand  two spaces',
  'x\u0301\u0301 marks',
  '\u0301leading mark',
  'ends with ZWSP\u200b',
  '\u200b',
  'BOM\ufeffinside',
  'CRLF line\r\nnext line',
  'NEL\u0085next',
  'LS\u2028PS\u2029end',
  'astral 𝒜𝒷𝒸 and 𠀀 ideograph',
];

describe('CoNLL-U text and forms agree (item 8)', () => {
  it('on each text the validator rejected, with both word splitters', () => {
    for (const text of HOSTILE) {
      for (const bert of [false, true]) {
        const ws = words(text, bert);
        const out = exportAs('conllu', text, ws, every(text, ws), 'plain', 'doc.txt').content;
        noErrors(out);
        const back = importAs('conllu', out, text);
        assert.ok(back.ok, `${JSON.stringify(text)}: ${JSON.stringify(back)}`);
        assert.equal(back.annotations.length, ws.length, JSON.stringify(text));
      }
    }
  });

  it('a gap of dropped characters is SpaceAfter=No, other whitespace is SpacesAfter, forms are NFC', () => {
    const text = 'zero\u200bwidth cafe\u0301\ttab';
    const out = exportAs('conllu', text, words(text), [], 'plain').content;
    assert.match(out, /# text = zerowidth café tab\n/);
    assert.match(out, /1\tzero\t_\t_\t_\t_\t_\t_\t_\tSpaceAfter=No\n/);
    assert.deepEqual(
      out
        .split('\n')
        .filter((l) => /^\d/.test(l))
        .map((l) => l.split('\t')[1]),
      ['zero', 'width', 'café', 'tab'],
      'a zero-width space is in no form',
    );
    assert.match(out, /\tcafé\t[^\n]*\tSpacesAfter=\\t\n/);
    // CoNLL (no text line) keeps the exact characters; JSONL keeps exact offsets
    assert.match(exportAs('conll', text, words(text), [], 'plain').content, /^cafe\u0301 O$/m);
    const ann: Annotation[] = [{ start: 11, end: 16, text: text.slice(11, 16), label: 'X', source: 'model' }];
    assert.deepEqual(JSON.parse(exportSpans(text, ann).content).spans, [{ start: 11, end: 16, label: 'X' }]);
  });

  it('on fuzzed text: every CoNLL-U export passes the checks and imports back; JSONL offsets stay exact', () => {
    const pieces = [
      'a',
      'Zürich',
      'cafe\u0301',
      '\u0301',
      ' ',
      '  ',
      '\t',
      '\n',
      '\r\n',
      '.',
      '!',
      "'",
      '-',
      ',',
      '1',
      '\u200b',
      '\u00ad',
      '\u2060',
      '\u200d',
      '👩',
      '👨\u200d👩',
      '\u202e',
      '\u0000',
      '\u00a0',
      '\u3000',
      '𝒜',
      '中',
      '[CLS]',
      '|',
      '#',
      '_',
      '\ufeff',
      '\u2028',
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 40 }), fc.boolean(), fc.boolean(), (parts, bert, iob) => {
        const text = parts.join('');
        const ws = words(text, bert);
        const ann = every(text, ws, (i) => (i % 2 ? 'PER' : 'LOC'));
        const out = exportAs('conllu', text, ws, ann, iob ? 'iob2' : 'plain', 'fuzz doc').content;
        noErrors(out);
        const back = importAs('conllu', out, text);
        assert.ok(back.ok, JSON.stringify({ text, back }));
        const spans = importAs('spans', exportAs('spans', text, ws, ann, 'plain').content, text);
        assert.ok(spans.ok);
        assert.deepEqual(
          spans.annotations.map((a) => [a.start, a.end, a.text]),
          ann.map((a) => [a.start, a.end, a.text]),
        );
      }),
      { numRuns: 400, seed: 19 },
    );
  });
});

describe('labels a format cannot hold (item 7)', () => {
  it('"|" in CoNLL-U and spaces in both are written escaped, each with one warning', () => {
    const text = 'Ann met Bob.';
    const ws = words(text);
    const ann = every(text, ws, (i) => (i === 0 ? 'A|B' : i === 2 ? 'two words' : 'O'));
    const u = exportAs(
      'conllu',
      text,
      ws,
      ann.filter((a) => a.label !== 'O'),
      'iob2',
    );
    assert.match(u.content, /\tNE=B-A_B\|SpaceAfter=No|\tNE=B-A_B\n/);
    assert.match(u.content, /NE=B-two_words/);
    assert.deepEqual(u.warnings.map((w) => w.message).filter((m) => /cannot be written/.test(m)).length, 2);
    noErrors(u.content);
    const back = importConllu(u.content, text);
    assert.ok(back.ok);
    assert.deepEqual(
      back.annotations.map((a) => a.label),
      ['A_B', 'two_words'],
    );
    const c = exportAs(
      'conll',
      text,
      ws,
      ann.filter((a) => a.label !== 'O'),
      'iob2',
    );
    assert.match(c.content, /^Ann B-A\|B$/m, 'CoNLL holds "|"');
    assert.match(c.content, /^Bob B-two_words$/m);
  });
});

const REAL =
  [
    '# newdoc id = n01',
    '# sent_id = s-7',
    "# text = Dr. Smith doesn't go.",
    '# translit = whatever',
    '1\tDr.\tDr.\tPROPN\tNNP\tNumber=Sing\t2\tcompound\t_\tNE=B-PER',
    '2\tSmith\tSmith\tPROPN\tNNP\tNumber=Sing\t4\tnsubj\t_\tNE=I-PER',
    "3-4\tdoesn't\t_\t_\t_\t_\t_\t_\t_\t_",
    '3\tdoes\tdo\tAUX\tVBZ\t_\t5\taux\t_\tNE=O',
    "4\tn't\tnot\tPART\tRB\t_\t5\tadvmod\t_\tNE=O",
    '5\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No|NE=O',
    '5.1\tgone\tgo\tVERB\t_\t_\t_\t_\t0:root\t_',
    '6\t.\t.\tPUNCT\t.\t_\t5\tpunct\t_\tNE=O|Gloss=stop',
    '',
    '# sent_id = s-8',
    '# text = Yes',
    '1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t_\tNE=O',
    '',
  ].join('\n') + '\n';
const REAL_TEXT = "Dr. Smith doesn't go. Yes";

describe('a real CoNLL-U file (item 12)', () => {
  it('the import says what it kept and what it left out', () => {
    const r = importConllu(REAL, REAL_TEXT);
    assert.ok(r.ok, JSON.stringify(r));
    assert.match(r.summary!, /kept 6 words' tags \(from MISC NE=\), 2 sentences' boundaries and 2 sent_ids/);
    for (const s of [
      /LEMMA \(7 words\)/,
      /UPOS \(7 words\)/,
      /XPOS \(7 words\)/,
      /FEATS \(2 words\)/,
      /HEAD \(7 words\)/,
      /DEPREL \(7 words\)/,
      /other MISC entries \(1 word\)/,
      /1 other comment line/,
      /the 2 words inside 1 multiword token/,
      /1 empty node/,
    ]) {
      assert.match(r.summary!, s);
    }
    assert.deepEqual(
      r.annotations.map((a) => `${a.text}:${a.label}`),
      ['Dr. Smith:PER'],
    );
  });

  it("a re-export of the same text keeps the file's sentences and ids", () => {
    const r = importConllu(REAL, REAL_TEXT);
    assert.ok(r.ok);
    const ws = words(REAL_TEXT);
    const plain = exportAs('conllu', REAL_TEXT, ws, r.annotations, 'iob2').content;
    assert.equal((plain.match(/^# sent_id/gm) ?? []).length, 3, 'the default splitter breaks after "Dr."');
    const kept = exportAs('conllu', REAL_TEXT, ws, r.annotations, 'iob2', { layout: r.layout }).content;
    noErrors(kept);
    assert.deepEqual(kept.match(/^# sent_id = .*$/gm), ['# sent_id = s-7', '# sent_id = s-8']);
    assert.match(kept, /# text = Dr\. Smith doesn't go\.\n/);
    const again = importConllu(kept, REAL_TEXT);
    assert.ok(again.ok);
    assert.deepEqual(again.layout, r.layout);
  });
});

describe('export work (item 2)', () => {
  it('is cut into chunks with pause points, and the yielding export gives the same content', async () => {
    const text = 'The cat sat on the mat, and the dog did not. '.repeat(3000);
    const ws = words(text);
    const ann = every(text, ws);
    for (const format of ['conll', 'conllu'] as const) {
      const run: ExportRun = { warnings: [], sentences: 0 };
      let chunks = 0;
      let longest = 0;
      for (const c of exportChunks(format, text, ws, ann, 'plain', {}, run)) {
        chunks++;
        longest = Math.max(longest, c.length);
      }
      assert.ok(chunks > ws.length / 2048, `${format}: ${chunks} chunks for ${ws.length} words`);
      assert.equal(run.sentences, 3000);
      const whole = exportAs(format, text, ws, ann, 'plain');
      assert.ok(longest < whole.content.length / 100, `${format}: a chunk of ${longest} characters`);
      const yielded = await exportAsYielding(format, text, ws, ann, 'plain');
      assert.equal(yielded.content, whole.content);
    }
  });

  it('a label that covers no word in a long text is reported with its line and column', () => {
    const text = 'line one\n'.repeat(5000) + 'last';
    const ws = words(text);
    const out = exportAs(
      'conll',
      text,
      ws,
      [{ start: text.length - 4, end: text.length - 2, text: 'la', label: 'X', source: 'corrected' }],
      'plain',
    );
    assert.match(out.warnings[0].message, /"la" at 5001:1 \(X\) does not start and end at word boundaries/);
  });
});

describe('the command line (items 1, 7 and 10)', () => {
  it("the issue's hostile bundle is refused in words instead of hanging", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hostile-cli-'));
    const def = path.join(REPO, 'models/default');
    for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) symlinkSync(path.join(def, f), path.join(dir, f));
    const config = JSON.parse(readFileSync(path.join(def, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, word_pattern: '(\\w+\\s?)*$' }));
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), '--model', dir], {
      input: 'President Bush on Tuesday nominated two individuals.',
      encoding: 'utf8',
      cwd: REPO,
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the model cannot be used:\n {2}- config\.json: "word_pattern" can match an empty string/);
    assert.ok(r.stderr.includes(`(the bundle "${path.basename(dir)}")`), r.stderr);
  });

  it('several files with --format conllu: one newdoc each, sent_id unique across the run, valid CoNLL-U', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'conllu-run-'));
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b b.txt');
    writeFileSync(a, 'The cat sat. The dog ran.\n');
    writeFileSync(b, 'Birds fly\u200b high. Fish swim cafe\u0301.\n');
    const r = spawnSync(process.execPath, [path.join(REPO, 'dist/cli.js'), '--format', 'conllu', a, b], {
      encoding: 'utf8',
      cwd: REPO,
      timeout: 120_000,
    });
    assert.equal(r.status, 0, r.stderr);
    noErrors(r.stdout);
    assert.deepEqual(r.stdout.match(/^# newdoc id = .*$/gm), [`# newdoc id = ${a}`, `# newdoc id = ${b.replace(/ /g, '_')}`]);
    assert.deepEqual(r.stdout.match(/^# sent_id = .*$/gm), ['# sent_id = 1', '# sent_id = 2', '# sent_id = 3', '# sent_id = 4']);
  });
});

describe('the command line prints every export warning (item 7)', () => {
  it('formatExport writes each warning to stderr, naming the input', async () => {
    const { formatExport } = await import('../../src/cli');
    const text = 'Ann met Bob.';
    const tokenizer = patternTokenizer();
    const labeler = { bundle: { config: { labelScheme: 'plain' } }, tokenizer } as unknown as Parameters<typeof formatExport>[3];
    const result = {
      words: [
        { start: 0, end: 2, text: 'An', label: 'A|B', score: 0.9 },
        { start: 8, end: 11, text: 'Bob', label: 'two words', score: 0.8 },
      ],
      sequence: [],
    } as unknown as Parameters<typeof formatExport>[2];
    const written: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let out: string;
    try {
      out = formatExport('conllu', text, result, labeler, 'in.txt');
    } finally {
      process.stderr.write = write;
    }
    noErrors(out);
    const err = written.join('');
    assert.match(err, /^bert-lstm-label: in\.txt: "An" at 1:1 \(A\|B\) does not start and end at word boundaries/m);
    assert.match(err, /^bert-lstm-label: in\.txt: label "A\|B" cannot be written in CoNLL-U/m);
    assert.match(err, /^bert-lstm-label: in\.txt: label "two words" cannot be written/m);
  });
});

describe('a CoNLL-2003 file (item 12)', () => {
  it('the import says what it kept and what it left out', () => {
    const text = 'EU rejects German call .\nPeter Blackburn';
    const file =
      '-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\nGerman JJ B-NP B-MISC\ncall NN I-NP O\n. . O O\n\nPeter NNP B-NP B-PER\nBlackburn NNP I-NP I-PER\n';
    const r = importAs('conll', file, text);
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(
      r.summary,
      "kept 7 words' tags (the last column); left out: the columns between the token and the tag (POS, chunk, ...) of 7 lines, 1 -DOCSTART- line, the sentence breaks (2): a CoNLL export splits the text again",
    );
    assert.deepEqual(
      r.annotations.map((a) => `${a.text}:${a.label}`),
      ['EU:ORG', 'German:MISC', 'Peter Blackburn:PER'],
    );
  });
});
