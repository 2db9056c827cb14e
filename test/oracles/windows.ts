// Reference window planning for tests: the plan of a whole text in one call, from tokenized
// words or piece counts, built on the product's `planWindowSteps` (which the labeler runs a step
// at a time between event-loop turns).
import { planWindowSteps, type WindowPlan } from '../../src/core/windows';
import type { TokenizedWord } from './tokenize';

/** Pieces a word contributes to a window; a word longer than a window keeps its first pieces. */
export function wordPieceCount(word: TokenizedWord, budget: number): number {
  return Math.min(Math.max(word.pieces.length, 1), budget);
}

export function planWindows(words: readonly TokenizedWord[], maxLength: number, stride: number): WindowPlan {
  const budget = maxLength - 2;
  if (budget < 1) throw new Error(`maximum length ${maxLength} leaves no room for pieces`);
  return planWindowsByCounts(
    words.map((w) => wordPieceCount(w, budget)),
    maxLength,
    stride,
  );
}

/** `planWindowSteps` run to its end. */
export function planWindowsByCounts(counts: ArrayLike<number>, maxLength: number, stride: number): WindowPlan {
  const steps = planWindowSteps(counts, maxLength, stride);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
