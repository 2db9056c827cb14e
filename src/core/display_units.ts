// The units a document's labels are drawn as: each word (plain scheme), or each entity span
// (BIO, BIOES), without hidden labels, sorted by offset and disjoint. The decorations, the
// low-confidence diagnostics and Next/Previous Label all walk these units, so that what is
// drawn and what is visited are the same. No `vscode` import: unit-tested in Node.
import type { LabelScheme } from './bundle';
import type { WordLabel } from './labeler';
import { decodeSpans, startsSpan, type LabeledUnit } from './spans';

/** What one drawn label covers: a word, or an entity span of several words. */
export interface DisplayUnit extends LabeledUnit {
  /** Index of its (first) word in the document's words. */
  readonly word: number;
}

/**
 * The units drawn for a document's words: each word (plain scheme) or each entity span (BIO,
 * BIOES), without hidden labels, sorted by offset and disjoint.
 */
export function displayUnits(words: readonly WordLabel[], scheme: LabelScheme, hidden: ReadonlySet<string>): DisplayUnit[] {
  const out: DisplayUnit[] = [];
  for (const chunk of displayUnitChunks(words, scheme, hidden, words.length)) for (const u of chunk) out.push(u);
  return out;
}

const unitMemo = new WeakMap<readonly WordLabel[], { scheme: LabelScheme; hidden: string; units: readonly DisplayUnit[] }>();

/**
 * `displayUnits`, remembered per words array for its last scheme and hidden labels (a
 * document's labels do not change once made: stepping through a long document's labels does not
 * decode all of them again at each step).
 */
export function displayUnitsOf(words: readonly WordLabel[], scheme: LabelScheme, hidden: ReadonlySet<string>): readonly DisplayUnit[] {
  const hiddenKey = [...hidden].sort().join('\u0000');
  const m = unitMemo.get(words);
  if (m && m.scheme === scheme && m.hidden === hiddenKey) return m.units;
  const units = displayUnits(words, scheme, hidden);
  unitMemo.set(words, { scheme, hidden: hiddenKey, units });
  return units;
}

/**
 * `displayUnits` a part at a time (a caller yields to the event loop in between): each chunk
 * covers at least `size` words, up to where a new span starts.
 */
export function* displayUnitChunks(
  words: readonly WordLabel[],
  scheme: LabelScheme,
  hidden: ReadonlySet<string>,
  size: number,
): Generator<DisplayUnit[]> {
  for (let from = 0; from < words.length; ) {
    let to = Math.min(words.length, from + Math.max(1, size));
    if (scheme !== 'plain') while (!startsSpan(words, to, scheme)) to++;
    yield unitsBetween(words, scheme, hidden, from, to);
    from = to;
  }
}

/**
 * The units of words [from, to), which should be where `startsSpan` holds (as each chunk of
 * `displayUnitChunks` is), or spans crossing them are cut.
 */
export function unitsBetween(
  words: readonly WordLabel[],
  scheme: LabelScheme,
  hidden: ReadonlySet<string>,
  from: number,
  to: number,
): DisplayUnit[] {
  if (scheme === 'plain') {
    const out: DisplayUnit[] = [];
    for (let i = from; i < to; i++) {
      const w = words[i];
      const label = w.label;
      if (!hidden.has(label)) out.push({ start: w.start, end: w.end, label, score: w.score, word: i });
    }
    return out;
  }
  return decodeSpans(words, scheme, hidden, from, to).map((s) => ({
    start: s.start,
    end: s.end,
    label: s.label,
    score: s.score,
    word: s.first,
  }));
}
