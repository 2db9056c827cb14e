// The annotator's workflow in the real editor with the real default model: document commands
// act on the document worked on while the analysis panel has focus (or the Output panel); the
// hover leads with the label in force and says what the segment label means; Import keeps only
// the labels that differ from the model's as corrections; the correction pick is numbered and
// described; Accept Label and Next walks the low-confidence labels; Apply to All Identical Words
// in any case.
import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TransferResult } from '../../src/export/transfer';
import { select } from '../../src/editors';
import type { NavigationResult } from '../../src/review/navigation';
import { api, closeAllEditors, setLive, setSetting, waitFor, withSettings } from './helpers';
import { cursorAt, openTemp, state } from './workflow_helpers';

const TEXT = 'The cat sat on the mat. The dog saw the cat near the door.\nTHE END came late.\n';

async function hoverText(doc: vscode.TextDocument, offset: number): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, doc.positionAt(offset));
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n\n');
}

/** Polls an asynchronous check until it gives a value (not undefined/false). */
async function eventually<T>(what: string, check: () => Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Opens the analysis panel and gives it the focus: no text editor is active then. */
async function focusPanel(): Promise<void> {
  await vscode.commands.executeCommand('bertLstm.showPanel');
  await vscode.commands.executeCommand('workbench.action.focusSecondEditorGroup');
  await waitFor('the panel focused (no active text editor)', () => vscode.window.activeTextEditor === undefined);
}

suite('Workflow: the document worked on', () => {
  suiteSetup(async () => {
    await api();
    await setLive(false);
  });
  suiteTeardown(() => setLive(undefined));
  teardown(closeAllEditors);

  test('with the analysis panel focused, every document command acts on the document it follows', async () => {
    const a = await api();
    const { editor } = await openTemp(TEXT);
    const doc = editor.document;
    cursorAt(editor, 'cat');

    await focusPanel();
    const labeled = await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.ok(labeled, 'Label Document labels the followed document');
    assert.ok(a.labelsFor(doc)?.length, 'the document has labels');
    assert.equal((await state()).merged.length, a.labelsFor(doc)!.length, 'annotationsState reads the followed document');

    await focusPanel();
    await vscode.commands.executeCommand('bertLstm.clearLabels');
    assert.equal(a.labelsFor(doc), undefined, 'Clear Labels cleared the followed document');
    await vscode.commands.executeCommand('bertLstm.labelDocument');

    // Correct Label at the cursor: the editor comes back with its cursor where it was
    await focusPanel();
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'X' }), true);
    assert.equal(vscode.window.activeTextEditor?.document, doc, 'the editor is shown again');
    const cat = TEXT.indexOf('cat');
    assert.deepEqual(
      (await state()).corrections.map((c) => [c.start, c.label]),
      [[cat, 'X']],
    );

    await focusPanel();
    assert.equal(await vscode.commands.executeCommand('bertLstm.undoCorrection'), true, 'Undo Correction');
    assert.deepEqual((await state()).corrections, []);
    await focusPanel();
    assert.equal(await vscode.commands.executeCommand('bertLstm.redoCorrection'), true, 'Redo Correction');

    await focusPanel();
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'workflow-')), 'doc.conll');
    const exported = await vscode.commands.executeCommand<TransferResult>('bertLstm.exportLabels', {
      format: 'conll',
      uri: vscode.Uri.file(out),
    });
    assert.ok(exported?.ok, 'Export Labels');
    assert.match(readFileSync(out, 'utf8'), /^cat X$/m);

    await withSettings({ confidenceThreshold: 1 }, async () => {
      await focusPanel();
      const next = await vscode.commands.executeCommand<NavigationResult>('bertLstm.nextLowConfidenceLabel');
      assert.ok(next, 'Next Low-Confidence Label found one');
      const shown = vscode.window.activeTextEditor;
      assert.equal(shown?.document, doc);
      assert.equal(shown.document.offsetAt(shown.selection.start), next.start, 'and selected it in the editor');
      await focusPanel();
      const after = await vscode.commands.executeCommand<NavigationResult>('bertLstm.nextLabel');
      assert.ok(after && after.start > next.start, 'Next Label goes on from the remembered selection');
      await focusPanel();
      const back = await vscode.commands.executeCommand<NavigationResult>('bertLstm.previousLabel');
      assert.equal(back?.start, next.start, 'Previous Label');
    });

    await focusPanel();
    const sel = await vscode.commands.executeCommand<{ words: unknown[] }>('bertLstm.labelSelection');
    assert.ok(sel?.words.length, 'Label Selection labels the selected label');
  });

  test('with another kind of editor active (Settings), commands act on the last active text editor', async () => {
    const a = await api();
    const { editor } = await openTemp(TEXT);
    const dog = cursorAt(editor, 'dog');
    await vscode.commands.executeCommand('workbench.action.openSettings2');
    await waitFor('the Settings editor active (no active text editor)', () => vscode.window.activeTextEditor === undefined);
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    assert.ok(a.labelsFor(editor.document)?.length);
    assert.equal(await vscode.commands.executeCommand('bertLstm.acceptLabel'), true);
    assert.equal(vscode.window.activeTextEditor?.document, editor.document, 'the editor is shown again');
    assert.deepEqual(
      (await state()).corrections.map((c) => [c.start, c.source]),
      [[dog, 'reviewed']],
    );
    // once its tab is closed, the document is not worked on any more
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('no tab left', () => vscode.window.tabGroups.all.every((g) => g.tabs.length === 0));
    assert.equal(await vscode.commands.executeCommand('bertLstm.labelDocument'), undefined, 'nothing to label');
  });
});

