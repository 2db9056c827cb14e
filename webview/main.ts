// The analysis panel's UI: the sequence head's scores (document, segment at the cursor,
// selection) as sorted bars, and attention to and from [CLS] over the segment's tokens, with
// controls for direction, layer, head, rollout and [CLS]/[SEP], a legend, and a layer x head grid.
// Talks to the host only through typed, validated messages (src/panel/protocol.ts).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import {
  capabilityNotes,
  selectWeights,
  spaceBefore,
  tokenDetail,
  visibleWeights,
  wordRange,
  type Direction,
} from '../src/core/panel_data';
import { parseHostMessage, type AttentionMessage, type ScoreRow, type WebviewMessage } from '../src/panel/protocol';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const $ = (id: string): HTMLElement => document.getElementById(id)!;

interface Controls {
  direction: Direction;
  layer: number | 'all';
  head: number | 'mean';
  rollout: boolean;
  hideSpecial: boolean;
}
const saved = (vscode.getState() as { controls?: Controls } | undefined)?.controls;
const controls: Controls = saved ?? { direction: 'fromCls', layer: 'all', head: 'mean', rollout: false, hideSpecial: true };
let attention: AttentionMessage | undefined;

function saveState(): void {
  vscode.setState({ controls });
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

// ---------------------------------------------------------------- attention
/** Weights of the visible tokens for the current controls (renormalised when specials are hidden). */
function shownWeights(
  a: AttentionMessage,
  layer: number | 'all',
  head: number | 'mean',
  rollout: boolean,
): Array<{ index: number; weight: number }> {
  return visibleWeights(a.tokens, selectWeights(a, { direction: controls.direction, layer, head, rollout }), controls.hideSpecial);
}

function showDetail(text: string): void {
  $('token-detail').textContent = text;
}

function shade(weight: number, max: number): string {
  const alpha = max > 0 ? Math.min(1, weight / max) : 0;
  return `color-mix(in srgb, var(--vscode-charts-orange, #d18616) ${(alpha * 85).toFixed(0)}%, transparent)`;
}

function renderAttention(): void {
  const a = attention;
  const text = $('attention-text');
  const grid = $('attention-grid');
  if (!a) return;
  const rows = shownWeights(a, controls.layer, controls.head, controls.rollout);
  const max = Math.max(1e-9, ...rows.map((r) => r.weight));
  // The focused token keeps focus across a redraw (controls changed, or new data for the text).
  const focused = (document.activeElement as HTMLElement | null)?.dataset?.index;
  const spans: HTMLElement[] = [];
  let prev: AttentionMessage['tokens'][number] | undefined;
  for (const { index, weight } of rows) {
    const t = a.tokens[index];
    if (spaceBefore(prev, t)) spans.push(Object.assign(document.createElement('span'), { textContent: ' ' }));
    prev = t;
    const span = document.createElement('span');
    span.className = t.special ? 'tok special' : 'tok';
    span.textContent = t.text;
    span.style.background = shade(weight, max);
    const detail = tokenDetail(t.text, weight, t.label);
    span.title = detail;
    span.dataset.weight = String(weight);
    span.dataset.index = String(index);
    if (t.label) span.dataset.label = t.label;
    span.addEventListener('mouseenter', () => showDetail(detail));
    span.addEventListener('focus', () => showDetail(detail));
    const range = wordRange(a.tokens, index);
    if (range) {
      span.tabIndex = 0;
      span.setAttribute('role', 'button');
      span.setAttribute('aria-label', `${detail}. Select the word in the editor`);
      span.dataset.start = String(range.start);
      span.dataset.end = String(range.end);
      const reveal = (): void => vscode.postMessage({ type: 'reveal', start: range.start, end: range.end });
      span.addEventListener('click', reveal);
      span.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault(); // Space would scroll the panel
          reveal();
        }
      });
    }
    spans.push(span);
  }
  text.replaceChildren(...spans);
  if (focused !== undefined) text.querySelector<HTMLElement>(`[data-index="${focused}"]`)?.focus();
  $('legend-max').textContent = max.toFixed(3);
  // layer x head grid: each cell a strip of the tokens' weights for that layer and head
  grid.replaceChildren();
  grid.style.gridTemplateColumns = `auto repeat(${a.heads}, minmax(3em, 1fr))`;
  grid.append(document.createElement('span'));
  for (let h = 0; h < a.heads; h++) {
    const hd = document.createElement('span');
    hd.className = 'grid-head';
    hd.textContent = `head ${h}`;
    grid.append(hd);
  }
  for (let l = 0; l < a.layers; l++) {
    const lh = document.createElement('span');
    lh.className = 'grid-head';
    lh.textContent = `layer ${l}`;
    grid.append(lh);
    for (let h = 0; h < a.heads; h++) {
      const cell = document.createElement('canvas');
      cell.className = 'cell' + (controls.layer === l && controls.head === h ? ' selected' : '');
      cell.width = 120;
      cell.height = 14;
      cell.title = `layer ${l}, head ${h}`;
      cell.tabIndex = 0;
      cell.setAttribute('role', 'button');
      cell.setAttribute('aria-label', `Show layer ${l}, head ${h}`);
      cell.setAttribute('aria-pressed', String(controls.layer === l && controls.head === h && !controls.rollout));
      cell.dataset.layer = String(l);
      cell.dataset.head = String(h);
      const ctx = cell.getContext('2d');
      const cellRows = shownWeights(a, l, h, false);
      const cmax = Math.max(1e-9, ...cellRows.map((r) => r.weight));
      const color = getComputedStyle(document.body).getPropertyValue('--vscode-charts-orange').trim() || '#d18616';
      if (ctx) {
        const wdt = cell.width / Math.max(1, cellRows.length);
        cellRows.forEach((r, k) => {
          ctx.globalAlpha = Math.min(1, r.weight / cmax);
          ctx.fillStyle = color;
          ctx.fillRect(k * wdt, 0, Math.ceil(wdt), cell.height);
        });
      }
      const pick = (): void => {
        controls.layer = l;
        controls.head = h;
        controls.rollout = false;
        syncControls();
        saveState();
        renderAttention();
      };
      cell.addEventListener('click', pick);
      cell.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          pick();
          grid.querySelector<HTMLElement>(`[data-layer="${l}"][data-head="${h}"]`)?.focus();
        }
      });
      grid.append(cell);
    }
  }
}

