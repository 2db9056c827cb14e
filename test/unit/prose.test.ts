// Prose-only labeling (core/prose_*.ts): Markdown's prose from micromark's tokens, a code file's
// comments, docstrings and strings from VS Code's own TextMate grammars (the ones code-server
// ships under .cache/, installed by scripts/setup), the masked text the labeler reads, the
// worker that finds the ranges, and the shipped model labeling only the prose at the
// document's own offsets.
import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Labeler } from '../../src/core/labeler';
import type { OffsetRange } from '../../src/core/ranges';
import { SegmentCache } from '../../src/core/segments';
import { contributionsIn, languageOfFile, scopeOfLanguage, type Contributions } from '../../src/core/prose_extensions';
import { ProseCancelledError, ProseFinder } from '../../src/core/prose_finder';
import { markdownProse } from '../../src/core/prose_markdown';
import { clipRanges, codePointRanges, maskOutside, normalizeRanges } from '../../src/core/prose_mask';
import { findProse } from '../../src/core/prose_spec';
import { Grammars, grammarProse, IncrementalGrammarProse, isProseToken } from '../../src/core/prose_textmate';
import { modelAnnotations } from '../../src/core/annotations';
import { exportSpans } from '../../src/core/formats';
import { mergeRanges } from '../../src/core/ranges';
import { spliceLabels } from '../../src/core/splice';
import { streamLabels } from '../../src/core/stream_output';
import { REPO } from './fixtures';

const VSCODE_EXTENSIONS = path.join(REPO, '.cache/code-server/node_modules/code-server/lib/vscode/extensions');

const slices = (text: string, ranges: readonly OffsetRange[]): string[] => ranges.map((r) => text.slice(r.start, r.end));

function assertSortedDisjoint(text: string, ranges: readonly OffsetRange[]): void {
  for (let i = 0; i < ranges.length; i++) {
    assert.ok(ranges[i].start < ranges[i].end, `range ${i} is empty`);
    assert.ok(ranges[i].end <= text.length);
    if (i) assert.ok(ranges[i - 1].end < ranges[i].start, `ranges ${i - 1} and ${i} touch or overlap`);
  }
}

const MARKDOWN = `---
title: Front matter
tags: [a, b]
---
# The *first* heading \`code\`

A paragraph with [a link](https://example.com/path "Title") and <https://auto.example> and
www.bare.example, an escaped \\* star, AT&amp;T and **strong _nested_ words**.

> A quoted line
> and its second line.

- An item with \`inline code\`
  and a continuation
- [x] A done task
1. Numbered item

| Name | Note 😀 |
|------|:-------:|
| Ada  | ~~old~~ new |

\`\`\`python
def f(): pass
\`\`\`

    indented code

<div class="x">HTML block</div>

Text <span title="t">inside</span> ![an image](pic.png) and a note[^n] and [a ref][r].

Setext heading
==============

[r]: https://ref.example "Ref title"
[^n]: The footnote text.
`;

describe('Markdown prose', () => {
  test('paragraphs, headings, lists, quotes, tables and footnotes; no code, HTML, URLs, front matter or markers', () => {
    const ranges = markdownProse(MARKDOWN);
    assertSortedDisjoint(MARKDOWN, ranges);
    assert.deepEqual(slices(MARKDOWN, ranges), [
      'The ',
      'first',
      ' heading ',
      'A paragraph with ',
      'a link',
      ' and ',
      ' and',
      ', an escaped ',
      '* star, AT',
      'T and ',
      'strong ',
      'nested',
      ' words',
      '.',
      'A quoted line',
      'and its second line.',
      'An item with ',
      'and a continuation',
      ' A done task',
      'Numbered item',
      'Name',
      'Note 😀',
      'Ada',
      'old',
      ' new',
      'Text ',
      'inside',
      ' ',
      'an image',
      ' and a note',
      ' and ',
      'a ref',
      '.\n\nSetext heading',
      'The footnote text.',
    ]);
    const prose = slices(MARKDOWN, ranges).join('\u0000');
    for (const never of ['#', '`', 'code', '>', 'https', 'www', 'Title', 'title:', 'HTML', 'def', '|', '~~', '[x]', '&amp;', '==']) {
      assert.ok(!prose.includes(never), `${never} is in the prose`);
    }
  });

  test('offsets are exact with astral characters, tabs and CRLF line ends', () => {
    const text = '#\t😀 Emoji 𝔘𝔫𝔦 title\r\n\r\n-\titem 👍🏽 one\r\n  more 😀\r\n\r\n> 𝒬 quote\r\n';
    const ranges = markdownProse(text);
    assert.deepEqual(slices(text, ranges), ['😀 Emoji 𝔘𝔫𝔦 title', 'item 👍🏽 one\r\n  more 😀', '𝒬 quote']);
    // code points: the same ranges as Python's indices of the same text
    const cps = [...text];
    for (const [[s, e], r] of codePointRanges(text, ranges).map((p, i) => [p, ranges[i]] as const)) {
      assert.equal(cps.slice(s, e).join(''), text.slice(r.start, r.end));
    }
  });

  test('a document without prose, and the empty document', () => {
    assert.deepEqual(markdownProse(''), []);
    assert.deepEqual(markdownProse('```\nonly code\n```\n\n<br>\n'), []);
  });
});

