// The labeling pipeline: text -> words and pieces -> windows -> batched inference in the
// worker -> per-word labels (aggregated pieces) and per-window sequence scores.
import { clsWeights, rollout, windowAttention } from './attention';
import { aggregatePieces, argmax, softmax, topK, type AggregationStrategy, type LabelScore } from './aggregate';
import { checkSignature, loadBundle, type Bundle, type OutputRoles, type Result } from './bundle';
import { CancelledError, Engine, type EngineOptions } from './engine';
import type { OutputTensor } from './engine_protocol';
import { TextTokenizer, type TokenizedWord } from './tokenize';
import { appendSegment, iterateSegments, type Segment, type SegmentCache } from './segments';
import { planWindows, wordPieceCount, type Window } from './windows';

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

export interface WindowResult {
  readonly start: number;
  readonly end: number;
  readonly pieces: number;
  /** Sequence-label probabilities, sorted best first; empty without a sequence head. */
  readonly sequence: readonly LabelScore[];
}

export interface LabeledText {
  readonly words: readonly WordLabel[];
  readonly windows: readonly WindowResult[];
  /** Windows' sequence probabilities averaged, weighted by their number of pieces. */
  readonly sequence: readonly LabelScore[];
  readonly timing: { readonly totalMs: number; readonly inferenceMs: number };
  /** Segments of the text, and how many had to be run (the rest came from the cache). */
  readonly segments: { readonly total: number; readonly run: number };
}

export interface AttentionToken {
  readonly text: string;
  /** Offsets into the text; -1 for [CLS] and [SEP]. */
  readonly start: number;
  readonly end: number;
  readonly special: boolean;
  /** Index of the word the piece belongs to. */
  readonly word?: number;
}

/** Attention to and from [CLS] over one window's tokens ([CLS] and [SEP] included). */
export interface CLSAttention {
  readonly tokens: readonly AttentionToken[];
  readonly layers: number;
  readonly heads: number;
  /** [layer][head][token]: how much [CLS] attends to each token (row 0). */
  readonly fromCls: number[][][];
  /** [layer][head][token]: how much each token attends to [CLS] (column 0). */
  readonly toCls: number[][][];
  /** The same for attention rollout through all layers. */
  readonly rolloutFromCls: number[];
  readonly rolloutToCls: number[];
}

export interface LabelOptions {
  readonly strategy?: AggregationStrategy;
  /** Pieces shared by consecutive windows. */
  readonly stride?: number;
  /** Windows per inference batch (default 8; 1 for dynamically quantized models). */
  readonly batchSize?: number;
  readonly topK?: number;
  readonly signal?: AbortSignal;
  /** Labels of segments seen before, by text; filled with the new ones. */
  readonly cache?: SegmentCache;
}

export type LabelerOptions = EngineOptions;

export class Labeler {
  private constructor(
    readonly bundle: Bundle,
    readonly tokenizer: TextTokenizer,
    readonly engine: Engine,
    readonly roles: OutputRoles,
  ) {}

  /** Loads and validates a bundle and starts its engine; problems are returned, not thrown. */
  static async open(dir: string, options: LabelerOptions = {}): Promise<Result<Labeler>> {
    const bundle = await loadBundle(dir);
    if (!bundle.ok) return bundle;
    let tokenizer: TextTokenizer;
    try {
      tokenizer = new TextTokenizer(bundle.value.tokenizerJson, { wordPattern: bundle.value.config.wordPattern });
    } catch (e) {
      return { ok: false, problems: [`tokenizer.json could not be used: ${(e as Error).message}`] };
    }
    const engine = await Engine.start(bundle.value.modelPath, options);
    if (!engine.ok) return engine;
    const roles = checkSignature(engine.value.signature, bundle.value.config);
    if (!roles.ok) {
      await engine.value.dispose();
      return roles;
    }
    return { ok: true, value: new Labeler(bundle.value, tokenizer, engine.value, roles.value) };
  }

