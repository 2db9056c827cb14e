// Corrections in the real editor with the real default model: each command, the sidecar file,
// re-anchoring through edits, undo (the commands' own and the editor's), an unreadable sidecar,
// and keybindings that do not take any of VS Code's defaults.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Annotation } from '../../src/core/annotations';
import { parseSidecar } from '../../src/core/sidecar';
import type { AnnotationsSnapshot } from '../../src/corrections/store';
import { api, bioBundle, closeAllEditors, waitFor } from './helpers';
import { cursorAt, openTemp, state, waitForState } from './workflow_helpers';

const TEXT = 'The cat sat on the mat. The dog saw the cat near the door.\n';

const sidecarOf = (file: string): Annotation[] => {
  const parsed = parseSidecar(readFileSync(file + '.labels.jsonl', 'utf8'));
  assert.ok(parsed.ok, JSON.stringify(!parsed.ok && parsed.problems));
  return parsed.annotations;
};

const at = (s: AnnotationsSnapshot, start: number): Annotation | undefined => s.merged.find((a) => a.start === start);

suite('Corrections', () => {
  suiteSetup(async () => {
    await api();
  });
  teardown(closeAllEditors);

  test('Correct Label: quick pick choices by probability, current marked; choosing writes the sidecar and draws a box', async () => {
    const a = await api();
    const { editor, file } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const cat = cursorAt(editor, 'cat');
    const word = a.labelsFor(editor.document)!.find((w) => w.start === cat)!;
    const choices = (await (await api()).correctionChoices())!;
    const model = (await a.model())!;
    assert.deepEqual([...choices.map((c) => c.label)].sort(), [...model.labels].sort());
    const scores = choices.map((c) => c.score!);
    assert.deepEqual(
      scores,
      [...scores].sort((x, y) => y - x),
      'sorted by probability',
    );
    assert.equal(choices[0].label, word.label);
    assert.ok(Math.abs(choices[0].score! - word.score) < 1e-4, `${choices[0].score} vs ${word.score}`);
    assert.deepEqual(
      choices.filter((c) => c.current).map((c) => c.label),
      [word.label],
    );

    const other = choices.find((c) => c.label !== word.label)!.label;
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: other }), true);
    const s = await state();
    assert.deepEqual(
      s.corrections.map((c) => [c.start, c.end, c.text, c.label, c.source]),
      [[cat, cat + 3, 'cat', other, 'corrected']],
    );
    assert.equal(at(s, cat)?.label, other);
    assert.equal(s.state, 'loaded');
    assert.deepEqual(
      sidecarOf(file).map((c) => [c.start, c.label, c.source]),
      [[cat, other, 'corrected']],
    );
    assert.ok(s.decorations.some((d) => d.key.startsWith(`${other}|corrected`) && d.ranges.some(([x, y]) => x === cat && y === cat + 3)));
    // the current one is now marked in the choices
    const again = (await (await api()).correctionChoices())!;
    assert.deepEqual(
      again.filter((c) => c.current).map((c) => c.label),
      [other],
    );
    // the hover says "corrected"
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      editor.document.uri,
      editor.document.positionAt(cat + 1),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, new RegExp(`\\*\\*${other}\\*\\* corrected`));
  });

  test('Accept Label marks the model label reviewed; Remove Span hides it; both are saved', async () => {
    const a = await api();
    const { editor, file } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const dog = cursorAt(editor, 'dog');
    const model = a.labelsFor(editor.document)!.find((w) => w.start === dog)!;
    assert.equal(await vscode.commands.executeCommand('bertLstm.acceptLabel'), true);
    let s = await state();
    assert.deepEqual(
      s.corrections.map((c) => [c.start, c.label, c.source]),
      [[dog, model.label, 'reviewed']],
    );
    const door = cursorAt(editor, 'door');
    assert.equal(await vscode.commands.executeCommand('bertLstm.removeSpan'), true);
    s = await state();
    assert.equal(at(s, door), undefined, 'the removed label is not in the merged labels');
    assert.deepEqual(
      sidecarOf(file).map((c) => [c.start, c.label, c.source]),
      [
        [dog, model.label, 'reviewed'],
        [door, 'O', 'corrected'],
      ],
    );
  });

  test('Apply to All Identical Words labels every other occurrence, counted first', async () => {
    const { editor } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const first = cursorAt(editor, 'cat');
    await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'X' });
    const count = await vscode.commands.executeCommand<number>('bertLstm.applyToAllIdentical', { assumeYes: true });
    assert.equal(count, 1);
    const s = await state();
    const second = TEXT.indexOf('cat', first + 1);
    assert.equal(at(s, second)?.label, 'X');
    assert.equal(at(s, second)?.source, 'corrected');
    // "cat" inside another word would not count: none here, and a second run finds nothing to do
    assert.equal(await vscode.commands.executeCommand<number>('bertLstm.applyToAllIdentical', { assumeYes: true }), 0);
  });

  test('Undo Correction and Redo Correction step through the corrections and the sidecar follows', async () => {
    const { editor, file } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const cat = cursorAt(editor, 'cat');
    await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'X' });
    await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'Y' });
    assert.equal(at(await state(), cat)?.label, 'Y');
    assert.equal(await vscode.commands.executeCommand('bertLstm.undoCorrection'), true);
    assert.equal(at(await state(), cat)?.label, 'X');
    assert.equal(sidecarOf(file)[0].label, 'X');
    await vscode.commands.executeCommand('bertLstm.undoCorrection');
    assert.deepEqual((await state()).corrections, []);
    assert.deepEqual(sidecarOf(file), []);
    await vscode.commands.executeCommand('bertLstm.redoCorrection');
    await vscode.commands.executeCommand('bertLstm.redoCorrection');
    assert.equal(at(await state(), cat)?.label, 'Y');
    assert.equal(await vscode.commands.executeCommand('bertLstm.redoCorrection'), false);
  });

  test("edits: corrections follow the text, a changed word is flagged, a deleted one dropped, and the editor's undo brings it back", async () => {
    const { editor, file } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const cat = cursorAt(editor, 'cat');
    await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'X' });
    const mat = cursorAt(editor, 'mat');
    await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'Y' });
    await editor.edit((b) => b.insert(editor.document.positionAt(0), 'Look! '));
    let s = await state();
    assert.deepEqual(
      s.corrections.map((c) => [c.start, c.text]),
      [
        [cat + 6, 'cat'],
        [mat + 6, 'mat'],
      ],
    );
    // the sidecar keeps the saved file's offsets until the document is saved
    assert.equal(sidecarOf(file)[0].start, cat);
    await editor.document.save();
    await waitFor('sidecar saved', () => sidecarOf(file)[0]?.start === cat + 6);
    // typing inside "mat" changes its text: flagged for review
    await editor.edit((b) => b.insert(editor.document.positionAt(mat + 6 + 1), 'a'));
    s = await state();
    assert.deepEqual(
      s.corrections.map((c) => [c.text, !!c.needsReview]),
      [
        ['cat', false],
        ['maat', true],
      ],
    );
    // deleting "cat" drops its correction; the editor's undo brings the word and its label back
    await editor.edit((b) => b.delete(new vscode.Range(editor.document.positionAt(cat + 6), editor.document.positionAt(cat + 9))));
    assert.deepEqual(
      (await state()).corrections.map((c) => c.text),
      ['maat'],
    );
    await vscode.commands.executeCommand('undo');
    await waitFor('cat restored', () => editor.document.getText().includes('The cat'));
    s = await state();
    assert.deepEqual(
      s.corrections.map((c) => [c.start, c.text, c.label]),
      [
        [cat + 6, 'cat', 'X'],
        [mat + 6, 'maat', 'Y'],
      ],
    );
    await vscode.commands.executeCommand('redo');
    assert.deepEqual(
      (await state()).corrections.map((c) => c.text),
      ['maat'],
    );
  });

  test('corrections come back when the document is opened again', async () => {
    const { editor, file } = await openTemp(TEXT);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const sat = cursorAt(editor, 'sat');
    await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'NOUN' });
    await closeAllEditors();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const loaded = await waitForState((x) => x.corrections.length > 0);
    assert.deepEqual(
      loaded.corrections.map((c) => [c.start, c.label]),
      [[sat, 'NOUN']],
    );
  });

  test('an unreadable sidecar is reported, left as it is, and corrections to its document are refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'corr-'));
    const file = path.join(dir, 'bad.txt');
    writeFileSync(file, TEXT);
    const garbage = '{"schema":"bert-lstm-annotations","version":1}\n{"start": 0, "end": "x"}\n';
    writeFileSync(file + '.labels.jsonl', garbage);
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(file)));
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const s = await waitForState((x) => x.state === 'unreadable');
    assert.equal(s.problems[0].line, 2);
    cursorAt(editor, 'cat');
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'X' }), false);
    assert.deepEqual((await state()).corrections, []);
    assert.equal(readFileSync(file + '.labels.jsonl', 'utf8'), garbage);
  });

  test('untitled documents keep corrections in memory, with no file', async () => {
    const doc = await vscode.workspace.openTextDocument({ content: TEXT, language: 'plaintext' });
    const editor = await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    cursorAt(editor, 'dog');
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'X' }), true);
    const s = await state();
    assert.equal(s.state, 'memory');
    assert.equal(s.sidecar, undefined);
    assert.equal(s.corrections.length, 1);
  });

  test('keybindings: none takes a key VS Code binds by default', async () => {
    const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8'));
    const ours: Array<{ key: string; command: string }> = pkg.contributes.keybindings;
    // VS Code's default keybindings as the Keyboard Shortcuts JSON view shows them
    let text = '';
    try {
      text = (await vscode.workspace.openTextDocument(vscode.Uri.parse('vscode://defaultsettings/keybindings.json'))).getText();
    } catch {
      await vscode.commands.executeCommand('workbench.action.openDefaultKeybindingsFile');
      text = await waitFor(
        'default keybindings',
        () => vscode.window.activeTextEditor?.document.getText().includes('"key"') && vscode.window.activeTextEditor.document.getText(),
      );
    }
    const doc = { getText: () => text };
    const defaults = [...doc.getText().matchAll(/"key":\s*"([^"]+)",\s*"command":\s*"([^"]+)"/g)]
      .filter((m) => !m[2].startsWith('bertLstm.') && !m[2].startsWith('-'))
      .map((m) => [m[1].toLowerCase(), m[2]]);
    assert.ok(defaults.length > 200, `only ${defaults.length} default keybindings read`);
    const norm = (k: string): string =>
      k
        .toLowerCase()
        .split(' ')
        .map((c) => c.split('+').sort().join('+'))
        .join(' ');
    const taken = new Map(defaults.map(([k, c]) => [norm(k), c]));
    const clashes: string[] = [];
    for (const k of ours) {
      const clash =
        taken.get(norm(k.key)) ?? [...taken].find(([d]) => d.startsWith(norm(k.key) + ' ') || norm(k.key).startsWith(d + ' '))?.[1];
      if (clash) clashes.push(`${k.key} (${k.command}) is VS Code's ${clash}`);
    }
    if (clashes.length)
      console.log(
        `defaults with ctrl+alt: ${defaults
          .filter(([k]) => /ctrl\+(shift\+)?alt\+/.test(k))
          .map(([k]) => k)
          .join(', ')}`,
      );
    assert.deepEqual(clashes, []);
    assert.ok(existsSync(path.resolve(__dirname, '../../../media/review.svg')));
  });
});

