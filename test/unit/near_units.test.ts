// The units near the visible lines, found by binary search (the decorations' first pass): the
// same units as all of the document's units filtered by touching the ranges, for plain, BIO and
// BIOES labels, ranges in gaps, inside spans and at edges; and the words read are those in the
// ranges (plus the binary searches), not the document's.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { LabelScheme } from '../../src/core/bundle';
import { displayUnits } from '../../src/core/display_units';
import type { WordLabel } from '../../src/core/labeler';
import { unitsTouching, wordsTouching } from '../../src/core/near_units';
import { touchesAny } from '../../src/core/ranges';

const word = (start: number, end: number, label: string, score = 0.9): WordLabel => ({
  start,
  end,
  text: 'x'.repeat(end - start),
  label,
  score,
  alternatives: [{ label, score }],
  pieces: [{ text: 'x'.repeat(end - start), start, end, label, score }],
  window: 0,
});

test('unitsTouching: the words touching the ranges, edges included', () => {
  // The[0,3) cat[4,7) sat[8,11) on[12,14) the[15,18) mat[19,22)
  const words = [
    word(0, 3, 'DET'),
    word(4, 7, 'NOUN'),
    word(8, 11, 'VERB'),
    word(12, 14, 'ADP'),
    word(15, 18, 'DET'),
    word(19, 22, 'NOUN'),
  ];
  const at = (ranges: Array<{ start: number; end: number }>, hidden = new Set<string>()) =>
    unitsTouching(words, 'plain', hidden, ranges).map((u) => u.word);
  assert.deepEqual(at([{ start: 5, end: 9 }]), [1, 2]);
  assert.deepEqual(at([{ start: 7, end: 8 }]), [1, 2], 'a range meeting two words at its edges touches both');
  assert.deepEqual(
    at([
      { start: 19, end: 30 },
      { start: 0, end: 1 },
    ]),
    [0, 5],
    'in document order',
  );
  assert.deepEqual(at([{ start: 0, end: 30 }], new Set(['DET'])), [1, 2, 3, 5], 'hidden labels are left out');
  assert.deepEqual(at([{ start: 40, end: 50 }]), []);
  assert.deepEqual(unitsTouching([], 'plain', new Set(), [{ start: 0, end: 5 }]), []);
});

test('unitsTouching: a span is found whole from a range inside it, also between two of its words', () => {
  // Barack[0,6) Obama[7,12) visited[13,20) New[21,24) York[25,29)
  const words = [word(0, 6, 'B-PER'), word(7, 12, 'I-PER'), word(13, 20, 'O'), word(21, 24, 'B-LOC'), word(25, 29, 'I-LOC')];
  const hidden = new Set(['O']);
  const spans = (start: number, end: number) =>
    unitsTouching(words, 'BIO', hidden, [{ start, end }]).map((u) => [u.label, u.start, u.end, u.word]);
  assert.deepEqual(spans(9, 10), [['PER', 0, 12, 0]], "inside the span's second word");
  assert.deepEqual(spans(6, 7), [['PER', 0, 12, 0]], 'in the space between its words');
  assert.deepEqual(spans(14, 15), [], 'inside a word of a hidden label');
  assert.deepEqual(spans(11, 22), [
    ['PER', 0, 12, 0],
    ['LOC', 21, 29, 3],
  ]);
});

test('property: unitsTouching is every unit of the document that touches a range', () => {
  const tags = ['O', 'B-PER', 'I-PER', 'E-PER', 'S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC', 'NOUN', 'VERB'];
  fc.assert(
    fc.property(
      fc.array(fc.record({ tag: fc.constantFrom(...tags), gap: fc.integer({ min: 0, max: 3 }), len: fc.integer({ min: 1, max: 4 }) }), {
        maxLength: 60,
      }),
      fc.constantFrom<LabelScheme>('plain', 'BIO', 'BIOES'),
      fc.array(fc.record({ start: fc.integer({ min: -5, max: 300 }), len: fc.integer({ min: 0, max: 40 }) }), { maxLength: 4 }),
      fc.subarray(['O', 'PER', 'LOC', 'NOUN', 'VERB']),
      (labels, scheme, rawRanges, hiddenTags) => {
        let at = 0;
        const words = labels.map((l) => {
          const w = word(at + l.gap, at + l.gap + l.len, l.tag);
          at = w.end;
          return w;
        });
        const hidden = new Set(hiddenTags);
        const ranges = rawRanges.map((r) => ({ start: r.start, end: r.start + r.len }));
        const reference = displayUnits(words, scheme, hidden).filter((u) => touchesAny(u, ranges));
        assert.deepEqual(unitsTouching(words, scheme, hidden, ranges), reference);
        assert.equal(wordsTouching(words, ranges), words.filter((w) => touchesAny(w, ranges)).length);
      },
    ),
    { numRuns: 1000 },
  );
});

test('unitsTouching reads the words in the ranges, not the whole document', () => {
  const n = 200_000;
  const plain: WordLabel[] = [];
  for (let i = 0; i < n; i++) plain.push(word(i * 6, i * 6 + 5, i % 7 ? 'NOUN' : 'VERB'));
  let reads = 0;
  // every index read of the words array is counted
  const counted = new Proxy(plain, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  const units = unitsTouching(counted, 'plain', new Set(), [{ start: 600_000, end: 606_000 }]);
  assert.equal(units.length, 1001);
  const bound = (inRange: number) => 2 * inRange + 4 * Math.ceil(Math.log2(n)) + 20;
  assert.ok(reads < bound(1001), `${reads} word reads for ${units.length} units of ${n} words`);

  // entity labels: a long run of hidden O is not walked back to its start (nor on to its end)
  const bio: WordLabel[] = [];
  for (let i = 0; i < n; i++) bio.push(word(i * 6, i * 6 + 5, i === n / 2 ? 'B-PER' : i === n / 2 + 1 ? 'I-PER' : 'O'));
  reads = 0;
  const spans = unitsTouching(
    new Proxy(bio, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) reads++;
        return Reflect.get(target, key, receiver) as unknown;
      },
    }),
    'BIO',
    new Set(['O']),
    [{ start: 3 * n - 3000, end: 3 * n + 3000 }],
  );
  assert.deepEqual(
    spans.map((u) => [u.label, u.word]),
    [['PER', n / 2]],
  );
  assert.ok(reads < 4 * bound(1001), `${reads} word reads in a run of O`);
});
