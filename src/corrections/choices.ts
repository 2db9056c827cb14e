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

/** A row of the correction pick: its number key, the label and what it means, the model's probability. */
export interface ChoiceRow {
  /** What the row's number is ("1", "2", ...): typing it picks the row. */
  readonly key: string;
  readonly label: string;
  /** "1 NOUN — noun": the row's text. */
  readonly text: string;
  /** "92.1% (current)": the probability and the current-label mark. */
  readonly detail: string;
}

/**
 * The rows of the pick, numbered from 1 in the order of the choices; `describe` gives a label's
 * description (core/label_info.ts) and `score` writes a probability.
 */
export function choiceRows(
  choices: readonly { label: string; score?: number; current: boolean; description?: string }[],
  describe: (label: string) => string | undefined,
  score: (p: number) => string,
): ChoiceRow[] {
  return choices.map((c, i) => {
    const key = String(i + 1);
    const d = c.description ?? describe(c.label);
    return {
      key,
      label: c.label,
      text: `${key} ${c.label}${d ? ` — ${d}` : ''}`,
      detail: [c.score !== undefined ? score(c.score) : '', c.current ? '(current)' : ''].filter(Boolean).join(' '),
    };
  });
}

/**
 * What the text typed into the pick chooses. A number picks its row once no row number with more digits
 * starts with it ("2" of 17 rows at once; "1" waits for "10"–"17", and Enter takes row 1);
 * letters pick the one label they begin (case-insensitive: "pu" is PUNCT), else the rows they
 * could still become, an exact label first. `pick` is the row to take at once; `candidates`
 * the rows still possible, the best first.
 */
export function typedChoice(typed: string, rows: readonly Pick<ChoiceRow, 'key' | 'label'>[]): { pick?: number; candidates: number[] } {
  const t = typed.trim();
  if (!t) return { candidates: [] };
  const indices = rows.map((_, i) => i);
  if (/^\d+$/.test(t)) {
    const candidates = indices.filter((i) => rows[i].key.startsWith(t));
    const exact = indices.find((i) => rows[i].key === t);
    if (exact !== undefined && candidates.length === 1) return { pick: exact, candidates };
    return { candidates: exact === undefined ? candidates : [exact, ...candidates.filter((i) => i !== exact)] };
  }
  const lower = t.toLowerCase();
  const candidates = indices.filter((i) => rows[i].label.toLowerCase().startsWith(lower));
  if (candidates.length === 1) return { pick: candidates[0], candidates };
  const exact = candidates.find((i) => rows[i].label.toLowerCase() === lower);
  return { candidates: exact === undefined ? candidates : [exact, ...candidates.filter((i) => i !== exact)] };
}
