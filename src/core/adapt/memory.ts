// The instant tier of learning from corrections: a memory of corrected (and accepted) words,
// each kept with the feature vector the token head read for it, and a nearest-neighbour lookup.
//
// Why nearest neighbours: a correction must change the next occurrence of the same use at once,
// before any retraining. The head's input vectors are contextual, so "close in feature space" is
// "the same word in a similar use", not "the same spelling": `cat` after `the` is near the
// corrected `cat`, `Cat` the name is not. Vectors are stored unit-length, so the similarity is
// a dot product; a match needs a cosine of at least `threshold`. The memory is brute force over
// a flat Float32Array: a user's corrections number in the hundreds or thousands, and a lookup
// touches each remembered vector once.

/** Where a remembered example came from, for the hover ("from your correction in notes.md:12"). */
export interface ExampleSource {
  readonly file: string;
  /** 1-based line, as an editor shows it. */
  readonly line: number;
  readonly word: string;
  readonly kind: 'correction' | 'accepted';
}

export interface MemoryMatch {
  readonly label: string;
  readonly similarity: number;
  readonly source: ExampleSource;
}

export class CorrectionMemory {
  private vectors: Float32Array;
  private readonly labels: string[] = [];
  private readonly sources: ExampleSource[] = [];

  constructor(
    readonly dim: number,
    /** Least cosine similarity for a match (default 0.9). */
    readonly threshold = 0.9,
  ) {
    if (!Number.isInteger(dim) || dim <= 0) throw new RangeError(`the feature dimension must be a positive integer, not ${dim}`);
    this.vectors = new Float32Array(dim * 16);
  }

  get size(): number {
    return this.labels.length;
  }

  /** Remembers a word's features (`features` from `offset`, `dim` values) with its label. */
  add(features: Float32Array, offset: number, label: string, source: ExampleSource): void {
    const n = this.labels.length;
    if ((n + 1) * this.dim > this.vectors.length) {
      const grown = new Float32Array(this.vectors.length * 2);
      grown.set(this.vectors);
      this.vectors = grown;
    }
    let norm = 0;
    for (let j = 0; j < this.dim; j++) norm += features[offset + j] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < this.dim; j++) this.vectors[n * this.dim + j] = features[offset + j] / norm;
    this.labels.push(label);
    this.sources.push(source);
  }

  /** Forgets every example from `file` (its sidecar changed or was cleared). */
  forgetFile(file: string): void {
    let w = 0;
    for (let r = 0; r < this.labels.length; r++) {
      if (this.sources[r].file === file) continue;
      if (w !== r) {
        this.vectors.copyWithin(w * this.dim, r * this.dim, (r + 1) * this.dim);
        this.labels[w] = this.labels[r];
        this.sources[w] = this.sources[r];
      }
      w++;
    }
    this.labels.length = w;
    this.sources.length = w;
  }

  /** The most similar remembered example, if its cosine similarity reaches the threshold. */
  nearest(features: Float32Array, offset: number): MemoryMatch | undefined {
    const d = this.dim;
    let norm = 0;
    for (let j = 0; j < d; j++) norm += features[offset + j] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 0) || this.labels.length === 0) return undefined;
    let best = -1;
    let bestSim = -Infinity;
    for (let r = 0; r < this.labels.length; r++) {
      let s = 0;
      const row = r * d;
      for (let j = 0; j < d; j++) s += this.vectors[row + j] * features[offset + j];
      if (s > bestSim) {
        bestSim = s;
        best = r;
      }
    }
    const similarity = bestSim / norm;
    if (similarity < this.threshold) return undefined;
    return { label: this.labels[best], similarity, source: this.sources[best] };
  }
}
