// The analysis panel (webview): sequence-classification scores for the document, the segment
// under the cursor and the selection, and the attention of the window at the cursor. Follows the
// active editor and selection (debounced), restores after reload (serializer), strict
// Content-Security-Policy, validated messages. One panel at most: the Panels service
// (panels.ts) owns it.
//
// Every scores and attention message is stamped with the document's URI and version (the
// webview drops what is not for the document it shows). The window's whole attention is kept
// here, so that any token's row and column (the token-to-token view; [CLS] first) and the
// labels in force (corrections over the model's) are sent again without running the model.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { modelOpinion } from '../core/adapt/opinion';
import { REMOVED_LABEL } from '../core/annotations';
import { rollout, tokenAttention, type WindowAttention } from '../core/attention';
import type { AttentionToken, Labeler } from '../core/labeler';
import { capabilityNotes, type PanelCapabilities } from '../core/panel_data';
import { LabelStore } from '../labeling/label_store';
import { panelHtml } from './html';
import {
  parseWebviewMessage,
  type AttentionMessage,
  type AttentionTokenRow,
  type DocStamp,
  type HostMessage,
  type ScoreRow,
} from './protocol';
import type { Services } from '../services';
import { select } from '../editors';

export type PanelServices = Pick<Services, 'config' | 'log' | 'model' | 'labels' | 'runs' | 'corrections'>;

/** The attention of the window at the cursor, kept for the token-to-token view. */
interface WindowState {
  readonly key: string;
  readonly doc: vscode.TextDocument;
  readonly stamp: DocStamp;
  readonly windowStart: number;
  readonly text: string;
  readonly tokens: readonly AttentionToken[];
  readonly attention: WindowAttention;
  readonly rolled: Float32Array;
  focus: number;
}

const stampOf = (doc: vscode.TextDocument): DocStamp => ({ uri: doc.uri.toString(), version: doc.version });

function capabilitiesOf(labeler: Labeler): PanelCapabilities {
  return { sequenceHead: !!labeler.roles.sequenceLogits, tokenHead: !!labeler.roles.tokenLogits, attentions: !!labeler.roles.attentions };
}

export const PANEL_VIEW_TYPE = 'bertLstm.analysis';

export class AnalysisPanel implements vscode.Disposable {
  /** The last scores message sent to the webview (for the API and tests). */
  lastMessage: HostMessage | undefined;
  /** The last attention (or noAttention) message sent. */
  lastAttention: HostMessage | undefined;
  private attentionKey = '';
  private window: WindowState | undefined;
  /** The token rows last sent (labels included): a labels-only change is sent again. */
  private sentTokens = '';
  /** The editor the panel follows (the last active text editor). */
  private editor: vscode.TextEditor | undefined = vscode.window.activeTextEditor;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private selectionRun = 0;
  /** The last scored selection (document version and range) and its scores: not re-run on every update. */
  private selectionScores: { key: string; rows: readonly ScoreRow[] } | undefined;