  get labels(): readonly string[] {
    return this.bundle.config.labels;
  }

  /**
   * Labels a document: cut into segments at paragraph and sentence ends (segments.ts), each
   * segment labeled on its own (windows inside it if it is longer than the model's length),
   * segments found in `options.cache` reused. Offsets are into `text`.
   */
  async label(text: string, options: LabelOptions = {}): Promise<LabeledText> {
    const t0 = performance.now();
    const inf0 = this.engine.runMs;
    const budget = this.bundle.config.maxLength - 2;
    const pause = new Pause();
    const segments: Segment[] = [];
    const results: (LabeledText | undefined)[] = [];
    for (const seg of iterateSegments(text, { budget, countPieces: (s) => this.tokenizer.countPieces(s, budget) })) {
      segments.push(seg);
      results.push(options.cache?.get(seg.text));
      await pause.maybe(options.signal);
    }
    const missing = segments.map((_, i) => i).filter((i) => !results[i]);
    const fresh = await this.labelTexts(missing.map((i) => segments[i].text), options);
    missing.forEach((i, k) => {
      results[i] = fresh[k];
      options.cache?.set(segments[i].text, fresh[k]);
    });
    const words: WordLabel[] = [];
    const windows: WindowResult[] = [];
    for (let i = 0; i < segments.length; i++) {
      appendSegment(segments[i], results[i]!, words, windows);
      await pause.maybe(options.signal);
    }
    return {
      words,
      windows,
      sequence: averageSequence(windows, this.bundle.config.sequenceLabels),
      timing: { totalMs: performance.now() - t0, inferenceMs: this.engine.runMs - inf0 },
      segments: { total: segments.length, run: missing.length },
    };
  }

  /**
   * Labels several texts independently (offsets relative to each text), batching the windows
   * of all of them together.
   */
  async labelTexts(texts: readonly string[], options: LabelOptions = {}): Promise<LabeledText[]> {
    const t0 = performance.now();
    const inf0 = this.engine.runMs;
    const cfg = this.bundle.config;
    const budget = cfg.maxLength - 2;
    const stride = options.stride ?? Math.floor(cfg.maxLength / 4);
    // A dynamically quantized model gives each window the same outputs only when run alone.
    const batchSize = Math.max(1, options.batchSize ?? (cfg.dynamicQuantization ? 1 : 8));
    const k = options.topK ?? 3;
    const strategy = options.strategy ?? 'first';
    const outputs = [this.roles.tokenLogits, this.roles.sequenceLogits].filter((o): o is string => !!o);

    const pause = new Pause();
    const docs: Array<{
      text: string; words: TokenizedWord[]; plan: ReturnType<typeof planWindows>;
      wordResults: WordLabel[]; windowResults: WindowResult[];
    }> = [];
    for (const text of texts) {
      const words = this.tokenizer.tokenize(text);
      const plan = planWindows(words, cfg.maxLength, stride);
      docs.push({
        text, words, plan,
        wordResults: new Array<WordLabel>(words.length),
        windowResults: new Array<WindowResult>(plan.windows.length),
      });
      await pause.maybe(options.signal);
    }
    // All windows of all texts; those of similar length share a batch (little padding).
    const all = docs.flatMap((d, di) => d.plan.windows.map((w, wi) => ({ di, wi, w })));
    all.sort((a, b) => a.w.pieces - b.w.pieces);
    for (let i = 0; i < all.length; i += batchSize) {
      const batch = all.slice(i, i + batchSize);
      const seqLen = Math.max(...batch.map((b) => b.w.pieces)) + 2;
      const input = this.encodeBatch(batch.map((b) => ({ words: docs[b.di].words, window: b.w })), seqLen, budget);
      const out = await this.engine.run(input, outputs, options.signal);
      batch.forEach(({ di, wi, w }, row) => {
        const d = docs[di];
        d.windowResults[wi] = this.windowResult(d.words, w, out, row);
        if (this.roles.tokenLogits) {
          this.wordLabels(d.words, w, wi, d.plan.owner, out[this.roles.tokenLogits], row, seqLen, budget, strategy, k, d.text, d.wordResults);
        }
      });
    }
    const totalMs = performance.now() - t0;
    const inferenceMs = this.engine.runMs - inf0;
    return docs.map((d) => ({
      words: this.roles.tokenLogits ? d.wordResults : [],
      windows: d.windowResults,
      sequence: averageSequence(d.windowResults, cfg.sequenceLabels),
      timing: { totalMs, inferenceMs },
      segments: { total: 1, run: 1 },
    }));
  }

