// The analysis panel's owner: at most one panel, shown by Show Analysis Panel or restored by
// VS Code after a reload (the serializer); what it last sent is read here by the test API.
import * as vscode from 'vscode';
import { AnalysisPanel, PANEL_VIEW_TYPE, type PanelServices } from './panel';
import type { HostMessage } from './protocol';

export class Panels implements vscode.Disposable {
  private current: AnalysisPanel | undefined;

  constructor(
    private readonly s: PanelServices,
    private readonly extensionUri: vscode.Uri,
  ) {}

  /** The last scores message the open panel was sent. */
  get lastMessage(): HostMessage | undefined {
    return this.current?.lastMessage;
  }

  /** The last attention message the open panel was sent. */
  get lastAttention(): HostMessage | undefined {
    return this.current?.lastAttention;
  }

  /** The document the open panel follows (the document commands act on while it has focus). */
  followedDocument(): vscode.TextDocument | undefined {
    return this.current?.followedDocument;
  }

  show(): AnalysisPanel {
    if (this.current) {
      this.current.panel.reveal(vscode.ViewColumn.Beside, true);
      return this.current;
    }
    const panel = vscode.window.createWebviewPanel(
      PANEL_VIEW_TYPE,
      'BERT+LSTM Analysis',
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, retainContextWhenHidden: false },
    );
    return (this.current = this.make(panel));
  }

  revive(panel: vscode.WebviewPanel): void {
    this.current?.dispose();
    this.current = this.make(panel);
  }

  private make(panel: vscode.WebviewPanel): AnalysisPanel {
    return new AnalysisPanel(this.s, this.extensionUri, panel, (p) => {
      if (this.current === p) this.current = undefined;
    });
  }

  /** The Show Analysis Panel command and the serializer that restores the panel after a reload. */
  register(): vscode.Disposable[] {
    return [
      vscode.commands.registerCommand('bertLstm.showPanel', async () => {
        const p = this.show();
        await p.update();
        return p.lastMessage;
      }),
      vscode.window.registerWebviewPanelSerializer(PANEL_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel) => this.revive(panel),
      }),
    ];
  }

  dispose(): void {
    this.current?.dispose();
  }
}