  constructor(
    private readonly s: PanelServices,
    private readonly extensionUri: vscode.Uri,
    readonly panel: vscode.WebviewPanel,
    private readonly onDispose: (p: AnalysisPanel) => void,
  ) {
    const root = extensionUri;
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(root, 'media'), vscode.Uri.joinPath(root, 'dist', 'webview')],
    };
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw) => {
        const msg = parseWebviewMessage(raw);
        if (!msg) {
          s.log.warn(`analysis panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        if (msg.type === 'refresh') {
          const doc = this.editor?.document;
          if (doc) void s.runs.labelDocument(doc).then(() => this.update());
        } else if (msg.type === 'reveal') {
          void this.reveal(msg.start, msg.end);
        } else if (msg.type === 'focus') {
          const w = this.window;
          // a request for a window the panel has moved on from is dropped
          if (
            w &&
            w.windowStart === msg.windowStart &&
            msg.index < w.tokens.length &&
            !w.doc.isClosed &&
            w.doc.version === w.stamp.version
          ) {
            w.focus = msg.index;
            void this.postAttention(w, true);
          }
        } else {
          this.attentionKey = '';
          this.window = undefined;
          void this.update();
        }
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e) this.editor = e;
        this.schedule();
      }),
      vscode.window.onDidChangeTextEditorSelection(() => this.schedule()),
      s.labels.onDidChange(() => this.schedule()),
      s.corrections.onDidChange(() => this.schedule()),
    );
  }

  /** The document of the editor the panel follows, unless it was closed. */
  get followedDocument(): vscode.TextDocument | undefined {
    const doc = this.editor?.document;
    return doc && !doc.isClosed ? doc : undefined;
  }

  private html(): string {
    return panelHtml(this.panel.webview, this.extensionUri, randomBytes(16).toString('base64'));
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 200);
  }

  /** Selects and reveals document text (a token clicked in the panel). */
  private async reveal(start: number, end: number): Promise<void> {
    const editor = this.editor;
    if (!editor || editor.document.isClosed) return;
    const len = editor.document.getText().length;
    if (start > len || end > len) return;
    const range = new vscode.Range(editor.document.positionAt(start), editor.document.positionAt(end));
    const shown = await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, preserveFocus: false });
    await select(shown, new vscode.Selection(range.start, range.end));
    shown.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Attention for the segment window at the cursor: run when the window changes, sent again when its labels change. */
  private async updateAttention(editor: vscode.TextEditor, windowStart: number, windowEnd: number, offset: number): Promise<void> {
    const labeler = this.s.model.loaded;
    if (!labeler) return;
    const doc = editor.document;
    const key = `${doc.uri.toString()}@${doc.version}:${windowStart}-${windowEnd}`;
    if (key === this.attentionKey) {
      if (this.window?.key === key) await this.postAttention(this.window, false);
      return;
    }
    this.attentionKey = key;
    this.window = undefined;
    if (!labeler.roles.attentions) {
      await this.post({ type: 'noAttention', doc: stampOf(doc), reason: capabilityNotes(capabilitiesOf(labeler)).join(' ') }, true);
      return;
    }
    const text = doc.getText(new vscode.Range(doc.positionAt(windowStart), doc.positionAt(windowEnd)));
    const att = await labeler.windowAttention(text, offset - windowStart).catch(() => undefined);
    if (!att || key !== this.attentionKey) return;
    this.window = {
      key,
      doc,
      stamp: stampOf(doc),
      windowStart,
      text,
      tokens: att.tokens,
      attention: att.attention,
      rolled: rollout(att.attention),
      focus: 0,
    };
    await this.postAttention(this.window, true);
  }

  /** The window's tokens with the labels in force: a correction's (or review's), else the model's. */
  private tokenRows(w: WindowState): AttentionTokenRow[] {
    const words = this.s.labels.get(w.doc)?.result.words ?? [];
    const end = w.windowStart + w.text.length;
    const corrections = this.s.corrections.corrections(w.doc).filter((c) => c.start < end && c.end > w.windowStart);
    return w.tokens.map((t) => {
      const row = {
        text: t.special ? t.text : w.text.slice(t.start, t.end),
        start: t.special ? -1 : t.start + w.windowStart,
        end: t.special ? -1 : t.end + w.windowStart,
        special: t.special,
        word: t.word ?? -1,
      };
      if (t.special) return row;
      const word = LabelStore.wordAt(words, row.start);
      const model = word?.label;
      // the innermost correction over the piece
      let c: (typeof corrections)[number] | undefined;
      for (const x of corrections) if (x.start <= row.start && row.start < x.end && (!c || x.end - x.start < c.end - c.start)) c = x;
      if (!c) return { ...row, ...(model !== undefined ? { label: model } : {}) };
      const label = c.label === REMOVED_LABEL ? REMOVED_LABEL : c.label;
      const source = c.source === 'model' ? 'model' : c.source;
      // beside a correction, the model's own label: not the memory's, which would echo the correction
      const own = word && modelOpinion(word).label;
      return { ...row, label, source, ...(own !== undefined && source !== 'model' ? { modelLabel: own } : {}) };
    });
  }

  /** Sends the window's attention for its focus token; unless `always`, only when the rows changed. */
  private async postAttention(w: WindowState, always: boolean): Promise<void> {
    if (w.doc.isClosed || w.doc.version !== w.stamp.version) return;
    const tokens = this.tokenRows(w);
    const rows = JSON.stringify(tokens);
    if (!always && rows === this.sentTokens) return;
    this.sentTokens = rows;
    const a = tokenAttention(w.attention, w.rolled, w.focus);
    const msg: AttentionMessage = {
      type: 'attention',
      doc: w.stamp,
      file: vscode.workspace.asRelativePath(w.doc.uri),
      windowStart: w.windowStart,
      focus: w.focus,
      tokens,
      layers: a.layers,
      heads: a.heads,
      from: a.from,
      to: a.to,
      rolloutFrom: a.rolloutFrom,
      rolloutTo: a.rolloutTo,
    };
    await this.post(msg, true);
  }

  private async post(msg: HostMessage, attention = false): Promise<void> {
    if (attention) this.lastAttention = msg;
    else this.lastMessage = msg;
    await this.panel.webview.postMessage(msg);
  }

  /** Sends the scores of the followed editor's document, segment and selection, and attention. */
  async update(): Promise<void> {
    // The active editor, else the one followed so far, else a visible one (after a reload the
    // restored panel may be created before any editor is active).
    const active = vscode.window.activeTextEditor;
    if (active) this.editor = active;
    else if (!this.editor || this.editor.document.isClosed) this.editor = vscode.window.visibleTextEditors[0];
    const editor = this.editor;
    if (!editor || editor.document.isClosed) return;
    const doc = editor.document;
    const current = this.s.labels.current(doc);
    const offset = doc.offsetAt(editor.selection.active);
    const win = current?.windows.find((w) => offset >= w.start && offset <= w.end);
    const segment = win?.sequence ?? [];
    let selection: readonly ScoreRow[] = [];
    const run = ++this.selectionRun;
    const selectionText = editor.selection.isEmpty ? '' : doc.getText(editor.selection);
    if (selectionText.trim()) {
      // The selection is labeled on demand: its own model run, kept until it or the text changes.
      const key = `${doc.uri.toString()}@${doc.version}:${doc.offsetAt(editor.selection.start)}-${doc.offsetAt(editor.selection.end)}`;
      if (this.selectionScores?.key === key) selection = this.selectionScores.rows;
      else {
        const labeler = await this.s.model.get();
        // the same strategy and stride as the document's labels
        const r = labeler?.roles.sequenceLogits
          ? await labeler.label(selectionText, this.s.config.labelOptions()).catch(() => undefined)
          : undefined;
        if (run !== this.selectionRun) return; // a newer update is on its way
        selection = r?.sequence ?? [];
        this.selectionScores = { key, rows: selection };
      }
    }
    const labeler = this.s.model.loaded;
    const msg: HostMessage = {
      type: 'scores',
      doc: stampOf(doc),
      model: labeler?.bundle.config.name ?? '(no model loaded)',
      file: vscode.workspace.asRelativePath(doc.uri),
      document: current?.sequence ?? [],
      segment,
      selection,
      selectionLength: selectionText.trim() ? selectionText.length : 0,
      sequenceLabels: labeler?.bundle.config.sequenceLabels ?? [],
      capabilities: labeler ? capabilitiesOf(labeler) : undefined,
    };
    await this.post(msg);
    if (win) await this.updateAttention(editor, win.start, win.end, offset);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.onDispose(this);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
