// The SHIPPED bundle, run through the extension's own core (tokenizer, word splitter, windows,
// worker, aggregation) on held-out Brown test sentences, must score as its metrics.json says:
// a regression in the bundle or in the core's handling of it fails here.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { goldSentences } from '../shared/gold_sentences';
import { Labeler } from '../../src/core/labeler';

const ROOT = path.resolve(__dirname, '../../..');
const MODEL = path.join(ROOT, 'models/default');

let labeler: Labeler;

before(async () => {
  const opened = await Labeler.open(MODEL, { workerPath: path.join(ROOT, 'out/src/core/engine_worker.js') });
  assert.ok(opened.ok, `the shipped bundle does not load: ${!opened.ok && opened.problems.join('; ')}`);
  labeler = opened.value;
});

after(async () => {
  await labeler?.dispose();
});

test('shipped model: UPOS accuracy on held-out Brown test sentences matches metrics.json', async () => {
  const metrics = JSON.parse(readFileSync(path.join(MODEL, 'metrics.json'), 'utf8'));
  const sentences = goldSentences();
  let correct = 0;
  let total = 0;
  let unaligned = 0;
  for (const s of sentences) {
    const result = await labeler.label(s.text);
    const byStart = new Map(result.words.map((w) => [w.start, w]));
    s.words.forEach(([start, end], i) => {
      const w = byStart.get(start);
      total++;
      if (!w || w.end !== end) {
        unaligned++;
        return;
      }
      if (w.label === s.upos[i]) correct++;
    });
  }
  const accuracy = correct / total;
  const expected: number = metrics.test.upos_accuracy;
  console.log(
    `shipped model: ${sentences.length} sentences, ${total} words, UPOS accuracy ${accuracy.toFixed(4)} ` +
      `(metrics.json test: ${expected.toFixed(4)}), words not aligned: ${unaligned}`,
  );
  // the core splits words exactly as the training data did
  assert.equal(unaligned, 0, 'the extension found different words than the training data');
  // sentences one at a time have less context than the metrics' packed windows: allow 2 points
  assert.ok(accuracy >= expected - 0.02, `accuracy ${accuracy} is below metrics.json's ${expected} - 0.02`);
  assert.ok(accuracy >= 0.9, `accuracy ${accuracy} is below 0.90`);
});

test('shipped model: genre-group scores are a probability distribution over the bundle labels', async () => {
  const r = await labeler.label('The Senate passed the bill on Tuesday after a long debate over taxes.');
  assert.deepEqual([...r.sequence.map((s) => s.label)].sort(), [...labeler.bundle.config.sequenceLabels].sort());
  const sum = r.sequence.reduce((a, s) => a + s.score, 0);
  assert.ok(Math.abs(sum - 1) < 1e-4, `scores sum to ${sum}`);
});
