// The Review view: the model's least certain labels that nobody has reviewed or corrected yet,
// across the workspace's labeled files (the active-learning queue), grouped by file. Labels come
// from the open documents' current labels and from batch outputs in the workspace
// (`bertLstm.review.batchOutputs`); a label under a correction or a review (in memory for open
// documents, in the sidecar for the others) is not listed, and neither is a confident one (its
// margin above `bertLstm.review.maxMargin`). Corrections whose text was edited since come first.
// What is uncertain, the order, the grouping, line:column and the sentence shown around a label
// are core/review_queue.ts; this file gathers the labels and draws the tree.
//
// Each row shows the sentence around the word with the word highlighted, the label, its
// probability and line:column; its inline actions reuse the correction commands on the word
// (Accept Label, Correct Label) after opening it, so the view never has its own copy of them.
// The view's description and its message say how far the review is ("37 of 200 reviewed").
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LabelScore } from '../core/aggregate';
import { modelAnnotations } from '../core/annotations';
import { BATCH_SCHEMA, type BatchWord } from '../core/batch';
import { labelWithDescription } from '../core/label_info';
import {
  addFileCandidates,
  groupByFile,
  labelMargin,
  lineColumn,
  lineStarts,
  reviewProgress,
  reviewQueue,
  sentenceAround,
  unitMargins,
  type ReviewCandidate,
  type ScoredLabel,
} from '../core/review_queue';
import { readSidecar, sidecarPath } from '../core/sidecar';
import type { Services } from '../services';
import { percent } from '../percent';

export type ReviewServices = Pick<Services, 'config' | 'log' | 'model' | 'labels' | 'corrections'>;

/** One row of the queue: a candidate with where it is and what is around it. */
export interface ReviewItem extends ReviewCandidate {
  /** 1-based, as the status bar shows them (UTF-16 columns). */
  readonly line: number;
  readonly column: number;
  /** The sentence around the label; the label's text at `highlight`. */
  readonly context: string;
  readonly highlight: readonly [number, number];
}

interface FileNode {
  readonly file: string;
  readonly items: readonly ReviewItem[];
}

type Node = FileNode | ReviewItem;
const isItem = (n: Node): n is ReviewItem => 'start' in n;

/** The queue as last computed, and the progress it belongs to. */
export interface ReviewSnapshot {
  readonly items: readonly ReviewItem[];
  readonly reviewed: number;
  readonly total: number;
  /** Labels still to review, before the list was cut to `bertLstm.review.size`. */
  readonly open: number;
}

