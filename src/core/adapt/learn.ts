// Learning from corrections, the one implementation behind the editor's Learn from Corrections
// and the CLI's `adapt`: examples from labeled documents (each corrected or accepted word with
// the features the token head read for it), then the head retrained on them and checked by
// cross-validation; and the same examples as a memory, which `adapt` ships beside the head.
//
// Why the check decides: a head retrained on a few hundred words can fit them and be worse on
// the next document. The examples are grouped by segment (a sentence or a few, as labeling cuts
// them), every group is held out once, and the new head is kept only when its held-out accuracy
// beats the base head's; the numbers say so in words either way. Training is a pure function of
// its inputs (learnHead), so the editor runs it in a worker thread and the CLI in its own.
import type { Annotation } from '../annotations';
import type { Labeler } from '../labeler';
import type { Result } from '../bundle';
import type { AdaptedHeadInfo } from './head_file';
import { CorrectionMemory, DEFAULT_MEMORY_THRESHOLD, type ExampleSource } from './memory';
import {
  crossValidate,
  DEFAULT_L2,
  predict,
  trainHead,
  type CrossValidation,
  type HeadExamples,
  type TokenHead,
  type TrainOptions,
} from './head';
import { lineColumn, lineStarts } from '../review_queue';

/** A document with the labels to learn from (its corrected and accepted annotations). */
export interface TrainingDocument {
  /** Shown in messages (a path or a name). */
  readonly name: string;
  readonly text: string;
  readonly annotations: readonly Annotation[];
}

export interface CollectedExamples {
  readonly examples: HeadExamples;
  /** Examples (words) per label name, and documents that gave at least one. */
  readonly labelCounts: ReadonlyMap<string, number>;
  readonly documents: number;
  /** Annotations left out, and why, in words (e.g. "3 with labels the model does not have: FOO"). */
  readonly skipped: readonly string[];
  /** Where each example came from (document, 1-based line, word), in the examples' order. */
  readonly sources: readonly ExampleSource[];
}

/**
 * The examples of `docs`: every annotation from a user (corrected or reviewed) whose label is
 * one of the model's, with its word's features. Groups are segments, numbered across documents.
 */
export async function collectExamples(
  labeler: Labeler,
  docs: readonly TrainingDocument[],
  options: { signal?: AbortSignal; stride?: number } = {},
): Promise<Result<CollectedExamples>> {
  const labelIndex = new Map(labeler.labels.map((l, i) => [l, i]));
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  const groups: number[] = [];
  const sources: ExampleSource[] = [];
  const counts = new Map<string, number>();
  const unknown = new Map<string, number>();
  let noWord = 0;
  let documents = 0;
  let groupBase = 0;
  for (const doc of docs) {
    const usable = userWordAnnotations(labeler, doc.text, doc.annotations, unknown);
    if (!usable.length) continue;
    const f = await labeler.wordFeatures(doc.text, usable, { signal: options.signal, stride: options.stride });
    if (!f.ok) return f;
    let any = false;
    let maxSeg = -1;
    const starts = lineStarts(doc.text);
    usable.forEach((a, i) => {
      const v = f.value.features[i];
      if (!v) {
        noWord++;
        return;
      }
      rows.push(v);
      labels.push(labelIndex.get(a.label)!);
      groups.push(groupBase + f.value.segment[i]);
      sources.push({
        file: doc.name,
        line: lineColumn(starts, a.start).line,
        word: a.text,
        kind: a.source === 'corrected' ? 'correction' : 'accepted',
      });
      maxSeg = Math.max(maxSeg, f.value.segment[i]);
      counts.set(a.label, (counts.get(a.label) ?? 0) + 1);
      any = true;
    });
    groupBase += maxSeg + 1;
    if (any) documents++;
  }
  const dim = rows[0]?.length ?? labeler.baseHead?.dim ?? 0;
  const features = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => features.set(r, i * dim));
  const skipped: string[] = [];
  if (unknown.size) {
    const n = [...unknown.values()].reduce((a, b) => a + b, 0);
    skipped.push(`${n} with labels the model does not have (${[...unknown.keys()].slice(0, 8).join(', ')})`);
  }
  if (noWord) skipped.push(`${noWord} that start in no word of the model's word splitter`);
  return {
    ok: true,
    value: {
      examples: { count: rows.length, features, labels: Int32Array.from(labels), groups: Int32Array.from(groups) },
      labelCounts: counts,
      documents,
      skipped,
      sources,
    },
  };
}

