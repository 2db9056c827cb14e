// Sub-word pieces -> word labels, with the Hugging Face token-classification pipeline's
// aggregation strategies:
//   first   - the word takes its first piece's label and score;
//   average - the pieces' probability vectors are averaged, then the argmax is taken;
//   max     - the word takes the label of its piece with the highest score;
//   simple  - no word-level merging: every piece is a labeled unit of its own (its argmax and
//             score), and for BIO / BIOES label sets consecutive pieces are grouped into
//             entities by the span rules in spans.ts (`decodeSpans`), as the pipeline's
//             `simple` does. Where we differ from the pipeline: docs/ARCHITECTURE.md.
//
// The per-word functions (`...Into`) write into caller-owned typed arrays, so labeling a long
// document allocates nothing per piece or word (garbage-collection pauses on the extension
// host's thread grow with the number of objects made). Plain reference versions that tests
// compare against live in test/oracles/aggregate.ts.

export type AggregationStrategy = 'first' | 'average' | 'max' | 'simple';

export const AGGREGATION_STRATEGIES: readonly AggregationStrategy[] = ['first', 'average', 'max', 'simple'];

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

/** Softmax of logits[offset .. offset+n) written to out[at .. at+n); returns the argmax. */
export function softmaxInto(logits: Float32Array, offset: number, n: number, out: Float32Array, at: number): number {
  let max = -Infinity;
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const e = Math.exp(logits[offset + i] - max);
    out[at + i] = e;
    sum += e;
  }
  // argmax of the probabilities (not the logits), the first on ties
  let best = 0;
  for (let i = 0; i < n; i++) {
    out[at + i] /= sum;
    if (out[at + i] > out[at + best]) best = i;
  }
  return best;
}

/**
 * The word's probability vector from its pieces' probabilities, stored one after the other in
 * `probs` (piece p at p*n), written to `out`. `simple` has
 * no word vector (each piece is its own unit): it is rejected here.
 */
export function aggregateInto(probs: Float32Array, count: number, n: number, strategy: AggregationStrategy, out: Float32Array): void {
  if (count === 0) throw new Error('a word has no pieces');
  let from = 0;
  switch (strategy) {
    case 'first':
      break;
    case 'average':
      for (let i = 0; i < n; i++) {
        let s = 0;
        // summed in float32, as a Float32Array accumulates: the same bits as the reference
        for (let p = 0; p < count; p++) s = Math.fround(s + probs[p * n + i]);
        out[i] = s / count;
      }
      return;
    case 'max': {
      let bestScore = -Infinity;
      for (let p = 0; p < count; p++) {
        let m = -Infinity;
        for (let i = 0; i < n; i++) m = Math.max(m, probs[p * n + i]);
        if (m > bestScore) {
          bestScore = m;
          from = p * n;
        }
      }
      break;
    }
    case 'simple':
      throw new Error('the simple strategy labels pieces, not words');
  }
  for (let i = 0; i < n; i++) out[i] = probs[from + i];
}

/**
 * The k most probable of probs[at .. at+n), best first (ties: lower index first, as `topK`),
 * written as label indices to idx[to ..] and probabilities to score[to ..].
 */
export function topKInto(probs: Float32Array, at: number, n: number, k: number, idx: Int32Array, score: Float32Array, to: number): void {
  for (let j = 0; j < k; j++) {
    let best = -1;
    let bestP = -Infinity;
    for (let i = 0; i < n; i++) {
      const p = probs[at + i];
      if (p > bestP || best < 0) {
        let taken = false;
        for (let q = 0; q < j; q++) if (idx[to + q] === i) taken = true;
        if (!taken) {
          best = i;
          bestP = p;
        }
      }
    }
    idx[to + j] = best;
    score[to + j] = bestP;
  }
}

/** The k most probable labels, best first. */
export function topK(probs: ArrayLike<number>, labels: readonly string[], k: number): LabelScore[] {
  const idx = Array.from({ length: probs.length }, (_, i) => i);
  idx.sort((a, b) => probs[b] - probs[a]);
  return idx.slice(0, k).map((i) => ({ label: labels[i] ?? String(i), score: probs[i] }));
}
