// Learning from corrections, core part: the retrained head learns a planted rule from a handful
// of examples, the pull toward the shipped weights keeps labels nobody corrected, cross-validation
// keeps a head that does not help out, and the memory matches only near examples.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { accuracy, crossValidate, headProblems, predict, trainHead, type HeadExamples, type TokenHead } from '../../src/core/adapt/head';
import { learnHead } from '../../src/core/adapt/learn';
import { CorrectionMemory } from '../../src/core/adapt/memory';
import { conllText, conlluText, readTrainingFile, splitMultiwords } from '../../src/core/adapt/training_files';
import { serializeSidecar } from '../../src/core/sidecar';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { rng as makeRng } from '../shared/rng';

type Rng = { next(): number };
const seeded = (seed: number): Rng => ({ next: makeRng(seed) });

const D = 16;
const LABELS = ['NOUN', 'VERB', 'PROPN'];

/** A base head that reads label l from feature l (features 0..2 are one-hot-ish cues). */
function baseHead(): TokenHead {
  const weight = new Float32Array(LABELS.length * D);
  for (let l = 0; l < LABELS.length; l++) weight[l * D + l] = 4;
  return { labels: LABELS, dim: D, weight, bias: new Float32Array(LABELS.length) };
}

/** Random examples whose label is the base head's, except that feature 7 > 0.5 means PROPN→NOUN. */
function examples(rng: Rng, n: number, planted: boolean): HeadExamples {
  const features = new Float32Array(n * D);
  const labels = new Int32Array(n);
  const groups = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cue = Math.floor(rng.next() * LABELS.length);
    for (let j = 0; j < D; j++) features[i * D + j] = (rng.next() - 0.5) * 0.4;
    features[i * D + cue] += 1;
    const rule = planted && cue === 2 && rng.next() < 0.7;
    if (rule) features[i * D + 7] = 1;
    labels[i] = rule ? 0 : cue;
    groups[i] = Math.floor(i / 4);
  }
  return { count: n, features, labels, groups };
}

test('the retrained head learns a planted rule from a handful of examples', () => {
  const rng = seeded(7);
  const train = examples(rng, 40, true);
  const test_ = examples(rng, 400, true);
  const base = baseHead();
  const adapted = trainHead(base, train);
  assert.ok(accuracy(base, test_) < 0.85, `the base head cannot know the rule: ${accuracy(base, test_)}`);
  assert.ok(accuracy(adapted, test_) > 0.95, `the adapted head learned it: ${accuracy(adapted, test_)}`);
  assert.deepEqual(headProblems(adapted), []);
});

test('regularisation toward the shipped weights keeps labels nobody corrected', () => {
  const rng = seeded(11);
  // corrections only ever show PROPN→NOUN, never a VERB
  const n = 20;
  const features = new Float32Array(n * D);
  for (let i = 0; i < n; i++) {
    features[i * D + 2] = 1;
    features[i * D + 7] = 1;
  }
  const only: HeadExamples = { count: n, features, labels: new Int32Array(n) };
  const verbs = examples(rng, 300, false);
  const verbRows = Array.from({ length: verbs.count }, (_, i) => i).filter((i) => verbs.labels[i] === 1);
  const base = baseHead();
  const kept = trainHead(base, only, { l2: 1e-2 });
  const loose = trainHead(base, only, { l2: 0, steps: 1500, learningRate: 0.2 });
  assert.equal(accuracy(base, verbs, verbRows), 1);
  assert.ok(accuracy(kept, verbs, verbRows) > 0.98, `VERB kept: ${accuracy(kept, verbs, verbRows)}`);
  assert.ok(accuracy(kept, only) === 1, 'and the corrections are learned');
  // without the pull the head is free to drift: its weights move much further from the base
  const dist = (h: TokenHead) => h.weight.reduce((s, w, i) => s + (w - base.weight[i]) ** 2, 0);
  assert.ok(dist(loose) > 4 * dist(kept), `${dist(loose)} vs ${dist(kept)}`);
});

test('cross-validation says when a retrained head does not help', () => {
  const rng = seeded(3);
  const base = baseHead();
  // labels agree with the base head except for noise: retraining cannot beat it on held-out groups
  const noisy = examples(rng, 200, false);
  for (let i = 0; i < noisy.count; i += 9) noisy.labels[i] = (noisy.labels[i] + 1) % LABELS.length;
  const cv = crossValidate(base, noisy);
  assert.ok(cv);
  assert.ok(cv.after <= cv.before + 1e-9, `no gain on noise: before ${cv.before}, after ${cv.after}`);
  const planted = crossValidate(base, examples(rng, 200, true));
  assert.ok(planted && planted.after > planted.before + 0.1, `a real rule gains: ${JSON.stringify(planted)}`);
  assert.equal(crossValidate(base, { ...noisy, groups: new Int32Array(noisy.count) }), undefined, 'one group: nothing to hold out');
});

