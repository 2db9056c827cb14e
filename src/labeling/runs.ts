// Labeling runs: the one owner of the runs going and of their rules, and of the run counters.
// - One run per document: a new run aborts the one going for that document.
// - A whole-document run for the version being labeled is joined, not repeated; a selection
//   run is never joined.
// - A run's labels are stored and drawn only if it was not aborted and the document is still
//   open at the version it labeled; otherwise the run counts as cancelled.
// - A run still going after PROGRESS_DELAY_MS shows a progress notification with Cancel.
// Everyone else asks this service (labelDocument, labelSelection, cancel, abort, isRunning);
// nobody else reads or changes the runs or the counters.
import * as vscode from 'vscode';
import { CancelledError } from '../core/engine';
import type { LabeledText, Labeler } from '../core/labeler';
import { expandToWords, mergeRanges } from '../core/ranges';
import type { SegmentCache } from '../core/segments';
import { spliceLabels } from '../core/splice';
import type { Config } from '../config';
import type { Display } from '../display/display';
import { displayName } from '../editors';
import type { LabelStore } from './label_store';
import type { ModelHost } from './model_host';
import { DocumentProse } from './prose';

/** A labeling run still going after this long gets a progress notification with Cancel. */
export const PROGRESS_DELAY_MS = 1000;

export interface LabelingRun {
  /** A whole-document run can be joined by another request for the same version; a selection run cannot. */
  readonly kind: 'document' | 'selection';
  readonly doc: vscode.TextDocument;
  readonly version: number;
  readonly controller: AbortController;
  readonly promise: Promise<LabeledText | undefined>;
}

/** Counts of labeling runs since activation (exported through the test API). */
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

/** What a run's work gives back: the labels to store for `version`, and what the run returns. */
interface RunOutcome {
  readonly version: number;
  readonly stored: LabeledText;
  readonly result: LabeledText;
}

type Work = (labeler: Labeler, signal: AbortSignal) => Promise<RunOutcome>;

