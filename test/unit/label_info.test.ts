// What a label means: the bundle's own words first, then UD's names for UPOS tags, then BIO prefixes.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeLabel, describeSequenceLabel, labelWithDescription, readDescriptions, UPOS_DESCRIPTIONS } from '../../src/core/label_info';

const none = { labelDescriptions: {}, sequenceLabelDescriptions: {} };

test('UPOS tags have the UD names; the bundle may say otherwise; unknown labels have none', () => {
  assert.equal(Object.keys(UPOS_DESCRIPTIONS).length, 17);
  assert.equal(labelWithDescription('PROPN', none), 'PROPN — proper noun');
  assert.equal(describeLabel('PROPN', { labelDescriptions: { PROPN: 'name of a person or place' } }), 'name of a person or place');
  assert.equal(describeLabel('NNP', none), undefined);
  assert.equal(labelWithDescription('NNP', none), 'NNP');
});

test('entity labels are read as prefix and type', () => {
  assert.equal(describeLabel('B-PER', none), 'begins PER');
  assert.equal(describeLabel('I-LOC', none), 'inside LOC');
  assert.equal(describeLabel('S-ORG', none), 'single-word ORG');
  assert.equal(describeLabel('O', none), 'outside any entity');
});

test('sequence labels are described by the bundle only', () => {
  assert.equal(describeSequenceLabel('press', none), undefined);
  assert.equal(describeSequenceLabel('press', { sequenceLabelDescriptions: { press: 'news' } }), 'news');
});

test('a malformed descriptions field is reported in words, and good entries are kept', () => {
  const problems: string[] = [];
  const out = readDescriptions({ NOUN: 'noun', FOO: 'x', VERB: 3 }, 'label_descriptions', ['NOUN', 'VERB'], problems);
  assert.deepEqual(out, { NOUN: 'noun' });
  assert.deepEqual(problems, [
    'config.json: "label_descriptions" describes "FOO", which is not one of the model\'s labels',
    'config.json: "label_descriptions" for "VERB" must be a string of at most 500 characters',
  ]);
  const p2: string[] = [];
  readDescriptions(['a'], 'label_descriptions', [], p2);
  assert.match(p2[0], /must be an object/);
  assert.deepEqual(readDescriptions(undefined, 'label_descriptions', [], []), {});
});
