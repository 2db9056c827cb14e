// The correction pick's rows (numbered, described) and what typing into it picks.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { UPOS_DESCRIPTIONS } from '../../src/core/label_info';
import { choiceRows, labelChoices, typedChoice } from '../../src/corrections/choices';

const UPOS = Object.keys(UPOS_DESCRIPTIONS);
const pct = (p: number): string => `${(p * 100).toFixed(1)}%`;
const rows = choiceRows(
  labelChoices(
    [
      { label: 'NOUN', score: 0.7 },
      { label: 'PROPN', score: 0.2 },
    ],
    UPOS,
    'NOUN',
  ),
  (l) => UPOS_DESCRIPTIONS[l],
  pct,
);

test('rows: numbered from 1, the label with its description, the probability and the current mark', () => {
  assert.equal(rows.length, 17);
  assert.deepEqual(rows[0], { key: '1', label: 'NOUN', text: '1 NOUN — noun', detail: '70.0% (current)' });
  assert.deepEqual(rows[1], { key: '2', label: 'PROPN', text: '2 PROPN — proper noun', detail: '20.0%' });
  assert.equal(rows[16].key, '17');
  assert.equal(choiceRows([{ label: 'ZZ', current: false }], () => undefined, pct)[0].text, '1 ZZ', 'no description: the bare label');
});

test('a number picks its row once no longer number starts with it', () => {
  assert.deepEqual(typedChoice('2', rows), { pick: 1, candidates: [1] });
  assert.equal(typedChoice('17', rows).pick, 16);
  const one = typedChoice('1', rows);
  assert.equal(one.pick, undefined, '"1" waits: 10 to 17 start with it');
  assert.deepEqual(one.candidates, [0, 9, 10, 11, 12, 13, 14, 15, 16], 'row 1 first: Enter takes it');
  assert.deepEqual(typedChoice('99', rows), { candidates: [] });
});

test('letters pick the one label they begin, in any case', () => {
  const label = (t: string): string | undefined => {
    const r = typedChoice(t, rows);
    return r.pick === undefined ? undefined : rows[r.pick].label;
  };
  assert.equal(label('pu'), 'PUNCT');
  assert.equal(label('D'), 'DET');
  assert.equal(label('nu'), 'NUM');
  assert.equal(label('no'), 'NOUN');
  assert.equal(label('P'), undefined, 'PART, PRON, PROPN, PUNCT: not yet');
  assert.deepEqual(
    typedChoice('p', rows).candidates.map((i) => rows[i].label),
    ['PROPN', 'PART', 'PRON', 'PUNCT'],
  );
  assert.equal(label('  '), undefined);
  assert.deepEqual(typedChoice('q', rows).candidates, []);
});

test('a label that begins another is picked by Enter: the exact one comes first', () => {
  const r = choiceRows(
    ['ADP', 'ADPOS', 'X'].map((label) => ({ label, current: false })),
    () => undefined,
    pct,
  );
  const t = typedChoice('adp', r);
  assert.equal(t.pick, undefined);
  assert.deepEqual(t.candidates, [0, 1]);
  assert.deepEqual(typedChoice('ADPO', r), { pick: 1, candidates: [1] });
});
