// Learning from corrections in the labeler, on the shipped model run by onnxruntime-node: the
// shipped head recomputed from `token_features` gives the model's labels, a remembered correction
// relabels the same word elsewhere (and only the segments that hold it run again) while the
// model's own labels are kept beside it for comparisons with the user's, adapted head
// files for another model or cut off are refused in words, and a bundle without features says
// why learning is off.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import { ADAPTED_HEAD_FILE, serializeAdaptedHead } from '../../src/core/adapt/head_file';
import { CorrectionMemory } from '../../src/core/adapt/memory';
import { modelOpinion, modelOwnAnnotations } from '../../src/core/adapt/opinion';
import { modelAnnotations } from '../../src/core/annotations';
import { compareWithModel } from '../../src/core/import_compare';
import { Labeler, type LabeledText } from '../../src/core/labeler';
import { SegmentCache } from '../../src/core/segments';
import { FIXTURES, REPO } from './fixtures';

const MODEL = path.join(REPO, 'models/default');
let labeler: Labeler;

before(async () => {
  const opened = await Labeler.open(MODEL, { threads: 1 });
  assert.ok(opened.ok, !opened.ok ? opened.problems.join('; ') : '');
  labeler = opened.value;
});
after(async () => {
  await labeler?.dispose();
});

const SAMPLE =
  'The old man walked to the harbour every morning.\n\nShe reads the paper while the coffee cools.\n\n' +
  'Ships came in from the north with fish and salt.\n\nThe old man walked to the harbour every morning.\n';

const labelsOf = (r: LabeledText): string[] => r.words.map((w) => w.label);

test('the shipped head recomputed from token_features gives the model its own labels', async () => {
  assert.equal(labeler.learningOff, undefined);
  assert.ok(labeler.baseHead, 'the shipped model has token_head.json');
  const plain = await labeler.label(SAMPLE);
  labeler.setHead(labeler.baseHead);
  try {
    const viaHead = await labeler.label(SAMPLE);
    const a = labelsOf(plain);
    const b = labelsOf(viaHead);
    assert.equal(a.length, b.length);
    const same = a.filter((l, i) => l === b[i]).length;
    // the model's head quantizes its input per batch (int8); the recomputed head reads float32
    assert.ok(same / a.length >= 0.97, `${same} of ${a.length} words agree`);
  } finally {
    labeler.setHead(undefined);
  }
});

test('a remembered correction relabels the same word elsewhere; only segments with that word run again', async () => {
  const cache = new SegmentCache();
  const memory = new CorrectionMemory(labeler.baseHead!.dim, 0.9);
  labeler.setMemory(memory); // empty: no features fetched yet
  try {
    const first = await labeler.label(SAMPLE, { cache });
    const harbours = first.words.filter((w) => w.text === 'harbour');
    assert.equal(harbours.length, 2);
    const model = harbours[0].label;
    const corrected = model === 'VERB' ? 'ADJ' : 'VERB'; // a label the model does not give it
    const f = await labeler.wordFeatures(SAMPLE, [harbours[0]]);
    assert.ok(f.ok && f.value.features[0], 'features of the corrected word');
    memory.add(f.value.features[0], 0, corrected, { file: 'notes.md', line: 1, word: 'harbour', kind: 'correction' });
    const again = await labeler.label(SAMPLE, { cache });
    const relabeled = again.words.filter((w) => w.text === 'harbour');
    assert.deepEqual(
      relabeled.map((w) => w.label),
      [corrected, corrected],
    );
    assert.equal(relabeled[1].reason?.source.file, 'notes.md');
    assert.equal(relabeled[1].reason?.source.line, 1);
    assert.ok(relabeled[1].reason!.similarity > 0.99, 'the same sentence: the same features');
    // the other words keep the model's labels, and the segments without "harbour" came from the cache
    const others = (r: LabeledText) => r.words.filter((w) => w.text !== 'harbour').map((w) => w.label);
    assert.deepEqual(others(again), others(first));
    assert.ok(again.segments.run > 0 && again.segments.run < again.segments.total, JSON.stringify(again.segments));
    const third = await labeler.label(SAMPLE, { cache });
    assert.equal(third.segments.run, 0, 'nothing changed since: everything from the cache');
    // forgetting the example gives the model's label back
    memory.forgetFile('notes.md');
    const back = await labeler.label(SAMPLE, { cache });
    assert.deepEqual(
      back.words.filter((w) => w.text === 'harbour').map((w) => w.label),
      [model, model],
    );
    assert.equal(back.words.find((w) => w.text === 'harbour')?.reason, undefined);
  } finally {
    labeler.setMemory(undefined);
  }
});

