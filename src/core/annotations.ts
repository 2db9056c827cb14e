// The annotation model of the labeling workflow: labels with UTF-16 offsets into a document,
// the text they cover, where they came from (the model, a correction, a review), and whether an
// edit changed their text since. Re-anchoring follows a document through its edits; merging puts
// corrections over model labels.
import type { LabelScheme } from './bundle';
import { decodeSpans } from './spans';

/** `model`: the model's label; `corrected`: set by the user; `reviewed`: the model's, accepted. */
export type AnnotationSource = 'model' | 'corrected' | 'reviewed';
export const ANNOTATION_SOURCES: readonly AnnotationSource[] = ['model', 'corrected', 'reviewed'];

/**
 * The label that removes a model label (a span the user removed): it suppresses the model labels
 * it overlaps, is never drawn, and is exported as outside (`O`).
 */
export const REMOVED_LABEL = 'O';

export interface Annotation {
  /** UTF-16 offsets into the document, start < end. */
  readonly start: number;
  readonly end: number;
  /** The text the label covers (document.slice(start, end) when the annotation is current). */
  readonly text: string;
  readonly label: string;
  readonly source: AnnotationSource;
  /** An edit changed the covered text since the label was set: the user should look again. */
  readonly needsReview?: boolean;
  /** The model's probability for the label (model and reviewed labels). */
  readonly score?: number;
}

/** One change as VS Code reports it (`rangeOffset`, `rangeLength`, `text`). */
export interface TextChange {
  readonly offset: number;
  readonly deletedLength: number;
  readonly insertedText: string;
}

/**
 * The annotation after one change, or undefined when all of its text was deleted.
 *
 * What a label covers after an edit: its characters that survive, and text inserted strictly
 * between two of them. Text inserted at either end stays outside (typing next to a word does not
 * extend its label); a replacement that starts at a label's first character or ends at its last
 * keeps only the surviving part.
 */
function applyChange(a: Annotation, c: TextChange): Annotation | undefined {
  const delStart = c.offset;
  const delEnd = c.offset + c.deletedLength;
  const delta = c.insertedText.length - c.deletedLength;
  if (delEnd < a.start || (delEnd === a.start && (c.deletedLength > 0 || delStart === a.start))) {
    return { ...a, start: a.start + delta, end: a.end + delta };
  }
  if (delStart >= a.end) return a;
  const keepLeft = Math.max(0, delStart - a.start);
  const keepRight = Math.max(0, a.end - delEnd);
  if (keepLeft === 0 && keepRight === 0) return undefined;
  const left = a.text.slice(0, keepLeft);
  const right = a.text.slice(a.text.length - keepRight);
  if (keepLeft > 0 && keepRight > 0) {
    return { ...a, end: a.end + delta, text: left + c.insertedText + right };
  }
  if (keepLeft > 0) return { ...a, end: a.start + keepLeft, text: left };
  const start = delStart + c.insertedText.length;
  return { ...a, start, end: start + keepRight, text: right };
}

/**
 * Annotations after a list of changes applied one after the other, each in the coordinates of
 * the text the previous ones left (the order in which VS Code's extension host applies an
 * event's `contentChanges`). Labels whose text was deleted are dropped; labels whose covered text
 * is different afterwards are flagged `needsReview`.
 */
export function reanchor(annotations: readonly Annotation[], changes: readonly TextChange[]): Annotation[] {
  const out: Annotation[] = [];
  for (const original of annotations) {
    let a: Annotation | undefined = original;
    for (const c of changes) {
      a = applyChange(a, c);
      if (!a) break;
    }
    if (!a) continue;
    out.push(a.text !== original.text && !a.needsReview ? { ...a, needsReview: true } : a);
  }
  return out;
}

const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }): boolean => a.start < b.end && b.start < a.end;

export const byPosition = (a: Annotation, b: Annotation): number => a.start - b.start || a.end - b.end;

/**
 * Corrections over model labels: every correction (reviewed and corrected labels), and the
 * model labels no correction overlaps. Removals (`REMOVED_LABEL` corrections) hide the model
 * labels they overlap and are not in the result. Sorted by position.
 */
