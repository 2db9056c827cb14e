// The choices Correct Label offers: the model's labels at the word or span, most probable first
// (for BIO/BIOES models, entity types with the probability of their best tag), then the labels
// the model did not score, the current one marked. Pure: no `vscode` import.
import type { LabelScore } from '../core/aggregate';
import { splitTag } from '../core/spans';

export interface LabelChoice {
  readonly label: string;
  /** The model's probability, when it has one for this unit. */
  readonly score?: number;
  readonly current: boolean;
}

/** The labels for the quick pick: the model's, most probable first, then the rest. */
export function labelChoices(
  probabilities: readonly LabelScore[],
  allLabels: readonly string[],
  current: string | undefined,
): LabelChoice[] {
  const seen = new Set<string>();
  const out: LabelChoice[] = [];
  for (const p of [...probabilities].sort((a, b) => b.score - a.score)) {
    if (seen.has(p.label)) continue;
    seen.add(p.label);
    out.push({ label: p.label, score: p.score, current: p.label === current });
  }
  for (const l of allLabels) {
    if (!seen.has(l)) {
      seen.add(l);
      out.push({ label: l, current: l === current });
    }
  }
  return out;
}

/** Entity types of a BIO/BIOES model with the probability of the best tag of each, best first. */
export function typeProbabilities(alternatives: readonly LabelScore[], scheme: 'BIO' | 'BIOES'): LabelScore[] {
  const best = new Map<string, number>();
  for (const a of alternatives) {
    const [, type] = splitTag(a.label, scheme);
    best.set(type, Math.max(best.get(type) ?? 0, a.score));
  }
  return [...best].map(([label, score]) => ({ label, score })).sort((a, b) => b.score - a.score);
}
