// The engine and labeler with the shipped model: batching gives the same outputs as one window
// at a time, stale requests are cancelled, the worker keeps the main thread free.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { autoWorkers, CancelledError, Engine } from '../../src/core/engine';
import { Labeler } from '../../src/core/labeler';
import { REPO } from './fixtures';
import { tokenizeWords } from '../oracles/tokenize';

const WORKER = path.join(REPO, 'out/src/core/engine_worker.js');
const MODEL = path.join(REPO, 'models/default');
let labeler: Labeler;

before(async () => {
  const opened = await Labeler.open(MODEL, { workerPath: WORKER });
  assert.ok(opened.ok, !opened.ok ? opened.problems.join('; ') : '');
  labeler = opened.value;
});
after(async () => labeler?.dispose());

const TEXTS = [
  'The committee approved the budget on Monday.',
  'It rained.',
  'Prices rose 3.5% in 1961, and nobody was surprised by the news from the capital that week.',
  "She didn't know what to say, so she laughed, and the room laughed with her.",
];

test('windows batched together give the same labels and scores as one at a time (float activations)', async () => {
  // the plain fixture's matrix multiplications run in fp32: batching must not change anything
  const opened = await Labeler.open(path.join(REPO, 'test/fixtures/plain-bert-bundle'), { workerPath: WORKER });
  assert.ok(opened.ok);
  const plain = opened.value;
  try {
    const batched = await plain.labelTexts(TEXTS, { batchSize: 8 });
    const single = await plain.labelTexts(TEXTS, { batchSize: 1 });
    for (let t = 0; t < TEXTS.length; t++) {
      batched[t].words.forEach((w, i) => {
        assert.equal(w.label, single[t].words[i].label);
        assert.ok(Math.abs(w.score - single[t].words[i].score) < 1e-6, `${w.text}: ${w.score} vs ${single[t].words[i].score}`);
      });
    }
  } finally {
    await plain.dispose();
  }
});

test('the int8 default model runs one window at a time; forced batches stay within quantization noise', async () => {
  assert.equal(labeler.bundle.config.dynamicQuantization, true);
  const batched = await labeler.labelTexts(TEXTS, { batchSize: 8 });
  const single = await labeler.labelTexts(TEXTS);
  for (let t = 0; t < TEXTS.length; t++) {
    assert.equal(batched[t].words.length, single[t].words.length);
    batched[t].words.forEach((w, i) => {
      assert.equal(w.label, single[t].words[i].label);
      assert.ok(Math.abs(w.score - single[t].words[i].score) < 0.02, `${w.text}: ${w.score} vs ${single[t].words[i].score}`);
    });
    const alone = new Map(single[t].sequence.map((s) => [s.label, s.score]));
    for (const s of batched[t].sequence)
      assert.ok(Math.abs(s.score - alone.get(s.label)!) < 0.05, `${s.label}: ${s.score} vs ${alone.get(s.label)}`);
  }
});

test('long texts are split into windows and every word gets one label', async () => {
  const text = Array.from({ length: 120 }, (_, i) => `Sentence number ${i} has a few words in it`).join(', ') + '.';
  const r = await labeler.labelTexts([text], { stride: 16 });
  assert.ok(r[0].windows.length > 3, `${r[0].windows.length} windows`);
  const words = [...labeler.tokenizer.wordSpans(text)];
  assert.equal(r[0].words.length, words.length);
  r[0].words.forEach((w, i) => assert.deepEqual([w.start, w.end], words[i]));
});

test('an aborted request is dropped before it runs, and the engine keeps working', async () => {
  const controller = new AbortController();
  const long = 'Words and more words. '.repeat(3000);
  const pending = labeler.label(long, { signal: controller.signal });
  controller.abort();
  await assert.rejects(pending, (e) => e instanceof CancelledError);
  const r = await labeler.label('Still working.');
  assert.equal(r.words.length, 3);
});

test('requests posted ahead to the worker come back in order, each with its own outputs', async () => {
  // Eight different windows queued at once (the engine posts two at a time): each answer must
  // be the one for its own input, as when they are run one by one.
  const texts = [
    'One.',
    'Two words.',
    'And three words here.',
    'Four',
    'The fifth text is longer than the others.',
    'Six!',
    'Seven seas.',
    'Eight is enough.',
  ];
  const inputs = texts.map((t) => {
    const ids = [
      labeler.tokenizer.clsId,
      ...tokenizeWords(labeler.tokenizer, t).flatMap((w) => w.pieces.map((p) => p.id)),
      labeler.tokenizer.sepId,
    ];
    return {
      batch: 1,
      sequence: ids.length,
      inputs: { input_ids: BigInt64Array.from(ids, BigInt), attention_mask: new BigInt64Array(ids.length).fill(1n) },
    };
  });
  const name = labeler.roles.tokenLogits!;
  const together = await Promise.all(inputs.map((i) => labeler.engine.run(i, [name])));
  for (let k = 0; k < inputs.length; k++) {
    const alone = await labeler.engine.run(inputs[k], [name]);
    assert.deepEqual(together[k][name].dims, alone[name].dims);
    assert.deepEqual(Array.from(together[k][name].data), Array.from(alone[name].data), `request ${k}`);
  }
});

