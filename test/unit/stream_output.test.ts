// Big outputs written as they are made (core/stream_output.ts): labeling a chunk of paragraphs
// at a time gives byte for byte the output of labeling the whole text, in every format, with
// the real default model; and the CLI labels a document whose whole-document output does not
// fit in a V8 heap of 40 MB (the child runs with --max-old-space-size=40; its peak RSS is read
// from process.resourceUsage() in the child and printed).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { modelAnnotations } from '../../src/core/annotations';
import { exportAs, exportSpans, spansRecord, type ExportFormat } from '../../src/core/formats';
import { Labeler } from '../../src/core/labeler';
import { chunkSpans, streamLabels, type OutputFormat } from '../../src/core/stream_output';
import { openShippedModel, REPO } from './fixtures';

const CLI = path.join(REPO, 'dist/cli.js');
let labeler: Labeler;

before(async () => {
  labeler = await openShippedModel();
});
after(() => labeler?.dispose());

const PARAS = [
  'The cat sat on the mat. It looked at the dog, who barked twice!',
  'Mary read "War and Peace" in Paris 😀 — then she went home.\r\n',
  'Ünïcödé wörds: café, naïve, Zürich.   Tabs\tand  spaces.',
  'A long paragraph with many sentences. ' + Array.from({ length: 40 }, (_, i) => `Sentence number ${i} is here.`).join(' '),
  'Short.',
];
const DOC = PARAS.map((p, i) => p + (i % 2 ? '\n\n\n' : '\n \t\n')).join('') + 'The end without a line break';

async function render(format: OutputFormat, text: string, maxChars: number): Promise<{ out: string; writes: number }> {
  let out = '';
  let writes = 0;
  const scheme = labeler.bundle.config.labelScheme;
  await streamLabels(
    labeler,
    text,
    (s) => {
      out += s;
      writes++;
    },
    {
      format,
      maxChars,
      annotate: (c) => modelAnnotations(c.text, c.result.words, scheme),
      exportChunk: (c, first) => {
        const out = exportAs(
          format as ExportFormat,
          c.text,
          [...labeler.tokenizer.wordSpans(c.text)],
          modelAnnotations(c.text, c.result.words, scheme),
          scheme === 'plain' ? 'plain' : 'iob2',
          {
            firstSentenceId: first,
          },
        );
        return { content: out.content, sentences: out.sentences };
      },
    },
  );
  return { out, writes };
}

test('chunks are whole paragraphs, cover the text once, and stay within the size unless a paragraph is longer', () => {
  for (const max of [1, 50, 200, 1_000, 1e9]) {
    const spans = [...chunkSpans(DOC, max)];
    assert.equal(spans[0][0], 0);
    assert.equal(spans[spans.length - 1][1], DOC.length);
    for (let i = 1; i < spans.length; i++) assert.equal(spans[i][0], spans[i - 1][1]);
    for (const [s, e] of spans) {
      if (e - s > max) assert.ok(!/\n[ \t]*\r?\n/.test(DOC.slice(s, e).trimEnd()), `a chunk over ${max} holds two paragraphs`);
      if (s > 0) assert.match(DOC.slice(0, s), /\n[ \t]*\r?\n\s*$/);
    }
  }
  assert.equal([...chunkSpans(DOC, 1e9)].length, 1);
  assert.equal([...chunkSpans(DOC, 1)].length, PARAS.length + 1);
});

