// The analysis panel in a real extension host: its messages for a known text.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Labeler } from '../../src/core/labeler';
import { api, waitForModel, closeAllEditors, openText, waitFor, withSettings } from './helpers';

const PLAIN_BUNDLE = path.resolve(__dirname, '../../../test/fixtures/plain-bert-bundle');
const DEFAULT_MODEL = path.resolve(__dirname, '../../../models/default');
type PanelMessage = ReturnType<Awaited<ReturnType<typeof api>>['panelMessage']>;

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
    assert.deepEqual(
      msg.document.map((r) => r.label),
      direct!.sequence.map((r) => r.label),
    );
    assert.ok(msg.segment.length > 0, 'no segment scores at the cursor');
    assert.equal(msg.selection.length, 0);
    assert.equal(msg.selectionLength, 0);
    assert.deepEqual([...msg.sequenceLabels].sort(), [...model!.sequenceLabels].sort());
    assert.deepEqual(msg.capabilities, { sequenceHead: true, tokenHead: true, attentions: true });
  });

  test('follows selection changes: scores appear for a selection and go when it is cleared', async () => {
    const a = await api();
    const editor = await openText('The senator spoke for an hour. Rain fell on the quiet village all night long.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    editor.selection = new vscode.Selection(0, 3, 0, 3);
    await vscode.commands.executeCommand('bertLstm.showPanel');
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    const start = 31;
    const end = editor.document.lineAt(0).text.length;
    editor.selection = new vscode.Selection(0, start, 0, end);
    const withSel = await waitFor('scores of the selection', () => {
      const m = a.panelMessage();
      return m?.type === 'scores' && m.selection.length > 0 ? m : undefined;
    });
    assert.equal(withSel.selectionLength, end - start);
    const direct = await a.labelText(editor.document.getText(editor.selection));
    withSel.selection.forEach((r, i) => {
      assert.equal(r.label, direct!.sequence[i].label);
      assert.ok(Math.abs(r.score - direct!.sequence[i].score) < 1e-5);
    });
    editor.selection = new vscode.Selection(0, 2, 0, 2);
    const cleared = await waitFor('selection scores cleared', () => {
      const m = a.panelMessage();
      return m?.type === 'scores' && m.selection.length === 0 ? m : undefined;
    });
    assert.equal(cleared.selectionLength, 0);
  });

  test('follows the active editor', async () => {
    const a = await api();
    const first = await openText('Markets rallied after the report on inflation.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    await vscode.commands.executeCommand('bertLstm.showPanel');
    const second = await openText('The knight drew his sword and rode into the dark forest.');
    await vscode.window.showTextDocument(second.document, vscode.ViewColumn.One);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const direct = await a.labelText(second.document.getText());
    await waitFor('scores of the second document', () => {
      const m = a.panelMessage();
      return m?.type === 'scores' &&
        m.document.length > 0 &&
        m.document.every((r, i) => Math.abs(r.score - direct!.sequence[i].score) < 1e-5)
        ? m
        : undefined;
    });
    assert.notEqual(first.document, second.document);
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

  test('scores the selection with the configured stride, as the document is labeled', async () => {
    await api();
    // one sentence longer than the model's length: its windows, and so its scores, depend on the
    // stride; its clauses alternate between two genres, so that no score is saturated at 100%
    const long = Array.from({ length: 20 }, (_, i) =>
      i % 2 ? `she smiled at him in the dark hall on night ${i}` : `the committee approved the budget for year ${i}`,
    ).join(', ');
    await withSettings({ stride: 8 }, async () => {
      const editor = await openText(`${long}.`);
      editor.selection = new vscode.Selection(0, 0, 0, long.length);
      const msg = await vscode.commands.executeCommand<PanelMessage>('bertLstm.showPanel');
      assert.ok(msg && msg.type === 'scores', 'no scores message');
      const opened = await Labeler.open(DEFAULT_MODEL);
      assert.ok(opened.ok, 'the default model does not open');
      try {
        const configured = await opened.value.label(long, { stride: 8 });
        const defaults = await opened.value.label(long);
        assert.ok(configured.windows.length > 1, 'the text fits one window: the stride cannot matter');
        const differs = configured.sequence.some(
          (r) => Math.abs(r.score - defaults.sequence.find((d) => d.label === r.label)!.score) > 1e-4,
        );
        assert.ok(differs, 'the stride makes no difference to this text: the test could not tell');
        assert.equal(msg.selection.length, configured.sequence.length);
        msg.selection.forEach((r, i) => {
          assert.equal(r.label, configured.sequence[i].label);
          assert.ok(
            Math.abs(r.score - configured.sequence[i].score) < 1e-5,
            `${r.label}: ${r.score} in the panel, ${configured.sequence[i].score} with the configured stride`,
          );
        });
      } finally {
        await opened.value.dispose();
      }
    });
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
        const sum = msg.from[l][h].reduce((s, x) => s + x, 0);
        assert.ok(Math.abs(sum - 1) < 1e-3, `layer ${l} head ${h}: [CLS] row sums to ${sum}`);
      }
    }
    assert.ok(Math.abs(msg.rolloutFrom.reduce((s, x) => s + x, 0) - 1) < 1e-3);
    // stamped with the document it is about; [CLS]'s attention first
    assert.deepEqual(msg.doc, { uri: editor.document.uri.toString(), version: editor.document.version });
    assert.equal(msg.focus, 0);

    // The same window through the core, in a labeler of its own: the panel sends what core computes.
    const model = await a.model();
    const win = a.resultFor(editor.document)!.windows.find((w) => 10 >= w.start && 10 <= w.end)!;
    const opened = await Labeler.open(model!.dir, { workerPath: path.resolve(__dirname, '../../src/core/engine_worker.js') });
    assert.ok(opened.ok, !opened.ok ? opened.problems.join('; ') : '');
    try {
      const core = await opened.value.attention(editor.document.getText().slice(win.start, win.end), 10 - win.start);
      assert.ok(core);
      assert.deepEqual(
        msg.tokens.map((t) => t.text),
        core.tokens.map((t) => (t.special ? t.text : editor.document.getText().slice(t.start + win.start, t.end + win.start))),
      );
      const near = (x: readonly number[], y: readonly number[], what: string): void =>
        x.forEach((v, i) => assert.ok(Math.abs(v - y[i]) < 1e-5, `${what}[${i}]: panel ${v}, core ${y[i]}`));
      for (let l = 0; l < msg.layers; l++) {
        for (let h = 0; h < msg.heads; h++) {
          near(msg.from[l][h], core.fromCls[l][h], `from[${l}][${h}]`);
          near(msg.to[l][h], core.toCls[l][h], `to[${l}][${h}]`);
        }
      }
      near(msg.rolloutFrom, core.rolloutFromCls, 'rolloutFrom');
      near(msg.rolloutTo, core.rolloutToCls, 'rolloutTo');
    } finally {
      await opened.value?.dispose();
    }
  });
});

