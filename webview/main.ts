// The analysis panel's UI: the sequence head's scores (document, segment at the cursor,
// selection) as sorted bars, and the attention of one token of the segment at the cursor ([CLS]
// by default; any token, picked in the "Attention of" control or by double-clicking it: the
// token-to-token view) to and from every token, with controls for direction, layer, head,
// rollout and [CLS]/[SEP], a legend, and a layer x head grid.
//
// One state, one render: every host message and user action goes through `reduce` (state.ts)
// into the one `state`, and `render(state)` draws all of it. Parts whose inputs did not change
// are not redrawn (a hover redraws only the detail line), and a dropdown's options are rebuilt
// only when they change, with the chosen one marked `selected` so that the element never falls
// back to its first option. Talks to the host only through typed, validated messages
// (src/panel/protocol.ts).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { capabilityNotes, spaceBefore, tokenDetail, wordRange } from '../src/core/panel_data';
import { parseHostMessage, type AttentionMessage, type ScoreRow, type WebviewMessage } from '../src/panel/protocol';
import {
  detailLine,
  directionOptions,
  focusOf,
  initialState,
  reduce,
  shownWeights,
  tokenName,
  type PanelEvent,
  type PanelState,
} from './state';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const $ = (id: string): HTMLElement => document.getElementById(id)!;

let state: PanelState = initialState(vscode.getState());

function dispatch(event: PanelEvent): void {
  const before = state;
  state = reduce(state, event);
  if (state.controls !== before.controls) vscode.setState({ controls: state.controls });
  render(state);
}

// ---------------------------------------------------------------- scores
function renderBars(containerId: string, rows: readonly ScoreRow[], empty: string): void {
  const el = $(containerId);
  el.replaceChildren();
  el.setAttribute('aria-busy', 'false');
  if (!rows.length) {
    const p = document.createElement('p');
    p.className = 'empty';
    p.textContent = empty;
    el.append(p);
    return;
  }
  for (const r of [...rows].sort((a, b) => b.score - a.score)) {
    const row = document.createElement('div');
    row.className = 'bar-row';
    row.setAttribute('role', 'listitem');
    const label = document.createElement('span');
    label.className = 'bar-label';
    label.textContent = r.label;
    const track = document.createElement('span');
    track.className = 'bar-track';
    const fill = document.createElement('span');
    fill.className = 'bar-fill';
    fill.style.width = `${(Math.max(0, Math.min(1, r.score)) * 100).toFixed(1)}%`;
    track.append(fill);
    const value = document.createElement('span');
    value.className = 'bar-value';
    value.textContent = `${(r.score * 100).toFixed(1)}%`;
    row.append(label, track, value);
    row.setAttribute('aria-label', `${r.label} ${(r.score * 100).toFixed(1)} percent`);
    el.append(row);
  }
}

function renderScores(s: PanelState): void {
  const msg = s.scores;
  if (!msg) return;
  const notes = msg.capabilities ? capabilityNotes(msg.capabilities) : [];
  $('model-notes').textContent = notes.join(' ');
  $('model-notes').hidden = notes.length === 0;
  // Room for one bar per sequence label in each chart, whatever is shown now: refreshing,
  // selecting or moving the cursor never moves what is below.
  document.body.style.setProperty('--bar-rows', String(Math.max(1, msg.sequenceLabels.length)));
  const noHead = msg.capabilities && !msg.capabilities.sequenceHead;
  const none = 'No scores: this model has no sequence head.';
  renderBars('document', msg.document, noHead ? none : 'Label the document to see its scores.');
  renderBars('segment', msg.segment, noHead ? none : 'Place the cursor in labeled text.');
  renderBars('selection', msg.selection, noHead ? none : 'Select text to score it (labeled on demand).');
  $('selection-title').textContent = msg.selectionLength ? `Selection (${msg.selectionLength} characters)` : 'Selection';
  document.body.dataset.updates = String(Number(document.body.dataset.updates ?? 0) + 1);
}

