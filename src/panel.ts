// The analysis panel (webview): sequence-classification scores for the document, the segment
// under the cursor and the selection. Follows the active editor and selection (debounced),
// restores after reload (serializer), strict Content-Security-Policy, validated messages.
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { labelDocument } from './commands';
import { parseWebviewMessage, type HostMessage, type ScoreRow } from './webview_protocol';

export const PANEL_VIEW_TYPE = 'bertLstm.analysis';

export class AnalysisPanel implements vscode.Disposable {
  static current: AnalysisPanel | undefined;
  /** The last message sent to the webview (for the API and tests). */
  lastMessage: HostMessage | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private selectionRun = 0;

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
          const doc = vscode.window.activeTextEditor?.document;
          if (doc) void labelDocument(ctx, doc).then(() => this.update());
        } else this.update();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.schedule()),
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
<header><div id="status" role="status">Label a document to see its scores.</div>
<vscode-button id="refresh" secondary>Relabel</vscode-button></header>
<h2>Document</h2><div id="document" class="bars" role="list"></div>
<h2>Segment at cursor</h2><div id="segment" class="bars" role="list"></div>
<h2>Selection</h2><div id="selection" class="bars" role="list"></div>
<script nonce="${nonce}" src="${script}"></script>
</body></html>`;
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.update(), 200);
  }

  /** Sends the scores of the active editor's document, segment and selection. */
  async update(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) return;
    const doc = editor.document;
    const labels = this.ctx.store.get(doc);
    const current = labels && labels.version === doc.version ? labels.result : undefined;
    const offset = doc.offsetAt(editor.selection.active);
    const segment = current?.windows.find((w) => offset >= w.start && offset <= w.end)?.sequence ?? [];
    let selection: readonly ScoreRow[] = [];
    const run = ++this.selectionRun;
    if (!editor.selection.isEmpty && current) {
      const labeler = await this.ctx.model.get();
      const text = doc.getText(editor.selection);
      const r = labeler && text.trim() ? await labeler.label(text).catch(() => undefined) : undefined;
      if (run !== this.selectionRun) return; // a newer update is on its way
      selection = r?.sequence ?? [];
    }
    const msg: HostMessage = {
      type: 'scores',
      model: this.ctx.model.loaded?.bundle.config.name ?? '(no model loaded)',
      file: vscode.workspace.asRelativePath(doc.uri),
      document: current?.sequence ?? [],
      segment,
      selection,
    };
    this.lastMessage = msg;
    await this.panel.webview.postMessage(msg);
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
