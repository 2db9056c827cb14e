// Live labeling: documents of the enabled languages are labeled when they open and after each
// edit (debounced). Each document keeps a segment cache, so only segments whose text changed
// are run again; between an edit and its relabel, VS Code moves the existing decorations with
// the text.
import * as vscode from 'vscode';
import { SegmentCache } from './core/segments';
import { labelDocument } from './commands';
import type { Ctx } from './ctx';

export class LiveLabeling implements vscode.Disposable {
  private readonly caches = new Map<string, SegmentCache>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly disposables: vscode.Disposable[] = [];
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
    if (!this.enabled) return false;
    if (doc.uri.scheme !== 'file' && doc.uri.scheme !== 'untitled' && doc.uri.scheme !== 'vscode-remote') return false;
    const langs = this.ctx.config.liveLanguages;
    if (!langs.includes('*') && !langs.includes(doc.languageId)) return false;
    return doc.getText().length <= this.ctx.config.liveMaxDocumentLength;
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
