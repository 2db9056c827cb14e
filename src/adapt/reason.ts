// The hover's line that says why a word has its label when a remembered correction decided it.
import type { LabelReason } from '../core/labeler';
import { percent } from '../percent';

export function reasonLine(r: LabelReason): string {
  const what = r.source.kind === 'correction' ? 'your correction' : 'your accepted label';
  const word = r.source.word.replace(/[`*_[\]\\]/g, (c) => `\\${c}`);
  return `$(history) From ${what} of "${word}" in ${r.source.file}:${r.source.line} (${percent(r.similarity)} similar)`;
}
