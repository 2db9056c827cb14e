// Labels of a part of a document put into the document's labels: a labeled selection moved to
// document offsets and spliced in place of the words it covers. Words may be views over typed
// arrays (word_table.ts), so they are copied field by field. No `vscode` import.
import type { LabeledText, WordLabel } from './labeler';
import { mergeRanges, type OffsetRange } from './ranges';

/**
 * A word moved by `delta` (its pieces with it) and its window index by `windowDelta`, copied
 * field by field: words may be views (core/word_table.ts) whose fields are getters, which an
 * object spread would not copy.
 */
export function shiftWord(w: WordLabel, delta: number, windowDelta = 0): WordLabel {
  return {
    start: w.start + delta,
    end: w.end + delta,
    text: w.text,
    label: w.label,
    score: w.score,
    alternatives: w.alternatives,
    window: w.window + windowDelta,
    pieces: w.pieces.map((p) => ({ text: p.text, label: p.label, score: p.score, start: p.start + delta, end: p.end + delta })),
  };
}

/**
 * The labels of a part of a text (offsets relative to the part, which starts at `offset` in the
 * document) moved to document offsets.
 */
export function shiftLabels(part: LabeledText, offset: number, windowBase = 0): LabeledText {
  return {
    ...part,
    words: part.words.map((w) => shiftWord(w, offset, windowBase)),
    windows: part.windows.map((w) => ({ ...w, start: w.start + offset, end: w.end + offset })),
  };
}

/**
 * A document's labels with the labels of one part of it (offsets relative to the part, which
 * starts at `range.start`) put in place of the words that overlapped the part. Without earlier
 * labels, the document's labels are the part's alone.
 */
export function spliceLabels(base: LabeledText | undefined, part: LabeledText, range: OffsetRange): LabeledText {
  const windowBase = base?.windows.length ?? 0;
  const moved = shiftLabels(part, range.start, windowBase);
  if (!base) return { ...moved, ranges: [{ start: range.start, end: range.end }] };
  const before = base.words.filter((w) => w.end <= range.start);
  const after = base.words.filter((w) => w.start >= range.end);
  return {
    words: [...before, ...moved.words, ...after],
    windows: [...base.windows, ...moved.windows],
    sequence: base.sequence,
    timing: part.timing,
    segments: part.segments,
    // what was labeled: the base's ranges and this part (absent: the whole text, still so)
    ...(base.ranges ? { ranges: mergeRanges([...base.ranges, range]) } : {}),
  };
}
