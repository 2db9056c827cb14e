// The model host: loads the configured bundle lazily (on first use, with a progress
// notification), keeps one Labeler, and reports problems in words.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { Labeler } from '../core/labeler';
import type { Config } from '../config';

export class ModelHost implements vscode.Disposable {
  private loading: Promise<Labeler | undefined> | undefined;
  private current: Labeler | undefined;
  private lastProblems: readonly string[] = [];
  private readonly loadSteps = new Set<(labeler: Labeler) => Promise<void>>();

  constructor(
    private readonly extensionPath: string,
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * Runs `step` on every model loaded, before its first use (learning from corrections sets its
   * memory and adapted head there, so that no run labels without them).
   */
  onLoad(step: (labeler: Labeler) => Promise<void>): vscode.Disposable {
    this.loadSteps.add(step);
    return { dispose: () => this.loadSteps.delete(step) };
  }

  /** What was wrong with the last bundle that failed to load (empty after a good load). */
  get problems(): readonly string[] {
    return this.lastProblems;
  }

  get defaultModelDir(): string {
    return path.join(this.extensionPath, 'models', 'default');
  }

  get modelDir(): string {
    return this.config.modelPath ?? this.defaultModelDir;
  }

  /** The loaded labeler, if any, without loading. */
  get loaded(): Labeler | undefined {
    return this.current;
  }

  /** The labeler, loading it first if needed; undefined (after telling the user) on failure. */
  get(): Promise<Labeler | undefined> {
    if (this.current?.engine.alive) return Promise.resolve(this.current);
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async load(): Promise<Labeler | undefined> {
    void this.warnIfWorkspaceModelIgnored();
    const dir = this.modelDir;
    this.log.info(`loading model bundle ${dir}`);
    const t0 = performance.now();
    const result = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BERT+LSTM: loading model ${path.basename(dir)}…` },
      () => Labeler.open(dir, { threads: this.config.threads, workers: this.config.workers }),
    );
    if (!result.ok) {
      this.lastProblems = result.problems;
      for (const p of result.problems) this.log.error(p);
      void vscode.window
        .showErrorMessage(`BERT+LSTM: the model in ${dir} cannot be used: ${result.problems.join('; ')}`, 'Show Log')
        .then((a) => {
          if (a) this.log.show();
        });
      return undefined;
    }
    const labeler = result.value;
    this.lastProblems = [];
    labeler.engine.onCrash = (message, restarting) => {
      this.log.error(message);
      void vscode.window.showErrorMessage(
        restarting
          ? `BERT+LSTM: ${message}. It is being started again; labeling goes on.`
          : `BERT+LSTM: ${message}. The model will be loaded again on the next run.`,
      );
    };
    for (const step of this.loadSteps) {
      await step(labeler).catch((e: unknown) => this.log.error(`after loading the model: ${(e as Error).message}`));
    }
    await this.current?.dispose();
    this.current = labeler;
    this.loadedThreads = this.config.threads;
    this.loadedWorkers = this.config.workers;
    const c = labeler.bundle.config;
    this.log.info(
      `loaded "${c.name}" (${c.architecture}, ${c.labels.length} token labels, ${c.sequenceLabels.length} sequence labels, ` +
        `max length ${c.maxLength}) in ${(performance.now() - t0).toFixed(0)} ms, ` +
        `${labeler.engine.workers} inference worker${labeler.engine.workers === 1 ? '' : 's'}`,
    );
    return labeler;
  }

  private loadedThreads = 0;
  private loadedWorkers = 0;

  /** Tells the user when an untrusted workspace's model path is not loaded, and what is used instead. */
  private async warnIfWorkspaceModelIgnored(): Promise<void> {
    const ignored = await this.config.ignoredWorkspaceModelPath();
    if (!ignored) return;
    const instead = this.config.modelPath ? `the model path from your user settings (${this.config.modelPath})` : 'the default model';
    const message =
      `BERT+LSTM: this workspace is not trusted, so the model path in its settings (${ignored.value}, set in ${ignored.file}) ` +
      `is not loaded. ${instead[0].toUpperCase()}${instead.slice(1)} is used instead. Trust the workspace to use its model.`;
    this.log.warn(message);
    const action = await vscode.window.showWarningMessage(message, 'Manage Workspace Trust');
    if (action) await vscode.commands.executeCommand('workbench.trust.manage');
  }

  /**
   * Checks a bundle the way loading it would (files, tokenizer, ONNX Runtime session, inputs and
   * outputs against the config) without using it: the problems, empty when it can be used.
   * Select Model calls this before it changes the setting, so that a bad bundle never replaces
   * the model in use.
   */
  async check(dir: string): Promise<readonly string[]> {
    const opened = await Labeler.open(dir, { threads: 1 });
    if (!opened.ok) return opened.problems;
    await opened.value.dispose();
    return [];
  }

  /**
   * After a settings change: forget the loaded model if it is no longer the configured one (the
   * next use loads that). Returns whether it was dropped.
   */
  async reset(): Promise<boolean> {
    if (
      this.current &&
      this.current.bundle.dir === this.modelDir &&
      this.loadedThreads === this.config.threads &&
      this.loadedWorkers === this.config.workers
    ) {
      return false;
    }
    const old = this.current;
    this.current = undefined;
    await old?.dispose();
    return true;
  }

  /** Forgets the loaded model; the next use loads it again, load steps and all (a window reload's stand-in for the tests). */
  async unload(): Promise<void> {
    const old = this.current;
    this.current = undefined;
    await old?.dispose();
  }

  dispose(): void {
    void this.current?.dispose();
  }
}