suite('Workflow: hover, import, the correction pick, review keys', () => {
  // the memory of corrections (Learning from corrections, its own suite) off: these tests count
  // what the model's own labels say, which the memory would move after each correction
  suiteSetup(async () => {
    await setSetting('learning.memory', false);
    await (await api()).unloadModel();
    await setLive(false);
  });
  suiteTeardown(async () => {
    await setLive(undefined);
    await (await api()).unloadModel();
  });
  teardown(closeAllEditors);

  test('after a correction the hover leads with the label in force, the model below it', async () => {
    const a = await api();
    const { editor } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const cat = cursorAt(editor, 'cat');
    const model = a.labelsFor(editor.document)!.find((w) => w.start === cat)!;
    const other = model.label === 'PROPN' ? 'NOUN' : 'PROPN';
    const before = await hoverText(editor.document, cat + 1);
    assert.ok(before.startsWith(`**${model.label}** `), `the model's label leads without a correction: ${before.slice(0, 80)}`);
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: other }), true);
    const text = await hoverText(editor.document, cat + 1);
    const corrected = text.indexOf(`**${other}** corrected`);
    const byModel = text.indexOf(`Model: **${model.label}** ${(model.score * 100).toFixed(1)}%`);
    assert.equal(corrected, text.indexOf('**'), `the correction comes first: ${text}`);
    assert.ok(byModel > corrected, `the model's opinion is below it: ${text}`);
    assert.match(text, other === 'PROPN' ? /\*\*PROPN\*\* corrected — proper noun/ : /\*\*NOUN\*\* corrected — noun/);
  });

  test('the hover and the status bar tooltip say what the segment label means (the bundle card)', async () => {
    const a = await api();
    const source = path.resolve(__dirname, '../../../models/default');
    const dir = mkdtempSync(path.join(tmpdir(), 'described-bundle-'));
    for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(source, f), path.join(dir, f));
    const cfg = JSON.parse(readFileSync(path.join(source, 'config.json'), 'utf8'));
    const sequenceLabels: string[] = Object.values(cfg.sequence_id2label ?? {});
    assert.ok(sequenceLabels.length, 'the default model has sequence labels');
    cfg.name = 'described-test';
    cfg.sequence_label_descriptions = Object.fromEntries(sequenceLabels.map((l) => [l, `the group called ${l}, described`]));
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
    await withSettings({ modelPath: dir }, async () => {
      await eventually('the described model', async () => (await a.model())?.name === 'described-test' || undefined);
      const { editor } = await openTemp(TEXT);
      await vscode.commands.executeCommand('bertLstm.labelDocument');
      const cat = cursorAt(editor, 'cat');
      const result = a.resultFor(editor.document)!;
      const word = result.words.find((w) => w.start === cat)!;
      const top = result.windows[word.window].sequence[0];
      const line = `Segment: **${top.label}** ${(top.score * 100).toFixed(1)}% — the group called ${top.label}, described`;
      assert.ok((await hoverText(editor.document, cat + 1)).includes(line), 'the hover says it');
      const tooltip = await waitFor('the tooltip of the word at the cursor', () =>
        a.statusTooltip().includes('Segment:') ? a.statusTooltip() : undefined,
      );
      assert.ok(tooltip.includes(line), `the status tooltip says it: ${tooltip}`);
      assert.match(tooltip, new RegExp(`Here: \\*\\*${word.label} — `), 'and what the label under the cursor means');
    });
  });

  test('Import: two changed tags become corrections, the other words are marked reviewed (or left alone)', async () => {
    const { editor } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'import-')), 'doc.conll');
    const exported = await vscode.commands.executeCommand<TransferResult>('bertLstm.exportLabels', {
      format: 'conll',
      uri: vscode.Uri.file(out),
    });
    assert.ok(exported?.ok);
    // change the tags of the first "cat" and of "door"
    const lines = readFileSync(out, 'utf8').split('\n');
    for (const token of ['cat', 'door']) {
      const i = lines.findIndex((l) => l.startsWith(`${token} `));
      const tag = lines[i].split(' ')[1];
      lines[i] = `${token} ${tag === 'SYM' ? 'INTJ' : 'SYM'}`;
    }
    writeFileSync(out, lines.join('\n'));
    const total = exported.labels;

    await closeAllEditors();
    await openTemp(TEXT, 'copy.txt');
    const r = await vscode.commands.executeCommand<TransferResult>('bertLstm.importLabels', { uri: vscode.Uri.file(out) });
    assert.ok(r?.ok, JSON.stringify(r));
    assert.equal(r.differ, 2);
    assert.equal(r.agree, total - 2);
    const s = await state();
    const corrected = s.corrections.filter((c) => c.source === 'corrected');
    assert.deepEqual(corrected.map((c) => c.text).sort(), ['cat', 'door']);
    assert.equal(s.corrections.filter((c) => c.source === 'reviewed').length, total - 2);

    const u = await vscode.commands.executeCommand<TransferResult>('bertLstm.importLabels', {
      uri: vscode.Uri.file(out),
      agreeing: 'unchanged',
    });
    assert.equal(u?.differ, 2);
    assert.deepEqual(
      (await state()).corrections.map((c) => [c.text, c.source]),
      corrected.map((c) => [c.text, 'corrected']),
    );
    void editor;
  });

  test('the correction pick: numbered rows with the label and its description, the current one marked', async () => {
    const a = await api();
    const { editor } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const cat = cursorAt(editor, 'cat');
    const model = a.labelsFor(editor.document)!.find((w) => w.start === cat)!;
    const rows = (await a.correctionRows())!;
    assert.equal(rows.length, (await a.model())!.labels.length);
    rows.forEach((r, i) => assert.match(r.text, new RegExp(`^${i + 1} ${r.label} — \\S`), `row ${i + 1} is numbered and described`));
    assert.equal(rows[0].label, model.label);
    assert.match(rows[0].detail, /^\d+\.\d% \(current\)$/);
  });

  test('Accept Label and Next: reviewed, then the next low-confidence label not yet reviewed; the review key is live only on a label', async () => {
    const a = await api();
    const { editor } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const reviewing = async (): Promise<boolean> => a.reviewing();
    await withSettings({ confidenceThreshold: 1 }, async () => {
      const words = a.labelsFor(editor.document)!;
      await select(editor, new vscode.Selection(0, 0, 0, 0));
      const first = await vscode.commands.executeCommand<NavigationResult>('bertLstm.nextLowConfidenceLabel');
      assert.equal(first?.start, words[1].start, 'from the start of the text: the second word');
      await eventually('the review key live on the selected label', async () => (await reviewing()) || undefined);
      const second = await vscode.commands.executeCommand<NavigationResult>('bertLstm.acceptLabelAndNext');
      assert.equal(second?.start, words[2].start);
      const third = await vscode.commands.executeCommand<NavigationResult>('bertLstm.acceptLabelAndNext');
      assert.equal(third?.start, words[3].start);
      assert.deepEqual(
        (await state()).corrections.map((c) => [c.start, c.source]),
        [
          [words[1].start, 'reviewed'],
          [words[2].start, 'reviewed'],
        ],
      );
      // around the end, the reviewed ones are passed over: word 0 comes next, then word 3 again
      // (selected as a user does: in effect in the editor before the next key)
      await select(
        editor,
        new vscode.Selection(editor.document.positionAt(words.at(-1)!.start), editor.document.positionAt(words.at(-1)!.end)),
      );
      const wrapped = await vscode.commands.executeCommand<NavigationResult>('bertLstm.acceptLabelAndNext');
      // the first label below the threshold that is not reviewed (a label at exactly 100% is not below it)
      const firstLow = words.find((w, i) => i !== 1 && i !== 2 && w.score < 1)!;
      const settings = vscode.workspace.getConfiguration('bertLstm');
      assert.equal(
        wrapped?.start,
        firstLow.start,
        `wrapped to ${JSON.stringify(wrapped)}; words ${JSON.stringify(words.slice(0, 5).map((w) => [w.start, w.label, w.score]))}; ` +
          `labels now ${JSON.stringify(
            a
              .labelsFor(editor.document)
              ?.slice(0, 5)
              .map((w) => [w.start, w.label, w.score]),
          )}; ` +
          `corrections ${JSON.stringify((await state()).corrections.map((c) => [c.start, c.source]))}; ` +
          `hiddenLabels ${JSON.stringify(settings.inspect('hiddenLabels'))}; threshold ${JSON.stringify(settings.inspect('confidenceThreshold'))}; ` +
          `the test's editor is the active one: ${vscode.window.activeTextEditor === editor}; the active selection ${JSON.stringify(vscode.window.activeTextEditor?.selection)}`,
      );
      assert.equal(wrapped.wrapped, true);
      const past = await vscode.commands.executeCommand<NavigationResult>('bertLstm.acceptLabelAndNext');
      const nextLow = words.find((w, i) => i > 2 && w.score < 1 && w.start > firstLow.start)!;
      assert.equal(
        past?.start,
        firstLow.start < words[3].start ? words[3].start : nextLow.start,
        'the reviewed words 1 and 2 are passed over',
      );
      // a cursor (no selection) is not a label under review
      editor.selection = new vscode.Selection(0, 1, 0, 1);
      await eventually('the review key off', async () => (await reviewing()) === false || undefined);
    });
    const ours = vscode.extensions.getExtension('bert-lstm-labeler.bert-lstm-labeler')!.packageJSON.contributes.keybindings as Array<{
      command: string;
      key: string;
      when: string;
    }>;
    const key = ours.find((k) => k.command === 'bertLstm.acceptLabelAndNext');
    assert.ok(key, 'Accept Label and Next has a key');
    assert.doesNotMatch(key.key, / /, 'one key, no chord');
    assert.match(key.when, /\bbertLstm\.reviewing\b/, 'only while a label is under review');
  });

  test('Apply to All Identical Words: the same case, or any case', async () => {
    const { editor } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    cursorAt(editor, 'The');
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'X' }), true);
    // "The" twice in the text; "the" three times and "THE" once
    assert.equal(await vscode.commands.executeCommand('bertLstm.applyToAllIdentical', { assumeYes: true }), 1);
    let s = await state();
    assert.deepEqual(
      s.corrections.filter((c) => c.label === 'X').map((c) => c.text),
      ['The', 'The'],
    );
    assert.equal(await vscode.commands.executeCommand('bertLstm.applyToAllIdentical', { assumeYes: true, matchCase: false }), 4);
    s = await state();
    assert.deepEqual(
      s.corrections.filter((c) => c.label === 'X').map((c) => c.text),
      ['The', 'the', 'The', 'the', 'the', 'THE'],
    );
  });
});
