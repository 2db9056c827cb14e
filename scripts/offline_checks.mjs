// Checks run by the `offline` test level (scripts/test.mjs), inside a network namespace without
// interfaces (`unshare -rn`), next to the unit and engine tests: that the namespace really has no
// network, and that the command-line labeler works there with the shipped model.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { test } from 'node:test';

const attempt = (host, port) =>
  new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 5000 });
    socket.on('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.on('error', (e) => resolve(e.code));
  });

test('offline: no network interface is up, and no connection or name lookup succeeds', async () => {
  assert.deepEqual(networkInterfaces(), {}, 'a network interface has an address');
  assert.notEqual(await attempt('1.1.1.1', 443), 'connected');
  assert.notEqual(await attempt('127.0.0.1', 9), 'connected');
  await assert.rejects(lookup('registry.npmjs.org'));
});

test('offline: the command-line labeler labels a file with the shipped model', () => {
  const r = spawnSync(process.execPath, ['dist/cli.js', '--format', 'jsonl', 'samples/sentences.txt'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const words = lines.filter((l) => 'label' in l);
  assert.ok(words.length > 10, `${words.length} words labeled`);
  assert.ok(words.some((w) => w.label === 'NOUN'));
  assert.ok('sequence' in lines[lines.length - 1]);
});
