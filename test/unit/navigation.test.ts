// Moving through labels, units drawn for plain and BIO labels, visible-first drawing order,
// and labels of a selection put back into the document's labels.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { LabeledText, WordLabel } from '../../src/core/labeler';
import { displayUnitChunks, displayUnits, displayUnitsOf } from '../../src/core/display_units';
import { expandToWords, mergeRanges, nextLabelIndex, touchesAny } from '../../src/core/ranges';
import { shiftLabels, spliceLabels } from '../../src/core/splice';
import { allocateTable, TableWord } from '../../src/core/word_table';
import type { LabelScheme } from '../../src/core/bundle';
import { decodeSpans } from '../../src/core/spans';

const word = (start: number, end: number, label: string, score = 0.9, text = 'x'.repeat(end - start)): WordLabel => ({
  start,
  end,
  text,
  label,
  score,
  alternatives: [{ label, score }],
  pieces: [{ text, start, end, label, score }],
  window: 0,
});

// "The cat sat on the mat." -> The[0,3) cat[4,7) sat[8,11) on[12,14) the[15,18) mat[19,22) .[22,23)
const SENTENCE: WordLabel[] = [
  word(0, 3, 'DET'),
  word(4, 7, 'NOUN', 0.4),
  word(8, 11, 'VERB'),
  word(12, 14, 'ADP', 0.3),
  word(15, 18, 'DET'),
  word(19, 22, 'NOUN'),
  word(22, 23, 'PUNCT', 0.2),
];

test('next and previous from inside, at the start and at the end of a word', () => {
  const at = (offset: number, dir: 1 | -1) => nextLabelIndex(SENTENCE, offset, dir)?.index;
  assert.equal(at(5, 1), 2, 'inside "cat": next is "sat"');
  assert.equal(at(4, 1), 2, 'at the start of "cat": next is "sat"');
  assert.equal(at(3, 1), 1, 'between "The" and "cat": next is "cat"');
  assert.equal(at(19, 1), 6, 'from "mat" (selected: offset = its start) to the touching "."');
  assert.equal(at(5, -1), 0, 'inside "cat": previous is "The"');
  assert.equal(at(4, -1), 0, 'at the start of "cat": previous is "The"');
  assert.equal(at(22, -1), 5, 'from "." (its start) back to the touching "mat"');
  assert.equal(at(7, -1), 1, 'just after "cat": previous is "cat"');
});

test('wraps round at both ends and says so', () => {
  assert.deepEqual(nextLabelIndex(SENTENCE, 22, 1), { index: 0, wrapped: true });
  assert.deepEqual(nextLabelIndex(SENTENCE, 0, -1), { index: 6, wrapped: true });
  assert.deepEqual(nextLabelIndex(SENTENCE, 0, 1), { index: 1, wrapped: false });
});

test('a predicate picks the low-confidence words, wrapping; none gives undefined', () => {
  const low = (w: WordLabel) => w.score < 0.5;
  assert.deepEqual(nextLabelIndex(SENTENCE, 0, 1, low), { index: 1, wrapped: false });
  assert.deepEqual(nextLabelIndex(SENTENCE, 4, 1, low), { index: 3, wrapped: false });
  assert.deepEqual(nextLabelIndex(SENTENCE, 12, 1, low), { index: 6, wrapped: false });
  assert.deepEqual(nextLabelIndex(SENTENCE, 22, 1, low), { index: 1, wrapped: true });
  assert.deepEqual(nextLabelIndex(SENTENCE, 4, -1, low), { index: 6, wrapped: true });
  assert.equal(
    nextLabelIndex(SENTENCE, 0, 1, (w) => w.score < 0.1),
    undefined,
  );
  assert.equal(nextLabelIndex([], 0, 1), undefined);
  // the only match is the current word: it is found again, after going round
  assert.deepEqual(
    nextLabelIndex(SENTENCE, 22, 1, (w) => w.label === 'PUNCT'),
    { index: 6, wrapped: true },
  );
});

test('property: next is the first matching unit starting after the offset (else the first matching), previous the mirror', () => {
  const docArb = fc
    .array(fc.record({ gap: fc.integer({ min: 0, max: 3 }), len: fc.integer({ min: 1, max: 5 }), low: fc.boolean() }), { maxLength: 30 })
    .map((parts) => {
      let at = 0;
      return parts.map((p) => {
        at += p.gap;
        const w = { start: at, end: at + p.len, low: p.low };
        at += p.len;
        return w;
      });
    });
  fc.assert(
    fc.property(docArb, fc.integer({ min: 0, max: 120 }), fc.boolean(), (units, offset, onlyLow) => {
      const pred = (u: { low: boolean }) => !onlyLow || u.low;
      const idx = units.map((_, i) => i).filter((i) => pred(units[i]));
      const fwdAfter = idx.filter((i) => units[i].start > offset);
      const expectedNext = fwdAfter.length ? fwdAfter[0] : idx[0];
      assert.equal(nextLabelIndex(units, offset, 1, pred)?.index, expectedNext);
      const backBefore = idx.filter((i) => units[i].end <= offset);
      const expectedPrev = backBefore.length ? backBefore[backBefore.length - 1] : idx[idx.length - 1];
      assert.equal(nextLabelIndex(units, offset, -1, pred)?.index, expectedPrev);
    }),
  );
});

