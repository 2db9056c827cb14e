// Labeling runs in a real extension host: a 50k-word document (progress shown, drawn near the
// visible range first, an edit re-runs only its segment, read through the API's counters),
// cancelling a run, documents too large for live labeling, low-confidence diagnostics, the
// status bar's spinner and quick pick, and settings that relabel (model path, strategy).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MAX_RANGES_PER_CALL } from '../../src/display/decorations';
import { describeStalls, recordStalls } from './stalls';
import { api, closeAllEditors, drawnLabels, longDocument, openText, setLive, setSetting, settled, waitFor, withSettings } from './helpers';

suite('Long documents and runs', () => {
  teardown(closeAllEditors);

  test('a 50k-word document: progress shown, visible range drawn first, an edit in the middle re-runs only its segment', async () => {
    const a = await api();
    const c0 = a.counters();
    // This test runs inside the extension host: the stalls of its own event loop are the host's
    // (VS Code opening the document, labeling, drawing). Printed, not asserted (a timing).
    const text = longDocument(2000);
    const extensionDist = path.resolve(__dirname, '../../../dist');
    const {
      result: { editor, first },
      report,
    } = await recordStalls(
      async () => {
        const e = await openText(text);
        return { editor: e, first: await settled(a, e.document, 600_000) };
      },
      (url) => url.includes(extensionDist),
    );
    console.log(`  extension host during the full run and drawing: ${describeStalls(report)}`);
    assert.ok(first.words.length >= 50_000, `${first.words.length} words`);
    const c1 = a.counters();
    // the first run labels every segment, far more than a second's work: it showed a progress notification
    assert.ok(c1.progressShown > c0.progressShown, 'a progress notification was shown for the long run');
    assert.equal(c1.segmentsRun - c0.segmentsRun, first.segments.run);
    // a new document runs its segments (one that repeats an earlier one's text reuses its labels)
    assert.ok(
      first.segments.run >= 1 && first.segments.run <= first.segments.total,
      `${first.segments.run} of ${first.segments.total} segments run`,
    );
    // drawn near the visible range first, then all of it
    const stats = a.drawStats(editor);
    assert.ok(stats, 'draw stats');
    assert.ok(
      stats.firstPass !== undefined && stats.firstPass > 0 && stats.firstPass < stats.units,
      `first pass ${stats.firstPass} of ${stats.units}`,
    );
    const vis = editor.visibleRanges.map((r) => ({ start: editor.document.offsetAt(r.start), end: editor.document.offsetAt(r.end) }));
    for (const v of vis) {
      assert.ok(
        stats.firstPassRanges.some((f) => f.start <= v.start && f.end >= v.end),
        'the first pass covered the visible range',
      );
    }
    assert.equal(drawnLabels(a, editor).length, first.words.length, 'in the end every word is drawn');
    // a label with more ranges than one call takes is set in parts (VS Code serializes a call's ranges at once)
    const largestLabel = Math.max(...a.decorationsFor(editor).map((d) => d.ranges.length));
    assert.ok(largestLabel > MAX_RANGES_PER_CALL, `the most frequent label has ${largestLabel} ranges`);
    assert.ok(stats.largestCall <= MAX_RANGES_PER_CALL, `one call was given ${stats.largestCall} ranges`);
    assert.ok(stats.calls > a.decorationsFor(editor).length, `${stats.calls} calls`);

    // an edit in the middle
    const line = 2000; // paragraph 1000 (paragraphs are separated by an empty line)
    assert.match(editor.document.lineAt(line).text, /^Paragraph 1000 /);
    await editor.edit((e) => e.insert(new vscode.Position(line, 0), 'Meanwhile, '));
    const after = await settled(a, editor.document, 120_000);
    const c2 = a.counters();
    console.log(
      `  ${first.words.length} words in ${first.segments.total} segments, full run ${first.timing.totalMs.toFixed(0)} ms; ` +
        `after an edit ${c2.segmentsRun - c1.segmentsRun} segment(s) re-run in ${after.timing.totalMs.toFixed(0)} ms`,
    );
    assert.equal(c2.completed - c1.completed, 1, 'one run after the edit');
    assert.ok(
      c2.segmentsRun - c1.segmentsRun >= 1 && c2.segmentsRun - c1.segmentsRun <= 2,
      `${c2.segmentsRun - c1.segmentsRun} segments re-run`,
    );
    assert.equal(c2.segmentsTotal - c1.segmentsTotal, after.segments.total);
    assert.ok(
      after.words.some((w) => w.text === 'Meanwhile'),
      'the inserted word is labeled',
    );
    assert.equal(drawnLabels(a, editor).length, after.words.length);
  });

  test('Cancel Labeling stops a run: nothing is stored or drawn, and it is counted', async () => {
    const a = await api();
    await setLive(false);
    try {
      const editor = await openText(longDocument(600, ' (cancel)'));
      const c0 = a.counters();
      const run = vscode.commands.executeCommand('bertLstm.labelDocument');
      await waitFor('the run to start', () => a.isRunning(editor.document) || undefined);
      const cancelled = await vscode.commands.executeCommand<number>('bertLstm.cancelLabeling');
      assert.equal(cancelled, 1);
      assert.equal(await run, undefined, 'the cancelled run returns nothing');
      assert.equal(a.labelsFor(editor.document), undefined);
      assert.equal(a.decorationsFor(editor).length, 0);
      const c1 = a.counters();
      assert.equal(c1.cancelled - c0.cancelled, 1);
      assert.equal(c1.completed, c0.completed);
      assert.equal(a.isRunning(editor.document), false);
      // the document can still be labeled
      assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
      assert.ok(a.decorationsFor(editor).length > 0);
    } finally {
      await setLive(undefined);
    }
  });

  test('a document over live.maxDocumentLength is not labeled live, the status bar says so, Label Document labels it', async () => {
    const a = await api();
    await withSettings({ 'live.maxDocumentLength': 200 }, async () => {
      const small = await openText('A short note.');
      await settled(a, small.document);
      const c0 = a.counters();
      const editor = await openText(longDocument(3));
      assert.equal(a.liveState(editor.document), 'tooLarge');
      await waitFor('the status bar note', () => a.statusText().includes('not live') || undefined);
      assert.match(a.statusTooltip(), /maxDocumentLength/);
      assert.match(a.statusTooltip(), /Label Document/);
      assert.equal(a.counters().started, c0.started, 'no live run started');
      const result = await vscode.commands.executeCommand<{ words: unknown[] }>('bertLstm.labelDocument');
      assert.ok(result && result.words.length > 50);
      assert.ok(a.decorationsFor(editor).length > 0);
      assert.ok(!a.statusText().includes('not live'), 'labeled: the note is gone');
      // the short document is still live
      assert.equal(a.liveState(small.document), 'live');
    });
  });
});

