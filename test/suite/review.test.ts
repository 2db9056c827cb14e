// The Review view: the least confident unreviewed labels of open documents and of batch outputs
// in the workspace; corrected labels leave the queue; clicking opens the label.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReviewItem } from '../../src/review/review_view';
import { api, closeAllEditors, SAMPLES } from './helpers';
import { openTemp } from './workflow_helpers';

const refresh = async (): Promise<ReviewItem[]> => (await vscode.commands.executeCommand<ReviewItem[]>('bertLstm.review.refresh'))!;

suite('Review view', () => {
  // Every label of the test documents in the queue, whatever other documents are open.
  suiteSetup(() => vscode.workspace.getConfiguration('bertLstm').update('review.size', 5000, vscode.ConfigurationTarget.Global));
  suiteTeardown(() => vscode.workspace.getConfiguration('bertLstm').update('review.size', undefined, vscode.ConfigurationTarget.Global));
  teardown(closeAllEditors);

  test('lists the least confident labels first; a corrected label leaves the queue; clicking opens it', async () => {
    const a = await api();
    const { editor, file } = await openTemp('Colorless green ideas sleep furiously. Buffalo buffalo Buffalo buffalo buffalo.\n');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const words = a.labelsFor(editor.document)!;
    let items = (await refresh()).filter((i) => i.file === file);
    assert.equal(items.length, words.length);
    const scores = items.map((i) => i.score);
    assert.deepEqual(
      scores,
      [...scores].sort((x, y) => x - y),
    );
    const lowest = [...words].sort((x, y) => x.score - y.score)[0];
    assert.deepEqual([items[0].start, items[0].label], [lowest.start, lowest.label]);

    // opening the first item selects its text
    await closeAllEditors();
    const opened = await vscode.commands.executeCommand<vscode.TextEditor>('bertLstm.review.open', items[0]);
    assert.equal(opened?.document.uri.fsPath, file);
    assert.equal(opened.document.getText(opened.selection), items[0].text);

    // accepting it takes it off the queue
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.equal(await vscode.commands.executeCommand('bertLstm.acceptLabel'), true);
    items = (await refresh()).filter((i) => i.file === file);
    assert.equal(items.length, words.length - 1);
    assert.ok(!items.some((i) => i.start === lowest.start));

    // the view is contributed and can be shown
    await vscode.commands.executeCommand('bertLstm.review.focus');
  });

  test('lists the labels of batch outputs in the workspace, for files that are not open', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'review-'));
    const file = path.join(dir, 'closed.txt');
    writeFileSync(file, 'Some text here.');
    const output = path.join(SAMPLES, '.review-test.batch.jsonl');
    const words = [
      { start: 0, end: 4, text: 'Some', label: 'DET', score: 0.41 },
      { start: 5, end: 9, text: 'text', label: 'NOUN', score: 0.97 },
      { start: 10, end: 14, text: 'here', label: 'ADV', score: 0.12 },
    ];
    writeFileSync(
      output,
      [
        { schema: 'bert-lstm-batch', version: 1 },
        { file, sha256: 'x', chars: 15, sequence: [], words },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n',
    );
    try {
      const items = (await refresh()).filter((i) => i.file === file);
      assert.deepEqual(
        items.map((i) => [i.text, i.score]),
        [
          ['here', 0.12],
          ['Some', 0.41],
          ['text', 0.97],
        ],
      );
      // a reviewed label in the file's sidecar takes it off the queue
      writeFileSync(
        file + '.labels.jsonl',
        '{"schema":"bert-lstm-annotations","version":1}\n{"start":10,"end":14,"text":"here","label":"ADV","source":"reviewed"}\n',
      );
      const after = (await refresh()).filter((i) => i.file === file);
      assert.deepEqual(
        after.map((i) => i.text),
        ['Some', 'text'],
      );
    } finally {
      rmSync(output, { force: true });
    }
  });
});
