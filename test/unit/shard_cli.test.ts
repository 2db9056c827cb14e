// Sharded batch runs as an Indexed Job runs them, here as separate local processes (node
// dist/cli.js, the real default model): N shards merged give the very bytes one --batch run
// writes (N = 1 and N = 3), also after a shard is killed with SIGKILL mid-run and run again;
// the environment of an Indexed Job picks the shard; a shard run as PID 1 of its own PID
// namespace (a container) and killed is resumed by its replacement; a merge names a missing,
// doubled, unfinished, corrupt or foreign shard and writes nothing; a shard refuses an output
// of another plan.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from './fixtures';

const CLI = path.join(REPO, 'dist/cli.js');
const MAX_BYTES = '4000';
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: REPO, timeout: 240_000, env: { ...process.env, ...env } });

/** Runs the CLI as a child process; resolves with its exit once it ends. `onRecords` fires after that many progress lines. */
function start(args: string[], onRecords?: { n: number; then: (kill: () => void) => void }) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let fired = false;
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (onRecords && !fired && (stderr.match(/^\[\d+\/\d+\]/gm) ?? []).length >= onRecords.n) {
      fired = true;
      onRecords.then(() => child.kill('SIGKILL'));
    }
  });
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal, stderr })),
  );
}

/** A corpus of mixed sizes, with a subfolder, a binary file, a non-UTF-8 file and one over the size limit. */
function corpus(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'shard-in-'));
  mkdirSync(path.join(dir, 'sub'));
  for (let i = 0; i < 60; i++) {
    const n = 1 + ((i * 7) % 13);
    const text = Array.from({ length: n }, (_, k) => `Doc ${i} says: the committee approved budget ${k} after a long debate.`).join(' ');
    writeFileSync(path.join(dir, i % 4 === 0 ? 'sub' : '.', `doc-${String(i).padStart(3, '0')}.txt`), text + '\n');
  }
  writeFileSync(path.join(dir, 'image.bin'), Buffer.from([0x89, 0x50, 0x00, 0x01]));
  writeFileSync(path.join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
  writeFileSync(path.join(dir, 'huge.txt'), 'word '.repeat(1000));
  return dir;
}

const shardOut = (dir: string, i: number) => path.join(dir, `shard-${i}.jsonl`);

async function runShards(input: string, outDir: string, count: number, extra: string[] = []): Promise<string[]> {
  const exits = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      start(['--batch', shardOut(outDir, i), '--shard', `${i}/${count}`, '--max-bytes', MAX_BYTES, ...extra, input]),
    ),
  );
  exits.forEach((e, i) => assert.equal(e.code, 0, `shard ${i}/${count}: ${e.stderr}`));
  return Array.from({ length: count }, (_, i) => shardOut(outDir, i));
}

function merge(merged: string, outs: string[]) {
  return run(['--merge', merged, ...outs]);
}

const work = mkdtempSync(path.join(tmpdir(), 'shard-work-'));
const input = corpus();
const single = path.join(work, 'single.jsonl');
let three: string[] = [];

test('N = 1 and N = 3 shards, run as separate processes and merged, give the bytes of one --batch run', async () => {
  const one = run(['--batch', single, '--max-bytes', MAX_BYTES, input]);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stderr, /60 labeled, 3 skipped/);

  const n1 = await runShards(input, path.join(work, 'n1'), 1);
  assert.deepEqual(readFileSync(n1[0]), readFileSync(single), 'one shard writes the unsharded output itself');
  const m1 = path.join(work, 'merged-1.jsonl');
  const r1 = merge(m1, n1);
  assert.equal(r1.status, 0, r1.stderr);
  assert.deepEqual(readFileSync(m1), readFileSync(single));

  three = await runShards(input, path.join(work, 'n3'), 3);
  const counts = three.map((o) => readFileSync(o, 'utf8').trim().split('\n').length - 1);
  assert.equal(
    counts.reduce((a, b) => a + b, 0),
    63,
  );
  assert.ok(
    counts.every((c) => c > 0),
    `every shard has a share: ${counts}`,
  );
  const m3 = path.join(work, 'merged-3.jsonl');
  const r3 = merge(m3, [three[2], three[0], three[1]]); // in any order
  assert.equal(r3.status, 0, r3.stderr);
  assert.match(r3.stderr, /3 shards merged into .*: 63 records/);
  assert.deepEqual(readFileSync(m3), readFileSync(single));
});

