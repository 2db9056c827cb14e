// What the model itself says about a word, the memory of corrections left out.
//
// The memory (memory.ts, apply.ts) makes a word like one the user labeled take the user's label:
// that is the label in force, the one drawn, exported and navigated. But wherever the user's
// labels are compared with "the model" (the hover's "Model:" line under a correction, the
// panel's model label beside a correction, an import's "2 differ from the model, 95 agree",
// whether a new label is a correction or a review of the model's), the memory would compare the
// user with the user: a corrected word's own example is the nearest one to it (the correction
// echoed back as the model's opinion), and another correction of the same word makes a file
// that labels it consistently agree with itself. So those compare with the model's own labels:
// the token head in use (the shipped one, or the adapted one Learn from Corrections kept, which
// is what the model learned), before the memory. Pure, no `vscode`.
import type { LabelScore } from '../aggregate';
import { modelAnnotations, type Annotation, type ScoredWord } from '../annotations';
import type { LabelScheme } from '../bundle';
import type { WordLabel } from '../word_table';

export interface ModelOpinion {
  readonly label: string;
  readonly score: number;
  /** Best labels first (the label itself included). */
  readonly alternatives: readonly LabelScore[];
}

/** The model's own label of a word: the label in force unless the memory decided it. */
export function modelOpinion(word: WordLabel): ModelOpinion {
  const own = word.reason?.model;
  if (own?.length) return { label: own[0].label, score: own[0].score, alternatives: own };
  return { label: word.label, score: word.score, alternatives: word.alternatives };
}

/** The words with the model's own labels (what `modelAnnotations` reads). */
export function modelOwnWords(words: readonly WordLabel[]): ScoredWord[] {
  return words.map((w) => {
    const o = modelOpinion(w);
    return { start: w.start, end: w.end, text: w.text, label: o.label, score: o.score };
  });
}

/** The model's own labels as annotations (word labels, or entity spans for BIO models). */
export function modelOwnAnnotations(text: string, words: readonly WordLabel[], scheme: LabelScheme): Annotation[] {
  return modelAnnotations(text, modelOwnWords(words), scheme);
}