test('a head whose arrays disagree with its labels is refused in words', () => {
  const bad = { labels: LABELS, dim: D, weight: new Float32Array(5), bias: new Float32Array(2) };
  const problems = headProblems(bad);
  assert.equal(problems.length, 2);
  assert.match(problems[0], /3 labels × 16 features need 48/);
  assert.equal(
    predict(baseHead(), {
      count: 1,
      features: Float32Array.from({ length: D }, (_, j) => (j === 1 ? 1 : 0)),
      labels: new Int32Array(1),
    })[0],
    1,
  );
});

test('the memory matches a near vector, not a far one, and says where the example came from', () => {
  const m = new CorrectionMemory(4, 0.9);
  m.add(Float32Array.of(1, 0, 0, 0), 0, 'NOUN', { file: 'notes.md', line: 12, word: 'cat', kind: 'correction' });
  m.add(Float32Array.of(0, 0, 5, 0), 0, 'VERB', { file: 'b.txt', line: 1, word: 'run', kind: 'accepted' });
  const near = m.nearest(Float32Array.of(9, 0.5, 0, 0, 0), 0);
  assert.equal(near?.label, 'NOUN');
  assert.equal(near?.source.line, 12);
  assert.equal(m.nearest(Float32Array.of(1, 1, 1, 0), 0), undefined, 'cosine 0.58: no match');
  assert.equal(m.nearest(new Float32Array(4), 0), undefined, 'a zero vector matches nothing');
  m.forgetFile('notes.md');
  assert.equal(m.size, 1);
  assert.equal(m.nearest(Float32Array.of(0, 0, 1, 0.1), 0)?.label, 'VERB');
  for (let i = 0; i < 100; i++) m.add(Float32Array.of(0, 1, 0, i / 100), 0, 'ADJ', { file: 'c', line: i + 1, word: 'w', kind: 'accepted' });
  assert.equal(m.size, 101);
  assert.equal(m.nearest(Float32Array.of(0, 1, 0, 0.5), 0)?.source.line, 51);
});

test('of two examples of the same word in the same context, the one added last answers', () => {
  const m = new CorrectionMemory(2, 0.9);
  m.add(Float32Array.of(1, 0.5), 0, 'NOUN', { file: 'old.txt', line: 1, word: 'harbour', kind: 'correction' });
  m.add(Float32Array.of(1, 0.5), 0, 'VERB', { file: 'new.txt', line: 3, word: 'harbour', kind: 'correction' });
  const match = m.nearest(Float32Array.of(1, 0.5), 0, 'harbour');
  assert.deepEqual([match?.label, match?.source.file], ['VERB', 'new.txt']);
});

test('the memory looks only among examples of the same word form, and says which texts a change concerns', () => {
  const m = new CorrectionMemory(2, 0.9);
  const v0 = m.version;
  m.add(Float32Array.of(1, 0), 0, 'NOUN', { file: 'a', line: 1, word: 'Cat', kind: 'correction' });
  assert.ok(m.hasForm('cat'));
  assert.equal(m.nearest(Float32Array.of(1, 0), 0, 'dog'), undefined, 'another form: no match however near');
  assert.equal(m.nearest(Float32Array.of(1, 0.1), 0, 'cat')?.label, 'NOUN');
  assert.equal(m.touches('The CAT sat.', v0), true);
  assert.equal(m.touches('The dog sat.', v0), false);
  assert.equal(m.touches('The cat sat.', m.version), false, 'nothing changed since');
  const v1 = m.version;
  m.forgetFile('nowhere');
  assert.equal(m.version, v1, 'forgetting nothing changes nothing');
  m.forgetFile('a');
  assert.equal(m.hasForm('cat'), false);
  assert.equal(m.touches('a cat', v1), true, 'a forgotten example concerns its texts too');
});