class ReviewProvider implements vscode.TreeDataProvider<Node> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  snapshot: ReviewSnapshot = { items: [], reviewed: 0, total: 0, open: 0 };
  private groups: FileNode[] = [];
  private computing: Promise<ReviewSnapshot> | undefined;
  private timer: NodeJS.Timeout | undefined;

  /** Set once the view exists: hidden views are not recomputed on every change. */
  isVisible: () => boolean = () => false;
  /** Set once the view exists: shows the progress. */
  onComputed: (s: ReviewSnapshot) => void = () => undefined;

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

  async refresh(): Promise<ReviewSnapshot> {
    clearTimeout(this.timer);
    const run = this.compute();
    this.computing = run;
    const snap = await run;
    if (this.computing === run) {
      this.snapshot = snap;
      this.groups = groupByFile(snap.items).map((g) => ({ file: g.file, items: g.items }));
      this.changed.fire();
      this.onComputed(snap);
    }
    return snap;
  }

  private async compute(): Promise<ReviewSnapshot> {
    const store = this.s.corrections;
    const maxMargin = this.s.config.reviewMaxMargin;
    const candidates: ReviewCandidate[] = [];
    let reviewed = 0;
    let total = 0;
    const add = (file: string, labels: readonly ScoredLabel[], corrections: Parameters<typeof addFileCandidates>[3]): void => {
      const p = addFileCandidates(candidates, file, labels, corrections, maxMargin);
      reviewed += p.reviewed;
      total += p.total;
    };
    const open = new Map<string, vscode.TextDocument>();
    const scheme = this.s.model.loaded?.bundle.config.labelScheme ?? 'plain';
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.uri.scheme !== 'file') continue;
      const result = this.s.labels.current(doc);
      await store.ensure(doc);
      const corrections = store.corrections(doc);
      if (!result && !corrections.length) continue;
      open.set(doc.uri.fsPath, doc);
      add(doc.uri.fsPath, result ? scoredLabels(doc.getText(), result.words, scheme) : [], corrections);
    }
    for (const output of await vscode.workspace.findFiles(this.s.config.reviewBatchGlob, undefined, 50)) {
      for (const rec of await readBatchRecords(output.fsPath)) {
        if (open.has(rec.file)) continue;
        const side = await readSidecar(sidecarPath(rec.file, this.s.config.sidecarLocation));
        const corrections = side.kind === 'ok' ? side.annotations : [];
        const labels: ScoredLabel[] = [];
        for (const w of rec.words) if (w.label !== 'O') labels.push(batchLabel(w));
        add(rec.file, labels, corrections);
      }
    }
    const queue = reviewQueue(candidates, this.s.config.reviewQueueSize);
    // where each listed label is and what is around it, reading each file's text once
    const texts = new Map<string, { text: string; starts: number[] } | undefined>();
    const items: ReviewItem[] = [];
    for (const c of queue) {
      if (!texts.has(c.file)) {
        const text = open.get(c.file)?.getText() ?? (await fs.readFile(c.file, 'utf8').catch(() => undefined));
        texts.set(c.file, text === undefined ? undefined : { text, starts: lineStarts(text) });
      }
      const f = texts.get(c.file);
      const at = f ? lineColumn(f.starts, c.start) : { line: 0, column: 0 };
      const ctx = f && f.text.slice(c.start, c.end) === c.text ? sentenceAround(f.text, c.start, c.end) : undefined;
      items.push({ ...c, ...at, context: ctx?.text ?? c.text, highlight: ctx?.highlight ?? [0, c.text.length] });
    }
    return { items, reviewed, total, open: candidates.length };
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (!isItem(node)) {
      const t = new vscode.TreeItem(vscode.Uri.file(node.file), vscode.TreeItemCollapsibleState.Expanded);
      t.id = `file:${node.file}`;
      // the folder beside the count, except for a file at the workspace's top (its folder is ".")
      const folder = path.dirname(vscode.workspace.asRelativePath(node.file));
      t.description = `${node.items.length} to review${folder === '.' ? '' : ` · ${folder}`}`;
      t.tooltip = node.file;
      t.contextValue = 'bertLstmReviewFile';
      return t;
    }
    const item = node;
    const label: vscode.TreeItemLabel = { label: item.context, highlights: [[item.highlight[0], item.highlight[1]]] };
    const t = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
    t.id = `${item.file}#${item.start}-${item.end}${item.needsReview ? '!' : ''}`;
    const where = item.line ? `${item.line}:${item.column}` : `offset ${item.start}`;
    t.description = `${item.label} ${item.needsReview ? 'edited since' : percent(item.score)} · ${where}`;
    t.tooltip = this.tooltip(item, where);
    t.iconPath = new vscode.ThemeIcon(item.needsReview ? 'warning' : 'question');
    t.command = { command: 'bertLstm.review.open', title: 'Open', arguments: [item] };
    t.contextValue = 'bertLstmReviewItem';
    t.accessibilityInformation = {
      label: `${item.text}: ${item.label}, ${item.needsReview ? 'edited since it was labeled' : percent(item.score)}, line ${item.line}, column ${item.column}. ${item.context}`,
    };
    return t;
  }

  private tooltip(item: ReviewItem, where: string): vscode.MarkdownString {
    const config = this.s.model.loaded?.bundle.config;
    const named = (l: string): string => (config ? labelWithDescription(l, config) : l);
    const md = new vscode.MarkdownString(undefined, false);
    md.appendMarkdown('**');
    md.appendText(named(item.label));
    md.appendMarkdown('** ');
    if (item.needsReview) md.appendText('— its text was edited since it was labeled: look again.');
    else {
      const next = item.alternatives.find((a) => a.label !== item.label);
      md.appendText(
        `model ${percent(item.score)}; margin ${item.margin.toFixed(2)}${next ? ` over ${next.label} (${percent(next.score)})` : ' (only its own probability is known)'}`,
      );
      const others = item.alternatives.filter((a) => a.label !== item.label);
      if (others.length) {
        md.appendMarkdown('\n\n');
        md.appendText(`Also: ${others.map((a) => `${named(a.label)} ${percent(a.score)}`).join(', ')}`);
      }
    }
    md.appendMarkdown('\n\n');
    md.appendText(item.context);
    md.appendMarkdown('\n\n');
    md.appendText(`${item.file}:${where}`);
    return md;
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.groups;
    return isItem(node) ? [] : [...node.items];
  }

  getParent(node: Node): Node | undefined {
    return isItem(node) ? this.groups.find((g) => g.file === node.file) : undefined;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.changed.dispose();
  }
}

