// Imported labels against the model's: an imported file (often this extension's own export,
// edited in a few places) says a label for every word, but only the labels that differ from
// the model's are corrections. The ones that agree are marked reviewed (the file's author saw
// them) or left to the model, as the user chooses; the counts are what the import's message
// says ("2 differ from the model, 95 agree"). Pure, no `vscode`.
import { REMOVED_LABEL, type Annotation } from './annotations';

/** What an import does with a label that agrees with the model: mark it reviewed, or leave the model's label alone. */
export type AgreeingLabels = 'reviewed' | 'unchanged';
export const AGREEING_LABELS: readonly AgreeingLabels[] = ['reviewed', 'unchanged'];

export interface ImportComparison {
  /** The corrections to store: the differing labels as corrections, the agreeing ones reviewed (or none). */
  readonly annotations: Annotation[];
  readonly differ: number;
  readonly agree: number;
}

const key = (a: { start: number; end: number }): string => `${a.start}:${a.end}`;

/**
 * Compares imported labels with the model's labels of the same text (both in annotation form,
 * in document order). A label agrees when the model has the same label over exactly the same
 * range; a removal (`O` over a span) agrees when no model label overlaps it.
 */
export function compareWithModel(
  imported: readonly Annotation[],
  model: readonly Annotation[],
  agreeing: AgreeingLabels,
): ImportComparison {
  const byRange = new Map(model.map((m) => [key(m), m]));
  const annotations: Annotation[] = [];
  let differ = 0;
  let agree = 0;
  // model labels in order, for the overlap test of removals
  let j = 0;
  for (const a of imported) {
    let agrees: boolean;
    let score: number | undefined;
    if (a.label === REMOVED_LABEL) {
      while (j < model.length && model[j].end <= a.start) j++;
      agrees = !(j < model.length && model[j].start < a.end);
    } else {
      const m = byRange.get(key(a));
      agrees = m?.label === a.label;
      score = m?.score;
    }
    if (!agrees) {
      differ++;
      annotations.push({ ...a, source: 'corrected' });
      continue;
    }
    agree++;
    if (agreeing === 'reviewed' && a.label !== REMOVED_LABEL) {
      const reviewed: Annotation = { start: a.start, end: a.end, text: a.text, label: a.label, source: 'reviewed' };
      annotations.push(score !== undefined ? { ...reviewed, score } : reviewed);
    }
  }
  return { annotations, differ, agree };
}

/** "2 differ from the model, 95 agree". */
export function comparisonSummary(c: Pick<ImportComparison, 'differ' | 'agree'>): string {
  return `${c.differ} differ${c.differ === 1 ? 's' : ''} from the model, ${c.agree} agree${c.agree === 1 ? 's' : ''}`;
}
