// The labels of each document, as last computed, tied to the document version they belong to.
import * as vscode from 'vscode';
import type { LabeledText, WordLabel } from './core/labeler';

export interface DocumentLabels {
  readonly uri: string;
  readonly version: number;
  readonly result: LabeledText;
}

export class LabelStore {
  private readonly byUri = new Map<string, DocumentLabels>();
  private readonly changed = new vscode.EventEmitter<string>();
  readonly onDidChange = this.changed.event;

  get(doc: vscode.TextDocument): DocumentLabels | undefined {
    return this.byUri.get(doc.uri.toString());
  }

  set(doc: vscode.TextDocument, version: number, result: LabeledText): void {
    this.byUri.set(doc.uri.toString(), { uri: doc.uri.toString(), version, result });
    this.changed.fire(doc.uri.toString());
  }

  delete(uri: vscode.Uri): void {
    if (this.byUri.delete(uri.toString())) this.changed.fire(uri.toString());
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
    this.byUri.clear();
  }
}
