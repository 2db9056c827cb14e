// Labels of a text stored as a struct of typed arrays (one `WordTable` per segment), and
// `WordLabel` views over its rows.
//
// Why: a 100k-word document labeled into plain objects (a word, its alternatives, its pieces,
// each piece's probabilities) makes over a million objects per run, and the garbage collector's
// pauses on the extension host's thread grow with them. A table is a dozen objects
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

/**
 * Why a unit has its label when the model's own output is not the whole story: the remembered
 * example (learning from corrections, core/adapt/memory.ts) it matched, for the hover, and what
 * the model itself said (what comparisons with the user's labels read, core/adapt/opinion.ts).
 */
export interface LabelReason {
  readonly label: string;
  readonly similarity: number;
  readonly source: { readonly file: string; readonly line: number; readonly word: string; readonly kind: 'correction' | 'accepted' };
  /** The model's own best labels for the unit (the head in use, before the memory), best first. */
  readonly model: readonly LabelScore[];
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
  /** Set when a remembered correction decided the label. */
  readonly reason?: LabelReason;
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
  /** Rows whose label a remembered correction decided (few: a map, not a column). */
  reasons?: Map<number, LabelReason>;
}

/**
 * An empty table of `size` rows over `pieces` pieces, with `k` alternatives per row. Its arrays
 * are views of one buffer (a typed array and its buffer are two objects each for the garbage
 * collector; a document has thousands of tables).
 */
export function allocateTable(
  text: string,
  labels: readonly string[],
  size: number,
  pieces: number,
  k: number,
  pieceText: readonly string[],
): WordTable {
  const stride = Math.max(1, k);
  // every field is 4 bytes a value
  const buffer = new ArrayBuffer(4 * (3 * size + 2 * size * stride + size + 1 + 4 * pieces));
  let at = 0;
  const int32 = (n: number): Int32Array => {
    const a = new Int32Array(buffer, at, n);
    at += 4 * n;
    return a;
  };
  const float32 = (n: number): Float32Array => {
    const a = new Float32Array(buffer, at, n);
    at += 4 * n;
    return a;
  };
  return {
    text,
    labels,
    size,
    k,
    stride,
    start: int32(size),
    end: int32(size),
    window: int32(size),
    top: int32(size * stride),
    topScore: float32(size * stride),
    pieceFirst: int32(size + 1),
    pieceStart: int32(pieces),
    pieceEnd: int32(pieces),
    pieceText,
    pieceLabel: int32(pieces),
    pieceScore: float32(pieces),
  };
}

const labelName = (labels: readonly string[], i: number): string => labels[i] ?? String(i);

/** Where a segment's table is placed in a document: its offset and its first window's index. */
export interface TablePlacement {
  readonly table: WordTable;
  readonly offset: number;
  readonly windowBase: number;
}

/**
 * Row `row` of a table as a `WordLabel`, placed as `at` says (shared by the rows of a segment:
 * a view is two fields, the smallest object that can be). Fields are computed on access;
 * `toJSON` gives the plain object.
 */
export class TableWord implements WordLabel {
  readonly #at: TablePlacement;
  readonly #row: number;

  constructor(at: TablePlacement, row: number) {
    this.#at = at;
    this.#row = row;
  }

  get start(): number {
    return this.#at.table.start[this.#row] + this.#at.offset;
  }

  get end(): number {
    return this.#at.table.end[this.#row] + this.#at.offset;
  }

  get text(): string {
    const t = this.#at.table;
    return t.text.slice(t.start[this.#row], t.end[this.#row]);
  }

  get label(): string {
    const t = this.#at.table;
    return labelName(t.labels, t.top[this.#row * t.stride]);
  }

  get score(): number {
    const t = this.#at.table;
    return t.topScore[this.#row * t.stride];
  }

  get window(): number {
    return this.#at.table.window[this.#row] + this.#at.windowBase;
  }

  get reason(): LabelReason | undefined {
    return this.#at.table.reasons?.get(this.#row);
  }

  get alternatives(): LabelScore[] {
    const t = this.#at.table;
    const out: LabelScore[] = [];
    for (let j = 0; j < t.k; j++) {
      const at = this.#row * t.stride + j;
      out.push({ label: labelName(t.labels, t.top[at]), score: t.topScore[at] });
    }
    return out;
  }

  get pieces(): PieceLabel[] {
    const t = this.#at.table;
    const out: PieceLabel[] = [];
    for (let p = t.pieceFirst[this.#row]; p < t.pieceFirst[this.#row + 1]; p++) {
      out.push({
        text: t.pieceText[p],
        start: t.pieceStart[p] + this.#at.offset,
        end: t.pieceEnd[p] + this.#at.offset,
        label: labelName(t.labels, t.pieceLabel[p]),
        score: t.pieceScore[p],
      });
    }
    return out;
  }

  toJSON(): WordLabel {
    return {
      start: this.start,
      end: this.end,
      text: this.text,
      label: this.label,
      score: this.score,
      alternatives: this.alternatives,
      pieces: this.pieces,
      window: this.window,
      ...(this.reason ? { reason: this.reason } : {}),
    };
  }
}