test('displayUnits: plain labels drop hidden ones; BIO labels become entity spans', () => {
  assert.deepEqual(
    displayUnits(SENTENCE, 'plain', new Set(['DET'])).map((u) => `${u.label}@${u.word}`),
    ['NOUN@1', 'VERB@2', 'ADP@3', 'NOUN@5', 'PUNCT@6'],
  );
  const bio = [word(0, 4, 'B-PER', 0.8), word(5, 10, 'I-PER', 0.6), word(11, 13, 'O'), word(14, 20, 'B-LOC')];
  const spans = displayUnits(bio, 'BIO', new Set(['O']));
  assert.deepEqual(
    spans.map((u) => [u.label, u.start, u.end, u.word]),
    [
      ['PER', 0, 10, 0],
      ['LOC', 14, 20, 3],
    ],
  );
  assert.ok(Math.abs(spans[0].score - 0.7) < 1e-9, 'a span scores the mean of its words');
});

test('property: displayUnitChunks joined are the units of one pass over all words, whatever the chunk size', () => {
  const tags = ['O', 'B-PER', 'I-PER', 'E-PER', 'S-PER', 'B-LOC', 'I-LOC', 'E-LOC', 'S-LOC', 'NOUN', 'VERB'];
  fc.assert(
    fc.property(
      fc.array(fc.record({ tag: fc.constantFrom(...tags), score: fc.double({ min: 0, max: 1, noNaN: true }) }), { maxLength: 60 }),
      fc.constantFrom<LabelScheme>('plain', 'BIO', 'BIOES'),
      fc.integer({ min: 1, max: 8 }),
      fc.subarray(tags),
      (labels, scheme, size, hiddenTags) => {
        const words = labels.map((l, i) => word(i * 3, i * 3 + 2, l.tag, l.score));
        const hidden = new Set(hiddenTags);
        // the reference: one pass over all words, as the decoder and the plain filter define it
        const whole =
          scheme === 'plain'
            ? words.flatMap((w, i) =>
                hidden.has(w.label) ? [] : [{ start: w.start, end: w.end, label: w.label, score: w.score, word: i }],
              )
            : decodeSpans(words, scheme, hidden).map((s) => ({
                start: s.start,
                end: s.end,
                label: s.label,
                score: s.score,
                word: s.first,
              }));
        const chunks = [...displayUnitChunks(words, scheme, hidden, size)];
        assert.deepEqual(chunks.flat(), whole);
        assert.deepEqual(displayUnits(words, scheme, hidden), whole);
        // every chunk but the last covers at least `size` words
        assert.ok(chunks.length <= Math.max(1, Math.ceil(words.length / size)));
      },
    ),
    { numRuns: 500 },
  );
});

test('displayUnitsOf remembers the units of a words array for its scheme and hidden labels', () => {
  const words = [...SENTENCE];
  const a = displayUnitsOf(words, 'plain', new Set(['DET']));
  assert.equal(displayUnitsOf(words, 'plain', new Set(['DET'])), a, 'the same units, not decoded again');
  assert.deepEqual(a, displayUnits(words, 'plain', new Set(['DET'])));
  const b = displayUnitsOf(words, 'plain', new Set(['NOUN']));
  assert.notEqual(b, a);
  assert.deepEqual(
    b.map((u) => u.label),
    ['DET', 'VERB', 'ADP', 'DET', 'PUNCT'],
  );
  assert.notEqual(displayUnitsOf([...SENTENCE], 'plain', new Set(['NOUN'])), b, 'another words array has units of its own');
});

test('touchesAny: a unit touches a range it overlaps or meets at an edge', () => {
  const ranges = [
    { start: 900, end: 905 },
    { start: 10, end: 20 },
  ];
  assert.equal(touchesAny({ start: 12, end: 14 }, ranges), true, 'inside');
  assert.equal(touchesAny({ start: 5, end: 10 }, ranges), true, 'ends where a range starts');
  assert.equal(touchesAny({ start: 20, end: 25 }, ranges), true, 'starts where a range ends');
  assert.equal(touchesAny({ start: 0, end: 30 }, ranges), true, 'covers a range');
  assert.equal(touchesAny({ start: 21, end: 25 }, ranges), false);
  assert.equal(touchesAny({ start: 906, end: 910 }, ranges), false);
  assert.equal(touchesAny({ start: 12, end: 14 }, []), false);
});