/** The collected examples added to `memory` (what `adapt` ships in its bundle beside the head). */
export function rememberExamples(memory: CorrectionMemory, collected: CollectedExamples, labelNames: readonly string[]): void {
  const { examples, sources } = collected;
  for (let i = 0; i < examples.count; i++) memory.add(examples.features, i * memory.dim, labelNames[examples.labels[i]], sources[i]);
}

/**
 * The user's annotations (corrected or reviewed, not marked for review) as word labels of the
 * model: as they are for a plain tag set, one per word with its B-/I- (BIOES) tag for spans.
 * Labels the model does not have are counted in `unknown` and left out.
 */
export function userWordAnnotations(
  labeler: Labeler,
  text: string,
  annotations: readonly Annotation[],
  unknown = new Map<string, number>(),
): Annotation[] {
  const labels = new Set(labeler.labels);
  const scheme = labeler.bundle.config.labelScheme;
  const own = annotations.filter((a) => a.source !== 'model' && !a.needsReview);
  const tagged = scheme === 'plain' ? own : own.flatMap((a) => wordTags(labeler, text, a, scheme));
  for (const a of tagged) if (!labels.has(a.label)) unknown.set(a.label, (unknown.get(a.label) ?? 0) + 1);
  return tagged.filter((a) => labels.has(a.label));
}

/**
 * A span annotation of an entity model as one annotation per word of the model's word splitter,
 * with the tag the model gives each (B-/I-, or S-/B-/I-/E- for BIOES; O for a removed span).
 */
function wordTags(labeler: Labeler, text: string, a: Annotation, scheme: 'BIO' | 'BIOES'): Annotation[] {
  const words = [...labeler.tokenizer.wordSpans(text, a.start, a.end)];
  return words.map(([start, end], i) => {
    let tag: string;
    if (a.label === 'O') tag = 'O';
    else if (scheme === 'BIOES' && words.length === 1) tag = `S-${a.label}`;
    else if (i === 0) tag = `B-${a.label}`;
    else if (scheme === 'BIOES' && i === words.length - 1) tag = `E-${a.label}`;
    else tag = `I-${a.label}`;
    return { ...a, start, end, text: text.slice(start, end), label: tag };
  });
}

export interface LearnOptions extends TrainOptions {
  /** Cross-validation folds (default 3). */
  readonly folds?: number;
  /**
   * Each example's word form (memory.ts `wordForm`): with them, the same folds also score the
   * memory of the training folds' examples, alone and with the retrained head (what `adapt`
   * chooses from). `threshold` is the memory's (default DEFAULT_MEMORY_THRESHOLD).
   */
  readonly forms?: readonly string[];
  readonly threshold?: number;
  /**
   * Pulls toward the shipped weights to choose from by held-out accuracy (`l2` is then
   * ignored): the one whose retrained head scores best on the same folds (with the memory, when
   * the forms are given) is the one the final head is trained with.
   */
  readonly l2Choices?: readonly number[];
}

/** Held-out accuracy of the memory of the other folds' examples, over the model's and over the retrained head's labels. */
export interface MemoryValidation {
  readonly memory: number;
  readonly both: number;
}

