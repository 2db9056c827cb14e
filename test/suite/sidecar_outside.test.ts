// Sidecars changed outside the editor and sidecars that are links, in the real extension host:
// another tool writes the sidecar while the document is open (the editor merges, never writes
// its old state over the change), both change the same label (the user is asked, nothing is
// written until then), and a sidecar that is a symbolic link to a shared 0600 file or a hard
// link keeps being that after the editor writes it.
import * as assert from 'node:assert/strict';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Annotation } from '../../src/core/annotations';
import { parseSidecar, serializeSidecar } from '../../src/core/sidecar';
import { api, closeAllEditors } from './helpers';
import { openTemp, state, waitForState } from './workflow_helpers';

const TEXT = 'The cat sat on the mat. The dog saw the cat near the door.\n';

async function correct(editor: vscode.TextEditor, word: string, label: string): Promise<void> {
  const at = editor.document.getText().indexOf(word);
  assert.ok(at >= 0, `${word} not found`);
  const pos = editor.document.positionAt(at + 1);
  editor.selection = new vscode.Selection(pos, pos);
  assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label }), true, `correcting "${word}" is applied`);
}

const onDisk = (file: string): string[] => {
  const p = parseSidecar(readFileSync(file, 'utf8'));
  assert.ok(p.ok, JSON.stringify(!p.ok && p.problems));
  return p.annotations.map((a) => `${a.text}/${a.label}`);
};
const inEditor = (corrections: readonly Annotation[]): string[] => corrections.map((a) => `${a.text}/${a.label}`);

/** What another tool does: the file rewritten with one label set (replaced or added), atomically. */
function writeOutside(file: string, text: string, word: string, label: string, nth = 0): void {
  const p = parseSidecar(readFileSync(file, 'utf8'));
  assert.ok(p.ok);
  let start = -1;
  for (let i = 0; i <= nth; i++) start = text.indexOf(word, start + 1);
  const rest = p.annotations.filter((a) => !(a.start === start && a.end === start + word.length));
  const next: Annotation[] = [...rest, { start, end: start + word.length, text: word, label, source: 'corrected' }];
  writeFileSync(`${file}.outside`, serializeSidecar(next, path.basename(file)));
  renameSync(`${file}.outside`, file);
}

suite('Sidecars changed outside the editor, and linked sidecars', () => {
  suiteSetup(async () => {
    await api();
  });
  teardown(async () => {
    await closeAllEditors();
  });

  test('an outside change is taken into the editor and kept by its next write', async () => {
    const { editor, file } = await openTemp(TEXT);
    const sidecar = `${file}.labels.jsonl`;
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    await correct(editor, 'cat', 'VERB');
    assert.deepEqual(onDisk(sidecar), ['cat/VERB']);
    writeOutside(sidecar, TEXT, 'dog', 'ADJ');
    const merged = await waitForState((s) => s.corrections.some((c) => c.text === 'dog'));
    assert.deepEqual(inEditor(merged.corrections), ['cat/VERB', 'dog/ADJ']);
    assert.equal(merged.unsaved, false);
    // written outside again and corrected here at once, before or after the watcher sees it: both are kept
    writeOutside(sidecar, TEXT, 'door', 'NOUN');
    await correct(editor, 'mat', 'X');
    const after = await waitForState((s) => s.corrections.length === 4 && !s.unsaved);
    assert.deepEqual(inEditor(after.corrections), ['cat/VERB', 'mat/X', 'dog/ADJ', 'door/NOUN']);
    assert.deepEqual(onDisk(sidecar), ['cat/VERB', 'mat/X', 'dog/ADJ', 'door/NOUN']);
    assert.equal(after.conflicts, 0);
  });

  test('the same label changed here and outside: the user is asked, nothing is written until then, either answer is kept', async () => {
    for (const take of ['ours', 'theirs'] as const) {
      const { editor, file } = await openTemp(TEXT);
      const sidecar = `${file}.labels.jsonl`;
      assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
      await correct(editor, 'cat', 'VERB');
      // unsaved edits hold the editor's next corrections back until the document is saved
      assert.ok(await editor.edit((b) => b.insert(editor.document.positionAt(TEXT.length), 'More text.\n')));
      await correct(editor, 'cat', 'NOUN');
      await correct(editor, 'door', 'PROPN');
      writeOutside(sidecar, TEXT, 'cat', 'ADV');
      writeOutside(sidecar, TEXT, 'saw', 'AUX');
      const asked = await waitForState((s) => s.conflicts === 1);
      // the file's other change is merged in; the conflicting label stays as the editor has it until settled
      assert.deepEqual(inEditor(asked.corrections), ['cat/NOUN', 'saw/AUX', 'door/PROPN']);
      const fileNow = readFileSync(sidecar, 'utf8');
      assert.deepEqual(onDisk(sidecar), ['cat/ADV', 'saw/AUX']);
      // saving the document does not write over the file while the question is open
      assert.ok(await editor.document.save());
      assert.equal(readFileSync(sidecar, 'utf8'), fileNow);
      assert.equal(await vscode.commands.executeCommand('bertLstm.settleSidecarConflict', { take }), true);
      const settled = await waitForState((s) => s.conflicts === 0 && !s.unsaved);
      const cat = take === 'ours' ? 'cat/NOUN' : 'cat/ADV';
      assert.deepEqual(inEditor(settled.corrections), [cat, 'saw/AUX', 'door/PROPN']);
      assert.deepEqual(onDisk(sidecar), [cat, 'saw/AUX', 'door/PROPN']);
      await closeAllEditors();
    }
  });

  test('a sidecar that is a symbolic link to a shared 0600 file stays a link, and a hard-linked one stays linked', async () => {
    const shared = mkdtempSync(path.join(tmpdir(), 'shared-'));
    const target = path.join(shared, 'team.labels.jsonl');
    writeFileSync(target, serializeSidecar([], 'doc.txt'));
    chmodSync(target, 0o600);
    const { editor, file } = await openTemp(TEXT);
    const sidecar = `${file}.labels.jsonl`;
    symlinkSync(target, sidecar);
    await closeAllEditors();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    const ed = await vscode.window.showTextDocument(doc);
    void editor;
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    await correct(ed, 'cat', 'VERB');
    await waitForState((s) => !s.unsaved);
    assert.ok(lstatSync(sidecar).isSymbolicLink(), 'the sidecar is no longer a link');
    assert.deepEqual(onDisk(target), ['cat/VERB']);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    await closeAllEditors();

    // a hard link: the other name sees every write
    const dir = mkdtempSync(path.join(tmpdir(), 'hard-'));
    mkdirSync(path.join(dir, 'elsewhere'));
    const doc2 = path.join(dir, 'doc.txt');
    writeFileSync(doc2, TEXT);
    const other = path.join(dir, 'elsewhere', 'copy.labels.jsonl');
    writeFileSync(other, serializeSidecar([], 'doc.txt'));
    linkSync(other, `${doc2}.labels.jsonl`);
    const ed2 = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(vscode.Uri.file(doc2)));
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    await correct(ed2, 'dog', 'ADJ');
    await waitForState((s) => !s.unsaved);
    assert.equal(statSync(other).nlink, 2);
    assert.deepEqual(onDisk(other), ['dog/ADJ']);
    assert.deepEqual(
      (await state()).corrections.map((c) => c.label),
      ['ADJ'],
    );
  });
});
