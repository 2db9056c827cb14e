// Export / Import and Batch Label Files in the real editor with the real default model.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatchSummary } from '../../src/core/batch';
import type { TransferResult } from '../../src/export/transfer';
import { api, closeAllEditors } from './helpers';
import { openTemp, state } from './workflow_helpers';

const TEXT = 'Maria visited the old café in Zürich 😀. It rained!\nThe dog slept.\n';

suite('Export and import', () => {
  teardown(closeAllEditors);

  for (const format of ['conll', 'conllu', 'spans'] as const) {
    test(`${format}: corrections merged over model labels are exported, and importing the file gives the same labels`, async () => {
      const { editor } = await openTemp(TEXT);
      await vscode.commands.executeCommand('bertLstm.labelDocument');
      const cafe = TEXT.indexOf('café');
      editor.selection = new vscode.Selection(editor.document.positionAt(cafe + 1), editor.document.positionAt(cafe + 1));
      await vscode.commands.executeCommand('bertLstm.correctLabel', { label: 'PROPN' });
      const before = (await state()).merged;
      const out = path.join(mkdtempSync(path.join(tmpdir(), 'export-')), `doc.${format}`);
      const exported = await vscode.commands.executeCommand<TransferResult>('bertLstm.exportLabels', { format, uri: vscode.Uri.file(out) });
      assert.ok(exported?.ok);
      assert.deepEqual(exported.warnings, []);
      const content = readFileSync(out, 'utf8');
      if (format === 'conll') assert.match(content, /^café PROPN$/m);
      if (format === 'conllu') assert.match(content, /\tcafé\t_\tPROPN\t/);
      if (format === 'spans') assert.equal(JSON.parse(content).text, TEXT);
      // into another copy of the document
      await closeAllEditors();
      await openTemp(TEXT, 'copy.txt');
      const imported = await vscode.commands.executeCommand<TransferResult>('bertLstm.importLabels', { format, uri: vscode.Uri.file(out) });
      assert.ok(imported?.ok, JSON.stringify(imported));
      const after = await state();
      assert.deepEqual(
        after.corrections.map((a) => [a.start, a.end, a.label]),
        before.map((a) => [a.start, a.end, a.label]),
      );
    });
  }

  test('a file that does not fit the text imports nothing and says which line', async () => {
    const { editor } = await openTemp(TEXT);
    const bad = path.join(mkdtempSync(path.join(tmpdir(), 'import-')), 'bad.conll');
    writeFileSync(bad, 'Maria PROPN\nvisits VERB\n');
    const r = await vscode.commands.executeCommand<TransferResult>('bertLstm.importLabels', { uri: vscode.Uri.file(bad) });
    assert.equal(r?.ok, false);
    assert.equal(r.problems[0].line, 2);
    assert.match(r.problems[0].message, /"visits"/);
    assert.deepEqual((await state()).corrections, []);
    void editor;
  });
});

suite('Batch Label Files', () => {
  test('labels a folder into one output, skips binary and huge files with a reason, and resumes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'batch-'));
    writeFileSync(path.join(dir, 'a.txt'), 'The cat sat on the mat.');
    mkdirSync(path.join(dir, 'sub'));
    writeFileSync(path.join(dir, 'sub', 'b.txt'), 'Dogs bark.');
    writeFileSync(path.join(dir, 'bin.dat'), Buffer.from([1, 0, 2]));
    writeFileSync(path.join(dir, 'huge.txt'), 'x'.repeat(3_000_000));
    const output = vscode.Uri.file(path.join(mkdtempSync(path.join(tmpdir(), 'batch-out-')), 'run.batch.jsonl'));
    let summary = await vscode.commands.executeCommand<BatchSummary>('bertLstm.batchLabel', { include: dir, output });
    assert.ok(summary);
    assert.deepEqual([summary.labeled, summary.skipped, summary.resumed, summary.cancelled], [2, 2, 0, false]);
    const lines = readFileSync(output.fsPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(lines[0].schema, 'bert-lstm-batch');
    const byName = new Map(lines.slice(1).map((r) => [path.basename(r.file), r]));
    assert.match(byName.get('bin.dat').skipped, /binary/);
    assert.match(byName.get('huge.txt').skipped, /too large/);
    // the same labels as labeling the text directly (whatever the model says)
    const direct = await (await api()).labelText(readFileSync(path.join(dir, 'a.txt'), 'utf8'));
    assert.deepEqual(
      byName.get('a.txt').words.map((w: { label: string }) => w.label),
      direct?.words.map((w: { label: string }) => w.label),
    );
    assert.ok(byName.get('b.txt').sequence.length > 0);
    writeFileSync(path.join(dir, 'c.txt'), 'New text.');
    summary = await vscode.commands.executeCommand<BatchSummary>('bertLstm.batchLabel', { include: dir, output });
    assert.deepEqual([summary.labeled, summary.skipped, summary.resumed], [1, 0, 4]);
  });
});