export interface Learned {
  /** The head retrained on every example. */
  readonly head: TokenHead;
  /** Held-out accuracy before (base head) and after (retrained), when there were groups to hold out. */
  readonly cv: CrossValidation | undefined;
  /** The memory on the same folds, when the examples' forms were given. */
  readonly memoryCv: MemoryValidation | undefined;
  /** Whether the retrained head is better on held-out examples (the only case it should be used). */
  readonly better: boolean;
  /** Why it is or is not better, in words. */
  readonly verdict: string;
  readonly ms: number;
  /** The pull toward the shipped weights the head was trained with. */
  readonly l2: number;
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

/** Retrains `base` on the examples and cross-validates it (pure: the editor runs it in a worker). */
export function learnHead(base: TokenHead, ex: HeadExamples, options: LearnOptions = {}): Learned {
  const t0 = performance.now();
  const choices = options.l2Choices?.length ? options.l2Choices : [options.l2 ?? DEFAULT_L2];
  // the folds are the same for every choice, and so is each held-out word's match in the memory
  const remembered = new Int32Array(ex.count).fill(NOT_LOOKED_UP);
  let chosen = validate(base, ex, { ...options, l2: choices[0] }, remembered);
  for (const l2 of choices.slice(1)) {
    const v = validate(base, ex, { ...options, l2 }, remembered);
    if (score(v) > score(chosen)) chosen = v;
  }
  const { cv, memoryCv, l2 } = chosen;
  const head = trainHead(base, ex, { ...options, l2 });
  const better = !!cv && cv.after > cv.before;
  let verdict: string;
  if (!ex.count) verdict = 'there are no corrected or accepted words to learn from';
  else if (!cv) verdict = 'all the examples are in one segment, so nothing could be held out to check the new head';
  else {
    const how = `${cv.folds}-fold cross-validation over ${cv.scored} words`;
    const pull = choices.length > 1 ? `; pull toward the model's weights ${l2} of ${choices.join(', ')}, by the same folds` : '';
    verdict = memoryCv
      ? `held-out accuracy (${how}): model ${pct(cv.before)}, retrained head ${pct(cv.after)}, memory of the examples ${pct(memoryCv.memory)}, both ${pct(memoryCv.both)}${pull}`
      : `held-out accuracy ${pct(cv.before)} → ${pct(cv.after)} (${how})${better ? '' : ': the retrained head is not better'}${pull}`;
  }
  return { head, cv, memoryCv, better, verdict, ms: performance.now() - t0, l2 };
}

interface Validation {
  readonly l2: number;
  readonly cv: CrossValidation | undefined;
  readonly memoryCv: MemoryValidation | undefined;
}

/** The best held-out accuracy a validation offers (the head alone, or with the memory). */
const score = (v: Validation): number => Math.max(v.cv?.after ?? -1, v.memoryCv?.both ?? -1);

const NOT_LOOKED_UP = -2;
const NO_MATCH = -1;

/**
 * Cross-validation of a head retrained with `options.l2`, and of the memory on the same folds
 * when the forms are given. `remembered` holds each held-out word's label from the memory of
 * the other folds (NO_MATCH), filled the first time a fold is scored.
 */
function validate(base: TokenHead, ex: HeadExamples, options: LearnOptions & { readonly l2: number }, remembered: Int32Array): Validation {
  const forms = options.forms;
  const labelIndex = new Map(base.labels.map((l, i) => [l, i]));
  let memoryOk = 0,
    bothOk = 0;
  const scoreMemory = (train: readonly number[], test: readonly number[], head: TokenHead): void => {
    if (!forms) return;
    if (remembered[test[0]] === NOT_LOOKED_UP) {
      const memory = new CorrectionMemory(base.dim, options.threshold ?? DEFAULT_MEMORY_THRESHOLD);
      for (const r of train) memory.add(ex.features, r * base.dim, base.labels[ex.labels[r]], { ...NO_SOURCE, word: forms[r] });
      for (const r of test) {
        const match = memory.nearest(ex.features, r * base.dim, forms[r]);
        remembered[r] = match ? labelIndex.get(match.label)! : NO_MATCH;
      }
    }
    const model = predict(base, ex, test);
    const retrained = predict(head, ex, test);
    test.forEach((r, i) => {
      const m = remembered[r];
      memoryOk += (m !== NO_MATCH ? m : model[i]) === ex.labels[r] ? 1 : 0;
      bothOk += (m !== NO_MATCH ? m : retrained[i]) === ex.labels[r] ? 1 : 0;
    });
  };
  const cv = ex.count ? crossValidate(base, ex, options, options.folds ?? 3, scoreMemory) : undefined;
  const memoryCv = cv && forms ? { memory: memoryOk / cv.scored, both: bothOk / cv.scored } : undefined;
  return { l2: options.l2, cv, memoryCv };
}

/** The source of an example scored in cross-validation (the memory indexes it by its word). */
const NO_SOURCE: ExampleSource = { file: '', line: 0, word: '', kind: 'correction' };

/**
 * What a bundle written from `learned` should hold, by held-out accuracy: the retrained head,
 * the memory, both, or neither (nothing beat the model). Of equal scores the simpler choice.
 */
export function bestParts(learned: Learned): { readonly head: boolean; readonly memory: boolean; readonly accuracy: number } | undefined {
  const { cv, memoryCv } = learned;
  if (!cv) return undefined;
  const choices = [
    { head: false, memory: false, accuracy: cv.before },
    { head: true, memory: false, accuracy: cv.after },
    ...(memoryCv
      ? [
          { head: false, memory: true, accuracy: memoryCv.memory },
          { head: true, memory: true, accuracy: memoryCv.both },
        ]
      : []),
  ];
  const best = choices.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  return best.head || best.memory ? best : undefined;
}

/** The stamp of a head learned from `collected`: the base model it belongs to, what it learned from, how it scored. */
export async function adaptedHeadInfo(labeler: Labeler, collected: CollectedExamples, learned: Learned): Promise<AdaptedHeadInfo> {
  return {
    baseModel: await labeler.modelSha256(),
    baseName: labeler.bundle.config.name,
    tokens: collected.examples.count,
    documents: collected.documents,
    labels: collected.labelCounts.size,
    before: learned.cv?.before,
    after: learned.cv?.after,
    created: new Date().toISOString(),
  };
}
