// The Label Legend and the inline tags in a real extension host: the legend's rows are the
// model's labels with their descriptions and their counts in the active document; hiding a label
// from the legend stops it being drawn (and is kept for the workspace), showing it again draws
// it; the row's command selects the next occurrence after the cursor, wrapping. In the inline
// style the tags are inlay hints (what VS Code's own inlay-hint command returns), without the
// labels of `bertLstm.inline.hiddenLabels`.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { api, closeAllEditors, drawnLabels, openText, settled, waitFor, withSettings } from './helpers';

const TEXT = 'The cat sat on the mat. Dogs bark loudly at night, and the old farmer sleeps.';

interface Row {
  label: string;
  title: string;
  count: number | undefined;
  shown: boolean;
  hiddenBy: string | undefined;
}

const rows = async (): Promise<Row[]> => (await vscode.commands.executeCommand<Row[]>('bertLstm.legend.rows')) ?? [];

/** Polls an asynchronous check until it returns a value, or fails after `ms`. */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

suite('Label Legend and inline tags', () => {
  teardown(closeAllEditors);

  test('rows: every model label, described, counted in the active document', async () => {
    const a = await api();
    const editor = await openText(TEXT);
    const labels = await settled(a, editor.document);
    const r = await rows();
    const model = (await a.model())!.labels;
    for (const l of new Set(labels.words.map((w) => w.label))) {
      const row = r.find((x) => x.label === l);
      assert.ok(row, `a row for ${l}`);
      assert.equal(row.count, labels.words.filter((w) => w.label === l).length, `the count of ${l}`);
    }
    assert.deepEqual(
      r.map((x) => x.label),
      [...new Set(model)],
      'a row for every label of the model, in model order',
    );
    const noun = r.find((x) => x.label === 'NOUN');
    if (noun) assert.equal(noun.title, 'NOUN — noun');
  });

  test('hiding a label from the legend stops drawing it; showing it again draws it', async () => {
    const a = await api();
    const editor = await openText(TEXT);
    const labels = await settled(a, editor.document);
    const all = labels.words.map((w) => `${w.text}/${w.label}`);
    const label = labels.words.find((w) => /^[A-Za-z]{3,}$/.test(w.text))!.label;
    await vscode.commands.executeCommand('bertLstm.legend.setShown', label, false);
    try {
      const drawn = await waitFor(`${label} no longer drawn`, () => {
        const d = drawnLabels(a, editor);
        return d.length < all.length ? d : undefined;
      });
      assert.deepEqual(
        drawn,
        labels.words.filter((w) => w.label !== label).map((w) => `${w.text}/${w.label}`),
      );
      const row = (await rows()).find((x) => x.label === label)!;
      assert.equal(row.shown, false);
      assert.equal(row.hiddenBy, 'workspace');
    } finally {
      await vscode.commands.executeCommand('bertLstm.legend.setShown', label, true);
    }
    await waitFor('all labels drawn again', () => drawnLabels(a, editor).length === all.length || undefined);
  });

  test("a row's command selects the next occurrence after the cursor, wrapping", async () => {
    const a = await api();
    const editor = await openText(TEXT);
    const labels = await settled(a, editor.document);
    const counts = new Map<string, number>();
    for (const w of labels.words) counts.set(w.label, (counts.get(w.label) ?? 0) + 1);
    const label = [...counts].find(([, n]) => n >= 2)?.[0];
    assert.ok(label, 'a label that occurs twice');
    const at = labels.words.filter((w) => w.label === label);
    // from the end of the document: the first jump wraps round to the first occurrence
    const end = editor.document.positionAt(editor.document.getText().length);
    editor.selection = new vscode.Selection(end, end);
    const seen: number[] = [];
    for (let i = 0; i <= at.length; i++) {
      const jump: { start: number; wrapped: boolean } | undefined = await vscode.commands.executeCommand(
        'bertLstm.legend.nextOccurrence',
        label,
      );
      assert.ok(jump, `jump ${i + 1} found ${label}`);
      assert.equal(editor.document.offsetAt(editor.selection.start), jump.start, 'the occurrence is selected');
      seen.push(jump.start);
      assert.equal(jump.wrapped, i === 0 || i === at.length, `jump ${i + 1} wraps only round the end`);
    }
    assert.deepEqual(seen, [...at.map((w) => w.start), at[0].start]);
  });

  test('inline style: the tags are inlay hints, without the labels hidden in that style', async () => {
    const a = await api();
    const editor = await openText(TEXT);
    const labels = await settled(a, editor.document);
    const doc = editor.document;
    const whole = new vscode.Range(0, 0, doc.lineCount, 0);
    const hints = async (): Promise<vscode.InlayHint[]> =>
      (await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, whole)) ?? [];
    const ours = (h: vscode.InlayHint[]): string[] =>
      h.map((x) => (typeof x.label === 'string' ? x.label : x.label.map((p) => p.value).join('')));
    assert.deepEqual(ours(await hints()), [], 'no tags in the underline style');
    await withSettings({ displayStyle: 'inline', 'inline.hiddenLabels': ['PUNCT'] }, async () => {
      const tagged = labels.words.filter((w) => w.label !== 'PUNCT');
      const got = await eventually('inline tags as inlay hints', async () => {
        const h = await hints();
        return h.length ? h : undefined;
      });
      const threshold = vscode.workspace.getConfiguration('bertLstm').get<number>('confidenceThreshold', 0.5);
      assert.deepEqual(
        ours(got),
        tagged.map((w) => (w.score < threshold ? `${w.label}?` : w.label)),
      );
      for (const [i, h] of got.entries()) assert.equal(doc.offsetAt(h.position), tagged[i].end, 'each tag sits after its word');
    });
  });
});
