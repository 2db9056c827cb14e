// Command implementations. Each takes the context and returns what the command does.
import * as vscode from 'vscode';
import { loadBundle } from './core/bundle';
import { CancelledError } from './core/engine';
import type { LabeledText } from './core/labeler';
import type { SegmentCache } from './core/segments';
import type { Ctx } from './ctx';

/**
 * Labels a whole document and draws the labels; undefined if it was superseded or failed.
 * A run already going for the same version of the document is joined, not repeated; a run for
 * an older version is aborted.
 */
export function labelDocument(ctx: Ctx, doc: vscode.TextDocument, cache?: SegmentCache): Promise<LabeledText | undefined> {
  const key = doc.uri.toString();
  const running = ctx.runs.get(key);
  if (running && running.doc === doc && running.version === doc.version && !running.controller.signal.aborted) {
    return running.promise;
  }
  running?.controller.abort();
  const controller = new AbortController();
  const work = runLabeling(ctx, doc, controller, cache);
  const run = { doc, version: doc.version, controller, promise: ctx.status ? ctx.status.busy(work) : work };
  ctx.runs.set(key, run);
  void run.promise.finally(() => {
    if (ctx.runs.get(key) === run) ctx.runs.delete(key);
  });
  return run.promise;
}

async function runLabeling(ctx: Ctx, doc: vscode.TextDocument, controller: AbortController, cache?: SegmentCache): Promise<LabeledText | undefined> {
  try {
    const labeler = await ctx.model.get();
    if (!labeler) return undefined;
    const version = doc.version;
    const text = doc.getText();
    const result = await labeler.label(text, {
      strategy: ctx.config.aggregationStrategy,
      stride: ctx.config.stride,
      signal: controller.signal,
      cache,
    });
    if (controller.signal.aborted || doc.isClosed || doc.version !== version) return undefined; // stale: never drawn
    ctx.store.set(doc, version, result);
    ctx.redraw(doc);
    ctx.log.info(
      `labeled ${vscode.workspace.asRelativePath(doc.uri)}: ${result.words.length} words, ${result.segments.run}/${result.segments.total} segments run, ` +
        `${result.timing.totalMs.toFixed(0)} ms (inference ${result.timing.inferenceMs.toFixed(0)} ms)`,
    );
    return result;
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    ctx.log.error(`labeling ${doc.uri.toString()} failed: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`BERT+LSTM: labeling failed: ${(e as Error).message}`);
    return undefined;
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
    vscode.commands.registerCommand('bertLstm.toggleLive', () => {
      const on = ctx.live?.toggle() ?? false;
      void vscode.window.setStatusBarMessage(`BERT+LSTM: live labeling ${on ? 'on' : 'off'}`, 3000);
      return on;
    }),
    vscode.commands.registerCommand('bertLstm.clearLabels', () => {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) return;
      ctx.runs.get(doc.uri.toString())?.controller.abort();
      ctx.store.delete(doc);
      ctx.redraw(doc);
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
  const target = vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await vscode.workspace.getConfiguration('bertLstm').update('modelPath', folder.fsPath, target);
  ctx.log.info(`model selected: ${folder.fsPath} (${checked.value.config.name})`);
  return [];
}
