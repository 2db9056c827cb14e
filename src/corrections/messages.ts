// What the corrections store tells the user, in one place: each message says what happened,
// that nothing is lost, and what to do. The store decides when; these say how.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { SidecarProblem } from '../core/sidecar';

/** The sidecar cannot be read: it is left as it is and corrections are off until it is fixed. */
export function sidecarUnreadable(file: string, first: SidecarProblem): void {
  void vscode.window.showErrorMessage(
    `BERT+LSTM: the annotation file ${path.basename(file)} cannot be read (line ${first.line}: ${first.message}). It is left as it is; corrections to this document are off until it is fixed or moved.`,
  );
}

/** A correction refused because the sidecar cannot be read. */
export function correctionRefused(what: string, sidecar: string | undefined, first: SidecarProblem | undefined): void {
  void vscode.window.showErrorMessage(
    `BERT+LSTM: ${what} was not applied: the annotation file ${sidecar} cannot be read (line ${first?.line}: ${first?.message}). Fix or move it first; it is left as it is.`,
  );
}

export function memoryOnly(): void {
  void vscode.window.showInformationMessage('BERT+LSTM: this document has no file, so its corrections are kept in memory only.');
}

export function notOverwritten(sidecar: string | undefined): void {
  void vscode.window.showErrorMessage(
    `BERT+LSTM: the annotation file ${sidecar} cannot be read, so it is not overwritten. Fix or move it first.`,
  );
}

/** The sidecar's offsets must fit the file on disk: it is written when the document is saved. */
export function savedWithDocument(): void {
  void vscode.window.showInformationMessage(
    'BERT+LSTM: the document has unsaved edits; its corrections are saved with it when you save it.',
  );
}

/** A write failed: nothing is lost, and Retry tries again (`retry`). */
export function saveFailed(error: string, retry: () => void): void {
  void vscode.window
    .showErrorMessage(
      `BERT+LSTM: ${error}. Nothing is lost: they are kept and shown, and saved with your next correction, ` +
        `when you save the document, or with Retry (Save Corrections). The file on disk is unchanged.`,
      'Retry',
    )
    .then((a) => {
      if (a === 'Retry') retry();
    });
}

/** A write succeeded after one that failed. */
export function savedAgain(docName: string): void {
  void vscode.window.showInformationMessage(`BERT+LSTM: the corrections to ${docName} are saved now.`);
}
