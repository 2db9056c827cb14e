// Hover on a corrected or reviewed label: says so, with the model's label when it differs, and
// flags a label whose text was edited since. The model-label hover (display/hover.ts) says the rest.
import * as vscode from 'vscode';
import { annotationAt, REMOVED_LABEL } from '../core/annotations';
import type { CorrectionsStore } from './store';
import { percent } from '../percent';

/** Hover on a corrected or reviewed label: says so, with the model's label when it differs. */
export class CorrectionHoverProvider implements vscode.HoverProvider {
  constructor(private readonly store: CorrectionsStore) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const offset = doc.offsetAt(pos);
    const c = annotationAt(this.store.corrections(doc), offset);
    if (!c) return undefined;
    const model = annotationAt(this.store.modelLabels(doc), offset);
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = false;
    if (c.label === REMOVED_LABEL) md.appendMarkdown('$(circle-slash) label **removed** by you');
    else
      md.appendMarkdown(
        `$(${c.source === 'reviewed' ? 'pass' : 'edit'}) **${c.label}** ${c.source === 'reviewed' ? 'reviewed' : 'corrected'}`,
      );
    if (model && model.label !== c.label)
      md.appendMarkdown(` · model: ${model.label}${model.score !== undefined ? ` ${percent(model.score)}` : ''}`);
    if (c.needsReview) md.appendMarkdown('\n\n$(warning) its text was edited since: check the label (Accept Label to confirm)');
    return new vscode.Hover(md, new vscode.Range(doc.positionAt(c.start), doc.positionAt(c.end)));
  }
}
