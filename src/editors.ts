// Which document a command acts on, and small questions about editors that many features ask.
//
// The user works on one document even while focus is elsewhere: in the analysis panel (a
// webview, so VS Code has no active text editor), the Review view or the Output panel. Every
// document command asks `WorkingDocument` and gets, in this order: the active text editor's
// document, else the document the analysis panel follows, else the last active text editor's.
// A command that needs an editor (a cursor or a selection) gets that document's editor shown
// again, in the column and with the selection it had, rather than a refusal. One place, so that
// every command answers "no document" the same way.
import * as vscode from 'vscode';

/** The message a command without a document shows unless it says something more specific. */
export const NO_EDITOR = 'open a text document first.';

/** Who else knows which document the user works on (the analysis panel: the one it follows). */
export interface FollowsDocument {
  followedDocument(): vscode.TextDocument | undefined;
}

// Editors that show something other than the user's text (the Output panel's channels, the
// comment and source control input boxes) are never the document worked on.
const NOT_WORK_SCHEMES = new Set(['output', 'comment', 'vscode-scm', 'debug']);

function isWorkEditor(e: vscode.TextEditor | undefined): e is vscode.TextEditor {
  return !!e && !e.document.isClosed && !NOT_WORK_SCHEMES.has(e.document.uri.scheme);
}

/** Whether an editor tab shows the document (a closed tab's document may stay open a while, unseen). */
function hasTab(doc: vscode.TextDocument): boolean {
  const uri = doc.uri.toString();
  return vscode.window.tabGroups.all.some((g) =>
    g.tabs.some((t) => {
      const input = t.input;
      if (input instanceof vscode.TabInputText) return input.uri.toString() === uri;
      if (input instanceof vscode.TabInputTextDiff) return input.modified.toString() === uri || input.original.toString() === uri;
      return false;
    }),
  );
}

/** The document if it is still open in a tab: one the user closed is not worked on any more. */
const open = (d: vscode.TextDocument | undefined): vscode.TextDocument | undefined => (d && !d.isClosed && hasTab(d) ? d : undefined);

export class WorkingDocument implements vscode.Disposable {
  /** The last active work editor, with the column and selection it had when it was last seen. */
  private last: { editor: vscode.TextEditor; viewColumn: vscode.ViewColumn | undefined; selection: vscode.Selection } | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly panel: FollowsDocument) {
    this.remember(vscode.window.activeTextEditor);
    this.disposables.push(
      vscode.window.onDidChangeActiveTextEditor((e) => this.remember(e)),
      vscode.window.onDidChangeTextEditorSelection((e) => {
        if (e.textEditor === this.last?.editor) this.remember(e.textEditor);
      }),
      vscode.window.onDidChangeTextEditorViewColumn((e) => {
        if (e.textEditor === this.last?.editor) this.remember(e.textEditor);
      }),
    );
  }

  private remember(e: vscode.TextEditor | undefined): void {
    if (!isWorkEditor(e)) return;
    // a hidden editor has no column: keep the one it was seen in
    const viewColumn = e.viewColumn ?? (this.last?.editor === e ? this.last.viewColumn : undefined);
    this.last = { editor: e, viewColumn, selection: e.selection };
  }

  /** The document the user works on, or undefined when no text document is open. */
  document(): vscode.TextDocument | undefined {
    const active = vscode.window.activeTextEditor;
    if (isWorkEditor(active)) return active.document;
    return open(this.panel.followedDocument()) ?? open(this.last?.editor.document);
  }

  /**
   * Where the cursor is in a document: the selection of an editor showing it (the active one
   * first), else the one it had when last seen active; undefined when it was never seen.
   */
  selectionOf(doc: vscode.TextDocument): vscode.Selection | undefined {
    const active = vscode.window.activeTextEditor;
    if (active?.document === doc) return active.selection;
    return editorsOf(doc)[0]?.selection ?? (this.last?.editor.document === doc ? this.last.selection : undefined);
  }

  /** The document worked on; undefined after telling the user `message` when there is none. */
  documentOr(message = NO_EDITOR): vscode.TextDocument | undefined {
    const doc = this.document();
    if (!doc) void vscode.window.showInformationMessage(`BERT+LSTM: ${message}`);
    return doc;
  }

  /**
   * An editor of the document worked on: the active one, else that document shown again (in
   * its column, with its selection, focused so that the cursor is where the user looks);
   * undefined after telling the user `message` when no document is open.
   */
  async editorOr(message = NO_EDITOR): Promise<vscode.TextEditor | undefined> {
    const active = vscode.window.activeTextEditor;
    if (isWorkEditor(active)) return active;
    const doc = this.documentOr(message);
    if (!doc) return undefined;
    const visible = editorsOf(doc)[0];
    const last = this.last?.editor.document === doc ? this.last : undefined;
    // the editor object's own selection (its last one, if it was closed): set by this extension
    // or the user a moment ago, it is newer than any reported by a selection event
    const selection = visible?.selection ?? last?.editor.selection;
    try {
      return await vscode.window.showTextDocument(doc, {
        viewColumn: visible?.viewColumn ?? last?.viewColumn,
        selection,
        preserveFocus: false,
      });
    } catch (e) {
      void vscode.window.showErrorMessage(`BERT+LSTM: cannot show ${displayName(doc)}: ${(e as Error).message}`);
      return undefined;
    }
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** The visible editors showing a document. */
/** How long `select` waits for VS Code to report a selection back before going on anyway. */
const SELECTION_ECHO_MS = 1000;

/**
 * Selects `selection` in `editor` and waits until VS Code reports it back. An extension's
 * selection takes effect in the editor a moment later, and VS Code reports each change back to
 * the extension host in order: a command run in between (Accept Label and Next held down) could
 * read an older selection reported late, and act on another word. After the report, the
 * extension host's selection is the one set.
 */
export async function select(editor: vscode.TextEditor, selection: vscode.Selection): Promise<void> {
  if (editor.selection.isEqual(selection)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      sub.dispose();
      resolve();
    };
    const timer = setTimeout(done, SELECTION_ECHO_MS);
    const sub = vscode.window.onDidChangeTextEditorSelection((e) => {
      if (e.textEditor === editor && e.selections[0]?.isEqual(selection)) done();
    });
    editor.selection = selection;
  });
}

export function editorsOf(doc: vscode.TextDocument): vscode.TextEditor[] {
  return vscode.window.visibleTextEditors.filter((e) => e.document === doc);
}

/** A document's name for messages and the log: its path in the workspace, or its untitled name. */
export function displayName(doc: vscode.TextDocument): string {
  return doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri);
}
