// The analysis panel (webview): sequence-classification scores for the document, the segment
// under the cursor and the selection. Follows the active editor and selection (debounced),
// restores after reload (serializer), strict Content-Security-Policy, validated messages.
// One panel at most: the Panels service (panels.ts) owns it.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Labeler } from '../core/labeler';
import { capabilityNotes, type PanelCapabilities } from '../core/panel_data';
import { LabelStore } from '../labeling/label_store';
import { panelHtml } from './html';
import { parseWebviewMessage, type AttentionMessage, type HostMessage, type ScoreRow } from './protocol';
import type { Services } from '../services';

export type PanelServices = Pick<Services, 'config' | 'log' | 'model' | 'labels' | 'runs'>;

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
        } else {
          this.attentionKey = '';
          void this.update();
        }
      }),
      vscode.window.onDidChangeActiveTextEditor((e) => {
        if (e) this.editor = e;
        this.schedule();
      }),
      vscode.window.onDidChangeTextEditorSelection(() => this.schedule()),
      s.labels.onDidChange(() => this.schedule()),
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
    shown.selection = new vscode.Selection(range.start, range.end);
    shown.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Attention for the segment window at the cursor, sent when the window changes. */
  private async updateAttention(editor: vscode.TextEditor, windowStart: number, windowEnd: number, offset: number): Promise<void> {
    const labeler = this.s.model.loaded;
    if (!labeler) return;
    const doc = editor.document;
    const key = `${doc.uri.toString()}@${doc.version}:${windowStart}-${windowEnd}`;
    if (key === this.attentionKey) return;
    this.attentionKey = key;
    if (!labeler.roles.attentions) {
      await this.post({ type: 'noAttention', reason: capabilityNotes(capabilitiesOf(labeler)).join(' ') }, true);
      return;
    }
    const text = doc.getText(new vscode.Range(doc.positionAt(windowStart), doc.positionAt(windowEnd)));
    const att = await labeler.attention(text, offset - windowStart).catch(() => undefined);
    if (!att || key !== this.attentionKey) return;
    const words = this.s.labels.get(doc)?.result.words ?? [];
    const msg: AttentionMessage = {
      type: 'attention',
      file: vscode.workspace.asRelativePath(doc.uri),
      tokens: att.tokens.map((t) => ({
        text: t.special ? t.text : text.slice(t.start, t.end),
        start: t.special ? -1 : t.start + windowStart,
        end: t.special ? -1 : t.end + windowStart,
        special: t.special,
        word: t.word ?? -1,
        label: t.special ? undefined : LabelStore.wordAt(words, t.start + windowStart)?.label,
      })),
      layers: att.layers,
      heads: att.heads,
      fromCls: att.fromCls,
      toCls: att.toCls,
      rolloutFromCls: att.rolloutFromCls,
      rolloutToCls: att.rolloutToCls,
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
