// Offset ranges and searches over sorted, disjoint units: binary search, the next or previous
// unit from an offset, nearness to the visible ranges, and widening a selection to whole words.
// Units are sorted by start, so each search is a binary search, never a scan of a long document.
// No `vscode` import: unit-tested in Node.

/** Forward (1) or backward (-1) through a document's units. */
export type Step = 1 | -1;

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
  direction: Step,
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