/** An open document's model labels (words, or spans) with their margins. */
function scoredLabels(
  text: string,
  words: readonly { start: number; end: number; text: string; label: string; score: number; alternatives: readonly LabelScore[] }[],
  scheme: 'plain' | 'BIO' | 'BIOES',
): ScoredLabel[] {
  const units = modelAnnotations(text, words, scheme);
  const margins = unitMargins(units, words);
  const out: ScoredLabel[] = [];
  // a word unit keeps its word's alternatives (a span's are its words' tags, not its type's)
  let w = 0;
  for (let i = 0; i < units.length; i++) {
    const u = units[i];
    while (w < words.length && words[w].end <= u.start) w++;
    const word = words[w];
    const alternatives = scheme === 'plain' && word && word.start === u.start && word.end === u.end ? word.alternatives : [];
    out.push({ start: u.start, end: u.end, text: u.text, label: u.label, score: u.score ?? 1, margin: margins[i], alternatives });
  }
  return out;
}

/** A batch output's word: only its own probability is known (the margin is its bound). */
function batchLabel(w: BatchWord): ScoredLabel {
  return { start: w.start, end: w.end, text: w.text, label: w.label, score: w.score, margin: labelMargin(w), alternatives: [] };
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

/**
 * Opens a review item with its label selected; says so when the file changed since. With
 * `preserveFocus` the keyboard stays in the view (Accept, then the next row).
 */
async function openItem(item: ReviewItem, preserveFocus = false): Promise<{ editor: vscode.TextEditor; current: boolean } | undefined> {
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(vscode.Uri.file(item.file));
  } catch (e) {
    void vscode.window.showErrorMessage(`BERT+LSTM: cannot open ${item.file}: ${(e as Error).message}`);
    return undefined;
  }
  const range = new vscode.Range(doc.positionAt(item.start), doc.positionAt(item.end));
  // where the document is shown already (else beside no webview: the first visible editor's group)
  const visible = vscode.window.visibleTextEditors;
  const viewColumn = (visible.find((e) => e.document === doc) ?? visible[0])?.viewColumn;
  const editor = await vscode.window.showTextDocument(doc, { selection: range, preserveFocus, viewColumn });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  if (doc.getText(range) !== item.text) {
    void vscode.window.showWarningMessage(
      `BERT+LSTM: ${path.basename(item.file)} changed since it was labeled: "${item.text}" is no longer at this place. Label it again.`,
    );
    return { editor, current: false };
  }
  return { editor, current: true };
}

/** A row's inline action: the item given by the menu, or the view's selection (a keybinding). */
function target(view: vscode.TreeView<Node>, node: unknown): ReviewItem | undefined {
  if (node && typeof node === 'object' && 'start' in node && 'file' in node) return node as ReviewItem;
  const sel = view.selection[0];
  return sel && isItem(sel) ? sel : undefined;
}

export function registerReviewView(s: ReviewServices): vscode.Disposable[] {
  const provider = new ReviewProvider(s);
  const view = vscode.window.createTreeView('bertLstm.review', { treeDataProvider: provider, showCollapseAll: true });
  provider.isVisible = () => view.visible;
  provider.onComputed = (snap) => {
    const progress = snap.total ? reviewProgress(snap.reviewed, snap.total) : undefined;
    view.description = progress;
    // The message carries the progress too: while the view is alone in its container, VS Code
    // merges its header into the container's title, which shows the view's name but not its
    // description, so the message at the top of the list is the one place always drawn.
    const margin = s.config.reviewMaxMargin.toFixed(2);
    const more =
      snap.open > snap.items.length
        ? `the ${snap.items.length} least certain of ${snap.open} labels to review are listed (margin at most ${margin}).`
        : snap.total && !snap.open
          ? `all the uncertain labels (margin at most ${margin}) are reviewed.`
          : undefined;
    view.message = progress && (more ? `${progress}: ${more}` : `${progress}.`);
  };
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
    // returns the queue's rows in order (for tests and automation), the progress on the view
    vscode.commands.registerCommand('bertLstm.review.refresh', async () => (await provider.refresh()).items),
    vscode.commands.registerCommand('bertLstm.review.progress', () => {
      const { reviewed, total, open } = provider.snapshot;
      return { reviewed, total, open, description: view.description };
    }),
    vscode.commands.registerCommand('bertLstm.review.open', async (item: ReviewItem) => (await openItem(item))?.editor),
    // Accept: the model's label at the word, marked reviewed (the correction command's own path)
    vscode.commands.registerCommand('bertLstm.review.accept', async (node?: unknown) => {
      const item = target(view, node);
      if (!item || !(await openItem(item, true))?.current) return false;
      return vscode.commands.executeCommand<boolean>('bertLstm.acceptLabel');
    }),
    // Correct: the correction pick at the word (the label may be given, as to Correct Label)
    vscode.commands.registerCommand('bertLstm.review.correct', async (node?: unknown, args?: { label?: string }) => {
      const item = target(view, node);
      if (!item || !(await openItem(item))?.current) return false;
      return vscode.commands.executeCommand<boolean>('bertLstm.correctLabel', args);
    }),
  ];
}
