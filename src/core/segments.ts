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

/** [start, end) spans of the paragraphs of text, separators included at the end (also the CLI's chunks, stream_output.ts). */
export function* paragraphs(text: string): Generator<[number, number]> {
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

/**
 * The segments of a document one at a time, each as soon as it is known. `countPieces` may stop
 * counting once it is over the budget: the cuts are the same.
 */
export function* iterateSegments(text: string, options: SegmentOptions): Generator<Segment> {
  for (const step of segmentSteps(text, options)) if (step) yield step;
}

/**
 * `iterateSegments` in steps of one sentence: `undefined` after a sentence that ends no segment.
 * A caller that yields to the event loop between steps never runs more than a sentence's
 * tokenizing at once (a paragraph of a thousand sentences is not cut in one synchronous step).
 */
export function* segmentSteps(text: string, options: SegmentOptions): Generator<Segment | undefined> {
  const cutEvery = Math.max(1, options.cutEvery ?? 4);
  const segment = (start: number, end: number): Segment => ({ start, end, text: text.slice(start, end) });
  for (const [pStart, pEnd] of paragraphs(text)) {
    let segStart = pStart;
    let pieces = 0;
    for (const [sStart, sEnd] of sentences(text, pStart, pEnd)) {
      const sentence = text.slice(sStart, sEnd);
      const n = options.countPieces(sentence);
      let cut = false;
      if (pieces > 0 && pieces + n > options.budget) {
        if (sStart > segStart) {
          yield segment(segStart, sStart);
          cut = true;
        }
        segStart = sStart;
        pieces = 0;
      }
      pieces += n;
      if (fnv1a(sentence) % cutEvery === 0) {
        if (sEnd > segStart) {
          yield segment(segStart, sEnd);
          cut = true;
        }
        segStart = sEnd;
        pieces = 0;
      }
      if (!cut) yield undefined;
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

/** A segment's labels placed in a document: views of its rows, and its windows shifted. */
export interface PlacedSegment {
  readonly start: number;
  readonly windowBase: number;
  /** One view per row of the segment's table (filled by `fillViews`). */
  readonly words: WordLabel[];
  readonly windows: readonly WindowResult[];
}

/**
 * A segment's labels placed at its offset, its windows numbered from `windowBase`: the last
 * placement when the segment is where it was then (`complete`), else a new one whose views the
 * caller makes with `fillViews` (in slices, for a segment of a hundred thousand words).
 */
export function placeSegment(seg: Segment, r: SegmentLabels, windowBase: number): { placed: PlacedSegment; complete: boolean } {
  const memo = r.placed;
  if (memo && memo.start === seg.start && memo.windowBase === windowBase) return { placed: memo, complete: true };
  const windows = r.windows.map((w) => ({ start: w.start + seg.start, end: w.end + seg.start, pieces: w.pieces, sequence: w.sequence }));
  return { placed: { start: seg.start, windowBase, words: new Array<WordLabel>(r.table.size), windows }, complete: false };
}

/** Makes the views of rows [from, to) of a new placement of `table`. */
export function fillViews(placed: PlacedSegment, table: WordTable, from: number, to: number): void {
  const at = { table, offset: placed.start, windowBase: placed.windowBase };
  for (let i = from; i < to; i++) placed.words[i] = new TableWord(at, i);
}

/**
 * Most recently used segment results by text; bounded. Keys are copies, not slices of the
 * document: V8 keeps a slice's whole parent string alive, so a key sliced from each edited
 * version would keep every version of a long document in memory.
 *
 * It also keeps the piece counts of the last run's sentences, which segmenting the next
 * version of the same text reads instead of tokenizing every sentence again: after a one-line
 * edit only the changed sentences are counted. Only the last run's counts are kept (their keys
 * are slices of the text of that run, one version).
 */
export class SegmentCache {
  private readonly map = new Map<string, SegmentLabels>();
  private counts = new Map<string, number>();
  private countedBy: object | undefined;

  constructor(private readonly capacity = 20_000) {}

  /**
   * `count` for one run of segmenting, answered from the counts of the last run made with the
   * same `counter` (a tokenizer and budget: another counts otherwise) where the sentence is the same.
   */
  pieceCounter(counter: object, count: (sentence: string) => number): (sentence: string) => number {
    const last = this.countedBy === counter ? this.counts : undefined;
    const current = new Map<string, number>();
    this.counts = current;
    this.countedBy = counter;
    return (sentence) => {
      let n = last?.get(sentence);
      if (n === undefined) n = count(sentence);
      current.set(sentence, n);
      return n;
    };
  }

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
    this.map.set(ownCopy(text), labels);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as string);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
    this.counts = new Map();
  }
}

/** A string with the same text that shares no storage with `s` (JSON's parser builds a new one). */
function ownCopy(s: string): string {
  return JSON.parse(JSON.stringify(s)) as string;
}
