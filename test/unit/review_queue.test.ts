// The review queue's pure parts (src/core/review_queue.ts): the margin and its bound, a span's
// margin, the order, the threshold, grouping by file, line:column, the sentence around a label,
// and the progress counts with corrections and flagged reviews.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Annotation } from '../../src/core/annotations';
import {
  addFileCandidates,
  groupByFile,
  labelMargin,
  lineColumn,
  lineStarts,
  reviewOrder,
  reviewProgress,
  reviewQueue,
  sentenceAround,
  unitMargins,
  type ReviewCandidate,
  type ScoredLabel,
} from '../../src/core/review_queue';

const close = (a: number, b: number): void => assert.ok(Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

/** A label with its score, and the model's alternatives: the label itself first, then `others`. */
const scored = (label: string, score: number, ...others: Array<[string, number]>) => ({
  label,
  score,
  alternatives: [{ label, score }, ...others.map(([l, p]) => ({ label: l, score: p }))],
});

test('the margin is the top probability minus the next; without a second label, its bound 2p - 1', () => {
  close(labelMargin(scored('NOUN', 0.55, ['PROPN', 0.4])), 0.15);
  // the label's own entry is skipped wherever it is; the best other label counts
  close(
    labelMargin({
      label: 'ADJ',
      score: 0.6,
      alternatives: [
        { label: 'VERB', score: 0.1 },
        { label: 'ADJ', score: 0.6 },
        { label: 'NOUN', score: 0.3 },
      ],
    }),
    0.3,
  );
  close(labelMargin({ label: 'X', score: 0.98 }), 0.96);
  close(labelMargin({ label: 'X', score: 0.98, alternatives: [{ label: 'X', score: 0.98 }] }), 0.96);
  close(labelMargin({ label: 'X', score: 0.3 }), 0);
  // the same top probability, different margins: the top probability alone cannot tell them apart
  const near = labelMargin(scored('A', 0.5, ['B', 0.45]));
  const far = labelMargin(scored('A', 0.5, ['B', 0.05]));
  assert.ok(near < far);
});

test('the bound never ranks a label surer than any distribution of the rest allows (fast-check)', () => {
  fc.assert(
    fc.property(fc.array(fc.double({ min: 0.001, max: 1, noNaN: true }), { minLength: 2, maxLength: 8 }), (raw) => {
      const sum = raw.reduce((a, b) => a + b, 0);
      const probs = raw.map((r) => r / sum).sort((a, b) => b - a);
      const exact = labelMargin({ label: 'L0', score: probs[0], alternatives: probs.map((p, i) => ({ label: `L${i}`, score: p })) });
      const bound = labelMargin({ label: 'L0', score: probs[0] });
      assert.ok(bound <= exact + 1e-9, `bound ${bound} > exact ${exact}`);
    }),
  );
});

test("a span's margin is its least certain word's", () => {
  const words = [
    { start: 0, end: 3, ...scored('B-PER', 0.9, ['O', 0.05]) },
    { start: 4, end: 9, ...scored('I-PER', 0.5, ['O', 0.4]) },
    { start: 10, end: 12, label: 'O', score: 0.99 },
    { start: 13, end: 17, ...scored('B-LOC', 0.7, ['B-ORG', 0.2]) },
  ];
  const m = unitMargins(
    [
      { start: 0, end: 9 },
      { start: 13, end: 17 },
    ],
    words,
  );
  close(m[0], 0.1);
  close(m[1], 0.5);
});

const cand = (over: Partial<ReviewCandidate>): ReviewCandidate => ({
  file: '/a.txt',
  start: 0,
  end: 1,
  text: 'x',
  label: 'X',
  score: 0.5,
  margin: 0.2,
  alternatives: [],
  needsReview: false,
  ...over,
});

test('the queue: flagged first, then the smallest margin, then the lowest probability; cut to size', () => {
  const items = [
    cand({ start: 1, margin: 0.4, score: 0.6 }),
    cand({ start: 2, margin: 0.1, score: 0.9 }),
    cand({ start: 3, needsReview: true, margin: 0, score: 0 }),
    cand({ start: 4, margin: 0.1, score: 0.5 }),
    cand({ file: '/b.txt', start: 0, margin: 0.05 }),
  ];
  assert.deepEqual(
    reviewQueue(items, 10).map((c) => `${c.file}:${c.start}`),
    ['/a.txt:3', '/b.txt:0', '/a.txt:4', '/a.txt:2', '/a.txt:1'],
  );
  assert.equal(reviewQueue(items, 2).length, 2);
  assert.equal(reviewQueue(items, 0).length, 0);
  assert.equal(reviewOrder(items[0], items[0]), 0);
});

const label = (start: number, text: string, margin: number, score = 0.6): ScoredLabel => ({
  start,
  end: start + text.length,
  text,
  label: 'NOUN',
  score,
  margin,
  alternatives: [],
});

test('confident labels are never listed: the threshold keeps margins at most maxMargin, and flagged ones', () => {
  const out: ReviewCandidate[] = [];
  const flagged: Annotation = { start: 6, end: 8, text: 'cc', label: 'NOUN', source: 'reviewed', needsReview: true };
  addFileCandidates(out, '/f', [label(0, 'aa', 0.96), label(3, 'bb', 0.5), label(6, 'cc', 0.96)], [flagged], 0.5);
  assert.deepEqual(
    out.map((c) => [c.text, c.needsReview]),
    [
      ['bb', false],
      ['cc', true],
    ],
  );
});

test('grouping by file keeps the order inside each file and orders files by their first item', () => {
  const q = [
    cand({ file: '/b', start: 5 }),
    cand({ file: '/a', start: 9 }),
    cand({ file: '/b', start: 1 }),
    cand({ file: '/a', start: 2 }),
  ];
  const g = groupByFile(q);
  assert.deepEqual(
    g.map((x) => [x.file, x.items.map((i) => i.start)]),
    [
      ['/b', [5, 1]],
      ['/a', [9, 2]],
    ],
  );
});

test('line:column is 1-based in UTF-16 units, with \\n, \\r\\n and a lone \\r as line ends', () => {
  const text = 'ab\ncd\r\nef\rgh';
  const starts = lineStarts(text);
  assert.deepEqual(starts, [0, 3, 7, 10]);
  assert.deepEqual(lineColumn(starts, 0), { line: 1, column: 1 });
  assert.deepEqual(lineColumn(starts, 2), { line: 1, column: 3 });
  assert.deepEqual(lineColumn(starts, 3), { line: 2, column: 1 });
  assert.deepEqual(lineColumn(starts, 8), { line: 3, column: 2 });
  assert.deepEqual(lineColumn(starts, 11), { line: 4, column: 2 });
  // an astral character counts two columns, as in VS Code
  const emoji = '😀 word';
  assert.deepEqual(lineColumn(lineStarts(emoji), emoji.indexOf('word')), { line: 1, column: 4 });
  // agrees with a plain count on random texts (fast-check)
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', '\n', '\r', 'b', ' ') }), fc.nat(), (t, k) => {
      const off = t.length ? k % (t.length + 1) : 0;
      const before = t.slice(0, off);
      const breaks = before.match(/\r\n|\r|\n/g) ?? [];
      // an offset between \r and \n is on the line the \r ends (VS Code never puts a cursor there)
      if (before.endsWith('\r') && t[off] === '\n') return;
      const lastEnd = Math.max(before.lastIndexOf('\n'), before.lastIndexOf('\r'));
      assert.deepEqual(lineColumn(lineStarts(t), off), { line: breaks.length + 1, column: off - lastEnd });
    }),
  );
});

