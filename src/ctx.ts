// The extension's context: owns every disposable, the log, the configuration, the model host,
// the label store and the decorations. Features get what they need from here.
import * as vscode from 'vscode';
import type { LabeledText } from './core/labeler';
import { Config } from './config';
import { LabelDecorations } from './decorations';
import { LabelStore } from './label_store';
import type { LiveLabeling } from './live';
import type { StatusDisplay } from './status_display';
import { ModelHost } from './model';

export interface LabelingRun {
  readonly doc: vscode.TextDocument;
  readonly version: number;
  readonly controller: AbortController;
  readonly promise: Promise<LabeledText | undefined>;
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

  constructor(readonly extensionContext: vscode.ExtensionContext) {
    this.log = vscode.window.createOutputChannel('BERT+LSTM Labeler', { log: true });
    this.model = new ModelHost(extensionContext.extensionPath, this.config, this.log);
    this.push(this.log, this.model, this.decorations, this.store);
  }

  push(...d: vscode.Disposable[]): void {
    this.disposables.push(...d);
  }

  /** Editors currently showing a document. */
  editorsOf(doc: vscode.TextDocument): vscode.TextEditor[] {
    return vscode.window.visibleTextEditors.filter((e) => e.document === doc);
  }

  /** Redraw a document's stored labels in all its visible editors. */
  redraw(doc: vscode.TextDocument): void {
    const labels = this.store.current(doc);
    for (const editor of this.editorsOf(doc)) {
      if (!labels) this.decorations.clear(editor);
      else {
        const scheme = this.model.loaded?.bundle.config.labelScheme ?? 'plain';
        this.decorations.apply(editor, labels.words, scheme, this.config.hiddenLabels, this.config.confidenceThreshold);
      }
    }
  }

  dispose(): void {
    for (const r of this.runs.values()) r.controller.abort();
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
