// Learning from the user in the editor (docs/ADAPT.md): the instant tier and the retrained head.
//
// - The memory: every correction and accepted label of an open document is remembered with the
//   features the model gives its word (core/adapt/memory.ts), as soon as the corrections store
//   says the document's corrections changed; a closed document's stay remembered (its sidecar
//   keeps them), until the model changes. The open documents are then labeled again through
//   their segment caches, so only the segments that hold a remembered word run again and the
//   label shows within a model run of one segment or two. The labeler consults the memory.
// - Learn from Corrections: every corrected or accepted word of the workspace (its sidecars, and
//   the open documents' corrections, saved or not) with its features, the head retrained in a
//   worker thread from the shipped weights and regularised toward them, cross-validated; the new
//   head is used and saved (atomically, stamped with the model's identity) only when it is
//   better on held-out words. It runs by itself every `learning.autoEvery` new examples.
// - The saved head is read when a model loads (ModelHost.onLoad, before the first run); a head
//   for another model or a damaged file is refused in words and the model's own head is used.
//   Revert to Base Model removes it.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AdaptedHeadInfo } from '../core/adapt/head_file';
import { adaptedHeadInfo, collectExamples, userWordAnnotations, type TrainingDocument } from '../core/adapt/learn';
import { CorrectionMemory, type ExampleSource } from '../core/adapt/memory';
import { learnInWorker } from '../core/adapt/train_client';
import { readSidecarDocument } from '../core/adapt/training_files';
import { DEFAULT_MEMORY_WEIGHT, type Labeler } from '../core/labeler';
import type { Config } from '../config';
import type { CorrectionsStore } from '../corrections/store';
import type { LabelStore } from '../labeling/label_store';
import type { LiveLabeling } from '../labeling/live';
import type { ModelHost } from '../labeling/model_host';
import type { LabelingRuns } from '../labeling/runs';
import { headFilePath, readWorkspaceHead, removeWorkspaceHead, writeWorkspaceHead } from './head_store';

/** A remembered example of a document: its features, label and (mutable) source. */
interface Example {
  readonly features: Float32Array;
  readonly label: string;
  readonly source: { file: string; line: number; word: string; kind: ExampleSource['kind'] };
}

/** What Learn from Corrections did, in words and numbers (the command's result, for tests too). */
export interface LearnOutcome {
  readonly kept: boolean;
  readonly message: string;
  readonly tokens: number;
  readonly before?: number;
  readonly after?: number;
  readonly file?: string;
}

/** What the tests and the status bar read. */
export interface LearningState {
  readonly memorySize: number;
  readonly adapted: AdaptedHeadInfo | undefined;
  readonly off: string | undefined;
  readonly sinceLearn: number;
  /** Milliseconds from the last change of corrections to the open documents labeled with it. */
  readonly lastMemoryMs: number | undefined;
}

