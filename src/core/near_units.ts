// The display units that touch some offset ranges (the visible lines), found from the words by
// binary search: the work is in proportion to the words in the ranges, not to the document.
// The decorations' first pass on a long document draws these before the rest is grouped, so
// that it fits between two keystrokes however long the document is. The units are the ones
// `displayUnits` makes for the whole document (a span is decoded from its first word), in
// document order. No `vscode` import: unit-tested in Node.
import type { LabelScheme } from './bundle';
import { unitsBetween, type DisplayUnit } from './display_units';
import type { WordLabel } from './labeler';
import { mergeRanges, partitionPoint, type OffsetRange } from './ranges';
import { splitTag, startsSpan } from './spans';

/**
 * The units of `displayUnits(words, scheme, hidden)` that touch one of the ranges (a unit at a
 * range's edge touches it), in document order, a part at a time (a caller yields to the event
 * loop in between): each chunk covers at most `size` words, or up to where the next span
 * starts. Words are sorted by offset and disjoint.
 */
export function* unitsTouchingChunks(
  words: readonly WordLabel[],
  scheme: LabelScheme,
  hidden: ReadonlySet<string>,
  ranges: readonly OffsetRange[],
  size: number,
): Generator<DisplayUnit[]> {
  // decoding can stop before word i, and start at it, without changing the units: a span
  // starts there, or the span going on there is of a hidden label (cut or whole, it is dropped),
  // so that a long run of `O` is not walked through
  const cut = (i: number): boolean => startsSpan(words, i, scheme) || hidden.has(splitTag(words[i - 1].label, scheme)[1]);
  let done = 0; // words before this index were decoded for an earlier range (a cut is there)
  for (const r of mergeRanges(ranges)) {
    // the words touching the range: from the first ending at or after its start to the last
    // starting at or before its end
    let from = Math.max(
      done,
      partitionPoint(words.length, (i) => words[i].end >= r.start),
    );
    let to = partitionPoint(words.length, (i) => words[i].start > r.end);
    // a span drawn is decoded whole: back to the word it starts at, on to where the next one
    // starts (a range between two words of a span touches the span). Every unit of the words
    // between holds a word touching the range, or lies between two such words: it touches it.
    if (scheme !== 'plain') {
      while (from > done && !cut(from)) from--;
      while (!cut(to)) to++;
    }
    for (let a = from; a < to; ) {
      let b = Math.min(to, a + Math.max(1, size));
      if (scheme !== 'plain') while (!cut(b)) b++;
      yield unitsBetween(words, scheme, hidden, a, b);
      a = b;
    }
    done = Math.max(done, to);
  }
}

/** `unitsTouchingChunks` in one array. */
export function unitsTouching(
  words: readonly WordLabel[],
  scheme: LabelScheme,
  hidden: ReadonlySet<string>,
  ranges: readonly OffsetRange[],
): DisplayUnit[] {
  const out: DisplayUnit[] = [];
  for (const chunk of unitsTouchingChunks(words, scheme, hidden, ranges, words.length)) for (const u of chunk) out.push(u);
  return out;
}

/** How many of the words (sorted by offset, disjoint) touch one of the ranges: binary searches only. */
export function wordsTouching(words: readonly WordLabel[], ranges: readonly OffsetRange[]): number {
  let n = 0;
  let done = 0; // a word touching two ranges is counted once
  for (const r of mergeRanges(ranges)) {
    const from = Math.max(
      done,
      partitionPoint(words.length, (i) => words[i].end >= r.start),
    );
    const to = partitionPoint(words.length, (i) => words[i].start > r.end);
    n += Math.max(0, to - from);
    done = Math.max(done, to);
  }
  return n;
}
