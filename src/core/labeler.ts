// The labeling pipeline, in the steps of a token-classification pipeline: preprocess (text ->
// segments -> words and pieces -> windows), forward (batched inference in the worker) and
// postprocess (per-word labels from aggregated pieces, per-window sequence scores, the
// segments placed in the document).
//
// The main thread must never be blocked long (the extension host runs it): every loop over a
// document's words or segments yields to the event loop every few milliseconds (`Pause`), and
// results are kept in typed arrays (word_table.ts), so that labeling a long document leaves few
// objects for the garbage collector, whose pauses would otherwise be the longest stalls.
//
// Learning from corrections (core/adapt/) enters in two places, and only when it is in use: the
// model's `token_features` are fetched only while an adapted head or a non-empty memory is set
// (or for the words `wordFeatures` is asked about), and postprocess computes the token logits
// from them with the adapted head and blends remembered corrections in (adapt/apply.ts) before
// the one softmax/aggregation path. The segment cache keys include the head's generation; after
// the memory changes a cached segment is reused unless its text holds a word form that changed.
import * as path from 'node:path';
import { rollout, tokenAttention, windowAttention, type WindowAttention } from './attention';
import { softmax, topK, type AggregationStrategy, type LabelScore } from './aggregate';
import { checkSignature, loadBundle, type Bundle, type OutputRoles, type Result } from './bundle';
import { Engine, type EngineOptions, type InputBatch } from './engine';
import type { OutputTensor } from './engine_protocol';
import { applyMemory, headTensor, type MemoryBlend } from './adapt/apply';
import type { TokenHead } from './adapt/head';
import { ADAPTED_HEAD_FILE, fileSha256, readAdaptedHead, readBaseHead, type AdaptedHeadInfo } from './adapt/head_file';
import { CorrectionMemory, DEFAULT_MEMORY_THRESHOLD } from './adapt/memory';
import { ADAPTED_MEMORY_FILE, readMemoryFile } from './adapt/memory_file';
import { emptyTable, fillRows } from './label_rows';
import { CompactTokensBuilder, TextTokenizer, type CompactTokens } from './tokenize';
import { maskOutside } from './prose_mask';
import type { OffsetRange } from './ranges';
import { Pause } from './turns';
import {
  fillViews,
  placeSegment,
  segmentSteps,
  type PlacedSegment,
  type Segment,
  type SegmentCache,
  type SegmentLabels,
  type WindowResult,
} from './segments';
import { rangesDone, takeNearest } from './segment_order';
import { planWindowSteps, type Window, type WindowPlan } from './windows';
import type { WordLabel, WordTable } from './word_table';

export type { LabelReason, PieceLabel, WordLabel } from './word_table';
export type { WindowResult } from './segments';

export interface LabeledText {
  /** Words in text order (with the `simple` strategy: pieces), offsets into the labeled text. */
  readonly words: readonly WordLabel[];
  readonly windows: readonly WindowResult[];
  /** Windows' sequence probabilities averaged, weighted by their number of pieces. */
  readonly sequence: readonly LabelScore[];
  readonly timing: { readonly totalMs: number; readonly inferenceMs: number };
  /** Segments of the text, and how many had to be run (the rest came from the cache). */
  readonly segments: { readonly total: number; readonly run: number };
  /** The ranges of the text that were labeled (`LabelOptions.ranges`); absent: all of it. */
  readonly ranges?: readonly OffsetRange[];
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
  /**
   * Label only these sorted, disjoint ranges of the text (its prose, core/prose_*.ts): the rest is
   * read as spaces (line breaks kept), so offsets stay the text's own.
   */
  readonly ranges?: readonly OffsetRange[];
  /**
   * Ranges of the text to label first (the visible lines, the cursors), asked for again before
   * each chunk; segments go to the model nearest them first (segment_order.ts). The labels are
   * the same as in document order.
   */
  readonly priority?: () => readonly OffsetRange[];
  /** Told after the text is segmented and after each chunk of segments has labels. */
  readonly onProgress?: (progress: LabelProgress) => void;
}

/** How far a `label` run is (given with `priority` or `onProgress`). */
export interface LabelProgress {
  /** Segments the model has labeled so far, of those it runs in this run (the rest came from the cache). */
  readonly done: number;
  readonly total: number;
  /** Whether every segment overlapping the priority ranges (as they are at that moment) has labels. */
  readonly priorityDone: boolean;
  /**
   * The labels of every segment that has them so far (cached or done), in document order:
   * a LabeledText of part of the text, to be shown while the run goes on. Stops with a
   * CancelledError when the caller's signal fires.
   */
  partial(): Promise<LabeledText>;
}

export type LabelerOptions = EngineOptions;

/** The model output with the vectors the token head reads (docs/BUNDLE.md). */
export const FEATURES_OUTPUT = 'token_features';

