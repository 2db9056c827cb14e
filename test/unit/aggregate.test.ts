// Sub-word aggregation with the Hugging Face token-classification pipeline's semantics
// (transformers TokenClassificationPipeline.aggregate_word):
//   first   - scores of the word's first token;
//   average - np.nanmean of the tokens' scores, then argmax;
//   max     - the token whose scores.max() is highest (Python max(): the first on ties);
//   simple  - no word merging: each token its argmax and score, consecutive tokens grouped into
//             entities by the pipeline's group_entities rules (B- starts, same type continues).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { aggregateInto, softmax, softmaxInto, topK, topKInto } from '../../src/core/aggregate';
import { aggregatePieces, argmax, pieceUnits } from '../oracles/aggregate';
import { decodeSpans } from '../../src/core/spans';

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

function assertClose(actual: ArrayLike<number>, expected: readonly number[], tol = 1e-6): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `[${i}]: ${actual[i]} != ${expected[i]}`);
  }
}

describe('softmax', () => {
  it('of equal logits is uniform', () => {
    assertClose(softmax(f32([0, 0]), 0, 2), [0.5, 0.5]);
    assertClose(softmax(f32([3, 3, 3, 3]), 0, 4), [0.25, 0.25, 0.25, 0.25]);
  });

  it('of [1, 2, 3] is e^(x-3) / (1 + e^-1 + e^-2) = [0.0900306, 0.2447285, 0.6652410]', () => {
    assertClose(softmax(f32([1, 2, 3]), 0, 3), [0.09003057, 0.24472847, 0.66524096]);
  });

  it('of [0, ln 3] is [1/4, 3/4]', () => {
    assertClose(softmax(f32([0, Math.log(3)]), 0, 2), [0.25, 0.75]);
  });

  it('reads logits[offset .. offset + n) only', () => {
    assertClose(softmax(f32([100, 1, 2, 3, -100]), 1, 3), [0.09003057, 0.24472847, 0.66524096]);
  });

  it('is numerically stable for large logits', () => {
    assertClose(softmax(f32([1000, 1000]), 0, 2), [0.5, 0.5]);
    assertClose(softmax(f32([-1000, 0]), 0, 2), [0, 1]);
    const p = softmax(f32([88, 89, 90]), 0, 3); // exp(90) overflows float32 without the shift
    assertClose(p, [0.09003057, 0.24472847, 0.66524096]);
  });

  it('sums to 1 and keeps the order of the logits (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.float({ min: -50, max: 50, noNaN: true }), { minLength: 1, maxLength: 20 }), (xs) => {
        const p = softmax(f32(xs), 0, xs.length);
        const sum = p.reduce((a, b) => a + b, 0);
        assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
        const l = f32(xs);
        for (let i = 0; i < xs.length; i++) for (let j = 0; j < xs.length; j++) if (l[i] > l[j]) assert.ok(p[i] >= p[j]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('argmax', () => {
  it('is the index of the largest value, the first one on ties (as np.argmax)', () => {
    assert.equal(argmax([0.1, 0.7, 0.2]), 1);
    assert.equal(argmax([0.4, 0.2, 0.4]), 0);
    assert.equal(argmax([0.2, 0.4, 0.4]), 1);
    assert.equal(argmax([5]), 0);
  });
});

describe('aggregatePieces', () => {
  // Three pieces where every strategy picks another label:
  //   first:   piece 0 -> label 0 (0.5)
  //   max:     piece 1 has the highest score (0.65) -> label 2
  //   average: [0.6/3, 1.25/3, 1.15/3] = [0.2, 0.41667, 0.38333] -> label 1
  const pieces = [f32([0.5, 0.3, 0.2]), f32([0.0, 0.35, 0.65]), f32([0.1, 0.6, 0.3])];

  it("first: the first piece's probabilities", () => {
    const p = aggregatePieces(pieces, 'first');
    assertClose(p, [0.5, 0.3, 0.2]);
    assert.equal(argmax(p), 0);
  });

  it("average: the mean of the pieces' probabilities, then argmax", () => {
    const p = aggregatePieces(pieces, 'average');
    assertClose(p, [0.2, 1.25 / 3, 1.15 / 3]);
    assert.equal(argmax(p), 1);
  });

  it('max: the probabilities of the piece with the highest score', () => {
    const p = aggregatePieces(pieces, 'max');
    assertClose(p, [0.0, 0.35, 0.65]);
    assert.equal(argmax(p), 2);
  });

  it('max: on a tie the first such piece wins (Python max())', () => {
    const tie = [f32([0.2, 0.8]), f32([0.8, 0.2])];
    assertClose(aggregatePieces(tie, 'max'), [0.2, 0.8]);
  });

  it('average of a subword split where a majority label differs from the first piece', () => {
    // HF docs example: "Microsoft" -> "micro" (B-ORG 0.6, O 0.4), "##soft" (O 0.9, B-ORG 0.1)
    // average: [0.35, 0.65] -> O; first: B-ORG; max: O (0.9)
    const split = [f32([0.6, 0.4]), f32([0.1, 0.9])];
    assert.equal(argmax(aggregatePieces(split, 'first')), 0);
    assertClose(aggregatePieces(split, 'average'), [0.35, 0.65]);
    assert.equal(argmax(aggregatePieces(split, 'average')), 1);
    assertClose(aggregatePieces(split, 'max'), [0.1, 0.9]);
  });

  it('one piece: every strategy gives that piece', () => {
    for (const s of ['first', 'average', 'max'] as const) assertClose(aggregatePieces([f32([0.3, 0.7])], s), [0.3, 0.7]);
  });

  it('no pieces is an error', () => {
    assert.throws(() => aggregatePieces([], 'first'));
  });

  it('does not change its input', () => {
    const copy = pieces.map((p) => Float32Array.from(p));
    for (const s of ['first', 'average', 'max'] as const) aggregatePieces(pieces, s);
    assert.deepEqual(pieces, copy);
  });

  it('average of probability vectors is a probability vector (property)', () => {
    const probs = fc.array(fc.float({ min: -20, max: 20, noNaN: true }), { minLength: 4, maxLength: 4 }).map((l) => softmax(f32(l), 0, 4));
    fc.assert(
      fc.property(fc.array(probs, { minLength: 1, maxLength: 8 }), (ps) => {
        const avg = aggregatePieces(ps, 'average');
        assert.ok(Math.abs(avg.reduce((a, b) => a + b, 0) - 1) < 1e-5);
        for (let i = 0; i < 4; i++) {
          const mean = ps.reduce((a, p) => a + p[i], 0) / ps.length;
          assert.ok(Math.abs(avg[i] - mean) < 1e-5);
        }
        const mx = aggregatePieces(ps, 'max');
        const best = Math.max(...ps.map((p) => Math.max(...p)));
        assert.equal(Math.max(...mx), best);
        assert.equal(
          mx,
          ps.find((p) => Math.max(...p) === best),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('topK', () => {
  const labels = ['A', 'B', 'C', 'D'];

  it('the k most probable labels, best first', () => {
    assert.deepEqual(topK([0.1, 0.5, 0.15, 0.25], labels, 3), [
      { label: 'B', score: 0.5 },
      { label: 'D', score: 0.25 },
      { label: 'C', score: 0.15 },
    ]);
  });

  it('k larger than the labels gives them all; k = 0 gives none', () => {
    assert.deepEqual(
      topK([0.1, 0.9], ['x', 'y'], 5).map((s) => s.label),
      ['y', 'x'],
    );
    assert.deepEqual(topK([0.1, 0.9], ['x', 'y'], 0), []);
  });

  it('ties keep the label order', () => {
    assert.deepEqual(
      topK([0.3, 0.3, 0.4], ['a', 'b', 'c'], 3).map((s) => s.label),
      ['c', 'a', 'b'],
    );
  });

  it('a label id without a name is shown as its number', () => {
    assert.deepEqual(topK([0.2, 0.8], ['only'], 2), [
      { label: '1', score: 0.8 },
      { label: 'only', score: 0.2 },
    ]);
  });

  it('works on Float32Array scores without changing them', () => {
    const p = f32([0.25, 0.75]);
    const r = topK(p, ['a', 'b'], 1);
    assert.equal(r[0].label, 'b');
    assert.equal(r[0].score, p[1]);
    assertClose(p, [0.25, 0.75]);
  });
});

describe('allocation-free variants (what the labeler uses) agree with the plain functions', () => {
  const logitsArb = (n: number) => fc.array(fc.float({ min: -30, max: 30, noNaN: true }), { minLength: n, maxLength: n });

  it('softmaxInto writes softmax at an offset and returns its argmax (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(fc.constant(n), logitsArb(n), fc.nat({ max: 5 }))),
        ([n, xs, at]) => {
          const out = new Float32Array(at + n).fill(-1);
          const best = softmaxInto(f32(xs), 0, n, out, at);
          const ref = softmax(f32(xs), 0, n);
          assert.deepEqual(Array.from(out.subarray(at)), Array.from(ref));
          for (let i = 0; i < at; i++) assert.equal(out[i], -1);
          assert.equal(best, argmax(ref));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('aggregateInto gives the same bits as aggregatePieces for first, average and max (property)', () => {
    const n = 5;
    const piecesArb = fc.array(
      logitsArb(n).map((l) => softmax(f32(l), 0, n)),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(piecesArb, fc.constantFrom('first', 'average', 'max') as fc.Arbitrary<'first' | 'average' | 'max'>, (ps, strategy) => {
        const flat = new Float32Array(ps.length * n);
        ps.forEach((p, i) => flat.set(p, i * n));
        const out = new Float32Array(n);
        aggregateInto(flat, ps.length, n, strategy, out);
        assert.deepEqual(Array.from(out), Array.from(aggregatePieces(ps, strategy)));
      }),
      { numRuns: 500 },
    );
  });

  it('aggregateInto: simple has no word vector, no pieces is an error', () => {
    assert.throws(() => aggregateInto(f32([0.5, 0.5]), 1, 2, 'simple', new Float32Array(2)), /pieces, not words/);
    assert.throws(() => aggregateInto(f32([]), 0, 2, 'first', new Float32Array(2)), /no pieces/);
  });

  it("topKInto gives topK's labels and scores, ties in label order (property)", () => {
    const labels = ['a', 'b', 'c', 'd', 'e', 'f'];
    const probsArb = fc.array(fc.constantFrom(0, 0.1, 0.25, 0.5, 0.7), { minLength: 6, maxLength: 6 });
    fc.assert(
      fc.property(probsArb, fc.integer({ min: 0, max: 6 }), fc.nat({ max: 3 }), (probs, k, to) => {
        const idx = new Int32Array(to + k);
        const score = new Float32Array(to + k);
        topKInto(f32(probs), 0, 6, k, idx, score, to);
        const ref = topK(f32(probs), labels, k);
        assert.deepEqual(
          Array.from(idx.subarray(to)).map((i) => labels[i]),
          ref.map((r) => r.label),
        );
        assert.deepEqual(
          Array.from(score.subarray(to)),
          ref.map((r) => r.score),
        );
      }),
      { numRuns: 500 },
    );
  });
});

describe('simple strategy (BIO): pieces labeled alone, then grouped into entities', () => {
  // Labels O, B-PER, I-PER, B-LOC, I-LOC. A piece's logits are 0 except ln(m) for its label, so
  // its probability is m / (m + 4): m = 36 -> 0.9, 16 -> 0.8, 6 -> 0.6, 4 -> 0.5.
  const labels = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
  const text = 'Sarah Jessica Parkerson lives in New York';
  const pieces: Array<[string, [number, number], number, number]> = [
    ['sarah', [0, 5], 1, 36], // B-PER 0.9
    ['jessica', [6, 13], 2, 16], // I-PER 0.8
    ['park', [14, 18], 2, 6], // I-PER 0.6
    ['##erson', [18, 23], 3, 4], // B-LOC 0.5 (a B- inside the word "Parkerson")
    ['lives', [24, 29], 0, 36], // O 0.9
    ['in', [30, 32], 0, 36], // O 0.9
    ['new', [33, 36], 4, 16], // I-LOC 0.8 after O: starts an entity, as the pipeline does
    ['york', [37, 41], 4, 36], // I-LOC 0.9
  ];
  const logits = new Float32Array(pieces.length * 5);
  pieces.forEach(([, , label, m], p) => (logits[p * 5 + label] = Math.log(m)));
  const spans = pieces.map(([, span]) => span);

  it('each piece takes its own argmax and probability', () => {
    const units = pieceUnits(logits, 5, spans, labels);
    assert.deepEqual(
      units.map((u) => u.label),
      ['B-PER', 'I-PER', 'I-PER', 'B-LOC', 'O', 'O', 'I-LOC', 'I-LOC'],
    );
    assertClose(
      units.map((u) => u.score),
      [0.9, 0.8, 0.6, 0.5, 0.9, 0.9, 0.8, 0.9],
    );
    assert.deepEqual(
      units.map((u) => text.slice(u.start, u.end)),
      ['Sarah', 'Jessica', 'Park', 'erson', 'lives', 'in', 'New', 'York'],
    );
  });

  it('entities: consecutive pieces of one type, a B- starts a new one, the score is the mean, O dropped', () => {
    const entities = decodeSpans(pieceUnits(logits, 5, spans, labels), 'BIO');
    assert.deepEqual(
      entities.map((e) => [e.label, text.slice(e.start, e.end)]),
      [
        ['PER', 'Sarah Jessica Park'],
        ['LOC', 'erson'],
        ['LOC', 'New York'],
      ],
    );
    assertClose(
      entities.map((e) => e.score),
      [(0.9 + 0.8 + 0.6) / 3, 0.5, (0.8 + 0.9) / 2],
    );
  });

  it('differs from word-level first, where "Parkerson" stays one word of the PER entity', () => {
    const words: Array<[[number, number], number[]]> = [
      [[0, 5], [0]],
      [[6, 13], [1]],
      [
        [14, 23],
        [2, 3],
      ],
      [[24, 29], [4]],
      [[30, 32], [5]],
      [[33, 36], [6]],
      [[37, 41], [7]],
    ];
    const units = words.map(([[start, end], ps]) => {
      const p = aggregatePieces(
        ps.map((i) => softmax(logits, i * 5, 5)),
        'first',
      );
      const best = argmax(p);
      return { start, end, label: labels[best], score: p[best] };
    });
    const entities = decodeSpans(units, 'BIO');
    assert.deepEqual(
      entities.map((e) => [e.label, text.slice(e.start, e.end)]),
      [
        ['PER', 'Sarah Jessica Parkerson'],
        ['LOC', 'New York'],
      ],
    );
    assertClose(
      entities.map((e) => e.score),
      [(0.9 + 0.8 + 0.6) / 3, (0.8 + 0.9) / 2],
    );
  });
});