suite('Analysis panel: labels in force', () => {
  teardown(closeAllEditors);

  test("a corrected word shows the correction's label in the panel, with the model's beside it", async () => {
    const a = await api();
    const editor = await openText('The old bridge over the river was closed for repairs last spring.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const at = editor.document.getText().indexOf('bridge');
    editor.selection = new vscode.Selection(0, at + 1, 0, at + 1);
    await vscode.commands.executeCommand('bertLstm.showPanel');
    const tokenAt = (m: ReturnType<typeof a.panelAttention>) =>
      m?.type === 'attention' ? m.tokens.find((t) => !t.special && t.start <= at && at < t.end) : undefined;
    const before = await waitFor('attention with the word', () => tokenAt(a.panelAttention()), 30_000);
    const model = before.label!;
    assert.ok(model && !before.source, `the model's label ${model}, no correction yet`);
    const other = model === 'NOUN' ? 'VERB' : 'NOUN';
    await vscode.window.showTextDocument(editor.document, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(0, at + 1, 0, at + 1);
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: other }), true);
    const after = await waitFor('the corrected label in the panel', () => {
      const t = tokenAt(a.panelAttention());
      return t?.source === 'corrected' ? t : undefined;
    });
    // the model's own label beside it (never the memory's echo of this very correction: docs/ADAPT.md)
    assert.deepEqual([after.label, after.source, after.modelLabel], [other, 'corrected', model]);
  });
});

suite('Analysis panel: a model without a sequence head or attentions', () => {
  suiteSetup(async () => {
    await vscode.workspace.getConfiguration('bertLstm').update('modelPath', PLAIN_BUNDLE, vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('bertLstm').update('modelPath', undefined, vscode.ConfigurationTarget.Global);
  });
  teardown(closeAllEditors);

  test('says what is missing and still shows the word labels', async () => {
    const a = await api();
    const editor = await openText('The committee approved the new budget on Friday.');
    await waitForModel(PLAIN_BUNDLE);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.ok((a.labelsFor(editor.document)?.length ?? 0) > 0, 'the plain bundle still labels words');
    editor.selection = new vscode.Selection(0, 4, 0, 13);
    const msg = await vscode.commands.executeCommand<PanelMessage>('bertLstm.showPanel');
    assert.ok(msg && msg.type === 'scores', 'no scores message');
    assert.deepEqual(msg.capabilities, { sequenceHead: false, tokenHead: true, attentions: false });
    assert.deepEqual(msg.document, []);
    assert.deepEqual(msg.segment, []);
    assert.deepEqual(msg.selection, [], 'no selection scores without a sequence head');
    assert.deepEqual(msg.sequenceLabels, []);
    const att = await waitFor('the no-attention message', () => a.panelAttention());
    assert.equal(att.type, 'noAttention');
    if (att.type !== 'noAttention') return;
    assert.match(att.reason, /no "attentions" output/);
    assert.match(att.reason, /no sequence head/);
    assert.match(att.reason, /can still show its per-word labels/);
  });
});