test("the model's own labels are kept beside the memory's: a corrected word's own example does not answer for it", async () => {
  const memory = new CorrectionMemory(labeler.baseHead!.dim, 0.9);
  labeler.setMemory(memory);
  try {
    const first = await labeler.label(SAMPLE);
    const harbours = first.words.filter((w) => w.text === 'harbour');
    const model = harbours[0].label;
    const corrected = model === 'VERB' ? 'ADJ' : 'VERB';
    const f = await labeler.wordFeatures(SAMPLE, [harbours[0]]);
    assert.ok(f.ok && f.value.features[0]);
    memory.add(f.value.features[0], 0, corrected, { file: 'notes.md', line: 1, word: 'harbour', kind: 'correction' });
    const again = await labeler.label(SAMPLE);
    const [own, other] = again.words.filter((w) => w.text === 'harbour');
    // the corrected word itself: its own example is the nearest, so the label in force echoes it
    assert.equal(own.label, corrected);
    assert.ok(own.reason && own.reason.similarity > 0.999, 'its own example');
    // what it is compared with is the model's own opinion, the memory left out
    const opinion = modelOpinion(own);
    assert.equal(opinion.label, model);
    assert.ok(Math.abs(opinion.score - harbours[0].score) < 0.02, `${opinion.score} vs ${harbours[0].score}`);
    assert.equal(opinion.alternatives[0].label, model);
    assert.equal(modelOpinion(other).label, harbours[1].label);
    const word = again.words.find((w) => w.text === 'coffee')!;
    assert.deepEqual(modelOpinion(word), { label: word.label, score: word.score, alternatives: word.alternatives });

    // an import that says `corrected` for both: two differ from the model, the rest agree
    const imported = modelAnnotations(SAMPLE, first.words, 'plain').map((a) =>
      a.text === 'harbour' ? { ...a, label: corrected, source: 'corrected' as const } : a,
    );
    const byOwn = compareWithModel(imported, modelOwnAnnotations(SAMPLE, again.words, 'plain'), 'reviewed');
    assert.deepEqual([byOwn.differ, byOwn.agree], [2, imported.length - 2]);
    // against the labels in force the user's labels would be compared with themselves
    const inForce = compareWithModel(imported, modelAnnotations(SAMPLE, again.words, 'plain'), 'reviewed');
    assert.deepEqual([inForce.differ, inForce.agree], [0, imported.length]);
    const triples = (as: Array<{ start: number; end: number; label: string }>) => as.map((a) => `${a.start}:${a.end}:${a.label}`);
    assert.deepEqual(triples(modelOwnAnnotations(SAMPLE, again.words, 'plain')), triples(modelAnnotations(SAMPLE, first.words, 'plain')));
  } finally {
    labeler.setMemory(undefined);
  }
});

test('a word in another use is not matched by a far remembered example', async () => {
  const memory = new CorrectionMemory(labeler.baseHead!.dim, 0.999);
  labeler.setMemory(memory);
  try {
    const text = 'I saw the saw on the table.';
    const first = await labeler.label(text);
    const saws = first.words.filter((w) => w.text === 'saw');
    const f = await labeler.wordFeatures(text, [saws[1]]);
    assert.ok(f.ok && f.value.features[0]);
    memory.add(f.value.features[0], 0, 'X', { file: 'a.txt', line: 1, word: 'saw', kind: 'correction' });
    const r = await labeler.label(text);
    const after_ = r.words.filter((w) => w.text === 'saw');
    assert.equal(after_[1].label, 'X');
    assert.notEqual(after_[0].label, 'X', 'the verb "saw" is another use');
  } finally {
    labeler.setMemory(undefined);
  }
});

function bundleCopy(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'adapted-'));
  for (const f of readdirSync(MODEL)) copyFileSync(path.join(MODEL, f), path.join(dir, f));
  return dir;
}

test('an adapted head for another model, or a cut-off one, is refused in words and the model’s own head is used', async () => {
  const head = labeler.baseHead!;
  const info = { baseName: 'other', tokens: 1, documents: 1, labels: 1, created: '' };
  const dir = bundleCopy();
  writeFileSync(path.join(dir, ADAPTED_HEAD_FILE), serializeAdaptedHead({ head, info: { ...info, baseModel: 'f'.repeat(64) } }));
  let opened = await Labeler.open(dir, { threads: 1 });
  assert.ok(opened.ok);
  assert.equal(opened.value.adaptedHead, undefined);
  assert.match(
    opened.value.warnings.join('\n'),
    /was learned for the model "other" \(model\.onnx ffffffffffff…\), not for the model in use/,
  );
  await opened.value.dispose();

  const good = serializeAdaptedHead({ head, info: { ...info, baseModel: await labeler.modelSha256() } });
  writeFileSync(path.join(dir, ADAPTED_HEAD_FILE), good.slice(0, good.length / 2));
  opened = await Labeler.open(dir, { threads: 1 });
  assert.ok(opened.ok);
  assert.equal(opened.value.adaptedHead, undefined);
  assert.match(opened.value.warnings.join('\n'), /adapted_head\.json is not valid JSON .*; the model's own head is used/);
  await opened.value.dispose();

  writeFileSync(path.join(dir, ADAPTED_HEAD_FILE), good);
  opened = await Labeler.open(dir, { threads: 1 });
  assert.ok(opened.ok);
  assert.ok(opened.value.adaptedHead, 'a head stamped for this model is used');
  assert.deepEqual(opened.value.warnings, []);
  await opened.value.dispose();
});

test('a bundle without token_features says why learning from corrections is off', async () => {
  const opened = await Labeler.open(path.join(FIXTURES, 'plain-bert-bundle'), { threads: 1 });
  assert.ok(opened.ok);
  try {
    assert.match(
      opened.value.learningOff ?? '',
      /learning from corrections is off for this model: its model\.onnx has no "token_features" output/,
    );
    assert.throws(() => opened.value.setMemory(new CorrectionMemory(4)), /learning from corrections is off/);
    const f = await opened.value.wordFeatures('a b', [{ start: 0, end: 1 }]);
    assert.equal(f.ok, false);
  } finally {
    await opened.value.dispose();
  }
});