export class Labeler {
  /** The head in use instead of the model's own (an adapted head), and its generation. */
  private head: TokenHead | undefined;
  private headGeneration = 0;
  private memory: MemoryBlend | undefined;
  private memoryGeneration = 0;
  /** The memory version each cached segment's labels were made (or last checked) with. */
  private readonly memoryVersions = new WeakMap<SegmentLabels, number>();
  /** The examples an adapted bundle ships (adapted_memory.json), in use as the memory unless replaced. */
  bundleMemory: CorrectionMemory | undefined = undefined;
  /** What the adapted head in use was learned from (undefined with the base head). */
  adaptedInfo: AdaptedHeadInfo | undefined;
  /** Problems that did not stop the model but turned something off (a refused head file), in words. */
  readonly warnings: string[] = [];
  private sha: Promise<string> | undefined;

  private constructor(
    readonly bundle: Bundle,
    readonly tokenizer: TextTokenizer,
    readonly engine: Engine,
    readonly roles: OutputRoles,
    /** The bundle's own token head (token_head.json), when it has one and `token_features`. */
    readonly baseHead: TokenHead | undefined,
    /** Why learning from corrections is off for this model, in words; undefined when it is on. */
    readonly learningOff: string | undefined,
  ) {}

  /** Loads and validates a bundle and starts its engine; problems are returned, not thrown. */
  static async open(dir: string, options: LabelerOptions = {}): Promise<Result<Labeler>> {
    // The engine's workers load model.onnx while this thread checks the bundle (the word
    // pattern's proof runs in a worker of its own): the first labels wait for the slower of the
    // two, not for both. A refused bundle's engine is stopped before the bundle's problems are
    // reported (a process that exits while a session is still loading aborts natively).
    const starting = Engine.start(path.join(dir, 'model.onnx'), options);
    const stop = async (): Promise<void> => {
      const e = await starting;
      if (e.ok) await e.value.dispose();
    };
    const bundle = await loadBundle(dir);
    if (!bundle.ok) {
      await stop();
      return bundle;
    }
    let tokenizer: TextTokenizer;
    try {
      tokenizer = await TextTokenizer.load(bundle.value.tokenizerJson, bundle.value.vocab, {
        wordPattern: bundle.value.config.wordPattern,
      });
    } catch (e) {
      await stop();
      return { ok: false, problems: [`tokenizer.json could not be used: ${(e as Error).message}`] };
    }
    const engine = await starting;
    if (!engine.ok) return engine;
    const roles = checkSignature(engine.value.signature, bundle.value.config);
    if (!roles.ok) {
      await engine.value.dispose();
      return roles;
    }
    const head = await baseHeadOf(bundle.value, engine.value, roles.value);
    const labeler = new Labeler(bundle.value, tokenizer, engine.value, roles.value, head.head, head.off);
    if (head.problem) labeler.warnings.push(head.problem);
    if (head.head) {
      const target = () => labeler.headTarget();
      const adapted = await readAdaptedHead(path.join(dir, ADAPTED_HEAD_FILE), target);
      if (adapted && !adapted.ok) labeler.warnings.push(...adapted.problems.map((p) => `${p}; the model's own head is used`));
      else if (adapted) labeler.setHead(adapted.value.head, adapted.value.info);
      const memory = await readMemoryFile(path.join(dir, ADAPTED_MEMORY_FILE), target, DEFAULT_MEMORY_THRESHOLD);
      if (memory && !memory.ok) labeler.warnings.push(...memory.problems.map((p) => `${p}; labels come without it`));
      else if (memory) {
        labeler.bundleMemory = memory.value;
        labeler.setMemory(memory.value);
      }
    }
    return { ok: true, value: labeler };
  }

  /** SHA-256 of the bundle's model.onnx: the identity an adapted head is stamped with. */
  modelSha256(): Promise<string> {
    this.sha ??= fileSha256(this.bundle.modelPath);
    return this.sha;
  }

  /** What an adapted head for this model must fit (head_file.ts). */
  async headTarget(): Promise<{ modelSha256: string; modelName: string; labels: readonly string[]; dim: number }> {
    return { modelSha256: await this.modelSha256(), modelName: this.bundle.config.name, labels: this.labels, dim: this.baseHead?.dim ?? 0 };
  }

  /** The adapted head in use, if any. */
  get adaptedHead(): TokenHead | undefined {
    return this.head;
  }

  /**
   * Uses `head` for the token labels (undefined: the model's own). Its labels must be the
   * model's, in order, and read the model's features; cached segments are labeled again.
   */
  setHead(head: TokenHead | undefined, info?: AdaptedHeadInfo): void {
    if (head && (!this.baseHead || head.dim !== this.baseHead.dim || head.labels.join('\n') !== this.labels.join('\n'))) {
      throw new Error('the head does not fit this model (its labels or its feature dimension differ)');
    }
    this.head = head;
    this.adaptedInfo = head ? info : undefined;
    this.headGeneration++;
  }

  /**
   * Uses a memory of corrected words while labeling (undefined: none). `weight` is the
   * remembered label's share in the blend with the model (adapt/apply.ts).
   */
  setMemory(memory: CorrectionMemory | undefined, weight = DEFAULT_MEMORY_WEIGHT): void {
    if (memory && this.learningOff) throw new Error(this.learningOff);
    this.memory = memory && { memory, weight, labelIndex: new Map(this.labels.map((l, i) => [l, i])) };
    this.memoryGeneration++;
  }

