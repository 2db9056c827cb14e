// Sub-word aggregation with the Hugging Face token-classification pipeline's semantics
// (transformers TokenClassificationPipeline.aggregate_word):
//   first   - scores of the word's first token;
//   average - np.nanmean of the tokens' scores, then argmax;
//   max     - the token whose scores.max() is highest (Python max(): the first on ties).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { aggregatePieces, argmax, softmax, topK } from '../../src/core/aggregate';

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

  it('first: the first piece\'s probabilities', () => {
    const p = aggregatePieces(pieces, 'first');
    assertClose(p, [0.5, 0.3, 0.2]);
    assert.equal(argmax(p), 0);
  });

  it('average: the mean of the pieces\' probabilities, then argmax', () => {
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
        assert.equal(mx, ps.find((p) => Math.max(...p) === best));
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
    assert.deepEqual(topK([0.1, 0.9], ['x', 'y'], 5).map((s) => s.label), ['y', 'x']);
    assert.deepEqual(topK([0.1, 0.9], ['x', 'y'], 0), []);
  });

  it('ties keep the label order', () => {
    assert.deepEqual(topK([0.3, 0.3, 0.4], ['a', 'b', 'c'], 3).map((s) => s.label), ['c', 'a', 'b']);
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
