// Status bar item: the label under the cursor and its confidence, the model's name and the
// last run's latency; a spinner while a run is going. Click: Show Log.
import * as vscode from 'vscode';
import type { Ctx } from './ctx';
import { LabelStore } from './label_store';

export class StatusDisplay implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('bertLstm.status', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];
  private lastLatencyMs: number | undefined;

  constructor(private readonly ctx: Ctx) {
    this.item.name = 'BERT+LSTM Labeler';
    this.item.command = 'bertLstm.showLog';
    this.disposables.push(
      this.item,
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.window.onDidChangeTextEditorSelection(() => this.refresh()),
      ctx.store.onDidChange(() => {
        const editor = vscode.window.activeTextEditor;
        const labels = editor && ctx.store.current(editor.document);
        // runs served wholly from the segment cache did no work: keep the last real latency
        if (labels && labels.segments.run > 0) this.lastLatencyMs = labels.timing.totalMs;
        this.refresh();
      }),
    );
    this.refresh();
  }

  /** Shows a spinner while `work` runs. */
  async busy<T>(work: Promise<T>): Promise<T> {
    this.item.text = '$(sync~spin) BERT+LSTM';
    this.item.show();
    try {
      return await work;
    } finally {
      this.refresh();
    }
  }

  /** The text shown now (for tests). */
  get text(): string {
    return this.item.text;
  }

  refresh(): void {
    const editor = vscode.window.activeTextEditor;
    const model = this.ctx.model.loaded?.bundle.config.name;
    const current = editor && this.ctx.store.current(editor.document);
    const word = current && editor ? LabelStore.wordAt(current.words, editor.document.offsetAt(editor.selection.active)) : undefined;
    const parts = ['$(symbol-key)'];
    if (word) parts.push(`${word.label} ${(word.score * 100).toFixed(0)}%`);
    else parts.push('BERT+LSTM');
    if (this.lastLatencyMs !== undefined) parts.push(`· ${this.lastLatencyMs.toFixed(0)} ms`);
    this.item.text = parts.join(' ');
    this.item.tooltip = new vscode.MarkdownString(
      `**BERT+LSTM Labeler**\n\nModel: ${model ?? 'not loaded yet'}` +
        (this.lastLatencyMs !== undefined ? `\n\nLast run: ${this.lastLatencyMs.toFixed(0)} ms` : '') +
        '\n\nClick to show the log.',
    );
    this.item.show();
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