test('a shard killed with SIGKILL mid-run is named unfinished by the merge, resumes when run again, and the merge is the same bytes again', async () => {
  const outDir = path.join(work, 'killed');
  const count = 3;
  // shards 0 and 2 finish; shard 1 is killed after its third record
  const others = await Promise.all(
    [0, 2].map((i) => start(['--batch', shardOut(outDir, i), '--shard', `${i}/${count}`, '--max-bytes', MAX_BYTES, input])),
  );
  others.forEach((e) => assert.equal(e.code, 0, e.stderr));
  const killed = await start(['--batch', shardOut(outDir, 1), '--shard', `1/${count}`, '--max-bytes', MAX_BYTES, input], {
    n: 3,
    then: (kill) => kill(),
  });
  assert.equal(killed.signal, 'SIGKILL', `the shard ended before it was killed: ${killed.stderr}`);
  const outs = [0, 1, 2].map((i) => shardOut(outDir, i));
  const merged = path.join(work, 'merged-killed.jsonl');
  const early = merge(merged, outs);
  assert.equal(early.status, 1);
  assert.match(early.stderr, /shard 1\/3 \(.*shard-1\.jsonl\) has not finished \(its manifest says so\): run it again \(it resumes\)/);
  assert.equal(existsSync(merged), false);

  const again = run(['--batch', shardOut(outDir, 1), '--shard', `1/${count}`, '--max-bytes', MAX_BYTES, input]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, / labeled, \d+ skipped, [1-9]\d* already in /, 'the rerun resumes');
  const r = merge(merged, outs);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readFileSync(merged), readFileSync(single));
});

test('as in a container: a shard that is PID 1 of its own PID namespace, killed, is resumed by its replacement (PID 1 too, the same host), which takes over its locks', async () => {
  const out = path.join(work, 'pid1', 'shard-0.jsonl');
  const args = ['-fp', '--mount-proc', process.execPath, CLI, '--batch', out, '--shard', '0/3', '--max-bytes', MAX_BYTES, input];
  const child = spawn('unshare', args, { cwd: REPO, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  const exited = new Promise<NodeJS.Signals | number | null>((res) => child.on('exit', (code, signal) => res(signal ?? code)));
  await new Promise<void>((res) =>
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      if ((stderr.match(/^\[\d+\/\d+\]/gm) ?? []).length >= 3) res();
    }),
  );
  // the labeler is unshare's child: PID 1 inside, some other pid outside; it is the one killed
  const inner = Number(readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/)[0]);
  assert.ok(inner > 0, 'no process in the namespace');
  process.kill(inner, 'SIGKILL');
  await exited;
  for (const lock of [`${out}.lock`, `${out}.manifest.json.lock`])
    assert.equal((JSON.parse(readFileSync(lock, 'utf8')) as { pid: number }).pid, 1, `${lock} is left, held by PID 1`);
  const again = spawnSync('unshare', args, { encoding: 'utf8', cwd: REPO, timeout: 240_000 });
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, / labeled, \d+ skipped, [1-9]\d* already in /, 'the replacement resumes');
  assert.deepEqual(readFileSync(out), readFileSync(three[0]), 'the same output as an uninterrupted shard 0/3');
  assert.equal(existsSync(`${out}.lock`), false);
});

