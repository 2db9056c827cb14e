// Live labeling in a real extension host: labels appear on open, follow typing, and an edit in
// a long document re-runs only the segment it touched.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, closeAllEditors, openText, waitFor } from './helpers';

suite('Live labeling', () => {
  teardown(closeAllEditors);

  test('an untitled plaintext document is labeled when it opens', async () => {
    const a = await api();
    const editor = await openText('Rain fell on the quiet town.');
    const words = await waitFor('labels', () => a.labelsFor(editor.document));
    assert.deepEqual(
      words.map((w) => w.text),
      ['Rain', 'fell', 'on', 'the', 'quiet', 'town', '.'],
    );
    assert.ok(a.decorationsFor(editor).length > 0);
  });

  test('live.languages takes globs on the file path as well as language ids', async () => {
    const a = await api();
    const dir = mkdtempSync(path.join(tmpdir(), 'live-glob-'));
    writeFileSync(path.join(dir, 'a.notes'), 'Snow fell on the hills.');
    writeFileSync(path.join(dir, 'b.other'), 'Snow fell on the hills.');
    const cfg = vscode.workspace.getConfiguration('bertLstm');
    await cfg.update('live.languages', ['**/*.notes'], vscode.ConfigurationTarget.Global);
    try {
      const other = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(path.join(dir, 'b.other')));
      const notes = await vscode.window.showTextDocument(
        await vscode.workspace.openTextDocument(path.join(dir, 'a.notes')),
        vscode.ViewColumn.Beside,
      );
      assert.equal(
        notes.document.languageId,
        other.document.languageId,
        'both files have the same language: only the glob tells them apart',
      );
      await waitFor('labels of the file the glob matches', () => a.labelsFor(notes.document));
      // live labeling of the other file would have happened by now; it is not enabled
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(a.labelsFor(other.document), undefined);
    } finally {
      await cfg.update('live.languages', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('labels follow typing', async () => {
    const a = await api();
    const editor = await openText('The river');
    await waitFor('first labels', () => a.labelsFor(editor.document));
    for (const chunk of [' runs', ' to', ' the', ' sea', '.']) {
      await editor.edit((e) => e.insert(editor.document.positionAt(editor.document.getText().length), chunk));
    }
    const words = await waitFor('labels of the edited text', () => a.labelsFor(editor.document));
    assert.deepEqual(
      words.map((w) => w.text),
      ['The', 'river', 'runs', 'to', 'the', 'sea', '.'],
    );
    const direct = await a.labelText(editor.document.getText());
    assert.deepEqual(
      words.map((w) => w.label),
      direct!.words.map((w) => w.label),
    );
  });

  test('an edit in the middle of a long document re-runs only the changed segment', async () => {
    const a = await api();
    const paragraphs: string[] = [];
    for (let i = 0; i < 400; i++) {
      paragraphs.push(
        `Paragraph ${i} begins here. The council met on day ${i} and voted on the plan. ` +
          `Some members objected to the cost. Others said the town needed it.`,
      );
    }
    const editor = await openText(paragraphs.join('\n\n'));
    const first = await waitFor('labels of the long document', () => a.resultFor(editor.document), 120_000);
    assert.ok(first.words.length > 10_000, `${first.words.length} words`);
    const line = 401; // paragraph 200's line
    assert.match(editor.document.lineAt(line - 1).text, /^Paragraph 200 /);
    const t0 = Date.now();
    await editor.edit((e) => e.insert(new vscode.Position(line - 1, 0), 'Meanwhile, '));
    const after = await waitFor('relabel after the edit', () => a.resultFor(editor.document), 60_000);
    console.log(
      `  ${first.words.length} words, ${after.segments.total} segments; after a one-line edit ` +
        `${after.segments.run} segment(s) re-run in ${after.timing.totalMs.toFixed(0)} ms ` +
        `(full run ${first.timing.totalMs.toFixed(0)} ms; edit to labels ${Date.now() - t0} ms with debounce)`,
    );
    assert.ok(after.segments.run <= 2, `${after.segments.run} segments were re-run`);
    const direct = await a.labelText(editor.document.getText());
    assert.equal(after.words.length, direct!.words.length);
    assert.deepEqual(
      after.words.map((w) => `${w.start}:${w.label}`),
      direct!.words.map((w) => `${w.start}:${w.label}`),
    );
    const edited = after.words.find((w) => w.text === 'Meanwhile');
    assert.ok(edited, 'the inserted word is labeled');
  });
});
