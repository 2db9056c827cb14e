// The one subscriber to the document events (open, change, save, close) and to the visible
// editors changing. Each event calls the services in the order written here, and this order is
// the whole answer to "what happens when a document changes":
//   open:    corrections read the sidecar -> live labeling labels it
//   change:  corrections re-anchor (they must fit the new text before anything is drawn) ->
//            live labeling aborts the run going and relabels after the debounce -> a document
//            not labeled live has its stale labels cleared (labels belong to one version; a live
//            document keeps its decorations, which VS Code moves with the text, until the relabel)
//   save:    corrections are written with the document
//   close:   diagnostics removed -> corrections forgotten (or kept, if unwritten) -> live
//            labeling forgets it -> its runs cancelled -> its labels dropped
//   visible: correction decorations drawn -> live labeling labels editors without labels ->
//            model labels redrawn
import * as vscode from 'vscode';
import type { Services } from './services';

export type DocumentServices = Pick<Services, 'labels' | 'runs' | 'live' | 'corrections' | 'diagnostics' | 'display'>;

export class Documents implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly s: DocumentServices) {
    this.subscriptions = [
      vscode.workspace.onDidOpenTextDocument((doc) => this.opened(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.changed(e)),
      vscode.workspace.onDidSaveTextDocument((doc) => void s.corrections.saved(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.closed(doc)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => this.shown(editors)),
    ];
  }

  /** At activation: the documents already open are read, and the visible ones labeled live. */
  start(): void {
    for (const doc of vscode.workspace.textDocuments) this.s.corrections.opened(doc);
    this.s.live.labelVisible();
  }

  private opened(doc: vscode.TextDocument): void {
    this.s.corrections.opened(doc);
    this.s.live.opened(doc);
  }

  private changed(e: vscode.TextDocumentChangeEvent): void {
    if (!e.contentChanges.length) return;
    const doc = e.document;
    this.s.corrections.changedText(e);
    this.s.live.changed(doc);
    if (this.s.labels.get(doc) && !this.s.live.applies(doc)) void this.s.display.redraw(doc);
  }

  private closed(doc: vscode.TextDocument): void {
    this.s.diagnostics.delete(doc);
    this.s.corrections.closed(doc);
    this.s.live.closed(doc);
    this.s.runs.cancel(doc);
    this.s.labels.delete(doc);
  }

  private shown(editors: readonly vscode.TextEditor[]): void {
    this.s.corrections.shown(editors);
    this.s.live.shown(editors);
    for (const e of editors) void this.s.display.redraw(e.document);
  }

  /** Event subscriptions held (leak checks: a fixed number). */
  get subscriptionCount(): number {
    return this.subscriptions.length;
  }

  dispose(): void {
    for (const d of this.subscriptions.splice(0)) d.dispose();
  }
}
