// Activation: builds the context, registers the features, and returns the extension's API.
// Nothing heavy happens here: the model loads on first use.
import * as vscode from 'vscode';
import type { LabeledText, WordLabel } from './core/labeler';
import { cancelLabeling, registerCommands } from './commands';
import { Ctx, type RunCounters } from './ctx';
import type { DecorationSnapshot, DrawStats } from './decorations';
import { registerDiagnostics } from './diagnostics';
import type { NotLiveReason } from './live';
import { registerNavigation } from './navigation';
import { registerSettingsReactions } from './settings';
import type { StatusAction } from './status_display';
import { LabelHoverProvider } from './hover';
import { LiveLabeling } from './live';
import { StatusDisplay } from './status_display';
import { AnalysisPanel, registerPanel } from './panel';
import { registerCorrections } from './corrections';
import { registerExportCommands } from './export_commands';
import { registerBatchCommand } from './batch_command';
import { registerReviewView } from './review_view';
import type { HostMessage } from './webview_protocol';

/** What the extension exports (used by its tests and by other extensions). */
export interface BertLstmApi {
  readonly activationMs: number;
  /** The labels of a document at its current version, if labeled. */
  labelsFor(doc: vscode.TextDocument): readonly WordLabel[] | undefined;
  /** The whole last result of a document at its current version (words, windows, segment stats). */
  resultFor(doc: vscode.TextDocument): LabeledText | undefined;
  /** The decorations this extension set on an editor. */
  decorationsFor(editor: vscode.TextEditor): DecorationSnapshot[];
  /** Labels text with the current model through the core (loading the model if needed). */
  labelText(text: string): Promise<LabeledText | undefined>;
  /** The status bar item's text. */
  statusText(): string;
  /** The status bar item's tooltip, as Markdown text. */
  statusTooltip(): string;
  /** The actions the status bar item's quick pick offers now. */
  statusActions(): readonly StatusAction[];
  /** Labeling runs since activation: started, completed, cancelled, segments run, progress shown. */
  counters(): Readonly<RunCounters>;
  /** How the last drawing of an editor went (first pass near the visible ranges, or not). */
  drawStats(editor: vscode.TextEditor): DrawStats | undefined;
  /** Decoration types alive now, and created since activation (they are reused). */
  decorationTypes(): { alive: number; created: number };
  /** The low-confidence diagnostics of a document. */
  diagnosticsFor(uri: vscode.Uri): readonly vscode.Diagnostic[];
  /** Whether a document is labeled live, or why not. */
  liveState(doc: vscode.TextDocument): 'live' | NotLiveReason;
  /** Whether a labeling run is going for a document. */
  isRunning(doc: vscode.TextDocument): boolean;
  /** What was wrong with the last model that failed to load. */
  modelProblems(): readonly string[];
  /** The last scores message the analysis panel was sent, if it is open. */
  panelMessage(): HostMessage | undefined;
  /** The last attention message the analysis panel was sent, if it is open. */
  panelAttention(): HostMessage | undefined;
  /** The current model, loading it if needed. */
  model(): Promise<{ name: string; dir: string; labels: readonly string[]; sequenceLabels: readonly string[] } | undefined>;
  /** What the extension holds, counted for leak checks (tests): nothing here may grow with use. */
  resources(): ExtensionResources;
  /** Ends the inference worker thread as a crash would (fault tests); false if no model is loaded. */
  killInferenceWorker(): Promise<boolean>;
}

export interface ExtensionResources {
  /** Text editor decoration types created (one per label and confidence bucket, reused). */
  readonly decorationTypes: number;
  /** Event subscriptions and other disposables of the context and of live labeling. */
  readonly disposables: number;
  /** Labeling runs in progress and live-labeling timers waiting. */
  readonly runs: number;
  readonly liveTimers: number;
  /** Inference requests queued or running in the worker; worker restarts after crashes. */
  readonly pendingInference: number;
  readonly workerRestarts: number;
}

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): BertLstmApi {
  const t0 = performance.now();
  ctx = new Ctx(context);
  const c = ctx;
  context.subscriptions.push(c);
  registerCommands(c);
  registerNavigation(c);
  registerPanel(c);
  registerDiagnostics(c);
  registerSettingsReactions(c);
  registerCorrections(c);
  registerExportCommands(c);
  registerBatchCommand(c);
  registerReviewView(c);
  c.live = new LiveLabeling(c);
  c.status = new StatusDisplay(c);
  c.push(c.live, c.status);
  c.push(
    vscode.languages.registerHoverProvider({ scheme: '*' }, new LabelHoverProvider(c.store, c.config)),
    vscode.window.onDidChangeVisibleTextEditors((editors) => {
      for (const e of editors) void c.redraw(e.document);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      // Labels belong to one version. Live documents keep their decorations, which VS Code
      // moves with the text, until the relabel; others drop them at once.
      if (e.contentChanges.length && c.store.get(e.document) && !c.live?.applies(e.document)) void c.redraw(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      cancelLabeling(c, doc);
      c.store.delete(doc);
    }),
  );
  c.live.labelVisible();
  const activationMs = performance.now() - t0;
  c.log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return {
    activationMs,
    labelsFor: (doc) => c.store.current(doc)?.words,
    resultFor: (doc) => c.store.current(doc),
    decorationsFor: (editor) => c.decorations.snapshot(editor),
    modelProblems: () => c.model.problems,
    statusText: () => c.status?.text ?? '',
    statusTooltip: () => c.status?.tooltip ?? '',
    statusActions: () => c.status?.actions() ?? [],
    counters: () => ({ ...c.counters }),
    drawStats: (editor) => c.decorations.drawStats(editor),
    decorationTypes: () => ({ alive: c.decorations.typeCount, created: c.decorations.created }),
    diagnosticsFor: (uri) => c.diagnostics?.of(uri) ?? [],
    liveState: (doc) => c.live?.whyNot(doc) ?? 'live',
    isRunning: (doc) => [...c.runs.values()].some((r) => r.doc === doc),
    panelMessage: () => AnalysisPanel.current?.lastMessage,
    panelAttention: () => AnalysisPanel.current?.lastAttention,
    labelText: async (text) => (await c.model.get())?.label(text, { strategy: c.config.aggregationStrategy }),
    // The counts are private to their owners; bracket access reads them without widening
    // those classes' interfaces for the sake of tests.
    resources: () => ({
      decorationTypes: c.decorations['types'].size,
      disposables: c['disposables'].length + (c.live?.['disposables'].length ?? 0),
      runs: c.runs.size,
      liveTimers: c.live?.['timers'].size ?? 0,
      pendingInference: c.model.loaded?.engine.pending ?? 0,
      workerRestarts: c.model.loaded?.engine.restarts ?? 0,
    }),
    killInferenceWorker: async () => {
      const engine = c.model.loaded?.engine;
      if (!engine) return false;
      await engine.killWorker();
      return true;
    },
    model: async () => {
      const l = await c.model.get();
      if (!l) return undefined;
      const cfg = l.bundle.config;
      return { name: cfg.name, dir: l.bundle.dir, labels: cfg.labels, sequenceLabels: cfg.sequenceLabels };
    },
  };
}

export function deactivate(): void {
  ctx?.dispose();
  ctx = undefined;
}
