// Small questions about editors that many features ask: the active editor or document (or a
// message saying what to open first), the editors showing a document, and a document's name as
// the user sees it. One place, so that every command answers "no editor" the same way.
import * as vscode from 'vscode';

/** The message a command without an editor shows unless it says something more specific. */
export const NO_EDITOR = 'open a text document first.';

/** The active text editor; undefined after telling the user `message` when there is none. */
export function activeEditorOr(message = NO_EDITOR): vscode.TextEditor | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) void vscode.window.showInformationMessage(`BERT+LSTM: ${message}`);
  return editor;
}

/** The active editor's document; undefined after telling the user `message` when there is none. */
export function activeDocumentOr(message = NO_EDITOR): vscode.TextDocument | undefined {
  return activeEditorOr(message)?.document;
}

/** The visible editors showing a document. */
export function editorsOf(doc: vscode.TextDocument): vscode.TextEditor[] {
  return vscode.window.visibleTextEditors.filter((e) => e.document === doc);
}

/** A document's name for messages and the log: its path in the workspace, or its untitled name. */
export function displayName(doc: vscode.TextDocument): string {
  return doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri);
}
