// The first screen of a long document, in a real extension host: a 5,000-line document
// scrolled to its middle gets the visible lines labeled first (the first decorations drawn
// are there, not at the start of the document, in the run's one partial draw while the view
// stays), its run reports progress as a fraction (the status bar), and the end is every word,
// as a run in document order labels them; scrolled during the run, the lines scrolled to are
// labeled next and drawn (a second partial draw) before the run ends; continuous
// typing (for longer than live.maxWaitMs, at the end of a 2,000-line document: an edit every
// 100 ms, or each edit as soon as the last is applied) still gets the typed words labeled and
// drawn before it stops (a drawing stops at the next edit: the lines in view are drawn in the
// turn the labels come in, whatever the document's length). The time from Label Document to the first visible labels is printed, not asserted (a
// timing).
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { PROGRESSIVE_UNITS } from '../../src/display/decorations';
import { progressMessage } from '../../src/labeling/runs';
import { longText } from '../shared/long_text';
import { api, closeAllEditors, openText, setLive, settled, waitFor, withSettings } from './helpers';

/** Puts the cursor on `line` and scrolls it to the top; resolves once the editor shows it: the lines in view. */
async function revealAtTop(editor: vscode.TextEditor, line: number): Promise<{ first: number; last: number }> {
  const at = new vscode.Position(line, 0);
  editor.selection = new vscode.Selection(at, at);
  editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.AtTop);
  await waitFor(`the editor scrolled to line ${line}`, () => editor.visibleRanges.some((r) => r.start.line <= line && r.end.line > line));
  return { first: editor.visibleRanges[0].start.line, last: editor.visibleRanges[0].end.line };
}