// ---------------------------------------------------------------- attention
function shade(weight: number, max: number): string {
  const alpha = max > 0 ? Math.min(1, weight / max) : 0;
  return `color-mix(in srgb, var(--vscode-charts-orange, #d18616) ${(alpha * 85).toFixed(0)}%, transparent)`;
}

function renderTokens(s: PanelState, a: AttentionMessage): void {
  const text = $('attention-text');
  const rows = shownWeights(a, s.controls);
  const max = Math.max(1e-9, ...rows.map((r) => r.weight));
  const focus = a.focus;
  // The focused token keeps focus across a redraw (controls changed, or new data for the text).
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.index;
  const spans: HTMLElement[] = [];
  let prev: AttentionMessage['tokens'][number] | undefined;
  for (const { index, weight } of rows) {
    const t = a.tokens[index];
    if (spaceBefore(prev, t)) spans.push(Object.assign(document.createElement('span'), { textContent: ' ' }));
    prev = t;
    const span = document.createElement('span');
    span.className =
      (t.special ? 'tok special' : 'tok') + (index === focus ? ' focus' : '') + (t.source && t.source !== 'model' ? ` ${t.source}` : '');
    span.textContent = t.text;
    span.style.background = shade(weight, max);
    const detail = tokenDetail(t.text, weight, t.label, t.source, t.modelLabel);
    span.title = `${detail}\nDouble-click: show this token's attention`;
    span.dataset.weight = String(weight);
    span.dataset.index = String(index);
    if (t.label) span.dataset.label = t.label;
    if (t.source) span.dataset.source = t.source;
    if (index === focus) span.setAttribute('aria-current', 'true');
    span.addEventListener('mouseenter', () => dispatch({ type: 'hover', index }));
    span.addEventListener('focus', () => dispatch({ type: 'hover', index }));
    span.addEventListener('dblclick', () => pickFocus(index));
    const range = wordRange(a.tokens, index);
    if (range) {
      span.tabIndex = 0;
      span.setAttribute('role', 'button');
      span.setAttribute('aria-label', `${detail}. Enter or Space selects the word in the editor; A shows its attention`);
      span.dataset.start = String(range.start);
      span.dataset.end = String(range.end);
      const reveal = (): void => vscode.postMessage({ type: 'reveal', start: range.start, end: range.end });
      span.addEventListener('click', reveal);
      span.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault(); // Space would scroll the panel
          reveal();
        } else if (e.key === 'a' || e.key === 'A') {
          e.preventDefault();
          pickFocus(index);
        }
      });
    }
    spans.push(span);
  }
  text.replaceChildren(...spans);
  if (focused !== undefined) text.querySelector<HTMLElement>(`[data-index="${focused}"]`)?.focus();
  $('legend-max').textContent = max.toFixed(3);
}

