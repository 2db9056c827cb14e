// Batch labeling and the export formats from the command line, run as a user runs them
// (node dist/cli.js) with the real default model on small temporary files.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { compileGlob, skipReason } from '../../src/core/batch';
import { importAs, type ExportFormat } from '../../src/core/formats';
import { jsonLines, REPO } from './fixtures';

const CLI = path.join(REPO, 'dist/cli.js');
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', cwd: REPO, timeout: 120_000 });

interface Rec {
  file: string;
  skipped?: string;
  sha256?: string;
  chars?: number;
  words?: Array<{ start: number; end: number; text: string; label: string; score: number }>;
  sequence?: Array<{ label: string; score: number }>;
}
const records = (out: string): Rec[] =>
  readFileSync(out, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l) as Rec);

function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'batch-'));
  writeFileSync(path.join(dir, 'a.txt'), 'The cat sat on the mat.\n');
  mkdirSync(path.join(dir, 'sub'));
  writeFileSync(path.join(dir, 'sub', 'b.md'), 'She reads 3 books — in Zürich 😀.');
  writeFileSync(path.join(dir, 'bin.dat'), Buffer.from([0x50, 0x4b, 0x00, 0x01]));
  writeFileSync(path.join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  writeFileSync(path.join(dir, 'big.txt'), 'word '.repeat(100));
  return dir;
}

test('--batch FOLDER: one record per file with word labels and sequence scores; binary, non-UTF-8 and huge files skipped with a reason', () => {
  const dir = folder();
  const out = path.join(dir, 'run.jsonl');
  const r = run(['--batch', out, '--max-bytes', '200', dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /2 labeled, 3 skipped, 0 already in/);
  const header = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]);
  assert.equal(header.schema, 'bert-lstm-batch');
  const byName = new Map(records(out).map((x) => [path.relative(dir, x.file), x]));
  assert.deepEqual([...byName.keys()].sort(), ['a.txt', 'big.txt', 'bin.dat', 'latin1.txt', 'sub/b.md']);
  assert.match(byName.get('bin.dat')!.skipped!, /binary/);
  assert.match(byName.get('latin1.txt')!.skipped!, /not UTF-8/);
  assert.match(byName.get('big.txt')!.skipped!, /too large \(500 bytes, the limit is 200\)/);
  for (const name of ['a.txt', 'sub/b.md']) {
    const rec = byName.get(name)!;
    const text = readFileSync(path.join(dir, name), 'utf8');
    assert.equal(rec.chars, text.length);
    assert.ok(rec.sequence!.length > 0);
    assert.ok(rec.words!.length >= 6);
    for (const w of rec.words!) {
      assert.equal(text.slice(w.start, w.end), w.text);
      assert.ok(w.score > 0 && w.score <= 1 && /^[A-Z]+$/.test(w.label));
    }
  }
  // the same labels as the single-file labeler's (whatever the model says)
  const single = run(['--format', 'jsonl', path.join(dir, 'a.txt')]);
  assert.equal(single.status, 0, single.stderr);
  const singleWords = jsonLines<{ text?: string; label?: string }>(single.stdout).filter((w) => w.label);
  assert.deepEqual(
    byName.get('a.txt')!.words!.map((w) => `${w.text}/${w.label}`),
    singleWords.map((w) => `${w.text}/${w.label}`),
  );
});

