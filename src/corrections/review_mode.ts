// The review mode's context key, `bertLstm.reviewing`: true while the active editor's selection
// is exactly a labeled word or span (what Next / Previous (Low-Confidence) Label and Accept Label
// and Next leave selected, or a double-clicked word). Accept Label and Next is bound to one key
// only while it is set, so the key never takes a keystroke from typing: the moment the cursor
// moves or text is typed, the selection is not a label and the key is VS Code's again.
import * as vscode from 'vscode';
import { LabelStore } from '../labeling/label_store';

export const REVIEWING_CONTEXT = 'bertLstm.reviewing';

/** Whether an editor's selection is exactly labeled words: it starts at a word's start and ends at a word's end. */
export function selectsLabel(labels: LabelStore, editor: vscode.TextEditor): boolean {
  const sel = editor.selection;
  if (sel.isEmpty || editor.selections.length > 1) return false;
  const words = labels.current(editor.document)?.words;
  if (!words) return false;
  const start = editor.document.offsetAt(sel.start);
  const end = editor.document.offsetAt(sel.end);
  return LabelStore.wordAt(words, start)?.start === start && LabelStore.wordAt(words, end - 1)?.end === end;
}

export class ReviewMode implements vscode.Disposable {
  private on = false;
  private readonly disposables: vscode.Disposable[];

  constructor(private readonly labels: LabelStore) {
    this.disposables = [
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === vscode.window.activeTextEditor) this.update();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      labels.onDidChange(() => this.update()),
    ];
    this.update();
  }

  /** Whether the review key is live at this moment (for tests). */
  get reviewing(): boolean {
    return this.on;
  }

  update(): void {
    const editor = vscode.window.activeTextEditor;
    const on = !!editor && selectsLabel(this.labels, editor);
    if (on === this.on) return;
    this.on = on;
    void vscode.commands.executeCommand('setContext', REVIEWING_CONTEXT, on);
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    if (this.on) void vscode.commands.executeCommand('setContext', REVIEWING_CONTEXT, false);
  }
}
