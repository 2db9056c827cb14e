// The analysis panel's data shaping, as pure functions shared by the webview and the tests:
// which weights of the chosen token ([CLS] by default) the controls select, hiding [CLS]/[SEP]
// with renormalisation, laying word pieces out as text, the word a piece belongs to, and what a
// model without some outputs can still show. No DOM, no `vscode`.
import { withoutTokens, type TokenDirection } from './attention';

/** `from`: the chosen token's attention to every token; `to`: every token's attention to it. */
export type Direction = TokenDirection;

/** One token's attention in one window, as the host sends it (see src/panel/protocol.ts). */
export interface TokenAttentionGrid {
  readonly layers: number;
  readonly heads: number;
  /** [layer][head][token] */
  readonly from: readonly (readonly (readonly number[])[])[];
  readonly to: readonly (readonly (readonly number[])[])[];
  readonly rolloutFrom: readonly number[];
  readonly rolloutTo: readonly number[];
}

export interface PanelToken {
  readonly text: string;
  /** Document offsets; -1 for [CLS]/[SEP]. */
  readonly start: number;
  readonly end: number;
  readonly special: boolean;
  /** Word index in the window; -1 for specials. */
  readonly word: number;
}

export interface AttentionView {
  readonly direction: Direction;
  readonly layer: number | 'all';
  readonly head: number | 'mean';
  readonly rollout: boolean;
}

/**
 * One weight per token (specials included) for the chosen direction, layer and head: the mean
 * over the chosen layers and heads ('all' layers, 'mean' of heads), or the rollout's row/column
 * of the chosen token. Rollout is computed by the host on the full window ([CLS] and [SEP]
 * included), as the method requires; hiding specials happens afterwards, in `visibleWeights`.
 */
export function selectWeights(a: TokenAttentionGrid, view: AttentionView): number[] {
  if (view.rollout) return [...(view.direction === 'from' ? a.rolloutFrom : a.rolloutTo)];
  const grid = view.direction === 'from' ? a.from : a.to;
  const n = grid[0]?.[0]?.length ?? 0;
  const layers = view.layer === 'all' ? [...Array(a.layers).keys()] : [view.layer];
  const heads = view.head === 'mean' ? [...Array(a.heads).keys()] : [view.head];
  const out = new Array<number>(n).fill(0);
  const parts = layers.length * heads.length;
  for (const l of layers) {
    for (const h of heads) {
      const row = grid[l]?.[h];
      if (!row) throw new RangeError(`no attention for layer ${l}, head ${h} (${a.layers} layers x ${a.heads} heads)`);
      for (let i = 0; i < n; i++) out[i] += row[i] / parts;
    }
  }
  return out;
}

export interface VisibleWeight {
  /** Index of the token in the window's tokens. */
  readonly index: number;
  readonly weight: number;
}

/**
 * The tokens to draw and their weights. With `hideSpecial`, [CLS] and [SEP] are dropped and the
 * rest renormalised to sum 1, so that the shading spreads over the text only.
 */
export function visibleWeights(tokens: readonly PanelToken[], weights: readonly number[], hideSpecial: boolean): VisibleWeight[] {
  if (weights.length !== tokens.length) throw new RangeError(`${weights.length} weights for ${tokens.length} tokens`);
  if (!hideSpecial) return weights.map((weight, index) => ({ index, weight }));
  const drop = new Set<number>();
  tokens.forEach((t, i) => t.special && drop.add(i));
  const kept = withoutTokens(Float32Array.from(weights), drop);
  const indices = tokens.map((_, i) => i).filter((i) => !drop.has(i));
  return indices.map((index, k) => ({ index, weight: kept[k] }));
}

/**
 * Whether a token is drawn with a space before it. Pieces that touch in the document (`walk` +
 * `##ing`, `don` + `'` + `t`, a word and its comma) are joined as the reader wrote them; tokens
 * apart in the document, and [CLS]/[SEP], are separated.
 */
export function spaceBefore(prev: PanelToken | undefined, t: PanelToken): boolean {
  if (!prev) return false;
  if (prev.special || t.special) return true;
  return t.start > prev.end;
}

/** The document range of the whole word a piece belongs to (what clicking a token selects). */
export function wordRange(tokens: readonly PanelToken[], index: number): { start: number; end: number } | undefined {
  const t = tokens[index];
  if (!t || t.special || t.start < 0) return undefined;
  let start = t.start;
  let end = t.end;
  for (const o of tokens) {
    if (o.special || o.word !== t.word) continue;
    start = Math.min(start, o.start);
    end = Math.max(end, o.end);
  }
  return { start, end };
}

/** Where a token's label in force came from: the model, a correction, or a review. */
export type LabelSource = 'model' | 'corrected' | 'reviewed';

/**
 * A token's exact weight and label in force, as the hover and the detail line show them; a
 * correction says so, with the model's label when it differs.
 */
export function tokenDetail(
  text: string,
  weight: number,
  label: string | undefined,
  source: LabelSource = 'model',
  modelLabel?: string,
): string {
  const how =
    source === 'corrected'
      ? ` (corrected${modelLabel && modelLabel !== label ? `; model: ${modelLabel}` : ''})`
      : source === 'reviewed'
        ? ' (reviewed)'
        : '';
  return `${text}: weight ${weight.toFixed(6)} (${(weight * 100).toFixed(2)}%)${label ? ` · label ${label}${how}` : ''}`;
}

/** The model's heads and outputs, as far as the panel cares. */
export interface PanelCapabilities {
  readonly sequenceHead: boolean;
  readonly tokenHead: boolean;
  readonly attentions: boolean;
}

/**
 * Plain sentences for what the panel cannot show with this model, and what it still shows.
 * Empty when the model has everything.
 */
export function capabilityNotes(c: PanelCapabilities): string[] {
  const notes: string[] = [];
  const still: string[] = [];
  if (c.tokenHead) still.push('its per-word labels (in the editor and on each token here)');
  if (c.sequenceHead) still.push('its classification scores');
  if (c.attentions) still.push('attention between its tokens');
  if (!c.sequenceHead)
    notes.push(
      'This model has no sequence head (no "sequence_logits" output): there are no classification scores for the document, segment or selection.',
    );
  if (!c.attentions) notes.push('This model has no "attentions" output: attention to and from [CLS] cannot be shown.');
  if (notes.length) notes.push(still.length ? `It can still show ${still.join(' and ')}.` : 'It has nothing the panel can show.');
  return notes;
}
