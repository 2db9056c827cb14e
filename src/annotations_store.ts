// Per-document corrections: loaded from the document's sidecar file, re-anchored through every
// text change, saved atomically, and drawn apart from the model's labels.
//
// Saving: the sidecar's offsets must fit the file on disk, so a document without unsaved edits
// has its sidecar written as soon as a correction is made; a document with unsaved edits has it
// written when the document is saved (corrections made then are dropped with the edits if the
// document is closed without saving, as the edits are). Untitled documents keep corrections in
// memory only. A sidecar that cannot be read is never written: corrections are refused for that
// document with an error naming the file and the line, until the user fixes or moves it.
//
// A failed write (a read-only folder, a full disk) loses nothing: the corrections stay in memory
// and drawn, the error names the file and the reason, with Retry; the next correction, saving the
// document or Save Corrections tries again. If the document is closed before a write succeeds,
// its corrections are kept by file (with a hash of its text) and come back when it is opened
// again with the same text.
//
// Undo and redo: corrections have their own undo/redo (Undo Correction / Redo Correction), a
// per-document history. The editor's own Undo/Redo of a text edit puts back the corrections the
// text had before (a corrected word deleted and brought back by Ctrl+Z gets its correction
// back): every text change records the corrections of the text it replaced, keyed by a hash of
// that text, and an undo or redo that returns to a recorded text restores them.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  anchorToText, mergeAnnotations, modelAnnotations, reanchor, REMOVED_LABEL, type Annotation, type TextChange,
} from './core/annotations';
import { describeFsError } from './core/bundle';
import { readSidecar, serializeSidecar, sidecarPath, writeFileAtomic, type SidecarProblem } from './core/sidecar';
import type { Ctx } from './ctx';
import { colorIdFor } from './decorations';

const HISTORY = 100;
const TEXT_SNAPSHOTS = 200;
/** Documents longer than this are not hashed on every change (their editor undo is not followed). */
const MAX_HASHED_LENGTH = 5_000_000;

export type SidecarState = 'none' | 'loaded' | 'unreadable' | 'memory';

interface DocAnnotations {
  corrections: Annotation[];
  state: SidecarState;
  problems: readonly SidecarProblem[];
  sidecar: string | undefined;
  /** Corrections changed since the sidecar was written. */
  unsaved: boolean;
  /** Why the last write of the sidecar failed (cleared by a write that succeeds). */
  saveError: string | undefined;
  undo: Annotation[][];
  redo: Annotation[][];
  /** Hash of the text as of the last change event, and the corrections each past text had. */
  textHash: string | undefined;
  byText: Map<string, Annotation[]>;
  loading: Promise<void> | undefined;
}

export interface AnnotationsSnapshot {
  readonly state: SidecarState;
  readonly sidecar: string | undefined;
  readonly problems: readonly SidecarProblem[];
  /** Why the last write of the sidecar failed, as told to the user; undefined after a good write. */
  readonly saveError: string | undefined;
  /** Corrections not yet in the sidecar file. */
  readonly unsaved: boolean;
  readonly corrections: readonly Annotation[];
  readonly merged: readonly Annotation[];
  readonly undo: number;
  readonly redo: number;
  readonly decorations: ReadonlyArray<{ key: string; ranges: Array<[number, number]> }>;
}

const hashText = (text: string): string | undefined => (text.length > MAX_HASHED_LENGTH ? undefined : createHash('sha1').update(text).digest('base64'));

/** Why a write failed, in words (the codes a sidecar write meets besides describeFsError's). */
export function describeWriteError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EROFS: 'the folder is on a read-only file system',
    EPERM: 'the system does not permit writing in the folder (it may be immutable)',
    EACCES: 'permission denied: the folder is not writable',
    ENOSPC: 'the disk is full',
    EDQUOT: 'the disk quota is used up',
  };
  return code && words[code] ? `${words[code]} (${code})` : describeFsError(e);
}

/** Corrections of a closed document whose sidecar could not be written, by file. */
interface Unwritten {
  readonly textHash: string;
  readonly corrections: Annotation[];
}