test('the sentence around a word: from the previous sentence end to the next, on one line, the word marked', () => {
  const text = 'First one here. The quick brown\nfox jumps over it! Last sentence.';
  const at = text.indexOf('fox');
  const c = sentenceAround(text, at, at + 3);
  assert.equal(c.text, 'The quick brown fox jumps over it!');
  assert.equal(c.text.slice(...c.highlight), 'fox');
  // the first sentence of the text, and a blank line as a boundary
  const p = 'Heading words\n\nA paragraph starts here';
  const h = sentenceAround(p, 0, 7);
  assert.equal(h.text, 'Heading words');
  assert.equal(h.text.slice(...h.highlight), 'Heading');
  const q = sentenceAround(p, p.indexOf('starts'), p.indexOf('starts') + 6);
  assert.equal(q.text, 'A paragraph starts here');
  // a sentence longer than the reach is clipped on both sides with an ellipsis
  const long = 'word '.repeat(100) + 'target ' + 'more '.repeat(100);
  const l = sentenceAround(long, 500, 506, 20);
  assert.ok(l.text.startsWith('…') && l.text.endsWith('…'), l.text);
  assert.equal(l.text.slice(...l.highlight), 'target');
  assert.ok(l.text.length <= 20 + 40 + 6 + 2, l.text);
  // ... at word boundaries: no part of a word shows next to the ellipsis
  assert.match(l.text, /^…word (word )*target (more )*more…$/);
  const clipped = sentenceAround('She planted roses near the wall.', 31, 32);
  assert.equal(clipped.text, '…planted roses near the wall.');
  assert.equal(clipped.text.slice(...clipped.highlight), '.');
  // less reach before the word than after it: a row's start is what stays in view
  const b = sentenceAround(long, 500, 506);
  assert.ok(b.highlight[0] <= 32 && b.text.length - b.highlight[1] > 32, JSON.stringify(b));
  // a full stop labeled on its own ends its context: the next sentence is not shown
  const stop = sentenceAround(text, text.indexOf('.'), text.indexOf('.') + 1);
  assert.equal(stop.text, 'First one here.');
  assert.equal(stop.text.slice(...stop.highlight), '.');
  // closing quotes stay with their sentence
  const quoted = 'He said "stop." Then he left.';
  const s = sentenceAround(quoted, quoted.indexOf('Then'), quoted.indexOf('Then') + 4);
  assert.equal(s.text, 'Then he left.');
});

