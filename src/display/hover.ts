// Hover on a labeled word: its label and confidence, the top alternatives, its sub-word pieces
// with their own labels, the aggregation strategy, and the segment's sequence label.
import * as vscode from 'vscode';
import type { WordLabel, WindowResult } from '../core/labeler';
import { reasonLine } from '../adapt/reason';
import type { Config } from '../config';
import { LabelStore } from '../labeling/label_store';
import { percent } from '../percent';

const code = (s: string): string => '`` ' + s.replace(/`/g, 'ˋ') + ' ``';

export function hoverMarkdown(
  word: WordLabel,
  window: WindowResult | undefined,
  strategy: string,
  threshold: number,
): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.supportHtml = false;
  md.isTrusted = false;
  const low = word.score < threshold ? ' $(warning) low confidence' : '';
  md.appendMarkdown(`**${word.label}** ${percent(word.score)}${low}\n\n`);
  const alts = word.alternatives.slice(1).map((a) => `${a.label} ${percent(a.score)}`);
  if (alts.length) md.appendMarkdown(`Alternatives: ${alts.join(' · ')}\n\n`);
  if (word.reason) md.appendMarkdown(`${reasonLine(word.reason)}\n\n`);
  if (word.pieces.length > 1 || (word.pieces[0] && word.pieces[0].text !== word.text.toLowerCase())) {
    const pieces = word.pieces.map((p) => `${code(p.text)} ${p.label} ${percent(p.score)}`);
    md.appendMarkdown(`Pieces (${strategy}): ${pieces.join(' · ')}\n\n`);
  }
  const top = window?.sequence[0];
  if (top) md.appendMarkdown(`Segment: **${top.label}** ${percent(top.score)}`);
  return md;
}

export class LabelHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly store: LabelStore,
    private readonly config: Config,
  ) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const labels = this.store.current(doc);
    if (!labels) return undefined;
    const word = LabelStore.wordAt(labels.words, doc.offsetAt(pos));
    if (!word) return undefined;
    const range = new vscode.Range(doc.positionAt(word.start), doc.positionAt(word.end));
    return new vscode.Hover(
      hoverMarkdown(word, labels.windows[word.window], this.config.aggregationStrategy, this.config.confidenceThreshold),
      range,
    );
  }
}
