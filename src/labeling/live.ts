// Live labeling: documents of the enabled languages are labeled when they open and after each
// edit (debounced). Each document keeps a segment cache, so only segments whose text changed
// are run again; between an edit and its relabel, VS Code moves the existing decorations with
// the text. The document events reach it through documents.ts (opened, changed, shown, closed);
// its runs go through the labeling-runs service.
import * as vscode from 'vscode';
import type { LabeledText } from '../core/labeler';
import { SegmentCache } from '../core/segments';
import type { Config } from '../config';
import type { LabelStore } from './label_store';
import type { LabelingRuns } from './runs';

/** Why a document is not labeled live (undefined: it is). */
export type NotLiveReason = 'off' | 'scheme' | 'language' | 'tooLarge';

export class LiveLabeling implements vscode.Disposable {
  private readonly caches = new Map<string, SegmentCache>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Documents already logged as too large for live labeling (said once). */
  private readonly toldTooLarge = new Set<string>();
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

  /** The text changed: the run going is obsolete, and a new one starts after the debounce. */
  changed(doc: vscode.TextDocument): void {
    this.schedule(doc, this.config.liveDebounceMs);
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

  private schedule(doc: vscode.TextDocument, delayMs: number): void {
    if (!this.applies(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    // an edit makes a run in progress obsolete at once
    if (delayMs > 0) this.runs.abort(doc);
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        if (!doc.isClosed) void this.runs.labelDocument(doc, this.cacheFor(doc));
      }, delayMs),
    );
  }

  private forget(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
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
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
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