suite('Low-confidence diagnostics', () => {
  teardown(closeAllEditors);

  test('off by default; when on, low-confidence labels are Information diagnostics, updated on relabel, cleared with the labels', async () => {
    const a = await api();
    const editor = await openText('The cat sat on the mat. Colorless green ideas sleep furiously.');
    const labels = await settled(a, editor.document);
    assert.equal(a.diagnosticsFor(editor.document.uri).length, 0, 'off by default');
    await withSettings({ 'diagnostics.lowConfidence': true, confidenceThreshold: 1 }, async () => {
      // every label is below a threshold of 1 (but a float32 probability can round to exactly 1)
      const low = labels.words.filter((w) => w.score < 1);
      assert.ok(low.length > labels.words.length / 2);
      const diags = await waitFor('diagnostics', () => {
        const d = a.diagnosticsFor(editor.document.uri);
        return d.length === low.length ? d : undefined;
      });
      for (const [i, d] of diags.entries()) {
        assert.equal(d.severity, vscode.DiagnosticSeverity.Information);
        assert.equal(d.source, 'BERT+LSTM');
        assert.equal(editor.document.getText(d.range), low[i].text);
        assert.match(d.message, new RegExp(`^Low confidence: ${low[i].label} \\d+%`));
      }
      // the Problems panel's source: VS Code's own diagnostics for the document
      assert.equal(vscode.languages.getDiagnostics(editor.document.uri).filter((d) => d.source === 'BERT+LSTM').length, low.length);
      // relabel after an edit: the diagnostics follow
      await editor.edit((e) => e.insert(editor.document.positionAt(editor.document.getText().length), ' Birds sing.'));
      const after = await settled(a, editor.document);
      const lowAfter = after.words.filter((w) => w.score < 1).length;
      await waitFor('updated diagnostics', () => a.diagnosticsFor(editor.document.uri).length === lowAfter || undefined);
      await vscode.commands.executeCommand('bertLstm.clearLabels');
      assert.equal(a.diagnosticsFor(editor.document.uri).length, 0, 'cleared with the labels');
    });
  });

  test('turning the setting off removes them', async () => {
    const a = await api();
    const editor = await openText('Time flies like an arrow.');
    await settled(a, editor.document);
    await withSettings({ 'diagnostics.lowConfidence': true, confidenceThreshold: 1 }, async () => {
      await waitFor('diagnostics', () => a.diagnosticsFor(editor.document.uri).length > 0 || undefined);
    });
    await waitFor('no diagnostics', () => a.diagnosticsFor(editor.document.uri).length === 0 || undefined);
  });
});