// ---------------------------------------------------------------- controls
type SelectEl = HTMLElement & { value: string };
type CheckboxEl = HTMLElement & { checked: boolean };

function fillSelect(id: string, options: Array<[string, string]>, value: string): void {
  const sel = $(id) as SelectEl;
  sel.replaceChildren(
    ...options.map(([v, label]) => {
      const o = document.createElement('vscode-option');
      o.setAttribute('value', v);
      o.textContent = label;
      return o;
    }),
  );
  sel.value = value;
}

function syncControls(): void {
  const a = attention;
  fillSelect(
    'direction',
    [
      ['fromCls', 'from [CLS] to tokens'],
      ['toCls', 'tokens to [CLS]'],
    ],
    controls.direction,
  );
  if (a) {
    if (typeof controls.layer === 'number' && controls.layer >= a.layers) controls.layer = 'all';
    if (typeof controls.head === 'number' && controls.head >= a.heads) controls.head = 'mean';
    fillSelect(
      'layer',
      [['all', 'all layers (mean)'], ...[...Array(a.layers).keys()].map((l): [string, string] => [String(l), `layer ${l}`])],
      String(controls.layer),
    );
    fillSelect(
      'head',
      [['mean', 'mean over heads'], ...[...Array(a.heads).keys()].map((h): [string, string] => [String(h), `head ${h}`])],
      String(controls.head),
    );
  }
  ($('rollout') as CheckboxEl).checked = controls.rollout;
  ($('hide-special') as CheckboxEl).checked = controls.hideSpecial;
  $('layer').toggleAttribute('disabled', controls.rollout);
  $('head').toggleAttribute('disabled', controls.rollout);
}

function onChange(id: string, apply: (el: HTMLElement) => void): void {
  $(id).addEventListener('change', () => {
    apply($(id));
    syncControls();
    saveState();
    renderAttention();
  });
}
onChange('direction', (el) => (controls.direction = (el as SelectEl).value === 'toCls' ? 'toCls' : 'fromCls'));
onChange('layer', (el) => {
  const v = (el as SelectEl).value;
  controls.layer = v === 'all' ? 'all' : Number(v);
});
onChange('head', (el) => {
  const v = (el as SelectEl).value;
  controls.head = v === 'mean' ? 'mean' : Number(v);
});
onChange('rollout', (el) => (controls.rollout = (el as CheckboxEl).checked));
onChange('hide-special', (el) => (controls.hideSpecial = (el as CheckboxEl).checked));

// ---------------------------------------------------------------- messages
window.addEventListener('message', (event: MessageEvent) => {
  const msg = parseHostMessage(event.data);
  if (!msg) return; // not ours, or malformed: ignored
  switch (msg.type) {
    case 'status':
      $('status').textContent = msg.text;
      return;
    case 'noAttention':
      attention = undefined;
      $('attention-section').classList.add('unavailable');
      $('attention-note').textContent = msg.reason;
      $('attention-text').replaceChildren();
      $('attention-grid').replaceChildren();
      return;
    case 'attention':
      attention = msg;
      $('attention-section').classList.remove('unavailable');
      $('attention-note').textContent = `${msg.tokens.length} tokens, ${msg.layers} layers × ${msg.heads} heads`;
      syncControls();
      renderAttention();
      document.body.dataset.attentionUpdates = String(Number(document.body.dataset.attentionUpdates ?? 0) + 1);
      return;
    case 'scores': {
      $('status').textContent = `${msg.model} · ${msg.file}`;
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
      return;
    }
  }
});

$('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
syncControls();
vscode.postMessage({ type: 'ready' });
