// The instant tier of learning from corrections: a memory of corrected (and accepted) words,
// each kept with the feature vector the token head read for it, and a nearest-neighbour lookup.
//
// Why nearest neighbours: a correction must change the next occurrence of the same use at once,
// before any retraining. The head's input vectors are contextual, so "close in feature space" is
// "the same word in a similar use", not "the same spelling": `cat` after `the` is near the
// corrected `cat`, `Cat` the name is not. Vectors are stored unit-length, so the similarity is
// a dot product; a match needs a cosine of at least `threshold`. The memory is brute force over
// a flat Float32Array: a user's corrections number in the hundreds or thousands, and a lookup
// touches each remembered vector once; with a word form (lower-cased text) it touches only the
// examples of that form, which is what the labeler asks (a correction of `cat` relabels `cat`s,
// and the hover can name the very correction it came from).
//
// The memory has a version and a log of the forms added or forgotten at each version, so that a
// labeled segment kept in a cache is reused after the memory changed unless its text holds one
// of the changed forms (`touches`): a correction relabels the segments with that word, no others.

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

/** The least cosine similarity of a word's features to a remembered example's for a match (docs/ADAPT.md says how it was chosen). */
export const DEFAULT_MEMORY_THRESHOLD = 0.8;

/** A word's form as the memory indexes it: its text, lower-cased. */
export const wordForm = (text: string): string => text.toLowerCase();

export class CorrectionMemory {
  private vectors: Float32Array;
  private readonly labels: string[] = [];
  private readonly sources: ExampleSource[] = [];
  private readonly forms: string[] = [];
  private byForm = new Map<string, number[]>();
  /** Bumped by every change; `log` holds the forms each change touched. */
  private versionNumber = 0;
  private readonly log: Array<{ readonly version: number; readonly form: string }> = [];

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

  /** Changes so far (added or forgotten examples). */
  get version(): number {
    return this.versionNumber;
  }

  /** Whether some remembered example has this form. */
  hasForm(form: string): boolean {
    return this.byForm.has(form);
  }

  /**
   * Whether a change made after `since` added or removed an example whose form occurs in
   * `text` (as a lower-cased substring: a superset of the words, never fewer).
   */
  touches(text: string, since: number): boolean {
    if (since >= this.versionNumber) return false;
    let lower: string | undefined;
    for (let i = this.log.length - 1; i >= 0 && this.log[i].version > since; i--) {
      lower ??= text.toLowerCase();
      if (lower.includes(this.log[i].form)) return true;
    }
    return false;
  }

  /** The remembered examples' labels and sources, in the order they were added. */
  examples(): Array<{ readonly label: string; readonly source: ExampleSource }> {
    return this.labels.map((label, i) => ({ label, source: this.sources[i] }));
  }

  /** The remembered examples with their unit-length vectors (row i of `vectors` is example i). */
  snapshot(): { readonly vectors: Float32Array; readonly labels: readonly string[]; readonly sources: readonly ExampleSource[] } {
    return { vectors: this.vectors.slice(0, this.labels.length * this.dim), labels: [...this.labels], sources: [...this.sources] };
  }

  /** Every example of `other` (same dimension) added to this memory, in its order. */
  addAll(other: CorrectionMemory): void {
    if (other.dim !== this.dim) throw new RangeError(`a memory of ${other.dim} features cannot join one of ${this.dim}`);
    const { vectors, labels, sources } = other.snapshot();
    labels.forEach((label, i) => this.add(vectors, i * this.dim, label, sources[i]));
  }

  /** Remembers a word's features (`features` from `offset`, `dim` values) with its label. */
  add(features: Float32Array, offset: number, label: string, source: ExampleSource): void {
    const form = wordForm(source.word);
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
    this.forms.push(form);
    const rows = this.byForm.get(form);
    if (rows) rows.push(n);
    else this.byForm.set(form, [n]);
    this.changed(form);
  }

  private changed(form: string): void {
    this.versionNumber++;
    this.log.push({ version: this.versionNumber, form });
  }

  /** Forgets every example from `file` (its sidecar changed or was cleared). */
  forgetFile(file: string): void {
    let w = 0;
    const forgotten = new Set<string>();
    for (let r = 0; r < this.labels.length; r++) {
      if (this.sources[r].file === file) {
        forgotten.add(this.forms[r]);
        continue;
      }
      if (w !== r) {
        this.vectors.copyWithin(w * this.dim, r * this.dim, (r + 1) * this.dim);
        this.labels[w] = this.labels[r];
        this.sources[w] = this.sources[r];
        this.forms[w] = this.forms[r];
      }
      w++;
    }
    if (!forgotten.size) return;
    this.labels.length = w;
    this.sources.length = w;
    this.forms.length = w;
    this.byForm = new Map();
    this.forms.forEach((f, r) => {
      const rows = this.byForm.get(f);
      if (rows) rows.push(r);
      else this.byForm.set(f, [r]);
    });
    for (const f of forgotten) this.changed(f);
  }

  /**
   * The most similar remembered example (of the word form `form`, when given), if its cosine
   * similarity reaches the threshold. Of equally similar ones (the same word in the same
   * context, labeled twice) the one added last: the user's latest word.
   */
  nearest(features: Float32Array, offset: number, form?: string): MemoryMatch | undefined {
    const d = this.dim;
    const rows = form === undefined ? undefined : this.byForm.get(form);
    if (form !== undefined && !rows) return undefined;
    let norm = 0;
    for (let j = 0; j < d; j++) norm += features[offset + j] ** 2;
    norm = Math.sqrt(norm);
    if (!(norm > 0) || this.labels.length === 0) return undefined;
    let best = -1;
    let bestSim = -Infinity;
    const count = rows ? rows.length : this.labels.length;
    for (let k = 0; k < count; k++) {
      const r = rows ? rows[k] : k;
      let s = 0;
      const row = r * d;
      for (let j = 0; j < d; j++) s += this.vectors[row + j] * features[offset + j];
      if (s >= bestSim) {
        bestSim = s;
        best = r;
      }
    }
    const similarity = bestSim / norm;
    if (similarity < this.threshold) return undefined;
    return { label: this.labels[best], similarity, source: this.sources[best] };
  }
}
