// The output lock on real files and real processes: held, refused, stale (a dead owner, a reused
// pid), another host's (never broken), and many takers of one stale lock at once (one wins).
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { acquireLock, lockFileOf, processStart } from '../../src/core/output_lock';

const fresh = (): string => path.join(mkdtempSync(path.join(tmpdir(), 'lock-')), 'out.jsonl');

test('a held lock refuses a second taker in words and is free after release', async () => {
  const file = fresh();
  const a = await acquireLock(file, 'the batch output');
  assert.ok(a.ok);
  const owner = JSON.parse(readFileSync(lockFileOf(file), 'utf8'));
  assert.equal(owner.pid, process.pid);
  assert.equal(owner.start, processStart(process.pid));
  const b = await acquireLock(file, 'the batch output');
  assert.ok(!b.ok);
  assert.match(b.message, new RegExp(`^the batch output .*out\\.jsonl is being written by another run \\(process ${process.pid}, since `));
  await a.release();
  assert.equal(existsSync(lockFileOf(file)), false);
  const c = await acquireLock(file);
  assert.ok(c.ok);
  await c.release();
});

test('a lock whose owner is gone, or whose pid now runs another process, is taken over', async () => {
  const file = fresh();
  const child = spawn(process.execPath, ['-e', '0']);
  const deadPid = child.pid!;
  await new Promise((res) => child.on('exit', res));
  writeFileSync(lockFileOf(file), JSON.stringify({ pid: deadPid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
  const a = await acquireLock(file);
  assert.ok(a.ok, a.ok ? '' : a.message);
  await a.release();
  // our own pid, but a start time that is not ours: the pid was reused after its owner died
  writeFileSync(
    lockFileOf(file),
    JSON.stringify({ pid: process.pid, host: hostname(), start: (processStart(process.pid) ?? 0) + 1, since: '2026-01-01T00:00:00.000Z' }),
  );
  const b = await acquireLock(file);
  assert.ok(b.ok, b.ok ? '' : b.message);
  await b.release();
});

test('a lock held by a live process (another one) is refused; one from another host is never broken', async () => {
  const file = fresh();
  const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)']);
  try {
    writeFileSync(
      lockFileOf(file),
      JSON.stringify({ pid: sleeper.pid, host: hostname(), start: processStart(sleeper.pid!), since: '2026-01-01T00:00:00.000Z' }),
    );
    const a = await acquireLock(file);
    assert.ok(!a.ok);
    assert.match(a.message, new RegExp(`process ${sleeper.pid}`));
  } finally {
    sleeper.kill();
  }
  const other = JSON.stringify({ pid: 1, host: `${hostname()}-elsewhere`, since: '2026-01-01T00:00:00.000Z' });
  writeFileSync(lockFileOf(file), other);
  const b = await acquireLock(file);
  assert.ok(!b.ok);
  assert.match(b.message, /locked by a run on another computer .*-elsewhere, process 1.*; if that run is over, remove .*out\.jsonl\.lock$/);
  assert.equal(readFileSync(lockFileOf(file), 'utf8'), other);
});

async function takersOfOneStaleLock(takers: number): Promise<string[]> {
  const file = fresh();
  writeFileSync(lockFileOf(file), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
  const script = `
    const { acquireLock } = require(${JSON.stringify(path.resolve(__dirname, '../../src/core/output_lock.js'))});
    acquireLock(${JSON.stringify(file)}).then((l) => { process.stdout.write(l.ok ? 'won' : 'lost'); setTimeout(() => process.exit(0), 1500); });`;
  const runs = Array.from(
    { length: takers },
    () =>
      new Promise<string>((res) => {
        const c = spawn(process.execPath, ['-e', script]);
        let out = '';
        c.stdout.on('data', (d: Buffer) => (out += d.toString()));
        c.on('exit', () => res(out));
      }),
  );
  return Promise.all(runs);
}

test('many processes that find one stale lock at once: exactly one takes it, in every round', async () => {
  for (let round = 0; round < 4; round++) {
    const results = await takersOfOneStaleLock(10);
    assert.equal(results.filter((r) => r === 'won').length, 1, `round ${round}: ${results.join(' ')}`);
    assert.equal(results.filter((r) => r === 'lost').length, 9, `round ${round}: ${results.join(' ')}`);
  }
});

test('a breaker left by a process killed while breaking a stale lock does not block the next run', async () => {
  const file = fresh();
  writeFileSync(lockFileOf(file), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
  const breaker = `${lockFileOf(file)}.break`;
  writeFileSync(breaker, '');
  const old = new Date(Date.now() - 60_000);
  utimesSync(breaker, old, old);
  const a = await acquireLock(file);
  assert.ok(a.ok, a.ok ? '' : a.message);
  assert.equal(existsSync(breaker), false);
  await a.release();
});
