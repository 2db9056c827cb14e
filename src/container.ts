// The composition root: every service of the editor layer, built once in `activate`, in
// dependency order, each a definite field (none is filled in later, none is optional). A
// service gets the services it needs in its constructor and nothing else; commands and views
// are registered last, when everything they call exists. One list of disposables, disposed in
// reverse order of creation.
// The constructor below is the order; docs/ARCHITECTURE.md has the table of who calls whom.
import * as vscode from 'vscode';
import { registerLearningCommands } from './adapt/commands';
import { Learning } from './adapt/learning';
import { Config } from './config';
import { registerCorrectionCommands } from './corrections/commands';
import { ReviewMode } from './corrections/review_mode';
import { CorrectionsStore } from './corrections/store';
import { LowConfidenceDiagnostics } from './display/diagnostics';
import { Display } from './display/display';
import { LabelHoverProvider } from './display/hover';
import { StatusDisplay } from './display/status';
import { Documents } from './documents';
import { WorkingDocument } from './editors';
import { registerBatchCommand } from './export/batch';
import { registerTransferCommands } from './export/transfer';
import { registerLabelingCommands } from './labeling/commands';
import { LabelStore } from './labeling/label_store';
import { LiveLabeling } from './labeling/live';
import { ModelHost } from './labeling/model_host';
import { DocumentProse } from './labeling/prose';
import { LabelingRuns } from './labeling/runs';
import { registerLegend } from './legend/legend_view';
import { Panels } from './panel/panels';
import { registerNavigation } from './review/navigation';
import { registerReviewView } from './review/review_view';
import type { Services } from './services';
import { registerSettingsReactions } from './settings';

export class Container implements Services, vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
  readonly model: ModelHost;
  readonly labels: LabelStore;
  readonly corrections: CorrectionsStore;
  readonly diagnostics: LowConfidenceDiagnostics;
  readonly display: Display;
  readonly prose: DocumentProse;
  readonly runs: LabelingRuns;
  readonly live: LiveLabeling;
  readonly status: StatusDisplay;
  readonly reviewMode: ReviewMode;
  readonly panels: Panels;
  readonly working: WorkingDocument;
  readonly learning: Learning;
  readonly documents: Documents;

  constructor(readonly extensionContext: vscode.ExtensionContext) {
    this.config = new Config(extensionContext.workspaceState);
    this.log = this.own(vscode.window.createOutputChannel('BERT+LSTM Labeler', { log: true }));
    this.model = this.own(new ModelHost(extensionContext.extensionPath, this.config, this.log));
    this.labels = this.own(new LabelStore());
    this.corrections = this.own(new CorrectionsStore(this.config, this.log, this.labels, this.model));
    this.diagnostics = this.own(new LowConfidenceDiagnostics(this.config, this.model, this.labels));
    this.display = this.own(new Display(this.config, this.model, this.labels, this.corrections, this.diagnostics));
    this.prose = this.own(new DocumentProse(this.config, this.log));
    this.runs = this.own(new LabelingRuns(this.config, this.log, this.model, this.labels, this.display, this.prose));
    this.live = this.own(new LiveLabeling(this.config, this.log, this.labels, this.runs));
    // the inline style's tags wait for the labels of a document labeled live (inline_tags.ts)
    this.display.inlineTags.expectLabels((doc) => this.config.displayStyle === 'inline' && this.live.applies(doc));
    this.reviewMode = this.own(new ReviewMode(this.labels));
    this.panels = this.own(new Panels(this, extensionContext.extensionUri));
    this.working = this.own(new WorkingDocument(this.panels));
    this.status = this.own(new StatusDisplay(this.config, this.model, this.labels, this.runs, this.live, this.working));
    this.learning = this.own(new Learning(this.config, this.log, this.model, this.labels, this.corrections, this.live, this.runs));
    this.documents = this.own(new Documents(this));
    this.disposables.push(
      ...registerLabelingCommands(this),
      ...registerNavigation(this),
      ...this.panels.register(),
      registerSettingsReactions(this),
      ...registerCorrectionCommands(this),
      ...registerTransferCommands(this),
      registerBatchCommand(this),
      ...registerReviewView(this),
      ...registerLegend(this),
      ...registerLearningCommands(this),
      vscode.languages.registerHoverProvider(
        { scheme: '*' },
        new LabelHoverProvider(this.labels, this.corrections, this.config, this.model),
      ),
    );
    this.documents.start();
  }

  private own<T extends vscode.Disposable>(service: T): T {
    this.disposables.push(service);
    return service;
  }

  /** Disposables held (leak checks: a fixed number after activation). */
  get disposableCount(): number {
    return this.disposables.length;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}
