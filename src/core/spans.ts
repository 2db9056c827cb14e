// Entity spans from BIO / BIOES word labels, with the Hugging Face token-classification
// pipeline's grouping rules (its `group_entities`): a word continues the open span when its
// entity type is the same and it is not a `B-`; anything else starts a new span; a span's score
// is the mean of its words' scores; spans of `O` (and other hidden labels) are dropped.
// Invalid sequences are handled as the pipeline does: `I-PER` after `O` or after `B-LOC` starts a
// new PER span. Where we differ: the pipeline has no BIOES; here `S-X` is a span of one word and
// `E-X` closes the open X span (an `E-` with no open span is a one-word span).
import type { LabelScheme } from './bundle';

export interface LabeledUnit {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly score: number;
}

export interface EntitySpan {
  readonly start: number;
  readonly end: number;
  /** The entity type, without its B-/I-/E-/S- prefix. */
  readonly label: string;
  /** Mean of the words' scores. */
  readonly score: number;
  /** Indices of the words in the span. */
  readonly first: number;
  readonly last: number;
}

/** The B/I/E/S part and the type of a label ("B-PER" -> ["B", "PER"], "O" -> ["I", "O"]). */
export function splitTag(label: string, scheme: LabelScheme): [string, string] {
  const m = /^([BIES])-(.+)$/.exec(label);
  if (!m || (scheme === 'BIO' && (m[1] === 'E' || m[1] === 'S'))) return ['I', label];
  return [m[1], m[2]];
}

/**
 * Whether decoding closes every open span before word i (so that words [0, i) and [i, n) can
 * be decoded apart with the same spans).
 */
export function startsSpan(words: readonly LabeledUnit[], i: number, scheme: LabelScheme): boolean {
  if (i <= 0 || i >= words.length) return true;
  const [pbi, ptype] = splitTag(words[i - 1].label, scheme);
  const [bi, type] = splitTag(words[i].label, scheme);
  const closedBefore = scheme === 'BIOES' && (pbi === 'E' || pbi === 'S');
  return closedBefore || ptype !== type || bi === 'B' || bi === 'S';
}

/**
 * Entity spans of words [from, to) (indices and offsets as in `words`); `from` and `to` should
 * be where `startsSpan` holds, or spans crossing them are cut.
 */
export function decodeSpans(
  words: readonly LabeledUnit[],
  scheme: LabelScheme,
  hidden: ReadonlySet<string> = new Set(['O']),
  from = 0,
  to = words.length,
): EntitySpan[] {
  const spans: EntitySpan[] = [];
  let open: { first: number; type: string; sum: number } | undefined;
  const close = (last: number): void => {
    if (!open) return;
    if (!hidden.has(open.type)) {
      spans.push({
        start: words[open.first].start,
        end: words[last].end,
        label: open.type,
        score: open.sum / (last - open.first + 1),
        first: open.first,
        last,
      });
    }
    open = undefined;
  };
  for (let i = from; i < to; i++) {
    const w = words[i];
    const [bi, type] = splitTag(w.label, scheme);
    const continues = open && open.type === type && bi !== 'B' && bi !== 'S';
    if (!continues) {
      close(i - 1);
      open = { first: i, type, sum: 0 };
    }
    open!.sum += w.score;
    if (scheme === 'BIOES' && (bi === 'E' || bi === 'S')) close(i);
  }
  close(to - 1);
  return spans;
}