  /**
   * A memory of corrected words for this model's features with the given match threshold,
   * holding the examples the bundle ships (adapted_memory.json), if any: where the editor's and
   * `adapt`'s memories start.
   */
  newMemory(threshold: number): CorrectionMemory {
    if (!this.baseHead) throw new Error(this.learningOff ?? 'learning from corrections is off for this model');
    const memory = new CorrectionMemory(this.baseHead.dim, threshold);
    if (this.bundleMemory) memory.addAll(this.bundleMemory);
    return memory;
  }

  /** Whether this run must fetch the features (an adapted head, or a memory with examples). */
  private get wantsFeatures(): boolean {
    return !this.learningOff && (!!this.head || (this.memory?.memory.size ?? 0) > 0);
  }

  get labels(): readonly string[] {
    return this.bundle.config.labels;
  }

  /**
   * Labels a document: cut into segments at paragraph and sentence ends (segments.ts), each
   * segment labeled on its own (windows inside it if it is longer than the model's length),
   * segments found in `options.cache` reused. Offsets are into `text`.
   *
   * The steps are the token-classification pipeline's (preprocess, forward, postprocess), run
   * a chunk of segments at a time and overlapped: one chunk's outputs are read while the next
   * chunk is already queued in the worker, so the worker never waits for the main thread's
   * tokenizing, and at most two chunks' tokens and outputs are held at once.
   */
  async label(text: string, options: LabelOptions = {}): Promise<LabeledText> {
    const run = new DocumentRun(options, this.settingsKey(options), this.engine.runMs);
    if (options.ranges) text = maskOutside(text, options.ranges);
    try {
      if (options.priority || options.onProgress) await this.labelInOrder(run, text);
      else await this.labelAsSegmented(run, text);
    } finally {
      run.end();
    }
    return this.postprocessDocument(run, run.placed, run.windowCount);
  }

  /** `label` in document order, each segment sent on as soon as it is cut (no progress figures). */
  private async labelAsSegmented(run: DocumentRun, text: string): Promise<void> {
    for (const seg of this.segments(text, run.options.cache)) {
      if (seg && this.preprocessSegment(run, seg)) await this.postprocessPlace(run);
      if (run.pending.length === SEGMENTS_PER_CHUNK) {
        await this.forwardChunk(run);
        if (run.queued.length > 1) await this.postprocessOldest(run);
      }
      await run.pause.maybe(run.signal);
    }
    if (run.pending.length) await this.forwardChunk(run);
    while (run.queued.length) await this.postprocessOldest(run);
    await this.postprocessPlace(run);
  }

  /**
   * `label` with the segments ordered: the whole text is cut first (so that the number of
   * segments to run is known, and any of them can go first), then each chunk takes the waiting
   * segments nearest the priority ranges. Chunks overlap in the worker as in document order.
   */
  private async labelInOrder(run: DocumentRun, text: string): Promise<void> {
    for (const seg of this.segments(text, run.options.cache)) {
      if (seg && this.preprocessSegment(run, seg)) await this.postprocessPlace(run);
      await run.pause.maybe(run.signal);
    }
    const waiting = run.pending;
    run.pending = [];
    run.total = waiting.length;
    this.report(run);
    while (waiting.length || run.queued.length) {
      if (waiting.length) {
        run.pending = takeNearest(waiting, run.segments, run.options.priority?.() ?? [], SEGMENTS_PER_CHUNK);
        await this.forwardChunk(run);
      }
      if (run.queued.length > 1 || !waiting.length) {
        run.done += run.queued[0].indices.length;
        await this.postprocessOldest(run);
        this.report(run);
      }
    }
    await this.postprocessPlace(run);
  }

  private report(run: DocumentRun): void {
    const onProgress = run.options.onProgress;
    if (!onProgress) return;
    const priority = run.options.priority?.() ?? [];
    onProgress({
      done: run.done,
      total: run.total,
      priorityDone: rangesDone(run.segments, priority, (i) => !!run.results[i]),
      partial: () => this.partialResult(run),
    });
  }

  /** The labels of the segments that have them so far, in document order (LabelProgress.partial). */
  private async partialResult(run: DocumentRun): Promise<LabeledText> {
    const signal = run.options.signal;
    const pause = new Pause();
    const placed: PlacedSegment[] = [];
    let windowCount = 0;
    const n = run.segments.length;
    for (let i = 0; i < n; i++) {
      const r = run.results[i];
      if (!r) continue;
      // the placed prefix is where the whole run puts it; past it, windows are numbered among these
      const p = i < run.placed.length ? run.placed[i] : await placeInSlices(run.segments[i], r, windowCount, false, pause, signal);
      placed.push(p);
      windowCount += p.windows.length;
      if ((i & 63) === 63) await pause.maybe(signal);
    }
    const partial = await this.postprocessDocument(run, placed, windowCount, pause);
    return { ...partial, segments: { total: n, run: run.done } };
  }

  /** Preprocess: the text's segments (undefined between them: a place to yield). */
  private segments(text: string, cache?: SegmentCache): Iterable<Segment | undefined> {
    const budget = this.bundle.config.maxLength - 2;
    // Counting stops past the budget: a sentence of a million characters is not tokenized here.
    const count = (s: string): number => this.tokenizer.countPieces(s, budget, budget);
    const countPieces = cache ? cache.pieceCounter(this.tokenizer, count) : count;
    return segmentSteps(text, { budget, countPieces });
  }

