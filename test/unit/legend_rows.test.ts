// The legend's rows: the model's labels (entity types for BIO), described, counted over the
// labels in force (corrections replace the model's labels under them; removals count for
// nothing), with why a hidden label is hidden; and the jump to the next occurrence wraps.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Annotation } from '../../src/core/annotations';
import { nextLabelIndex } from '../../src/core/ranges';
import { labelsInForce, legendLabels, legendRows } from '../../src/legend/legend_rows';

const none = { labelDescriptions: {} };
const u = (start: number, end: number, label: string) => ({ start, end, label });
const fix = (start: number, end: number, label: string): Annotation => ({
  start,
  end,
  label,
  text: 'x'.repeat(end - start),
  source: 'corrected',
});

test('a BIO model lists its entity types once, in model order; a plain model its labels', () => {
  assert.deepEqual(legendLabels(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'], 'BIO'), ['O', 'PER', 'LOC']);
  assert.deepEqual(legendLabels(['NOUN', 'VERB', 'PROPN'], 'plain'), ['NOUN', 'VERB', 'PROPN']);
});

test('counts are of the labels in force: a correction replaces the model label it covers, a removal counts for nothing', () => {
  const model = [u(0, 3, 'NOUN'), u(4, 8, 'VERB'), u(9, 12, 'NOUN'), u(13, 15, 'PRON')];
  const inForce = labelsInForce(model, [fix(9, 12, 'PROPN'), fix(13, 15, 'O')]);
  assert.deepEqual(inForce, [u(0, 3, 'NOUN'), u(4, 8, 'VERB'), u(9, 12, 'PROPN')]);
  const rows = legendRows({
    labels: ['NOUN', 'VERB', 'PRON', 'PROPN', 'ADJ'],
    scheme: 'plain',
    descriptions: { labelDescriptions: { ADJ: 'describes a noun' } },
    units: inForce,
    hidden: new Set(['ADJ', 'VERB']),
    settingHidden: new Set(['ADJ']),
  });
  const by = new Map(rows.map((r) => [r.label, r]));
  assert.deepEqual(
    rows.map((r) => [r.label, r.count]),
    [
      ['NOUN', 1],
      ['VERB', 1],
      ['PRON', 0],
      ['PROPN', 1],
      ['ADJ', 0],
    ],
  );
  assert.equal(by.get('PROPN')!.title, 'PROPN — proper noun');
  assert.equal(by.get('PROPN')!.line, 'double');
  assert.equal(by.get('NOUN')!.line, 'solid');
  assert.equal(by.get('ADJ')!.title, 'ADJ — describes a noun', "the bundle's description wins");
  assert.equal(by.get('ADJ')!.hiddenBy, 'setting');
  assert.equal(by.get('VERB')!.hiddenBy, 'workspace');
  assert.equal(by.get('NOUN')!.shown, true);
  assert.equal(by.get('NOUN')!.colorId, 'bertLstm.label.NOUN');
});

test('without current labels there are no counts; a label only a correction uses gets a row', () => {
  const base = {
    labels: ['NOUN'],
    scheme: 'plain' as const,
    descriptions: none,
    hidden: new Set<string>(),
    settingHidden: new Set<string>(),
  };
  assert.equal(legendRows({ ...base, units: undefined })[0].count, undefined);
  const rows = legendRows({ ...base, units: labelsInForce([u(0, 3, 'NOUN')], [fix(4, 6, 'SPECIES')]) });
  assert.deepEqual(
    rows.map((r) => [r.label, r.count]),
    [
      ['NOUN', 1],
      ['SPECIES', 1],
    ],
  );
});

test('the next occurrence of a label after the cursor wraps round the document', () => {
  const units = [u(0, 3, 'NOUN'), u(4, 8, 'VERB'), u(9, 12, 'NOUN'), u(13, 15, 'PRON')];
  const isNoun = (x: { label: string }) => x.label === 'NOUN';
  assert.deepEqual(nextLabelIndex(units, 0, 1, isNoun), { index: 2, wrapped: false });
  assert.deepEqual(nextLabelIndex(units, 9, 1, isNoun), { index: 0, wrapped: true });
  assert.equal(
    nextLabelIndex(units, 0, 1, (x) => x.label === 'ADJ'),
    undefined,
  );
});
