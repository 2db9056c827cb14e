// The analysis panel in a real extension host: its messages for a known text.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAllEditors, openText, waitFor } from './helpers';

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

suite('Analysis panel: attention', () => {
  teardown(closeAllEditors);

  test('sends [CLS] attention for the segment at the cursor: rows are distributions, tokens map to the text', async () => {
    const a = await api();
    const editor = await openText('The old bridge over the river was closed for repairs last spring.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    editor.selection = new vscode.Selection(0, 10, 0, 10);
    await vscode.commands.executeCommand('bertLstm.showPanel');
    const msg = await waitFor('attention message', () => a.panelAttention(), 30_000);
    assert.equal(msg.type, 'attention');
    if (msg.type !== 'attention') return;
    assert.equal(msg.tokens[0].text, '[CLS]');
    assert.equal(msg.tokens[msg.tokens.length - 1].text, '[SEP]');
    for (const t of msg.tokens.filter((x) => !x.special)) {
      assert.equal(editor.document.getText().slice(t.start, t.end), t.text);
      assert.ok(t.label, `piece ${t.text} has its word's label`);
    }
    for (let l = 0; l < msg.layers; l++) {
      for (let h = 0; h < msg.heads; h++) {
        const sum = msg.fromCls[l][h].reduce((s, x) => s + x, 0);
        assert.ok(Math.abs(sum - 1) < 1e-3, `layer ${l} head ${h}: [CLS] row sums to ${sum}`);
      }
    }
    assert.ok(Math.abs(msg.rolloutFromCls.reduce((s, x) => s + x, 0) - 1) < 1e-3);
  });
});
