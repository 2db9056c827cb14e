// Command implementations. Each takes the context and returns what the command does.
import * as vscode from 'vscode';
import { loadBundle } from './core/bundle';
import { CancelledError } from './core/engine';
import type { LabeledText, Labeler } from './core/labeler';
import { expandToWords, mergeRanges, spliceLabels } from './core/navigation';
import type { SegmentCache } from './core/segments';
import type { Ctx, LabelingRun } from './ctx';

/** A labeling run still going after this long gets a progress notification with Cancel. */
export const PROGRESS_DELAY_MS = 1000;

/**
 * Labels a whole document and draws the labels; undefined if it was superseded, cancelled or
 * failed. A run already going for the same version of the document is joined, not repeated; a
 * run for an older version is aborted.
 */
export function labelDocument(ctx: Ctx, doc: vscode.TextDocument, cache?: SegmentCache): Promise<LabeledText | undefined> {
  const running = ctx.runs.get(doc.uri.toString());
  if (running && running.kind === 'document' && running.doc === doc && running.version === doc.version && !running.controller.signal.aborted) {
    return running.promise;
  }
  return startRun(ctx, doc, 'document', `labeling ${displayName(doc)}`, async (labeler, signal) => {
    const version = doc.version;
    const result = await labeler.label(doc.getText(), { strategy: ctx.config.aggregationStrategy, stride: ctx.config.stride, signal, cache });
    return { version, stored: result, result };
  });
}

/**
 * Labels the text of the editor's selections only (each on its own, offsets mapped back to the
 * document) and puts those labels in place of the document's labels in those ranges. Returns
 * the selections' labels with document offsets.
 */
export function labelSelection(ctx: Ctx, editor: vscode.TextEditor): Promise<LabeledText | undefined> {
  const doc = editor.document;
  const text = doc.getText();
  const version = doc.version;
  // a selection that cuts a word takes the whole word (the model labels words, not parts)
  const ranges = mergeRanges(editor.selections
    .filter((s) => !s.isEmpty)
    .map((s) => expandToWords(text, { start: doc.offsetAt(s.start), end: doc.offsetAt(s.end) })));
  if (!ranges.length) {
    void vscode.window.showInformationMessage('BERT+LSTM: select the text to label first.');
    return Promise.resolve(undefined);
  }
  return startRun(ctx, doc, 'selection', `labeling the selection in ${displayName(doc)}`, async (labeler, signal) => {
    let stored = ctx.store.current(doc);
    let selected: LabeledText | undefined;
    for (const r of ranges) {
      const part = await labeler.label(text.slice(r.start, r.end), { strategy: ctx.config.aggregationStrategy, stride: ctx.config.stride, signal });
      stored = spliceLabels(stored, part, r);
      selected = spliceLabels(selected, part, r);
    }
    return { version, stored: stored!, result: selected! };
  });
}

/** What a run's work gives back: the labels to store for `version`, and what the run returns. */
interface RunOutcome {
  readonly version: number;
  readonly stored: LabeledText;
  readonly result: LabeledText;
}

/**
 * Starts a labeling run for a document: aborts the one going, counts it, shows the status bar
 * spinner, and a progress notification with Cancel if it is still going after a second.
 */
function startRun(ctx: Ctx, doc: vscode.TextDocument, kind: LabelingRun['kind'], title: string, work: (labeler: Labeler, signal: AbortSignal) => Promise<RunOutcome>): Promise<LabeledText | undefined> {
  const key = doc.uri.toString();
  ctx.runs.get(key)?.controller.abort();
  const controller = new AbortController();
  ctx.counters.started++;
  const labeling = runLabeling(ctx, doc, controller, work);
  const promise = ctx.status ? ctx.status.busy(labeling) : labeling;
  const run: LabelingRun = { kind, doc, version: doc.version, controller, promise };
  ctx.runs.set(key, run);
  const timer = setTimeout(() => showProgress(ctx, title, controller, promise), PROGRESS_DELAY_MS);
  void promise.finally(() => {
    clearTimeout(timer);
    if (ctx.runs.get(key) === run) ctx.runs.delete(key);
  });
  return promise;
}

function showProgress(ctx: Ctx, title: string, controller: AbortController, promise: Promise<unknown>): void {
  if (controller.signal.aborted) return;
  ctx.counters.progressShown++;
  void vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `BERT+LSTM: ${title}…`, cancellable: true },
    async (_progress, token) => {
      const sub = token.onCancellationRequested(() => {
        ctx.log.info(`${title}: cancelled by the user`);
        controller.abort();
      });
      try {
        await promise;
      } finally {
        sub.dispose();
      }
    },
  );
}

