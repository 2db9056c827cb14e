// The extension's context: owns every disposable, the log, the configuration, the model host,
// the label store and the decorations. Features get what they need from here.
import * as vscode from 'vscode';
import type { LabeledText } from './core/labeler';
import type { OffsetRange } from './core/navigation';
import { correctionsFor } from './annotations_store';
import { Config } from './config';
import { LabelDecorations, VISIBLE_MARGIN_LINES, type DrawOptions } from './decorations';
import type { LowConfidenceDiagnostics } from './diagnostics';
import { LabelStore } from './label_store';
import type { LiveLabeling } from './live';
import type { StatusDisplay } from './status_display';
import { ModelHost } from './model';

export interface LabelingRun {
  /** A whole-document run can be joined by another request for the same version; a selection run cannot. */
  readonly kind: 'document' | 'selection';
  readonly doc: vscode.TextDocument;
  readonly version: number;
  readonly controller: AbortController;
  readonly promise: Promise<LabeledText | undefined>;
}

/** Counts of labeling runs since activation (exported through the API for tests and tools). */
export interface RunCounters {
  /** Runs started (Label Document, Label Selection, live). */
  started: number;
  /** Runs that drew their labels. */
  completed: number;
  /** Runs cancelled by the user, by an edit, or by a newer run. */
  cancelled: number;
  /** Segments labeled by the model, and segments in all (the rest came from the cache). */
  segmentsRun: number;
  segmentsTotal: number;
  /** Progress notifications shown for runs that took over a second. */
  progressShown: number;
}

export class Ctx implements vscode.Disposable {
  readonly config = new Config();
  readonly log: vscode.LogOutputChannel;
  readonly model: ModelHost;
  readonly store = new LabelStore();
  readonly decorations = new LabelDecorations();
  private readonly disposables: vscode.Disposable[] = [];
  /** Per document URI: the run in progress, so that a newer run can cancel or join it. */
  readonly runs = new Map<string, LabelingRun>();
  /** Live labeling, once registered. */
  live: LiveLabeling | undefined;
  status: StatusDisplay | undefined;
  diagnostics: LowConfidenceDiagnostics | undefined;
  readonly counters: RunCounters = { started: 0, completed: 0, cancelled: 0, segmentsRun: 0, segmentsTotal: 0, progressShown: 0 };

  constructor(readonly extensionContext: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('BERT+LSTM Labeler', { log: true });
    this.model = new ModelHost(extensionContext.extensionPath, this.config, this.log);
    this.decorations.setLook({ style: this.config.displayStyle, colors: this.config.labelColors });
    this.push(this.log, this.model, this.decorations, this.store);
  }

  push(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  /** Editors currently showing a document. */
  editorsOf(doc: vscode.TextDocument): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((e) => e.document === doc);
  }

  /**
   * Redraws a document's stored labels in all its visible editors (near their visible ranges
   * first on long documents) and updates its diagnostics; resolves when all are drawn.
   */
  async redraw(doc: vscode.TextDocument): Promise<void> {
    const labels = this.store.current(doc);
    this.diagnostics?.update(doc, labels);
    const drawing: Promise<void>[] = [];
    for (const editor of this.editorsOf(doc)) {
      if (!labels) this.decorations.clear(editor);
      else drawing.push(this.decorations.apply(editor, labels.words, { ...this.drawOptions(), corrected: correctionsFor(this, doc) }, visibleOffsets(editor)));
    }
    await Promise.all(drawing);
  }

  /** Redraws every visible editor (after a settings change). */
  async redrawAll(): Promise<void> {
    this.decorations.setLook({ style: this.config.displayStyle, colors: this.config.labelColors });
    const docs = new Set(vscode.window.visibleTextEditors.map((e) => e.document));
    await Promise.all([...docs].map((d) => this.redraw(d)));
  }

  drawOptions(): DrawOptions {
    return {
      scheme: this.model.loaded?.bundle.config.labelScheme ?? 'plain',
      hidden: this.config.hiddenLabels,
      threshold: this.config.confidenceThreshold,
    };
  }

  dispose(): void {
    for (const r of this.runs.values()) r.controller.abort();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
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