suite('Corrections with a BIO model', () => {
  suiteSetup(async () => {
    await vscode.workspace
      .getConfiguration('bertLstm')
      .update('modelPath', bioBundle('bio-workflow-test'), vscode.ConfigurationTarget.Global);
  });
  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('bertLstm').update('modelPath', undefined, vscode.ConfigurationTarget.Global);
  });
  teardown(closeAllEditors);

  test('Create Span over a selection snaps to whole words; Correct Label offers entity types; export writes IOB2', async () => {
    const a = await api();
    const text = 'John Smith met the board of Acme Corp in Paris.\n';
    const { editor } = await openTemp(text);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.equal((await a.model())?.name, 'bio-workflow-test');
    const acme = text.indexOf('Acme');
    // a selection from inside "Acme" to inside "Corp"
    editor.selection = new vscode.Selection(editor.document.positionAt(acme + 2), editor.document.positionAt(acme + 7));
    const choices = (await (await api()).correctionChoices())!;
    assert.deepEqual([...choices.map((c) => c.label)].sort(), ['ART', 'DATE', 'EVT', 'LOC', 'MISC', 'NUM', 'ORG', 'PER']);
    assert.equal(await vscode.commands.executeCommand('bertLstm.createSpan', { label: 'ORG' }), true);
    const s = await state();
    const org = s.corrections.find((c) => c.label === 'ORG')!;
    assert.deepEqual([org.start, org.end, org.text], [acme, acme + 9, 'Acme Corp']);
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'bio-export-')), 'doc.conll');
    await vscode.commands.executeCommand('bertLstm.exportLabels', { format: 'conll', uri: vscode.Uri.file(out) });
    assert.match(readFileSync(out, 'utf8'), /^Acme B-ORG\nCorp I-ORG\n/m);
    // Remove Span on it leaves no ORG there
    editor.selection = new vscode.Selection(editor.document.positionAt(acme + 1), editor.document.positionAt(acme + 1));
    assert.equal(await vscode.commands.executeCommand('bertLstm.removeSpan'), true);
    assert.ok(!(await state()).merged.some((m) => m.start < acme + 9 && acme < m.end));
  });
});