suite('Status bar', () => {
  suiteSetup(() => setLive(false));
  suiteTeardown(() => setLive(undefined));
  teardown(closeAllEditors);

  test('a spinner while a run is going', async () => {
    const a = await api();
    const editor = await openText(longDocument(200, ' (spinner)'));
    const run = vscode.commands.executeCommand('bertLstm.labelDocument');
    const during = await waitFor('the spinner', () =>
      a.isRunning(editor.document) && a.statusText().includes('$(sync~spin)') ? a.statusText() : undefined,
    );
    assert.ok(during.startsWith('$(sync~spin)'));
    assert.ok(await run);
    assert.ok(!a.statusText().includes('sync~spin'), 'no spinner once done');
  });

  test('clicking it offers the actions; choosing one runs it', async () => {
    const a = await api();
    const editor = await openText('Rivers run to the sea.');
    const actions = a.statusActions();
    const commands = new Set(await vscode.commands.getCommands(true));
    for (const id of [
      'bertLstm.labelDocument',
      'bertLstm.toggleLive',
      'bertLstm.nextLowConfidenceLabel',
      'bertLstm.selectModel',
      'bertLstm.showPanel',
      'bertLstm.showLog',
    ]) {
      assert.ok(
        actions.some((x) => x.command === id),
        `${id} is offered`,
      );
    }
    for (const x of actions) assert.ok(commands.has(x.command), `${x.command} exists`);
    assert.equal(actions[0].command, 'bertLstm.labelDocument');
    // the status bar item's command opens the quick pick; accept its first item (Label Document)
    let settledPick = false;
    const picked = Promise.resolve(vscode.commands.executeCommand('bertLstm.showActions')).finally(() => (settledPick = true));
    const deadline = Date.now() + 30_000;
    while (!settledPick) {
      assert.ok(Date.now() < deadline, 'the quick pick was not accepted');
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(await picked, 'Label Document ran from the quick pick');
    assert.ok(a.labelsFor(editor.document)?.length);
  });
});

suite('Settings that relabel', () => {
  teardown(async () => {
    await setSetting('modelPath', undefined);
    await closeAllEditors();
  });

  test('a model path change reloads the model and relabels the open documents', async () => {
    const a = await api();
    const editor = await openText('The cat sat on the mat.');
    const before = await settled(a, editor.document);
    const c0 = a.counters();
    const dir = path.resolve(__dirname, '../../../test/fixtures/plain-bert-bundle');
    await setSetting('modelPath', dir);
    await waitFor('a relabel with the new model', () => a.counters().completed > c0.completed || undefined, 60_000);
    const after = await settled(a, editor.document);
    assert.notEqual(after, before, 'a new result');
    assert.equal((await a.model())?.dir, dir);
    await setSetting('modelPath', undefined);
    await waitFor('a relabel with the default model', () => a.counters().completed > c0.completed + 1 || undefined, 60_000);
    assert.notEqual((await a.model())?.dir, dir);
  });

  test('an aggregation strategy change relabels (the cached segments are dropped)', async () => {
    const a = await api();
    const editor = await openText('Unbelievably, the antidisestablishmentarianism debate continued.');
    await settled(a, editor.document);
    const c0 = a.counters();
    await withSettings({ aggregationStrategy: 'max' }, async () => {
      await waitFor('a relabel', () => a.counters().completed > c0.completed || undefined);
      const after = await settled(a, editor.document);
      assert.ok(after.segments.run > 0, 'segments were run again, not taken from the cache');
      // the labels are those of the new strategy
      const direct = await a.labelText(editor.document.getText());
      assert.deepEqual(
        after.words.map((w) => `${w.text}/${w.label}/${w.score.toFixed(4)}`),
        direct!.words.map((w) => `${w.text}/${w.label}/${w.score.toFixed(4)}`),
      );
    });
  });
});
