// Batch Label Files: label every file of a workspace glob (or a folder) into one JSON Lines
// output (core/batch.ts), with progress and cancel. Running it again with the same output
// resumes: the files already in it are skipped. Arguments (for tests and keybindings):
// { include?: string (a glob, or a folder path), output?: Uri }.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { BatchOutputError, batchFilesAtOnce, expandInputs, runBatch, type BatchSummary, type SkippedInput } from '../core/batch';
import type { Services } from '../services';

export type BatchServices = Pick<Services, 'config' | 'log' | 'model'>;

export interface BatchArgs {
  readonly include?: string;
  readonly output?: vscode.Uri;
}

const DEFAULT_GLOB = '**/*.{txt,md}';

async function filesOf(include: string): Promise<{ files: string[]; skipped: SkippedInput[] }> {
  // A folder or file path (anywhere on disk): walked directly (links, FIFOs and unreadable
  // folders recorded with their reason); otherwise a glob over the workspace.
  if (path.isAbsolute(include)) return expandInputs([include]);
  return { files: (await vscode.workspace.findFiles(include)).map((u) => u.fsPath), skipped: [] };
}

export async function batchLabel(s: BatchServices, args: BatchArgs = {}): Promise<BatchSummary | undefined> {
  const include =
    args.include ??
    (await vscode.window.showInputBox({
      title: 'Batch label files',
      prompt: 'Files to label: a glob over the workspace, or a folder path',
      value: DEFAULT_GLOB,
    }));
  if (!include) return undefined;
  let output = args.output;
  if (!output) {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri;
    output = await vscode.window.showSaveDialog({
      title: 'Batch output (choose an earlier output to resume it)',
      defaultUri: root ? vscode.Uri.joinPath(root, 'labels.batch.jsonl') : undefined,
      filters: { 'JSON Lines': ['jsonl'] },
      saveLabel: 'Label into this file',
    });
    if (!output) return undefined;
  }
  const { files, skipped } = await filesOf(include);
  files.sort();
  if (!files.length && !skipped.length) {
    void vscode.window.showWarningMessage(`BERT+LSTM: no files match ${include}.`);
    return undefined;
  }
  const labeler = await s.model.get();
  if (!labeler) return undefined;
  const outPath = output.fsPath;
  try {
    const summary = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BERT+LSTM: labeling ${files.length} files`, cancellable: true },
      async (progress, token) => {
        const controller = new AbortController();
        const sub = token.onCancellationRequested(() => controller.abort());
        try {
          return await runBatch(files, outPath, (text, signal) => labeler.label(text, { ...s.config.labelOptions(), signal }), {
            maxBytes: s.config.batchMaxBytes,
            skipped,
            filesAtOnce: batchFilesAtOnce(labeler.engine.workers),
            signal: controller.signal,
            onProgress: (p) => {
              if (p.record && 'skipped' in p.record) s.log.info(`batch: ${p.file} skipped: ${p.record.skipped}`);
              progress.report({ increment: 100 / p.total, message: `${p.done}/${p.total} ${path.basename(p.file)}` });
            },
          });
        } finally {
          sub.dispose();
        }
      },
    );
    const msg =
      `BERT+LSTM: ${summary.labeled} labeled, ${summary.skipped} skipped (see the log), ${summary.resumed} already in ${path.basename(outPath)}` +
      (summary.cancelled ? '. Cancelled: run it again with the same output to resume.' : '.');
    s.log.info(msg);
    void vscode.window.showInformationMessage(msg);
    return summary;
  } catch (e) {
    const message = e instanceof BatchOutputError ? e.message : `batch labeling failed: ${(e as Error).message}`;
    s.log.error(message);
    void vscode.window.showErrorMessage(`BERT+LSTM: ${message}`);
    return undefined;
  }
}

export function registerBatchCommand(s: BatchServices): vscode.Disposable {
  return vscode.commands.registerCommand('bertLstm.batchLabel', (args?: BatchArgs) => batchLabel(s, args));
}
