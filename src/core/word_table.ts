// Labels of a text stored as a struct of typed arrays (one `WordTable` per segment), and
// `WordLabel` views over its rows.
//
// Why: a 100k-word document labeled into plain objects (a word, its alternatives, its pieces,
// each piece's probabilities) made over a million objects per run; the garbage collector then
// paused the extension host's thread for 30-120 ms at a time. A table is a dozen objects
// whatever its length, is kept in the segment cache with offsets relative to its segment, and
// is never copied when the segment moves: a document's words are small views (table, row,
// offset of the segment, index of its first window) whose fields are read on access.
import type { LabelScore } from './aggregate';

export interface PieceLabel {
  readonly text: string;
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly score: number;
}

export interface WordLabel {
  /** UTF-16 offsets into the labeled text. */
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly label: string;
  readonly score: number;
  /** Best labels first (the label itself included), at most `topK`. */
  readonly alternatives: readonly LabelScore[];
  readonly pieces: readonly PieceLabel[];
  /** Index into `LabeledText.windows` of the window the label came from. */
  readonly window: number;
}

/**
 * Labeled units of one text (words; pieces with the `simple` strategy). Offsets are relative
 * to the text. Row i's pieces are [pieceFirst[i], pieceFirst[i + 1]).
 */
export interface WordTable {
  readonly text: string;
  readonly labels: readonly string[];
  readonly size: number;
  readonly start: Int32Array;
  readonly end: Int32Array;
  /** Index of the text's window the row's label came from. */
  readonly window: Int32Array;
  /** Alternatives kept per row (the label first); `top`/`topScore` hold `stride` per row. */
  readonly k: number;
  readonly stride: number;
  readonly top: Int32Array;
  readonly topScore: Float32Array;
  readonly pieceFirst: Int32Array;
  readonly pieceStart: Int32Array;
  readonly pieceEnd: Int32Array;
  readonly pieceText: readonly string[];
  readonly pieceLabel: Int32Array;
  readonly pieceScore: Float32Array;
}

/** An empty table of `size` rows over `pieces` pieces, with `k` alternatives per row. */
export function allocateTable(text: string, labels: readonly string[], size: number, pieces: number, k: number, pieceText: readonly string[]): WordTable {
  const stride = Math.max(1, k);
  return {
    text, labels, size, k, stride,
    start: new Int32Array(size),
    end: new Int32Array(size),
    window: new Int32Array(size),
    top: new Int32Array(size * stride),
    topScore: new Float32Array(size * stride),
    pieceFirst: new Int32Array(size + 1),
    pieceStart: new Int32Array(pieces),
    pieceEnd: new Int32Array(pieces),
    pieceText,
    pieceLabel: new Int32Array(pieces),
    pieceScore: new Float32Array(pieces),
  };
}

const labelName = (labels: readonly string[], i: number): string => labels[i] ?? String(i);

/**
 * Row `row` of a table as a `WordLabel`, its offsets moved by `offset` and its window index by
 * `windowBase` (where its segment is in the document). Fields are computed on access; `toJSON`
 * gives the plain object.
 */
export class TableWord implements WordLabel {
  readonly #table: WordTable;
  readonly #row: number;
  readonly #offset: number;
  readonly #windowBase: number;

  constructor(table: WordTable, row: number, offset: number, windowBase: number) {
    this.#table = table;
    this.#row = row;
    this.#offset = offset;
    this.#windowBase = windowBase;
  }

  get start(): number {
    return this.#table.start[this.#row] + this.#offset;
  }

  get end(): number {
    return this.#table.end[this.#row] + this.#offset;
  }

  get text(): string {
    return this.#table.text.slice(this.#table.start[this.#row], this.#table.end[this.#row]);
  }

  get label(): string {
    const t = this.#table;
    return labelName(t.labels, t.top[this.#row * t.stride]);
  }

  get score(): number {
    const t = this.#table;
    return t.topScore[this.#row * t.stride];
  }

  get window(): number {
    return this.#table.window[this.#row] + this.#windowBase;
  }

  get alternatives(): LabelScore[] {
    const t = this.#table;
    const out: LabelScore[] = [];
    for (let j = 0; j < t.k; j++) {
      const at = this.#row * t.stride + j;
      out.push({ label: labelName(t.labels, t.top[at]), score: t.topScore[at] });
    }
    return out;
  }

  get pieces(): PieceLabel[] {
    const t = this.#table;
    const out: PieceLabel[] = [];
    for (let p = t.pieceFirst[this.#row]; p < t.pieceFirst[this.#row + 1]; p++) {
      out.push({
        text: t.pieceText[p], start: t.pieceStart[p] + this.#offset, end: t.pieceEnd[p] + this.#offset,
        label: labelName(t.labels, t.pieceLabel[p]), score: t.pieceScore[p],
      });
    }
    return out;
  }

  toJSON(): WordLabel {
    return {
      start: this.start, end: this.end, text: this.text, label: this.label, score: this.score,
      alternatives: this.alternatives, pieces: this.pieces, window: this.window,
    };
  }
}
