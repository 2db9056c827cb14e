// The hover's first part on a corrected or reviewed label: the label in force, that the user set
// or accepted it, what it means, and a flag when its text was edited since. The model's opinion
// follows it in the same hover (display/hover.ts builds the hover from its parts).
import type * as vscode from 'vscode';
import { annotationAt, REMOVED_LABEL } from '../core/annotations';
import { describeLabel, type LabelDescriptions } from '../core/label_info';
import type { HoverPart } from '../display/hover';
import type { CorrectionsStore } from './store';

/** The correction or review at an offset as the hover's lead part, or undefined where there is none. */
export function correctionHoverPart(
  store: CorrectionsStore,
  doc: vscode.TextDocument,
  offset: number,
  descriptions: Pick<LabelDescriptions, 'labelDescriptions'> | undefined,
): HoverPart | undefined {
  const c = annotationAt(store.corrections(doc), offset);
  if (!c) return undefined;
  const lines: string[] = [];
  if (c.label === REMOVED_LABEL) lines.push('$(circle-slash) label **removed** by you');
  else {
    const what = c.source === 'reviewed' ? 'reviewed' : 'corrected';
    const d = descriptions && describeLabel(c.label, descriptions);
    lines.push(`$(${c.source === 'reviewed' ? 'pass' : 'edit'}) **${c.label}** ${what}${d ? ` — ${d}` : ''}`);
  }
  if (c.needsReview) lines.push('$(warning) its text was edited since: check the label (Accept Label to confirm)');
  return { markdown: lines.join('\n\n'), start: c.start, end: c.end };
}
