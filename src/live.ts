// Live labeling: documents of the enabled languages are labeled when they open and after each
// edit (debounced). Each document keeps a segment cache, so only segments whose text changed
// are run again; between an edit and its relabel, VS Code moves the existing decorations with
// the text.
import * as vscode from 'vscode';
import { SegmentCache } from './core/segments';
import { labelDocument } from './commands';
import type { Ctx } from './ctx';

/** Why a document is not labeled live (undefined: it is). */
export type NotLiveReason = 'off' | 'scheme' | 'language' | 'tooLarge';

export class LiveLabeling implements vscode.Disposable {
  private readonly caches = new Map<string, SegmentCache>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
  /** Documents already logged as too large for live labeling (said once). */
  private readonly toldTooLarge = new Set<string>();
  /** Set by Toggle Live Labeling for this session; undefined = the setting decides. */
  private override: boolean | undefined;

  constructor(private readonly ctx: Ctx) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((doc) => this.schedule(doc, 0)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const e of editors) if (!ctx.store.get(e.document)) this.schedule(e.document, 0);
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length) this.schedule(e.document, ctx.config.liveDebounceMs);
      }),
      vscode.workspace.onDidCloseTextDocument((doc) => this.forget(doc.uri.toString())),
    );
  }

  get enabled(): boolean {
    return this.override ?? this.ctx.config.liveEnabled;
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
    const langs = this.ctx.config.liveLanguages;
    if (!langs.some((entry) => enablesDocument(entry, doc))) return 'language';
    // huge documents are labeled on command only (with progress), never on each keystroke
    if (documentLength(doc) > this.ctx.config.liveMaxDocumentLength) {
      const key = doc.uri.toString();
      if (!this.toldTooLarge.has(key)) {
        this.toldTooLarge.add(key);
        this.ctx.log.info(`${key} is longer than live.maxDocumentLength (${this.ctx.config.liveMaxDocumentLength} characters): not labeled live; Label Document labels it`);
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
    if (delayMs > 0) this.ctx.runs.get(key)?.controller.abort();
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      if (!doc.isClosed) void labelDocument(this.ctx, doc, this.cacheFor(doc));
    }, delayMs));
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

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    this.caches.clear();
    for (const d of this.disposables.splice(0)) d.dispose();
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