  /** Preprocess: a segment's cached labels, if any; else it waits for the next chunk. Returns whether it was cached. */
  private preprocessSegment(run: DocumentRun, seg: Segment): boolean {
    const i = run.segments.push(seg) - 1;
    let cached = run.options.cache?.get(seg.text, run.settings);
    const memory = this.memory?.memory;
    if (cached && memory) {
      // reused unless a change to the memory since its labels were made concerns its words
      if (memory.touches(seg.text, this.memoryVersions.get(cached) ?? 0)) cached = undefined;
      else this.memoryVersions.set(cached, memory.version);
    }
    run.results.push(cached);
    if (!cached) run.pending.push(i);
    return !!cached;
  }

  /** Preprocess and forward: the pending segments tokenized and their batches queued in the engine. */
  private async forwardChunk(run: DocumentRun): Promise<void> {
    const indices = run.pending;
    run.pending = [];
    run.ran += indices.length;
    const texts = indices.map((i) => run.segments[i].text);
    const docs = await this.preprocess(texts, run.ownOptions, run.pause);
    const memoryVersion = this.memory?.memory.version ?? 0;
    run.queued.push({
      indices,
      work: {
        docs,
        batches: await this.forward(docs, run.ownOptions, run.pause),
        settings: run.settings,
        strategy: run.strategy,
        memoryVersion,
      },
    });
  }

  /** Postprocess: the oldest queued chunk's outputs read into labels, cached, and placed. */
  private async postprocessOldest(run: DocumentRun): Promise<void> {
    const { indices, work } = run.queued.shift()!;
    const fresh = await this.postprocessBatches(work, run.pause, run.signal);
    indices.forEach((i, k) => {
      run.results[i] = fresh[k];
      run.options.cache?.set(run.segments[i].text, fresh[k]);
    });
    await this.postprocessPlace(run);
  }

  /**
   * Postprocess: every segment that has labels, and all segments before it have too, placed in
   * the document (views of its rows made) as soon as it can be, not all at the end: the views a
   * run keeps are then made across the run, and no single garbage collection copies all of them.
   */
  private async postprocessPlace(run: DocumentRun): Promise<void> {
    while (run.placed.length < run.segments.length && run.results[run.placed.length]) {
      const i = run.placed.length;
      const p = await placeInSlices(run.segments[i], run.results[i]!, run.windowCount, !!run.options.cache, run.pause, run.signal);
      run.placed.push(p);
      run.windowCount += p.windows.length;
      await run.pause.maybe(run.signal);
    }
  }

  /**
   * Postprocess: the document's words and windows, each in one array allocated at its final
   * length (an array grown by pushes leaves copies of itself, garbage the size of the document),
   * and the document's sequence scores.
   */
  private async postprocessDocument(
    run: DocumentRun,
    placed: readonly PlacedSegment[],
    windowCount: number,
    pause = run.pause,
  ): Promise<LabeledText> {
    const signal = run.options.signal;
    let total = 0;
    for (const p of placed) total += p.words.length;
    const words = new Array<WordLabel>(total);
    const windows = new Array<WindowResult>(windowCount);
    for (let i = 0, at = 0, w = 0; i < placed.length; i++) {
      const p = placed[i];
      for (let k = 0; k < p.words.length; k++) {
        words[at + k] = p.words[k];
        if ((k & 16383) === 16383) await pause.maybe(signal); // a segment can be a 1 MB line
      }
      for (let k = 0; k < p.windows.length; k++) windows[w + k] = p.windows[k];
      at += p.words.length;
      w += p.windows.length;
      if ((i & 63) === 63) await pause.maybe(signal);
    }
    await pause.maybe(signal);
    return {
      words,
      windows,
      sequence: averageSequence(windows, this.bundle.config.sequenceLabels),
      timing: { totalMs: performance.now() - run.t0, inferenceMs: this.engine.runMs - run.inference0 },
      segments: { total: run.segments.length, run: run.ran },
      ...(run.options.ranges ? { ranges: run.options.ranges } : {}),
    };
  }

  /**
   * Labels several texts independently (offsets relative to each text), batching the windows
   * of all of them together: preprocess, forward and postprocess once for all of them.
   */
  async labelTexts(texts: readonly string[], options: LabelOptions = {}): Promise<LabeledText[]> {
    const t0 = performance.now();
    const inf0 = this.engine.runMs;
    const pause = new Pause();
    const run = runSignal(options.signal);
    let labeled: SegmentLabels[];
    try {
      const own: LabelOptions = { ...options, signal: run.signal };
      const docs = await this.preprocess(texts, own, pause);
      const memoryVersion = this.memory?.memory.version ?? 0;
      const batches = await this.forward(docs, own, pause);
      labeled = await this.postprocessBatches(
        { docs, batches, settings: this.settingsKey(options), strategy: options.strategy ?? 'first', memoryVersion },
        pause,
        run.signal,
      );
    } finally {
      run.end();
    }
    const totalMs = performance.now() - t0;
    const inferenceMs = this.engine.runMs - inf0;
    const out: LabeledText[] = [];
    for (const [i, r] of labeled.entries()) {
      const { words } = await placeInSlices({ start: 0, end: texts[i].length, text: texts[i] }, r, 0, false, pause, options.signal);
      out.push({
        words: this.roles.tokenLogits ? words : [],
        windows: r.windows,
        sequence: averageSequence(r.windows, this.bundle.config.sequenceLabels),
        timing: { totalMs, inferenceMs },
        segments: { total: 1, run: 1 },
      });
    }
    return out;
  }