function renderGrid(s: PanelState, a: AttentionMessage): void {
  // layer x head grid: each cell a strip of the tokens' weights for that layer and head
  const grid = $('attention-grid');
  const refocus = (document.activeElement as HTMLElement | null)?.classList.contains('cell')
    ? [(document.activeElement as HTMLElement).dataset.layer, (document.activeElement as HTMLElement).dataset.head]
    : undefined;
  grid.replaceChildren();
  grid.style.gridTemplateColumns = `auto repeat(${a.heads}, minmax(3em, 1fr))`;
  grid.append(document.createElement('span'));
  for (let h = 0; h < a.heads; h++) {
    const hd = document.createElement('span');
    hd.className = 'grid-head';
    hd.textContent = `head ${h}`;
    grid.append(hd);
  }
  const color = getComputedStyle(document.body).getPropertyValue('--vscode-charts-orange').trim() || '#d18616';
  const c = s.controls;
  for (let l = 0; l < a.layers; l++) {
    const lh = document.createElement('span');
    lh.className = 'grid-head';
    lh.textContent = `layer ${l}`;
    grid.append(lh);
    for (let h = 0; h < a.heads; h++) {
      const chosen = !c.rollout && c.layer === l && c.head === h;
      const cell = document.createElement('canvas');
      cell.className = 'cell' + (chosen ? ' selected' : '');
      cell.width = 120;
      cell.height = 14;
      cell.title = `layer ${l}, head ${h}`;
      cell.tabIndex = 0;
      cell.setAttribute('role', 'button');
      cell.setAttribute('aria-label', `Show layer ${l}, head ${h}`);
      cell.setAttribute('aria-pressed', String(chosen));
      cell.dataset.layer = String(l);
      cell.dataset.head = String(h);
      const ctx = cell.getContext('2d');
      const cellRows = shownWeights(a, c, l, h, false);
      const cmax = Math.max(1e-9, ...cellRows.map((r) => r.weight));
      if (ctx) {
        const wdt = cell.width / Math.max(1, cellRows.length);
        cellRows.forEach((r, k) => {
          ctx.globalAlpha = Math.min(1, r.weight / cmax);
          ctx.fillStyle = color;
          ctx.fillRect(k * wdt, 0, Math.ceil(wdt), cell.height);
        });
      }
      const pick = (): void => dispatch({ type: 'pickCell', layer: l, head: h });
      cell.addEventListener('click', pick);
      cell.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          pick();
        }
      });
      grid.append(cell);
    }
  }
  if (refocus) grid.querySelector<HTMLElement>(`[data-layer="${refocus[0]}"][data-head="${refocus[1]}"]`)?.focus();
}

// ---------------------------------------------------------------- controls
type SelectEl = HTMLElement & { value: string };
type CheckboxEl = HTMLElement & { checked: boolean };

/**
 * Shows `value` in a dropdown. Its options are rebuilt only when they differ from those shown,
 * each built with `selected` on the chosen one: the element reads its options when they are
 * slotted, after this returns, and would otherwise fall back to the first.
 */
function setSelect(id: string, options: ReadonlyArray<readonly [string, string]>, value: string): void {
  const sel = $(id) as SelectEl;
  const signature = JSON.stringify(options);
  if (sel.dataset.options !== signature) {
    sel.dataset.options = signature;
    sel.replaceChildren(
      ...options.map(([v, label]) => {
        const o = document.createElement('vscode-option');
        o.setAttribute('value', v);
        if (v === value) o.setAttribute('selected', '');
        o.textContent = label;
        return o;
      }),
    );
  }
  if (sel.value !== value) sel.value = value;
  sel.dataset.value = value;
}

function setChecked(id: string, checked: boolean): void {
  const el = $(id) as CheckboxEl;
  if (el.checked !== checked) el.checked = checked;
}

function renderControls(s: PanelState): void {
  const a = s.attention.kind === 'shown' ? s.attention.message : undefined;
  const c = s.controls;
  const focus = focusOf(s);
  setSelect('direction', directionOptions(a, focus), c.direction);
  if (a) {
    setSelect(
      'layer',
      [['all', 'all layers (mean)'], ...[...Array(a.layers).keys()].map((l): [string, string] => [String(l), `layer ${l}`])],
      String(c.layer),
    );
    setSelect(
      'head',
      [['mean', 'mean over heads'], ...[...Array(a.heads).keys()].map((h): [string, string] => [String(h), `head ${h}`])],
      String(c.head),
    );
    setSelect(
      'focus',
      a.tokens.map((_, i): [string, string] => [String(i), i === 0 ? '[CLS] (the default)' : tokenName(a, i)]),
      String(focus),
    );
  }
  setChecked('rollout', c.rollout);
  setChecked('hide-special', c.hideSpecial);
  $('layer').toggleAttribute('disabled', c.rollout);
  $('head').toggleAttribute('disabled', c.rollout);
}