test('--batch resumes: files already in the output are skipped, a record cut off by a crash is redone', () => {
  const dir = folder();
  const out = path.join(dir, 'out', 'run.jsonl');
  let r = run(['--batch', out, path.join(dir, '**/*.txt')]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(
    records(out)
      .map((x) => path.basename(x.file))
      .sort(),
    ['a.txt', 'big.txt', 'latin1.txt'],
  );
  writeFileSync(path.join(dir, 'c.txt'), 'A new file.');
  r = run(['--batch', out, path.join(dir, '**/*.txt')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /1 labeled, 0 skipped, 3 already in/);
  assert.equal(records(out).length, 4);
  // a run killed while writing its last record
  appendFileSync(out, '{"file":"' + path.join(dir, 'sub', 'b.md') + '","sha256":"ab');
  r = run(['--batch', out, path.join(dir, 'sub')]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /cut off by an interrupted run/);
  const recs = records(out);
  assert.equal(recs.length, 5);
  assert.ok(recs[4].words!.length > 0);
});

test('--batch refuses to add to a file that is not a batch output, and reports missing inputs', () => {
  const dir = folder();
  const notOurs = path.join(dir, 'notes.jsonl');
  writeFileSync(notOurs, '{"hello": 1}\n');
  let r = run(['--batch', notOurs, dir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /is not a batch output/);
  assert.equal(readFileSync(notOurs, 'utf8'), '{"hello": 1}\n');
  r = run(['--batch', path.join(dir, 'x.jsonl'), path.join(dir, 'nope')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /nope: no such file or folder/);
  r = run(['--batch', path.join(dir, 'x.jsonl'), '--max-bytes', 'lots', dir]);
  assert.equal(r.status, 2);
});

for (const format of ['conll', 'conllu', 'spans'] as const satisfies readonly ExportFormat[]) {
  test(`--format ${format}: the model's labels in the format, and importing them back fits the text`, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fmt-'));
    const text = 'The cat sat on the mat.\nDr. Müller paid $3.50 — twice 😀!\n';
    const file = path.join(dir, 'doc.txt');
    writeFileSync(file, text);
    const r = run(['--format', format, file]);
    assert.equal(r.status, 0, r.stderr);
    const back = importAs(format, r.stdout, text);
    assert.ok(back.ok, JSON.stringify(!back.ok && back.problems));
    const jsonl = run(['--format', 'jsonl', file]);
    const words = jsonl.stdout
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      back.annotations.map((a) => [a.start, a.end, a.label]),
      words.map((w) => [w.start, w.end, w.label]),
    );
  });
}

test('globs: ** crosses folders, * and ? do not, {a,b} alternatives; the fixed part is the folder walked', () => {
  const g = compileGlob('docs/**/*.{txt,md}');
  assert.equal(g.base, 'docs');
  for (const p of ['a.txt', 'x/y/b.md']) assert.ok(g.matches(p), p);
  for (const p of ['a.json', 'x/a.txt.bak']) assert.ok(!g.matches(p), p);
  const one = compileGlob('/abs/dir/?.txt');
  assert.equal(one.base, '/abs/dir');
  assert.ok(one.matches('a.txt') && !one.matches('ab.txt') && !one.matches('s/a.txt'));
  assert.equal(compileGlob('plain/folder').base, 'plain/folder');
});

test('skip reasons: size first, then NUL bytes, then invalid UTF-8', () => {
  assert.match(skipReason(new Uint8Array(10), 5)!, /too large \(10 bytes, the limit is 5\)/);
  assert.match(skipReason(new Uint8Array([65, 0, 66]), 100)!, /binary/);
  assert.match(skipReason(new Uint8Array([0xc3, 0x28]), 100)!, /not UTF-8/);
  assert.equal(skipReason(new TextEncoder().encode('café 😀'), 100), undefined);
});

test('--batch with --workers 3 (six files at once) writes the bytes of --workers 1 over a folder of short files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'batch-workers-'));
  const sentences = ['The cat sat on the mat.', 'She did not know what to say.', 'Prices rose 3.5% in May.', 'Is it raining in Zürich?'];
  for (let i = 0; i < 24; i++)
    writeFileSync(path.join(dir, `s${String(i).padStart(2, '0')}.txt`), `${sentences[i % 4]} ${'Yes. '.repeat(i)}\n`);
  const one = path.join(tmpdir(), `batch-workers-${process.pid}-1.jsonl`);
  const three = path.join(tmpdir(), `batch-workers-${process.pid}-3.jsonl`);
  const a = run(['--batch', one, '--workers', '1', dir]);
  const b = run(['--batch', three, '--workers', '3', dir]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(b.status, 0, b.stderr);
  assert.match(b.stderr, /24 labeled, 0 skipped/);
  assert.equal(readFileSync(three, 'utf8'), readFileSync(one, 'utf8'));
});