test('training files: CoNLL-U text from # text or the forms and SpaceAfter, CoNLL text, a sidecar read against its document', async () => {
  const conllu = [
    "# text = Don't go.",
    "1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_",
    '1\tDo\t_\tAUX\t_\t_\t_\t_\t_\t_',
    "2\tn't\t_\tPART\t_\t_\t_\t_\t_\tSpaceAfter=No",
    '3\tgo\t_\tVERB\t_\t_\t_\t_\t_\tSpaceAfter=No',
    '4\t.\t_\tPUNCT\t_\t_\t_\t_\t_\t_',
    '',
  ].join('\n');
  assert.equal(conlluText(conllu), "Don't go.");
  assert.equal(conlluText(conllu.replace("# text = Don't go.\n", '')), "Don't go.");
  assert.equal(conllText('EU B-ORG\nrejects O\n\nPeter B-PER\n'), 'EU rejects\nPeter');
  const dir = mkdtempSync(path.join(tmpdir(), 'train-'));
  writeFileSync(path.join(dir, 'a.conllu'), conllu);
  const read = await readTrainingFile(path.join(dir, 'a.conllu'));
  assert.ok(read.ok);
  assert.deepEqual(
    read.value[0].annotations.map((a) => [a.text, a.label]),
    [
      ['Do', 'AUX'],
      ["n't", 'PART'],
      ['go', 'VERB'],
      ['.', 'PUNCT'],
    ],
    'a multiword token its words spell is read as those words',
  );
  const del = '1-2\tdel\t_\t_\t_\t_\t_\t_\t_\t_\n1\tde\t_\tADP\t_\t_\t_\t_\t_\t_\n2\tel\t_\tDET\t_\t_\t_\t_\t_\t_\n';
  assert.equal(splitMultiwords(del), del, 'one they do not spell stays');
  writeFileSync(path.join(dir, 'doc.txt'), 'A cat.');
  writeFileSync(
    path.join(dir, 'doc.txt.labels.jsonl'),
    serializeSidecar([{ start: 2, end: 5, text: 'cat', label: 'NOUN', source: 'corrected' }], 'doc.txt'),
  );
  const side = await readTrainingFile(path.join(dir, 'doc.txt.labels.jsonl'));
  assert.ok(side.ok);
  assert.equal(side.value[0].text, 'A cat.');
  assert.equal(side.value[0].annotations[0].label, 'NOUN');
  const spans = path.join(dir, 's.jsonl');
  writeFileSync(spans, JSON.stringify({ text: 'Ann met Bo.', spans: [{ start: 0, end: 3, label: 'PER' }] }) + '\n');
  const s = await readTrainingFile(spans);
  assert.ok(s.ok);
  assert.equal(s.value[0].annotations[0].text, 'Ann');
});

test('learnHead keeps a head only when held-out words say it is better, and says why in words', () => {
  const rng = seeded(5);
  const base = baseHead();
  const planted = learnHead(base, examples(rng, 200, true));
  assert.equal(planted.better, true, planted.verdict);
  assert.match(planted.verdict, /^held-out accuracy [\d.]+% → [\d.]+% \(3-fold cross-validation over 200 words\)$/);
  const noisy = examples(rng, 200, false);
  for (let i = 0; i < noisy.count; i += 9) noisy.labels[i] = (noisy.labels[i] + 1) % LABELS.length;
  const worse = learnHead(base, noisy);
  assert.equal(worse.better, false);
  assert.match(worse.verdict, /the retrained head is not better$/);
  const one = learnHead(base, { ...noisy, groups: new Int32Array(noisy.count) });
  assert.equal(one.better, false);
  assert.match(one.verdict, /nothing could be held out/);
  assert.match(
    learnHead(base, { count: 0, features: new Float32Array(0), labels: new Int32Array(0) }).verdict,
    /no corrected or accepted words/,
  );
});

test('learnHead chooses the pull toward the shipped weights by held-out accuracy on the same folds', () => {
  const rng = seeded(11);
  const base = baseHead();
  const ex = examples(rng, 200, true);
  const held = learnHead(base, ex, { l2: 1000 });
  const free = learnHead(base, ex, { l2: 0.01 });
  assert.ok(free.cv!.after > held.cv!.after + 0.05, `${free.verdict} / ${held.verdict}`);
  const chosen = learnHead(base, ex, { l2Choices: [1000, 0.01] });
  assert.equal(chosen.l2, 0.01);
  assert.equal(chosen.cv!.after, free.cv!.after);
  assert.deepEqual(Array.from(chosen.head.weight), Array.from(free.head.weight));
  assert.match(chosen.verdict, /pull toward the model's weights 0\.01 of 1000, 0\.01, by the same folds$/);
});
