// Navigation and Label Selection in a real extension host: Next / Previous Label and Next
// Low-Confidence Label move the selection to the expected word (wrapping); Label Selection
// labels only the selected text, at the right document offsets; the keybindings do not take a
// key VS Code binds by default.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { NavigationResult } from '../../src/review/navigation';
import { api, closeAllEditors, drawnLabels, EXTENSION_ID, openText, setLive, settled, waitFor, withSettings } from './helpers';

const selected = (editor: vscode.TextEditor): string => editor.document.getText(editor.selection);

suite('Navigation', () => {
  teardown(closeAllEditors);

  test('Next Label and Previous Label select the neighbouring words, wrapping at the ends', async () => {
    const a = await api();
    const editor = await openText('The cat sat on the mat.');
    const words = (await settled(a, editor.document)).words;
    assert.deepEqual(
      words.map((w) => w.text),
      ['The', 'cat', 'sat', 'on', 'the', 'mat', '.'],
    );
    editor.selection = new vscode.Selection(0, 0, 0, 0);
    const next = async (): Promise<NavigationResult | undefined> => vscode.commands.executeCommand<NavigationResult>('bertLstm.nextLabel');
    const prev = async (): Promise<NavigationResult | undefined> =>
      vscode.commands.executeCommand<NavigationResult>('bertLstm.previousLabel');
    // the word at the cursor is the current one: "next" from the start of "The" is "cat"
    assert.equal((await next())?.label, words[1].label);
    assert.equal(selected(editor), 'cat');
    await next();
    assert.equal(selected(editor), 'sat');
    await prev();
    assert.equal(selected(editor), 'cat');
    await prev();
    assert.equal(selected(editor), 'The');
    const wrapped = await prev();
    assert.equal(selected(editor), '.', 'previous from the first word wraps to the last');
    assert.equal(wrapped?.wrapped, true);
    // "mat" and "." touch: navigation steps between them
    await prev();
    assert.equal(selected(editor), 'mat');
    await next();
    assert.equal(selected(editor), '.');
    assert.equal((await next())?.wrapped, true);
    assert.equal(selected(editor), 'The');
    // the selection covers the word exactly, cursor at its end
    assert.equal(editor.document.offsetAt(editor.selection.anchor), words[0].start);
    assert.equal(editor.document.offsetAt(editor.selection.active), words[0].end);
  });

  test('Next Low-Confidence Label visits the words below the threshold in order, wraps, and says when there are none', async () => {
    const a = await api();
    const editor = await openText('Colorless green ideas sleep furiously. The old man the boats. Time flies like an arrow.');
    const words = (await settled(a, editor.document)).words;
    const scores = words.map((w) => w.score).sort((x, y) => x - y);
    const threshold = (scores[2] + scores[3]) / 2; // exactly three words below
    assert.ok(scores[2] < scores[3]);
    const low = words.filter((w) => w.score < threshold);
    assert.equal(low.length, 3);
    await withSettings({ confidenceThreshold: threshold }, async () => {
      await waitFor(
        'the threshold applied',
        () =>
          a
            .decorationsFor(editor)
            .filter((d) => d.lowConfidence)
            .flatMap((d) => d.ranges).length === 3 || undefined,
      );
      // from the end of the document: the first low word, then the others, then round again
      const end = editor.document.positionAt(editor.document.getText().length);
      editor.selection = new vscode.Selection(end, end);
      const visited: string[] = [];
      for (let i = 0; i < 4; i++) {
        const r = await vscode.commands.executeCommand<NavigationResult>('bertLstm.nextLowConfidenceLabel');
        assert.ok(r && r.score < threshold, 'a low-confidence word is selected');
        visited.push(`${selected(editor)}@${editor.document.offsetAt(editor.selection.start)}`);
      }
      const expected = low.map((w) => `${w.text}@${w.start}`);
      assert.deepEqual(visited, [...expected, expected[0]]);
      // and back
      const back = await vscode.commands.executeCommand<NavigationResult>('bertLstm.previousLowConfidenceLabel');
      assert.equal(`${selected(editor)}@${back?.start}`, expected[2]);
    });
    await withSettings({ confidenceThreshold: 0 }, async () => {
      await waitFor('no uncertain labels', () => a.decorationsFor(editor).every((d) => !d.lowConfidence) || undefined);
      const before = editor.selection;
      const r = await vscode.commands.executeCommand('bertLstm.nextLowConfidenceLabel');
      assert.equal(r, undefined, 'nothing is found');
      assert.ok(editor.selection.isEqual(before), 'the selection stays');
    });
  });

  test('the keybindings are contributed and none is a key VS Code binds by default', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const ours = ext.packageJSON.contributes.keybindings as { command: string; key: string }[];
    const navigation = [
      'bertLstm.nextLabel',
      'bertLstm.nextLowConfidenceLabel',
      'bertLstm.previousLabel',
      'bertLstm.previousLowConfidenceLabel',
    ];
    for (const command of navigation)
      assert.ok(
        ours.some((k) => k.command === command),
        `${command} has a keybinding`,
      );
    const keys = ours.map((k) => k.key);
    assert.equal(new Set(keys).size, keys.length, 'no two of our commands share a key');
    // VS Code's own list of default keybindings (the extensions' included), as the user sees it
    await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
    const doc = await waitFor(
      'the default keybindings',
      () =>
        vscode.workspace.textDocuments.find(
          (d) => d.uri.scheme === 'vscode' && /keybindings\.json$/.test(d.uri.path) && /"key":/.test(d.getText()),
        ) ??
        (vscode.window.activeTextEditor && /"key":/.test(vscode.window.activeTextEditor.document.getText())
          ? vscode.window.activeTextEditor.document
          : undefined),
    );
    const bound = new Map<string, string[]>();
    for (const m of doc.getText().matchAll(/"key":\s*"([^"]+)",\s*"command":\s*"([^"]+)"/g)) {
      bound.set(m[1], [...(bound.get(m[1]) ?? []), m[2]]);
    }
    assert.ok(bound.size > 100, `parsed ${bound.size} default keys`);
    assert.ok(bound.get('ctrl+p')?.includes('workbench.action.quickOpen'), 'the parse finds a known default (Ctrl+P: Quick Open)');
    for (const k of ours) {
      const others = (bound.get(k.key) ?? []).filter((c) => !c.startsWith('bertLstm.'));
      assert.deepEqual(others, [], `${k.key} (${k.command}) is also bound by default to ${others.join(', ')}`);
    }
  });
});

