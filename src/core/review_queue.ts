// The review queue's pure parts: how uncertain a label is, which labels are worth a reviewer's
// time, their order, their grouping by file, the sentence shown around each, and line:column.
//
// Uncertainty is the margin between the model's two most probable labels (margin sampling,
// Scheffer et al. 2001): a word at 55% NOUN / 40% PROPN (margin 0.15) is a harder call than one
// at 55% NOUN with the rest spread thin over fifteen labels (margin ~0.5), which the top
// probability alone ranks the same. The margin needs the second label's probability; where a
// label carries only its own probability (batch outputs), the margin is bounded from below by
// max(0, 2p - 1), since the second label has at most 1 - p: that bound is what ranks it, so an
// unknown second label never makes a label look surer than it can be. A span's margin is its
// least certain word's. Labels with a margin above the threshold are confident and are not
// listed at all (the queue is for the calls the model could have got wrong).
import type { LabelScore } from './aggregate';
import { uncovered, type Annotation } from './annotations';

/** A model label of a file with its uncertainty, before the queue looks at corrections
 * (positions are UTF-16 offsets into its file's text). */
export interface ScoredLabel {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly label: string;
  /** The model's probability of the label. */
  readonly score: number;
  /** Top probability minus the next one (0..1): the smaller, the less certain. */
  readonly margin: number;
  /** The model's best labels, most probable first (may be only the label itself). */
  readonly alternatives: readonly LabelScore[];
}

/** A label the queue may list: a scored label of `file`, or a correction (its score 0 when its
 * text was edited since). */
export interface ReviewCandidate extends ScoredLabel {
  readonly file: string;
  /** A correction or review whose text an edit changed: the user should look again. */
  readonly needsReview: boolean;
}

/** A word's labels as the labeler gives them (the label first among `alternatives`). */
export interface ScoredUnit {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly score: number;
  readonly alternatives?: readonly LabelScore[];
}

/**
 * The margin between the label and the most probable other label. Without another label's
 * probability, its lower bound max(0, 2p - 1) (the other labels share at most 1 - p).
 */
export function labelMargin(u: Pick<ScoredUnit, 'label' | 'score' | 'alternatives'>): number {
  const p = u.score;
  let second: number | undefined;
  for (const a of u.alternatives ?? []) {
    if (a.label !== u.label && (second === undefined || a.score > second)) second = a.score;
  }
  const m = second === undefined ? 2 * p - 1 : p - second;
  return Math.min(1, Math.max(0, m));
}

/**
 * Each unit's margin: the smallest of its words' margins (a span is as uncertain as its least
 * certain word; a word unit is its own word). One pass over both lists, sorted by position.
 */
export function unitMargins(units: readonly { start: number; end: number }[], words: readonly ScoredUnit[]): number[] {
  const out = new Array<number>(units.length);
  let w = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    while (w < words.length && words[w].end <= u.start) w++;
    let m = Infinity;
    for (let k = w; k < words.length && words[k].start < u.end; k++) m = Math.min(m, labelMargin(words[k]));
    out[i] = Number.isFinite(m) ? m : 0;
  }
  return out;
}

/** Whether `a` comes before `b`: flagged first, then the smaller margin, the lower probability, file, place. */
export function reviewOrder(a: ReviewCandidate, b: ReviewCandidate): number {
  return (
    Number(b.needsReview) - Number(a.needsReview) ||
    a.margin - b.margin ||
    a.score - b.score ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.start - b.start
  );
}

/** The `size` least certain candidates, flagged ones first (see `reviewOrder`). */
export function reviewQueue(candidates: readonly ReviewCandidate[], size: number): ReviewCandidate[] {
  return [...candidates].sort(reviewOrder).slice(0, Math.max(0, size));
}

export interface FileGroup<T> {
  readonly file: string;
  readonly items: readonly T[];
}

/**
 * Items grouped by file, keeping the queue's order inside each group; groups in the order of
 * their first item (the file with the least certain label first).
 */
export function groupByFile<T extends { file: string }>(items: readonly T[]): FileGroup<T>[] {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    let g = groups.get(it.file);
    if (!g) groups.set(it.file, (g = []));
    g.push(it);
  }
  return [...groups].map(([file, list]) => ({ file, items: list }));
}

