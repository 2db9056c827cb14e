// Per-document corrections: the state machine that ties together the sidecar file (read once
// per opened document, written atomically), the two kinds of undo (history.ts), the corrections
// of closed documents that could not be written (unwritten.ts), and their decorations. The
// document events reach it through documents.ts (opened, changed, saved, closed, shown).
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
import * as path from 'node:path';
import * as vscode from 'vscode';
import { modelOwnAnnotations } from '../core/adapt/opinion';
import { mergeAnnotations, modelAnnotations, type Annotation, type TextChange } from '../core/annotations';
import { sidecarPath } from '../core/sidecar';
import type { Config } from '../config';
import { editorsOf } from '../editors';
import type { LabelStore } from '../labeling/label_store';
import type { ModelHost } from '../labeling/model_host';
import { CorrectionDecorations } from './decorations';
import { newDocState, type AnnotationsSnapshot, type DocAnnotations } from './doc_state';
import { beginStep, followTextChange, hashText, nothingToFollow, stepBack, stepForward } from './history';
import * as messages from './messages';
import { OutsideChanges } from './outside';
import { readInto, writeFrom } from './sidecar_io';
import { UnwrittenCorrections } from './unwritten';

export type { AnnotationsSnapshot, SidecarState } from './doc_state';

export class CorrectionsStore implements vscode.Disposable {
  private readonly docs = new WeakMap<vscode.TextDocument, DocAnnotations>();
  private readonly unwritten = new UnwrittenCorrections();
  private readonly changed = new vscode.EventEmitter<vscode.TextDocument>();
  /** Fires when a document's corrections or their state change (the Review view, the panel). */
  readonly onDidChange = this.changed.event;
  private readonly replaced = new vscode.EventEmitter<vscode.TextDocument>();
  /** Fires when a command replaced a document's corrections (the model's labels under them are redrawn). */
  readonly onDidReplace = this.replaced.event;
  private readonly decorations: CorrectionDecorations;
  /** Sidecars changed outside the editor: watched, checked before each write, merged (outside.ts). */
  private readonly outside: OutsideChanges;

  constructor(
    private readonly config: Config,
    private readonly log: vscode.LogOutputChannel,
    private readonly labels: LabelStore,
    private readonly model: ModelHost,
  ) {
    this.decorations = new CorrectionDecorations(config);
    this.outside = new OutsideChanges(
      {
        changed: (doc, replaced) => {
          this.redraw(doc);
          if (replaced) this.replaced.fire(doc);
          this.changed.fire(doc);
        },
        save: (doc) => {
          const s = this.docs.get(doc);
          return s ? this.save(doc, s) : Promise.resolve(false);
        },
      },
      log,
    );
  }

  // --- document events (from documents.ts) ---

  /** A document opened: its sidecar is read. */
  opened(doc: vscode.TextDocument): void {
    void this.load(doc);
  }

  /** Editors became visible: each gets its document's corrections drawn. */
  shown(editors: readonly vscode.TextEditor[]): void {
    for (const e of editors) this.decorations.draw(e, this.docs.get(e.document)?.corrections ?? []);
  }

  /** The text changed: corrections follow it (or come back, for the editor's undo and redo). */
  changedText(e: vscode.TextDocumentChangeEvent): void {
    const s = this.docs.get(e.document);
    if (!s || e.contentChanges.length === 0 || nothingToFollow(s)) return;
    const changes: TextChange[] = e.contentChanges.map((c) => ({
      offset: c.rangeOffset,
      deletedLength: c.rangeLength,
      insertedText: c.text,
    }));
    followTextChange(s, changes, e.document.getText(), e.reason !== undefined);
    s.unsaved = true;
    this.redraw(e.document);
    this.changed.fire(e.document);
  }

  /** The document was saved: its unsaved corrections are written with it. */
  async saved(doc: vscode.TextDocument): Promise<void> {
    const s = this.docs.get(doc);
    if (s?.unsaved) await this.save(doc, s);
  }

  /**
   * A closed document forgets its corrections, unless they could not be written: those are kept
   * for the file, to come back when it is opened again with the same text.
   */
  closed(doc: vscode.TextDocument): void {
    const s = this.docs.get(doc);
    this.docs.delete(doc);
    if (s) this.outside.unwatch(s);
    if (s && this.unwritten.keep(doc, s)) {
      this.log.warn(
        `${doc.uri.fsPath} closed with ${s.corrections.length} corrections that could not be written to ${s.sidecar}; they are kept until it is opened again`,
      );
    }
  }

