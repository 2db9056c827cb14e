// Several inference workers with the shipped model: one queue feeds them all, results come back
// in document order and identical to one worker's, every worker takes a share, and a worker that
// dies is replaced while the others keep running.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { WORKER_NICE } from '../../src/core/engine_protocol';
import { Labeler } from '../../src/core/labeler';
import { REPO } from './fixtures';

const WORKER = path.join(REPO, 'out/src/core/engine_worker.js');
const MODEL = path.join(REPO, 'models/default');
let one: Labeler;
let three: Labeler;

before(async () => {
  const a = await Labeler.open(MODEL, { workerPath: WORKER });
  const b = await Labeler.open(MODEL, { workerPath: WORKER, workers: 3 });
  assert.ok(a.ok && b.ok);
  one = a.value;
  three = b.value;
});
after(async () => {
  await one?.dispose();
  await three?.dispose();
});

/** Sentences of varied length and content, so that windows differ and finish out of order. */
function document(n: number): string {
  const parts = [
    'The committee approved the budget on Monday.',
    'It rained.',
    "She didn't know what to say, so she laughed, and the room laughed with her.",
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${parts[i % 3]} Item ${i} cost $${(i * 7) % 100}.${i % 10} in ${1900 + (i % 99)}.`);
  return out.map((s, i) => (i % 5 === 4 ? `${s}\n\n` : `${s} `)).join('');
}

test('three workers give exactly the labels, scores and sequence scores of one worker', async () => {
  const text = document(300);
  const a = await one.label(text);
  const b = await three.label(text);
  assert.equal(three.engine.workers, 3);
  assert.equal(b.words.length, a.words.length);
  for (let i = 0; i < a.words.length; i++) {
    const x = a.words[i];
    const y = b.words[i];
    assert.equal(y.start, x.start);
    assert.equal(y.label, x.label, `word ${i} ${x.text}`);
    assert.equal(y.score, x.score, `word ${i} ${x.text}: scores must be bit-identical`);
  }
  assert.deepEqual(b.sequence, a.sequence);
  const shares = three.engine.runsPerWorker;
  assert.equal(shares.length, 3);
  for (const s of shares) assert.ok(s > 0, `every worker takes a share of the windows: ${shares.join(', ')}`);
});

test('a worker of three killed between runs is replaced; labels stay identical', async () => {
  const text = document(60);
  const expected = await one.label(text);
  const restarts = three.engine.restarts;
  await three.engine.killWorker();
  await new Promise((r) => setTimeout(r, 50));
  const again = await three.label(text);
  assert.deepEqual(
    again.words.map((w) => [w.label, w.score]),
    expected.words.map((w) => [w.label, w.score]),
  );
  assert.equal(three.engine.restarts, restarts + 1);
  assert.equal(three.engine.workers, 3);
});

test('a bad worker count is one worker, and pending counts drain to zero', async () => {
  const opened = await Labeler.open(MODEL, { workerPath: WORKER, workers: 0 });
  assert.ok(opened.ok);
  try {
    assert.equal(opened.value.engine.workers, 1);
    await opened.value.label('It rained.');
    assert.equal(opened.value.engine.pending, 0);
  } finally {
    await opened.value.dispose();
  }
});

test(
  'on Linux the inference threads run at a lower priority than the thread that labels',
  { skip: process.platform !== 'linux' && 'nice values are per thread only on Linux' },
  async () => {
    // /proc/self/task/<tid>/stat: field 19 (after the parenthesised name) is the thread's nice value
    const niceValues = (): Map<string, number> =>
      new Map(
        readdirSync('/proc/self/task').map((tid) => {
          const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
          return [tid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
        }),
      );
    const before = niceValues();
    const two = await Labeler.open(MODEL, { workerPath: WORKER, workers: 2 });
    assert.ok(two.ok);
    try {
      const added = [...niceValues()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
      assert.equal(niceValues().get(String(process.pid)), os.getPriority(), "the main thread keeps the process's priority");
      const lowered = Math.min(19, os.getPriority() + WORKER_NICE);
      assert.equal(added.filter((n) => n === lowered).length, 2, `the new threads' nice values: ${added.join(' ')}`);
    } finally {
      await two.value.dispose();
    }
  },
);
