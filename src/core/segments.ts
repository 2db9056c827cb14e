// Segments for live labeling. The document is cut into segments at paragraph breaks (blank
// lines) and sentence ends, each labeled on its own, and a cache keyed by the segment's text
// keeps their labels. After an edit only segments whose text changed are run again; the others
// are found in the cache and shifted to their new offsets.
//
// Where a paragraph is cut must not depend on text far before it, or one edit would move every
// later boundary. So, inside a paragraph, a sentence end is a cut when the sentence's own text
// says so (a hash of it, ~1 sentence in `cutEvery`: content-defined chunking, as in rsync), and
// when the next sentence would not fit the segment budget. Boundaries resynchronise at the first
// content-defined cut after an edit.
import type { LabelScore } from './aggregate';
import { TableWord, type WordLabel, type WordTable } from './word_table';

/** A window's sequence scores and extent (offsets into the labeled text). */
export interface WindowResult {
  readonly start: number;
  readonly end: number;
  readonly pieces: number;
  /** Sequence-label probabilities, sorted best first; empty without a sequence head. */
  readonly sequence: readonly LabelScore[];
}

export interface Segment {
  /** UTF-16 offsets into the document. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface SegmentOptions {
  /** Most pieces in a segment (the model's window, without [CLS]/[SEP]). */
  readonly budget: number;
  /** Pieces of a piece of text (cached by the caller's tokenizer). */
  readonly countPieces: (text: string) => number;
  /** On average, one sentence end in this many is a content-defined cut. */
  readonly cutEvery?: number;
}

// A sentence ends after . ! ? … (and closing quotes/brackets) followed by whitespace, or at a
// line break. Paragraphs end at a blank line.
const PARAGRAPH = /\n[ \t]*\r?\n\s*/g;
const SENTENCE_END = /[.!?…]+["'”’)\]]*\s+|\r?\n/g;

/** FNV-1a of a sentence's first 1,024 code units and its length (a 1 MB line is not read whole). */
function fnv1a(s: string): number {
  let h = 0x811c9dc5 ^ s.length;
  const n = Math.min(s.length, 1024);
  for (let i = 0; i < n; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** [start, end) spans of the paragraphs of text, separators included at the end. */
function* paragraphs(text: string): Generator<[number, number]> {
  let start = 0;
  for (;;) {
    PARAGRAPH.lastIndex = start; // shared RegExp (see sentences)
    const m = PARAGRAPH.exec(text);
    if (!m) break;
    yield [start, m.index + m[0].length];
    start = m.index + m[0].length;
  }
  if (start < text.length) yield [start, text.length];
}

function* sentences(text: string, from: number, to: number): Generator<[number, number]> {
  let start = from;
  for (;;) {
    // One RegExp for all calls, lastIndex set before each match, so that suspended generators
    // can share it (a new RegExp per call is compiled again when V8 drops its cache).
    SENTENCE_END.lastIndex = start;
    const m = SENTENCE_END.exec(text);
    if (!m || m.index >= to) break;
    const end = Math.min(m.index + m[0].length, to);
    yield [start, end];
    start = end;
  }
  if (start < to) yield [start, to];
}

/** Cuts a document into segments (see the file comment). Every character is in one segment. */
export function segmentText(text: string, options: SegmentOptions): Segment[] {
  return [...iterateSegments(text, options)];
}

/**
 * The segments of a document one at a time, each as soon as it is known (callers yield to the
 * event loop in between: a long paragraph is not cut in one synchronous step). `countPieces` may
 * stop counting once it is over the budget: the cuts are the same.
 */
export function* iterateSegments(text: string, options: SegmentOptions): Generator<Segment> {
  const cutEvery = Math.max(1, options.cutEvery ?? 4);
  const segment = (start: number, end: number): Segment => ({ start, end, text: text.slice(start, end) });
  for (const [pStart, pEnd] of paragraphs(text)) {
    let segStart = pStart;
    let pieces = 0;
    for (const [sStart, sEnd] of sentences(text, pStart, pEnd)) {
      const sentence = text.slice(sStart, sEnd);
      const n = options.countPieces(sentence);
      if (pieces > 0 && pieces + n > options.budget) {
        if (sStart > segStart) yield segment(segStart, sStart);
        segStart = sStart;
        pieces = 0;
      }
      pieces += n;
      if (fnv1a(sentence) % cutEvery === 0) {
        if (sEnd > segStart) yield segment(segStart, sEnd);
        segStart = sEnd;
        pieces = 0;
      }
    }
    if (pEnd > segStart) yield segment(segStart, pEnd);
  }
}

/**
 * Labels of a segment, offsets relative to its start. `settings` says what produced them
 * (strategy, stride, ...): an entry made with other settings is not reused.
 */
export interface SegmentLabels {
  readonly table: WordTable;
  readonly windows: readonly WindowResult[];
  readonly settings: string;
  /**
   * The views last made of this segment's rows and windows, and where they were placed: a
   * segment found at the same place again (live labeling: every segment before an edit)
   * reuses them instead of making new objects for the garbage collector.
   */
  placed?: PlacedSegment;
}

interface PlacedSegment {
  readonly start: number;
  readonly windowBase: number;
  readonly words: readonly WordLabel[];
  readonly windows: readonly WindowResult[];
}

/**
 * Writes rows [from, to) of a segment's labels into a document's words from index `at`, as
 * views placed at the segment's offset (nothing is copied); with `from` 0 the segment's
 * windows are appended too, shifted. `words` is allocated by the caller to its final length.
 * `remember`: keep the views for the next placement (for labels kept in a segment cache).
 */
export function placeSegment(
  seg: Segment, r: SegmentLabels, words: WordLabel[], at: number, windows: WindowResult[],
  windowBase: number, from = 0, to = r.table.size, remember = false,
): void {
  const whole = from === 0 && to === r.table.size;
  const memo = r.placed;
  if (whole && memo && memo.start === seg.start && memo.windowBase === windowBase) {
    for (let i = 0; i < memo.words.length; i++) words[at + i] = memo.words[i];
    for (const w of memo.windows) windows.push(w);
    return;
  }
  const placedWindows: WindowResult[] = [];
  if (from === 0) {
    for (const w of r.windows) {
      const shifted = { start: w.start + seg.start, end: w.end + seg.start, pieces: w.pieces, sequence: w.sequence };
      placedWindows.push(shifted);
      windows.push(shifted);
    }
  }
  for (let i = from; i < to; i++) words[at + i - from] = new TableWord(r.table, i, seg.start, windowBase);
  if (whole && remember) r.placed = { start: seg.start, windowBase, words: words.slice(at, at + to), windows: placedWindows };
}

/** Most recently used segment results by text; bounded. */
export class SegmentCache {
  private readonly map = new Map<string, SegmentLabels>();

  constructor(private readonly capacity = 20_000) {}

  /** The labels of a segment's text made with `settings`, if kept. */
  get(text: string, settings: string): SegmentLabels | undefined {
    const v = this.map.get(text);
    if (!v || v.settings !== settings) return undefined;
    this.map.delete(text);
    this.map.set(text, v);
    return v;
  }

  set(text: string, labels: SegmentLabels): void {
    this.map.delete(text);
    this.map.set(text, labels);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
