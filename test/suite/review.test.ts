// The Review view: the least certain unreviewed labels (by the margin between the two most
// probable labels) of open documents and of batch outputs in the workspace, with line:column and
// the sentence around; confident labels are left out; the rows' Accept and Correct take them off
// the queue and the progress counts them; clicking opens the label.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReviewItem } from '../../src/review/review_view';
import { api, closeAllEditors, EXTENSION_ID, SAMPLES } from './helpers';
import { openTemp } from './workflow_helpers';

const refresh = async (): Promise<ReviewItem[]> => (await vscode.commands.executeCommand<ReviewItem[]>('bertLstm.review.refresh'))!;
const progress = async (): Promise<{ reviewed: number; total: number; open: number; description?: string }> =>
  (await vscode.commands.executeCommand('bertLstm.review.progress'))!;
const setting = (key: string, value: unknown): Thenable<void> =>
  vscode.workspace.getConfiguration('bertLstm').update(key, value, vscode.ConfigurationTarget.Global);

suite('Review view', () => {
  // Every label of the test documents in the queue, whatever other documents are open.
  suiteSetup(() => setting('review.size', 5000));
  suiteTeardown(async () => {
    await setting('review.size', undefined);
    await setting('review.maxMargin', undefined);
  });
  teardown(closeAllEditors);

  test('lists the least certain labels first (by margin), with line:column and the sentence around; confident ones are left out', async () => {
    const a = await api();
    const sentences = ['Colorless green ideas sleep furiously.', 'Buffalo buffalo Buffalo buffalo buffalo.', 'Time flies like an arrow.'];
    const { editor, file } = await openTemp(`${sentences[0]}\n${sentences[1]} ${sentences[2]}\n`);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const doc = editor.document;
    const words = a.labelsFor(doc)!;
    const margin = (w: (typeof words)[number]): number => {
      const next = w.alternatives.find((x) => x.label !== w.label);
      return Math.max(0, next ? w.score - next.score : 2 * w.score - 1);
    };
    // every label, when the threshold lets all through
    await setting('review.maxMargin', 1);
    let items = (await refresh()).filter((i) => i.file === file);
    assert.equal(items.length, words.length);
    const margins = items.map((i) => i.margin);
    assert.deepEqual(
      margins,
      [...margins].sort((x, y) => x - y),
      'ordered by margin, the smallest first',
    );
    const least = [...words].sort((x, y) => margin(x) - margin(y) || x.score - y.score)[0];
    assert.deepEqual([items[0].start, items[0].label], [least.start, least.label]);
    for (const it of items) {
      const w = words.find((x) => x.start === it.start)!;
      assert.ok(Math.abs(it.margin - margin(w)) < 1e-6, `margin of "${it.text}"`);
      const pos = doc.positionAt(it.start);
      assert.deepEqual([it.line, it.column], [pos.line + 1, pos.character + 1], `line:column of "${it.text}"`);
      assert.equal(it.context.slice(...it.highlight), it.text, 'the word is highlighted in its context');
      // the sentence around, not the whole document: within one of its sentences
      assert.ok(!it.context.includes('\n'));
      const inside = it.context.replace(/^…|…$/g, '');
      assert.ok(
        sentences.some((s) => s.includes(inside)),
        `"${it.context}" is within one sentence`,
      );
    }
    // a threshold between the margins: exactly the labels at most at it are listed
    const mid = margins[Math.floor(margins.length / 2)];
    await setting('review.maxMargin', mid);
    items = (await refresh()).filter((i) => i.file === file);
    assert.equal(items.length, words.filter((w) => margin(w) <= mid + 1e-9).length);
    assert.ok(items.every((i) => i.margin <= mid + 1e-9));
    await setting('review.maxMargin', 1);
  });

  test('inline Accept and Correct act on the row and take it off the queue; the progress counts them', async () => {
    await setting('review.maxMargin', 1);
    const { file } = await openTemp('The old man the boats. She saw her duck.\n');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    let items = (await refresh()).filter((i) => i.file === file);
    const before = await progress();
    assert.ok(before.total >= items.length && items.length > 2);
    assert.equal(before.description, `${before.reviewed} of ${before.total} reviewed`);

    // opening a row selects its text
    await closeAllEditors();
    const opened = await vscode.commands.executeCommand<vscode.TextEditor>('bertLstm.review.open', items[0]);
    assert.equal(opened?.document.uri.fsPath, file);
    assert.equal(opened.document.getText(opened.selection), items[0].text);

    // Accept (the row's inline action): reviewed, off the queue, one more reviewed
    const accepted = items[0];
    assert.equal(await vscode.commands.executeCommand('bertLstm.review.accept', accepted), true);
    items = (await refresh()).filter((i) => i.file === file);
    assert.ok(!items.some((i) => i.start === accepted.start));
    const state = (await api()).annotationsState();
    assert.ok(state?.corrections.some((c) => c.start === accepted.start && c.source === 'reviewed' && c.label === accepted.label));
    const afterAccept = await progress();
    assert.deepEqual([afterAccept.reviewed, afterAccept.total], [before.reviewed + 1, before.total]);

    // Correct (the row's inline action, the label given as Correct Label takes it): corrected, off the queue
    const corrected = items[0];
    const other = corrected.label === 'NOUN' ? 'VERB' : 'NOUN';
    assert.equal(await vscode.commands.executeCommand('bertLstm.review.correct', corrected, { label: other }), true);
    items = (await refresh()).filter((i) => i.file === file);
    assert.ok(!items.some((i) => i.start === corrected.start));
    const state2 = (await api()).annotationsState();
    assert.ok(state2?.corrections.some((c) => c.start === corrected.start && c.source === 'corrected' && c.label === other));
    const afterCorrect = await progress();
    assert.deepEqual([afterCorrect.reviewed, afterCorrect.total], [before.reviewed + 2, before.total]);

    // the inline actions are contributed for the view's rows, with icons
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: {
        menus: Record<string, Array<{ command: string; when?: string; group?: string }>>;
        commands: Array<{ command: string; icon?: string }>;
      };
    };
    for (const command of ['bertLstm.review.accept', 'bertLstm.review.correct']) {
      const inline = pkg.contributes.menus['view/item/context'].find((m) => m.command === command && m.group?.startsWith('inline'));
      assert.ok(inline?.when?.includes('view == bertLstm.review') && inline.when.includes('viewItem == bertLstmReviewItem'), command);
      assert.ok(pkg.contributes.commands.find((c) => c.command === command)?.icon, `${command} has an icon`);
    }
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
      // only their own probabilities are known: the margin is its bound 2p - 1, and 97% is confident
      await setting('review.maxMargin', 0.5);
      const items = (await refresh()).filter((i) => i.file === file);
      assert.deepEqual(
        items.map((i) => [i.text, i.score, i.line, i.column, i.context]),
        [
          ['here', 0.12, 1, 11, 'Some text here.'],
          ['Some', 0.41, 1, 1, 'Some text here.'],
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
        ['Some'],
      );
      // the confident label is listed once the threshold lets it through
      await setting('review.maxMargin', 1);
      assert.deepEqual(
        (await refresh()).filter((i) => i.file === file).map((i) => i.text),
        ['Some', 'text'],
      );
    } finally {
      rmSync(output, { force: true });
    }
  });
});