describe('masking and ranges', () => {
  test('normalizeRanges sorts, merges overlaps and whitespace-only gaps, and clips', () => {
    const text = 'ab cd>ef  gh';
    assert.deepEqual(
      normalizeRanges(text, [
        { start: 6, end: 8 },
        { start: 0, end: 2 },
        { start: 3, end: 5 },
        { start: 1, end: 2 },
        { start: 10, end: 99 },
        { start: 4, end: 4 },
      ]),
      [
        { start: 0, end: 5 },
        { start: 6, end: 12 },
      ],
    );
  });

  test('maskOutside keeps the length, the prose and the line breaks, and blanks the rest', () => {
    const text = '# Tïtle 😀\r\n`co😀de` and\ntext';
    const ranges = [
      { start: 2, end: 10 },
      { start: 20, end: 29 },
    ];
    const masked = maskOutside(text, ranges);
    assert.equal(masked.length, text.length);
    assert.equal(masked, '  Tïtle 😀\r\n         and\ntext');
    for (const r of ranges) assert.equal(masked.slice(r.start, r.end), text.slice(r.start, r.end));
    assert.equal(
      maskOutside(text, [])
        .replace(/[\r\n]/g, '')
        .trim(),
      '',
    );
  });

  test('clipRanges gives a chunk its own ranges', () => {
    assert.deepEqual(
      clipRanges(
        [
          { start: 0, end: 5 },
          { start: 8, end: 12 },
          { start: 20, end: 30 },
        ],
        4,
        10,
      ),
      [
        { start: 0, end: 1 },
        { start: 4, end: 6 },
      ],
    );
  });
});

