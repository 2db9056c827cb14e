// Labeling runs: the one owner of the runs going and of their rules, and of the run counters.
// - One run per document: a new run aborts the one going for that document.
// - A whole-document run for the version being labeled is joined, not repeated; a selection
//   run is never joined.
// - A run's labels are stored and drawn only if it was not aborted and the document is still
//   open at the version it labeled; otherwise the run counts as cancelled.
// - A run still going after PROGRESS_DELAY_MS shows a progress notification with Cancel and
//   the fraction of segments done; the status bar shows the same fraction (`progress`).
// - A whole-document run labels the segments nearest its editors' visible ranges and cursors
//   first, and draws the labels it has as soon as the visible segments have theirs, then again
//   whenever the lines in view (or the cursors) have moved and their segments are labeled
//   (partial labels, stored as such), before the whole labels at the end. Not on a clock: a
//   draw of a long document's partial labels costs the workbench about what the final draw
//   does, and redrawing lines already on screen would show nothing new.
// - A run started to keep labels near continuous typing (`throughEdits`) is not aborted by the
//   edits that follow; when it ends, its labels are carried onto the document as it is
//   (core/carry.ts: the words the edits did not touch) and shown as partial labels.
// Everyone else asks this service (labelDocument, labelSelection, cancel, abort, isRunning);
// nobody else reads or changes the runs or the counters.
import * as vscode from 'vscode';
import { carryLabels } from '../core/carry';
import { CancelledError } from '../core/engine';
import { SEGMENTS_PER_CHUNK, type LabeledText, type Labeler, type LabelProgress } from '../core/labeler';
import { expandToWords, mergeRanges, type OffsetRange } from '../core/ranges';
import type { SegmentCache } from '../core/segments';
import { spliceLabels } from '../core/splice';
import type { Config } from '../config';
import type { Display } from '../display/display';
import { displayName, editorsOf } from '../editors';
import type { LabelStore } from './label_store';
import type { ModelHost } from './model_host';
import type { DocumentProse } from './prose';

/** A labeling run still going after this long gets a progress notification with Cancel. */
export const PROGRESS_DELAY_MS = 1000;
/** Partial labels are drawn at most this often (and never more often than 4x the time one draw took). */
export const PARTIAL_DRAW_INTERVAL_MS = 1000;
/** Lines above and below an editor's visible ranges that its run labels first. */
const PRIORITY_MARGIN_LINES = 10;
/** Cursors of an editor whose lines its run labels first (each range is measured against every segment). */
const MAX_PRIORITY_CURSORS = 16;

/** How far a run is: segments labeled by the model so far, of those it runs. */
export interface RunProgress {
  readonly done: number;
  readonly total: number;
}

/** A run's progress in words: "37 of 120 segments (31%)". */
export function progressMessage(p: RunProgress): string {
  const pct = p.total ? Math.floor((100 * p.done) / p.total) : 100;
  return `${p.done.toLocaleString('en-US')} of ${p.total.toLocaleString('en-US')} segments (${pct}%)`;
}

export interface LabelingRun {
  /** A whole-document run can be joined by another request for the same version; a selection run cannot. */
  readonly kind: 'document' | 'selection';
  readonly doc: vscode.TextDocument;
  readonly version: number;
  readonly controller: AbortController;
  readonly promise: Promise<LabeledText | undefined>;
  /** Edits do not abort it: its labels are carried onto the document as it is when it ends. */
  readonly throughEdits: boolean;
  /** Segments done of those to run, once the text is segmented. */
  progress?: RunProgress;
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
  /** Progress figures reported (notification and status bar), with a fraction each. */
  progressReported: number;
  /** Partial labels drawn while a run went on (the visible lines first). */
  partialDraws: number;
  /** Runs whose labels were carried through edits made meanwhile (continuous typing). */
  carried: number;
}

/** What a run's work gives back: the labels to store for `version`, and what the run returns. */
interface RunOutcome {
  readonly version: number;
  readonly stored: LabeledText;
  readonly result: LabeledText;
  /** The stored labels cover only part of the document (carried through edits). */
  readonly partial?: boolean;
}

type Work = (labeler: Labeler, signal: AbortSignal, run: LabelingRun) => Promise<RunOutcome>;

/** What a run must do while it goes (set by `start`, read by its work). */
interface RunState {
  /** The partial draw going, awaited before the run's own labels are stored. */
  drawing?: Promise<void>;
  /** When the next partial draw may start. */
  nextDrawAt: number;
  /** The lines in view and the cursors (`viewKey`) when the last partial draw started; undefined before the first. */
  drawnView?: string;
  finished: boolean;
  /** The last partial labels this run stored. */
  partialShown?: LabeledText;
}