  /** What a segment's labels depend on besides its text (the segment cache's check). */
  private settingsKey(options: LabelOptions): string {
    return JSON.stringify([
      options.strategy ?? 'first',
      this.stride(options),
      this.batchSize(options),
      options.topK ?? 3,
      this.headGeneration,
      this.memoryGeneration,
    ]);
  }

  private stride(options: LabelOptions): number {
    return options.stride ?? Math.floor(this.bundle.config.maxLength / 4);
  }

  private batchSize(options: LabelOptions): number {
    // A dynamically quantized model gives each window the same outputs only when run alone.
    return Math.max(1, options.batchSize ?? (this.bundle.config.dynamicQuantization ? 1 : 8));
  }

  /**
   * Words (pieces for `simple`) of a text with their pieces in typed arrays, yielding as it goes;
   * `b`: a builder to reuse (one per caller: the run awaits between words).
   */
  private async compactTokens(
    text: string,
    pause: Pause,
    signal: AbortSignal | undefined,
    b = this.tokensBuilder(),
  ): Promise<CompactTokens> {
    b.reset();
    const words = this.tokenizer.words(text);
    while (words.next()) {
      b.add(words.start, words.end, this.tokenizer.wordPieces(text.slice(words.start, words.end)));
      if ((b.words & 255) === 0) await pause.maybe(signal);
    }
    return b.finish();
  }

  private tokensBuilder(): CompactTokensBuilder {
    return new CompactTokensBuilder(this.tokenizer.unkId, this.bundle.config.maxLength - 2);
  }