describe('code prose from VS Code grammars', () => {
  let contributions: Contributions;
  let grammars: Grammars;
  before(() => {
    assert.ok(existsSync(VSCODE_EXTENSIONS), `VS Code's extensions are missing (${VSCODE_EXTENSIONS}): run scripts/setup`);
    contributions = contributionsIn(VSCODE_EXTENSIONS);
    grammars = new Grammars(contributions.grammars);
  });

  async function prose(language: string, text: string): Promise<string[]> {
    const scope = scopeOfLanguage(language, contributions.grammars);
    assert.ok(scope, `no grammar for ${language}`);
    const g = await grammars.grammar(scope);
    assert.ok(g.ok, g.ok ? '' : g.problems.join('; '));
    const ranges = grammarProse(g.value, text);
    assertSortedDisjoint(text, ranges);
    return slices(text, ranges);
  }

  test('the languages of files come from the extensions', () => {
    assert.equal(languageOfFile('src/a.py', contributions.languages), 'python');
    assert.equal(languageOfFile('x.ts', contributions.languages), 'typescript');
    assert.equal(languageOfFile('README.md', contributions.languages), 'markdown');
    assert.equal(languageOfFile('Makefile', contributions.languages), 'makefile');
    assert.equal(languageOfFile('notes.unknown-ending', contributions.languages), undefined);
  });

  test('Python: comments, docstrings and strings only, without quotes, prefixes, escapes, placeholders or regexps', async () => {
    const py = [
      '# A comment with 😀 an emoji',
      'import re',
      '',
      '',
      'def greet(name: str) -> str:',
      '    """Return a greeting.',
      '',
      '    The name is used as given.',
      '    """',
      '    pattern = re.compile(r"\\d+")  # digits only',
      '    message = f"Hello {name!r}, welcome\\n"',
      '    return message + \'and \' "goodbye" + b"raw bytes".decode()',
      '',
    ].join('\n');
    assert.deepEqual(await prose('python', py), [
      ' A comment with 😀 an emoji',
      'Return a greeting.\n\n    The name is used as given.\n    ',
      ' digits only',
      'Hello ',
      ', welcome',
      'and ',
      'goodbye',
      'raw bytes',
    ]);
  });

  test('Python with CRLF line ends: the same prose at the right offsets', async () => {
    const py = '# first 😀 comment\r\nx = 1  # second\r\ny = "a string"\r\n';
    assert.deepEqual(await prose('python', py), [' first 😀 comment', ' second', 'a string']);
  });

  test('TypeScript: JSDoc text without its tags, types and names; template text without its expressions', async () => {
    const ts = [
      '/**',
      ' * Adds two numbers.',
      ' * @param a the first one',
      ' */',
      'export const sum = (a: number, b: number) => `total ${a + b} units`; // end note',
      "const s = 'single';",
      'const r = /regexp text/g;',
      '',
    ].join('\n');
    const got = await prose('typescript', ts);
    const all = got.join('|');
    assert.ok(all.includes('Adds two numbers.'), all);
    assert.ok(all.includes('the first one'), all);
    assert.ok(all.includes('total '), all);
    assert.ok(all.includes(' units'), all);
    assert.ok(all.includes(' end note'), all);
    assert.ok(all.includes('single'), all);
    for (const never of ['@param', 'sum', 'number,', 'a + b', 'regexp', '//', '/**', '*', "'", '`']) {
      assert.ok(!got.some((s) => s.includes(never)), `${never} is in the prose: ${all}`);
    }
  });

  test('HTML (a text grammar): the text between tags and comments, not tags, attributes, entities or scripts', async () => {
    const html = '<p class="intro">Hello <b>bold</b> world &amp; more.</p>\n<!-- a comment -->\n<script>var s = "code";</script>\n';
    const got = await prose('html', html);
    assert.deepEqual(got.map((s) => s.trim()).filter(Boolean), ['Hello', 'bold', 'world', 'more.', 'a comment']);
  });

  test('a scope rule example: punctuation inside a string is not prose, a string is', () => {
    assert.equal(isProseToken(['source.x', 'string.quoted.double.x']), true);
    assert.equal(isProseToken(['source.x', 'string.quoted.double.x', 'punctuation.definition.string.begin.x']), false);
    assert.equal(isProseToken(['source.x', 'meta.fstring.x', 'punctuation.definition.string.begin.x', 'string.interpolated.x']), false);
    assert.equal(isProseToken(['source.x', 'string.regexp.x']), false);
    assert.equal(isProseToken(['source.x']), false);
    assert.equal(isProseToken(['text.x']), true);
    assert.equal(isProseToken(['text.x', 'string.quoted.double.x']), false);
  });

  test('incremental tokenizing after edits gives what tokenizing the new text afresh gives', async () => {
    const g = await grammars.grammar('source.python');
    assert.ok(g.ok);
    const lines = [
      '# heading comment',
      'def f(x):',
      '    """A docstring',
      '    over lines."""',
      '    return "text" + x  # tail',
      'y = 1',
      "z = 'last words'",
    ];
    const pieces = ['"""', '# note', "'q'", 'x = 2', '', '"unclosed', '    """end"""'];
    const incremental = new IncrementalGrammarProse(g.value);
    let rng = 7;
    const next = (n: number): number => ((rng = (rng * 1103515245 + 12345) % 2 ** 31), rng % n);
    const doc = [...lines];
    for (let step = 0; step < 200; step++) {
      const at = next(doc.length + 1);
      const op = next(3);
      if (op === 0) doc.splice(at, 0, pieces[next(pieces.length)]);
      else if (op === 1 && doc.length > 1) doc.splice(Math.min(at, doc.length - 1), 1);
      else doc[Math.min(at, doc.length - 1)] += pieces[next(pieces.length)];
      const text = doc.join(next(4) === 0 ? '\r\n' : '\n');
      assert.deepEqual(incremental.prose(text), grammarProse(g.value, text), `step ${step}:\n${text}`);
    }
  });

  test('a missing grammar is a problem in words', async () => {
    const r = await findProse('x', { kind: 'grammar', scopeName: 'source.nothing', grammars: contributions.grammars });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problems[0], /no grammar for source\.nothing/);
  });

  test('the worker finds the same ranges as findProse, and drops a request aborted before its turn', async () => {
    const finder = new ProseFinder(path.join(REPO, 'out/src/core/prose_worker.js'));
    try {
      const spec = { kind: 'grammar', scopeName: 'source.python', grammars: contributions.grammars } as const;
      const py = '# hello there\nx = "world"\n';
      assert.deepEqual(await finder.find(py, spec), await findProse(py, spec));
      assert.deepEqual(await finder.find(MARKDOWN, { kind: 'markdown' }), { ok: true, ranges: markdownProse(MARKDOWN) });
      const controller = new AbortController();
      const first = finder.find(MARKDOWN, { kind: 'markdown' });
      const dropped = finder.find(MARKDOWN, { kind: 'markdown' }, controller.signal);
      controller.abort();
      await assert.rejects(dropped, ProseCancelledError);
      assert.equal((await first).ok, true);
      assert.deepEqual(await finder.find('abc', { kind: 'whole' }), { ok: true, ranges: [{ start: 0, end: 3 }] });
    } finally {
      await finder.dispose();
    }
  });
});

