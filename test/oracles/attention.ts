// Reference [CLS] attention for tests: one layer and head (or the mean over heads) of a window,
// from the product's `meanHeads` and `clsWeights` (the labeler cuts each head's matrix itself and
// the panel averages heads from those rows).
import { clsWeights, meanHeads, type Direction, type WindowAttention } from '../../src/core/attention';

function matrixOf(a: WindowAttention, layer: number, head: number | 'mean'): Float32Array {
  if (head === 'mean') return meanHeads(a, layer);
  const base = (layer * a.heads + head) * a.n * a.n;
  return a.data.subarray(base, base + a.n * a.n);
}

/** [CLS] attention of one layer and head (or the mean over heads). */
export function clsAttention(a: WindowAttention, layer: number, head: number | 'mean', direction: Direction): Float32Array {
  return clsWeights(matrixOf(a, layer, head), a.n, direction);
}
