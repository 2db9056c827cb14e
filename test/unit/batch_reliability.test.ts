// Batch runs that meet each other, links, devices and a full disk, run as a user runs them
// (node dist/cli.js, real processes, the real default model): two runs on one output, a run
// killed while it holds the output, an output reached through a linked folder, linked, broken
// and special inputs, /dev/zero, and an output on a 64 KiB tmpfs that fills up.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from './fixtures';

const CLI = path.join(REPO, 'dist/cli.js');
const run = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO, timeout: 180_000 });

interface Rec {
  file: string;
  skipped?: string;
  words?: Array<{ text: string; label: string }>;
}
const lines = (out: string): string[] =>
  readFileSync(out, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const records = (out: string): Rec[] =>
  lines(out)
    .slice(1)
    .map((l) => JSON.parse(l) as Rec);

function textFolder(n: number, sentences = 30): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'batch-rel-'));
  for (let i = 0; i < n; i++) {
    const text = Array.from({ length: sentences }, (_, k) => `The cat number ${i}.${k} sat on the mat and looked at the dog.`).join(' ');
    writeFileSync(path.join(dir, `f${String(i).padStart(4, '0')}.txt`), text + '\n');
  }
  return dir;
}

/** Starts a batch run and resolves once it has written `records` records (it then holds the output's lock). */
function startRun(
  args: string[],
  records: number,
): {
  child: ChildProcess;
  started: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let resolveStarted!: () => void;
  const started = new Promise<void>((res) => (resolveStarted = res));
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if ((stderr.match(/^\[\d+\/\d+\]/gm) ?? []).length >= records) resolveStarted();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('exit', (code, signal) => {
      resolveStarted();
      res({ code, signal, stderr });
    }),
  );
  return { child, started, exited };
}

function assertEachOnce(out: string, dir: string, n: number): void {
  const recs = records(out);
  const names = recs.map((r) => path.relative(dir, r.file)).sort();
  assert.equal(new Set(names).size, names.length, `a file has two records: ${names.length} records for ${new Set(names).size} files`);
  assert.equal(names.length, n);
  for (const r of recs) assert.ok(r.words && r.words.length > 0, `${r.file} not labeled: ${r.skipped}`);
}

test('two runs on one output: the second is refused in words while the first holds it, and changes nothing; the first finishes whole', async () => {
  const n = 150;
  const dir = textFolder(n);
  const out = path.join(dir, 'out', 'run.jsonl');
  const first = startRun(['--batch', out, dir], 1);
  await first.started;
  first.child.kill('SIGSTOP'); // holds the lock, part way through its files
  try {
    // as if the first run were part way through writing a record
    appendFileSync(out, '{"file":"half a rec');
    const before = readFileSync(out);
    const second = run(['--batch', out, dir]);
    assert.equal(second.status, 1, second.stderr);
    assert.match(second.stderr, /the batch output .*run\.jsonl is being written by another run \(process \d+, since /);
    assert.doesNotMatch(second.stderr, /\n\s+at /);
    assert.deepEqual(readFileSync(out), before, 'the refused run changed the output');
    truncateSync(out, before.length - '{"file":"half a rec'.length);
  } finally {
    first.child.kill('SIGCONT');
  }
  const done = await first.exited;
  assert.equal(done.code, 0, done.stderr);
  assertEachOnce(out, dir, n);
  assert.equal(existsSync(`${out}.lock`), false, 'the lock is left behind');
  // with the first run over, the output is free again: a resume finds everything done
  const again = run(['--batch', out, dir]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`0 labeled, 0 skipped, ${n} already in`));
});

test('a run killed while it holds the output leaves a stale lock that the next run takes over at once', async () => {
  const n = 150;
  const dir = textFolder(n);
  const out = path.join(dir, 'run.jsonl');
  const first = startRun(['--batch', out, dir], 3);
  await first.started;
  first.child.kill('SIGKILL');
  const killed = await first.exited;
  assert.equal(killed.signal, 'SIGKILL', 'the first run ended before it was killed');
  assert.ok(existsSync(`${out}.lock`), 'a killed run leaves its lock');
  const resume = run(['--batch', out, dir]);
  assert.equal(resume.status, 0, resume.stderr);
  assert.match(resume.stderr, / labeled, 0 skipped, [1-9]\d* already in/);
  assertEachOnce(out, dir, n);
  assert.equal(existsSync(`${out}.lock`), false);
});

