// Prose ranges and the text the model reads for them. A document labeled "prose only" is
// labeled as the same text with every character outside its prose ranges read as a space
// (line breaks kept): the text keeps its length, so every offset the labeler gives is an offset
// into the original document (UTF-16 and code points alike, since the prose characters are
// the document's own), and the labeling path is the whole-document one, segment cache
// included. Line breaks are kept so that paragraph and sentence cuts stay where they are.
import { CodePointCursor } from './formats';
import type { OffsetRange } from './ranges';

/**
 * Sorted, disjoint ranges from any ranges: overlapping and touching ones merged, and so are
 * ranges with only whitespace between them (a paragraph's lines, a list item's continuation),
 * so that a document's labeled ranges are few and the same text reads the same either way.
 * Empty ranges are dropped.
 */
export function normalizeRanges(text: string, ranges: readonly OffsetRange[]): OffsetRange[] {
  const sorted = ranges
    .map((r) => ({ start: Math.max(0, r.start), end: Math.min(text.length, r.end) }))
    .filter((r) => r.end > r.start)
    .sort((a, b) => a.start - b.start);
  const out: OffsetRange[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && (r.start <= last.end || ONLY_WHITESPACE.test(text.slice(last.end, r.start)))) {
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, r.end) };
    } else out.push(r);
  }
  return out;
}
const ONLY_WHITESPACE = /^\s*$/;

/** The text with every code unit outside `ranges` (sorted, disjoint) a space, except line breaks. */
export function maskOutside(text: string, ranges: readonly OffsetRange[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const r of ranges) {
    if (r.start > at) parts.push(blank(text.slice(at, r.start)));
    parts.push(text.slice(Math.max(at, r.start), r.end));
    at = Math.max(at, r.end);
  }
  if (at < text.length) parts.push(blank(text.slice(at)));
  return parts.join('');
}
const blank = (s: string): string => s.replace(NOT_LINE_BREAK, ' ');
const NOT_LINE_BREAK = /[^\r\n]/g;

/** Ranges that lie in [from, to), clipped to it and shifted to start at `from` (a chunk of the text). */
export function clipRanges(ranges: readonly OffsetRange[], from: number, to: number): OffsetRange[] {
  const out: OffsetRange[] = [];
  for (const r of ranges) {
    const start = Math.max(r.start, from);
    const end = Math.min(r.end, to);
    if (end > start) out.push({ start: start - from, end: end - from });
  }
  return out;
}

/** UTF-16 ranges of `text` (sorted) as code point [start, end] pairs, Python's indices (the exports' offsets). */
export function codePointRanges(text: string, ranges: readonly OffsetRange[]): Array<[number, number]> {
  const cursor = new CodePointCursor(text);
  return ranges.map((r) => [cursor.of(r.start), cursor.of(r.end)]);
}