  /**
   * [CLS] attention for the window of `text` that contains `offset` (offsets into `text`): per
   * layer and head, from [CLS] to each token and from each token to [CLS], and the rollout's.
   * Undefined when the model has no `attentions` output or the text has no words.
   */
  async attention(text: string, offset: number, signal?: AbortSignal): Promise<CLSAttention | undefined> {
    const name = this.roles.attentions;
    if (!name) return undefined;
    const cfg = this.bundle.config;
    const budget = cfg.maxLength - 2;
    const words = this.tokenizer.tokenize(text);
    if (!words.length) return undefined;
    const plan = planWindows(words, cfg.maxLength, Math.floor(cfg.maxLength / 4));
    let wi = plan.windows.findIndex((w) => w.endWord > w.firstWord && words[w.endWord - 1].end >= offset);
    if (wi < 0) wi = plan.windows.length - 1;
    const w = plan.windows[wi];
    const seqLen = w.pieces + 2;
    const out = await this.engine.run(this.encodeBatch([{ words, window: w }], seqLen, budget), [name], signal);
    const att = windowAttention(out[name].dims, out[name].data, 0, seqLen);
    const tokens: AttentionToken[] = [{ text: '[CLS]', start: -1, end: -1, special: true }];
    for (let i = w.firstWord; i < w.endWord; i++) {
      const count = wordPieceCount(words[i], budget);
      for (let p = 0; p < count; p++) {
        const piece = words[i].pieces[p];
        tokens.push({ text: piece?.text ?? '[UNK]', start: piece?.start ?? words[i].start, end: piece?.end ?? words[i].end, special: false, word: i });
      }
    }
    tokens.push({ text: '[SEP]', start: -1, end: -1, special: true });
    const fromCls: number[][][] = [];
    const toCls: number[][][] = [];
    for (let l = 0; l < att.layers; l++) {
      fromCls.push([]);
      toCls.push([]);
      for (let h = 0; h < att.heads; h++) {
        const base = (l * att.heads + h) * seqLen * seqLen;
        const m = att.data.subarray(base, base + seqLen * seqLen);
        fromCls[l].push(Array.from(clsWeights(m, seqLen, 'fromCls')));
        toCls[l].push(Array.from(clsWeights(m, seqLen, 'toCls')));
      }
    }
    const r = rollout(att);
    return {
      tokens, layers: att.layers, heads: att.heads, fromCls, toCls,
      rolloutFromCls: Array.from(clsWeights(r, seqLen, 'fromCls')),
      rolloutToCls: Array.from(clsWeights(r, seqLen, 'toCls')),
    };
  }