suite('First screen of a long document', () => {
  teardown(closeAllEditors);

  test('scrolled to the middle: the visible lines are labeled first, with progress, then all of it', async () => {
    const a = await api();
    // run alone (--grep "First screen"), the model is loaded by this run: a cold start; after
    // other suites, a warm one (the status bar's tooltip says which)
    const start = a.statusTooltip().includes('not loaded') ? 'cold: the model loaded by this run' : 'warm';
    await setLive(false);
    try {
      const text = longText({ lines: 5000 });
      const editor = await openText(text);
      const doc = editor.document;
      await revealAtTop(editor, 2500);
      const visible = editor.visibleRanges.map((r) => ({ first: r.start.line, last: r.end.line }));
      const c0 = a.counters();

      const t0 = performance.now();
      const run = vscode.commands.executeCommand('bertLstm.labelDocument');
      // watch the decorations and the status bar as the run goes
      let first: vscode.Range[] | undefined;
      let firstMs = 0;
      let stillRunning = false;
      const statusTexts = new Set<string>();
      let done = false;
      void Promise.resolve(run).finally(() => (done = true));
      while (!done) {
        statusTexts.add(a.statusText());
        if (!first) {
          const ranges = a.decorationsFor(editor).flatMap((d) => d.ranges);
          if (ranges.length) {
            first = ranges;
            firstMs = performance.now() - t0;
            stillRunning = a.isRunning(doc);
          }
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      const result = await settled(a, doc);
      const c1 = a.counters();
      console.log(
        `  5,000-line document (${text.length.toLocaleString('en-US')} characters, ${result.segments.total} segments): ` +
          `first labels drawn after ${firstMs.toFixed(0)} ms (${start}), whole run ${result.timing.totalMs.toFixed(0)} ms; ` +
          `${c1.partialDraws - c0.partialDraws} partial draw(s), ${c1.progressReported - c0.progressReported} progress figures`,
      );

      assert.ok(first, 'decorations were drawn');
      assert.ok(stillRunning, 'the first decorations came while the run was still going');
      const lines = first.map((r) => r.start.line);
      for (const v of visible) {
        assert.ok(
          lines.some((l) => l >= v.first && l <= v.last),
          `the first decorations hold the visible lines ${v.first}-${v.last}`,
        );
      }
      assert.ok(Math.min(...lines) > 100, `the first decorations start at line ${Math.min(...lines)}, not at the start of the document`);
      // the view did not move: one partial draw (the lines in view), not one on a clock
      assert.equal(c1.partialDraws - c0.partialDraws, 1, 'partial labels drawn once, when the lines in view had theirs');

      // progress as a fraction: reported per chunk, shown in the status bar
      assert.ok(c1.progressReported - c0.progressReported >= 3, `${c1.progressReported - c0.progressReported} progress figures`);
      const fractions = [...statusTexts].filter((t) => /labeling \d+%/.test(t));
      assert.ok(fractions.length >= 2, `status bar texts during the run: ${[...statusTexts].join(' | ')}`);
      assert.ok(c1.progressShown > c0.progressShown, 'the run showed its progress notification');
      assert.equal(progressMessage({ done: 37, total: 120 }), '37 of 120 segments (30%)');

      // the end: every word, as a run in document order labels them
      const direct = await a.labelText(text);
      assert.ok(direct);
      assert.deepEqual(
        result.words.map((w) => `${w.start}:${w.label}:${w.score.toFixed(6)}`),
        direct.words.map((w) => `${w.start}:${w.label}:${w.score.toFixed(6)}`),
      );
      assert.equal(
        a.decorationsFor(editor).reduce((n, d) => n + d.ranges.length, 0),
        result.words.length,
        'in the end every word is drawn',
      );
    } finally {
      await setLive(undefined);
    }
  });

  test('scrolled during the run: the lines scrolled to are drawn before the run ends', async () => {
    const a = await api();
    await a.model();
    await setLive(false);
    try {
      const text = longText({ lines: 5000, seed: 3 });
      const editor = await openText(text);
      const doc = editor.document;
      const drawnIn = (v: { first: number; last: number }): boolean =>
        a
          .decorationsFor(editor)
          .flatMap((d) => d.ranges)
          .some((r) => r.start.line >= v.first && r.start.line <= v.last);
      const middle = await revealAtTop(editor, 2500);
      const c0 = a.counters();
      let done = false;
      const run = Promise.resolve(vscode.commands.executeCommand('bertLstm.labelDocument')).finally(() => (done = true));
      await waitFor('the lines in view drawn', () => drawnIn(middle) || done);
      assert.ok(!done, 'the first lines were drawn while the run was going');
      // near the end of the document: its segments were to be labeled last
      const end = await revealAtTop(editor, 4800);
      const scrolled = performance.now();
      assert.ok(!drawnIn(end), 'the lines scrolled to were not drawn yet');
      await waitFor('the lines scrolled to drawn, or the run over', () => drawnIn(end) || done, 60_000);
      const drawnWhileRunning = !done;
      const drawnMs = performance.now() - scrolled;
      const c1 = a.counters();
      await run;
      await settled(a, doc);
      console.log(
        `  scrolled during the run: the lines scrolled to drawn ${drawnMs.toFixed(0)} ms later, the run over ` +
          `${(performance.now() - scrolled).toFixed(0)} ms after the scroll; ${a.counters().partialDraws - c0.partialDraws} partial draws`,
      );
      assert.ok(drawnWhileRunning, 'the lines scrolled to were drawn before the run ended');
      assert.equal(c1.partialDraws - c0.partialDraws, 2, 'a partial draw for the first lines in view, one for those scrolled to');
    } finally {
      await setLive(undefined);
    }
  });

  /**
   * Types at the end of a document of `lines` lines, where the cursor is and the editor shows, with
   * `pauseMs` between an edit's being applied and the next one (at the end, the offsets of what
   * was typed stay where they were set), until a typed word's label is drawn or 30 s have gone.
   */
  async function typeAtTheEnd(lines: number, pauseMs: number, what: string): Promise<void> {
    const a = await api();
    await a.model();
    await withSettings({ 'live.debounceMs': 300, 'live.maxWaitMs': 1000 }, async () => {
      const editor = await openText(longText({ lines, seed: 7 }));
      const doc = editor.document;
      assert.ok(doc.lineCount >= lines, `${doc.lineCount} lines`);
      const labeled = await settled(a, doc);
      assert.ok(labeled.words.length > PROGRESSIVE_UNITS, `${labeled.words.length} words: drawn near the visible lines first`);
      const end = doc.lineAt(doc.lineCount - 1).range.end;
      editor.selection = new vscode.Selection(end, end);
      editor.revealRange(new vscode.Range(end, end), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
      await waitFor('the editor shows the end', () => editor.visibleRanges.some((r) => r.end.line === doc.lineCount - 1));
      const c0 = a.counters();
      const typedFrom = doc.offsetAt(end);
      const typedDrawn = (): vscode.Range | undefined =>
        a
          .decorationsFor(editor)
          .flatMap((d) => d.ranges)
          .find((r) => doc.offsetAt(r.start) >= typedFrom);
      // watched apart from the typing: the first time a run is seen to have ended, is a typed word drawn?
      let firstEnd: { runs: number; drawn: boolean } | undefined;
      let typing = true;
      const watching = (async () => {
        while (typing && !firstEnd) {
          const runs = a.counters().completed - c0.completed;
          if (runs > 0) firstEnd = { runs, drawn: !!typedDrawn() };
          await new Promise((r) => setTimeout(r, 0));
        }
      })();
      // the first word in one edit: every run started after it has a whole typed word to label
      const words = ['and ', ...'the council voted on the plan again while the town waited and '.repeat(20)];
      let labeledTyped: vscode.Range | undefined;
      let edits = 0;
      const t0 = performance.now();
      for (const ch of words) {
        await editor.edit((e) => e.insert(doc.positionAt(doc.getText().length), ch));
        edits++;
        labeledTyped = typedDrawn();
        if (labeledTyped && firstEnd) break;
        if (performance.now() - t0 > 30_000) break;
        if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
      }
      const typingMs = performance.now() - t0;
      typing = false;
      await watching;
      const c1 = a.counters();
      console.log(
        `  ${what} at the end of ${doc.lineCount} lines: a typed word was drawn after ${edits} edits (${typingMs.toFixed(0)} ms), ` +
          `${c1.completed - c0.completed} run(s) ended meanwhile, ${c1.carried - c0.carried} carried through edits`,
      );
      assert.ok(labeledTyped, `no word typed during ${edits} edits (${typingMs.toFixed(0)} ms) was drawn while typing went on`);
      // the lines in view are drawn in the turn the labels come in: by the time the end of the
      // first run is seen, with edits coming all the while, its labels of the typed words are there
      assert.ok(firstEnd, 'the end of a run was seen while the typing went on');
      assert.ok(firstEnd.drawn, `when the end of the first run was seen (${firstEnd.runs} run(s) ended), no typed word was drawn`);
      assert.ok(typingMs > 1000, 'the typing went on for longer than the maximum wait');
      // a run ended while the edits went on (when it took longer than an edit's interval, its
      // labels were carried onto the text; a quicker one labeled the version it read)
      assert.ok(c1.completed > c0.completed, 'a run ended while the typing went on');
      assert.ok(a.decorationsFor(editor).length > 0, 'the earlier labels stay drawn');
      // once typing stops, the labels are the whole document's again
      // (no live timer waiting and no run going: the last run labeled the last version whole)
      const final = await waitFor(
        'complete labels after typing',
        () => a.resources().liveTimers === 0 && !a.isRunning(doc) && a.resultFor(doc),
        60_000,
      );
      const direct = await a.labelText(doc.getText());
      assert.deepEqual(
        final.words.map((w) => `${w.start}:${w.label}`),
        direct!.words.map((w) => `${w.start}:${w.label}`),
      );
    });
  }

  test('continuous typing (an edit every 100 ms) at the end of a 2,000-line document gets labels drawn before it stops', () =>
    typeAtTheEnd(2000, 100, 'typing every 100 ms'));

  // the edits come as fast as a held key repeats: a drawing that groups the whole document
  // before it draws the lines in view is stopped by the next edit
  test('continuous typing (each edit as soon as the last is applied) at the end of a 2,000-line document gets labels drawn before it stops', () =>
    typeAtTheEnd(2000, 0, 'typing without a pause'));
});
