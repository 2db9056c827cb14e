// The analysis panel's one state and the pure step from one state to the next (no DOM: unit-tested
// in Node). main.ts keeps a single `state`, feeds every host message and user action through
// `reduce`, and draws everything from the result with one `render(state)`: the dropdowns, the
// grid's selected cell, the shaded tokens and the detail line all read the same fields, so they
// cannot disagree.
//
// Host messages replace whole parts of the state: the scores (and with them the document the
// panel shows), the attention, the status. Scores and attention are stamped with the document's
// URI and version; attention for any other document or version than the scores' is dropped, and
// scores for another document or version clear the attention until that document's arrives.
import { selectWeights, tokenDetail, visibleWeights, type Direction, type VisibleWeight } from '../src/core/panel_data';
import type { AttentionMessage, DocStamp, HostMessage, ScoresMessage } from '../src/panel/protocol';

export interface Controls {
  readonly direction: Direction;
  readonly layer: number | 'all';
  readonly head: number | 'mean';
  readonly rollout: boolean;
  readonly hideSpecial: boolean;
}

export const DEFAULT_CONTROLS: Controls = { direction: 'from', layer: 'all', head: 'mean', rollout: false, hideSpecial: true };

export type AttentionPart =
  | { readonly kind: 'waiting'; readonly note: string }
  | { readonly kind: 'unavailable'; readonly reason: string }
  | { readonly kind: 'shown'; readonly message: AttentionMessage };

export interface PanelState {
  /** The header line. */
  readonly status: string;
  /** The document the scores (and so the panel) are about. */
  readonly doc: DocStamp | undefined;
  readonly scores: ScoresMessage | undefined;
  readonly attention: AttentionPart;
  readonly controls: Controls;
  /** The token whose exact weight the detail line shows (pointer or keyboard focus on it). */
  readonly hovered: number | undefined;
  /** A token asked for in the token-to-token view whose attention has not arrived yet. */
  readonly pendingFocus: number | undefined;
}

export const WAITING = 'Place the cursor in labeled text.';
export const DETAIL_HINT = 'Hover or focus a token to see its exact weight and label.';

export function initialState(saved: unknown): PanelState {
  return {
    status: 'Label a document to see its scores.',
    doc: undefined,
    scores: undefined,
    attention: { kind: 'waiting', note: WAITING },
    controls: restoreControls(saved),
    hovered: undefined,
    pendingFocus: undefined,
  };
}

/** Controls saved by an earlier page (vscode.getState), checked field by field; defaults otherwise. */
export function restoreControls(saved: unknown): Controls {
  const c = (typeof saved === 'object' && saved !== null ? (saved as { controls?: unknown }).controls : undefined) as
    | Record<string, unknown>
    | undefined;
  if (typeof c !== 'object' || c === null) return DEFAULT_CONTROLS;
  const d = c.direction;
  const direction: Direction = d === 'to' || d === 'toCls' ? 'to' : 'from';
  const layer = Number.isInteger(c.layer) && (c.layer as number) >= 0 ? (c.layer as number) : 'all';
  const head = Number.isInteger(c.head) && (c.head as number) >= 0 ? (c.head as number) : 'mean';
  return {
    direction,
    layer,
    head,
    rollout: c.rollout === true,
    hideSpecial: c.hideSpecial !== false,
  };
}

export type PanelEvent =
  | { readonly type: 'host'; readonly message: HostMessage }
  | { readonly type: 'controls'; readonly change: Partial<Controls> }
  /** A layer x head grid cell: that layer and head, not the rollout. */
  | { readonly type: 'pickCell'; readonly layer: number; readonly head: number }
  | { readonly type: 'hover'; readonly index: number | undefined }
  /** The token whose attention row and column to show (0: [CLS]). */
  | { readonly type: 'focus'; readonly index: number };

const sameDoc = (a: DocStamp | undefined, b: DocStamp): boolean => !!a && a.uri === b.uri && a.version === b.version;