  private encodeBatch(rows: ReadonlyArray<{ words: readonly TokenizedWord[]; window: Window }>, seqLen: number, budget: number) {
    const n = rows.length * seqLen;
    const ids = new BigInt64Array(n).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(n);
    rows.forEach(({ words, window: w }, row) => {
      let pos = row * seqLen;
      ids[pos] = BigInt(this.tokenizer.clsId);
      mask[pos++] = 1n;
      for (let i = w.firstWord; i < w.endWord; i++) {
        const pieces = words[i].pieces;
        const count = wordPieceCount(words[i], budget);
        for (let p = 0; p < count; p++) {
          ids[pos] = BigInt(pieces.length ? pieces[p].id : this.tokenizer.unkId);
          mask[pos++] = 1n;
        }
      }
      ids[pos] = BigInt(this.tokenizer.sepId);
      mask[pos] = 1n;
    });
    const inputs: Record<string, BigInt64Array> = { input_ids: ids, attention_mask: mask };
    if (this.roles.hasTokenTypeIds) inputs['token_type_ids'] = new BigInt64Array(n);
    return { batch: rows.length, sequence: seqLen, inputs };
  }

  private windowResult(words: readonly TokenizedWord[], w: Window, out: Record<string, OutputTensor>, row: number): WindowResult {
    const start = w.endWord > w.firstWord ? words[w.firstWord].start : 0;
    const end = w.endWord > w.firstWord ? words[w.endWord - 1].end : 0;
    let sequence: LabelScore[] = [];
    const name = this.roles.sequenceLogits;
    if (name) {
      const n = out[name].dims[1];
      const probs = softmax(out[name].data, row * n, n);
      sequence = topK(probs, this.bundle.config.sequenceLabels, n);
    }
    return { start, end, pieces: w.pieces, sequence };
  }

  private wordLabels(
    words: readonly TokenizedWord[], w: Window, wi: number, owner: Int32Array, logits: OutputTensor, row: number,
    seqLen: number, budget: number, strategy: AggregationStrategy, k: number, text: string, out: WordLabel[],
  ): void {
    const labels = this.bundle.config.labels;
    const n = logits.dims[2];
    let pos = 1; // after [CLS]
    for (let i = w.firstWord; i < w.endWord; i++) {
      const word = words[i];
      const count = wordPieceCount(word, budget);
      if (owner[i] === wi) {
        const probs: Float32Array[] = [];
        const pieces: PieceLabel[] = [];
        for (let p = 0; p < count; p++) {
          const pr = softmax(logits.data, (row * seqLen + pos + p) * n, n);
          probs.push(pr);
          const best = argmax(pr);
          const piece = word.pieces[p];
          pieces.push({
            text: piece?.text ?? '[UNK]', start: piece?.start ?? word.start, end: piece?.end ?? word.end,
            label: labels[best] ?? String(best), score: pr[best],
          });
        }
        const agg = aggregatePieces(probs, strategy);
        const alternatives = topK(agg, labels, k);
        out[i] = {
          start: word.start, end: word.end, text: text.slice(word.start, word.end),
          label: alternatives[0].label, score: alternatives[0].score, alternatives, pieces, window: wi,
        };
      }
      pos += count;
    }
  }

  async dispose(): Promise<void> {
    await this.engine.dispose();
  }
}

/**
 * Lets the event loop run every few milliseconds during long synchronous work (tokenizing and
 * assembling a large document), so that labeling never blocks the extension host for long.
 */
export class Pause {
  private last = performance.now();
  constructor(private readonly everyMs = 8) {}

  async maybe(signal?: AbortSignal): Promise<void> {
    if (performance.now() - this.last < this.everyMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = performance.now();
    if (signal?.aborted) throw new CancelledError();
  }
}

/** Length-weighted mean of the windows' sequence probabilities, sorted best first. */
export function averageSequence(windows: readonly WindowResult[], labels: readonly string[]): LabelScore[] {
  if (!labels.length || !windows.length || !windows[0]?.sequence.length) return [];
  const sums = new Map<string, number>();
  let total = 0;
  for (const w of windows) {
    for (const s of w.sequence) sums.set(s.label, (sums.get(s.label) ?? 0) + s.score * w.pieces);
    total += w.pieces;
  }
  return labels.map((label) => ({ label, score: total ? (sums.get(label) ?? 0) / total : 0 })).sort((a, b) => b.score - a.score);
}
