// Messages between the analysis panel (webview/) and the extension host. Both sides validate
// what they receive: a webview message is untrusted input.
import type { ClsAttentionGrid, PanelCapabilities } from './core/panel_data';

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

function isCapabilities(v: unknown): v is PanelCapabilities {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  return typeof c.sequenceHead === 'boolean' && typeof c.tokenHead === 'boolean' && typeof c.attentions === 'boolean';
}

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.length <= 1000 && v.every((x) => typeof x === 'string');

function isScoreRows(v: unknown): v is ScoreRow[] {
  return Array.isArray(v) && v.length <= 1000 && v.every((r) =>
    typeof r === 'object' && r !== null && typeof (r as ScoreRow).label === 'string' &&
    typeof (r as ScoreRow).score === 'number' && Number.isFinite((r as ScoreRow).score));
}

const isNumbers = (v: unknown, n: number): v is number[] =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

function isGrid(v: unknown, layers: number, heads: number, n: number): boolean {
  return Array.isArray(v) && v.length === layers &&
    v.every((l) => Array.isArray(l) && l.length === heads && l.every((h) => isNumbers(h, n)));
}

function isTokenRows(v: unknown): v is AttentionTokenRow[] {
  return Array.isArray(v) && v.length > 0 && v.length <= 8192 && v.every((t) => {
    const r = t as Record<string, unknown>;
    return typeof t === 'object' && t !== null && typeof r.text === 'string' && Number.isInteger(r.start) &&
      Number.isInteger(r.end) && typeof r.special === 'boolean' && Number.isInteger(r.word) &&
      (r.label === undefined || typeof r.label === 'string');
  });
}

export function parseHostMessage(v: unknown): HostMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.type === 'noAttention' && typeof m.reason === 'string') return { type: 'noAttention', reason: m.reason };
  if (m.type === 'attention' && typeof m.file === 'string' && isTokenRows(m.tokens) &&
      Number.isInteger(m.layers) && Number.isInteger(m.heads) && (m.layers as number) > 0 && (m.heads as number) > 0 &&
      (m.layers as number) <= 128 && (m.heads as number) <= 128) {
    const n = m.tokens.length;
    const [layers, heads] = [m.layers as number, m.heads as number];
    if (isGrid(m.fromCls, layers, heads, n) && isGrid(m.toCls, layers, heads, n) &&
        isNumbers(m.rolloutFromCls, n) && isNumbers(m.rolloutToCls, n)) {
      return m as unknown as AttentionMessage;
    }
    return undefined;
  }
  if (m.type === 'status' && typeof m.text === 'string') return { type: 'status', text: m.text };
  if (m.type === 'scores' && typeof m.model === 'string' && typeof m.file === 'string' &&
      isScoreRows(m.document) && isScoreRows(m.segment) && isScoreRows(m.selection) &&
      Number.isInteger(m.selectionLength) && (m.selectionLength as number) >= 0 && isStrings(m.sequenceLabels) &&
      (m.capabilities === undefined || isCapabilities(m.capabilities))) {
    return {
      type: 'scores', model: m.model, file: m.file, document: m.document, segment: m.segment, selection: m.selection,
      selectionLength: m.selectionLength as number, sequenceLabels: m.sequenceLabels,
      capabilities: m.capabilities === undefined ? undefined : { ...m.capabilities },
    };
  }
  return undefined;
}

export function parseWebviewMessage(v: unknown): WebviewMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.type === 'ready' || m.type === 'refresh') return { type: m.type };
  if (m.type === 'reveal' && Number.isInteger(m.start) && Number.isInteger(m.end) &&
      (m.start as number) >= 0 && (m.end as number) >= (m.start as number)) {
    return { type: 'reveal', start: m.start as number, end: m.end as number };
  }
  return undefined;
}
