// The display of a document's model labels: its decorations in every visible editor and its
// low-confidence diagnostics, always from the labels of its current version. The one place
// that decides what is drawn (the draw options: label scheme, hidden labels, threshold, and
// the ranges the user corrected, under which model labels are not drawn). In the inline style the
// tags are inlay hints (inline_tags.ts) over the same units, less `inline.hiddenLabels`.
import * as vscode from 'vscode';
import { uncovered } from '../core/annotations';
import { displayUnitsOf, type DisplayUnit } from '../core/display_units';
import type { WordLabel } from '../core/labeler';
import type { OffsetRange } from '../core/ranges';
import type { Config } from '../config';
import type { CorrectionsStore } from '../corrections/store';
import { editorsOf } from '../editors';
import type { LabelStore } from '../labeling/label_store';
import type { ModelHost } from '../labeling/model_host';
import { LabelDecorations, VISIBLE_MARGIN_LINES, type DrawOptions, type LabelLook } from './decorations';
import type { LowConfidenceDiagnostics } from './diagnostics';
import { InlineTags } from './inline_tags';
import { shownLabels } from './shown';

export class Display implements vscode.Disposable {
  readonly decorations = new LabelDecorations();
  readonly inlineTags = new InlineTags((doc) => this.inlineUnits(doc));
  private readonly subscription: vscode.Disposable;
  /** The inline tags' units of a document's labels, for its corrections and draw options. */
  private readonly tagMemo = new WeakMap<readonly WordLabel[], { key: unknown[]; units: readonly DisplayUnit[] }>();

  constructor(
    private readonly config: Config,
    private readonly model: ModelHost,
    private readonly labels: LabelStore,
    private readonly corrections: CorrectionsStore,
    private readonly diagnostics: LowConfidenceDiagnostics,
  ) {
    this.decorations.setLook(lookOf(config));
    // Model labels under a correction are not drawn: a changed correction redraws them, when
    // they are current (redrawing stale labels would clear them).
    this.subscription = corrections.onDidReplace((doc) => {
      if (labels.current(doc)) void this.redraw(doc);
    });
  }

  /**
   * Redraws a document's current labels in all its visible editors (near their visible ranges
   * first on long documents) and updates its diagnostics; resolves when all are drawn. A
   * document without current labels has its decorations and diagnostics cleared.
   */
  async redraw(doc: vscode.TextDocument): Promise<void> {
    const labels = this.labels.current(doc);
    this.diagnostics.update(doc, labels);
    const drawing: Promise<void>[] = [];
    for (const editor of editorsOf(doc)) {
      if (!labels) this.decorations.clear(editor);
      else drawing.push(this.decorations.apply(editor, labels.words, this.drawOptions(doc), visibleOffsets(editor)));
    }
    if (this.config.displayStyle === 'inline') this.inlineTags.refresh();
    await Promise.all(drawing);
  }

  /** Redraws every visible editor with the look from the settings (after a settings change). */
  async redrawAll(): Promise<void> {
    this.decorations.setLook(lookOf(this.config));
    const docs = new Set(vscode.window.visibleTextEditors.map((e) => e.document));
    await Promise.all([...docs].map((d) => this.redraw(d)));
    // tags of the inline style go when another style is chosen
    this.inlineTags.refresh();
  }

  private drawOptions(doc: vscode.TextDocument): DrawOptions {
    return { ...shownLabels(this.config, this.model), corrected: this.corrections.corrections(doc) };
  }

  /** The units the inline style tags in a document (none in the other styles). */
  private inlineUnits(doc: vscode.TextDocument): { units: readonly DisplayUnit[]; threshold: number } | undefined {
    const labels = this.labels.current(doc);
    if (!labels || this.config.displayStyle !== 'inline') return undefined;
    const shown = shownLabels(this.config, this.model);
    // the labels whose tags the inline style leaves out (PUNCT by default) are still underlined
    const opts = { ...shown, hidden: new Set([...shown.hidden, ...this.config.inlineHiddenLabels]) };
    const corrections = this.corrections.corrections(doc);
    const key: unknown[] = [opts.scheme, [...opts.hidden].sort().join('\u0000'), corrections];
    const memo = this.tagMemo.get(labels.words);
    if (memo && memo.key.every((k, i) => k === key[i])) return { units: memo.units, threshold: opts.threshold };
    const all = displayUnitsOf(labels.words, opts.scheme, opts.hidden);
    const units = corrections.length ? uncovered(all, corrections) : all;
    this.tagMemo.set(labels.words, { key, units });
    return { units, threshold: opts.threshold };
  }

  dispose(): void {
    this.inlineTags.dispose();
    this.subscription.dispose();
    this.decorations.dispose();
  }
}

function lookOf(config: Config): LabelLook {
  return { style: config.displayStyle, colors: config.labelColors, untagged: config.inlineHiddenLabels };
}

/** An editor's visible ranges as document offsets, widened by a margin of lines. */
function visibleOffsets(editor: vscode.TextEditor): OffsetRange[] {
  const doc = editor.document;
  return editor.visibleRanges.map((r) => {
    const first = Math.max(0, r.start.line - VISIBLE_MARGIN_LINES);
    const last = Math.min(doc.lineCount - 1, r.end.line + VISIBLE_MARGIN_LINES);
    return { start: doc.offsetAt(new vscode.Position(first, 0)), end: doc.offsetAt(doc.lineAt(last).range.end) };
  });
}
