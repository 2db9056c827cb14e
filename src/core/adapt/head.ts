// The token head as data, and its retraining on the user's corrections.
//
// Why a linear head, trained here: the bundle's token head is one linear layer over the vectors
// the LSTM gives each piece (`token_features`). Retraining only that layer is a convex problem
// (multinomial logistic regression), small enough to solve exactly in a worker in seconds, and
// it cannot break what the encoder learned. The loss is cross-entropy on the corrected examples
// plus `l2 * ||W - W0||²` toward the shipped weights, so labels the user never corrected keep
// their shipped behaviour. The optimiser is Adam over minibatches taken in a fixed order for a
// fixed number of steps: deterministic (same examples, same head), no learning-rate search, and
// the cost is bounded by the steps whatever the number of examples (the loss is convex, so a
// fixed schedule from the shipped start lands near the same optimum).

/** A linear token head: logits = W · features + b. `weight` is row-major [labels, dim]. */
export interface TokenHead {
  readonly labels: readonly string[];
  readonly dim: number;
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

/** Examples for the head: `features` row-major [count, dim]; `labels` index into the head's labels. */
export interface HeadExamples {
  readonly count: number;
  readonly features: Float32Array;
  readonly labels: Int32Array;
  /** Group of each example (a document or a sentence), for cross-validation. */
  readonly groups?: Int32Array;
}

/** The pull toward the base head's weights when none is given. */
export const DEFAULT_L2 = 1e-2;

export interface TrainOptions {
  /** Strength of the pull toward the base head's weights (default DEFAULT_L2). */
  readonly l2?: number;
  /** Optimiser steps (default 300). */
  readonly steps?: number;
  /** Examples per step (default 256; all of them when there are fewer). */
  readonly batchSize?: number;
  readonly learningRate?: number;
}

/** Checks that a head's arrays agree with its labels and dimension; problems in words. */
export function headProblems(head: TokenHead): string[] {
  const problems: string[] = [];
  if (!Number.isInteger(head.dim) || head.dim <= 0) problems.push(`the head's dimension must be a positive integer, not ${head.dim}`);
  if (head.labels.length === 0) problems.push('the head has no labels');
  if (head.weight.length !== head.labels.length * head.dim) {
    problems.push(
      `the head's weight has ${head.weight.length} values; ${head.labels.length} labels × ${head.dim} features need ${head.labels.length * head.dim}`,
    );
  }
  if (head.bias.length !== head.labels.length)
    problems.push(`the head's bias has ${head.bias.length} values for ${head.labels.length} labels`);
  if (!head.weight.every(Number.isFinite) || !head.bias.every(Number.isFinite))
    problems.push('the head has values that are not finite numbers');
  return problems;
}

/** Logits of one feature vector (`features` from `offset`) into `out`. */
export function headLogits(head: TokenHead, features: Float32Array, offset: number, out: Float32Array): Float32Array {
  const { dim, weight, bias } = head;
  for (let l = 0; l < head.labels.length; l++) {
    let s = bias[l];
    const row = l * dim;
    for (let j = 0; j < dim; j++) s += weight[row + j] * features[offset + j];
    out[l] = s;
  }
  return out;
}

/** The best label index of each example under `head`. */
export function predict(head: TokenHead, ex: HeadExamples, rows?: readonly number[]): Int32Array {
  const logits = new Float32Array(head.labels.length);
  const which = rows ?? Array.from({ length: ex.count }, (_, i) => i);
  const out = new Int32Array(which.length);
  which.forEach((r, i) => {
    headLogits(head, ex.features, r * head.dim, logits);
    let best = 0;
    for (let l = 1; l < logits.length; l++) if (logits[l] > logits[best]) best = l;
    out[i] = best;
  });
  return out;
}

/** Fraction of `rows` (default all) whose label `head` predicts. */
export function accuracy(head: TokenHead, ex: HeadExamples, rows?: readonly number[]): number {
  const which = rows ?? Array.from({ length: ex.count }, (_, i) => i);
  if (which.length === 0) return NaN;
  const p = predict(head, ex, which);
  let ok = 0;
  which.forEach((r, i) => (ok += p[i] === ex.labels[r] ? 1 : 0));
  return ok / which.length;
}

/**
 * Retrains `base` on `rows` of the examples (default all), regularised toward `base`.
 * Returns a new head; `base` is not changed.
 */
export function trainHead(base: TokenHead, ex: HeadExamples, options: TrainOptions = {}, rows?: readonly number[]): TokenHead {
  const which = rows ?? Array.from({ length: ex.count }, (_, i) => i);
  const L = base.labels.length;
  const d = base.dim;
  const l2 = options.l2 ?? DEFAULT_L2;
  const steps = options.steps ?? 300;
  const lr = options.learningRate ?? 0.05;
  const batch = Math.min(which.length, Math.max(1, options.batchSize ?? 256));
  // a fixed permutation (a multiplicative stride coprime to n), walked batch by batch
  const order = fixedOrder(which);
  const w = Float32Array.from(base.weight);
  const b = Float32Array.from(base.bias);
  const head: TokenHead = { labels: base.labels, dim: d, weight: w, bias: b };
  if (which.length === 0) return head;
  const gw = new Float64Array(w.length);
  const gb = new Float64Array(L);
  const mw = new Float64Array(w.length),
    vw = new Float64Array(w.length);
  const mb = new Float64Array(L),
    vb = new Float64Array(L);
  const p = new Float32Array(L);
  const beta1 = 0.9,
    beta2 = 0.999,
    eps = 1e-8;
  let cursor = 0;
  for (let t = 1; t <= steps; t++) {
    gw.fill(0);
    gb.fill(0);
    const n = batch;
    for (let k = 0; k < batch; k++) {
      const r = order[cursor];
      cursor = (cursor + 1) % order.length;
      const off = r * d;
      headLogits(head, ex.features, off, p);
      let max = -Infinity;
      for (let l = 0; l < L; l++) max = Math.max(max, p[l]);
      let z = 0;
      for (let l = 0; l < L; l++) z += p[l] = Math.exp(p[l] - max);
      const y = ex.labels[r];
      for (let l = 0; l < L; l++) {
        const g = p[l] / z - (l === y ? 1 : 0);
        if (g === 0) continue;
        gb[l] += g;
        const row = l * d;
        for (let j = 0; j < d; j++) gw[row + j] += g * ex.features[off + j];
      }
    }
    const c1 = 1 - beta1 ** t,
      c2 = 1 - beta2 ** t;
    for (let i = 0; i < w.length; i++) {
      const g = gw[i] / n + 2 * l2 * (w[i] - base.weight[i]);
      mw[i] = beta1 * mw[i] + (1 - beta1) * g;
      vw[i] = beta2 * vw[i] + (1 - beta2) * g * g;
      w[i] -= (lr * mw[i]) / c1 / (Math.sqrt(vw[i] / c2) + eps);
    }
    for (let l = 0; l < L; l++) {
      const g = gb[l] / n + 2 * l2 * (b[l] - base.bias[l]);
      mb[l] = beta1 * mb[l] + (1 - beta1) * g;
      vb[l] = beta2 * vb[l] + (1 - beta2) * g * g;
      b[l] -= (lr * mb[l]) / c1 / (Math.sqrt(vb[l] / c2) + eps);
    }
  }
  return head;
}

/** `rows` in an order that mixes groups and labels but is the same on every run. */
function fixedOrder(rows: readonly number[]): number[] {
  const n = rows.length;
  let stride = Math.max(1, Math.round(n * 0.618));
  const gcd = (a: number, b: number): number => (b ? gcd(b, a % b) : a);
  while (gcd(stride, n) !== 1) stride++;
  return Array.from({ length: n }, (_, i) => rows[(i * stride) % n]);
}

export interface CrossValidation {
  /** Held-out accuracy of the base head and of heads retrained without the held-out fold. */
  readonly before: number;
  readonly after: number;
  readonly folds: number;
  /** Examples scored (every example is held out once). */
  readonly scored: number;
}

/**
 * K-fold cross-validation over groups (documents or sentences, so that a sentence's words are
 * never split between training and scoring): each fold is scored by the base head and by a head
 * retrained on the other folds. With fewer than two groups there is nothing to hold out.
 */
export function crossValidate(
  base: TokenHead,
  ex: HeadExamples,
  options: TrainOptions = {},
  k = 5,
  /** Called with each fold's rows and retrained head (to score something else on the same folds). */
  onFold?: (train: readonly number[], test: readonly number[], head: TokenHead) => void,
): CrossValidation | undefined {
  const groups = ex.groups ?? Int32Array.from({ length: ex.count }, (_, i) => i);
  const ids = [...new Set(groups)].sort((a, b) => a - b);
  if (ids.length < 2) return undefined;
  const folds = Math.min(k, ids.length);
  const foldOf = new Map(ids.map((g, i) => [g, i % folds]));
  let okBefore = 0,
    okAfter = 0,
    scored = 0;
  for (let f = 0; f < folds; f++) {
    const train: number[] = [],
      test: number[] = [];
    for (let i = 0; i < ex.count; i++) (foldOf.get(groups[i]) === f ? test : train).push(i);
    if (!test.length || !train.length) continue;
    const head = trainHead(base, ex, options, train);
    okBefore += accuracy(base, ex, test) * test.length;
    okAfter += accuracy(head, ex, test) * test.length;
    scored += test.length;
    onFold?.(train, test, head);
  }
  return { before: okBefore / scored, after: okAfter / scored, folds, scored };
}
