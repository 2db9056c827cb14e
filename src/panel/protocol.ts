// Messages between the analysis panel (webview/) and the extension host. Both sides validate
// what they receive: a webview message is untrusted input.
//
// The panel draws one state from these messages (webview/state.ts): each host message replaces a
// whole part of it (the scores, the attention, the status), and the scores and attention are
// stamped with the document (URI and version) they belong to, so that a message for a document
// or version the panel no longer shows is dropped instead of drawn under another header.
import type { LabelSource, PanelCapabilities, TokenAttentionGrid } from '../core/panel_data';

export type { LabelSource, PanelCapabilities };

/** The document (and its version) a message is about. */
export interface DocStamp {
  readonly uri: string;
  readonly version: number;
}

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
  /** The label in force of the word the piece belongs to (a correction's, else the model's), if any. */
  readonly label?: string;
  /** Where `label` came from (absent: the model). */
  readonly source?: LabelSource;
  /** The model's label, when a correction or review set `label`. */
  readonly modelLabel?: string;
  /** Index of the word in this window (pieces of one word share it); -1 for specials. */
  readonly word: number;
}

/** One token's attention in the window at the cursor: `focus` is the token (0: [CLS]). */
export interface AttentionMessage extends TokenAttentionGrid {
  readonly type: 'attention';
  readonly doc: DocStamp;
  readonly file: string;
  /** Document offset where the window's text starts (names the window in `focus` requests). */
  readonly windowStart: number;
  readonly focus: number;
  readonly tokens: readonly AttentionTokenRow[];
}

export interface ScoresMessage {
  readonly type: 'scores';
  readonly doc: DocStamp;
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

export interface NoAttentionMessage {
  readonly type: 'noAttention';
  readonly doc: DocStamp;
  readonly reason: string;
}

/** Host -> webview. */
export type HostMessage = AttentionMessage | NoAttentionMessage | ScoresMessage | { readonly type: 'status'; readonly text: string };

/** Webview -> host. */
export type WebviewMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'refresh' }
  | { readonly type: 'reveal'; readonly start: number; readonly end: number }
  /** Show token `index`'s attention (0: [CLS]) in the window starting at `windowStart`. */
  | { readonly type: 'focus'; readonly windowStart: number; readonly index: number };

/**
 * The largest document offset a message may carry. No document can be longer: V8's strings stop
 * under 2^30 UTF-16 units, so anything past 2^31 - 1 is not an offset but a hostile or broken
 * message. (The host still checks offsets against the document it reveals in.)
 */
export const MAX_OFFSET = 2 ** 31 - 1;

const isOffset = (v: unknown, min = 0): v is number => Number.isInteger(v) && (v as number) >= min && (v as number) <= MAX_OFFSET;

// Each validator returns a new value built from the fields it checked (never the object it was
// given), so nothing unchecked reaches the receiver: no extra fields, no getters, no prototype.

function docStamp(v: unknown): DocStamp | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const { uri, version } = v as Record<string, unknown>;
  if (typeof uri !== 'string' || uri.length > 10_000 || !isOffset(version)) return undefined;
  return { uri, version };
}

const SOURCES: readonly LabelSource[] = ['model', 'corrected', 'reviewed'];

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
    const { text, start, end, special, word, label, source, modelLabel } = t as Record<string, unknown>;
    // -1 marks [CLS]/[SEP] (no place in the document)
    if (typeof text !== 'string' || !isOffset(start, -1) || !isOffset(end, -1) || typeof special !== 'boolean' || !isOffset(word, -1))
      return undefined;
    if (label !== undefined && typeof label !== 'string') return undefined;
    if (modelLabel !== undefined && typeof modelLabel !== 'string') return undefined;
    if (source !== undefined && !SOURCES.includes(source as LabelSource)) return undefined;
    out.push({
      text,
      start,
      end,
      special,
      word,
      ...(label !== undefined ? { label } : {}),
      ...(source !== undefined ? { source: source as LabelSource } : {}),
      ...(modelLabel !== undefined ? { modelLabel } : {}),
    });
  }
  return out;
}

function attentionMessage(m: Record<string, unknown>): AttentionMessage | undefined {
  const tokens = tokenRows(m.tokens);
  const doc = docStamp(m.doc);
  const { file, layers, heads, windowStart, focus } = m;
  if (typeof file !== 'string' || !doc || !tokens || !Number.isInteger(layers) || !Number.isInteger(heads)) return undefined;
  if (!isOffset(windowStart) || !isOffset(focus) || (focus as number) >= tokens.length) return undefined;
  const [l, h] = [layers as number, heads as number];
  if (l <= 0 || h <= 0 || l > 128 || h > 128) return undefined;
  const n = tokens.length;
  const from = grid(m.from, l, h, n);
  const to = grid(m.to, l, h, n);
  const rolloutFrom = numbers(m.rolloutFrom, n);
  const rolloutTo = numbers(m.rolloutTo, n);
  if (!from || !to || !rolloutFrom || !rolloutTo) return undefined;
  return { type: 'attention', doc, file, windowStart, focus, tokens, layers: l, heads: h, from, to, rolloutFrom, rolloutTo };
}

export function parseHostMessage(v: unknown): HostMessage | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.type === 'noAttention' && typeof m.reason === 'string') {
    const doc = docStamp(m.doc);
    return doc ? { type: 'noAttention', doc, reason: m.reason } : undefined;
  }
  if (m.type === 'attention') return attentionMessage(m);
  if (m.type === 'status' && typeof m.text === 'string') return { type: 'status', text: m.text };
  if (m.type === 'scores' && typeof m.model === 'string' && typeof m.file === 'string' && isOffset(m.selectionLength)) {
    const [document, segment, selection] = [scoreRows(m.document), scoreRows(m.segment), scoreRows(m.selection)];
    const sequenceLabels = strings(m.sequenceLabels);
    const caps = m.capabilities === undefined ? undefined : capabilities(m.capabilities);
    const doc = docStamp(m.doc);
    if (!doc || !document || !segment || !selection || !sequenceLabels || (m.capabilities !== undefined && !caps)) return undefined;
    return {
      type: 'scores',
      doc,
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
  // a window holds at most a model's length of tokens (the host checks the index against it)
  if (m.type === 'focus' && isOffset(m.windowStart) && isOffset(m.index) && (m.index as number) < 8192) {
    return { type: 'focus', windowStart: m.windowStart, index: m.index };
  }
  return undefined;
}
