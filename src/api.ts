// What the extension exports. Other extensions get the labels and the model (`BertLstmApi`);
// the extension's own tests also get read-only hooks into the services (`BertLstmTestHooks`),
// and only when VS Code runs the extension in Test mode, so that no product build hands them out.
// Every hook reads a public accessor of its service; none reaches into private state.
import * as vscode from 'vscode';
import type { LabeledText, WordLabel } from './core/labeler';
import type { LearningState } from './adapt/learning';
import type { Container } from './container';
import type { ChoiceRow, LabelChoice } from './corrections/choices';
import { correctionPick } from './corrections/commands';
import type { AnnotationsSnapshot } from './corrections/store';
import { editorsOf } from './editors';
import type { DecorationSnapshot, DrawStats } from './display/decorations';
import type { StatusAction } from './display/status';
import type { NotLiveReason } from './labeling/live';
import type { RunCounters } from './labeling/runs';
import type { HostMessage } from './panel/protocol';

export interface BertLstmApi {
  readonly activationMs: number;
  /** The labels of a document at its current version, if labeled (whole: not the partial labels drawn while a run goes on). */
  labelsFor(doc: vscode.TextDocument): readonly WordLabel[] | undefined;
  /** The whole last result of a document at its current version (words, windows, segment stats). */
  resultFor(doc: vscode.TextDocument): LabeledText | undefined;
  /** Labels text with the current model and the configured options (loading the model if needed). */
  labelText(text: string): Promise<LabeledText | undefined>;
  /** The current model, loading it if needed, and the inference workers running it. */
  model(): Promise<
    { name: string; dir: string; labels: readonly string[]; sequenceLabels: readonly string[]; workers: number } | undefined
  >;
}

/** Read-only views of the services for the extension's own tests (Test mode only). */
export interface BertLstmTestHooks {
  /** The decorations this extension set on an editor. */
  decorationsFor(editor: vscode.TextEditor): DecorationSnapshot[];
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
  /** What the extension holds, counted for leak checks: nothing here may grow with use. */
  resources(): ExtensionResources;
  /** Ends the inference worker thread as a crash would (fault tests); false if no model is loaded. */
  killInferenceWorker(): Promise<boolean>;
  /** Learning from corrections: the memory's size, the adapted head in use, why it is off. */
  learningState(): LearningState;
  /** Whether the review key (Accept Label and Next) is live at this moment. */
  reviewing(): boolean;
  /** The corrections state of the document worked on. */
  annotationsState(): AnnotationsSnapshot | undefined;
  /** The choices Correct Label offers at the cursor of the document worked on. */
  correctionChoices(): Promise<readonly LabelChoice[] | undefined>;
  /** The correction pick's rows there: number, label and description, probability. */
  correctionRows(): Promise<readonly ChoiceRow[] | undefined>;
  /** Forgets the loaded model; the next use loads it again as a new window would (load steps and all). */
  unloadModel(): Promise<void>;
  /** The mode VS Code runs the extension in (the tests check that it is Test). */
  readonly extensionMode: vscode.ExtensionMode;
}

export type BertLstmTestApi = BertLstmApi & BertLstmTestHooks;

export interface ExtensionResources {
  /** Text editor decoration types created (one per label and confidence bucket, reused). */
  readonly decorationTypes: number;
  /** Event subscriptions and other disposables of the container and the documents module. */
  readonly disposables: number;
  /** Labeling runs in progress and live-labeling timers waiting. */
  readonly runs: number;
  readonly liveTimers: number;
  /** Inference requests queued or running in the worker; worker restarts after crashes. */
  readonly pendingInference: number;
  readonly workerRestarts: number;
}

export function productApi(c: Container, activationMs: number): BertLstmApi {
  return {
    activationMs,
    labelsFor: (doc) => c.labels.complete(doc)?.words,
    resultFor: (doc) => c.labels.complete(doc),
    labelText: async (text) => (await c.model.get())?.label(text, c.config.labelOptions()),
    model: async () => {
      const l = await c.model.get();
      if (!l) return undefined;
      const cfg = l.bundle.config;
      return { name: cfg.name, dir: l.bundle.dir, labels: cfg.labels, sequenceLabels: cfg.sequenceLabels, workers: l.engine.workers };
    },
  };
}

/** The correction pick at the cursor of the document worked on (its editor shown again if need be). */
async function pick(c: Container): ReturnType<typeof correctionPick> {
  const editor = await c.working.editorOr();
  return editor && correctionPick(c, editor);
}

export function testHooks(c: Container): BertLstmTestHooks {
  return {
    extensionMode: c.extensionContext.extensionMode,
    decorationsFor: (editor) => c.display.decorations.snapshot(editor),
    modelProblems: () => c.model.problems,
    statusText: () => c.status.text,
    statusTooltip: () => c.status.tooltip,
    statusActions: () => c.status.actions(),
    counters: () => c.runs.counters(),
    drawStats: (editor) => c.display.decorations.drawStats(editor),
    decorationTypes: () => ({ alive: c.display.decorations.typeCount, created: c.display.decorations.created }),
    diagnosticsFor: (uri) => c.diagnostics.of(uri),
    liveState: (doc) => c.live.whyNot(doc) ?? 'live',
    isRunning: (doc) => c.runs.isRunning(doc),
    panelMessage: () => c.panels.lastMessage,
    panelAttention: () => c.panels.lastAttention,
    resources: () => ({
      decorationTypes: c.display.decorations.typeCount,
      disposables: c.disposableCount + c.documents.subscriptionCount,
      runs: c.runs.size,
      liveTimers: c.live.resourceCounts().timers,
      pendingInference: c.model.loaded?.engine.pending ?? 0,
      workerRestarts: c.model.loaded?.engine.restarts ?? 0,
    }),
    learningState: () => c.learning.state(),
    reviewing: () => c.reviewMode.reviewing,
    annotationsState: () => {
      const doc = c.working.document();
      return doc && c.corrections.snapshot(doc, editorsOf(doc)[0]);
    },
    correctionChoices: async () => (await pick(c))?.choices,
    correctionRows: async () => (await pick(c))?.rows,
    unloadModel: () => c.model.unload(),
    killInferenceWorker: async () => {
      const engine = c.model.loaded?.engine;
      if (!engine) return false;
      await engine.killWorker();
      return true;
    },
  };
}
