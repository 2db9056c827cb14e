// Sharding's pure parts (core/shard.ts): which shard a run is (--shard or the Indexed Job's
// environment), the assignment (every input in exactly one shard, balanced by bytes within LPT's
// bound, the same whatever order the inputs were listed in and whichever shard computes it),
// and a manifest's plan compared with another's, in words. The runs themselves (real processes,
// the real model) are in shard_cli.test.ts.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { expandInputs } from '../../src/core/batch';
import {
  assignShards,
  FILE_OVERHEAD_BYTES,
  inputWeight,
  inputsDigest,
  parseShard,
  planDifference,
  planShard,
  shardInputs,
  type ShardIdentity,
} from '../../src/core/shard';

test('parseShard: --shard I/N, else JOB_COMPLETION_INDEX with JOB_COMPLETION_COUNT, else not sharded; bad values in words', () => {
  assert.deepEqual(parseShard('1/3', {}), { ok: true, value: { index: 1, count: 3 } });
  assert.deepEqual(parseShard(' 0 / 1 ', {}), { ok: true, value: { index: 0, count: 1 } });
  assert.deepEqual(parseShard(undefined, {}), { ok: true, value: undefined });
  assert.deepEqual(parseShard(undefined, { JOB_COMPLETION_INDEX: '4', JOB_COMPLETION_COUNT: '8' }), {
    ok: true,
    value: { index: 4, count: 8 },
  });
  // the flag wins over the environment
  assert.deepEqual(parseShard('2/3', { JOB_COMPLETION_INDEX: '0', JOB_COMPLETION_COUNT: '8' }), {
    ok: true,
    value: { index: 2, count: 3 },
  });
  const bad: Array<[string | undefined, Record<string, string>, RegExp]> = [
    ['3/3', {}, /shard 3 does not exist among 3 shards \(they are numbered 0 to 2\)/],
    ['0/0', {}, /at least 1/],
    ['-1/3', {}, /whole numbers/],
    ['1.5/3', {}, /whole numbers/],
    ['1-3', {}, /--shard must be I\/N/],
    ['', {}, /--shard must be I\/N/],
    [undefined, { JOB_COMPLETION_INDEX: '1' }, /JOB_COMPLETION_COUNT is not/],
    [undefined, { JOB_COMPLETION_INDEX: 'x', JOB_COMPLETION_COUNT: '2' }, /must be whole numbers/],
    [undefined, { JOB_COMPLETION_INDEX: '2', JOB_COMPLETION_COUNT: '2' }, /shard 2 does not exist among 2/],
  ];
  for (const [arg, env, re] of bad) {
    const r = parseShard(arg, env);
    assert.equal(r.ok, false, `${arg} ${JSON.stringify(env)}`);
    if (!r.ok) assert.match(r.message, re);
  }
});

const loads = (weights: readonly number[], owner: readonly number[], count: number): number[] => {
  const l = new Array<number>(count).fill(0);
  owner.forEach((s, i) => (l[s] += weights[i]));
  return l;
};

// The best split by trying every assignment (the first input in shard 0: shards are interchangeable).
function bestLongest(weights: readonly number[], count: number): number {
  const l = new Array<number>(count).fill(0);
  let best = Infinity;
  const place = (i: number): void => {
    const longest = Math.max(...l);
    if (longest >= best) return;
    if (i === weights.length) {
      best = longest;
      return;
    }
    for (let s = 0; s < (i === 0 ? 1 : count); s++) {
      l[s] += weights[i];
      place(i + 1);
      l[s] -= weights[i];
    }
  };
  place(0);
  return best;
}

test("assignShards: every input in one shard, deterministic, and within list scheduling's bound", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1_000_000 }), { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (weights, count) => {
      const owner = assignShards(weights, count);
      assert.equal(owner.length, weights.length);
      for (const s of owner) assert.ok(Number.isInteger(s) && s >= 0 && s < count);
      assert.deepEqual(assignShards(weights, count), owner);
      const l = loads(weights, owner, count);
      const total = weights.reduce((a, b) => a + b, 0);
      // Graham: the longest shard is at most the mean plus (1 - 1/N) of the heaviest input
      const bound = total / count + (1 - 1 / count) * Math.max(0, ...weights);
      assert.ok(Math.max(...l) <= bound + 1e-6, `loads ${l} against a bound ${bound}`);
    }),
  );
});

test("assignShards: within LPT's bound of (4/3 - 1/3N) of the best split, found by trying every split", () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 8 }), fc.integer({ min: 1, max: 4 }), (weights, count) => {
      const longest = Math.max(0, ...loads(weights, assignShards(weights, count), count));
      const best = bestLongest(weights, count);
      assert.ok(longest <= (4 / 3 - 1 / (3 * count)) * best + 1e-9, `longest ${longest}, best ${best}, weights ${weights}`);
    }),
  );
  // the case that a bound from the mean and the heaviest input alone gets wrong: five equal files in four shards
  assert.equal(Math.max(...loads([1, 1, 1, 1, 1], assignShards([1, 1, 1, 1, 1], 4), 4)), 2);
});