test('a request that runs past the time limit gets a problem in words (and the document is labeled whole)', async () => {
  const finder = new ProseFinder(path.join(REPO, 'out/src/core/prose_worker.js'), 1);
  try {
    const huge = MARKDOWN.repeat(2000);
    const slow = await finder.find(huge, { kind: 'markdown' });
    assert.equal(slow.ok, false);
    assert.match(slow.ok ? '' : slow.problems[0], /finding the prose took longer than 0.001 seconds/);
  } finally {
    await finder.dispose();
  }
  const patient = new ProseFinder(path.join(REPO, 'out/src/core/prose_worker.js'));
  try {
    assert.deepEqual(await patient.find(MARKDOWN, { kind: 'markdown' }), { ok: true, ranges: markdownProse(MARKDOWN) });
  } finally {
    await patient.dispose();
  }
});

describe('labeling only the prose (shipped model)', () => {
  let labeler: Labeler;
  before(async () => {
    const opened = await Labeler.open(path.join(REPO, 'models/default'));
    assert.ok(opened.ok, opened.ok ? '' : opened.problems.join('; '));
    labeler = opened.value;
  });
  after(() => labeler?.dispose());

  test('words only inside the ranges, at the document offsets, and the ranges reported', async () => {
    const text = '# The 😀 title `code`\n\nA [linked](https://x.example/y) word and `more code` here.\n\n```\nnot = prose\n```\n';
    const ranges = markdownProse(text);
    const result = await labeler.label(text, { ranges });
    assert.deepEqual(result.ranges, ranges);
    assert.ok(result.words.length > 0);
    for (const w of result.words) {
      assert.ok(
        ranges.some((r) => r.start <= w.start && w.end <= r.end),
        `"${w.text}" at ${w.start} is outside the prose`,
      );
      assert.equal(w.text, text.slice(w.start, w.end));
    }
    assert.deepEqual(
      result.words.map((w) => w.text),
      ['The', '😀', 'title', 'A', 'linked', 'word', 'and', 'here', '.'].filter((t) => result.words.some((w) => w.text === t)),
    );
    for (const never of ['#', 'code', 'https', 'not', 'prose', '`']) assert.ok(!result.words.some((w) => w.text.includes(never)), never);
  });

  test('a selection labeled into prose-only labels adds its range; the streamed spans record equals exportSpans', async () => {
    const text = 'Intro words `x = 1` end.\n\nMore prose here.\n';
    const ranges = markdownProse(text);
    const base = await labeler.label(text, { ranges });
    const sel = { start: 12, end: 17 };
    const part = await labeler.label(text.slice(sel.start, sel.end));
    const spliced = spliceLabels(base, part, sel);
    assert.deepEqual(spliced.ranges, mergeRanges([...ranges, sel]));
    assert.deepEqual(spliceLabels(undefined, part, sel).ranges, [sel]);
    const whole = await labeler.label(text);
    assert.equal(spliceLabels(whole, part, sel).ranges, undefined);

    let streamed = '';
    await streamLabels(labeler, text, (x) => void (streamed += x), {
      format: 'spans',
      labelOptions: { ranges },
      annotate: (chunk) => modelAnnotations(chunk.text, chunk.result.words, 'plain'),
      maxChars: 20,
    });
    const exported = exportSpans(text, modelAnnotations(text, base.words, 'plain'), codePointRanges(text, ranges));
    assert.equal(streamed, exported.content);
    assert.deepEqual(JSON.parse(streamed).labeled_ranges, codePointRanges(text, ranges));
  });

  test('an edit re-runs only the changed segments (the cache keys on the masked text)', async () => {
    const para = (i: number): string => `Paragraph ${i} has \`code ${i}\` and words.\n\n`;
    const text = Array.from({ length: 6 }, (_, i) => para(i)).join('');
    const cache = new SegmentCache();
    const first = await labeler.label(text, { ranges: markdownProse(text), cache });
    const edited = text.replace('Paragraph 3 has', 'Paragraph 3 now has');
    const second = await labeler.label(edited, { ranges: markdownProse(edited), cache });
    assert.ok(second.segments.run >= 1 && second.segments.run < first.segments.run, JSON.stringify(second.segments));
    const fresh = await labeler.label(edited, { ranges: markdownProse(edited) });
    assert.deepEqual(
      second.words.map((w) => [w.start, w.end, w.label]),
      fresh.words.map((w) => [w.start, w.end, w.label]),
    );
  });
});
