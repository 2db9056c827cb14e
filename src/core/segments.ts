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
import type { LabeledText, WindowResult, WordLabel } from './labeler';

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

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** [start, end) spans of the paragraphs of text[from, to), separators included at the end. */
function paragraphs(text: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = 0;
  PARAGRAPH.lastIndex = 0;
  for (let m = PARAGRAPH.exec(text); m; m = PARAGRAPH.exec(text)) {
    out.push([start, m.index + m[0].length]);
    start = m.index + m[0].length;
  }
  if (start < text.length) out.push([start, text.length]);
  return out;
}

function sentences(text: string, from: number, to: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const re = new RegExp(SENTENCE_END.source, 'g');
  re.lastIndex = from;
  let start = from;
  for (let m = re.exec(text); m && m.index < to; m = re.exec(text)) {
    const end = Math.min(m.index + m[0].length, to);
    out.push([start, end]);
    start = end;
  }
  if (start < to) out.push([start, to]);
  return out;
}

/** Cuts a document into segments (see the file comment). Every character is in one segment. */
export function segmentText(text: string, options: SegmentOptions): Segment[] {
  return [...iterateSegments(text, options)];
}

/** The segments of a document one paragraph at a time (callers can yield in between). */
export function* iterateSegments(text: string, options: SegmentOptions): Generator<Segment> {
  const cutEvery = Math.max(1, options.cutEvery ?? 4);
  let segments: Segment[] = [];
  const push = (start: number, end: number): void => {
    if (end > start) segments.push({ start, end, text: text.slice(start, end) });
  };
  for (const [pStart, pEnd] of paragraphs(text)) {
    yield* segments;
    segments = [];
    let segStart = pStart;
    let pieces = 0;
    for (const [sStart, sEnd] of sentences(text, pStart, pEnd)) {
      const sentence = text.slice(sStart, sEnd);
      const n = options.countPieces(sentence);
      if (pieces > 0 && pieces + n > options.budget) {
        push(segStart, sStart);
        segStart = sStart;
        pieces = 0;
      }
      pieces += n;
      if (fnv1a(sentence) % cutEvery === 0) {
        push(segStart, sEnd);
        segStart = sEnd;
        pieces = 0;
      }
    }
    push(segStart, pEnd);
  }
  yield* segments;
}

/** Labels of a segment, with offsets relative to the segment's start. */
export type SegmentLabels = LabeledText;

function shiftWord(w: WordLabel, delta: number, windowBase: number): WordLabel {
  return {
    ...w,
    start: w.start + delta,
    end: w.end + delta,
    window: w.window + windowBase,
    pieces: w.pieces.map((p) => ({ ...p, start: p.start + delta, end: p.end + delta })),
  };
}

/** Appends one segment's result (relative offsets) to a document's words and windows. */
export function appendSegment(seg: Segment, r: SegmentLabels, words: WordLabel[], windows: WindowResult[]): void {
  const base = windows.length;
  for (const w of r.windows) windows.push({ ...w, start: w.start + seg.start, end: w.end + seg.start });
  for (const w of r.words) words.push(shiftWord(w, seg.start, base));
}

/** Most recently used segment results by text; bounded. */
export class SegmentCache {
  private readonly map = new Map<string, SegmentLabels>();

  constructor(private readonly capacity = 20_000) {}

  get(text: string): SegmentLabels | undefined {
    const v = this.map.get(text);
    if (v) {
      this.map.delete(text);
      this.map.set(text, v);
    }
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