export class Learning implements vscode.Disposable {
  private labeler: Labeler | undefined;
  private memory: CorrectionMemory | undefined;
  /** Per document (URI): its remembered examples by key (label, source, text, ordinal). */
  private readonly docs = new Map<string, Map<string, Example>>();
  private readonly syncs = new Map<string, Promise<void>>();
  private sinceLearn = 0;
  private running: Promise<LearnOutcome> | undefined;
  private lastMemoryMs: number | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the memory or the head in use changed. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly model: ModelHost,
    private readonly labels: LabelStore,
    private readonly corrections: CorrectionsStore,
    private readonly live: LiveLabeling,
    private readonly runs: LabelingRuns,
  ) {
    this.disposables.push(
      this.changed,
      model.onLoad((l) => this.attach(l)),
      corrections.onDidChange((doc) => this.sync(doc)),
    );
  }

  state(): LearningState {
    return {
      memorySize: this.memory?.size ?? 0,
      adapted: this.labeler?.adaptedInfo,
      off: this.labeler?.learningOff,
      sinceLearn: this.sinceLearn,
      lastMemoryMs: this.lastMemoryMs,
    };
  }

  /** A model was loaded: its memory is made, the workspace's head read, the open documents' corrections remembered. */
  private async attach(labeler: Labeler): Promise<void> {
    this.labeler = labeler;
    this.docs.clear();
    this.memory = undefined;
    for (const w of labeler.warnings) {
      this.log.warn(w);
      void vscode.window.showWarningMessage(`BERT+LSTM: ${w}`);
    }
    if (labeler.learningOff) {
      this.log.info(labeler.learningOff);
      return;
    }
    this.memory = labeler.newMemory(this.config.learningMemoryThreshold);
    if (this.config.learningMemory) labeler.setMemory(this.memory, DEFAULT_MEMORY_WEIGHT);
    await this.loadHead(labeler);
    // the open documents' corrections, once the model is in use (their features need it)
    setTimeout(() => {
      for (const doc of vscode.workspace.textDocuments) if (this.corrections.corrections(doc).length) this.sync(doc);
    }, 0);
  }

  /**
   * `learning.memory` or `learning.memoryThreshold` changed: the memory is used or not, with
   * the new threshold (its examples kept), and the open documents are labeled again.
   */
  followSettings(): void {
    const labeler = this.labeler;
    if (!labeler || labeler.learningOff || !this.memory) return;
    if (this.memory.threshold !== this.config.learningMemoryThreshold) {
      this.memory = labeler.newMemory(this.config.learningMemoryThreshold);
      for (const examples of this.docs.values()) for (const e of examples.values()) this.memory.add(e.features, 0, e.label, e.source);
    }
    labeler.setMemory(this.config.learningMemory ? this.memory : undefined, DEFAULT_MEMORY_WEIGHT);
    this.changed.fire();
    void this.relabelOpen();
  }

  private async loadHead(labeler: Labeler): Promise<void> {
    const file = headFilePath(this.config);
    if (!file || labeler.adaptedHead) return; // a bundle's own adapted head comes first
    const read = await readWorkspaceHead(file, () => labeler.headTarget());
    if (!read) return;
    if (!read.ok) {
      const message = `${read.problems.join('; ')}; the model's own head is used`;
      this.log.warn(message);
      void vscode.window.showWarningMessage(`BERT+LSTM: ${message}.`);
      return;
    }
    labeler.setHead(read.value.head, read.value.info);
    this.log.info(`the adapted head in ${file} is used (learned from ${read.value.info.tokens} words)`);
  }

  /** Remembers the document's corrections (one sync per document at a time; a change during one runs after it). */
  private sync(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    const t0 = performance.now();
    const next = (this.syncs.get(key) ?? Promise.resolve())
      .then(() => this.syncNow(doc, t0))
      .catch((e: unknown) => {
        this.log.error(`remembering the corrections of ${vscode.workspace.asRelativePath(doc.uri)}: ${(e as Error).message}`);
      });
    this.syncs.set(key, next);
    void next.finally(() => {
      if (this.syncs.get(key) === next) this.syncs.delete(key);
    });
  }

  private async syncNow(doc: vscode.TextDocument, t0: number): Promise<void> {
    const labeler = this.labeler;
    let memory = this.memory;
    if (!labeler || !memory || doc.isClosed) return;
    const text = doc.getText();
    const name = vscode.workspace.asRelativePath(doc.uri);
    const usable = userWordAnnotations(labeler, text, this.corrections.corrections(doc));
    const prev = this.docs.get(doc.uri.toString()) ?? new Map<string, Example>();
    const next = new Map<string, Example>();
    const missing: Array<{ key: string; a: (typeof usable)[number] }> = [];
    const ordinal = new Map<string, number>();
    for (const a of usable) {
      const base = `${a.label}\u0000${a.source}\u0000${a.text}`;
      const n = ordinal.get(base) ?? 0;
      ordinal.set(base, n + 1);
      const key = `${base}\u0000${n}`;
      const kept = prev.get(key);
      if (kept) {
        kept.source.line = doc.positionAt(a.start).line + 1; // lines move with edits; the hover reads this object
        kept.source.file = name;
        next.set(key, kept);
      } else missing.push({ key, a });
    }
    const removed = [...prev.keys()].some((k) => !next.has(k));
    if (!missing.length && !removed) return;
    if (missing.length) {
      const f = await labeler.wordFeatures(
        text,
        missing.map((m) => m.a),
        this.config.labelOptions(),
      );
      if (!f.ok) {
        this.log.warn(`the corrections of ${name} are not remembered: ${f.problems.join('; ')}`);
        return;
      }
      missing.forEach(({ key, a }, i) => {
        const features = f.value.features[i];
        if (!features) return;
        const kind = a.source === 'corrected' ? 'correction' : 'accepted';
        next.set(key, { features, label: a.label, source: { file: name, line: doc.positionAt(a.start).line + 1, word: a.text, kind } });
      });
    }
    if (this.labeler !== labeler || doc.isClosed || !this.memory) return; // another model meanwhile
    memory = this.memory; // a new threshold meanwhile makes a new memory (followSettings)
    memory.forgetFile(name);
    for (const e of next.values()) memory.add(e.features, 0, e.label, e.source);
    this.docs.set(doc.uri.toString(), next);
    this.sinceLearn += missing.length;
    this.changed.fire();
    await this.relabelOpen();
    this.lastMemoryMs = performance.now() - t0;
    this.log.info(
      `remembered ${next.size} corrected or accepted words of ${name} (${memory.size} in all); open documents relabeled in ${this.lastMemoryMs.toFixed(0)} ms`,
    );
    this.maybeLearnByItself();
  }

  /**
   * The open documents that have labels, labeled again through their caches (only changed
   * segments run). A run going started without the change: it ends first (a new request for
   * the same version would join it), then the document is labeled again.
   */
  private async relabelOpen(): Promise<void> {
    const runs: Array<Promise<unknown>> = [];
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isClosed) continue;
      const going = this.runs.runningFor(doc)?.promise;
      runs.push(
        (async () => {
          await going?.catch(() => undefined);
          if (!doc.isClosed && this.labels.get(doc)) await this.live.labelDocument(doc);
        })(),
      );
    }
    await Promise.all(runs);
  }

  private maybeLearnByItself(): void {
    const every = this.config.learningAutoEvery;
    if (every > 0 && this.sinceLearn >= every && !this.running) {
      this.log.info(`${this.sinceLearn} new corrections since the last learning: learning from corrections`);
      void this.learn(true);
    }
  }

  /** Learn from Corrections (joined when one is going). */
  learn(auto = false): Promise<LearnOutcome> {
    this.running ??= this.learnNow(auto).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async learnNow(auto: boolean): Promise<LearnOutcome> {
    const labeler = await this.model.get();
    if (!labeler) return { kept: false, message: 'no model is loaded', tokens: 0 };
    if (labeler.learningOff || !labeler.baseHead) {
      const message = labeler.learningOff ?? 'the model has no token head';
      if (!auto) void vscode.window.showWarningMessage(`BERT+LSTM: ${message}.`);
      return { kept: false, message, tokens: 0 };
    }
    const base = labeler.baseHead;
    const outcome = await vscode.window.withProgress(
      {
        location: auto ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification,
        title: 'BERT+LSTM: learning from corrections',
        cancellable: !auto,
      },
      async (progress, token): Promise<LearnOutcome> => {
        const controller = new AbortController();
        token?.onCancellationRequested(() => controller.abort());
        progress.report({ message: 'reading the corrections…' });
        const docs = await this.trainingDocuments();
        this.sinceLearn = 0;
        const collected = await collectExamples(labeler, docs, { signal: controller.signal, stride: this.config.stride });
        if (!collected.ok) return { kept: false, message: collected.problems.join('; '), tokens: 0 };
        const { examples, labelCounts, documents, skipped } = collected.value;
        if (skipped.length) this.log.info(`learning from corrections: left out ${skipped.join('; ')}`);
        if (!examples.count) return { kept: false, message: 'there are no corrected or accepted words to learn from yet', tokens: 0 };
        progress.report({ message: `retraining on ${examples.count} words…` });
        const learned = await learnInWorker(base, examples, {}, controller.signal);
        const what = `${examples.count} words (${labelCounts.size} labels, ${documents} document${documents === 1 ? '' : 's'})`;
        if (!learned.better) {
          return {
            kept: false,
            message: `learned from ${what}: ${learned.verdict}; the model is kept as it is`,
            tokens: examples.count,
            ...cvOf(learned),
          };
        }
        const info: AdaptedHeadInfo = await adaptedHeadInfo(labeler, collected.value, learned);
        const file = headFilePath(this.config);
        let saved = '';
        if (file) {
          try {
            await writeWorkspaceHead(file, { head: learned.head, info });
            saved = `; saved in ${vscode.workspace.asRelativePath(file)}`;
          } catch (e) {
            saved = `; it could not be saved in ${file} (${(e as Error).message}), so it lasts until the window closes`;
          }
        } else saved = '; with no workspace folder it lasts until the window closes';
        if (this.model.loaded !== labeler && this.labeler !== labeler) {
          return { kept: false, message: 'the model changed while learning; nothing was changed', tokens: examples.count };
        }
        labeler.setHead(learned.head, info);
        this.changed.fire();
        void this.relabelOpen();
        return { kept: true, message: `learned from ${what}: ${learned.verdict}${saved}`, tokens: examples.count, file, ...cvOf(learned) };
      },
    );
    this.log.info(`learning from corrections: ${outcome.message}`);
    if (!auto || outcome.kept) void vscode.window.showInformationMessage(`BERT+LSTM: ${outcome.message}.`);
    return outcome;
  }

  /** Revert to Base Model: the model's own head again, and the workspace's head file removed. */
  async revert(): Promise<boolean> {
    const labeler = await this.model.get();
    const file = headFilePath(this.config);
    let removed = false;
    if (file) {
      try {
        removed = await removeWorkspaceHead(file);
      } catch (e) {
        void vscode.window.showErrorMessage(`BERT+LSTM: ${file} could not be removed: ${(e as Error).message}`);
        return false;
      }
    }
    const had = !!labeler?.adaptedHead;
    labeler?.setHead(undefined);
    this.changed.fire();
    if (had) await this.relabelOpen();
    const message = had || removed ? "the model's own head is used again" : 'the model already uses its own head';
    void vscode.window.showInformationMessage(`BERT+LSTM: ${message}.`);
    return had || removed;
  }

  /** Every document with the user's labels: the open ones as they are at that moment, and the workspace's sidecars of the others. */
  private async trainingDocuments(): Promise<TrainingDocument[]> {
    const docs: TrainingDocument[] = [];
    const open = new Set<string>();
    for (const doc of vscode.workspace.textDocuments) {
      if (doc.isClosed) continue;
      await this.corrections.ensure(doc);
      const anns = this.corrections.corrections(doc);
      if (doc.uri.scheme === 'file') open.add(doc.uri.fsPath);
      if (anns.length) docs.push({ name: vscode.workspace.asRelativePath(doc.uri), text: doc.getText(), annotations: anns });
    }
    const loc = this.config.sidecarLocation;
    if (path.isAbsolute(loc.folder)) return docs; // sidecars outside the workspace: only the open documents'
    const up = loc.folder.split(/[\\/]/).filter((p) => p && p !== '.');
    for (const uri of await vscode.workspace.findFiles(`**/*${loc.suffix}`, '**/node_modules/**', 10_000)) {
      const file = uri.fsPath;
      const docPath = path.join(path.resolve(path.dirname(file), ...up.map(() => '..')), path.basename(file).slice(0, -loc.suffix.length));
      if (open.has(docPath)) continue;
      const read = await readSidecarDocument(file, undefined, docPath);
      if (!read.ok) {
        this.log.warn(`learning from corrections: ${read.problems.join('; ')}`);
        continue;
      }
      docs.push(...read.value.map((d) => ({ ...d, name: vscode.workspace.asRelativePath(d.name) })));
    }
    return docs;
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

const cvOf = (l: { cv?: { before: number; after: number } }): { before?: number; after?: number } =>
  l.cv ? { before: l.cv.before, after: l.cv.after } : {};
