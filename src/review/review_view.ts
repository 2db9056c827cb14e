// The Review view: the model's least confident labels that nobody has reviewed or corrected yet,
// across the workspace's labeled files (the active-learning queue). Labels come from the open
// documents' current labels and from batch outputs in the workspace (`bertLstm.review.batchOutputs`);
// a label under a correction or a review (in memory for open documents, in the sidecar for the
// others) is not listed. Labels whose text was edited since they were set come first.
// Clicking one opens the document with the label selected.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { modelAnnotations, uncovered, type Annotation } from '../core/annotations';
import { BATCH_SCHEMA, type BatchWord } from '../core/batch';
import { readSidecar, sidecarPath } from '../core/sidecar';
import type { Services } from '../services';
import { percent } from '../percent';

export type ReviewServices = Pick<Services, 'config' | 'log' | 'model' | 'labels' | 'corrections'>;

export interface ReviewItem {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly label: string;
  /** The model's probability; 0 for a correction whose text was edited since. */
  readonly score: number;
  readonly needsReview: boolean;
}

/** The lowest-confidence labels not covered by any of `reviewed`, plus those flagged. */
export function reviewQueue(candidates: readonly ReviewItem[], size: number): ReviewItem[] {
  return [...candidates]
    .sort((a, b) => Number(b.needsReview) - Number(a.needsReview) || a.score - b.score || a.file.localeCompare(b.file) || a.start - b.start)
    .slice(0, size);
}

/** Appends the labels not under a correction, and the corrections flagged for review, to `out`. */
function addUnreviewed(
  out: ReviewItem[],
  file: string,
  labels: readonly { start: number; end: number; text: string; label: string; score?: number }[],
  corrections: readonly Annotation[],
): void {
  for (const l of uncovered(labels, corrections)) {
    out.push({ file, start: l.start, end: l.end, text: l.text, label: l.label, score: l.score ?? 1, needsReview: false });
  }
  for (const c of corrections) {
    if (c.needsReview) out.push({ file, start: c.start, end: c.end, text: c.text, label: c.label, score: c.score ?? 0, needsReview: true });
  }
}