  private async planWindows(tokens: CompactTokens, stride: number, pause: Pause, signal: AbortSignal | undefined): Promise<WindowPlan> {
    const counts = new Int32Array(tokens.words);
    for (let i = 0; i < tokens.words; i++) counts[i] = tokens.pieceFirst[i + 1] - tokens.pieceFirst[i];
    const steps = planWindowSteps(counts, this.bundle.config.maxLength, stride);
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      await pause.maybe(signal);
    }
  }

  /**
   * Preprocess: texts tokenized (words and pieces in typed arrays) and their windows planned,
   * each with an empty table for its labels. A pause between the steps: each is one pass over a
   * segment, which can be a whole 1 MB line.
   */
  private async preprocess(texts: readonly string[], options: LabelOptions, pause: Pause): Promise<SegmentWork[]> {
    const cfg = this.bundle.config;
    const stride = this.stride(options);
    const strategy = options.strategy ?? 'first';
    const k = Math.max(0, Math.min(options.topK ?? 3, cfg.labels.length));
    const docs: SegmentWork[] = [];
    const builder = this.tokensBuilder();
    for (const text of texts) {
      const tokens = await this.compactTokens(text, pause, options.signal, builder);
      await pause.maybe(options.signal);
      const plan = await this.planWindows(tokens, stride, pause, options.signal);
      await pause.maybe(options.signal);
      docs.push({
        tokens,
        plan,
        table: emptyTable(text, cfg.labels, tokens, strategy, k),
        windows: new Array<WindowResult>(plan.windows.length),
      });
      await pause.maybe(options.signal);
    }
    return docs;
  }

  /**
   * Forward: every window of the texts queued in the engine, those of similar length in one
   * batch (little padding), windows of all texts together. The outputs are read by
   * `postprocessBatches`.
   */
  private async forward(
    docs: readonly SegmentWork[],
    options: LabelOptions,
    pause: Pause,
    only?: readonly string[],
  ): Promise<QueuedBatch[]> {
    const batchSize = this.batchSize(options);
    const features = this.wantsFeatures ? FEATURES_OUTPUT : undefined;
    const outputs =
      only ?? [this.head ? undefined : this.roles.tokenLogits, this.roles.sequenceLogits, features].filter((o): o is string => !!o);
    const all = docs.flatMap((d, di) => d.plan.windows.map((w, wi) => ({ di, wi, w })));
    // sorted by length, batches are padded little; one window a batch has no padding to save
    if (batchSize > 1) all.sort((a, b) => a.w.pieces - b.w.pieces);
    const batches: QueuedBatch[] = [];
    for (let i = 0; i < all.length; i += batchSize) {
      const rows = all.slice(i, i + batchSize);
      const seqLen = Math.max(...rows.map((b) => b.w.pieces)) + 2;
      const output = this.engine.run(
        this.encodeBatch(
          rows.map((b) => ({ tokens: docs[b.di].tokens, window: b.w })),
          seqLen,
        ),
        outputs,
        options.signal,
      );
      output.catch(() => undefined); // awaited in postprocessBatches, unless an earlier batch failed
      batches.push({ rows, seqLen, output });
      await pause.maybe(options.signal);
    }
    return batches;
  }

  /** Postprocess: each batch's outputs, in order, read into its texts' tables (labels) and windows (sequence scores). */
  private async postprocessBatches(work: StartedSegments, pause: Pause, signal: AbortSignal | undefined): Promise<SegmentLabels[]> {
    const { docs, strategy } = work;
    const n = this.bundle.config.labels.length;
    const scratch = new Float32Array((this.bundle.config.maxLength - 2) * n);
    const word = new Float32Array(n);
    const memory = this.memory;
    for (const { rows, seqLen, output } of work.batches) {
      const out = await output;
      const features = out[FEATURES_OUTPUT] as OutputTensor | undefined;
      const model = this.roles.tokenLogits ? out[this.roles.tokenLogits] : undefined;
      // a head set or reset since these batches were queued: the logits come from what was fetched
      const head = features && (this.head ?? (model ? undefined : this.baseHead));
      const logits = head ? headTensor(head, features) : model;
      for (let row = 0; row < rows.length; row++) {
        const { di, wi, w } = rows[row];
        const d = docs[di];
        d.windows[wi] = this.windowResult(d.tokens, w, out, row);
        if (this.roles.tokenLogits && logits) {
          fillRows(d.table, d.tokens, d.plan.owner, w, wi, logits, row, seqLen, strategy, scratch, word);
          if (memory && features && memory.memory.size)
            applyMemory(d.table, d.tokens, d.plan.owner, w, wi, logits, features, row, seqLen, strategy, memory, scratch, word);
        }
      }
      await pause.maybe(signal);
    }
    return docs.map((d) => {
      const labels: SegmentLabels = { table: d.table, windows: d.windows, settings: work.settings };
      // the memory as it was when the batches were queued: a later change is checked on reuse
      this.memoryVersions.set(labels, work.memoryVersion);
      return labels;
    });
  }

  /**
   * [CLS] attention for the window of `text` that contains `offset` (offsets into `text`): per
   * layer and head, from [CLS] to each token and from each token to [CLS], and the rollout's.
   * Undefined when the model has no `attentions` output or the text has no words.
   */
  async attention(text: string, offset: number, signal?: AbortSignal): Promise<CLSAttention | undefined> {
    const w = await this.windowAttention(text, offset, signal);
    if (!w) return undefined;
    const cls = tokenAttention(w.attention, rollout(w.attention), 0);
    return {
      tokens: w.tokens,
      layers: cls.layers,
      heads: cls.heads,
      fromCls: cls.from,
      toCls: cls.to,
      rolloutFromCls: cls.rolloutFrom,
      rolloutToCls: cls.rolloutTo,
    };
  }

  /**
   * The whole attention of the window of `text` that contains `offset` (every token's row and
   * column: the token-to-token view), with the window's tokens ([CLS] and [SEP] included).
   * Undefined when the model has no `attentions` output or the text has no words.
   */
  async windowAttention(
    text: string,
    offset: number,
    signal?: AbortSignal,
  ): Promise<{ tokens: AttentionToken[]; attention: WindowAttention } | undefined> {
    const name = this.roles.attentions;
    if (!name) return undefined;
    const cfg = this.bundle.config;
    const pause = new Pause();
    const tokens = await this.compactTokens(text, pause, signal);
    if (!tokens.words) return undefined;
    const plan = await this.planWindows(tokens, Math.floor(cfg.maxLength / 4), pause, signal);
    let wi = plan.windows.findIndex((w) => w.endWord > w.firstWord && tokens.wordEnd[w.endWord - 1] >= offset);
    if (wi < 0) wi = plan.windows.length - 1;
    const w = plan.windows[wi];
    const seqLen = w.pieces + 2;
    const out = await this.engine.run(this.encodeBatch([{ tokens, window: w }], seqLen), [name], signal);
    const attention = windowAttention(out[name].dims, out[name].data, 0, seqLen);
    const list: AttentionToken[] = [{ text: '[CLS]', start: -1, end: -1, special: true }];
    for (let i = w.firstWord; i < w.endWord; i++) {
      for (let p = tokens.pieceFirst[i]; p < tokens.pieceFirst[i + 1]; p++) {
        list.push({ text: tokens.pieceText[p], start: tokens.pieceStart[p], end: tokens.pieceEnd[p], special: false, word: i });
      }
    }
    list.push({ text: '[SEP]', start: -1, end: -1, special: true });
    return { tokens: list, attention };
  }

  private encodeBatch(rows: ReadonlyArray<{ tokens: CompactTokens; window: Window }>, seqLen: number): InputBatch {
    const n = rows.length * seqLen;
    const ids = new BigInt64Array(n).fill(BigInt(this.tokenizer.padId));
    const mask = new BigInt64Array(n);
    rows.forEach(({ tokens, window: w }, row) => {
      let pos = row * seqLen;
      ids[pos] = BigInt(this.tokenizer.clsId);
      mask[pos++] = 1n;
      for (let p = tokens.pieceFirst[w.firstWord]; p < tokens.pieceFirst[w.endWord]; p++) {
        ids[pos] = BigInt(tokens.pieceId[p]);
        mask[pos++] = 1n;
      }
      ids[pos] = BigInt(this.tokenizer.sepId);
      mask[pos] = 1n;
    });
    const inputs: Record<string, BigInt64Array> = { input_ids: ids, attention_mask: mask };
    if (this.roles.hasTokenTypeIds) inputs['token_type_ids'] = new BigInt64Array(n);
    return { batch: rows.length, sequence: seqLen, inputs };
  }

  private windowResult(tokens: CompactTokens, w: Window, out: Record<string, OutputTensor>, row: number): WindowResult {
    const start = w.endWord > w.firstWord ? tokens.wordStart[w.firstWord] : 0;
    const end = w.endWord > w.firstWord ? tokens.wordEnd[w.endWord - 1] : 0;
    let sequence: LabelScore[] = [];
    const name = this.roles.sequenceLogits;
    if (name) {
      const n = out[name].dims[1];
      const probs = softmax(out[name].data, row * n, n);
      sequence = topK(probs, this.bundle.config.sequenceLabels, n);
    }
    return { start, end, pieces: w.pieces, sequence };
  }

  /**
   * The feature vector the token head reads for each span's word (its first piece), in the
   * context labeling gives it (the same segments and windows as `label` with these options),
   * and the index of the segment it is in; undefined for a span that is in no word. Runs the
   * model on the segments that hold a span, and only those.
   */
  async wordFeatures(
    text: string,
    spans: ReadonlyArray<{ readonly start: number; readonly end: number }>,
    options: LabelOptions = {},
  ): Promise<Result<{ features: Array<Float32Array | undefined>; segment: Int32Array }>> {
    if (this.learningOff) return { ok: false, problems: [this.learningOff] };
    const order = spans.map((_, i) => i).sort((a, b) => spans[a].start - spans[b].start);
    const features = new Array<Float32Array | undefined>(spans.length);
    const segment = new Int32Array(spans.length).fill(-1);
    const pause = new Pause();
    const run = runSignal(options.signal);
    const own: LabelOptions = { ...options, signal: run.signal };
    try {
      let k = 0;
      let segIndex = -1;
      let chunk: Array<{ seg: Segment; index: number; spans: number[] }> = [];
      const flush = async (): Promise<void> => {
        if (!chunk.length) return;
        const docs = await this.preprocess(
          chunk.map((c) => c.seg.text),
          own,
          pause,
        );
        const batches = await this.forward(docs, own, pause, [FEATURES_OUTPUT]);
        for (const { rows, seqLen, output } of batches) {
          const t = (await output)[FEATURES_OUTPUT];
          const dim = t.dims[2];
          for (let row = 0; row < rows.length; row++) {
            const { di, wi, w } = rows[row];
            const { tokens, plan } = docs[di];
            for (const s of chunk[di].spans) {
              const at = spans[s].start - chunk[di].seg.start;
              const i = wordAtOffset(tokens, at);
              if (i < 0 || plan.owner[i] !== wi || i < w.firstWord || i >= w.endWord) continue;
              const pos = 1 + tokens.pieceFirst[i] - tokens.pieceFirst[w.firstWord];
              features[s] = t.data.slice((row * seqLen + pos) * dim, (row * seqLen + pos + 1) * dim);
              segment[s] = chunk[di].index;
            }
          }
          await pause.maybe(run.signal);
        }
        chunk = [];
      };
      for (const seg of this.segments(text)) {
        if (seg) {
          segIndex++;
          const inside: number[] = [];
          while (k < order.length && spans[order[k]].start < seg.end) {
            if (spans[order[k]].start >= seg.start) inside.push(order[k]);
            k++;
          }
          if (inside.length) chunk.push({ seg, index: segIndex, spans: inside });
          if (chunk.length === SEGMENTS_PER_CHUNK) await flush();
        }
        await pause.maybe(run.signal);
      }
      await flush();
    } finally {
      run.end();
    }
    return { ok: true, value: { features, segment } };
  }

  async dispose(): Promise<void> {
    await this.engine.dispose();
  }
}

