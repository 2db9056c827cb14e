import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeSpans, splitTag, type LabeledUnit } from '../../src/core/spans';

// words at offsets 0,10,20,... each 5 long, with the given labels and scores
const words = (labels: string[], scores?: number[]): LabeledUnit[] =>
  labels.map((label, i) => ({ start: i * 10, end: i * 10 + 5, label, score: scores?.[i] ?? 1 }));
const view = (s: ReturnType<typeof decodeSpans>): string[] => s.map((x) => `${x.label}:${x.first}-${x.last}`);

test('splitTag follows the pipeline: O is an I of type O', () => {
  assert.deepEqual(splitTag('B-PER', 'BIO'), ['B', 'PER']);
  assert.deepEqual(splitTag('I-LOC', 'BIO'), ['I', 'LOC']);
  assert.deepEqual(splitTag('O', 'BIO'), ['I', 'O']);
  assert.deepEqual(splitTag('E-ORG', 'BIOES'), ['E', 'ORG']);
  assert.deepEqual(splitTag('E-ORG', 'BIO'), ['I', 'E-ORG']);
});

test('BIO: B I I is one span, O is dropped, B B is two spans', () => {
  assert.deepEqual(view(decodeSpans(words(['B-PER', 'I-PER', 'I-PER', 'O', 'B-LOC', 'B-LOC']), 'BIO')), ['PER:0-2', 'LOC:4-4', 'LOC:5-5']);
});

test('BIO invalid sequences are handled as the pipeline does', () => {
  // I- after O starts a span; I-PER after B-LOC starts a new PER span
  assert.deepEqual(view(decodeSpans(words(['O', 'I-PER', 'I-PER', 'B-LOC', 'I-PER']), 'BIO')), ['PER:1-2', 'LOC:3-3', 'PER:4-4']);
});

test('span score is the mean of its words and offsets run from first to last word', () => {
  const [s] = decodeSpans(words(['B-ORG', 'I-ORG', 'I-ORG'], [0.9, 0.6, 0.3]), 'BIO');
  assert.equal(s.start, 0);
  assert.equal(s.end, 25);
  assert.ok(Math.abs(s.score - 0.6) < 1e-12);
});

test('BIOES: S is a one-word span, E closes, a lone E is a span', () => {
  assert.deepEqual(view(decodeSpans(words(['S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'I-LOC', 'E-ORG', 'O']), 'BIOES')), [
    'PER:0-0',
    'LOC:1-3',
    'LOC:4-4',
    'ORG:5-5',
  ]);
});

test('hidden labels other than O can be dropped', () => {
  assert.deepEqual(view(decodeSpans(words(['B-PER', 'B-MISC', 'I-MISC']), 'BIO', new Set(['O', 'MISC']))), ['PER:0-0']);
});

test('plain labels pass through as one span per run of equal labels (no prefixes)', () => {
  assert.deepEqual(view(decodeSpans(words(['NOUN', 'NOUN', 'VERB']), 'plain', new Set())), ['NOUN:0-1', 'VERB:2-2']);
});

test('no words, no spans', () => {
  assert.deepEqual(decodeSpans([], 'BIO'), []);
});
