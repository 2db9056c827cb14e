// Sub-word pieces -> word labels, with the Hugging Face token-classification pipeline's
// aggregation strategies:
//   first   - the word takes its first piece's label and score;
//   average - the pieces' probability vectors are averaged, then the argmax is taken;
//   max     - the word takes the label of its piece with the highest score.
// `simple` (BIO entity grouping without word merging) is span decoding on pieces: see spans.ts.

export type AggregationStrategy = 'first' | 'average' | 'max';

export interface LabelScore {
  readonly label: string;
  readonly score: number;
}

/** Softmax of logits[offset .. offset+n) into a new array (numerically stable). */
export function softmax(logits: Float32Array, offset: number, n: number): Float32Array {
  const out = new Float32Array(n);
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[offset + i] - max);
    out[i] = e;
    sum += e;
  }
  for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

export function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
  return best;
}

/** The probability vector the word is labeled from, for one strategy. */
export function aggregatePieces(pieceProbs: readonly Float32Array[], strategy: AggregationStrategy): Float32Array {
  if (pieceProbs.length === 0) throw new Error('a word has no pieces');
  switch (strategy) {
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

/** The k most probable labels, best first. */
export function topK(probs: ArrayLike<number>, labels: readonly string[], k: number): LabelScore[] {
  const idx = Array.from({ length: probs.length }, (_, i) => i);
  idx.sort((a, b) => probs[b] - probs[a]);
  return idx.slice(0, k).map((i) => ({ label: labels[i] ?? String(i), score: probs[i] }));
}