export class AnnotationsStore implements vscode.Disposable {
  private readonly docs = new WeakMap<vscode.TextDocument, DocAnnotations>();
  private readonly unwritten = new Map<string, Unwritten>();
  private readonly changed = new vscode.EventEmitter<vscode.TextDocument>();
  readonly onDidChange = this.changed.event;
  private readonly decorations: CorrectionDecorations;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly ctx: Ctx) {
    this.decorations = new CorrectionDecorations(ctx);
    this.disposables.push(
      this.changed,
      this.decorations,
      vscode.workspace.onDidOpenTextDocument((doc) => void this.load(doc)),
      vscode.workspace.onDidChangeTextDocument((e) => this.onChange(e)),
      vscode.workspace.onDidSaveTextDocument((doc) => void this.onSave(doc)),
      vscode.workspace.onDidCloseTextDocument((doc) => this.onClose(doc)),
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        for (const e of editors) this.decorations.draw(e, this.docs.get(e.document)?.corrections ?? []);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (ctx.config.affects(e, 'annotations.correctionStyle')) {
          this.decorations.reset();
          for (const ed of vscode.window.visibleTextEditors) this.redraw(ed.document);
        }
      }),
    );
    for (const doc of vscode.workspace.textDocuments) void this.load(doc);
  }

  /** The document's state, loading its sidecar the first time. */
  async ensure(doc: vscode.TextDocument): Promise<DocAnnotations> {
    await this.load(doc);
    return this.docs.get(doc)!;
  }

  private load(doc: vscode.TextDocument): Promise<void> {
    const existing = this.docs.get(doc);
    if (existing) return existing.loading ?? Promise.resolve();
    const file = doc.uri.scheme === 'file' ? sidecarPath(doc.uri.fsPath, this.ctx.config.sidecarLocation) : undefined;
    const state: DocAnnotations = {
      corrections: [], state: file ? 'none' : 'memory', problems: [], sidecar: file, unsaved: false, saveError: undefined,
      undo: [], redo: [], textHash: undefined, byText: new Map(), loading: undefined,
    };
    this.docs.set(doc, state);
    if (!file || isSidecarDocument(doc, this.ctx)) return Promise.resolve();
    state.loading = (async () => {
      const read = await readSidecar(file);
      if (read.kind === 'unreadable') {
        state.state = 'unreadable';
        state.problems = read.problems;
        const first = read.problems[0];
        this.ctx.log.error(`sidecar ${file} cannot be used (it is left as it is): ${read.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`);
        void vscode.window.showErrorMessage(
          `BERT+LSTM: the annotation file ${path.basename(file)} cannot be read (line ${first.line}: ${first.message}). It is left as it is; corrections to this document are off until it is fixed or moved.`,
        );
        return;
      }
      if (read.kind === 'ok') {
        // The file may have been edited outside the editor since the sidecar was written.
        const anchored = anchorToText(read.annotations, doc.getText());
        state.corrections = anchored.annotations;
        state.state = 'loaded';
        if (anchored.moved || anchored.lost) {
          this.ctx.log.warn(`${file}: ${anchored.moved} labels moved to where their text now is, ${anchored.lost} no longer fit the text; all are marked for review`);
        }
        if (state.corrections.length) state.textHash = hashText(doc.getText());
        this.redraw(doc);
        this.changed.fire(doc);
      }
      await this.restoreUnwritten(doc, state);
    })().finally(() => {
      state.loading = undefined;
    });
    return state.loading;
  }

  corrections(doc: vscode.TextDocument): readonly Annotation[] {
    return this.docs.get(doc)?.corrections ?? [];
  }

  /** The model's current labels as annotations (word labels, or entity spans for BIO models). */
  modelLabels(doc: vscode.TextDocument): Annotation[] {
    const result = this.ctx.store.current(doc);
    if (!result) return [];
    const scheme = this.ctx.model.loaded?.bundle.config.labelScheme ?? 'plain';
    return modelAnnotations(doc.getText(), result.words, scheme);
  }

  /** Corrections over the model's labels. */
  merged(doc: vscode.TextDocument): Annotation[] {
    return mergeAnnotations(this.modelLabels(doc), this.corrections(doc));
  }

  /**
   * Replaces the document's corrections (one undoable step). Refused, with an error, when the
   * sidecar cannot be read. Returns whether the corrections were changed.
   */
  async set(doc: vscode.TextDocument, next: readonly Annotation[], what: string): Promise<boolean> {
    const s = await this.ensure(doc);
    if (s.state === 'unreadable') {
      const first = s.problems[0];
      void vscode.window.showErrorMessage(
        `BERT+LSTM: ${what} was not applied: the annotation file ${s.sidecar} cannot be read (line ${first?.line}: ${first?.message}). Fix or move it first; it is left as it is.`,
      );
      return false;
    }
    s.undo.push(s.corrections);
    if (s.undo.length > HISTORY) s.undo.shift();
    s.redo = [];
    await this.replace(doc, s, [...next]);
    this.ctx.log.info(`${what}: ${vscode.workspace.asRelativePath(doc.uri)} has ${s.corrections.length} corrections`);
    return true;
  }

  async undo(doc: vscode.TextDocument): Promise<boolean> {
    const s = await this.ensure(doc);
    const prev = s.undo.pop();
    if (!prev || s.state === 'unreadable') return false;
    s.redo.push(s.corrections);
    await this.replace(doc, s, prev);
    return true;
  }

  async redo(doc: vscode.TextDocument): Promise<boolean> {
    const s = await this.ensure(doc);
    const next = s.redo.pop();
    if (!next || s.state === 'unreadable') return false;
    s.undo.push(s.corrections);
    await this.replace(doc, s, next);
    return true;
  }

  private async replace(doc: vscode.TextDocument, s: DocAnnotations, next: Annotation[]): Promise<void> {
    s.corrections = next;
    s.unsaved = true;
    if (s.textHash === undefined) s.textHash = hashText(doc.getText());
    this.redraw(doc);
    // The model's decorations too (they leave out labels under corrections), when they are
    // current: redrawing stale labels would clear them.
    if (this.ctx.store.current(doc)) this.ctx.redraw(doc);
    this.changed.fire(doc);
    if (!doc.isDirty) await this.save(doc, s);
  }

  private onChange(e: vscode.TextDocumentChangeEvent): void {
    const s = this.docs.get(e.document);
    if (!s || e.contentChanges.length === 0) return;
    if (s.corrections.length === 0 && s.undo.length === 0 && s.redo.length === 0 && s.byText.size === 0) return;
    const changes: TextChange[] = e.contentChanges.map((c) => ({ offset: c.rangeOffset, deletedLength: c.rangeLength, insertedText: c.text }));
    // The corrections of the text this change replaces, for the editor's undo and redo.
    if (s.textHash !== undefined) {
      s.byText.delete(s.textHash);
      s.byText.set(s.textHash, s.corrections);
      if (s.byText.size > TEXT_SNAPSHOTS) s.byText.delete(s.byText.keys().next().value!);
    }
    const hash = hashText(e.document.getText());
    const restored = e.reason !== undefined && hash !== undefined ? s.byText.get(hash) : undefined;
    s.corrections = restored ?? reanchor(s.corrections, changes);
    s.undo = s.undo.map((u) => reanchor(u, changes));
    s.redo = s.redo.map((r) => reanchor(r, changes));
    s.textHash = hash;
    s.unsaved = true;
    this.redraw(e.document);
    this.changed.fire(e.document);
  }

  /**
   * A closed document forgets its corrections, unless they could not be written: those are kept
   * for the file, to come back when it is opened again with the same text (a document closed
   * with unsaved text edits drops its unsaved corrections with the edits, as documented).
   */
  private onClose(doc: vscode.TextDocument): void {
    const s = this.docs.get(doc);
    this.docs.delete(doc);
    if (!s || !s.unsaved || s.saveError === undefined || doc.isDirty || doc.uri.scheme !== 'file') return;
    const textHash = hashText(doc.getText());
    if (textHash === undefined) return;
    this.unwritten.set(doc.uri.toString(), { textHash, corrections: s.corrections });
    this.ctx.log.warn(`${doc.uri.fsPath} closed with ${s.corrections.length} corrections that could not be written to ${s.sidecar}; they are kept until it is opened again`);
  }

  /** Puts back corrections kept at close (see onClose) when the text is the same, and saves them. */
  private async restoreUnwritten(doc: vscode.TextDocument, s: DocAnnotations): Promise<void> {
    const key = doc.uri.toString();
    const kept = this.unwritten.get(key);
    if (!kept) return;
    this.unwritten.delete(key);
    if (s.state === 'unreadable' || hashText(doc.getText()) !== kept.textHash) {
      this.ctx.log.warn(`${doc.uri.fsPath}: ${kept.corrections.length} corrections that could not be written earlier no longer fit its text and are dropped`);
      return;
    }
    s.undo.push(s.corrections);
    s.corrections = kept.corrections;
    s.textHash = kept.textHash;
    s.unsaved = true;
    this.redraw(doc);
    this.changed.fire(doc);
    this.ctx.log.info(`${doc.uri.fsPath}: ${kept.corrections.length} corrections that could not be written earlier are back; writing them again`);
    await this.save(doc, s);
  }

  /**
   * Save Corrections (and the Retry of a failed write): writes the document's corrections now.
   * Returns whether the sidecar holds them afterwards.
   */
  async saveNow(doc: vscode.TextDocument): Promise<boolean> {
    const s = await this.ensure(doc);
    if (s.state === 'memory') {
      void vscode.window.showInformationMessage('BERT+LSTM: this document has no file, so its corrections are kept in memory only.');
      return false;
    }
    if (s.state === 'unreadable') {
      void vscode.window.showErrorMessage(`BERT+LSTM: the annotation file ${s.sidecar} cannot be read, so it is not overwritten. Fix or move it first.`);
      return false;
    }
    if (doc.isDirty) {
      // The sidecar's offsets must fit the file on disk: it is written when the document is saved.
      void vscode.window.showInformationMessage('BERT+LSTM: the document has unsaved edits; its corrections are saved with it when you save it.');
      return false;
    }
    if (!s.unsaved) return true;
    return this.save(doc, s);
  }

  private async onSave(doc: vscode.TextDocument): Promise<void> {
    const s = this.docs.get(doc);
    if (s?.unsaved) await this.save(doc, s);
  }

  /** Writes the sidecar; on failure tells the user and keeps everything. Returns whether it was written. */
  private async save(doc: vscode.TextDocument, s: DocAnnotations): Promise<boolean> {
    if (!s.sidecar || s.state === 'unreadable' || s.state === 'memory') return false;
    // No file for a document that never had corrections.
    if (s.state === 'none' && s.corrections.length === 0) return true;
    const sidecar = s.sidecar;
    const corrections = s.corrections;
    try {
      await writeFileAtomic(sidecar, serializeSidecar(corrections, path.basename(doc.uri.fsPath)));
    } catch (e) {
      const name = path.basename(doc.uri.fsPath);
      s.saveError = `the corrections to ${name} could not be saved to ${sidecar}: ${describeWriteError(e)}`;
      this.ctx.log.error(`${s.saveError} (${(e as Error).message})`);
      this.changed.fire(doc);
      void vscode.window
        .showErrorMessage(
          `BERT+LSTM: ${s.saveError}. Nothing is lost: they are kept and shown, and saved with your next correction, ` +
            `when you save the document, or with Retry (Save Corrections). The file on disk is unchanged.`,
          'Retry',
        )
        .then((a) => {
          if (a === 'Retry') void this.saveNow(doc);
        });
      return false;
    }
    s.state = 'loaded';
    // a correction made during the write is written by its own save
    if (s.corrections === corrections) s.unsaved = false;
    if (s.saveError !== undefined) {
      s.saveError = undefined;
      this.ctx.log.info(`the corrections to ${doc.uri.fsPath} are saved to ${sidecar} now`);
      void vscode.window.showInformationMessage(`BERT+LSTM: the corrections to ${path.basename(doc.uri.fsPath)} are saved now.`);
      this.changed.fire(doc);
    }
    return true;
  }

  redraw(doc: vscode.TextDocument): void {
    const corrections = this.corrections(doc);
    for (const editor of this.ctx.editorsOf(doc)) this.decorations.draw(editor, corrections);
  }

  snapshot(doc: vscode.TextDocument, editor?: vscode.TextEditor): AnnotationsSnapshot {
    const s = this.docs.get(doc);
    return {
      state: s?.state ?? 'none', sidecar: s?.sidecar, problems: s?.problems ?? [], saveError: s?.saveError, unsaved: s?.unsaved ?? false,
      corrections: s?.corrections ?? [], merged: this.merged(doc),
      undo: s?.undo.length ?? 0, redo: s?.redo.length ?? 0,
      decorations: editor ? this.decorations.snapshot(editor) : [],
    };
  }

  dispose(): void {
    for (const d of this.disposables.splice(0).reverse()) d.dispose();
  }
}