  // --- reading ---

  /** The document's state, loading its sidecar the first time. */
  async ensure(doc: vscode.TextDocument): Promise<void> {
    await this.load(doc);
  }

  corrections(doc: vscode.TextDocument): readonly Annotation[] {
    return this.docs.get(doc)?.corrections ?? [];
  }

  /** The model's current labels as annotations (word labels, or entity spans for BIO models). */
  modelLabels(doc: vscode.TextDocument): Annotation[] {
    const result = this.labels.current(doc);
    if (!result) return [];
    const scheme = this.model.loaded?.bundle.config.labelScheme ?? 'plain';
    return modelAnnotations(doc.getText(), result.words, scheme);
  }

  /**
   * The model's own labels, the memory of corrections left out: what the user's labels are
   * compared with (imports, Correct Label's review-or-correction; core/adapt/opinion.ts).
   */
  modelOwnLabels(doc: vscode.TextDocument): Annotation[] {
    const result = this.labels.current(doc);
    if (!result) return [];
    return modelOwnAnnotations(doc.getText(), result.words, this.model.loaded?.bundle.config.labelScheme ?? 'plain');
  }

  /** Corrections over the model's labels. */
  merged(doc: vscode.TextDocument): Annotation[] {
    return mergeAnnotations(this.modelLabels(doc), this.corrections(doc));
  }

  snapshot(doc: vscode.TextDocument, editor?: vscode.TextEditor): AnnotationsSnapshot {
    const s = this.docs.get(doc);
    return {
      state: s?.state ?? 'none',
      sidecar: s?.sidecar,
      problems: s?.problems ?? [],
      saveError: s?.saveError,
      unsaved: s?.unsaved ?? false,
      corrections: s?.corrections ?? [],
      merged: this.merged(doc),
      undo: s?.undo.length ?? 0,
      redo: s?.redo.length ?? 0,
      decorations: editor ? this.decorations.snapshot(editor) : [],
      conflicts: s?.conflict?.result.conflicts.length ?? 0,
    };
  }

  // --- commands ---

  /**
   * Replaces the document's corrections (one undoable step). Refused, with an error, when the
   * sidecar cannot be read. Returns whether the corrections were changed.
   */
  async set(doc: vscode.TextDocument, next: readonly Annotation[], what: string): Promise<boolean> {
    const s = await this.state(doc);
    if (s.state === 'unreadable') {
      messages.correctionRefused(what, s.sidecar, s.problems[0]);
      return false;
    }
    beginStep(s);
    await this.replace(doc, s, [...next]);
    this.log.info(`${what}: ${vscode.workspace.asRelativePath(doc.uri)} has ${s.corrections.length} corrections`);
    return true;
  }

  /** Undo Correction: the corrections one step back; false with none to undo. */
  undo(doc: vscode.TextDocument): Promise<boolean> {
    return this.step(doc, stepBack);
  }

  /** Redo Correction: the corrections one step forward; false with none to redo. */
  redo(doc: vscode.TextDocument): Promise<boolean> {
    return this.step(doc, stepForward);
  }

  private async step(doc: vscode.TextDocument, take: (s: DocAnnotations) => Annotation[] | undefined): Promise<boolean> {
    const s = await this.state(doc);
    const next = take(s);
    if (!next) return false;
    await this.replace(doc, s, next);
    return true;
  }

  /**
   * Save Corrections (and the Retry of a failed write): writes the document's corrections now.
   * Returns whether the sidecar holds them afterwards.
   */
  async saveNow(doc: vscode.TextDocument): Promise<boolean> {
    const s = await this.state(doc);
    if (s.state === 'memory') {
      messages.memoryOnly();
      return false;
    }
    if (s.state === 'unreadable') {
      messages.notOverwritten(s.sidecar);
      return false;
    }
    if (doc.isDirty) {
      messages.savedWithDocument();
      return false;
    }
    if (!s.unsaved) return true;
    return this.save(doc, s);
  }

  /** The user's answer to an outside change that conflicts (the message's buttons; a command for tests). */
  async settleConflict(doc: vscode.TextDocument, take: 'ours' | 'theirs'): Promise<boolean> {
    const s = await this.state(doc);
    return this.outside.settle(doc, s, take);
  }

