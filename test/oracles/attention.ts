// Reference [CLS] attention for tests: one layer and head (or the mean over heads) of a window,
// from the product's `meanHeads` and `tokenWeights` at token 0 (the labeler cuts each head's
// matrix itself and the panel averages heads from those rows).
import { meanHeads, tokenWeights, type Direction, type WindowAttention } from '../../src/core/attention';

/** From [CLS]: row 0 (how much [CLS] attends to each token). To [CLS]: column 0. */
export function clsWeights(m: Float32Array, n: number, direction: Direction): Float32Array {
  return tokenWeights(m, n, 0, direction === 'fromCls' ? 'from' : 'to');
}

function matrixOf(a: WindowAttention, layer: number, head: number | 'mean'): Float32Array {
  if (head === 'mean') return meanHeads(a, layer);
  const base = (layer * a.heads + head) * a.n * a.n;
  return a.data.subarray(base, base + a.n * a.n);
}

/** [CLS] attention of one layer and head (or the mean over heads). */
export function clsAttention(a: WindowAttention, layer: number, head: number | 'mean', direction: Direction): Float32Array {
  return clsWeights(matrixOf(a, layer, head), a.n, direction);
}