/** Sidecar files themselves get no sidecar. */
function isSidecarDocument(doc: vscode.TextDocument, ctx: Ctx): boolean {
  return doc.uri.fsPath.endsWith(ctx.config.sidecarLocation.suffix);
}

/**
 * Corrections drawn apart from the model's labels: the label's color in the configured style
 * (a box by default), reviewed labels in the `bertLstm.reviewed` color, and labels an edit
 * changed marked in the overview ruler. Removals are not drawn (they hide a model label).
 */
class CorrectionDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  private readonly applied = new WeakMap<vscode.TextEditor, Map<string, Array<[number, number]>>>();

  constructor(private readonly ctx: Ctx) {}

  private typeFor(key: string, label: string, reviewed: boolean, needsReview: boolean): vscode.TextEditorDecorationType {
    let t = this.types.get(key);
    if (t) return t;
    const color = new vscode.ThemeColor(reviewed ? 'bertLstm.reviewed' : colorIdFor(label));
    const style = this.ctx.config.correctionStyle;
    const options: vscode.DecorationRenderOptions =
      style === 'background'
        ? { backgroundColor: new vscode.ThemeColor(reviewed ? 'bertLstm.reviewedBackground' : 'bertLstm.correctedBackground'), borderColor: color, borderStyle: 'none none solid none', borderWidth: '0 0 2px 0' }
        : style === 'doubleUnderline'
          ? { borderColor: color, borderStyle: 'none none double none', borderWidth: '0 0 3px 0' }
          : { borderColor: color, borderStyle: 'solid', borderWidth: '1px', borderRadius: '3px' };
    t = vscode.window.createTextEditorDecorationType({
      ...options,
      overviewRulerColor: needsReview ? new vscode.ThemeColor('bertLstm.needsReview') : undefined,
      overviewRulerLane: vscode.OverviewRulerLane.Center,
    });
    this.types.set(key, t);
    return t;
  }

  draw(editor: vscode.TextEditor, corrections: readonly Annotation[]): void {
    const doc = editor.document;
    const byKey = new Map<string, { type: vscode.TextEditorDecorationType; ranges: Array<[number, number]> }>();
    for (const a of corrections) {
      if (a.label === REMOVED_LABEL) continue;
      const reviewed = a.source === 'reviewed';
      const key = `${a.label}\u0000${reviewed ? 'reviewed' : 'corrected'}\u0000${a.needsReview ? 'review' : 'ok'}`;
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { type: this.typeFor(key, a.label, reviewed, !!a.needsReview), ranges: [] }));
      entry.ranges.push([a.start, a.end]);
    }
    const before = this.applied.get(editor) ?? new Map<string, Array<[number, number]>>();
    for (const key of before.keys()) {
      const gone = byKey.has(key) ? undefined : this.types.get(key);
      if (gone) editor.setDecorations(gone, []);
    }
    const now = new Map<string, Array<[number, number]>>();
    for (const [key, { type, ranges }] of byKey) {
      editor.setDecorations(type, ranges.map(([s, e]) => new vscode.Range(doc.positionAt(s), doc.positionAt(e))));
      now.set(key, ranges);
    }
    this.applied.set(editor, now);
  }

  snapshot(editor: vscode.TextEditor): Array<{ key: string; ranges: Array<[number, number]> }> {
    return [...(this.applied.get(editor) ?? new Map<string, Array<[number, number]>>())].map(([key, ranges]) => ({ key: key.split('\u0000').join('|'), ranges }));
  }

  /** Drops the decoration types (the style setting changed); the next draw makes new ones. */
  reset(): void {
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }

  dispose(): void {
    this.reset();
  }
}

const stores = new WeakMap<Ctx, AnnotationsStore>();

/** The extension's annotations store (made on first use, owned by the context). */
export function annotationsOf(ctx: Ctx): AnnotationsStore {
  let s = stores.get(ctx);
  if (!s) {
    s = new AnnotationsStore(ctx);
    stores.set(ctx, s);
    ctx.push(s);
  }
  return s;
}

/**
 * For the model-label decorations and hover (decorations.ts, hover.ts): a document's
 * corrections, so that model labels under them are not drawn and the hover can say
 * "corrected" or "reviewed".
 */
export function correctionsFor(ctx: Ctx, doc: vscode.TextDocument): readonly Annotation[] {
  return stores.get(ctx)?.corrections(doc) ?? [];
}