export class LabelingRuns implements vscode.Disposable {
  /** Per document URI: the run in progress, so that a newer run can cancel or join it. */
  private readonly runs = new Map<string, LabelingRun>();
  private readonly counts: RunCounters = {
    started: 0,
    completed: 0,
    cancelled: 0,
    segmentsRun: 0,
    segmentsTotal: 0,
    progressShown: 0,
    progressReported: 0,
    partialDraws: 0,
    carried: 0,
  };
  private readonly states = new WeakMap<LabelingRun, RunState>();
  /** Runs whose work is still going (a superseded run counts until it stops). */
  private working = 0;
  private readonly busyChanged = new vscode.EventEmitter<void>();
  /** Fires when a run starts or ends its work (the status bar's spinner). */
  readonly onDidChangeBusy = this.busyChanged.event;
  private readonly progressChanged = new vscode.EventEmitter<LabelingRun>();
  /** Fires when a run's progress figure changes (the notification and the status bar). */
  readonly onDidProgress = this.progressChanged.event;

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly model: ModelHost,
    private readonly labels: LabelStore,
    private readonly display: Display,
    /** What of each document is labeled (its prose, or all of it). */
    private readonly prose: DocumentProse,
  ) {}

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

  /** The progress of the run going for the document, once known. */
  progress(doc: vscode.TextDocument): RunProgress | undefined {
    const r = this.runs.get(doc.uri.toString());
    return r && r.doc === doc ? r.progress : undefined;
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
  labelDocument(
    doc: vscode.TextDocument,
    cache?: SegmentCache,
    options: { throughEdits?: boolean } = {},
  ): Promise<LabeledText | undefined> {
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
    const throughEdits = options.throughEdits ?? false;
    return this.start(
      doc,
      'document',
      `labeling ${displayName(doc)}`,
      async (labeler, signal, run) => {
        const version = doc.version;
        const text = doc.getText();
        const ranges = await this.prose.rangesFor(doc, text, signal);
        const result = await labeler.label(text, {
          ...this.config.labelOptions(),
          signal,
          cache,
          ranges,
          priority: () => priorityRanges(doc),
          onProgress: (p) => this.progressed(run, p),
        });
        if (throughEdits && !doc.isClosed && doc.version !== version && !signal.aborted) {
          // continuous typing: the words the edits left alone keep their labels
          this.counts.carried++;
          return { version: doc.version, stored: carryLabels(result, text, doc.getText()), result, partial: true };
        }
        return { version, stored: result, result };
      },
      throughEdits,
    );
  }

  /** A run's progress: the figure for the notification and the status bar, and partial labels drawn. */
  private progressed(run: LabelingRun, p: LabelProgress): void {
    run.progress = { done: p.done, total: p.total };
    this.counts.progressReported++;
    this.progressChanged.fire(run);
    const state = this.states.get(run);
    // partial labels are drawn only while more than a chunk's work remains, once the lines in
    // view have theirs, and again only for lines in view that were not when the last draw began
    if (!state || state.drawing || state.finished || p.total - p.done <= SEGMENTS_PER_CHUNK || !p.priorityDone) return;
    const doc = run.doc;
    if (run.controller.signal.aborted || doc.isClosed || doc.version !== run.version) return;
    const now = performance.now();
    const view = viewKey(priorityRanges(doc));
    if (state.drawnView !== undefined && (now < state.nextDrawAt || view === state.drawnView)) return;
    state.drawnView = view;
    state.drawing = (async () => {
      try {
        const partial = await p.partial();
        if (state.finished || run.controller.signal.aborted || doc.isClosed || doc.version !== run.version) return;
        this.labels.set(doc, run.version, partial, true);
        state.partialShown = partial;
        this.counts.partialDraws++;
        await this.display.redraw(doc);
      } catch (e) {
        if (!(e instanceof CancelledError)) this.log.warn(`drawing partial labels of ${displayName(doc)}: ${(e as Error).message}`);
      } finally {
        const took = performance.now() - now;
        state.nextDrawAt = performance.now() + Math.max(PARTIAL_DRAW_INTERVAL_MS, 4 * took);
        state.drawing = undefined;
      }
    })();
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

  /**
   * An edit made the run going for the document obsolete: it is aborted, whatever its version,
   * unless it runs through edits (continuous typing).
   */
  abort(doc: vscode.TextDocument): void {
    const run = this.runs.get(doc.uri.toString());
    if (run && !run.throughEdits) run.controller.abort();
  }

  /** The run going for the document that edits do not abort, if any (live labeling waits for it). */
  runningThroughEdits(doc: vscode.TextDocument): LabelingRun | undefined {
    const run = this.runs.get(doc.uri.toString());
    return run && run.doc === doc && run.throughEdits && !run.controller.signal.aborted ? run : undefined;
  }

  /**
   * Starts a labeling run for a document: aborts the one going, counts it, marks the service busy
   * while its work goes, and shows a progress notification with Cancel if it is still going after
   * PROGRESS_DELAY_MS.
   */
  private start(
    doc: vscode.TextDocument,
    kind: LabelingRun['kind'],
    title: string,
    work: Work,
    throughEdits = false,
  ): Promise<LabeledText | undefined> {
    const key = doc.uri.toString();
    this.runs.get(key)?.controller.abort();
    const controller = new AbortController();
    this.counts.started++;
    const state: RunState = { nextDrawAt: 0, finished: false };
    let resolveRun!: (run: LabelingRun) => void;
    const ready = new Promise<LabelingRun>((r) => (resolveRun = r));
    const promise = this.whileBusy(ready.then((run) => this.execute(doc, controller, work, run, state)));
    const run: LabelingRun = { kind, doc, version: doc.version, controller, promise, throughEdits };
    this.states.set(run, state);
    this.runs.set(key, run);
    resolveRun(run);
    const timer = setTimeout(() => this.showProgress(title, run), PROGRESS_DELAY_MS);
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

  /** The notification of a run still going: its fraction of segments done, in increments, and Cancel. */
  private showProgress(title: string, run: LabelingRun): void {
    const { controller, promise } = run;
    if (controller.signal.aborted) return;
    this.counts.progressShown++;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `BERT+LSTM: ${title}`, cancellable: true },
      async (progress, token) => {
        let reported = 0; // percent
        const report = (): void => {
          const p = run.progress;
          if (!p) return;
          const pct = p.total ? (100 * p.done) / p.total : 100;
          progress.report({ increment: Math.max(0, pct - reported), message: progressMessage(p) });
          reported = Math.max(reported, pct);
        };
        const subs = [
          token.onCancellationRequested(() => {
            this.log.info(`${title}: cancelled by the user`);
            controller.abort();
          }),
          this.onDidProgress((r) => {
            if (r === run) report();
          }),
        ];
        report();
        try {
          await promise;
        } finally {
          for (const s of subs) s.dispose();
        }
      },
    );
  }

  /** The run itself: the model, the work, then the labels stored and drawn if still current. */
  private async execute(
    doc: vscode.TextDocument,
    controller: AbortController,
    work: Work,
    run: LabelingRun,
    state: RunState,
  ): Promise<LabeledText | undefined> {
    const stale = async (): Promise<undefined> => {
      this.counts.cancelled++;
      await this.withdrawPartial(run, state);
      return undefined;
    };
    try {
      const labeler = await this.model.get();
      if (!labeler) return undefined;
      if (controller.signal.aborted) return await stale();
      const outcome = await work(labeler, controller.signal, run);
      const { version, stored, result } = outcome;
      state.finished = true;
      await state.drawing;
      if (controller.signal.aborted || doc.isClosed || doc.version !== version) return await stale(); // never drawn
      this.labels.set(doc, version, stored, outcome.partial ?? false);
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
      state.finished = true;
      if (e instanceof CancelledError || controller.signal.aborted) return await stale();
      this.log.error(`labeling ${doc.uri.toString()} failed: ${(e as Error).message}`);
      void vscode.window.showErrorMessage(`BERT+LSTM: labeling failed: ${(e as Error).message}`);
      await this.withdrawPartial(run, state);
      return undefined;
    } finally {
      state.finished = true;
      run.progress = undefined;
    }
  }

  /**
   * A run that stored nothing of its own takes back the partial labels it drew, while the
   * document is still at the version they label (after an edit the next run replaces them).
   */
  private async withdrawPartial(run: LabelingRun, state: RunState): Promise<void> {
    state.finished = true;
    await state.drawing;
    const doc = run.doc;
    const shown = this.labels.get(doc);
    if (!state.partialShown || shown?.result !== state.partialShown || doc.isClosed || doc.version !== run.version) return;
    this.labels.delete(doc);
    await this.display.redraw(doc);
  }

  dispose(): void {
    for (const r of this.runs.values()) r.controller.abort();
    this.busyChanged.dispose();
    this.progressChanged.dispose();
  }
}

/**
 * What a document's run labels first: its editors' visible ranges, widened by a margin of
 * lines, and their cursors' lines (the active editor's first).
 */
function priorityRanges(doc: vscode.TextDocument): OffsetRange[] {
  if (doc.isClosed) return [];
  const out: OffsetRange[] = [];
  const line = (n: number): OffsetRange => {
    const l = doc.lineAt(Math.max(0, Math.min(doc.lineCount - 1, n)));
    return { start: doc.offsetAt(l.range.start), end: doc.offsetAt(l.range.end) };
  };
  for (const editor of editorsOf(doc)) {
    for (const s of editor.selections.slice(0, MAX_PRIORITY_CURSORS)) out.push(line(s.active.line));
    for (const r of editor.visibleRanges) {
      out.push({ start: line(r.start.line - PRIORITY_MARGIN_LINES).start, end: line(r.end.line + PRIORITY_MARGIN_LINES).end });
    }
  }
  return out;
}

/** Ranges compared by value: the lines in view and the cursors a partial draw was made for. */
function viewKey(ranges: readonly OffsetRange[]): string {
  return ranges.map((r) => `${r.start}-${r.end}`).join(',');
}
