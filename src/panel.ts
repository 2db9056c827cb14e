// The analysis panel (webview): sequence-classification scores for the document, the segment
// under the cursor and the selection. Follows the active editor and selection (debounced),
// restores after reload (serializer), strict Content-Security-Policy, validated messages.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { labelDocument } from './commands';
import { LabelStore } from './label_store';
import { capabilityNotes, type PanelCapabilities } from './core/panel_data';
import type { Labeler } from './core/labeler';
import { parseWebviewMessage, type AttentionMessage, type HostMessage, type ScoreRow } from './webview_protocol';

function capabilitiesOf(labeler: Labeler): PanelCapabilities {
  return { sequenceHead: !!labeler.roles.sequenceLogits, tokenHead: !!labeler.roles.tokenLogits, attentions: !!labeler.roles.attentions };
}

export const PANEL_VIEW_TYPE = 'bertLstm.analysis';

export class AnalysisPanel implements vscode.Disposable {
  static current: AnalysisPanel | undefined;
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

  private constructor(
    private readonly ctx: Ctx,
    readonly panel: vscode.WebviewPanel,
  ) {
    const root = ctx.extensionContext.extensionUri;
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
          ctx.log.warn(`analysis panel: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 200)}`);
          return;
        }
        if (msg.type === 'refresh') {
          const doc = this.editor?.document;
          if (doc) void labelDocument(ctx, doc).then(() => this.update());
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
      ctx.store.onDidChange(() => this.schedule()),
    );
  }

  static show(ctx: Ctx): AnalysisPanel {
    if (AnalysisPanel.current) {
      AnalysisPanel.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return AnalysisPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(PANEL_VIEW_TYPE, 'BERT+LSTM Analysis',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, { enableScripts: true, retainContextWhenHidden: false });
    AnalysisPanel.current = new AnalysisPanel(ctx, panel);
    return AnalysisPanel.current;
  }

  static revive(ctx: Ctx, panel: vscode.WebviewPanel): void {
    AnalysisPanel.current?.dispose();
    AnalysisPanel.current = new AnalysisPanel(ctx, panel);
  }

  private html(): string {
    const webview = this.panel.webview;
    const root = this.ctx.extensionContext.extensionUri;
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(root, 'dist', 'webview', 'main.js'));
    const css = webview.asWebviewUri(vscode.Uri.joinPath(root, 'media', 'panel.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `font-src ${webview.cspSource}`,
      `img-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${css}">
<title>BERT+LSTM Analysis</title></head>
<body>
<main id="panel-root">
<header><div id="status" role="status">Label a document to see its scores.</div>
<vscode-button id="refresh" secondary>Relabel</vscode-button></header>
<div id="model-notes" class="model-notes" role="note" hidden></div>
<section id="scores-section" aria-label="Classification scores">
<h2 id="document-title">Document</h2><div id="document" class="bars" role="list" aria-labelledby="document-title"></div>
<h2 id="segment-title">Segment at cursor</h2><div id="segment" class="bars" role="list" aria-labelledby="segment-title"></div>
<h2 id="selection-title">Selection</h2><div id="selection" class="bars" role="list" aria-labelledby="selection-title"></div>
</section>
<section id="attention-section" aria-label="Attention and [CLS]">
<h2>Attention and [CLS] (segment at cursor)</h2>
<div id="attention-note" class="note">Place the cursor in labeled text.</div>
<div class="controls">
<vscode-single-select id="direction" aria-label="Direction"></vscode-single-select>
<vscode-single-select id="layer" aria-label="Layer"></vscode-single-select>
<vscode-single-select id="head" aria-label="Head"></vscode-single-select>
<vscode-checkbox id="rollout" label="Rollout">Rollout</vscode-checkbox>
<vscode-checkbox id="hide-special" label="Hide [CLS]/[SEP]">Hide [CLS]/[SEP]</vscode-checkbox>
</div>
<div class="legend"><span>0</span><span class="legend-bar"></span><span id="legend-max">1</span></div>
<div id="token-detail" class="token-detail" aria-live="polite">Hover or focus a token to see its exact weight and label.</div>
<div id="attention-text" class="attention-text" role="group" aria-label="Tokens shaded by attention weight; Enter or Space selects the word in the editor"></div>
<div id="attention-grid" class="attention-grid" role="group" aria-label="Layers by heads: pick one"></div>
</section>
</main>
<script nonce="${nonce}" src="${script}"></script>
</body></html>`;
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
    const labeler = this.ctx.model.loaded;
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
    const words = this.ctx.store.get(doc)?.result.words ?? [];
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
      layers: att.layers, heads: att.heads, fromCls: att.fromCls, toCls: att.toCls,
      rolloutFromCls: att.rolloutFromCls, rolloutToCls: att.rolloutToCls,
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
    const current = this.ctx.store.current(doc);
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
        const labeler = await this.ctx.model.get();
        const r = labeler?.roles.sequenceLogits ? await labeler.label(selectionText).catch(() => undefined) : undefined;
        if (run !== this.selectionRun) return; // a newer update is on its way
        selection = r?.sequence ?? [];
        this.selectionScores = { key, rows: selection };
      }
    }
    const labeler = this.ctx.model.loaded;
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
    if (AnalysisPanel.current === this) AnalysisPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}

export function registerPanel(ctx: Ctx): void {
  ctx.push(
    vscode.commands.registerCommand('bertLstm.showPanel', async () => {
      const p = AnalysisPanel.show(ctx);
      await p.update();
      return p.lastMessage;
    }),
    vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
      deserializeWebviewPanel: async (panel) => AnalysisPanel.revive(ctx, panel),
    }),
    { dispose: () => AnalysisPanel.current?.dispose() },
  );
}
