// The order in which a labeling run sends its segments to the model: nearest the ranges the
// user is looking at (the visible lines, the cursors) first, the rest by distance, ties in
// document order. The order only decides when a segment is labeled, never what its labels
// are: each segment is labeled on its own, so a run in any order gives the labels of a run in
// document order. The ranges are asked for again before each chunk, so a scroll or a cursor
// move during a long run redirects the rest of it. No `vscode` import: unit-tested in Node.
import type { OffsetRange } from './ranges';

/** Distance in UTF-16 code units from [start, end) to the nearest range; 0 when they touch or overlap. */
export function distanceToRanges(start: number, end: number, ranges: readonly OffsetRange[]): number {
  let best = Infinity;
  for (const r of ranges) {
    const d = r.end < start ? start - r.end : end < r.start ? r.start - end : 0;
    if (d < best) best = d;
    if (best === 0) break;
  }
  return best;
}

/**
 * Takes the `count` segments of `waiting` (indices into `segments`, in document order) nearest
 * to `ranges`, nearest first, ties in document order, and removes them from `waiting`. Without
 * ranges, the first `count` in document order.
 */
export function takeNearest(
  waiting: number[],
  segments: readonly { readonly start: number; readonly end: number }[],
  ranges: readonly OffsetRange[],
  count: number,
): number[] {
  const n = Math.max(0, Math.min(count, waiting.length));
  if (!ranges.length || n === waiting.length) return waiting.splice(0, n);
  const distance = new Float64Array(waiting.length);
  for (let k = 0; k < waiting.length; k++) {
    const s = segments[waiting[k]];
    distance[k] = distanceToRanges(s.start, s.end, ranges);
  }
  const order = Array.from(waiting.keys()).sort((a, b) => distance[a] - distance[b] || a - b);
  const chosen = order.slice(0, n);
  const taken = new Uint8Array(waiting.length);
  for (const k of chosen) taken[k] = 1;
  const out = chosen.map((k) => waiting[k]);
  let w = 0;
  for (let k = 0; k < waiting.length; k++) if (!taken[k]) waiting[w++] = waiting[k];
  waiting.length = w;
  return out;
}

/**
 * Whether every segment that overlaps one of `ranges` has labels (`done(i)`); segments are
 * sorted and disjoint, so each range's segments are found by binary search.
 */
export function rangesDone(
  segments: readonly { readonly start: number; readonly end: number }[],
  ranges: readonly OffsetRange[],
  done: (index: number) => boolean,
): boolean {
  for (const r of ranges) {
    let lo = 0;
    let hi = segments.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segments[mid].end > r.start) hi = mid;
      else lo = mid + 1;
    }
    for (let i = lo; i < segments.length && segments[i].start < Math.max(r.end, r.start + 1); i++) if (!done(i)) return false;
  }
  return true;
}