export class LabelingRuns implements vscode.Disposable {
  /** Per document URI: the run in progress, so that a newer run can cancel or join it. */
  private readonly runs = new Map<string, LabelingRun>();
  private readonly counts: RunCounters = { started: 0, completed: 0, cancelled: 0, segmentsRun: 0, segmentsTotal: 0, progressShown: 0 };
  /** Runs whose work is still going (a superseded run counts until it stops). */
  private working = 0;
  private readonly busyChanged = new vscode.EventEmitter<void>();
  /** Fires when a run starts or ends its work (the status bar's spinner). */
  readonly onDidChangeBusy = this.busyChanged.event;
  /** What of each document is labeled (its prose, or all of it). */
  private readonly prose: DocumentProse;

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly model: ModelHost,
    private readonly labels: LabelStore,
    private readonly display: Display,
  ) {
    this.prose = new DocumentProse(config, log);
  }

  /** Whether any run's work is going. */
  get busy(): boolean {
    return this.working > 0;
  }

  /** Runs in progress (one per document at most). */
  get size(): number {
    return this.runs.size;
  }

  counters(): Readonly<RunCounters> {
    return { ...this.counts };
  }

  /** Whether a labeling run is going for the document. */
  isRunning(doc: vscode.TextDocument): boolean {
    for (const r of this.runs.values()) if (r.doc === doc) return true;
    return false;
  }

  /** The runs going now (a settings change cancels these and only these). */
  snapshot(): ReadonlySet<LabelingRun> {
    return new Set(this.runs.values());
  }

  /** The whole-document run going for the document at its current version, if any. */
  runningFor(doc: vscode.TextDocument): LabelingRun | undefined {
    const r = this.runs.get(doc.uri.toString());
    return r && r.doc === doc && r.version === doc.version ? r : undefined;
  }

  /**
   * Labels a whole document and draws the labels; undefined if it was superseded, cancelled or
   * failed. A run already going for the same version of the document is joined, not repeated; a
   * run for an older version is aborted.
   */
  labelDocument(doc: vscode.TextDocument, cache?: SegmentCache): Promise<LabeledText | undefined> {
    const running = this.runs.get(doc.uri.toString());
    if (
      running &&
      running.kind === 'document' &&
      running.doc === doc &&
      running.version === doc.version &&
      !running.controller.signal.aborted
    ) {
      return running.promise;
    }
    return this.start(doc, 'document', `labeling ${displayName(doc)}`, async (labeler, signal) => {
      const version = doc.version;
      const text = doc.getText();
      const ranges = await this.prose.rangesFor(doc, text, signal);
      const result = await labeler.label(text, { ...this.config.labelOptions(), signal, cache, ranges });
      return { version, stored: result, result };
    });
  }

  /**
   * Labels the text of the editor's selections only (each on its own, offsets mapped back to the
   * document) and puts those labels in place of the document's labels in those ranges. Returns
   * the selections' labels with document offsets; undefined (after saying so) without a selection.
   */
  labelSelection(editor: vscode.TextEditor): Promise<LabeledText | undefined> {
    const doc = editor.document;
    const text = doc.getText();
    const version = doc.version;
    // a selection that cuts a word takes the whole word (the model labels words, not parts)
    const ranges = mergeRanges(
      editor.selections
        .filter((s) => !s.isEmpty)
        .map((s) => expandToWords(text, { start: doc.offsetAt(s.start), end: doc.offsetAt(s.end) })),
    );
    if (!ranges.length) {
      void vscode.window.showInformationMessage('BERT+LSTM: select the text to label first.');
      return Promise.resolve(undefined);
    }
    return this.start(doc, 'selection', `labeling the selection in ${displayName(doc)}`, async (labeler, signal) => {
      let stored = this.labels.current(doc);
      let selected: LabeledText | undefined;
      for (const r of ranges) {
        const part = await labeler.label(text.slice(r.start, r.end), { ...this.config.labelOptions(), signal });
        stored = spliceLabels(stored, part, r);
        selected = spliceLabels(selected, part, r);
      }
      return { version, stored: stored!, result: selected! };
    });
  }

  /** Cancels the runs going for a document (all documents without one); returns how many. */
  cancel(doc?: vscode.TextDocument): number {
    let n = 0;
    for (const run of [...this.runs.values()]) {
      if (doc && run.doc !== doc) continue;
      if (!run.controller.signal.aborted) n++;
      run.controller.abort();
    }
    return n;
  }

  /** Aborts the run going for the document, whatever its version (an edit made it obsolete). */
  abort(doc: vscode.TextDocument): void {
    this.runs.get(doc.uri.toString())?.controller.abort();
  }

  /**
   * Starts a labeling run for a document: aborts the one going, counts it, marks the service busy
   * while its work goes, and shows a progress notification with Cancel if it is still going after
   * PROGRESS_DELAY_MS.
   */
  private start(doc: vscode.TextDocument, kind: LabelingRun['kind'], title: string, work: Work): Promise<LabeledText | undefined> {
    const key = doc.uri.toString();
    this.runs.get(key)?.controller.abort();
    const controller = new AbortController();
    this.counts.started++;
    const promise = this.whileBusy(this.execute(doc, controller, work));
    const run: LabelingRun = { kind, doc, version: doc.version, controller, promise };
    this.runs.set(key, run);
    const timer = setTimeout(() => this.showProgress(title, controller, promise), PROGRESS_DELAY_MS);
    void promise.finally(() => {
      clearTimeout(timer);
      if (this.runs.get(key) === run) this.runs.delete(key);
    });
    return promise;
  }

  private async whileBusy<T>(work: Promise<T>): Promise<T> {
    this.working++;
    this.busyChanged.fire();
    try {
      return await work;
    } finally {
      this.working--;
      this.busyChanged.fire();
    }
  }

  private showProgress(title: string, controller: AbortController, promise: Promise<unknown>): void {
    if (controller.signal.aborted) return;
    this.counts.progressShown++;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BERT+LSTM: ${title}…`, cancellable: true },
      async (_progress, token) => {
        const sub = token.onCancellationRequested(() => {
          this.log.info(`${title}: cancelled by the user`);
          controller.abort();
        });
        try {
          await promise;
        } finally {
          sub.dispose();
        }
      },
    );
  }

  /** The run itself: the model, the work, then the labels stored and drawn if still current. */
  private async execute(doc: vscode.TextDocument, controller: AbortController, work: Work): Promise<LabeledText | undefined> {
    const stale = (): undefined => {
      this.counts.cancelled++;
      return undefined;
    };
    try {
      const labeler = await this.model.get();
      if (!labeler) return undefined;
      if (controller.signal.aborted) return stale();
      const { version, stored, result } = await work(labeler, controller.signal);
      if (controller.signal.aborted || doc.isClosed || doc.version !== version) return stale(); // never drawn
      this.labels.set(doc, version, stored);
      this.counts.completed++;
      this.counts.segmentsRun += result.segments.run;
      this.counts.segmentsTotal += result.segments.total;
      await this.display.redraw(doc);
      this.log.info(
        `labeled ${displayName(doc)}: ${result.words.length} words, ${result.segments.run}/${result.segments.total} segments run, ` +
          `${result.timing.totalMs.toFixed(0)} ms (inference ${result.timing.inferenceMs.toFixed(0)} ms)`,
      );
      return result;
    } catch (e) {
      if (e instanceof CancelledError || controller.signal.aborted) return stale();
      this.log.error(`labeling ${doc.uri.toString()} failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`BERT+LSTM: labeling failed: ${(e as Error).message}`);
      return undefined;
    }
  }

  dispose(): void {
    for (const r of this.runs.values()) r.controller.abort();
    this.busyChanged.dispose();
    this.prose.dispose();
  }
}