suite('Label Selection', () => {
  suiteSetup(() => setLive(false));
  suiteTeardown(() => setLive(undefined));
  teardown(closeAllEditors);

  test('labels only the selected text, at document offsets, the same as the text labeled alone', async () => {
    const a = await api();
    const editor = await openText('Dogs bark loudly. The cat sat on the mat.');
    const start = editor.document.getText().indexOf('The cat');
    const range = new vscode.Range(editor.document.positionAt(start), editor.document.positionAt(editor.document.getText().length));
    editor.selection = new vscode.Selection(range.start, range.end);
    const result = await vscode.commands.executeCommand<{ words: { start: number; end: number; text: string; label: string }[] }>(
      'bertLstm.labelSelection',
    );
    assert.ok(result);
    assert.deepEqual(
      result.words.map((w) => w.text),
      ['The', 'cat', 'sat', 'on', 'the', 'mat', '.'],
    );
    for (const w of result.words) {
      assert.equal(
        editor.document.getText(new vscode.Range(editor.document.positionAt(w.start), editor.document.positionAt(w.end))),
        w.text,
      );
    }
    const alone = await a.labelText('The cat sat on the mat.');
    assert.deepEqual(
      result.words.map((w) => `${w.start - start}:${w.label}`),
      alone!.words.map((w) => `${w.start}:${w.label}`),
    );
    // only the selection is labeled and drawn
    assert.deepEqual(
      a.labelsFor(editor.document)?.map((w) => w.text),
      ['The', 'cat', 'sat', 'on', 'the', 'mat', '.'],
    );
    assert.deepEqual(
      drawnLabels(a, editor),
      result.words.map((w) => `${w.text}/${w.label}`),
    );
  });

  test("in a labeled document, the selection's labels replace those words and the others stay", async () => {
    const a = await api();
    const editor = await openText('Dogs bark loudly. The cat sat on the mat. Birds sing.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const before = a.labelsFor(editor.document)!;
    const text = editor.document.getText();
    const start = text.indexOf('The cat');
    const end = text.indexOf(' Birds');
    editor.selection = new vscode.Selection(editor.document.positionAt(start), editor.document.positionAt(end));
    const result = await vscode.commands.executeCommand<{ words: { start: number; text: string; label: string }[] }>(
      'bertLstm.labelSelection',
    );
    const after = a.labelsFor(editor.document)!;
    assert.deepEqual(
      after.map((w) => w.text),
      before.map((w) => w.text),
      'the same words',
    );
    const outside = (w: { start: number }): boolean => w.start < start || w.start >= end;
    assert.deepEqual(after.filter(outside), before.filter(outside), 'the words outside the selection keep their labels');
    assert.deepEqual(
      after.filter((w) => !outside(w)).map((w) => `${w.start}:${w.label}`),
      result!.words.map((w) => `${w.start}:${w.label}`),
    );
    assert.equal(drawnLabels(a, editor).length, after.length);
  });

  test('a selection that cuts words takes the whole words', async () => {
    const a = await api();
    const editor = await openText('The cat sat on the mat.');
    editor.selection = new vscode.Selection(0, 5, 0, 10); // "at sa"
    const result = await vscode.commands.executeCommand<{ words: { text: string }[] }>('bertLstm.labelSelection');
    assert.deepEqual(
      result?.words.map((w) => w.text),
      ['cat', 'sat'],
    );
    assert.deepEqual(
      a.labelsFor(editor.document)?.map((w) => w.text),
      ['cat', 'sat'],
    );
  });

  test('without a selection it says so and labels nothing', async () => {
    const a = await api();
    const editor = await openText('Nothing selected here.');
    editor.selection = new vscode.Selection(0, 3, 0, 3);
    assert.equal(await vscode.commands.executeCommand('bertLstm.labelSelection'), undefined);
    assert.equal(a.labelsFor(editor.document), undefined);
  });
});
