// The status bar shows the document worked on (the one every document command acts on), in a
// real extension host: while the analysis panel has focus it keeps the followed document's
// label under the cursor and takes the latency of a run started from the panel; with another
// kind of editor active (Settings) it shows the last active text editor's; it never shows a
// document the user left for another, and once that document's tab is closed it shows none.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { BertLstmApi } from '../../src/api';
import { api, closeAllEditors, setLive, waitFor } from './helpers';
import { openTemp } from './workflow_helpers';

const FIRST = 'The cat sat on the mat near the old door.\n';
const SECOND = 'Rivers flooded quickly after heavy rain yesterday.\n';

/** The status bar's "LABEL NN%" for the labeled word under the editor's cursor. */
function expectedWord(a: BertLstmApi, editor: vscode.TextEditor): string {
  const words = a.labelsFor(editor.document);
  assert.ok(words?.length, 'the document is labeled');
  const at = editor.document.offsetAt(editor.selection.active);
  const w = words.find((x) => x.start <= at && at <= x.end);
  assert.ok(w, `a word at offset ${at}`);
  return `${w.label} ${(w.score * 100).toFixed(0)}%`;
}

function putCursor(editor: vscode.TextEditor, word: string): void {
  const pos = editor.document.positionAt(editor.document.getText().indexOf(word) + 1);
  editor.selection = new vscode.Selection(pos, pos);
}

/** Opens the analysis panel and gives it the focus: no text editor is active then. */
async function focusPanel(): Promise<void> {
  await vscode.commands.executeCommand('bertLstm.showPanel');
  await vscode.commands.executeCommand('workbench.action.focusSecondEditorGroup');
  await waitFor('the panel focused (no active text editor)', () => vscode.window.activeTextEditor === undefined);
}

suite('Status bar: the document worked on', () => {
  suiteSetup(async () => {
    await api();
    await setLive(false);
  });
  suiteTeardown(() => setLive(undefined));
  teardown(closeAllEditors);

  test('with the analysis panel focused, the status bar keeps the followed document: its word, its run, its name', async () => {
    const a = await api();
    const second = (await openTemp(SECOND, 'second.txt')).editor;
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    putCursor(second, 'flooded');
    const secondWord = expectedWord(a, second);
    await waitFor('the status bar on the second document', () => a.statusText().includes(secondWord));

    // the user goes back to the first document, then into the panel
    const first = (await openTemp(FIRST, 'first.txt')).editor;
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    putCursor(first, 'cat');
    const firstWord = expectedWord(a, first);
    await waitFor('the status bar on the first document', () => a.statusText().includes(firstWord));
    await focusPanel();
    assert.ok(a.statusText().includes(firstWord), `with the panel focused: "${a.statusText()}" shows ${firstWord}`);
    assert.match(a.statusTooltip(), /Document: .*first\.txt/);
    assert.doesNotMatch(a.statusTooltip(), /second\.txt/);

    // a run started from the panel (after an edit, so that its segment is run): its latency is shown
    const edit = new vscode.WorkspaceEdit();
    edit.insert(first.document.uri, new vscode.Position(1, 0), 'A second line came later.\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.equal(vscode.window.activeTextEditor, undefined, 'the panel still has focus');
    const result = await vscode.commands.executeCommand<{ segments: { run: number }; timing: { totalMs: number } }>(
      'bertLstm.labelDocument',
    );
    assert.ok(result && result.segments.run > 0, "the panel's Label Document ran a segment");
    const latency = `· ${result.timing.totalMs.toFixed(0)} ms`;
    await waitFor(`the run's latency (${latency}) in the status bar`, () => a.statusText().includes(latency));
    assert.ok(a.statusText().includes(firstWord), `after the run: "${a.statusText()}" shows ${firstWord}`);
    assert.ok(
      a.statusActions().some((x) => x.command === 'bertLstm.labelDocument'),
      'the actions include the document commands while the panel has focus',
    );
  });

  test('with the Settings editor active, the status bar shows the last active text editor; a closed tab leaves none', async () => {
    const a = await api();
    const { editor } = await openTemp(FIRST, 'first.txt');
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    putCursor(editor, 'mat');
    const word = expectedWord(a, editor);
    await waitFor('the status bar on the document', () => a.statusText().includes(word));
    await vscode.commands.executeCommand('workbench.action.openSettings2');
    await waitFor('the Settings editor active (no active text editor)', () => vscode.window.activeTextEditor === undefined);
    assert.ok(a.statusText().includes(word), `with Settings active: "${a.statusText()}" shows ${word}`);
    assert.match(a.statusTooltip(), /Document: .*first\.txt/);

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('no tab left', () => vscode.window.tabGroups.all.every((g) => g.tabs.length === 0));
    await waitFor('no document in the status bar', () => !a.statusTooltip().includes('Document:') || undefined);
    assert.ok(!a.statusText().includes(word), `no tab: "${a.statusText()}"`);
  });
});