test('the highlight always covers the word, whatever the text around it (fast-check)', () => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\n', '.', '!', '\t', '"') }), fc.nat(), fc.nat(), (t, a, b) => {
      const text = t + 'WORD' + t;
      const start = t.length;
      const c = sentenceAround(text, start, start + 4, 10 + (a % 30));
      assert.equal(c.text.slice(...c.highlight), 'WORD');
      assert.doesNotMatch(c.text, /\s\s|\n|\t/);
      void b;
    }),
  );
});

test('a file adds its uncertain uncovered labels and flagged corrections; progress counts the settled ones', () => {
  const labels = [label(0, 'aa', 0.1), label(3, 'bb', 0.9), label(6, 'cc', 0.2), label(9, 'dd', 0.3)];
  const corrections: Annotation[] = [
    { start: 0, end: 2, text: 'aa', label: 'VERB', source: 'corrected' },
    { start: 9, end: 11, text: 'dx', label: 'NOUN', source: 'reviewed', needsReview: true },
  ];
  const out: ReviewCandidate[] = [];
  const p = addFileCandidates(out, '/f', labels, corrections, 0.5);
  assert.deepEqual(
    out.map((c) => [c.text, c.needsReview]),
    [
      ['cc', false],
      ['dx', true],
    ],
  );
  // aa settled by a correction; bb confident (not counted); cc open; dd under a flagged review (the review is listed)
  assert.deepEqual(p, { reviewed: 1, total: 3 });
  assert.equal(reviewProgress(p.reviewed, p.total), '1 of 3 reviewed');
});

test('a big document: 200,000 labels are added without spreading them into one call', () => {
  const n = 200_000;
  const labels: ScoredLabel[] = [];
  for (let i = 0; i < n; i++) labels.push(label(i * 2, 'a', 0.1));
  const out: ReviewCandidate[] = [];
  const p = addFileCandidates(out, '/big', labels, [], 0.5);
  assert.equal(out.length, n);
  assert.deepEqual(p, { reviewed: 0, total: n });
});
