// Activation: builds the context, registers the features, and returns the extension's API.
// Nothing heavy happens here: the model loads on first use.
import * as vscode from 'vscode';
import type { LabeledText, WordLabel } from './core/labeler';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import type { DecorationSnapshot } from './decorations';
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
  /** What was wrong with the last model that failed to load. */
  modelProblems(): readonly string[];
  /** The last scores message the analysis panel was sent, if it is open. */
  panelMessage(): HostMessage | undefined;
  /** The last attention message the analysis panel was sent, if it is open. */
  panelAttention(): HostMessage | undefined;
  /** The current model, loading it if needed. */
  model(): Promise<{ name: string; dir: string; labels: readonly string[]; sequenceLabels: readonly string[] } | undefined>;
}

let ctx: Ctx | undefined;

export function activate(context: vscode.ExtensionContext): BertLstmApi {
  const t0 = performance.now();
  ctx = new Ctx(context);
  const c = ctx;
  context.subscriptions.push(c);
  registerCommands(c);
  registerPanel(c);
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
      for (const e of editors) c.redraw(e.document);
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      // Labels belong to one version. Live documents keep their decorations, which VS Code
      // moves with the text, until the relabel; others drop them at once.
      if (e.contentChanges.length && c.store.get(e.document) && !c.live?.applies(e.document)) c.redraw(e.document);
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      c.runs.get(doc.uri.toString())?.controller.abort();
      c.store.delete(doc);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (c.config.affects(e, 'modelPath') || c.config.affects(e, 'threads')) {
        if (await c.model.reset()) {
          c.log.info('model settings changed: reloading the model and relabeling open documents');
          c.live?.reset();
          c.live?.labelVisible();
        }
      }
      if (c.config.affects(e, 'hiddenLabels') || c.config.affects(e, 'confidenceThreshold')) {
        for (const editor of vscode.window.visibleTextEditors) c.redraw(editor.document);
      }
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
    panelMessage: () => AnalysisPanel.current?.lastMessage,
    panelAttention: () => AnalysisPanel.current?.lastAttention,
    labelText: async (text) => (await c.model.get())?.label(text, { strategy: c.config.aggregationStrategy }),
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
