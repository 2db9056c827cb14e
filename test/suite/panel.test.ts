// The analysis panel in a real extension host: its messages for a known text.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAllEditors, openText } from './helpers';

suite('Analysis panel', () => {
  teardown(closeAllEditors);

  test('shows the document and segment scores of the labeled document', async () => {
    const a = await api();
    const editor = await openText('The jury praised the city for the way the election was run. The mayor said nothing.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, 5, 0, 5);
    const msg = await vscode.commands.executeCommand<Awaited<ReturnType<typeof a.panelMessage>>>('bertLstm.showPanel');
    assert.ok(msg && msg.type === 'scores', 'no scores message');
    const model = await a.model();
    assert.deepEqual(msg.document.map((r) => r.label).sort(), [...model!.sequenceLabels].sort());
    const sum = msg.document.reduce((s, r) => s + r.score, 0);
    assert.ok(Math.abs(sum - 1) < 1e-4, `document scores sum to ${sum}`);
    const direct = await a.labelText(editor.document.getText());
    assert.deepEqual(msg.document.map((r) => r.label), direct!.sequence.map((r) => r.label));
    assert.ok(msg.segment.length > 0, 'no segment scores at the cursor');
    assert.equal(msg.selection.length, 0);
  });

  test('scores the selection on demand', async () => {
    const a = await api();
    const editor = await openText('Stocks fell sharply on Monday. She whispered to the detective in the dark hallway.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    editor.selection = new vscode.Selection(0, 31, 0, editor.document.lineAt(0).text.length);
    const msg = await vscode.commands.executeCommand<Awaited<ReturnType<typeof a.panelMessage>>>('bertLstm.showPanel');
    assert.ok(msg && msg.type === 'scores');
    const direct = await a.labelText(editor.document.getText(editor.selection));
    assert.equal(msg.selection.length, direct!.sequence.length);
    msg.selection.forEach((r, i) => assert.ok(Math.abs(r.score - direct!.sequence[i].score) < 1e-5));
  });
});
