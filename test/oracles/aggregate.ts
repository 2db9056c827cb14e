// Reference aggregation for tests: the Hugging Face pipeline's strategies written plainly, one
// array per piece, to check the product's allocation-free `aggregateInto` / `softmaxInto`
// against; and the `simple` strategy's units as objects.
import { softmaxInto, type AggregationStrategy } from '../../src/core/aggregate';

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** The probability vector the word is labeled from, for one strategy (not `simple`). */
export function aggregatePieces(pieceProbs: readonly Float32Array[], strategy: AggregationStrategy): Float32Array {
  if (pieceProbs.length === 0) throw new Error('a word has no pieces');
  switch (strategy) {
    case 'simple':
      throw new Error('the simple strategy labels pieces, not words');
    case 'first':
      return pieceProbs[0];
    case 'average': {
      const n = pieceProbs[0].length;
      const avg = new Float32Array(n);
      for (const p of pieceProbs) for (let i = 0; i < n; i++) avg[i] += p[i];
      for (let i = 0; i < n; i++) avg[i] /= pieceProbs.length;
      return avg;
    }
    case 'max': {
      let best = pieceProbs[0];
      let bestScore = best[argmax(best)];
      for (const p of pieceProbs.slice(1)) {
        const s = p[argmax(p)];
        if (s > bestScore) {
          best = p;
          bestScore = s;
        }
      }
      return best;
    }
  }
}

/** A piece (or word) with its label: what `decodeSpans` groups into entities. */
export interface LabeledPiece {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly score: number;
}

/**
 * The `simple` strategy's units: each piece labeled on its own by the argmax of its softmax,
 * scored by that probability (no word-level merging). `logits` holds n values per piece, in
 * the order of `spans` ([start, end) of each piece). Entities are then `decodeSpans(units)`.
 */
export function pieceUnits(
  logits: Float32Array,
  n: number,
  spans: ReadonlyArray<readonly [number, number]>,
  labels: readonly string[],
): LabeledPiece[] {
  const probs = new Float32Array(n);
  return spans.map(([start, end], p) => {
    const best = softmaxInto(logits, p * n, n, probs, 0);
    return { start, end, label: labels[best] ?? String(best), score: probs[best] };
  });
}
