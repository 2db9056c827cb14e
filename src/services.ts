// The services the container builds, by name: a command module says which it needs as
// `Pick<Services, ...>`, so that its dependencies are listed where it is declared and nothing
// else reaches it. Type-only: nothing here exists at run time.
import type * as vscode from 'vscode';
import type { Config } from './config';
import type { CorrectionsStore } from './corrections/store';
import type { LowConfidenceDiagnostics } from './display/diagnostics';
import type { Display } from './display/display';
import type { WorkingDocument } from './editors';
import type { StatusDisplay } from './display/status';
import type { LabelStore } from './labeling/label_store';
import type { LiveLabeling } from './labeling/live';
import type { ModelHost } from './labeling/model_host';
import type { LabelingRuns } from './labeling/runs';

/** By folder; container.ts builds them in dependency order. */
export interface Services {
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
  // labeling/
  readonly model: ModelHost;
  readonly labels: LabelStore;
  readonly runs: LabelingRuns;
  readonly live: LiveLabeling;
  // display/
  readonly display: Display;
  readonly diagnostics: LowConfidenceDiagnostics;
  readonly status: StatusDisplay;
  // corrections/
  readonly corrections: CorrectionsStore;
  /** The document commands act on (editors.ts). */
  readonly working: WorkingDocument;
}
