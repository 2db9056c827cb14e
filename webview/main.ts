// The analysis panel's UI: the sequence head's scores for the document, the segment under the
// cursor and the selection, as sorted bars. Talks to the host only through typed, validated
// messages (src/webview_protocol.ts).
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { parseHostMessage, type ScoreRow, type WebviewMessage } from '../src/webview_protocol';

interface VsCodeApi {
  postMessage(msg: WebviewMessage): void;
  setState(state: unknown): void;
  getState(): unknown;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

const $ = (id: string): HTMLElement => document.getElementById(id)!;

function renderBars(containerId: string, rows: readonly ScoreRow[], empty: string): void {
  const el = $(containerId);
  el.replaceChildren();
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

window.addEventListener('message', (event: MessageEvent) => {
  const msg = parseHostMessage(event.data);
  if (!msg) return; // not ours, or malformed: ignored
  if (msg.type === 'status') {
    $('status').textContent = msg.text;
    return;
  }
  $('status').textContent = `${msg.model} · ${msg.file}`;
  renderBars('document', msg.document, 'No sequence scores (the model has no sequence head, or the document is empty).');
  renderBars('segment', msg.segment, 'Place the cursor in labeled text.');
  renderBars('selection', msg.selection, 'Select text to score it.');
  vscode.setState({ file: msg.file });
});

$('refresh').addEventListener('click', () => vscode.postMessage({ type: 'refresh' }));
vscode.postMessage({ type: 'ready' });