/** The remembered label's share in the blend with the model's probabilities (docs/ADAPT.md says how it was chosen). */
export const DEFAULT_MEMORY_WEIGHT = 0.5;

/** The word that holds text offset `at` (its start, or inside it), or -1. */
function wordAtOffset(tokens: CompactTokens, at: number): number {
  let lo = 0,
    hi = tokens.words;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tokens.wordEnd[mid] <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo < tokens.words && tokens.wordStart[lo] <= at ? lo : -1;
}

/**
 * The bundle's own token head, when the bundle has `token_head.json` and the model the
 * `token_features` output that feeds it; else why learning from corrections is off, in words.
 */
async function baseHeadOf(
  bundle: Bundle,
  engine: Engine,
  roles: OutputRoles,
): Promise<{ head?: TokenHead; off?: string; problem?: string }> {
  const off = (why: string): { off: string } => ({ off: `learning from corrections is off for this model: ${why}` });
  if (!roles.tokenLogits) return off('it has no token labels');
  const out = engine.signature.outputs.find((o) => o.name === FEATURES_OUTPUT);
  if (!out) return off(`its model.onnx has no "${FEATURES_OUTPUT}" output (python3 -m training features --bundle DIR adds it)`);
  const read = await readBaseHead(bundle.dir);
  if (!read) return off('the bundle has no token_head.json (python3 -m training features --bundle DIR writes it)');
  if (!read.ok) return { ...off(read.problems.join('; ')), problem: read.problems.join('; ') };
  const head = read.value;
  const dim = out.shape?.[2];
  const problems: string[] = [];
  if (typeof dim === 'number' && dim !== head.dim)
    problems.push(`token_head.json reads ${head.dim} features; "${FEATURES_OUTPUT}" has ${dim}`);
  if (head.labels.join('\n') !== bundle.config.labels.join('\n')) problems.push("token_head.json's labels are not config.json's id2label");
  if (problems.length) return { ...off(problems.join('; ')), problem: problems.join('; ') };
  return { head };
}

