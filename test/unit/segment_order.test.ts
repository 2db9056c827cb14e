// The order of a run's segments (nearest the visible ranges first), the maximum wait of live
// labeling, labels carried through edits, and, with the shipped model, that a run in priority
// order reports its progress, gives partial labels that agree with the whole, and ends with
// exactly the labels of a run in document order.
import * as assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { carryLabels, changedPart } from '../../src/core/carry';
import { Labeler, type LabeledText, type LabelProgress } from '../../src/core/labeler';
import { debounceDelay, endsAtMaxWait } from '../../src/core/max_wait';
import { distanceToRanges, rangesDone, takeNearest } from '../../src/core/segment_order';
import { SegmentCache } from '../../src/core/segments';
import { longText } from '../shared/long_text';
import { openShippedModel } from './fixtures';

const segs = (n: number, len = 10): { start: number; end: number }[] =>
  Array.from({ length: n }, (_, i) => ({ start: i * len, end: (i + 1) * len }));

describe('segment order', () => {
  test('distance to the nearest range: 0 when touching or overlapping', () => {
    assert.equal(distanceToRanges(10, 20, [{ start: 30, end: 40 }]), 10);
    assert.equal(distanceToRanges(50, 60, [{ start: 30, end: 40 }]), 10);
    assert.equal(distanceToRanges(10, 20, [{ start: 20, end: 40 }]), 0);
    assert.equal(distanceToRanges(10, 20, [{ start: 15, end: 15 }]), 0);
    assert.equal(
      distanceToRanges(10, 20, [
        { start: 100, end: 200 },
        { start: 0, end: 5 },
      ]),
      5,
    );
    assert.equal(distanceToRanges(10, 20, []), Infinity);
  });

  test('takeNearest: nearest first, ties in document order, the rest left in document order', () => {
    const s = segs(10); // [0,10) ... [90,100)
    const waiting = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    const first = takeNearest(waiting, s, [{ start: 52, end: 58 }], 3);
    assert.deepEqual(first, [5, 4, 6]);
    assert.deepEqual(waiting, [0, 1, 2, 3, 7, 8, 9]);
    // without ranges: document order
    assert.deepEqual(takeNearest(waiting, s, [], 2), [0, 1]);
    assert.deepEqual(waiting, [2, 3, 7, 8, 9]);
    // more than are waiting: all of them
    assert.deepEqual(takeNearest(waiting, s, [{ start: 95, end: 95 }], 99), [2, 3, 7, 8, 9]);
    assert.deepEqual(waiting, []);
  });

  test('takeNearest over random cases: a partition of the waiting, by nondecreasing distance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.array(fc.record({ a: fc.nat({ max: 700 }), len: fc.nat({ max: 50 }) }), { maxLength: 3 }),
        fc.integer({ min: 1, max: 20 }),
        (n, rs, count) => {
          const s = segs(n);
          const ranges = rs.map((r) => ({ start: r.a, end: r.a + r.len }));
          const waiting = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
          const all = [...waiting];
          const taken: number[] = [];
          while (waiting.length) {
            const chunk = takeNearest(waiting, s, ranges, count);
            assert.ok(chunk.length === Math.min(count, chunk.length + waiting.length));
            // the rest stays sorted, and nothing left is nearer than what was taken
            assert.deepEqual(
              waiting,
              [...waiting].sort((x, y) => x - y),
            );
            const worst = Math.max(...chunk.map((i) => distanceToRanges(s[i].start, s[i].end, ranges)));
            for (const i of waiting) assert.ok(distanceToRanges(s[i].start, s[i].end, ranges) >= worst || !ranges.length);
            taken.push(...chunk);
          }
          assert.deepEqual(
            [...taken].sort((x, y) => x - y),
            all,
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  test('rangesDone: every segment overlapping a range (or holding a cursor) has labels', () => {
    const s = segs(10);
    const done = new Set([4, 5]);
    assert.equal(
      rangesDone(s, [{ start: 41, end: 59 }], (i) => done.has(i)),
      true,
    );
    assert.equal(
      rangesDone(s, [{ start: 41, end: 61 }], (i) => done.has(i)),
      false,
    );
    assert.equal(
      rangesDone(s, [{ start: 45, end: 45 }], (i) => done.has(i)),
      true,
    );
    assert.equal(
      rangesDone(s, [{ start: 30, end: 30 }], (i) => done.has(i)),
      false,
    );
    assert.equal(
      rangesDone(s, [], () => false),
      true,
    );
  });
});

describe('maximum wait', () => {
  test('the debounce, cut short at the maximum wait after the first pending edit', () => {
    assert.equal(debounceDelay(0, 0, 300, 1000), 300);
    assert.equal(debounceDelay(800, 0, 300, 1000), 200);
    assert.equal(debounceDelay(1200, 0, 300, 1000), 0);
    assert.equal(debounceDelay(500, 0, 300, 0), 300, '0: no maximum');
    assert.equal(debounceDelay(500, 0, -5, 1000), 0);
    assert.equal(endsAtMaxWait(200, 300), true);
    assert.equal(endsAtMaxWait(300, 300), false);
  });

  test('edits every 100 ms for 5 s: labeled at least once per maximum wait', () => {
    // a simulated clock: an edit every 100 ms, a timer that fires unless an edit comes first
    const debounce = 300;
    const maxWait = 1000;
    let since: number | undefined;
    let due: number | undefined;
    const fired: number[] = [];
    for (let t = 0; t <= 5000; t += 10) {
      if (due !== undefined && t >= due) {
        fired.push(t);
        due = undefined;
        since = undefined;
      }
      if (t % 100 === 0) {
        since ??= t;
        due = t + debounceDelay(t, since, debounce, maxWait);
      }
    }
    assert.ok(fired.length >= 4, `fired at ${fired.join(', ')}`);
    for (let i = 1; i < fired.length; i++) assert.ok(fired[i] - fired[i - 1] <= maxWait + 100, `fired at ${fired.join(', ')}`);
    // the debounce alone never fires while the edits go on
    since = undefined;
    due = undefined;
    let firedWithout = 0;
    for (let t = 0; t <= 5000; t += 10) {
      if (due !== undefined && t >= due) firedWithout++;
      if (t % 100 === 0) due = t + debounceDelay(t, t, debounce, 0);
    }
    assert.equal(firedWithout, 0);
  });
});

function word(start: number, text: string, label = 'X'): LabeledText['words'][number] {
  return {
    start,
    end: start + text.length,
    text,
    label,
    score: 0.9,
    alternatives: [],
    window: 0,
    pieces: [{ text, label, score: 0.9, start, end: start + text.length }],
  };
}

describe('labels carried through edits', () => {
  const before = 'one two three four';
  const labels: LabeledText = {
    words: [word(0, 'one'), word(4, 'two'), word(8, 'three'), word(14, 'four')],
    windows: [{ start: 0, end: 18, pieces: 4, sequence: [] }],
    sequence: [],
    timing: { totalMs: 1, inferenceMs: 1 },
    segments: { total: 1, run: 1 },
  };

  test('changedPart: the common prefix and suffix', () => {
    assert.deepEqual(changedPart('abcdef', 'abXYef'), { start: 2, beforeEnd: 4, afterEnd: 4 });
    assert.deepEqual(changedPart('abc', 'abc'), { start: 3, beforeEnd: 3, afterEnd: 3 });
    assert.deepEqual(changedPart('aaa', 'aaaa'), { start: 3, beforeEnd: 3, afterEnd: 4 });
  });

  test('words outside the change keep their labels, moved; words in or touching it are dropped', () => {
    const after = 'one twofold three four';
    const carried = carryLabels(labels, before, after);
    assert.deepEqual(
      carried.words.map((w) => [w.text, w.start, w.end, after.slice(w.start, w.end)]),
      [
        ['one', 0, 3, 'one'],
        ['three', 12, 17, 'three'],
        ['four', 18, 22, 'four'],
      ],
    );
    assert.deepEqual(carried.windows, [{ start: 0, end: 22, pieces: 4, sequence: [] }]);
    // a word typed onto is dropped
    assert.deepEqual(
      carryLabels(labels, before, before + '!').words.map((w) => w.text),
      ['one', 'two', 'three'],
    );
    // a change at the start
    const front = carryLabels(labels, before, 'zone two three four');
    assert.deepEqual(
      front.words.map((w) => front.words && 'zone two three four'.slice(w.start, w.end)),
      ['two', 'three', 'four'],
    );
    assert.equal(carryLabels(labels, before, before), labels);
  });

  test('random edits: every carried word is the same text at its new offset', () => {
    fc.assert(
      fc.property(fc.nat({ max: 18 }), fc.nat({ max: 6 }), fc.constantFrom('', 'x', ' ', 'new words '), (at, del, ins) => {
        const after = before.slice(0, at) + ins + before.slice(Math.min(before.length, at + del));
        const carried = carryLabels(labels, before, after);
        for (const w of carried.words) {
          assert.equal(after.slice(w.start, w.end), w.text);
          for (const p of w.pieces) assert.equal(after.slice(p.start, p.end), p.text);
        }
      }),
    );
  });
});

describe('labeling in priority order (shipped model)', () => {
  let labeler: Labeler;
  before(async () => {
    labeler = await openShippedModel();
  });
  after(async () => labeler?.dispose());

  const key = (r: LabeledText): string[] => r.words.map((w) => `${w.start}-${w.end}:${w.label}:${w.score.toFixed(6)}:${w.window}`);

  test('the visible middle first, progress reported, partial labels agree, the end equals a run in document order', async () => {
    const text = longText({ lines: 700 });
    const middle = Math.floor(text.length / 2);
    const visible = { start: middle, end: middle + 3000 };
    const events: LabelProgress[] = [];
    let firstPartial: LabeledText | undefined;
    const cache = new SegmentCache();
    const ordered = await labeler.label(text, {
      cache,
      priority: () => [visible],
      onProgress: (p) => {
        events.push(p);
        if (p.priorityDone && !firstPartial && p.done > 0) void p.partial().then((r) => (firstPartial ??= r));
      },
    });
    const plain = await labeler.label(text);
    assert.deepEqual(key(ordered), key(plain));
    assert.deepEqual(ordered.sequence, plain.sequence);
    assert.deepEqual(ordered.windows, plain.windows);

    // progress: from 0 of N to N of N, never backwards; the visible part done after the first chunk
    assert.ok(events.length >= 3, `${events.length} progress events`);
    assert.equal(events[0].done, 0);
    const total = events[0].total;
    assert.equal(total, plain.segments.total);
    for (let i = 1; i < events.length; i++) assert.ok(events[i].done >= events[i - 1].done && events[i].total === total);
    assert.equal(events[events.length - 1].done, total);
    assert.ok(events[1].priorityDone, 'the first chunk done holds the visible segments');

    // the first partial labels: the visible range labeled, the start of the text not yet
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(firstPartial, 'partial labels');
    const inVisible = firstPartial.words.filter((w) => w.start >= visible.start && w.end <= visible.end);
    const fullVisible = plain.words.filter((w) => w.start >= visible.start && w.end <= visible.end);
    assert.equal(inVisible.length, fullVisible.length);
    assert.ok(firstPartial.words.length < plain.words.length);
    assert.ok(firstPartial.words[0].start > 0, 'the start of the text is not among the first labels');
    // every partial word is the full run's word at the same place (label and score), sorted
    const full = new Map(plain.words.map((w) => [w.start, w]));
    for (let i = 0; i < firstPartial.words.length; i++) {
      const w = firstPartial.words[i];
      const f = full.get(w.start);
      assert.ok(f && f.end === w.end && f.label === w.label && f.score === w.score, `word at ${w.start}`);
      if (i) assert.ok(firstPartial.words[i - 1].end <= w.start);
      assert.ok(firstPartial.windows[w.window].start <= w.start && firstPartial.windows[w.window].end >= w.end);
    }

    // again with the cache: nothing to run, one progress event, the same labels
    const again: LabelProgress[] = [];
    const cached = await labeler.label(text, { cache, priority: () => [visible], onProgress: (p) => again.push(p) });
    assert.deepEqual(key(cached), key(plain));
    assert.deepEqual(
      again.map((p) => [p.done, p.total]),
      [[0, 0]],
    );
  });
});
