// Windows: a document longer than the model's maximum length is cut into overlapping windows
// of whole words. Like the Hugging Face pipeline's `stride`, consecutive windows share about
// `stride` pieces; unlike it, each word then takes its prediction from the one window where it
// has the most context on both sides (the pipeline keeps the first window's), and windows never
// cut a word in two.

export interface Window {
  /** Words [firstWord, endWord) of the tokenized text. */
  readonly firstWord: number;
  readonly endWord: number;
  /** Number of pieces, without [CLS]/[SEP]. */
  readonly pieces: number;
}

export interface WindowPlan {
  readonly windows: readonly Window[];
  /** For each word, the index of the window whose prediction it takes. */
  readonly owner: Int32Array;
}

/** Words between two steps of `planWindowSteps`. */
const WORDS_PER_STEP = 16_384;

/**
 * The windows of a text from each word's piece count (at least 1 and at most maxLength - 2),
 * in steps of a few thousand words (a caller yields to the event loop in
 * between: a segment can be a 1 MB line of 166k words); the plan is the generator's return value.
 */
export function* planWindowSteps(counts: ArrayLike<number>, maxLength: number, stride: number): Generator<void, WindowPlan> {
  const budget = maxLength - 2;
  if (budget < 1) throw new Error(`maximum length ${maxLength} leaves no room for pieces`);
  const overlap = Math.max(0, Math.min(stride, Math.floor(budget / 2)));
  const count = counts.length;
  const windows: Window[] = [];
  let first = 0;
  let stepAt = 0;
  while (first < count) {
    if (first - stepAt >= WORDS_PER_STEP) {
      stepAt = first;
      yield;
    }
    let end = first;
    let n = 0;
    while (end < count && n + counts[end] <= budget) n += counts[end++];
    windows.push({ firstWord: first, endWord: end, pieces: n });
    if (end >= count) break;
    // the next window starts `overlap` pieces back, and always moves forward
    let next = end;
    let back = 0;
    while (next - 1 > first && back + counts[next - 1] <= overlap) back += counts[--next];
    // ...but a window that could not reach past `end` would only repeat words: start it later
    while (next < end && back + counts[end] > budget) back -= counts[next++];
    first = next;
  }
  // Owner: the window where the word's smaller side context (in pieces) is largest.
  const prefix = new Float64Array(count + 1);
  for (let i = 0; i < count; i++) prefix[i + 1] = prefix[i] + counts[i];
  const owner = new Int32Array(count);
  // the windows' bounds as flat arrays: this loop runs over every word of a segment that can be
  // a 1 MB line (166k words), on the extension host's thread
  const wFirst = Int32Array.from(windows, (w) => w.firstWord);
  const wEnd = Int32Array.from(windows, (w) => w.endWord);
  let k0 = 0; // first window that can still contain word i
  for (let i = 0; i < count; i++) {
    if (i % WORDS_PER_STEP === WORDS_PER_STEP - 1) yield;
    while (wEnd[k0] <= i) k0++;
    let best = k0;
    let bestCtx = -1;
    for (let k = k0; k < wFirst.length && wFirst[k] <= i; k++) {
      const before = prefix[i] - prefix[wFirst[k]];
      const after = prefix[wEnd[k]] - prefix[i + 1];
      const ctx = Math.min(before, after);
      if (ctx > bestCtx) {
        bestCtx = ctx;
        best = k;
      }
    }
    owner[i] = best;
  }
  return { windows, owner };
}