async function runLabeling(ctx: Ctx, doc: vscode.TextDocument, controller: AbortController, work: (labeler: Labeler, signal: AbortSignal) => Promise<RunOutcome>): Promise<LabeledText | undefined> {
  const stale = (): undefined => {
    ctx.counters.cancelled++;
    return undefined;
  };
  try {
    const labeler = await ctx.model.get();
    if (!labeler) return undefined;
    if (controller.signal.aborted) return stale();
    const { version, stored, result } = await work(labeler, controller.signal);
    if (controller.signal.aborted || doc.isClosed || doc.version !== version) return stale(); // never drawn
    ctx.store.set(doc, version, stored);
    ctx.counters.completed++;
    ctx.counters.segmentsRun += result.segments.run;
    ctx.counters.segmentsTotal += result.segments.total;
    await ctx.redraw(doc);
    ctx.log.info(
      `labeled ${displayName(doc)}: ${result.words.length} words, ${result.segments.run}/${result.segments.total} segments run, ` +
        `${result.timing.totalMs.toFixed(0)} ms (inference ${result.timing.inferenceMs.toFixed(0)} ms)`,
    );
    return result;
  } catch (e) {
    if (e instanceof CancelledError || controller.signal.aborted) return stale();
    ctx.log.error(`labeling ${doc.uri.toString()} failed: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`BERT+LSTM: labeling failed: ${(e as Error).message}`);
    return undefined;
  }
}

function displayName(doc: vscode.TextDocument): string {
  return doc.isUntitled ? doc.uri.path : vscode.workspace.asRelativePath(doc.uri);
}

/** Cancels the runs going for a document (all documents without one); returns how many. */
export function cancelLabeling(ctx: Ctx, doc?: vscode.TextDocument): number {
  let n = 0;
  for (const run of [...ctx.runs.values()]) {
    if (doc && run.doc !== doc) continue;
    if (!run.controller.signal.aborted) n++;
    run.controller.abort();
  }
  return n;
}

/**
 * After a change of model or of labeling settings: the cached segments are dropped and every
 * open document that has labels, or is labeled live, is labeled again. Runs in `stale` (those
 * going when the settings changed) are cancelled first; a run started since is joined.
 */
export function relabelOpenDocuments(ctx: Ctx, stale: ReadonlySet<LabelingRun>): void {
  ctx.live?.reset();
  for (const run of stale) run.controller.abort();
  const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document));
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isClosed) continue;
    const live = ctx.live?.applies(doc) ?? false;
    if (!ctx.store.get(doc) && !(live && visible.has(doc))) continue;
    void labelDocument(ctx, doc, live ? ctx.live?.cacheFor(doc) : undefined);
  }
}

export function registerCommands(ctx: Ctx): void {
  const activeDoc = (): vscode.TextDocument | undefined => {
    const doc = vscode.window.activeTextEditor?.document;
    if (!doc) void vscode.window.showInformationMessage('BERT+LSTM: open a text document to label it.');
    return doc;
  };
  ctx.push(
    vscode.commands.registerCommand('bertLstm.labelDocument', async () => {
      const doc = activeDoc();
      return doc ? labelDocument(ctx, doc, ctx.live?.cacheFor(doc)) : undefined;
    }),
    vscode.commands.registerCommand('bertLstm.labelSelection', async () => {
      const editor = vscode.window.activeTextEditor;
      if (!editor) {
        void vscode.window.showInformationMessage('BERT+LSTM: open a text document and select text to label it.');
        return undefined;
      }
      const result = await labelSelection(ctx, editor);
      if (result) void vscode.window.setStatusBarMessage(`BERT+LSTM: labeled ${result.words.length} words in the selection`, 4000);
      return result;
    }),
    vscode.commands.registerCommand('bertLstm.cancelLabeling', () => {
      const n = cancelLabeling(ctx, vscode.window.activeTextEditor?.document);
      if (!n) void vscode.window.setStatusBarMessage('BERT+LSTM: no labeling run to cancel', 3000);
      return n;
    }),
    vscode.commands.registerCommand('bertLstm.toggleLive', () => {
      const on = ctx.live?.toggle() ?? false;
      void vscode.window.setStatusBarMessage(`BERT+LSTM: live labeling ${on ? 'on' : 'off'}`, 3000);
      return on;
    }),
    vscode.commands.registerCommand('bertLstm.clearLabels', () => {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) return;
      cancelLabeling(ctx, doc);
      ctx.store.delete(doc);
      void ctx.redraw(doc);
    }),
    vscode.commands.registerCommand('bertLstm.showLog', () => ctx.log.show()),
    vscode.commands.registerCommand('bertLstm.selectModel', (folder?: vscode.Uri) => selectModel(ctx, folder)),
  );
}

/**
 * Select Model: a folder picker (or the folder passed in), the bundle checked before it is
 * used, then remembered in the workspace's settings (user settings without a workspace).
 * Returns the problems found, empty when the model was selected.
 */
export async function selectModel(ctx: Ctx, folder?: vscode.Uri): Promise<readonly string[] | undefined> {
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true, canSelectFiles: false, canSelectMany: false,
      openLabel: 'Use this model', title: 'BERT+LSTM: select a model bundle folder',
    });
    if (!picked?.[0]) return undefined;
    folder = picked[0];
  }
  // the files first (quick), then the model in ONNX Runtime: a bad bundle never replaces the one in use
  const checked = await loadBundle(folder.fsPath);
  const problems = checked.ok ? await ctx.model.check(folder.fsPath) : checked.problems;
  if (!checked.ok || problems.length) {
    for (const p of problems) ctx.log.error(p);
    void vscode.window.showErrorMessage(`BERT+LSTM: ${folder.fsPath} cannot be used: ${problems.join('; ')}`);
    return problems;
  }
  await ctx.config.setModelPath(folder.fsPath);
  ctx.log.info(`model selected: ${folder.fsPath} (${checked.value.config.name})`);
  return [];
}
