// Live labeling: documents of the enabled languages are labeled when they open and after each
// edit (debounced). Each document keeps a segment cache, so only segments whose text changed
// are run again; between an edit and its relabel, VS Code moves the existing decorations with
// the text. The document events reach it through documents.ts (opened, changed, shown, closed);
// its runs go through the labeling-runs service.
//
// The debounce restarts with each edit, but never waits longer than `live.maxWaitMs` after the
// first edit not yet labeled (core/max_wait.ts). A run started by the maximum wait runs through
// the edits that follow (they do not abort it; its labels are carried onto the text as it is
// when it ends), and no other run starts until it ends: under continuous typing, labels follow
// the text about one run behind, nearest the cursor first.
import * as vscode from 'vscode';
import type { LabeledText } from '../core/labeler';
import { debounceDelay, endsAtMaxWait } from '../core/max_wait';
import { SegmentCache } from '../core/segments';
import type { Config } from '../config';
import type { LabelStore } from './label_store';
import type { LabelingRuns } from './runs';

/** Why a document is not labeled live (undefined: it is). */
export type NotLiveReason = 'off' | 'scheme' | 'language' | 'tooLarge';

export class LiveLabeling implements vscode.Disposable {
  private readonly caches = new Map<string, SegmentCache>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Per document: when the first edit not yet labeled came (performance.now()). */
  private readonly pendingSince = new Map<string, number>();
  /** Documents already logged as too large for live labeling (said once). */
  private readonly toldTooLarge = new Set<string>();
  private disposed = false;
  /** Set by Toggle Live Labeling for this session; undefined = the setting decides. */
  private override: boolean | undefined;

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly labels: LabelStore,
    private readonly runs: LabelingRuns,
  ) {}

  /** A document opened: labeled at once if it is labeled live. */
  opened(doc: vscode.TextDocument): void {
    this.schedule(doc, 0);
  }

  /** Editors became visible: those without labels are labeled at once. */
  shown(editors: readonly vscode.TextEditor[]): void {
    for (const e of editors) if (!this.labels.get(e.document)) this.schedule(e.document, 0);
  }

  /**
   * The text changed: the run going is obsolete (unless it runs through edits), and a new one
   * starts after the debounce, or at the maximum wait after the first edit not yet labeled.
   */
  changed(doc: vscode.TextDocument): void {
    if (!this.applies(doc)) return;
    const key = doc.uri.toString();
    const now = performance.now();
    const since = this.pendingSince.get(key) ?? now;
    this.pendingSince.set(key, since);
    const debounce = this.config.liveDebounceMs;
    const delay = debounceDelay(now, since, debounce, this.config.liveMaxWaitMs);
    this.schedule(doc, Math.max(1, delay), endsAtMaxWait(delay, debounce));
  }

  /** A document closed: its timer, cache and notes go. */
  closed(doc: vscode.TextDocument): void {
    this.forget(doc.uri.toString());
  }

  /** Label Document and the other commands label through the document's cache, so that live runs reuse their segments. */
  labelDocument(doc: vscode.TextDocument): Promise<LabeledText | undefined> {
    return this.runs.labelDocument(doc, this.cacheFor(doc));
  }

  get enabled(): boolean {
    return this.override ?? this.config.liveEnabled;
  }

  toggle(): boolean {
    this.override = !this.enabled;
    if (this.enabled) this.labelVisible();
    return this.enabled;
  }

  /** Whether a document is labeled live. */
  applies(doc: vscode.TextDocument): boolean {
    return this.whyNot(doc) === undefined;
  }

  /** Why a document is not labeled live; undefined when it is. */
  whyNot(doc: vscode.TextDocument): NotLiveReason | undefined {
    if (!this.enabled) return 'off';
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled' && doc.uri.scheme !== 'vscode-remote') return 'scheme';
    const langs = this.config.liveLanguages;
    if (!langs.some((entry) => enablesDocument(entry, doc))) return 'language';
    // huge documents are labeled on command only (with progress), never on each keystroke
    if (documentLength(doc) > this.config.liveMaxDocumentLength) {
      const key = doc.uri.toString();
      if (!this.toldTooLarge.has(key)) {
        this.toldTooLarge.add(key);
        this.log.info(
          `${key} is longer than live.maxDocumentLength (${this.config.liveMaxDocumentLength} characters): not labeled live; Label Document labels it`,
        );
      }
      return 'tooLarge';
    }
    return undefined;
  }

  /** The setting changed: it decides again (the session's toggle is forgotten). */
  followSetting(): void {
    this.override = undefined;
  }

  cacheFor(doc: vscode.TextDocument): SegmentCache {
    const key = doc.uri.toString();
    let c = this.caches.get(key);
    if (!c) {
      c = new SegmentCache();
      this.caches.set(key, c);
    }
    return c;
  }

  labelVisible(): void {
    for (const e of vscode.window.visibleTextEditors) this.schedule(e.document, 0);
  }

  /**
   * Labels the document after `delayMs` (an edit's wait when above 0); `throughEdits`: the wait
   * is the maximum wait's, and the run it starts goes on through later edits.
   */
  private schedule(doc: vscode.TextDocument, delayMs: number, throughEdits = false): void {
    if (!this.applies(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    // an edit makes a run in progress obsolete at once (not one that runs through edits)
    if (delayMs > 0) this.runs.abort(doc);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (doc.isClosed) return;
        const going = this.runs.runningThroughEdits(doc);
        if (going) {
          // the run through edits ends first, then this one starts (it would abort it)
          void going.promise.finally(() => {
            if (!this.disposed && !this.timers.has(key)) this.schedule(doc, 0, throughEdits);
          });
          return;
        }
        this.pendingSince.delete(key);
        void this.runs.labelDocument(doc, this.cacheFor(doc), { throughEdits });
      }, delayMs),
    );
  }

  private forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
    this.pendingSince.delete(key);
    this.caches.delete(key);
    this.toldTooLarge.delete(key);
  }

  /** Drop cached labels (after a model change). */
  reset(): void {
    for (const c of this.caches.values()) c.clear();
  }

  /** Timers waiting and caches kept (leak checks: neither may grow with use). */
  resourceCounts(): { readonly timers: number; readonly caches: number } {
    return { timers: this.timers.size, caches: this.caches.size };
  }

  dispose(): void {
    this.disposed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.pendingSince.clear();
    this.caches.clear();
  }
}

/** A document's length in UTF-16 code units, without copying its text. */
export function documentLength(doc: vscode.TextDocument): number {
  return doc.offsetAt(doc.lineAt(doc.lineCount - 1).range.end);
}

// Whether an entry of `live.languages` enables a document: `*`, a language id, or a glob on
// the document's path (an entry with a glob character or a slash, e.g. `**/corpus/*.txt`).
function enablesDocument(entry: string, doc: vscode.TextDocument): boolean {
  if (entry === '*' || entry === doc.languageId) return true;
  return /[*?/{[]/.test(entry) && vscode.languages.match({ pattern: entry }, doc) > 0;
}
