// The pure part of moving through labels and drawing them: which units are shown (words, or
// entity spans for BIO/BIOES models, minus hidden labels), which one is next or previous from
// an offset, which are near the visible part of a long document, and how a labeled selection
// goes back into the document's labels. No `vscode` import: unit-tested in Node.
import type { LabelScheme } from './bundle';
import type { LabeledText, WordLabel } from './labeler';
import { decodeSpans, startsSpan, type LabeledUnit } from './spans';

/** What one drawn label covers: a word, or an entity span of several words. */
export interface DisplayUnit extends LabeledUnit {
  /** Index of its (first) word in the document's words. */
  readonly word: number;
}

/**
 * The units drawn for a document's words: each word (plain scheme) or each entity span (BIO,
 * BIOES), without hidden labels, sorted by offset and disjoint.
 */
export function displayUnits(words: readonly WordLabel[], scheme: LabelScheme, hidden: ReadonlySet<string>): DisplayUnit[] {
  const out: DisplayUnit[] = [];
  for (const chunk of displayUnitChunks(words, scheme, hidden, words.length)) for (const u of chunk) out.push(u);
  return out;
}

const unitMemo = new WeakMap<readonly WordLabel[], { scheme: LabelScheme; hidden: string; units: readonly DisplayUnit[] }>();

/**
 * `displayUnits`, remembered per words array for its last scheme and hidden labels (a
 * document's labels do not change once made: stepping through a long document's labels does not
 * decode all of them again at each step).
 */
export function displayUnitsOf(words: readonly WordLabel[], scheme: LabelScheme, hidden: ReadonlySet<string>): readonly DisplayUnit[] {
  const hiddenKey = [...hidden].sort().join('\u0000');
  const m = unitMemo.get(words);
  if (m && m.scheme === scheme && m.hidden === hiddenKey) return m.units;
  const units = displayUnits(words, scheme, hidden);
  unitMemo.set(words, { scheme, hidden: hiddenKey, units });
  return units;
}

/**
 * `displayUnits` a part at a time (a caller yields to the event loop in between): each chunk
 * covers at least `size` words, up to where a new span starts.
 */
export function* displayUnitChunks(words: readonly WordLabel[], scheme: LabelScheme, hidden: ReadonlySet<string>, size: number): Generator<DisplayUnit[]> {
  for (let from = 0; from < words.length; ) {
    let to = Math.min(words.length, from + Math.max(1, size));
    if (scheme === 'plain') {
      const out: DisplayUnit[] = [];
      for (let i = from; i < to; i++) {
        const w = words[i];
        const label = w.label;
        if (!hidden.has(label)) out.push({ start: w.start, end: w.end, label, score: w.score, word: i });
      }
      yield out;
    } else {
      while (!startsSpan(words, to, scheme)) to++;
      yield decodeSpans(words, scheme, hidden, from, to).map((s) => ({ start: s.start, end: s.end, label: s.label, score: s.score, word: s.first }));
    }
    from = to;
  }
}

export type Direction = 1 | -1;

export interface NextResult {
  readonly index: number;
  /** The search went past the end (or the start) and came round. */
  readonly wrapped: boolean;
}

/**
 * The first index in [0, n) where `after` holds, for a predicate that is false and then true
 * along the index (binary search); n when it never holds.
 */
export function partitionPoint(n: number, after: (i: number) => boolean): number {
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The next (direction 1) or previous (-1) unit from `offset` that satisfies `predicate`,
 * wrapping round the document once; undefined when no unit satisfies it.
 * The unit under the offset is the current one: "next" is the first unit that starts after the
 * offset, "previous" the last unit that ends at or before it. Navigating from a selected unit
 * (offset = its start) therefore steps to its neighbours, also when they touch it ("cat.").
 */
export function nextLabelIndex<T extends { start: number; end: number }>(
  units: readonly T[],
  offset: number,
  direction: Direction,
  predicate: (unit: T, index: number) => boolean = () => true,
): NextResult | undefined {
  const n = units.length;
  if (!n) return undefined;
  if (direction === 1) {
    const from = partitionPoint(units.length, (i) => units[i].start > offset);
    for (let k = 0; k < n; k++) {
      const i = (from + k) % n;
      if (predicate(units[i], i)) return { index: i, wrapped: from + k >= n };
    }
  } else {
    // the last unit ending at or before the offset
    const from = partitionPoint(units.length, (i) => units[i].end > offset) - 1;
    for (let k = 0; k < n; k++) {
      const i = (((from - k) % n) + n) % n;
      if (predicate(units[i], i)) return { index: i, wrapped: from - k < 0 };
    }
  }
  return undefined;
}

export interface OffsetRange {
  readonly start: number;
  readonly end: number;
}

/** How far offsets [start, end) are from the nearest of the ranges: 0 when they touch one (ends included). */
export function distanceTo(start: number, end: number, ranges: readonly OffsetRange[]): number {
  let best = Infinity;
  for (const r of ranges) best = Math.min(best, end < r.start ? r.start - end : start > r.end ? start - r.end : 0);
  return best;
}

/** Whether a unit touches one of the ranges (a unit at a range's edge is near it). */
export function touchesAny(u: OffsetRange, ranges: readonly OffsetRange[]): boolean {
  return distanceTo(u.start, u.end, ranges) === 0;
}

/**
 * The labels of a part of a text (offsets relative to the part, which starts at `offset` in the
 * document) moved to document offsets.
 */
export function shiftLabels(part: LabeledText, offset: number, windowBase = 0): LabeledText {
  return {
    ...part,
    // field by field: words may be views (core/word_table.ts) whose fields are getters, which
    // an object spread would not copy
    words: part.words.map((w): WordLabel => ({
      start: w.start + offset,
      end: w.end + offset,
      text: w.text,
      label: w.label,
      score: w.score,
      alternatives: w.alternatives,
      window: w.window + windowBase,
      pieces: w.pieces.map((p) => ({ text: p.text, label: p.label, score: p.score, start: p.start + offset, end: p.end + offset })),
    })),
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
  if (!base) return moved;
  const before = base.words.filter((w) => w.end <= range.start);
  const after = base.words.filter((w) => w.start >= range.end);
  return {
    words: [...before, ...moved.words, ...after],
    windows: [...base.windows, ...moved.windows],
    sequence: base.sequence,
    timing: part.timing,
    segments: part.segments,
  };
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** A range widened so that it does not cut a word (letters, digits, marks) at either end. */
export function expandToWords(text: string, range: OffsetRange): OffsetRange {
  let { start, end } = range;
  if (start < end) {
    while (start > 0 && WORD_CHAR.test(text[start - 1]) && WORD_CHAR.test(text[start])) start--;
    while (end < text.length && WORD_CHAR.test(text[end]) && WORD_CHAR.test(text[end - 1])) end++;
  }
  return { start, end };
}

/** Ranges sorted by start, with overlapping or touching ones merged. */
export function mergeRanges(ranges: readonly OffsetRange[]): OffsetRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const out: OffsetRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) out[out.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    else out.push({ ...r });
  }
  return out;
}