/** Offsets at which the text's lines start (after \n, \r\n or a lone \r, as VS Code counts lines). */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) starts.push(i + 1);
    else if (c === 13) {
      if (text.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return starts;
}

/** 1-based line and column (UTF-16 units, as VS Code's status bar shows them) of an offset. */
export function lineColumn(starts: readonly number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

export interface Context {
  /** The sentence around the label on one line (whitespace runs as one space), clipped with "…". */
  readonly text: string;
  /** Where the label's text is in `text`: [start, end). */
  readonly highlight: readonly [number, number];
}

// a sentence ends at . ! ? … (then closing quotes or brackets) before whitespace; a paragraph at a blank line
const BACK_BOUNDARY = /[.!?\u2026]['"\u2019\u201d)\]]*\s+|\n[ \t]*\r?\n\s*/g;
const FORWARD_BOUNDARY = /[.!?\u2026]['"\u2019\u201d)\]]*(?=\s|$)|\r?\n[ \t]*\r?\n/g;

/**
 * The sentence around text[start, end): back to the previous sentence end or blank line, forward
 * to the next sentence end (included) or blank line, at most `before` characters before and
 * `after` after (then clipped at a word boundary, with "…"). Whitespace runs, line breaks included, read as one
 * space. Less reach before than after: a row shows its start, so the word stays in view.
 */
export function sentenceAround(text: string, start: number, end: number, before = 30, after = 2 * before): Context {
  start = Math.max(0, Math.min(start, text.length));
  end = Math.max(start, Math.min(end, text.length));
  const minFrom = Math.max(0, start - before);
  const maxTo = Math.min(text.length, end + after);
  let from = minFrom;
  let foundBack = minFrom === 0;
  const head = text.slice(minFrom, start);
  BACK_BOUNDARY.lastIndex = 0;
  for (let m = BACK_BOUNDARY.exec(head); m; m = BACK_BOUNDARY.exec(head)) {
    from = minFrom + m.index + m[0].length;
    foundBack = true;
  }
  let to = maxTo;
  let foundForward = maxTo === text.length;
  // a label that ends a sentence (its full stop, say) ends the context too
  if (/[.!?\u2026]['"\u2019\u201d)\]]*$/.test(text.slice(start, end)) && (end === text.length || /\s/.test(text[end]))) {
    to = end;
    foundForward = true;
  }
  const tail = text.slice(end, maxTo);
  FORWARD_BOUNDARY.lastIndex = 0;
  const f = to === end ? null : FORWARD_BOUNDARY.exec(tail);
  if (f) {
    to = end + f.index + (/^[\r\n]/.test(f[0]) ? 0 : f[0].length);
    foundForward = true;
  }
  // a clipped side ends at a word boundary, so that it never shows part of a word ("…he said")
  if (!foundBack && from > 0 && !/\s/.test(text[from - 1])) {
    const space = text.slice(from, start).search(/\s/);
    if (space >= 0) from += space + 1;
  }
  if (!foundForward && to < text.length && !/\s/.test(text[to])) {
    const space = text.slice(end, to).search(/\s\S*$/);
    if (space >= 0) to = end + space;
  }
  // one line: whitespace runs (line breaks included) become one space, none at either end
  const squeeze = (t: string): string => t.replace(/\s+/g, ' ');
  const prefix = foundBack ? '' : '\u2026';
  const left = squeeze(text.slice(from, start)).trimStart();
  const label = squeeze(text.slice(start, end));
  const right = squeeze(text.slice(end, to)).trimEnd();
  const hs = prefix.length + left.length;
  return { text: prefix + left + label + right + (foundForward ? '' : '\u2026'), highlight: [hs, hs + label.length] };
}

/** "37 of 200 reviewed": of the uncertain labels, how many a reviewer has settled. */
export function reviewProgress(reviewed: number, total: number): string {
  return `${reviewed} of ${total} reviewed`;
}

/**
 * Appends a file's candidates to `out` (one at a time: a big document's labels are never spread
 * into one call): its uncertain model labels (margin at most `maxMargin`) that no correction or
 * review covers, and its corrections flagged for review. Returns the file's share of the
 * progress: `reviewed` uncertain labels settled by a correction or review, of `total` (those and
 * what is still to review).
 */
export function addFileCandidates(
  out: ReviewCandidate[],
  file: string,
  labels: readonly ScoredLabel[],
  corrections: readonly Annotation[],
  maxMargin: number,
): { reviewed: number; total: number } {
  const uncertain: ScoredLabel[] = [];
  for (const l of labels) if (l.margin <= maxMargin) uncertain.push(l);
  const settled: Annotation[] = [];
  for (const c of corrections) if (!c.needsReview) settled.push(c);
  let open = 0;
  for (const l of uncovered(uncertain, corrections)) {
    out.push({
      file,
      start: l.start,
      end: l.end,
      text: l.text,
      label: l.label,
      score: l.score,
      margin: l.margin,
      alternatives: l.alternatives,
      needsReview: false,
    });
    open++;
  }
  for (const c of corrections) {
    if (!c.needsReview) continue;
    out.push({
      file,
      start: c.start,
      end: c.end,
      text: c.text,
      label: c.label,
      score: c.score ?? 0,
      margin: 0,
      alternatives: [],
      needsReview: true,
    });
    open++;
  }
  const reviewed = uncertain.length - uncovered(uncertain, settled).length;
  return { reviewed, total: reviewed + open };
}