test("every format, labeled in chunks of a paragraph or two, is byte for byte the whole text's output", async () => {
  const scheme = labeler.bundle.config.labelScheme;
  const whole = await labeler.label(DOC);
  const annotations = modelAnnotations(DOC, whole.words, scheme);
  for (const format of ['text', 'jsonl', 'conll', 'conllu', 'spans'] as const) {
    const one = await render(format, DOC, 1e9);
    for (const max of [1, 120, 400]) {
      const chunked = await render(format, DOC, max);
      assert.equal(chunked.out, one.out, `${format}, chunks of ${max}`);
    }
    if (format === 'spans') {
      assert.equal(one.out, exportSpans(DOC, annotations).content);
      assert.equal([...spansRecord(DOC, annotations)].join(''), exportSpans(DOC, annotations).content);
      assert.equal([...spansRecord('', [])].join(''), exportSpans('', []).content);
      // the record's form, made independently: code point offsets, spans in text order
      const cp = (o: number): number => [...DOC.slice(0, o)].length;
      const kept = annotations.filter((a) => a.label !== 'O').sort((a, b) => a.start - b.start || a.end - b.end);
      const spans = kept.map((a) => ({ start: cp(a.start), end: cp(a.end), label: a.label }));
      assert.equal(one.out, JSON.stringify({ text: DOC, spans, label: spans.map((x) => [x.start, x.end, x.label]) }) + '\n');
    }
    if (format === 'jsonl') {
      const lines = one.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { start?: number; end?: number; text?: string; sequence?: Array<{ label: string; score: number }> });
      assert.equal(lines.length, whole.words.length + 1);
      for (const w of lines.slice(0, -1)) assert.equal(DOC.slice(w.start, w.end), w.text);
      assert.deepEqual(
        lines[lines.length - 1].sequence!.map((s) => s.label),
        whole.sequence.map((s) => s.label),
      );
    }
  }
});

test('a text is written in writes of about 64 KiB as it is labeled, not in one piece at the end', async () => {
  const big = Array.from({ length: 120 }, (_, i) => `Paragraph ${i}: the cat sat on the mat and the dog barked at it.`).join('\n\n');
  const { out, writes } = await render('jsonl', big, 1_000);
  assert.ok(writes >= 2, `${writes} writes for ${out.length} characters`);
  assert.ok(out.length / writes < 200_000);
});

test("the CLI writes a document's jsonl and spans within a 40 MB V8 heap (the whole-document output needs more)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'stream-'));
  const paras: string[] = [];
  for (let p = 0; paras.join('\n\n').length < 600_000; p++) {
    paras.push(
      Array.from(
        { length: 10 },
        (_, k) => `The cat number ${p}.${k} sat on the mat and looked at the dog, while Mary read a book in Paris.`,
      ).join(' '),
    );
  }
  const doc = path.join(dir, 'doc.txt');
  const text = paras.join('\n\n') + '\n';
  writeFileSync(doc, text);
  const probe = path.join(dir, 'rss.js');
  writeFileSync(probe, "process.on('exit', () => require('fs').writeSync(2, `maxRSS=${process.resourceUsage().maxRSS}\\n`));\n");
  for (const format of ['jsonl', 'spans']) {
    const out = path.join(dir, `out.${format}`);
    const r = spawnSync(
      'bash',
      ['-c', `"${process.execPath}" --max-old-space-size=40 --require "${probe}" "${CLI}" --format ${format} "${doc}" > "${out}"`],
      { encoding: 'utf8', timeout: 300_000 },
    );
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const rss = Number(/maxRSS=(\d+)/.exec(r.stderr)?.[1]);
    console.log(`--format ${format}, ${text.length} characters: peak RSS ${(rss / 1024).toFixed(0)} MB with a 40 MB heap`);
    assert.ok(rss > 0 && rss < 400 * 1024, `peak RSS ${rss} KB`);
    const written = readFileSync(out, 'utf8');
    if (format === 'jsonl') {
      const lines = written.trim().split('\n');
      const last = JSON.parse(lines[lines.length - 1]) as { sequence?: unknown[] };
      assert.ok(Array.isArray(last.sequence));
      const w = JSON.parse(lines[lines.length - 2]) as { start: number; end: number; text: string };
      assert.equal(text.slice(w.start, w.end), w.text);
      assert.ok(lines.length > 100_000, `${lines.length} lines`);
    } else {
      const rec = JSON.parse(written) as { text: string; spans: unknown[]; label: unknown[] };
      assert.equal(rec.text, text);
      assert.equal(rec.spans.length, rec.label.length);
      assert.ok(rec.spans.length > 50_000);
    }
  }
});
