// Command implementations. Each takes the context and returns what the command does.
import * as vscode from 'vscode';
import { CancelledError } from './core/engine';
import type { LabeledText } from './core/labeler';
import type { Ctx } from './ctx';

/** Labels a whole document and draws the labels; undefined if it was superseded or failed. */
export async function labelDocument(ctx: Ctx, doc: vscode.TextDocument): Promise<LabeledText | undefined> {
  const key = doc.uri.toString();
  ctx.runs.get(key)?.abort();
  const controller = new AbortController();
  ctx.runs.set(key, controller);
  try {
    const labeler = await ctx.model.get();
    if (!labeler) return undefined;
    const version = doc.version;
    const text = doc.getText();
    const result = await labeler.label(text, {
      strategy: ctx.config.aggregationStrategy,
      stride: ctx.config.stride,
      signal: controller.signal,
    });
    if (controller.signal.aborted || doc.isClosed || doc.version !== version) return undefined; // stale: never drawn
    ctx.store.set(doc, version, result);
    ctx.redraw(doc);
    ctx.log.info(
      `labeled ${vscode.workspace.asRelativePath(doc.uri)}: ${result.words.length} words, ${result.windows.length} windows, ` +
        `${result.timing.totalMs.toFixed(0)} ms (inference ${result.timing.inferenceMs.toFixed(0)} ms)`,
    );
    return result;
  } catch (e) {
    if (e instanceof CancelledError) return undefined;
    ctx.log.error(`labeling ${doc.uri.toString()} failed: ${(e as Error).message}`);
    void vscode.window.showErrorMessage(`BERT+LSTM: labeling failed: ${(e as Error).message}`);
    return undefined;
  } finally {
    if (ctx.runs.get(key) === controller) ctx.runs.delete(key);
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
      return doc ? labelDocument(ctx, doc) : undefined;
    }),
    vscode.commands.registerCommand('bertLstm.clearLabels', () => {
      const doc = vscode.window.activeTextEditor?.document;
      if (!doc) return;
      ctx.runs.get(doc.uri.toString())?.abort();
      ctx.store.delete(doc.uri);
      ctx.redraw(doc);
    }),
    vscode.commands.registerCommand('bertLstm.showLog', () => ctx.log.show()),
  );
}