interface SegmentWork {
  readonly tokens: CompactTokens;
  readonly plan: WindowPlan;
  readonly table: WordTable;
  readonly windows: WindowResult[];
}

interface QueuedBatch {
  readonly rows: ReadonlyArray<{ readonly di: number; readonly wi: number; readonly w: Window }>;
  readonly seqLen: number;
  readonly output: Promise<Record<string, OutputTensor>>;
}

/** Texts tokenized, with their batches queued in the engine. */
interface StartedSegments {
  readonly docs: readonly SegmentWork[];
  readonly batches: readonly QueuedBatch[];
  readonly settings: string;
  readonly strategy: AggregationStrategy;
  /** The memory's version when the batches were queued. */
  readonly memoryVersion: number;
}

/** One `label` run's state, passed between its steps. */
class DocumentRun {
  readonly t0 = performance.now();
  readonly pause = new Pause();
  private readonly own: { readonly signal: AbortSignal; end(): void };
  /** The caller's options with the run's own signal (it fires when the run ends in any way). */
  readonly ownOptions: LabelOptions;
  readonly strategy: AggregationStrategy;
  readonly segments: Segment[] = [];
  /** Each segment's labels (cached, or once its chunk is postprocessed). */
  readonly results: (SegmentLabels | undefined)[] = [];
  /** Segments without labels waiting for the next chunk. */
  pending: number[] = [];
  /** Chunks queued in the engine, oldest first. */
  readonly queued: Array<{ indices: number[]; work: StartedSegments }> = [];
  /** Segments placed in the document, in order, and the windows they hold. */
  readonly placed: PlacedSegment[] = [];
  windowCount = 0;
  /** Segments run by the model (the rest came from the cache). */
  ran = 0;
  /** With ordered segments (labelInOrder): segments to run in all, and those with labels so far. */
  total = 0;
  done = 0;

  constructor(
    readonly options: LabelOptions,
    readonly settings: string,
    readonly inference0: number,
  ) {
    this.own = runSignal(options.signal);
    this.ownOptions = { ...options, signal: this.own.signal };
    this.strategy = options.strategy ?? 'first';
  }

  get signal(): AbortSignal {
    return this.own.signal;
  }

  end(): void {
    this.queued.length = 0;
    this.own.end();
  }
}

/**
 * The signal of one labeling run: it fires when the caller's does, and when the run ends in any
 * way (`end`), so that no batch queued for a run that failed is left in the engine to run.
 */
function runSignal(outer: AbortSignal | undefined): { readonly signal: AbortSignal; end(): void } {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  if (outer?.aborted) controller.abort();
  else outer?.addEventListener('abort', onAbort, { once: true });
  return {
    signal: controller.signal,
    end: () => {
      outer?.removeEventListener('abort', onAbort);
      controller.abort();
    },
  };
}

/** Segments labeled per inference round in `label` (bounds the tokens held at once). */
export const SEGMENTS_PER_CHUNK = 64;
/** Words placed between two checks of the clock when a document's result is assembled. */
const ROWS_PER_SLICE = 2048;

/**
 * A segment's labels placed in a document (`placeSegment`), new views made ROWS_PER_SLICE rows
 * at a time; `remember`: kept for the next placement (labels kept in a segment cache).
 */
async function placeInSlices(
  seg: Segment,
  r: SegmentLabels,
  windowBase: number,
  remember: boolean,
  pause: Pause,
  signal: AbortSignal | undefined,
): Promise<PlacedSegment> {
  const p = placeSegment(seg, r, windowBase);
  if (p.complete) return p.placed;
  for (let from = 0; from < r.table.size; from += ROWS_PER_SLICE) {
    fillViews(p.placed, r.table, from, Math.min(r.table.size, from + ROWS_PER_SLICE));
    await pause.maybe(signal);
  }
  if (remember) r.placed = p.placed;
  return p.placed;
}

/** Length-weighted mean of the windows' sequence probabilities, sorted best first. */
export function averageSequence(windows: readonly WindowResult[], labels: readonly string[]): LabelScore[] {
  if (!labels.length || !windows.length || !windows[0]?.sequence.length) return [];
  const index = new Map(labels.map((l, i) => [l, i]));
  const sums = new Float64Array(labels.length);
  let total = 0;
  for (const w of windows) {
    for (const s of w.sequence) {
      const j = index.get(s.label);
      if (j !== undefined) sums[j] += s.score * w.pieces;
    }
    total += w.pieces;
  }
  return labels.map((label, j) => ({ label, score: total ? sums[j] / total : 0 })).sort((a, b) => b.score - a.score);
}
