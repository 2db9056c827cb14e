// The labeling commands: Label Document, Label Selection, Cancel Labeling, Toggle Live
// Labeling, Clear Labels, Show Log and Select Model. Each is a thin call into the services;
// the rules of runs live in runs.ts.
import * as vscode from 'vscode';
import { loadBundle } from '../core/bundle';
import type { Services } from '../services';

export type LabelingCommandServices = Pick<Services, 'config' | 'log' | 'model' | 'labels' | 'runs' | 'live' | 'display' | 'working'>;

export function registerLabelingCommands(s: LabelingCommandServices): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bertLstm.labelDocument', async () => {
      const doc = s.working.documentOr('open a text document to label it.');
      return doc ? s.live.labelDocument(doc) : undefined;
    }),
    vscode.commands.registerCommand('bertLstm.labelSelection', async () => {
      const editor = await s.working.editorOr('open a text document and select text to label it.');
      if (!editor) return undefined;
      const result = await s.runs.labelSelection(editor);
      if (result) void vscode.window.setStatusBarMessage(`BERT+LSTM: labeled ${result.words.length} words in the selection`, 4000);
      return result;
    }),
    vscode.commands.registerCommand('bertLstm.cancelLabeling', () => {
      const n = s.runs.cancel(s.working.document());
      if (!n) void vscode.window.setStatusBarMessage('BERT+LSTM: no labeling run to cancel', 3000);
      return n;
    }),
    vscode.commands.registerCommand('bertLstm.toggleLive', () => {
      const on = s.live.toggle();
      void vscode.window.setStatusBarMessage(`BERT+LSTM: live labeling ${on ? 'on' : 'off'}`, 3000);
      return on;
    }),
    vscode.commands.registerCommand('bertLstm.clearLabels', () => {
      const doc = s.working.documentOr();
      if (!doc) return;
      s.runs.cancel(doc);
      s.labels.delete(doc);
      void s.display.redraw(doc);
    }),
    vscode.commands.registerCommand('bertLstm.showLog', () => s.log.show()),
    vscode.commands.registerCommand('bertLstm.selectModel', (folder?: vscode.Uri) => selectModel(s, folder)),
  ];
}

/**
 * Select Model: a folder picker (or the folder passed in), the bundle checked before it is
 * used, then remembered in the workspace's settings (user settings without a workspace).
 * Returns the problems found, empty when the model was selected.
 */
export async function selectModel(
  s: Pick<LabelingCommandServices, 'config' | 'log' | 'model'>,
  folder?: vscode.Uri,
): Promise<readonly string[] | undefined> {
  if (!folder) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: 'Use this model',
      title: 'BERT+LSTM: select a model bundle folder',
    });
    if (!picked?.[0]) return undefined;
    folder = picked[0];
  }
  // the files first (quick), then the model in ONNX Runtime: a bad bundle never replaces the one in use
  const checked = await loadBundle(folder.fsPath);
  const problems = checked.ok ? await s.model.check(folder.fsPath) : checked.problems;
  if (!checked.ok || problems.length) {
    for (const p of problems) s.log.error(p);
    void vscode.window.showErrorMessage(`BERT+LSTM: ${folder.fsPath} cannot be used: ${problems.join('; ')}`);
    return problems;
  }
  await s.config.setModelPath(folder.fsPath);
  s.log.info(`model selected: ${folder.fsPath} (${checked.value.config.name})`);
  return [];
}