class ReviewProvider implements vscode.TreeDataProvider<ReviewItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private items: ReviewItem[] = [];
  private computing: Promise<ReviewItem[]> | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Set once the view exists: hidden views are not recomputed on every change. */
  isVisible: () => boolean = () => false;

  constructor(private readonly s: ReviewServices) {}

  /** Recomputes the queue soon (changes come in bursts while typing), if the view is shown. */
  refreshSoon(): void {
    if (!this.isVisible()) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(
      () =>
        this.refresh().catch((e: unknown) =>
          this.s.log.error(`the review queue could not be computed: ${e instanceof Error ? e.message : String(e)}`),
        ),
      300,
    );
  }

  async refresh(): Promise<ReviewItem[]> {
    clearTimeout(this.timer);
    const run = this.compute();
    this.computing = run;
    const items = await run;
    if (this.computing === run) {
      this.items = items;
      this.changed.fire();
    }
    return items;
  }

  private async compute(): Promise<ReviewItem[]> {
    const store = this.s.corrections;
    const candidates: ReviewItem[] = [];
    const open = new Set<string>();
    const scheme = this.s.model.loaded?.bundle.config.labelScheme ?? 'plain';
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== 'file') continue;
      const result = this.s.labels.current(doc);
      await store.ensure(doc);
      const corrections = store.corrections(doc);
      if (!result && !corrections.length) continue;
      open.add(doc.uri.fsPath);
      const labels = result ? modelAnnotations(doc.getText(), result.words, scheme) : [];
      addUnreviewed(candidates, doc.uri.fsPath, labels, corrections);
    }
    for (const output of await vscode.workspace.findFiles(this.s.config.reviewBatchGlob, undefined, 50)) {
      for (const rec of await readBatchRecords(output.fsPath)) {
        if (open.has(rec.file)) continue;
        const side = await readSidecar(sidecarPath(rec.file, this.s.config.sidecarLocation));
        const corrections = side.kind === 'ok' ? side.annotations : [];
        addUnreviewed(
          candidates,
          rec.file,
          rec.words.filter((w) => w.label !== 'O'),
          corrections,
        );
      }
    }
    return reviewQueue(candidates, this.s.config.reviewQueueSize);
  }

  getTreeItem(item: ReviewItem): vscode.TreeItem {
    const t = new vscode.TreeItem(item.text.length > 60 ? item.text.slice(0, 60) + '…' : item.text, vscode.TreeItemCollapsibleState.None);
    t.description = `${item.label} ${item.needsReview ? 'edited since' : percent(item.score)} · ${path.basename(item.file)}`;
    t.tooltip = `${item.label} (${item.needsReview ? 'its text was edited since it was labeled' : `model ${percent(item.score)}`})\n${item.file} at ${item.start}`;
    t.iconPath = new vscode.ThemeIcon(item.needsReview ? 'warning' : 'question');
    t.command = { command: 'bertLstm.review.open', title: 'Open', arguments: [item] };
    t.contextValue = 'bertLstmReviewItem';
    return t;
  }

  getChildren(element?: ReviewItem): ReviewItem[] {
    return element ? [] : this.items;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

/** The labeled files of a batch output (records that were skipped or cannot be read are left out). */
async function readBatchRecords(file: string): Promise<Array<{ file: string; words: BatchWord[] }>> {
  let content: string;
  try {
    content = await fs.readFile(file, 'utf8');
  } catch {
    return [];
  }
  const lines = content.split('\n');
  try {
    if (JSON.parse(lines[0]).schema !== BATCH_SCHEMA) return [];
  } catch {
    return [];
  }
  const out: Array<{ file: string; words: BatchWord[] }> = [];
  for (const line of lines.slice(1)) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as { file?: unknown; words?: unknown };
      if (typeof r.file === 'string' && Array.isArray(r.words)) out.push({ file: r.file, words: r.words as BatchWord[] });
    } catch {
      // a record cut off by an interrupted run: the batch command redoes it on resume
    }
  }
  return out;
}

/** Opens a review item with its label selected; says so when the file changed since. */
async function openItem(item: ReviewItem): Promise<vscode.TextEditor | undefined> {
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(item.file));
  } catch (e) {
    void vscode.window.showErrorMessage(`BERT+LSTM: cannot open ${item.file}: ${(e as Error).message}`);
    return undefined;
  }
  const range = new vscode.Range(doc.positionAt(item.start), doc.positionAt(item.end));
  const editor = await vscode.window.showTextDocument(doc, { selection: range, preserveFocus: false });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  if (doc.getText(range) !== item.text) {
    void vscode.window.showWarningMessage(
      `BERT+LSTM: ${path.basename(item.file)} changed since it was labeled: "${item.text}" is no longer at this place. Label it again.`,
    );
  }
  return editor;
}

export function registerReviewView(s: ReviewServices): vscode.Disposable[] {
  const provider = new ReviewProvider(s);
  const view = vscode.window.createTreeView('bertLstm.review', { treeDataProvider: provider, showCollapseAll: false });
  provider.isVisible = () => view.visible;
  const watcher = vscode.workspace.createFileSystemWatcher(s.config.reviewBatchGlob);
  return [
    provider,
    view,
    watcher,
    watcher.onDidChange(() => provider.refreshSoon()),
    watcher.onDidCreate(() => provider.refreshSoon()),
    watcher.onDidDelete(() => provider.refreshSoon()),
    s.labels.onDidChange(() => provider.refreshSoon()),
    s.corrections.onDidChange(() => provider.refreshSoon()),
    view.onDidChangeVisibility((e) => e.visible && provider.refreshSoon()),
    vscode.commands.registerCommand('bertLstm.review.refresh', () => provider.refresh()),
    vscode.commands.registerCommand('bertLstm.review.open', (item: ReviewItem) => openItem(item)),
  ];
}
