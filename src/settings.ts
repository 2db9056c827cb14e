// Settings take effect without a reload. This is the one subscriber to configuration changes;
// each group of settings says what it changes, in this order: the correction style, the model
// (reloaded when its path, threads or workers change), the labels (relabeled when the strategy,
// stride, prose setting or model change), the look (redrawn), live labeling, the legend and the
// Review view (each refreshed only while shown), and the status bar.
import * as vscode from 'vscode';
import type { Learning } from './adapt/learning';
import { relabelOpenDocuments } from './labeling/relabel';
import { LEGEND_REFRESH_COMMAND } from './legend/legend_view';
import type { Services } from './services';

export type SettingsServices = Pick<
  Services,
  'config' | 'log' | 'model' | 'labels' | 'runs' | 'live' | 'display' | 'diagnostics' | 'corrections' | 'status'
> & { readonly learning: Pick<Learning, 'followSettings'> };

export function registerSettingsReactions(s: SettingsServices): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration(async (e) => {
    const cfg = s.config;
    // runs going now used the old settings (runs started from here on are joined, not cancelled)
    const staleRuns = s.runs.snapshot();
    const affects = (...keys: string[]): boolean => keys.some((k) => cfg.affects(e, k));
    // correction decorations get the new style at once (independent of the model)
    if (affects('annotations.correctionStyle')) s.corrections.restyle();
    // cached segments were labeled with the old strategy or stride
    let relabel = affects('aggregationStrategy', 'stride', 'prose');
    if (affects('modelPath', 'threads', 'workers')) {
      // the model is loaded again on the next use; open documents are labeled with it
      const dropped = await s.model.reset();
      if (dropped) s.log.info('model settings changed: reloading the model');
      relabel ||= dropped;
    }
    if (relabel) {
      s.log.info('relabeling open documents after a settings change');
      relabelOpenDocuments(s.runs, s.live, s.labels, staleRuns);
    }
    // the memory of corrections on or off, or its threshold (the open documents relabeled)
    if (affects('learning.memory', 'learning.memoryThreshold')) s.learning.followSettings();
    if (affects('labelColors')) {
      const bad = cfg.invalidLabelColors;
      if (bad.length) {
        s.log.warn(`bertLstm.labelColors: not colors, ignored: ${bad.join(', ')}`);
        void vscode.window.showWarningMessage(`BERT+LSTM: these label colors are not CSS colors and are ignored: ${bad.join(', ')}`);
      }
    }
    if (affects('hiddenLabels', 'inline.hiddenLabels', 'confidenceThreshold', 'displayStyle', 'labelColors', 'diagnostics.lowConfidence')) {
      await s.display.redrawAll();
      s.diagnostics.refreshAll();
    }
    if (affects('live.enabled')) s.live.followSetting();
    if (affects('live.enabled', 'live.languages', 'live.maxDocumentLength')) s.live.labelVisible();
    // the legend's rows show these (it refreshes only while shown)
    if (affects('hiddenLabels', 'labelColors', 'modelPath')) void vscode.commands.executeCommand(LEGEND_REFRESH_COMMAND);
    // the Review view lists by these (it recomputes only while shown)
    if (affects('review.maxMargin', 'review.size', 'review.batchOutputs')) void vscode.commands.executeCommand('bertLstm.review.refresh');
    s.status.refresh();
  });
}
