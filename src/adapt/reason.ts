// The hover's line that says why a word has its label when a remembered correction decided it,
// and what the model alone said (core/adapt/opinion.ts): the label in force is the user's, the
// model's own is kept beside it so that the hover never passes one off as the other.
import type { LabelReason } from '../core/labeler';
import { percent } from '../percent';

export function reasonLine(r: LabelReason): string {
  const what = r.source.kind === 'correction' ? 'your correction' : 'your accepted label';
  const word = r.source.word.replace(/[`*_[\]\\]/g, (c) => `\\${c}`);
  const own = r.model[0];
  const alone = own ? `; the model alone: ${own.label} ${percent(own.score)}` : '';
  return `$(history) From ${what} of "${word}" in ${r.source.file}:${r.source.line} (${percent(r.similarity)} similar)${alone}`;
}