  /** The correction style setting changed: the decorations are made again in the new style. */
  restyle(): void {
    this.decorations.reset();
    for (const ed of vscode.window.visibleTextEditors) this.redraw(ed.document);
  }

  // --- the state machine ---

  private async state(doc: vscode.TextDocument): Promise<DocAnnotations> {
    await this.load(doc);
    return this.docs.get(doc)!;
  }

  private load(doc: vscode.TextDocument): Promise<void> {
    const existing = this.docs.get(doc);
    if (existing) return existing.loading ?? Promise.resolve();
    const file = doc.uri.scheme === 'file' ? sidecarPath(doc.uri.fsPath, this.config.sidecarLocation) : undefined;
    const s = newDocState(file);
    this.docs.set(doc, s);
    // sidecar files themselves get no sidecar
    if (!file || doc.uri.fsPath.endsWith(this.config.sidecarLocation.suffix)) return Promise.resolve();
    s.loading = (async () => {
      const read = await readInto(s, file, doc.getText(), this.log);
      this.outside.watch(doc, s);
      if (read === 'unreadable') {
        messages.sidecarUnreadable(file, s.problems[0]);
        return;
      }
      if (read === 'loaded') {
        this.redraw(doc);
        this.changed.fire(doc);
      }
      await this.restoreUnwritten(doc, s);
    })().finally(() => {
      s.loading = undefined;
    });
    return s.loading;
  }

  private async replace(doc: vscode.TextDocument, s: DocAnnotations, next: Annotation[]): Promise<void> {
    s.corrections = next;
    s.unsaved = true;
    if (s.textHash === undefined) s.textHash = hashText(doc.getText());
    this.redraw(doc);
    this.replaced.fire(doc);
    this.changed.fire(doc);
    if (!doc.isDirty) await this.save(doc, s);
  }

  /** Puts back corrections kept at close when the text is the same, and saves them. */
  private async restoreUnwritten(doc: vscode.TextDocument, s: DocAnnotations): Promise<void> {
    const kept = this.unwritten.take(doc, s);
    if (!kept) return;
    if (kept.kind === 'dropped') {
      this.log.warn(
        `${doc.uri.fsPath}: ${kept.corrections.length} corrections that could not be written earlier no longer fit its text and are dropped`,
      );
      return;
    }
    s.undo.push(s.corrections);
    s.corrections = kept.corrections;
    s.textHash = kept.textHash;
    s.unsaved = true;
    this.redraw(doc);
    this.changed.fire(doc);
    this.log.info(
      `${doc.uri.fsPath}: ${kept.corrections.length} corrections that could not be written earlier are back; writing them again`,
    );
    await this.save(doc, s);
  }

  /** Writes the sidecar; on failure tells the user and keeps everything. Returns whether it was written. */
  private async save(doc: vscode.TextDocument, s: DocAnnotations): Promise<boolean> {
    if (!s.sidecar || s.state === 'unreadable' || s.state === 'memory') return false;
    // No file for a document that never had corrections.
    if (s.state === 'none' && s.corrections.length === 0) return true;
    // never over a change made outside the editor: it is merged first (or asked about)
    const before = await this.outside.beforeWrite(doc, s);
    if (before === 'held') return false;
    if (before === 'nothing') return true;
    if (s.state === 'none' && s.corrections.length === 0) return true;
    const corrections = s.corrections;
    const failed = await writeFrom(s, doc);
    if (failed) {
      s.saveError = failed.error;
      this.log.error(`${s.saveError} (${failed.detail})`);
      this.changed.fire(doc);
      messages.saveFailed(s.saveError, () => void this.saveNow(doc));
      return false;
    }
    s.state = 'loaded';
    // a correction made during the write is written by its own save
    if (s.corrections === corrections) s.unsaved = false;
    if (s.saveError !== undefined) {
      s.saveError = undefined;
      this.log.info(`the corrections to ${doc.uri.fsPath} are saved to ${s.sidecar} now`);
      messages.savedAgain(path.basename(doc.uri.fsPath));
      this.changed.fire(doc);
    }
    return true;
  }

  private redraw(doc: vscode.TextDocument): void {
    const corrections = this.corrections(doc);
    for (const editor of editorsOf(doc)) this.decorations.draw(editor, corrections);
  }

  dispose(): void {
    this.outside.dispose();
    this.decorations.dispose();
    this.replaced.dispose();
    this.changed.dispose();
  }
}
