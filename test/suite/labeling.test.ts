// Extension-host tests: the real `vscode` API in code-server, the real default model.
import * as assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import * as vscode from 'vscode';
import { autoWorkers } from '../../src/core/engine';
import {
  api,
  assertWholeWord,
  closeAllEditors,
  EXTENSION_ID,
  longDocument,
  openSample,
  openText,
  setLive,
  setSetting,
  waitFor,
} from './helpers';
import { goldSentences } from '../shared/gold_sentences';

suite('Label Document', () => {
  suiteSetup(async () => {
    const a = await api();
    console.log(`activation: ${a.activationMs.toFixed(1)} ms`);
  });

  teardown(closeAllEditors);

  test('activation is lazy and fast: the model is not loaded by activate()', async () => {
    const a = await api();
    assert.ok(a.activationMs < 500, `activation took ${a.activationMs} ms`);
  });

  test('the tests run the extension in Test mode, the only mode whose API carries the test hooks', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext?.isActive);
    const a = await api();
    assert.equal(a.extensionMode, vscode.ExtensionMode.Test);
    assert.equal(typeof a.resources, 'function');
  });

  test('labels a sample: decorations cover whole words with labels from the bundle', async () => {
    const a = await api();
    const editor = await openSample('sentences.txt');
    const result = await vscode.commands.executeCommand<{ words: unknown[] } | undefined>('bertLstm.labelDocument');
    assert.ok(result, 'the command returned no result');
    const model = await a.model();
    assert.ok(model, 'no model');
    const labels = a.labelsFor(editor.document);
    assert.ok(labels && labels.length > 20, `too few labels: ${labels?.length}`);
    const decorations = a.decorationsFor(editor);
    assert.ok(decorations.length > 0, 'no decorations were set');
    let ranges = 0;
    for (const d of decorations) {
      assert.ok(model.labels.includes(d.label), `label ${d.label} is not in the bundle's label set`);
      assert.match(d.colorId, /^bertLstm\.(label|palette)\./);
      for (const r of d.ranges) {
        assertWholeWord(editor.document, r);
        ranges++;
      }
    }
    // every labeled word is drawn once (no label is hidden by default for UPOS)
    assert.equal(ranges, labels.filter((w) => w.label !== 'O').length);
  });

  test('labels on fixed sentences are the ones the core gives', async () => {
    const a = await api();
    const sentences = [
      'The cat sat on the mat.',
      "She didn't know what to say, so she laughed.",
      'Prices rose 3.5% in 1961, the committee said.',
    ];
    for (const s of sentences) {
      const editor = await openText(s);
      await vscode.commands.executeCommand('bertLstm.labelDocument');
      const viaEditor = a.labelsFor(editor.document)?.map((w) => `${w.text}/${w.label}`);
      const direct = (await a.labelText(s))?.words.map((w) => `${w.text}/${w.label}`);
      assert.ok(direct && direct.length > 0);
      assert.deepEqual(viaEditor, direct);
      console.log(`  ${viaEditor?.join(' ')}`);
      // the decorations drawn are exactly those labels, at those places
      const drawn = a
        .decorationsFor(editor)
        .flatMap((d) => d.ranges.map((r) => ({ at: editor.document.offsetAt(r.start), s: `${editor.document.getText(r)}/${d.label}` })))
        .sort((x, y) => x.at - y.at)
        .map((x) => x.s);
      assert.deepEqual(drawn, viaEditor);
    }
  });

  test('the model in the editor tags held-out Brown sentences as a trained tagger does', async () => {
    const a = await api();
    // held-out sentences with gold UPOS (written by the training code); an untrained or broken
    // bundle, or labels lost on the way through the editor layer, scores far below this
    const sentences = goldSentences().slice(0, 40);
    let right = 0;
    let total = 0;
    for (const s of sentences) {
      const r = await a.labelText(s.text);
      const byStart = new Map(r?.words.map((w) => [w.start, w.label]));
      s.words.forEach(([start], i) => {
        total++;
        if (byStart.get(start) === s.upos[i]) right++;
      });
    }
    assert.ok(total > 500, `${total} words`);
    assert.ok(right / total > 0.9, `accuracy ${(right / total).toFixed(3)} on ${total} words`);
  });

  test('bertLstm.workers: the model is loaded again with that many inference workers, and their labels of a long document are one worker’s', async () => {
    const a = await api();
    const workersNow = async (): Promise<number | undefined> => (await a.model())?.workers;
    /** Sets the workers, waits for the model running that many, labels the document whole. */
    const labelWith = async (workers: number | undefined, expect: number, editor: vscode.TextEditor) => {
      await setSetting('workers', workers);
      const deadline = Date.now() + 30_000;
      while ((await workersNow()) !== expect) {
        assert.ok(Date.now() < deadline, `the model runs ${await workersNow()} workers, not ${expect}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      await vscode.commands.executeCommand('bertLstm.labelDocument');
      const result = a.resultFor(editor.document);
      assert.ok(result, 'no labels');
      assert.equal(result.segments.run, result.segments.total, 'every segment was labeled by the model just loaded');
      return result.words.map((w) => `${w.start}:${w.text}/${w.label}/${w.score.toFixed(6)}`);
    };
    await setLive(false);
    try {
      const editor = await openText(longDocument(150));
      const one = await labelWith(1, 1, editor);
      const three = await labelWith(3, 3, editor);
      assert.ok(one.length > 3000, `${one.length} words`);
      assert.deepEqual(three, one);
      // unset (0): one per core but one, at most four
      const auto = await labelWith(undefined, autoWorkers(availableParallelism()), editor);
      assert.deepEqual(auto, one);
    } finally {
      await setSetting('workers', undefined);
      await setLive(undefined);
    }
  });

  test('without live labeling, an edit makes labels stale: they are not shown for the new version', async () => {
    const a = await api();
    await setLive(false);
    try {
      const editor = await openText('Dogs bark loudly.');
      await vscode.commands.executeCommand('bertLstm.labelDocument');
      assert.ok(a.labelsFor(editor.document));
      await editor.edit((e) => e.insert(new vscode.Position(0, 0), 'Big '));
      assert.equal(a.labelsFor(editor.document), undefined);
      assert.equal(a.decorationsFor(editor).length, 0);
    } finally {
      await setLive(undefined);
    }
  });

  test('Clear Labels removes the decorations', async () => {
    const a = await api();
    const editor = await openText('Birds fly south in winter.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.ok(a.decorationsFor(editor).length > 0);
    await vscode.commands.executeCommand('bertLstm.clearLabels');
    assert.equal(a.decorationsFor(editor).length, 0);
    assert.equal(a.labelsFor(editor.document), undefined);
  });

  test('the status bar shows the label under the cursor and the last latency', async () => {
    const a = await api();
    const editor = await openText('The cat sat on the mat.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const word = a.labelsFor(editor.document)![1];
    editor.selection = new vscode.Selection(editor.document.positionAt(word.start + 1), editor.document.positionAt(word.start + 1));
    const text = await waitFor(
      'status text',
      () => {
        const t = a.statusText();
        return t.includes(word.label) ? t : undefined;
      },
      5000,
    );
    assert.match(text, new RegExp(`${word.label} ${Math.round(word.score * 100)}% · \\d+ ms`));
  });

  test('hover shows the label and its confidence', async () => {
    const a = await api();
    const editor = await openText('The cat sat on the mat.');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const word = a.labelsFor(editor.document)![1];
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      editor.document.uri,
      editor.document.positionAt(word.start + 1),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, new RegExp(`\\*\\*${word.label}\\*\\* ${(word.score * 100).toFixed(1)}%`));
  });
});