function pickFocus(index: number): void {
  const a = state.attention.kind === 'shown' ? state.attention.message : undefined;
  if (!a || index < 0 || index >= a.tokens.length) return;
  dispatch({ type: 'focus', index });
  vscode.postMessage({ type: 'focus', windowStart: a.windowStart, index });
}

// ---------------------------------------------------------------- render
/** What each part was last drawn from: a part is redrawn only when its inputs changed. */
const drawn: { scores?: unknown; tokens?: unknown[]; grid?: unknown[]; attention?: unknown } = {};
const changed = (prev: unknown[] | undefined, next: unknown[]): boolean =>
  !prev || prev.length !== next.length || prev.some((v, i) => v !== next[i]);

function render(s: PanelState): void {
  $('status').textContent = s.status;
  if (s.scores !== drawn.scores) {
    drawn.scores = s.scores;
    renderScores(s);
  }
  renderControls(s);
  const section = $('attention-section');
  const att = s.attention;
  if (att !== drawn.attention) {
    drawn.attention = att;
    section.classList.toggle('unavailable', att.kind === 'unavailable');
    if (att.kind !== 'shown') {
      $('attention-note').textContent = att.kind === 'waiting' ? att.note : att.reason;
      $('attention-text').replaceChildren();
      $('attention-grid').replaceChildren();
      drawn.tokens = drawn.grid = undefined;
    } else {
      const a = att.message;
      $('attention-note').textContent =
        `${a.file}: ${a.tokens.length} tokens, ${a.layers} layers × ${a.heads} heads; attention of ${tokenName(a, a.focus)}`;
      document.body.dataset.attentionUpdates = String(Number(document.body.dataset.attentionUpdates ?? 0) + 1);
    }
    document.body.dataset.doc = s.doc ? `${s.doc.uri}@${s.doc.version}` : '';
  }
  if (att.kind === 'shown') {
    const a = att.message;
    const c = s.controls;
    const tokensKey = [a, c.direction, c.layer, c.head, c.rollout, c.hideSpecial];
    if (changed(drawn.tokens, tokensKey)) {
      drawn.tokens = tokensKey;
      renderTokens(s, a);
    }
    const gridKey = [a, c.direction, c.layer, c.head, c.rollout, c.hideSpecial];
    if (changed(drawn.grid, gridKey)) {
      drawn.grid = gridKey;
      renderGrid(s, a);
    }
  }
  $('token-detail').textContent = detailLine(s);
}

// ---------------------------------------------------------------- events
function onChange(id: string, read: (el: HTMLElement) => PanelEvent | undefined): void {
  $(id).addEventListener('change', () => {
    const e = read($(id));
    if (e) dispatch(e);
  });
}
onChange('direction', (el) => ({ type: 'controls', change: { direction: (el as SelectEl).value === 'to' ? 'to' : 'from' } }));
onChange('layer', (el) => {
  const v = (el as SelectEl).value;
  return { type: 'controls', change: { layer: v === 'all' ? 'all' : Number(v) } };
});
onChange('head', (el) => {
  const v = (el as SelectEl).value;
  return { type: 'controls', change: { head: v === 'mean' ? 'mean' : Number(v) } };
});
onChange('rollout', (el) => ({ type: 'controls', change: { rollout: (el as CheckboxEl).checked } }));
onChange('hide-special', (el) => ({ type: 'controls', change: { hideSpecial: (el as CheckboxEl).checked } }));
$('focus').addEventListener('change', () => {
  const i = Number(($('focus') as SelectEl).value);
  if (Number.isInteger(i) && i !== focusOf(state)) pickFocus(i);
});

window.addEventListener('message', (event: MessageEvent) => {
  const message = parseHostMessage(event.data);
  if (!message) return; // not ours, or malformed: ignored
  dispatch({ type: 'host', message });
});

$('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
render(state);
vscode.postMessage({ type: 'ready' });
