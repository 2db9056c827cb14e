// Messages between the analysis panel (webview/) and the extension host. Both sides validate
// what they receive: a webview message is untrusted input.
import type { ClsAttentionGrid, PanelCapabilities } from '../core/panel_data';

export type { PanelCapabilities };

export interface ScoreRow {
  readonly label: string;
  readonly score: number;
}

export interface AttentionTokenRow {
  readonly text: string;
  /** Document offsets (UTF-16); -1 for [CLS]/[SEP]. */
  readonly start: number;
  readonly end: number;
  readonly special: boolean;
  /** The model's label of the word the piece belongs to, if any. */
  readonly label?: string;
  /** Index of the word in this window (pieces of one word share it); -1 for specials. */
  readonly word: number;
}

export interface AttentionMessage extends ClsAttentionGrid {
  readonly type: 'attention';
  readonly file: string;
  readonly tokens: readonly AttentionTokenRow[];
}

/** Host -> webview. */
export type HostMessage =
  | AttentionMessage
  | { readonly type: 'noAttention'; readonly reason: string }
  | {
      readonly type: 'scores';
      readonly model: string;
      readonly file: string;
      readonly document: readonly ScoreRow[];
      readonly segment: readonly ScoreRow[];
      readonly selection: readonly ScoreRow[];
      /** Characters in the selection that was scored (0: no selection). */
      readonly selectionLength: number;
      /** The model's sequence labels (the panel keeps room for one bar each: no layout jump). */
      readonly sequenceLabels: readonly string[];
      /** What the model can show; undefined when no model is loaded. */
      readonly capabilities: PanelCapabilities | undefined;
    }
  | { readonly type: 'status'; readonly text: string };

/** Webview -> host. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'refresh' }
  | { readonly type: 'reveal'; readonly start: number; readonly end: number };

/**
 * The largest document offset a message may carry. No document can be longer: V8's strings stop
 * under 2^30 UTF-16 units, so anything past 2^31 - 1 is not an offset but a hostile or broken
 * message. (The host still checks offsets against the document it reveals in.)
 */
export const MAX_OFFSET = 2 ** 31 - 1;

const isOffset = (v: unknown, min = 0): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= MAX_OFFSET;

// Each validator returns a new value built from the fields it checked (never the object it was
// given), so nothing unchecked reaches the receiver: no extra fields, no getters, no prototype.

function capabilities(v: unknown): PanelCapabilities | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const c = v as Record<string, unknown>;
  if (typeof c.sequenceHead !== 'boolean' || typeof c.tokenHead !== 'boolean' || typeof c.attentions !== 'boolean') return undefined;
  return { sequenceHead: c.sequenceHead, tokenHead: c.tokenHead, attentions: c.attentions };
}

function strings(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string') ? [...(v as string[])] : undefined;
}

function scoreRows(v: unknown): ScoreRow[] | undefined {
  if (!Array.isArray(v) || v.length > 1000) return undefined;
  const out: ScoreRow[] = [];
  for (const r of v as unknown[]) {
    if (typeof r !== 'object' || r === null) return undefined;
    const { label, score } = r as Record<string, unknown>;
    if (typeof label !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) return undefined;
    out.push({ label, score });
  }
  return out;
}

function numbers(v: unknown, n: number): number[] | undefined {
  return Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x))
    ? [...(v as number[])]
    : undefined;
}

/** A [layer][head][token] grid of exactly layers x heads x n finite numbers, copied. */
function grid(v: unknown, layers: number, heads: number, n: number): number[][][] | undefined {
  if (!Array.isArray(v) || v.length !== layers) return undefined;
  const out: number[][][] = [];
  for (const l of v as unknown[]) {
    if (!Array.isArray(l) || l.length !== heads) return undefined;
    const rows: number[][] = [];
    for (const h of l as unknown[]) {
      const row = numbers(h, n);
      if (!row) return undefined;
      rows.push(row);
    }
    out.push(rows);
  }
  return out;
}

function tokenRows(v: unknown): AttentionTokenRow[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > 8192) return undefined;
  const out: AttentionTokenRow[] = [];
  for (const t of v as unknown[]) {
    if (typeof t !== 'object' || t === null) return undefined;
    const { text, start, end, special, word, label } = t as Record<string, unknown>;
    // -1 marks [CLS]/[SEP] (no place in the document)
    if (typeof text !== 'string' || !isOffset(start, -1) || !isOffset(end, -1) || typeof special !== 'boolean' || !isOffset(word, -1))
      return undefined;
    if (label !== undefined && typeof label !== 'string') return undefined;
    out.push({ text, start, end, special, word, ...(label !== undefined ? { label } : {}) });
  }
  return out;
}

function attentionMessage(m: Record<string, unknown>): AttentionMessage | undefined {
  const tokens = tokenRows(m.tokens);
  const { file, layers, heads } = m;
  if (typeof file !== 'string' || !tokens || !Number.isInteger(layers) || !Number.isInteger(heads)) return undefined;
  const [l, h] = [layers as number, heads as number];
  if (l <= 0 || h <= 0 || l > 128 || h > 128) return undefined;
  const n = tokens.length;
  const fromCls = grid(m.fromCls, l, h, n);
  const toCls = grid(m.toCls, l, h, n);
  const rolloutFromCls = numbers(m.rolloutFromCls, n);
  const rolloutToCls = numbers(m.rolloutToCls, n);
  if (!fromCls || !toCls || !rolloutFromCls || !rolloutToCls) return undefined;
  return { type: 'attention', file, tokens, layers: l, heads: h, fromCls, toCls, rolloutFromCls, rolloutToCls };
}

export function parseHostMessage(v: unknown): HostMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.type === 'noAttention' && typeof m.reason === 'string') return { type: 'noAttention', reason: m.reason };
  if (m.type === 'attention') return attentionMessage(m);
  if (m.type === 'status' && typeof m.text === 'string') return { type: 'status', text: m.text };
  if (m.type === 'scores' && typeof m.model === 'string' && typeof m.file === 'string' && isOffset(m.selectionLength)) {
    const [document, segment, selection] = [scoreRows(m.document), scoreRows(m.segment), scoreRows(m.selection)];
    const sequenceLabels = strings(m.sequenceLabels);
    const caps = m.capabilities === undefined ? undefined : capabilities(m.capabilities);
    if (!document || !segment || !selection || !sequenceLabels || (m.capabilities !== undefined && !caps)) return undefined;
    return {
      type: 'scores',
      model: m.model,
      file: m.file,
      document,
      segment,
      selection,
      selectionLength: m.selectionLength,
      sequenceLabels,
      capabilities: caps,
    };
  }
  return undefined;
}

export function parseWebviewMessage(v: unknown): WebviewMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.type === 'ready' || m.type === 'refresh') return { type: m.type };
  if (m.type === 'reveal' && isOffset(m.start) && isOffset(m.end) && m.end >= m.start) {
    return { type: 'reveal', start: m.start, end: m.end };
  }
  return undefined;
}