/** Layer and head kept within what the model has. */
function clamp(c: Controls, a: AttentionMessage): Controls {
  const layer = typeof c.layer === 'number' && c.layer >= a.layers ? 'all' : c.layer;
  const head = typeof c.head === 'number' && c.head >= a.heads ? 'mean' : c.head;
  return layer === c.layer && head === c.head ? c : { ...c, layer, head };
}

const sameWindow = (a: AttentionMessage, b: AttentionMessage): boolean =>
  a.windowStart === b.windowStart && a.tokens.length === b.tokens.length && a.tokens.every((t, i) => t.start === b.tokens[i].start);

export function reduce(state: PanelState, event: PanelEvent): PanelState {
  switch (event.type) {
    case 'controls': {
      const controls = { ...state.controls, ...event.change };
      return { ...state, controls: state.attention.kind === 'shown' ? clamp(controls, state.attention.message) : controls };
    }
    case 'pickCell':
      return { ...state, controls: { ...state.controls, layer: event.layer, head: event.head, rollout: false } };
    case 'hover':
      return { ...state, hovered: event.index };
    case 'focus':
      return { ...state, pendingFocus: event.index };
    case 'host':
      return host(state, event.message);
  }
}

function host(state: PanelState, m: HostMessage): PanelState {
  switch (m.type) {
    case 'status':
      return { ...state, status: m.text };
    case 'scores': {
      const next = { ...state, scores: m, status: `${m.model} · ${m.file}` };
      if (sameDoc(state.doc, m.doc)) return next;
      // another document, or another version of it: its attention is not this one
      return { ...next, doc: m.doc, attention: { kind: 'waiting', note: WAITING }, hovered: undefined, pendingFocus: undefined };
    }
    case 'noAttention':
      if (!sameDoc(state.doc, m.doc)) return state;
      return { ...state, attention: { kind: 'unavailable', reason: m.reason }, hovered: undefined, pendingFocus: undefined };
    case 'attention': {
      if (!sameDoc(state.doc, m.doc)) return state; // stale: for a document or version no longer shown
      const prev = state.attention.kind === 'shown' ? state.attention.message : undefined;
      const same = !!prev && sameWindow(prev, m);
      const pending = same && state.pendingFocus !== undefined && state.pendingFocus !== m.focus ? state.pendingFocus : undefined;
      return {
        ...state,
        attention: { kind: 'shown', message: m },
        controls: clamp(state.controls, m),
        hovered: same ? state.hovered : undefined,
        pendingFocus: pending,
      };
    }
  }
}

/** The token whose row and column are shown (or asked for). */
export function focusOf(state: PanelState): number {
  return state.pendingFocus ?? (state.attention.kind === 'shown' ? state.attention.message.focus : 0);
}

/** Weights of the visible tokens for the state's controls (renormalised when specials are hidden). */
export function shownWeights(a: AttentionMessage, c: Controls, layer = c.layer, head = c.head, rollout = c.rollout): VisibleWeight[] {
  return visibleWeights(a.tokens, selectWeights(a, { direction: c.direction, layer, head, rollout }), c.hideSpecial);
}

/** What the detail line says: the hovered token's weight under the current controls, or the hint. */
export function detailLine(state: PanelState): string {
  if (state.attention.kind !== 'shown' || state.hovered === undefined) return DETAIL_HINT;
  const a = state.attention.message;
  const row = shownWeights(a, state.controls).find((r) => r.index === state.hovered);
  const t = a.tokens[state.hovered];
  if (!row || !t) return DETAIL_HINT;
  return tokenDetail(t.text, row.weight, t.label, t.source, t.modelLabel);
}

/** A token's name in the controls: "[CLS]", or its text with its place ("fox" (#7)). */
export function tokenName(a: AttentionMessage, index: number): string {
  const t = a.tokens[index];
  if (!t) return '[CLS]';
  return t.special ? t.text : `"${t.text}" (#${index})`;
}

/** The direction dropdown's options for the focus token. */
export function directionOptions(a: AttentionMessage | undefined, focus: number): Array<[Direction, string]> {
  const name = a ? tokenName(a, focus) : '[CLS]';
  return [
    ['from', `from ${name} to every token`],
    ['to', `every token to ${name}`],
  ];
}