test('an output reached through a linked folder is never its own input on resume', () => {
  const real = mkdtempSync(path.join(tmpdir(), 'batch-real-'));
  writeFileSync(path.join(real, 'a.txt'), 'The cat sat on the mat.\n');
  writeFileSync(path.join(real, 'b.txt'), 'She reads books.\n');
  const link = path.join(mkdtempSync(path.join(tmpdir(), 'batch-link-')), 'via');
  symlinkSync(real, link);
  const out = path.join(link, 'run.jsonl');
  const first = run(['--batch', out, real]);
  assert.equal(first.status, 0, first.stderr);
  writeFileSync(path.join(real, 'c.txt'), 'A dog barked.\n');
  const second = run(['--batch', out, real]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, /1 labeled, 0 skipped, 2 already in/);
  assert.deepEqual(
    records(out)
      .map((r) => path.basename(r.file))
      .sort(),
    ['a.txt', 'b.txt', 'c.txt'],
  );
});

test('linked, broken, folder-linked and special inputs each get a record: a linked file is labeled, the others say why', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'batch-kinds-'));
  const elsewhere = mkdtempSync(path.join(tmpdir(), 'batch-elsewhere-'));
  writeFileSync(path.join(elsewhere, 'x.txt'), 'The dog ran home.\n');
  mkdirSync(path.join(elsewhere, 'sub'));
  writeFileSync(path.join(dir, 'plain.txt'), 'The cat sat.\n');
  symlinkSync(path.join(elsewhere, 'x.txt'), path.join(dir, 'linked.txt'));
  symlinkSync(path.join(elsewhere, 'gone.txt'), path.join(dir, 'broken.txt'));
  symlinkSync(path.join(elsewhere, 'sub'), path.join(dir, 'folder-link'));
  assert.equal(spawnSync('mkfifo', [path.join(dir, 'pipe.txt')]).status, 0);
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'batch-kinds-out-')), 'run.jsonl');
  const r = run(['--batch', out, dir]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /2 labeled, 3 skipped, 0 already in/);
  const by = new Map(records(out).map((x) => [path.basename(x.file), x]));
  assert.deepEqual([...by.keys()].sort(), ['broken.txt', 'folder-link', 'linked.txt', 'pipe.txt', 'plain.txt']);
  assert.deepEqual(
    by.get('linked.txt')!.words!.map((w) => w.text),
    ['The', 'dog', 'ran', 'home', '.'],
  );
  assert.match(by.get('broken.txt')!.skipped!, /broken symbolic link/);
  assert.match(by.get('folder-link')!.skipped!, /symbolic link to a folder \(not followed\)/);
  assert.match(by.get('pipe.txt')!.skipped!, /named pipe \(FIFO\)/);
});

test('--batch OUT /dev/zero: recorded as skipped and the run exits 1 saying nothing could be labeled', () => {
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'batch-zero-')), 'run.jsonl');
  const r = run(['--batch', out, '/dev/zero']);
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /0 labeled, 1 skipped/);
  assert.match(r.stderr, /nothing could be labeled: every input was skipped/);
  assert.deepEqual(records(out), [{ file: '/dev/zero', skipped: 'not a regular file: it is a character device' }]);
  // an empty folder: nothing to label is an error too
  const empty = mkdtempSync(path.join(tmpdir(), 'batch-empty-'));
  const e = run(['--batch', path.join(empty, '..', `${path.basename(empty)}.jsonl`), empty]);
  assert.equal(e.status, 1, e.stderr);
  assert.match(e.stderr, /nothing to label/);
});

test('a full disk (a 64 KiB tmpfs) is reported in words, without a stack trace; what was written stays whole and resumes', (t) => {
  const mnt = mkdtempSync(path.join(tmpdir(), 'batch-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mounted.status !== 0) {
    t.skip(`mounting a tmpfs needs root (${mounted.stderr.trim()})`);
    return;
  }
  try {
    const dir = textFolder(40, 4);
    const out = path.join(mnt, 'run.jsonl');
    const r = run(['--batch', out, dir]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /bert-lstm-label: cannot write to .*run\.jsonl: the disk is full \(ENOSPC\)\. The records written before are kept; run again to resume/,
    );
    assert.doesNotMatch(r.stderr, /\n\s+at |Error:/);
    assert.equal(existsSync(`${out}.lock`), false, 'the lock is left behind');
    const written = readFileSync(out, 'utf8');
    const whole = written
      .slice(0, written.lastIndexOf('\n') + 1)
      .split('\n')
      .filter(Boolean);
    for (const l of whole) JSON.parse(l);
    assert.ok(whole.length > 1 && whole.length < 41, `${whole.length} lines on the full disk`);
    // more room: the run resumes where it stopped and every file ends up once
    assert.equal(spawnSync('mount', ['-o', 'remount,size=4m', mnt]).status, 0);
    const resumed = run(['--batch', out, dir]);
    assert.equal(resumed.status, 0, resumed.stderr);
    assertEachOnce(out, dir, 40);
  } finally {
    spawnSync('umount', [mnt]);
  }
});
