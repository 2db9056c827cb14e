// Settings take effect without a reload: each group of settings says what it changes.
import * as vscode from 'vscode';
import { relabelOpenDocuments } from './commands';
import type { Ctx } from './ctx';

export function registerSettingsReactions(ctx: Ctx): void {
  ctx.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      const cfg = ctx.config;
      // runs going now used the old settings (runs started from here on are joined, not cancelled)
      const staleRuns = new Set(ctx.runs.values());
      const affects = (...keys: string[]): boolean => keys.some((k) => cfg.affects(e, k));
      // cached segments were labeled with the old strategy or stride
      let relabel = affects('aggregationStrategy', 'stride');
      if (affects('modelPath', 'threads')) {
        // the model is loaded again on the next use; open documents are labeled with it
        const dropped = await ctx.model.reset();
        if (dropped) ctx.log.info('model settings changed: reloading the model');
        relabel ||= dropped;
      }
      if (relabel) {
        ctx.log.info('relabeling open documents after a settings change');
        relabelOpenDocuments(ctx, staleRuns);
      }
      if (affects('labelColors')) {
        const bad = cfg.invalidLabelColors;
        if (bad.length) {
          ctx.log.warn(`bertLstm.labelColors: not colors, ignored: ${bad.join(', ')}`);
          void vscode.window.showWarningMessage(`BERT+LSTM: these label colors are not CSS colors and are ignored: ${bad.join(', ')}`);
        }
      }
      if (affects('hiddenLabels', 'confidenceThreshold', 'displayStyle', 'labelColors', 'diagnostics.lowConfidence')) {
        await ctx.redrawAll();
        ctx.diagnostics?.refreshAll();
      }
      if (affects('live.enabled')) ctx.live?.followSetting();
      if (affects('live.enabled', 'live.languages', 'live.maxDocumentLength')) ctx.live?.labelVisible();
      ctx.status?.refresh();
    }),
  );
}