test('assignShards: sizes decide, not the count: one big file against many small ones', () => {
  const weights = [900, ...new Array<number>(9).fill(100)];
  const owner = assignShards(weights, 2);
  assert.deepEqual(loads(weights, owner, 2), [900, 900]);
  assert.equal(owner.filter((s) => s === owner[0]).length, 1, 'the big file is alone in its shard');
});

function corpus(): { dir: string; files: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'shard-unit-'));
  const files: string[] = [];
  for (let i = 0; i < 25; i++) {
    const f = path.join(dir, `doc-${i}.txt`);
    writeFileSync(f, 'word '.repeat((i * 37) % 50));
    files.push(f);
  }
  return { dir, files };
}

const identity: ShardIdentity = { bundle: { name: 'm', files: { 'model.onnx': 'abc' } }, options: { strategy: 'first', max_bytes: 200 } };

test('shares: the inputs listed in any order give the same shares; the N shares, each computed alone, are the inputs exactly once', async () => {
  const { dir, files } = corpus();
  // the inputs as a run lists them (expandInputs: sorted, each once), named three ways
  const listed = async (names: string[]) => {
    const x = await expandInputs(names);
    return shardInputs(x.files, x.skipped);
  };
  const inputs = await listed([dir]);
  const shuffled = await listed([...files].reverse());
  assert.deepEqual(shuffled, inputs, 'the positions follow the sorted paths, not the listing');
  assert.deepEqual(await listed([`${dir}/*.txt`, files[3]]), inputs);
  assert.equal(inputsDigest(shuffled), inputsDigest(inputs));
  for (const count of [1, 2, 3, 7, 40]) {
    const shares = Array.from({ length: count }, (_, index) => planShard(inputs, [], { index, count }, identity, 200));
    const all = shares.flatMap((p) => p.manifest.files.map((f) => f.position)).sort((a, b) => a - b);
    assert.deepEqual(
      all,
      inputs.map((x) => x.position),
      `${count} shards`,
    );
    for (const p of shares) {
      assert.deepEqual(
        p.files,
        p.manifest.files.map((f) => f.file),
        'a share is in the batch order',
      );
      assert.ok(p.manifest.files.every((f, i, a) => i === 0 || a[i - 1].position < f.position));
    }
  }
});

test('inputWeight: a file skipped for its size (or not a file) costs only the per-file overhead', () => {
  assert.equal(inputWeight({ position: 0, file: '/a', bytes: 150 }, 200), 150 + FILE_OVERHEAD_BYTES);
  assert.equal(inputWeight({ position: 0, file: '/a', bytes: 250 }, 200), FILE_OVERHEAD_BYTES);
  assert.equal(inputWeight({ position: 0, file: '/a', bytes: -1 }, 200), FILE_OVERHEAD_BYTES);
  assert.equal(inputWeight({ position: 0, file: '/a', bytes: 150 }, 200, new Set(['/a'])), FILE_OVERHEAD_BYTES);
});

test('planDifference: names what differs between two runs (shard count, inputs, bundle file, option)', async () => {
  const { files } = corpus();
  const inputs = await shardInputs(files);
  const base = planShard(inputs, [], { index: 0, count: 3 }, identity, 200).manifest;
  assert.equal(planDifference(base, planShard(inputs, [], { index: 2, count: 3 }, identity, 200).manifest), undefined);
  assert.match(planDifference(base, planShard(inputs, [], { index: 0, count: 4 }, identity, 200).manifest)!, /into 3 and 4 shards/);
  assert.match(
    planDifference(base, planShard(inputs.slice(1), [], { index: 0, count: 3 }, identity, 200).manifest)!,
    /different inputs \(25 and 24 files\)/,
  );
  const resized = inputs.map((x, i) => (i === 3 ? { ...x, bytes: x.bytes + 1 } : x));
  assert.match(planDifference(base, planShard(resized, [], { index: 0, count: 3 }, identity, 200).manifest)!, /other paths or sizes/);
  const otherModel = { ...identity, bundle: { name: 'm', files: { 'model.onnx': 'def' } } };
  assert.match(planDifference(base, planShard(inputs, [], { index: 0, count: 3 }, otherModel, 200).manifest)!, /model\.onnx differ/);
  const otherStrategy = { ...identity, options: { strategy: 'max', max_bytes: 200 } };
  assert.match(
    planDifference(base, planShard(inputs, [], { index: 0, count: 3 }, otherStrategy, 200).manifest)!,
    /strategy: first and max/,
  );
});