const labeled = (words: WordLabel[], windows = 1): LabeledText => ({
  words,
  windows: Array.from({ length: windows }, () => ({ start: 0, end: 0, pieces: 1, sequence: [] })),
  sequence: [],
  timing: { totalMs: 1, inferenceMs: 1 },
  segments: { total: 1, run: 1 },
});

test('shiftLabels moves words, pieces and windows by the offset', () => {
  const r = shiftLabels(labeled([word(0, 3, 'NOUN')]), 100, 2);
  assert.deepEqual([r.words[0].start, r.words[0].end, r.words[0].pieces[0].start, r.words[0].window], [100, 103, 100, 2]);
});

test('spliceLabels replaces the words overlapping the part, keeps the others, points at the new windows', () => {
  const base = labeled(SENTENCE, 2);
  // "sat on" relabeled: part offsets are relative to 8
  const part = labeled([word(0, 3, 'AUX'), word(4, 6, 'PART')]);
  const r = spliceLabels(base, part, { start: 8, end: 14 });
  assert.deepEqual(
    r.words.map((w) => `${w.start}:${w.label}`),
    ['0:DET', '4:NOUN', '8:AUX', '12:PART', '15:DET', '19:NOUN', '22:PUNCT'],
  );
  assert.equal(r.windows.length, 3);
  assert.equal(r.words[2].window, 2, "the new words point at the part's window, appended");
  // a part cutting a word drops the cut word
  const cut = spliceLabels(base, labeled([word(0, 2, 'X')]), { start: 5, end: 7 });
  assert.deepEqual(
    cut.words.map((w) => w.start),
    [0, 5, 8, 12, 15, 19, 22],
  );
  // no earlier labels: just the part, moved
  assert.deepEqual(
    spliceLabels(undefined, part, { start: 8, end: 14 }).words.map((w) => w.start),
    [8, 12],
  );
});

test('expandToWords widens a selection that cuts words, and leaves whole words alone', () => {
  const text = 'The cat sat on the mat.';
  const sel = (start: number, end: number) => {
    const r = expandToWords(text, { start, end });
    return text.slice(r.start, r.end);
  };
  assert.equal(sel(5, 10), 'cat sat');
  assert.equal(sel(4, 11), 'cat sat');
  assert.equal(sel(3, 8), ' cat ', 'spaces at the ends are kept, nothing is cut');
  assert.equal(sel(20, 23), 'mat.');
  assert.equal(sel(5, 5), '', 'an empty selection stays empty');
  const accents = 'naïve café';
  const r = expandToWords(accents, { start: 2, end: 7 });
  assert.equal(accents.slice(r.start, r.end), 'naïve café');
});

test('mergeRanges sorts and merges overlapping or touching ranges', () => {
  assert.deepEqual(
    mergeRanges([
      { start: 10, end: 12 },
      { start: 0, end: 3 },
      { start: 2, end: 5 },
      { start: 12, end: 14 },
    ]),
    [
      { start: 0, end: 5 },
      { start: 10, end: 14 },
    ],
  );
  assert.deepEqual(mergeRanges([]), []);
});

test('shiftLabels copies words that are views over a word table (getters, not own fields)', () => {
  const table = allocateTable('cat sat', ['NOUN', 'VERB'], 2, 2, 1, ['cat', 'sat']);
  [
    [0, 3, 0],
    [4, 7, 1],
  ].forEach(([start, end, label], i) => {
    table.start[i] = start;
    table.end[i] = end;
    table.top[i] = label;
    table.topScore[i] = 0.75;
    table.pieceFirst[i] = i;
    table.pieceStart[i] = start;
    table.pieceEnd[i] = end;
    table.pieceLabel[i] = label;
    table.pieceScore[i] = 0.75;
  });
  table.pieceFirst[2] = 2;
  const at = { table, offset: 0, windowBase: 0 };
  const views = [new TableWord(at, 0), new TableWord(at, 1)];
  const r = shiftLabels(labeled(views), 10, 1);
  assert.deepEqual(
    r.words.map((w) => [w.start, w.end, w.text, w.label, w.score, w.window, w.pieces.map((p) => `${p.start}-${p.end}:${p.label}`).join()]),
    [
      [10, 13, 'cat', 'NOUN', 0.75, 1, '10-13:NOUN'],
      [14, 17, 'sat', 'VERB', 0.75, 1, '14-17:VERB'],
    ],
  );
});
