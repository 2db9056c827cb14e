// After a change of model or of labeling settings: the cached segments are dropped and every
// open document that has labels, or is labeled live and visible, is labeled again. Runs going
// when the settings changed are cancelled first; a run started since is joined.
import * as vscode from 'vscode';
import type { LabelStore } from './label_store';
import type { LiveLabeling } from './live';
import type { LabelingRun, LabelingRuns } from './runs';

export function relabelOpenDocuments(runs: LabelingRuns, live: LiveLabeling, labels: LabelStore, stale: ReadonlySet<LabelingRun>): void {
  live.reset();
  for (const run of stale) run.controller.abort();
  const visible = new Set(vscode.window.visibleTextEditors.map((e) => e.document));
  for (const doc of vscode.workspace.textDocuments) {
    if (doc.isClosed) continue;
    const isLive = live.applies(doc);
    if (!labels.get(doc) && !(isLive && visible.has(doc))) continue;
    void runs.labelDocument(doc, isLive ? live.cacheFor(doc) : undefined);
  }
}