test("an Indexed Job's JOB_COMPLETION_INDEX and JOB_COMPLETION_COUNT pick the shard: the same output and manifest as --shard", () => {
  const out = path.join(work, 'env', 'shard-1.jsonl');
  const r = run(['--batch', out, '--max-bytes', MAX_BYTES, input], { JOB_COMPLETION_INDEX: '1', JOB_COMPLETION_COUNT: '3' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /shard 1\/3: \d+ of 63 inputs/);
  assert.deepEqual(readFileSync(out), readFileSync(three[1]));
  assert.deepEqual(readFileSync(`${out}.manifest.json`), readFileSync(`${three[1]}.manifest.json`));
});

test('a merge names every problem and writes nothing: a missing, doubled, corrupt, cut-off, foreign or unmanifested shard; an existing MERGED', async () => {
  const merged = path.join(work, 'never.jsonl');
  const expectProblems = (outs: string[], ...res: RegExp[]) => {
    const r = merge(merged, outs);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /the shards cannot be merged into/);
    for (const re of res) assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(merged), false, 'a failed merge writes nothing');
  };
  const copy = (from: string, dir: string): string => {
    mkdirSync(dir, { recursive: true });
    const to = path.join(dir, path.basename(from));
    copyFileSync(from, to);
    copyFileSync(`${from}.manifest.json`, `${to}.manifest.json`);
    return to;
  };
  expectProblems([three[0], three[2]], /shard 1\/3 is missing: no output given is it/);
  expectProblems([three[0]], /shards 1\/3, 2\/3 are missing/);
  const twin = copy(three[1], path.join(work, 'twin'));
  expectProblems([three[0], three[1], twin, three[2]], /shard 1\/3 is given 2 times: .*shard-1\.jsonl and .*twin\/shard-1\.jsonl/);
  expectProblems([three[0], three[1], three[1], three[2]], /shard-1\.jsonl is given twice/);

  // a record changed by one character: named with its file and line
  const corrupt = copy(three[2], path.join(work, 'corrupt'));
  const lines = readFileSync(corrupt, 'utf8').split('\n');
  const victim = JSON.parse(lines[2]) as { file: string };
  lines[2] = lines[2].replace('"score":0.', '"score":1.');
  writeFileSync(corrupt, lines.join('\n'));
  expectProblems(
    [three[0], three[1], corrupt],
    new RegExp(
      `shard 2/3 \\(.*corrupt/shard-2\\.jsonl\\): the record of ${victim.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(line 3\\) does not match its checksum`,
    ),
  );
  // cut off after its second record
  const cut = copy(three[0], path.join(work, 'cut'));
  writeFileSync(cut, readFileSync(cut, 'utf8').split('\n').slice(0, 3).join('\n') + '\n');
  expectProblems(
    [cut, three[1], three[2]],
    /shard 0\/3 \(.*cut\/shard-0\.jsonl\): the output has 2 records and its manifest \d+: it is cut off/,
  );
  // two problems at once are both named
  expectProblems([cut, three[1], corrupt], /shard 0\/3 .*cut off/, /shard 2\/3 .*does not match its checksum/);

  // a shard of another split of the inputs
  const two = await runShards(input, path.join(work, 'n2'), 2);
  expectProblems([three[0], two[1], three[2]], /are not of one run: they split the run into 3 and 2 shards/);
  // an output without a manifest, and a path that is nothing
  expectProblems([three[0], three[1], single], /single\.jsonl has no shard manifest .*: it is not a shard's output/);
  expectProblems([three[0], three[1], path.join(work, 'nothing.jsonl')], /nothing\.jsonl does not exist/);

  const exists = path.join(work, 'exists.jsonl');
  writeFileSync(exists, 'mine\n');
  const r = merge(exists, three);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /exists\.jsonl exists: the merge never overwrites a file/);
  assert.equal(readFileSync(exists, 'utf8'), 'mine\n');
});

test('a shard refuses, in words and changing nothing, an output of another plan, one that is not a shard output, and an output folder among its inputs', () => {
  const before = readFileSync(three[0]);
  const other = run(['--batch', three[0], '--shard', '0/3', '--max-bytes', MAX_BYTES, '--strategy', 'max', input]);
  assert.equal(other.status, 1, other.stderr);
  assert.match(
    other.stderr,
    /was started by another sharded run than this one: they labeled with different options \(strategy: first and max\)/,
  );
  const index = run(['--batch', three[0], '--shard', '1/3', '--max-bytes', MAX_BYTES, input]);
  assert.equal(index.status, 1);
  assert.match(index.stderr, /it is shard 0\/3's and this run is shard 1\/3/);
  assert.deepEqual(readFileSync(three[0]), before);

  const plain = run(['--batch', single, '--shard', '0/3', '--max-bytes', MAX_BYTES, input]);
  assert.equal(plain.status, 1);
  assert.match(plain.stderr, /single\.jsonl exists but has no shard manifest/);

  const inside = run(['--batch', path.join(input, 'sub', 'out.jsonl'), '--shard', '0/3', input]);
  assert.equal(inside.status, 1);
  assert.match(inside.stderr, /is in the shards' output folder .*: in a sharded run the outputs go to a folder outside the inputs/);
  assert.equal(existsSync(path.join(input, 'sub', 'out.jsonl')), false);
});
