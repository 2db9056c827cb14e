// The command-line labeler, run as a user runs it (node dist/cli.js).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, REPO } from './fixtures';

const CLI = path.join(REPO, 'dist/cli.js');
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', cwd: REPO, timeout: 120_000 });

test('labels a file as word/LABEL, keeping the spacing; words that touch are one space apart', () => {
  const r = run([path.join(REPO, 'samples/sentences.txt')]);
  assert.equal(r.status, 0, r.stderr);
  const first = r.stdout.split('\n')[0];
  assert.match(first, /^The\/[A-Z]+ cat\/[A-Z]+ sat\/[A-Z]+ on\/[A-Z]+ the\/[A-Z]+ mat\/[A-Z]+ \.\/[A-Z]+$/);
  // the text's own spacing (two spaces, a tab, a line break) stays; UD's words of `didn't` touch
  const t = run([], "She  didn't\tgo.\nNo.");
  assert.equal(t.status, 0, t.stderr);
  assert.match(t.stdout, /^She\/[A-Z]+ {2}did\/[A-Z]+ n't\/[A-Z]+\tgo\/[A-Z]+ \.\/[A-Z]+\nNo\/[A-Z]+ \.\/[A-Z]+\n?$/);
});

test('--format jsonl from stdin: UTF-16 offsets into the input, then the sequence scores', () => {
  const text = 'Café 😀 ok.';
  const r = run(['--format', 'jsonl'], text);
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  const seq = lines.pop();
  assert.ok(Array.isArray(seq.sequence) && seq.sequence.length > 0);
  assert.deepEqual(
    lines.map((w) => w.text),
    ['Café', '😀', 'ok', '.'],
  );
  for (const w of lines) {
    assert.equal(text.slice(w.start, w.end), w.text);
    assert.ok(typeof w.label === 'string' && w.score > 0 && w.score <= 1);
  }
});

test('bad input: a clear message and a non-zero exit', () => {
  let r = run(['/nonexistent/file.txt']);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /cannot read \/nonexistent\/file.txt: ENOENT/);
  r = run(['--format', 'xml'], 'x');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--format must be text or jsonl/);
  r = run(['--model', '/nonexistent/model'], 'x');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the model cannot be used/);
  const dir = mkdtempSync(path.join(tmpdir(), 'cli-'));
  writeFileSync(path.join(dir, 'bin.dat'), Buffer.from([0x50, 0x4b, 0x00, 0x01]));
  r = run([path.join(dir, 'bin.dat')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /looks binary/);
});

test('--help prints the usage', () => {
  const r = run(['--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /usage: bert-lstm-label/);
});

test('--workers N gives the same output as one worker; a bad count is refused', () => {
  const file = path.join(REPO, 'samples/sentences.txt');
  const one = run(['--workers', '1', '--format', 'jsonl', file]);
  const three = run(['--workers', '3', '--format', 'jsonl', file]);
  assert.equal(one.status, 0, one.stderr);
  assert.equal(three.status, 0, three.stderr);
  assert.equal(three.stdout, one.stdout);
  const bad = run(['--workers', '0', file]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--workers must be a positive whole number/);
});
