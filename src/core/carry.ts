// Labels carried through edits made while they were computed. Live labeling under continuous
// typing starts a run at the maximum wait and lets the edits that follow go on; when the run
// ends, its labels belong to the text it read, not to the document as it is. The words outside
// the part that changed since (the text's common prefix and suffix) are still the same words
// with the same labels, so they are kept, moved by the length the edits added; the words in or
// touching the changed part are dropped until the next run labels them. No `vscode` import.
import type { LabeledText, WordLabel } from './labeler';
import { shiftWord } from './splice';

/** Where two texts differ: [start, beforeEnd) of `before` became [start, afterEnd) of `after`. */
export interface ChangedPart {
  readonly start: number;
  readonly beforeEnd: number;
  readonly afterEnd: number;
}

/** The part that differs between two texts, found from their common prefix and suffix. */
export function changedPart(before: string, after: string): ChangedPart {
  const shorter = Math.min(before.length, after.length);
  let start = 0;
  while (start < shorter && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let tail = 0;
  while (tail < shorter - start && before.charCodeAt(before.length - 1 - tail) === after.charCodeAt(after.length - 1 - tail)) tail++;
  return { start, beforeEnd: before.length - tail, afterEnd: after.length - tail };
}

/**
 * The labels of `before` for the words of `after` that lie wholly outside the changed part and
 * do not touch it (a word typed onto is a different word). Offsets after the change move by the
 * change's length; every window is kept, so that each word's window index stays right.
 */
export function carryLabels(labels: LabeledText, before: string, after: string): LabeledText {
  const c = changedPart(before, after);
  if (c.start === before.length && c.start === after.length) return labels; // the same text
  const delta = c.afterEnd - c.beforeEnd;
  const move = (x: number): number => (x >= c.beforeEnd ? x + delta : Math.min(x, c.start));
  const words: WordLabel[] = [];
  for (const w of labels.words) {
    if (w.end < c.start) words.push(w);
    else if (w.start > c.beforeEnd) words.push(shiftWord(w, delta));
  }
  const windows = labels.windows.map((w) => (w.end < c.start ? w : { ...w, start: move(w.start), end: move(w.end) }));
  return { ...labels, words, windows };
}