export function mergeAnnotations(model: readonly Annotation[], corrections: readonly Annotation[]): Annotation[] {
  const kept = corrections.filter((c) => c.label !== REMOVED_LABEL);
  return [...kept, ...uncovered(model, corrections)].sort(byPosition);
}

/** The labels of `model` that no correction overlaps (a removal included), sorted by position: one pass. */
export function uncovered<T extends { start: number; end: number }>(model: readonly T[], corrections: readonly Annotation[]): T[] {
  // the union of the corrections' ranges, disjoint and sorted
  const covered: Array<{ start: number; end: number }> = [];
  for (const c of [...corrections].sort(byPosition)) {
    const last = covered[covered.length - 1];
    if (last && c.start <= last.end) last.end = Math.max(last.end, c.end);
    else covered.push({ start: c.start, end: c.end });
  }
  const out: T[] = [];
  let i = 0;
  for (const m of [...model].sort((a, b) => a.start - b.start || a.end - b.end)) {
    while (i < covered.length && covered[i].end <= m.start) i++;
    if (!(i < covered.length && overlaps(covered[i], m))) out.push(m);
  }
  return out;
}

/** Replaces the corrections that overlap `range` by `added` (the user's new labels there). */
export function replaceCorrections(
  corrections: readonly Annotation[],
  range: { start: number; end: number },
  added: readonly Annotation[],
): Annotation[] {
  return [...corrections.filter((c) => !overlaps(c, range)), ...added].sort(byPosition);
}

/** The annotation at an offset (the innermost when several contain it). */
export function annotationAt(annotations: readonly Annotation[], offset: number): Annotation | undefined {
  let best: Annotation | undefined;
  for (const a of annotations) {
    if (a.start <= offset && offset < a.end && (!best || a.end - a.start < best.end - best.start)) best = a;
  }
  return best;
}

/**
 * Annotations read from a file checked against the document's text: those whose covered text is
 * at their offsets are kept as they are; the others are moved to the nearest place their text
 * occurs (the document was edited outside the editor) and flagged for review, or, when their
 * text is nowhere, kept where they were only if the offsets are in range, flagged.
 */
export function anchorToText(annotations: readonly Annotation[], text: string): { annotations: Annotation[]; moved: number; lost: number } {
  const out: Annotation[] = [];
  let moved = 0;
  let lost = 0;
  for (const a of annotations) {
    if (text.slice(a.start, a.end) === a.text) {
      out.push(a);
      continue;
    }
    const at = nearestOccurrence(text, a.text, a.start);
    if (at >= 0) {
      moved++;
      out.push({ ...a, start: at, end: at + a.text.length, needsReview: true });
    } else if (a.end <= text.length) {
      lost++;
      out.push({ ...a, text: text.slice(a.start, a.end), needsReview: true });
    } else lost++;
  }
  return { annotations: out.sort(byPosition), moved, lost };
}

function nearestOccurrence(text: string, needle: string, near: number): number {
  if (!needle) return -1;
  const after = text.indexOf(needle, near);
  const before = text.lastIndexOf(needle, near);
  if (after < 0) return before;
  if (before < 0) return after;
  return near - before <= after - near ? before : after;
}

/** A labeled word as the labeler gives it (start, end, text, label, score). */
export interface ScoredWord {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly label: string;
  readonly score: number;
}

/**
 * The model's labels as annotations: one per word for plain labels (UPOS), one per entity span
 * for BIO/BIOES models (the hidden labels, `O` by default, are not annotations).
 */
export function modelAnnotations(
  text: string,
  words: readonly ScoredWord[],
  scheme: LabelScheme,
  hidden: ReadonlySet<string> = new Set(['O']),
): Annotation[] {
  if (scheme === 'plain') {
    return words
      .filter((w) => !hidden.has(w.label))
      .map((w) => ({ start: w.start, end: w.end, text: w.text, label: w.label, source: 'model', score: w.score }));
  }
  return decodeSpans(words, scheme, hidden).map((s) => ({
    start: s.start,
    end: s.end,
    text: text.slice(s.start, s.end),
    label: s.label,
    source: 'model',
    score: s.score,
  }));
}
