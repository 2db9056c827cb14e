// Status bar item: the label under the cursor and its confidence, the model's name and the
// last run's latency; the tooltip says what the label and the segment's label mean; a spinner
// while runs are going, with the fraction of the document's segments done; a note when the
// document is too large to be labeled live. Click: a quick pick of actions. It shows the
// document worked on (editors.ts `WorkingDocument`), the one every document command acts on:
// the active text editor's, else the one the analysis panel follows, else the last active
// text editor's, so that it says the same while the panel or another view has focus.
import * as vscode from 'vscode';
import type { Config } from '../config';
import { labelWithDescription } from '../core/label_info';
import { displayName, editorsOf, type WorkingDocument } from '../editors';
import { segmentLine } from './hover';
import { LabelStore } from '../labeling/label_store';
import { documentLength, type LiveLabeling } from '../labeling/live';
import type { ModelHost } from '../labeling/model_host';
import { progressMessage, type LabelingRuns } from '../labeling/runs';

export interface StatusAction extends vscode.QuickPickItem {
  readonly command: string;
}

export class StatusDisplay implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('bertLstm.status', vscode.StatusBarAlignment.Right, 100);
  private readonly disposables: vscode.Disposable[] = [];
  private lastLatencyMs: number | undefined;

  constructor(
    private readonly config: Config,
    private readonly model: ModelHost,
    private readonly labels: LabelStore,
    private readonly runs: LabelingRuns,
    private readonly live: LiveLabeling,
    private readonly working: WorkingDocument,
  ) {
    this.item.name = 'BERT+LSTM Labeler';
    this.item.command = 'bertLstm.showActions';
    this.disposables.push(
      this.item,
      vscode.commands.registerCommand('bertLstm.showActions', () => this.showActions()),
      vscode.window.onDidChangeActiveTextEditor(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.refresh()),
      vscode.window.onDidChangeTextEditorSelection(() => this.refresh()),
      // a closed tab's document is not worked on any more
      vscode.window.tabGroups.onDidChangeTabs(() => this.refresh()),
      runs.onDidChangeBusy(() => this.refresh()),
      runs.onDidProgress((run) => {
        if (run.doc === this.working.document()) this.refresh();
      }),
      labels.onDidChange(() => {
        const doc = this.working.document();
        const current = doc && labels.current(doc);
        // runs served wholly from the segment cache did no work: keep the last real latency
        // (and partial labels are not a run's end)
        if (current && current.segments.run > 0 && !labels.get(doc)?.partial) this.lastLatencyMs = current.timing.totalMs;
        this.refresh();
      }),
    );
    this.refresh();
  }

  /** The text shown now (for tests). */
  get text(): string {
    return this.item.text;
  }

  /** The tooltip shown now, as text (for tests). */
  get tooltip(): string {
    const t = this.item.tooltip;
    return typeof t === 'string' ? t : (t?.value ?? '');
  }

  refresh(): void {
    const doc = this.working.document();
    const model = this.model.loaded?.bundle.config.name;
    const current = doc && this.labels.current(doc);
    const selection = doc && this.working.selectionOf(doc);
    const word = current && selection ? LabelStore.wordAt(current.words, doc.offsetAt(selection.active)) : undefined;
    const tooLarge = doc && !current && this.live.whyNot(doc) === 'tooLarge';
    const progress = doc && this.runs.progress(doc);
    const parts = [this.runs.busy ? '$(sync~spin)' : '$(symbol-key)'];
    if (word) parts.push(`${word.label} ${(word.score * 100).toFixed(0)}%`);
    else parts.push('BERT+LSTM');
    if (this.lastLatencyMs !== undefined) parts.push(`· ${this.lastLatencyMs.toFixed(0)} ms`);
    if (progress && progress.total > 0) parts.push(`· labeling ${Math.floor((100 * progress.done) / progress.total)}%`);
    if (tooLarge) parts.push('· not live (large file)');
    this.item.text = parts.join(' ');
    this.item.accessibilityInformation = { label: `BERT+LSTM: ${parts.slice(1).join(' ')}`, role: 'button' };
    const lines = [`**BERT+LSTM Labeler**`, `Model: ${model ?? 'not loaded yet'}`];
    if (doc) lines.push(`Document: ${displayName(doc)}`);
    const bundle = this.model.loaded?.bundle.config;
    if (word && bundle) {
      // what the label under the cursor and its segment's label mean (the bundle's card, else UD's names)
      lines.push(`Here: **${labelWithDescription(word.label, bundle)}** ${(word.score * 100).toFixed(0)}%`);
      const segment = segmentLine(current?.windows[word.window], bundle);
      if (segment) lines.push(segment);
    }
    if (this.runs.busy) lines.push(progress && progress.total > 0 ? `Labeling: ${progressMessage(progress)}` : 'Labeling…');
    if (this.lastLatencyMs !== undefined) lines.push(`Last run: ${this.lastLatencyMs.toFixed(0)} ms`);
    if (tooLarge && doc) {
      lines.push(
        `This document (${documentLength(doc).toLocaleString('en-US')} characters) is longer than ` +
          `\`bertLstm.live.maxDocumentLength\` (${this.config.liveMaxDocumentLength.toLocaleString('en-US')}), so it is not labeled live. ` +
          'Run **Label Document** to label it.',
      );
    }
    lines.push('Click for actions.');
    this.item.tooltip = new vscode.MarkdownString(lines.join('\n\n'));
    this.item.show();
  }

  /** The actions offered by the status bar item, for the current state. */
  actions(): StatusAction[] {
    const doc = this.working.document();
    const items: StatusAction[] = [];
    if (doc) {
      items.push({ label: '$(play) Label Document', command: 'bertLstm.labelDocument' });
      const editor = vscode.window.activeTextEditor?.document === doc ? vscode.window.activeTextEditor : editorsOf(doc)[0];
      const remembered = this.working.selectionOf(doc);
      const selections = editor?.selections ?? (remembered ? [remembered] : []);
      if (selections.some((s) => !s.isEmpty)) items.push({ label: '$(selection) Label Selection', command: 'bertLstm.labelSelection' });
      if (this.runs.isRunning(doc)) items.push({ label: '$(stop-circle) Cancel Labeling', command: 'bertLstm.cancelLabeling' });
      items.push({ label: '$(warning) Next Low-Confidence Label', command: 'bertLstm.nextLowConfidenceLabel' });
    }
    const live = this.live.enabled;
    items.push(
      { label: `$(sync) Toggle Live Labeling`, description: live ? 'on now' : 'off now', command: 'bertLstm.toggleLive' },
      { label: '$(folder-opened) Select Model…', description: this.model.loaded?.bundle.config.name, command: 'bertLstm.selectModel' },
      { label: '$(graph) Show Analysis Panel', command: 'bertLstm.showPanel' },
      {
        label: '$(mortar-board) Learn from Corrections',
        description: this.model.loaded?.learningOff ? 'off for this model' : this.model.loaded?.adaptedInfo ? 'adapted now' : undefined,
        detail: this.model.loaded?.learningOff, // why, in words
        command: 'bertLstm.learnFromCorrections',
      },
    );
    if (this.model.loaded?.adaptedInfo) items.push({ label: '$(discard) Revert to Base Model', command: 'bertLstm.revertToBaseModel' });
    if (doc) items.push({ label: '$(clear-all) Clear Labels', command: 'bertLstm.clearLabels' });
    items.push({ label: '$(output) Show Log', command: 'bertLstm.showLog' });
    return items;
  }

  /** The quick pick behind the status bar item; runs the chosen action and returns its result. */
  async showActions(): Promise<unknown> {
    const picked = await vscode.window.showQuickPick(this.actions(), { title: 'BERT+LSTM', placeHolder: 'Choose an action' });
    return picked ? vscode.commands.executeCommand(picked.command) : undefined;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
