// Next / Previous Label and Next / Previous Low-Confidence Label: move the cursor to a drawn
// label and select it (the annotator's review loop). The choice of the label is in
// core/ranges.ts over the units of core/display_units.ts; this is the editor glue.
import * as vscode from 'vscode';
import { displayUnitsOf, type DisplayUnit } from '../core/display_units';
import { nextLabelIndex, type Step } from '../core/ranges';
import { shownLabels } from '../display/shown';
import type { Services } from '../services';
import { select } from '../editors';

export type NavigationServices = Pick<Services, 'config' | 'model' | 'labels' | 'runs' | 'working'>;

/** What a navigation command selected (returned for tests and other extensions). */
export interface NavigationResult {
  readonly start: number;
  readonly end: number;
  readonly label: string;
  readonly score: number;
  readonly wrapped: boolean;
}

/** Tells the user that the document has no labels for its text as it is. */
export function sayNoCurrentLabels(): void {
  void vscode.window.showInformationMessage('BERT+LSTM: this document has no current labels. Run "Label Document" first.');
}

/** Tells the user, in the status bar, that a search went round the end (or the start) of the document. */
export function sayWrapped(direction: Step): void {
  void vscode.window.setStatusBarMessage(`BERT+LSTM: wrapped around to the ${direction === 1 ? 'start' : 'end'} of the document`, 3000);
}

/**
 * Selects the next (or previous) shown label from the cursor, only low-confidence ones if asked,
 * passing over the units `skip` says (Accept Label and Next: those already reviewed).
 */
export async function goToLabel(
  s: NavigationServices,
  direction: Step,
  lowConfidenceOnly: boolean,
  skip?: (u: DisplayUnit) => boolean,
): Promise<NavigationResult | undefined> {
  const editor = await s.working.editorOr();
  if (!editor) return undefined;
  const doc = editor.document;
  // a live run for this version may be about to finish: use its labels
  const running = s.runs.runningFor(doc);
  if (!s.labels.current(doc) && running) await running.promise;
  const labels = s.labels.current(doc);
  if (!labels) {
    sayNoCurrentLabels();
    return undefined;
  }
  const { scheme, hidden, threshold } = shownLabels(s.config, s.model);
  const units = displayUnitsOf(labels.words, scheme, hidden);
  const low = (u: DisplayUnit): boolean => u.score < threshold;
  const wanted = lowConfidenceOnly || skip ? (u: DisplayUnit) => (!lowConfidenceOnly || low(u)) && !skip?.(u) : undefined;
  const found = nextLabelIndex(units, doc.offsetAt(editor.selection.start), direction, wanted);
  if (!found) {
    const below = `labels below the confidence threshold (${Math.round(threshold * 100)}%)`;
    const what = lowConfidenceOnly ? (skip ? `no ${below} left to review` : `no ${below}`) : 'no labels are shown';
    void vscode.window.showInformationMessage(`BERT+LSTM: ${what} in this document.`);
    return undefined;
  }
  const u = units[found.index];
  const range = new vscode.Range(doc.positionAt(u.start), doc.positionAt(u.end));
  await select(editor, new vscode.Selection(range.start, range.end));
  editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  if (found.wrapped) sayWrapped(direction);
  return { start: u.start, end: u.end, label: u.label, score: u.score, wrapped: found.wrapped };
}

export function registerNavigation(s: NavigationServices): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand('bertLstm.nextLabel', () => goToLabel(s, 1, false)),
    vscode.commands.registerCommand('bertLstm.previousLabel', () => goToLabel(s, -1, false)),
    vscode.commands.registerCommand('bertLstm.nextLowConfidenceLabel', () => goToLabel(s, 1, true)),
    vscode.commands.registerCommand('bertLstm.previousLowConfidenceLabel', () => goToLabel(s, -1, true)),
  ];
}
