// The labels of each document, as last computed, tied to the document version they belong to.
import * as vscode from 'vscode';
import type { LabeledText, WordLabel } from './core/labeler';

export interface DocumentLabels {
  readonly uri: string;
  readonly version: number;
  readonly result: LabeledText;
}

// Keyed by the document object, not its URI: an untitled document's URI is reused by the next
// untitled document, which must not inherit its labels.
export class LabelStore {
  private byDoc = new WeakMap<vscode.TextDocument, DocumentLabels>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;

  get(doc: vscode.TextDocument): DocumentLabels | undefined {
    return this.byDoc.get(doc);
  }

  set(doc: vscode.TextDocument, version: number, result: LabeledText): void {
    this.byDoc.set(doc, { uri: doc.uri.toString(), version, result });
    this.changed.fire(doc.uri.toString());
  }

  delete(doc: vscode.TextDocument): void {
    if (this.byDoc.delete(doc)) this.changed.fire(doc.uri.toString());
  }

  /** The labeled word at an offset (binary search: words are sorted and disjoint). */
  static wordAt(words: readonly WordLabel[], offset: number): WordLabel | undefined {
    let lo = 0;
    let hi = words.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const w = words[mid];
      if (offset < w.start) hi = mid - 1;
      else if (offset >= w.end) lo = mid + 1;
      else return w;
    }
    return undefined;
  }

  dispose(): void {
    this.changed.dispose();
    this.byDoc = new WeakMap();
  }
}
