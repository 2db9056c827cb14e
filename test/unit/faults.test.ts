// Faults in the engine with the real default model: the worker thread dies (killed as a crash
// would end it) and is started again with a message, the request it held fails with the reason,
// the next ones work; a worker that keeps dying is given up on with a message; ONNX Runtime that
// cannot be loaded is an error value and a later good engine works in the same process.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { CancelledError, Engine } from '../../src/core/engine';
import { Labeler } from '../../src/core/labeler';
import { REPO } from './fixtures';

const WORKER = path.join(REPO, 'out/src/core/engine_worker.js');
const MODEL = path.join(REPO, 'models/default');
const SENTENCE = 'The committee approved the budget on Monday.';
let labeler: Labeler;
const crashes: Array<{ message: string; restarting: boolean }> = [];

before(async () => {
  const opened = await Labeler.open(MODEL, { workerPath: WORKER });
  assert.ok(opened.ok, opened.ok ? '' : opened.problems.join('\n'));
  labeler = opened.value;
  labeler.engine.onCrash = (message, restarting) => crashes.push({ message, restarting });
});
after(async () => labeler?.dispose());

test('a worker killed while idle is restarted with a message, and the next request works', async () => {
  const expected = (await labeler.label(SENTENCE)).words.map((w) => w.label);
  await labeler.engine.killWorker();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(crashes.length, 1);
  assert.match(crashes[0].message, /the inference worker stopped \(exit code 1\)/);
  assert.equal(crashes[0].restarting, true);
  const again = await labeler.label(SENTENCE);
  assert.deepEqual(
    again.words.map((w) => w.label),
    expected,
  );
  assert.equal(labeler.engine.restarts, 1);
  assert.ok(labeler.engine.alive);
});

test('a worker killed during a run: that run fails with the reason, queued and later runs work', async () => {
  crashes.length = 0;
  const long = 'Words and more words in a long text. '.repeat(400);
  const running = labeler.label(long);
  // wait until the worker has the first batch, then kill it
  while (labeler.engine.pending === 0) await new Promise((r) => setImmediate(r));
  await labeler.engine.killWorker();
  await assert.rejects(running, (e: Error) => !(e instanceof CancelledError) && /the inference worker stopped/.test(e.message));
  assert.equal(crashes.length, 1);
  const r = await labeler.label(SENTENCE);
  assert.equal(r.words.length, 8);
  assert.equal(labeler.engine.restarts, 2);
  assert.equal(labeler.engine.pending, 0);
});

test('ending the worker at any moment of a run (crash or dispose) never takes the process down', async () => {
  // Terminating a worker thread while ONNX Runtime runs in it aborts the whole process
  // ("terminate called after throwing an instance of 'Napi::Error'"): the engine ends its
  // worker between runs instead. If it did not, this test file's process would die here.
  const long = 'Words and more words in a long text. '.repeat(200);
  for (let i = 0; i < 12; i++) {
    const opened = await Labeler.open(MODEL, { workerPath: WORKER });
    assert.ok(opened.ok);
    const l = opened.value;
    const running = l.label(long).then(
      () => 'done',
      (e: Error) => e.message,
    );
    await new Promise((r) => setTimeout(r, (i * 7) % 60));
    if (i % 2) await l.engine.killWorker();
    await l.dispose();
    assert.match(await running, /^(done|cancelled|the engine was disposed|the inference worker stopped.*)$/);
  }
});

test('a worker that keeps dying is given up on with a message that says so', async () => {
  const opened = await Labeler.open(MODEL, { workerPath: WORKER, maxRestarts: 2, restartWindowMs: 60_000 });
  assert.ok(opened.ok);
  const l = opened.value;
  const seen: Array<{ message: string; restarting: boolean }> = [];
  l.engine.onCrash = (message, restarting) => seen.push({ message, restarting });
  try {
    for (let i = 0; i < 3; i++) {
      await l.label(SENTENCE); // the new worker is up (the run waits for the restart)
      await l.engine.killWorker();
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(l.engine.alive, false);
    assert.deepEqual(
      seen.map((s) => s.restarting),
      [true, true, false],
    );
    assert.match(seen[2].message, /crashed 3 times within 60 s, so it is not started again/);
    await assert.rejects(l.label(SENTENCE), /not started again/);
  } finally {
    await l.dispose();
  }
});

test('ONNX Runtime that cannot be loaded is an error value; a good engine starts after it', async () => {
  const bad = await Engine.start(path.join(MODEL, 'model.onnx'), { workerPath: WORKER, runtimeModule: '/nonexistent/onnxruntime-node' });
  assert.equal(bad.ok, false);
  assert.match(
    bad.ok ? '' : bad.problems.join(),
    /ONNX Runtime \(onnxruntime-node\) could not be loaded, so no model can run: Cannot find module '\/nonexistent\/onnxruntime-node'/,
  );
  // a module that loads but is not ONNX Runtime
  const wrong = await Engine.start(path.join(MODEL, 'model.onnx'), { workerPath: WORKER, runtimeModule: 'node:path' });
  assert.equal(wrong.ok, false);
  assert.match(wrong.ok ? '' : wrong.problems.join(), /model\.onnx could not be loaded by ONNX Runtime/);
  const good = await Engine.start(path.join(MODEL, 'model.onnx'), { workerPath: WORKER });
  assert.ok(good.ok);
  await good.value.dispose();
  assert.equal((await labeler.label(SENTENCE)).words.length, 8);
});

test('a worker script that does not exist is an error value', async () => {
  const r = await Engine.start(path.join(MODEL, 'model.onnx'), { workerPath: path.join(REPO, 'no-such-worker.js') });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.problems.join(), /inference worker|could not/);
});

test('dispose during a restart ends cleanly', async () => {
  const opened = await Labeler.open(MODEL, { workerPath: WORKER });
  assert.ok(opened.ok);
  await opened.value.engine.killWorker();
  await opened.value.dispose();
  assert.equal(opened.value.engine.alive, false);
  await assert.rejects(opened.value.label(SENTENCE));
});
