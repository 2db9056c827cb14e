// Corrections of closed documents whose sidecar could not be written, kept by file with a hash
// of the text they belong to, so that they come back when the file is opened again with the
// same text (and are dropped, with a note in the log, when its text changed meanwhile).
import type * as vscode from 'vscode';
import type { Annotation } from '../core/annotations';
import type { DocAnnotations } from './doc_state';
import { hashText } from './history';

interface Unwritten {
  readonly textHash: string;
  readonly corrections: Annotation[];
}

export class UnwrittenCorrections {
  private readonly byFile = new Map<string, Unwritten>();

  /**
   * Keeps a closing document's corrections if they could not be written; returns whether it did.
   * A document closed with unsaved text edits drops its unsaved corrections with the edits.
   */
  keep(doc: vscode.TextDocument, s: DocAnnotations): boolean {
    if (!s.unsaved || s.saveError === undefined || doc.isDirty || doc.uri.scheme !== 'file') return false;
    const textHash = hashText(doc.getText());
    if (textHash === undefined) return false;
    this.byFile.set(doc.uri.toString(), { textHash, corrections: s.corrections });
    return true;
  }

  /**
   * The corrections kept for a document being opened (they are forgotten here): 'back' when its
   * text is the one they belong to, 'dropped' when not, undefined when none were kept.
   */
  take(
    doc: vscode.TextDocument,
    s: DocAnnotations,
  ): { readonly kind: 'back' | 'dropped'; readonly corrections: Annotation[]; readonly textHash: string } | undefined {
    const key = doc.uri.toString();
    const kept = this.byFile.get(key);
    if (!kept) return undefined;
    this.byFile.delete(key);
    const fits = s.state !== 'unreadable' && hashText(doc.getText()) === kept.textHash;
    return { kind: fits ? 'back' : 'dropped', corrections: kept.corrections, textHash: kept.textHash };
  }
}
