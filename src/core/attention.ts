// Attention to and from one token (by default [CLS]) for one window, from a bundle's
// `attentions` output ([batch, layers, heads, seq, seq]): per layer and head, averaged over
// heads, and attention rollout (Abnar and Zuidema, 2020: average heads, add the identity for the
// residual path, renormalise rows, multiply through the layers). A token's attention is its row
// of the matrix (what it attends to) and its column (what attends to it), so one window's
// matrices give every token's view, as BertViz's token-to-token view shows.

/** One window's attention probabilities: layers x heads x n x n, row-major. */
export interface WindowAttention {
  readonly layers: number;
  readonly heads: number;
  /** Tokens in the window ([CLS] and [SEP] included; padding excluded). */
  readonly n: number;
  readonly data: Float32Array;
}

/** Cuts window `row` (of `n` real tokens) out of an [batch, layers, heads, seq, seq] output. */
export function windowAttention(dims: readonly number[], data: Float32Array, row: number, n: number): WindowAttention {
  const [, layers, heads, seq] = dims;
  const out = new Float32Array(layers * heads * n * n);
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) {
      for (let i = 0; i < n; i++) {
        const src = (((row * layers + l) * heads + h) * seq + i) * seq;
        out.set(data.subarray(src, src + n), ((l * heads + h) * n + i) * n);
      }
    }
  }
  return { layers, heads, n, data: out };
}

export type Direction = 'fromCls' | 'toCls';

/** Head-averaged n x n matrix of one layer. */
export function meanHeads(a: WindowAttention, layer: number): Float32Array {
  const { heads, n } = a;
  const out = new Float32Array(n * n);
  for (let h = 0; h < heads; h++) {
    const base = (layer * heads + h) * n * n;
    for (let k = 0; k < n * n; k++) out[k] += a.data[base + k] / heads;
  }
  return out;
}

/** `from`: how much the token attends to each token (its row); `to`: how much each token attends to it (its column). */
export type TokenDirection = 'from' | 'to';

/** Token `index`'s row (`from`) or column (`to`) of an n x n matrix. */
export function tokenWeights(m: Float32Array, n: number, index: number, direction: TokenDirection): Float32Array {
  if (!(index >= 0 && index < n)) throw new RangeError(`no token ${index} in a window of ${n} tokens`);
  const out = new Float32Array(n);
  for (let j = 0; j < n; j++) out[j] = direction === 'from' ? m[index * n + j] : m[j * n + index];
  return out;
}

/** One token's attention in a window: per layer and head, and through the rollout. */
export interface TokenAttention {
  readonly layers: number;
  readonly heads: number;
  /** [layer][head][token]: how much the token attends to each token. */
  readonly from: number[][][];
  /** [layer][head][token]: how much each token attends to it. */
  readonly to: number[][][];
  readonly rolloutFrom: number[];
  readonly rolloutTo: number[];
}

/** Token `index`'s rows and columns of a window's attention; `rolled` is `rollout(a)` (computed once per window). */
export function tokenAttention(a: WindowAttention, rolled: Float32Array, index: number): TokenAttention {
  const { layers, heads, n } = a;
  const from: number[][][] = [];
  const to: number[][][] = [];
  for (let l = 0; l < layers; l++) {
    from.push([]);
    to.push([]);
    for (let h = 0; h < heads; h++) {
      const base = (l * heads + h) * n * n;
      const m = a.data.subarray(base, base + n * n);
      from[l].push(Array.from(tokenWeights(m, n, index, 'from')));
      to[l].push(Array.from(tokenWeights(m, n, index, 'to')));
    }
  }
  return {
    layers,
    heads,
    from,
    to,
    rolloutFrom: Array.from(tokenWeights(rolled, n, index, 'from')),
    rolloutTo: Array.from(tokenWeights(rolled, n, index, 'to')),
  };
}

/** Attention rollout up to and including `upToLayer` (default: all layers), as an n x n matrix. */
export function rollout(a: WindowAttention, upToLayer = a.layers - 1): Float32Array {
  const n = a.n;
  let r: Float32Array | undefined;
  for (let l = 0; l <= upToLayer; l++) {
    const m = meanHeads(a, l);
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) {
        m[i * n + j] = 0.5 * m[i * n + j] + (i === j ? 0.5 : 0);
        sum += m[i * n + j];
      }
      for (let j = 0; j < n; j++) m[i * n + j] /= sum;
    }
    if (!r) {
      r = m;
      continue;
    }
    const next = new Float32Array(n * n); // m · r: layer l applied after the layers below it
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < n; k++) {
        const v = m[i * n + k];
        if (v === 0) continue;
        for (let j = 0; j < n; j++) next[i * n + j] += v * r[k * n + j];
      }
    }
    r = next;
  }
  return r ?? new Float32Array(0);
}

/** Drops the given token positions (e.g. [CLS] and [SEP]) and renormalises to sum 1. */
export function withoutTokens(weights: Float32Array, drop: ReadonlySet<number>): Float32Array {
  const kept: number[] = [];
  let sum = 0;
  weights.forEach((w, i) => {
    if (drop.has(i)) return;
    kept.push(w);
    sum += w;
  });
  return Float32Array.from(kept, (w) => (sum > 0 ? w / sum : 0));
}
