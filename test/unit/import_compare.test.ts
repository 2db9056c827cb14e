// Imported labels against the model's: only the differing ones are corrections; the agreeing
// ones are reviewed or left alone, and the counts are the import message's.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Annotation } from '../../src/core/annotations';
import { compareWithModel, comparisonSummary } from '../../src/core/import_compare';

const TEXT = 'The cat sat on the mat .';
function words(labels: string[], source: Annotation['source'], score?: number): Annotation[] {
  const out: Annotation[] = [];
  let at = 0;
  for (const [i, w] of TEXT.split(' ').entries()) {
    const start = TEXT.indexOf(w, at);
    at = start + w.length;
    out.push({ start, end: at, text: w, label: labels[i], source, ...(score !== undefined ? { score } : {}) });
  }
  return out;
}
const MODEL = ['DET', 'NOUN', 'VERB', 'ADP', 'DET', 'NOUN', 'PUNCT'];

test('two changed tags: 2 corrections, the other 5 reviewed with the model score', () => {
  const edited = [...MODEL];
  edited[1] = 'PROPN';
  edited[5] = 'VERB';
  const c = compareWithModel(words(edited, 'corrected'), words(MODEL, 'model', 0.9), 'reviewed');
  assert.equal(c.differ, 2);
  assert.equal(c.agree, 5);
  assert.equal(comparisonSummary(c), '2 differ from the model, 5 agree');
  assert.deepEqual(
    c.annotations.map((a) => `${a.text}/${a.label}/${a.source}`),
    [
      'The/DET/reviewed',
      'cat/PROPN/corrected',
      'sat/VERB/reviewed',
      'on/ADP/reviewed',
      'the/DET/reviewed',
      'mat/VERB/corrected',
      './PUNCT/reviewed',
    ],
  );
  assert.equal(c.annotations[0].score, 0.9, 'a reviewed label keeps the model score');
  assert.equal(c.annotations[1].score, undefined, 'a correction has no model score');
});

test('"unchanged": only the differing labels are kept', () => {
  const edited = [...MODEL];
  edited[2] = 'AUX';
  const c = compareWithModel(words(edited, 'corrected'), words(MODEL, 'model'), 'unchanged');
  assert.deepEqual(
    c.annotations.map((a) => `${a.text}/${a.label}/${a.source}`),
    ['sat/AUX/corrected'],
  );
  assert.equal(comparisonSummary(c), '1 differs from the model, 6 agree');
});

test("a label over another range than the model's differs; without model labels every label differs", () => {
  const model: Annotation[] = [{ start: 4, end: 7, text: 'cat', label: 'PER', source: 'model' }];
  const imported: Annotation[] = [{ start: 0, end: 7, text: 'The cat', label: 'PER', source: 'corrected' }];
  assert.deepEqual(compareWithModel(imported, model, 'reviewed'), {
    annotations: [{ ...imported[0], source: 'corrected' }],
    differ: 1,
    agree: 0,
  });
  assert.equal(compareWithModel(words(MODEL, 'corrected'), [], 'reviewed').differ, 7);
});

test('a removal agrees where the model has no label, and differs where it has one', () => {
  const model: Annotation[] = [{ start: 4, end: 7, text: 'cat', label: 'PER', source: 'model' }];
  const imported: Annotation[] = [
    { start: 0, end: 3, text: 'The', label: 'O', source: 'corrected' },
    { start: 4, end: 7, text: 'cat', label: 'O', source: 'corrected' },
  ];
  const c = compareWithModel(imported, model, 'reviewed');
  assert.equal(c.agree, 1);
  assert.equal(c.differ, 1);
  assert.deepEqual(
    c.annotations.map((a) => [a.start, a.label, a.source]),
    [[4, 'O', 'corrected']],
  );
});