test('queued requests whose signal fires are dropped at once and never reach the worker', async () => {
  const controller = new AbortController();
  const long = 'Words and more words in a long text. '.repeat(400);
  const pending = labeler.label(long, { signal: controller.signal });
  while (labeler.engine.pending < 3) await new Promise((r) => setImmediate(r));
  const runs0 = labeler.engine.runMs;
  controller.abort();
  // only the requests already posted are still to finish: up to the engine's 1,024 pieces, and one request
  const posted = labeler.engine.posted;
  assert.equal(labeler.engine.pending, posted.requests, 'requests that were not posted are still queued after the abort');
  assert.ok(posted.pieces <= 1024 + labeler.bundle.config.maxLength, `${posted.pieces} pieces posted`);
  await assert.rejects(pending, (e) => e instanceof CancelledError);
  const r = await labeler.label('Still working.');
  assert.equal(r.words.length, 3);
  assert.equal(labeler.engine.pending, 0);
  assert.ok(labeler.engine.runMs > runs0);
});

test('the main thread stays responsive while the worker runs the model', async () => {
  const long = 'The quick brown fox jumps over the lazy dog. '.repeat(1500);
  let ticks = 0;
  let maxGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 5);
  await labeler.label(long);
  clearInterval(timer);
  console.log(`  timer ticks during labeling: ${ticks}, longest gap ${maxGap.toFixed(1)} ms`);
  assert.ok(ticks > 5, 'the event loop did not run while labeling');
});

test('a model file ONNX Runtime cannot read is an error value, not an exception', async () => {
  const r = await Engine.start(path.join(REPO, 'package.json'), { workerPath: WORKER });
  assert.equal(r.ok, false);
  assert.match(!r.ok ? r.problems.join() : '', /could not be loaded by ONNX Runtime/);
});

test('simple strategy: every piece is a unit with its own label and score, the pieces of the word-level run', async () => {
  const text = "Unbelievably, the chairwoman's committee reconvened in Kalamazoo.";
  const byWord = await labeler.label(text, { strategy: 'first' });
  const simple = await labeler.label(text, { strategy: 'simple' });
  const pieces = byWord.words.flatMap((w) => w.pieces);
  assert.ok(pieces.length > byWord.words.length, 'the text has words of several pieces');
  assert.deepEqual(
    simple.words.map((u) => [u.start, u.end, u.label, u.score]),
    pieces.map((p) => [p.start, p.end, p.label, p.score]),
  );
  for (const u of simple.words) {
    assert.equal(u.text, text.slice(u.start, u.end));
    assert.equal(u.pieces.length, 1);
    assert.equal(u.alternatives[0].label, u.label);
    assert.ok(u.window >= 0 && u.window < simple.windows.length);
  }
});

test('word labels read as plain objects (JSON), with their pieces and alternatives', async () => {
  const text = 'Prices rose sharply.';
  const r = await labeler.label(text, { topK: 2 });
  const plain = JSON.parse(JSON.stringify(r.words)) as Array<Record<string, unknown>>;
  assert.deepEqual(Object.keys(plain[0]).sort(), ['alternatives', 'end', 'label', 'pieces', 'score', 'start', 'text', 'window']);
  r.words.forEach((w, i) => {
    assert.equal(plain[i].text, text.slice(w.start, w.end));
    assert.equal(w.alternatives.length, 2);
    assert.equal(w.alternatives[0].label, w.label);
    assert.ok(w.alternatives[0].score >= w.alternatives[1].score);
    for (const p of w.pieces) assert.ok(p.start >= w.start && p.end <= w.end);
  });
});

test('strategies give their own labels from the segment cache (settings are part of the key)', async () => {
  const { SegmentCache } = await import('../../src/core/segments');
  const text = "Unbelievably, the chairwoman's committee reconvened in Kalamazoo.";
  const cache = new SegmentCache();
  const first = await labeler.label(text, { cache, strategy: 'first' });
  const simple = await labeler.label(text, { cache, strategy: 'simple' });
  assert.equal(simple.segments.run, simple.segments.total);
  assert.ok(simple.words.length > first.words.length);
  const again = await labeler.label(text, { cache, strategy: 'simple' });
  assert.equal(again.segments.run, 0);
  assert.deepEqual(
    again.words.map((w) => [w.start, w.label]),
    simple.words.map((w) => [w.start, w.label]),
  );
});

test("the editor's automatic worker count: one per core but one, at least one, at most four", () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 8, 64].map((cores) => autoWorkers(cores)),
    [1, 1, 2, 3, 4, 4, 4],
  );
});
