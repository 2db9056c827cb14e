// The command-line labeler's prose option, run as a user runs it (node dist/cli.js): Markdown
// files labeled on their prose by default, code files by VS Code's grammars (--grammars), the
// labeled ranges in every output, and --prose whole as before.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { markdownProse } from '../../src/core/prose_markdown';
import { codePointRanges } from '../../src/core/prose_mask';
import { jsonLines, REPO } from './fixtures';

const CLI = path.join(REPO, 'dist/cli.js');
const GRAMMARS = path.join(REPO, '.cache/code-server/node_modules/code-server/lib/vscode/extensions');
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [CLI, '--workers', '1', ...args], { input, encoding: 'utf8', cwd: REPO, timeout: 120_000 });

const MD = '# The 😀 title with `code`\n\nSome *prose* and [a link](https://x.example/y).\n\n```\nnot = prose\n```\n';
const dir = mkdtempSync(path.join(tmpdir(), 'cli-prose-'));
const mdFile = path.join(dir, 'note.md');
writeFileSync(mdFile, MD);

/** A --format jsonl run: its word lines, and its last line (sequence scores, labeled ranges). */
function jsonlRun(args: string[]): { words: Array<{ start: number; end: number; text: string }>; last: { labeled_ranges?: unknown } } {
  const r = run(['--format', 'jsonl', ...args]);
  assert.equal(r.status, 0, r.stderr);
  const words = jsonLines(r.stdout);
  const last = words.pop();
  return { words, last };
}

const inRanges = (ranges: ReadonlyArray<readonly [number, number]>, s: number, e: number): boolean =>
  ranges.some(([a, b]) => a <= s && e <= b);

test('a Markdown file: words only in its prose, and the labeled ranges (UTF-16) after them', () => {
  const { words: lines, last } = jsonlRun([mdFile]);
  const expected = markdownProse(MD).map((x) => [x.start, x.end]);
  assert.deepEqual(last.labeled_ranges, expected);
  assert.ok(lines.length > 0);
  for (const w of lines) {
    assert.ok(inRanges(expected as Array<[number, number]>, w.start, w.end), `${w.text} is outside the prose`);
    assert.equal(MD.slice(w.start, w.end), w.text);
  }
  assert.ok(!lines.some((w) => ['#', 'code', 'https', 'not', '`'].some((x) => w.text.includes(x))));
});

test('spans and CoNLL-U say which ranges were labeled, in code points', () => {
  const cps = codePointRanges(MD, markdownProse(MD));
  const spans = run(['--format', 'spans', mdFile]);
  assert.equal(spans.status, 0, spans.stderr);
  const record = JSON.parse(spans.stdout);
  assert.deepEqual(record.labeled_ranges, cps);
  const chars = [...MD];
  for (const s of record.spans) assert.ok(inRanges(cps, s.start, s.end), chars.slice(s.start, s.end).join(''));
  const conllu = run(['--format', 'conllu', mdFile]);
  assert.equal(conllu.status, 0, conllu.stderr);
  assert.ok(conllu.stdout.includes(`# labeled_ranges = ${cps.map(([s, e]) => `${s}-${e}`).join(' ')}\n`), conllu.stdout);
});

test('--prose whole labels the markup too, and says no ranges', () => {
  const { words: lines, last } = jsonlRun(['--prose', 'whole', mdFile]);
  assert.equal(last.labeled_ranges, undefined);
  assert.ok(lines.some((w) => w.text === '#'));
});

test('a Python file with --grammars: only comments, docstrings and strings', () => {
  const py = '# A comment about cats\ndef f(x):\n    """Return the dog."""\n    return x + "more words"\n';
  const file = path.join(dir, 'code.py');
  writeFileSync(file, py);
  const words = jsonlRun(['--grammars', GRAMMARS, file])
    .words.filter((w) => w.text !== undefined)
    .map((w) => w.text);
  assert.deepEqual(words, ['A', 'comment', 'about', 'cats', 'Return', 'the', 'dog', '.', 'more', 'words']);
  // without grammars a code file is labeled whole
  const whole = run(['--format', 'jsonl', file]);
  assert.equal(whole.status, 0, whole.stderr);
  assert.ok(whole.stdout.includes('"text":"def"'));
});

test('bad prose options: a clear message and exit 2', () => {
  let r = run(['--prose', 'some'], 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--prose must be auto, markdown, code or whole/);
  r = run(['--prose', 'code'], 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--prose code needs --grammars DIR/);
  r = run(['--grammars', dir], 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /no extension there contributes a grammar/);
  r = run(['--prose', 'code', '--grammars', GRAMMARS], 'x');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /no grammar in --grammars for standard input/);
});
