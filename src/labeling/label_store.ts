// The labels of each document, as last computed, tied to the document version they belong to,
// and whether they cover all of it (partial labels are shown while a run goes on).
import * as vscode from 'vscode';
import type { LabeledText, WordLabel } from '../core/labeler';
import { partitionPoint } from '../core/ranges';

export interface DocumentLabels {
  readonly version: number;
  readonly result: LabeledText;
  /** The labels of part of the document only: a run still going drew what it had, or labels carried through edits. */
  readonly partial: boolean;
}

// Keyed by the document object, not its URI: an untitled document's URI is reused by the next
// untitled document, which must not inherit its labels.
export class LabelStore {
  private byDoc = new WeakMap<vscode.TextDocument, DocumentLabels>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;

  /** The last labels of a document, whatever version they belong to. */
  get(doc: vscode.TextDocument): DocumentLabels | undefined {
    return this.byDoc.get(doc);
  }

  /** The labels of the document as it is at that moment; undefined when it changed since (stale labels). */
  current(doc: vscode.TextDocument): LabeledText | undefined {
    const l = this.byDoc.get(doc);
    return l && l.version === doc.version ? l.result : undefined;
  }

  /** The labels of the document as it is at that moment, only if they cover all of it (no run still drawing part of them). */
  complete(doc: vscode.TextDocument): LabeledText | undefined {
    const l = this.byDoc.get(doc);
    return l && l.version === doc.version && !l.partial ? l.result : undefined;
  }

  set(doc: vscode.TextDocument, version: number, result: LabeledText, partial = false): void {
    this.byDoc.set(doc, { version, result, partial });
    this.changed.fire(doc.uri.toString());
  }

  delete(doc: vscode.TextDocument): void {
    if (this.byDoc.delete(doc)) this.changed.fire(doc.uri.toString());
  }

  /** The labeled word at an offset (binary search: words are sorted and disjoint). */
  static wordAt(words: readonly WordLabel[], offset: number): WordLabel | undefined {
    const w = words[partitionPoint(words.length, (i) => words[i].end > offset)];
    return w && w.start <= offset ? w : undefined;
  }

  dispose(): void {
    this.changed.dispose();
    this.byDoc = new WeakMap();
  }
}
