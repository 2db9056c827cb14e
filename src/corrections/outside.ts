// Sidecars changed outside the editor (another tool, `git pull`, a second window): each loaded
// document's sidecar is watched, and before every write its content is checked against what
// the editor last read or wrote (a watcher can miss an event, or arrive after the write began).
// An outside change is merged with the editor's corrections (core/sidecar_merge.ts): changes
// from one side are taken; labels changed on both sides in different ways are asked about
// ("Keep Mine" / "Use the File's"), and nothing is written until the user answers. A file that
// became unreadable is left as it is and corrections are off, as for any unreadable sidecar.
//
// The check and the write are not one atomic step: a change that lands between them is lost
// to the rename. The window is one write long; the watcher makes a change seen long before.
import { watch as watchFs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { anchorToText, type Annotation } from '../core/annotations';
import { readSidecar, type SidecarRead } from '../core/sidecar';
import { describeConflict, mergeSidecar, settleConflicts } from '../core/sidecar_merge';
import type { DocAnnotations } from './doc_state';
import { beginStep } from './history';
import * as messages from './messages';

/** What the store does for this file when a merge changes a document's corrections. */
export interface OutsideHost {
  /** The corrections changed: redraw, tell listeners. */
  changed(doc: vscode.TextDocument, replaced: boolean): void;
  /** Write the sidecar now (the document has no unsaved edits). */
  save(doc: vscode.TextDocument): Promise<boolean>;
}

/** What a check before a write found: write the corrections, nothing to write, or hold (conflict, unreadable). */
export type BeforeWrite = 'write' | 'nothing' | 'held';

export class OutsideChanges implements vscode.Disposable {
  private readonly watchers = new Map<DocAnnotations, vscode.Disposable>();
  /** One check at a time per document (a watcher event during a write waits for it). */
  private readonly queue = new WeakMap<DocAnnotations, Promise<unknown>>();

  constructor(
    private readonly host: OutsideHost,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /**
   * Watches the document's sidecar (created, changed or deleted outside): the folder through
   * Node's fs.watch (inotify here: in place at once, and a rename over the file is seen) and
   * VS Code's watcher besides (the one that works where fs.watch cannot); a change seen twice is
   * checked twice, the second check finds nothing new.
   */
  watch(doc: vscode.TextDocument, s: DocAnnotations): void {
    if (!s.sidecar || this.watchers.has(s)) return;
    const dir = path.dirname(s.sidecar);
    const name = path.basename(s.sidecar);
    const check = (): void => {
      void this.serial(s, () => this.check(doc, s, true));
    };
    const w = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), name));
    const parts: vscode.Disposable[] = [w, w.onDidChange(check), w.onDidCreate(check), w.onDidDelete(check)];
    try {
      const fsw = watchFs(dir, { persistent: false }, (_event, file) => {
        if (file === null || file === name) check();
      });
      fsw.on('error', () => fsw.close());
      parts.push({ dispose: () => fsw.close() });
    } catch {
      // no such folder yet, or no watch left (inotify limits): VS Code's watcher and the check before each write remain
    }
    this.watchers.set(s, vscode.Disposable.from(...parts));
  }

  unwatch(s: DocAnnotations): void {
    this.watchers.get(s)?.dispose();
    this.watchers.delete(s);
  }

  /** Before a write: merges an outside change first. 'write': write s.corrections now. */
  beforeWrite(doc: vscode.TextDocument, s: DocAnnotations): Promise<BeforeWrite> {
    return this.serial(s, () => this.check(doc, s, false));
  }

  /** The user's answer to a conflict: every conflicting label takes the editor's version or the file's. */
  async settle(doc: vscode.TextDocument, s: DocAnnotations, take: 'ours' | 'theirs'): Promise<boolean> {
    const c = s.conflict;
    if (!c) return false;
    // merged again: corrections made while the question was open are kept
    const text = doc.getText();
    const r = mergeSidecar(anchorToText(s.base, text).annotations, s.corrections, c.theirs);
    s.conflict = undefined;
    beginStep(s);
    s.corrections = settleConflicts(r, take);
    s.base = c.theirs;
    s.fileHash = c.hash;
    s.unsaved = true;
    this.log.info(
      `${s.sidecar}: ${r.conflicts.length} conflicting labels settled with ${take === 'ours' ? "the editor's" : "the file's"} version`,
    );
    this.host.changed(doc, true);
    if (!doc.isDirty) await this.host.save(doc);
    return true;
  }

  private serial<T>(s: DocAnnotations, op: () => Promise<T>): Promise<T> {
    const next = (this.queue.get(s) ?? Promise.resolve()).then(op, op);
    this.queue.set(
      s,
      next.catch(() => undefined),
    );
    return next;
  }

  private async check(doc: vscode.TextDocument, s: DocAnnotations, fromWatcher: boolean): Promise<BeforeWrite> {
    if (!s.sidecar || s.state === 'memory') return 'write';
    const read = await readSidecar(s.sidecar);
    const hash = read.kind === 'missing' ? undefined : read.hash;
    if (hash === s.fileHash) return s.conflict ? 'held' : s.state === 'unreadable' ? 'held' : 'write';
    return this.merge(doc, s, read, hash, fromWatcher);
  }

  private async merge(
    doc: vscode.TextDocument,
    s: DocAnnotations,
    read: SidecarRead,
    hash: string | undefined,
    fromWatcher: boolean,
  ): Promise<BeforeWrite> {
    const file = s.sidecar!;
    if (read.kind === 'unreadable') {
      s.state = 'unreadable';
      s.problems = read.problems;
      s.fileHash = hash;
      this.log.error(
        `${file} was changed outside the editor and cannot be used now (it is left as it is): ${read.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}`,
      );
      messages.sidecarUnreadable(file, read.problems[0]);
      this.host.changed(doc, false);
      return 'held';
    }
    const text = doc.getText();
    const theirs: Annotation[] = read.kind === 'ok' ? anchorToText(read.annotations, text).annotations : [];
    const base = anchorToText(s.base, text).annotations;
    const r = mergeSidecar(base, s.corrections, theirs);
    if (s.state === 'unreadable') s.problems = [];
    if (r.conflicts.length) {
      // the file's other changes are taken now; the conflicting labels keep the editor's version
      // until the user chooses, and the base stays as it was so that they stay conflicts
      s.conflict = { result: r, theirs, hash };
      if (r.tookTheirs) {
        beginStep(s);
        s.corrections = settleConflicts(r, 'ours');
      }
      s.unsaved = true;
      this.log.warn(
        `${file} was changed outside the editor; ${r.conflicts.length} labels were changed here too: ${r.conflicts.map(describeConflict).join(', ')}; nothing is written until one version is chosen`,
      );
      this.host.changed(doc, r.tookTheirs);
      void vscode.window
        .showWarningMessage(
          `BERT+LSTM: ${path.basename(file)} was changed outside the editor, and ${r.conflicts.length === 1 ? 'a label was' : `${r.conflicts.length} labels were`} changed here too: ` +
            `${r.conflicts.slice(0, 3).map(describeConflict).join(', ')}${r.conflicts.length > 3 ? ', …' : ''}. The other changes are merged. Which version should these labels keep? Nothing is written until you choose.`,
          'Keep Mine',
          "Use the File's",
        )
        .then((a) => {
          if (a && s.conflict) void this.settle(doc, s, a === 'Keep Mine' ? 'ours' : 'theirs');
        });
      return 'held';
    }
    s.conflict = undefined;
    if (r.tookTheirs) {
      beginStep(s);
      s.corrections = r.merged;
    }
    s.base = theirs;
    s.fileHash = hash;
    s.state = read.kind === 'ok' ? 'loaded' : s.corrections.length ? 'loaded' : 'none';
    s.unsaved = r.keptOurs;
    this.log.info(
      `${file} was changed outside the editor: merged (${r.tookTheirs ? 'its changes taken' : 'nothing new in it'}${r.keptOurs ? ", the editor's own changes kept" : ''})`,
    );
    if (r.tookTheirs) this.host.changed(doc, true);
    if (!r.keptOurs) return 'nothing';
    if (fromWatcher && !doc.isDirty) void this.host.save(doc);
    return 'write';
  }

  dispose(): void {
    for (const w of this.watchers.values()) w.dispose();
    this.watchers.clear();
  }
}
