// The hover on a labeled word: one hover, built from a list of parts in the order the user reads
// them. The label in force comes first: a correction or review (corrections/hover.ts) when there
// is one, else the model's label; then the model's opinion (its label, confidence and what the
// label means, the top alternatives, the word's sub-word pieces with their own labels), then the
// segment's sequence label and what it means. One provider, so that VS Code cannot put the
// model's label above the user's; a new part (where a label came from, say) is one more entry.
import * as vscode from 'vscode';
import type { BundleConfig } from '../core/bundle';
import type { WordLabel, WindowResult } from '../core/labeler';
import { reasonLine } from '../adapt/reason';
import { modelOpinion } from '../core/adapt/opinion';
import { describeLabel, describeSequenceLabel, type LabelDescriptions } from '../core/label_info';
import type { Config } from '../config';
import { correctionHoverPart } from '../corrections/hover';
import type { CorrectionsStore } from '../corrections/store';
import { LabelStore } from '../labeling/label_store';
import type { ModelHost } from '../labeling/model_host';
import { percent } from '../percent';

const code = (s: string): string => '`` ' + s.replace(/`/g, 'ˋ') + ' ``';

/** " — what it means", or nothing when nothing describes it. */
const meaning = (d: string | undefined): string => (d ? ` — ${d}` : '');

/** One paragraph of the hover and the document range it is about (UTF-16 offsets). */
export interface HoverPart {
  readonly markdown: string;
  readonly start: number;
  readonly end: number;
}

const NO_DESCRIPTIONS: LabelDescriptions = { labelDescriptions: {}, sequenceLabelDescriptions: {} };

/** The segment's sequence label, its score and what it means ("Segment: **press** 81.0% — news reports …"). */
export function segmentLine(window: WindowResult | undefined, descriptions: LabelDescriptions = NO_DESCRIPTIONS): string | undefined {
  const top = window?.sequence[0];
  return top ? `Segment: **${top.label}** ${percent(top.score)}${meaning(describeSequenceLabel(top.label, descriptions))}` : undefined;
}

/**
 * The model's paragraphs about a word: its label (as "Model: …" when a correction is in force
 * above it), the alternatives, the pieces and the segment's label. Below a correction it is the
 * model's own opinion, the memory of corrections left out (core/adapt/opinion.ts): the memory
 * would echo the correction back. Elsewhere it is the label in force, and when a remembered
 * correction decided it, the line that says which and what the model alone said.
 */
export function modelHoverLines(
  word: WordLabel,
  window: WindowResult | undefined,
  opts: { strategy: string; threshold: number; descriptions?: LabelDescriptions; belowCorrection?: boolean },
): string[] {
  const descriptions = opts.descriptions ?? NO_DESCRIPTIONS;
  const shown = opts.belowCorrection ? modelOpinion(word) : word;
  const low = shown.score < opts.threshold ? ' $(warning) low confidence' : '';
  const lead = opts.belowCorrection ? 'Model: ' : '';
  const lines = [`${lead}**${shown.label}** ${percent(shown.score)}${meaning(describeLabel(shown.label, descriptions))}${low}`];
  const alts = shown.alternatives.slice(1).map((a) => `${a.label} ${percent(a.score)}`);
  if (alts.length) lines.push(`Alternatives: ${alts.join(' · ')}`);
  if (word.reason && !opts.belowCorrection) lines.push(reasonLine(word.reason));
  if (word.pieces.length > 1 || (word.pieces[0] && word.pieces[0].text !== word.text.toLowerCase())) {
    const pieces = word.pieces.map((p) => `${code(p.text)} ${p.label} ${percent(p.score)}`);
    lines.push(`Pieces (${opts.strategy}): ${pieces.join(' · ')}`);
  }
  const segment = segmentLine(window, descriptions);
  if (segment) lines.push(segment);
  return lines;
}

/** The hover's Markdown from its parts, in order; the first part is the label in force. */
export function hoverMarkdown(parts: readonly HoverPart[]): vscode.MarkdownString {
  const md = new vscode.MarkdownString(parts.map((p) => p.markdown).join('\n\n---\n\n'), true);
  md.supportHtml = false;
  md.isTrusted = false;
  return md;
}

export class LabelHoverProvider implements vscode.HoverProvider {
  constructor(
    private readonly store: LabelStore,
    private readonly corrections: CorrectionsStore,
    private readonly config: Config,
    private readonly model: ModelHost,
  ) {}

  /** The hover's parts at an offset, the label in force first (empty where nothing is labeled). */
  parts(doc: vscode.TextDocument, offset: number): HoverPart[] {
    const parts: HoverPart[] = [];
    const bundle: BundleConfig | undefined = this.model.loaded?.bundle.config;
    const correction = correctionHoverPart(this.corrections, doc, offset, bundle);
    if (correction) parts.push(correction);
    const labels = this.store.current(doc);
    const word = labels && LabelStore.wordAt(labels.words, offset);
    if (labels && word) {
      const lines = modelHoverLines(word, labels.windows[word.window], {
        strategy: this.config.aggregationStrategy,
        threshold: this.config.confidenceThreshold,
        descriptions: bundle,
        belowCorrection: !!correction,
      });
      parts.push({ markdown: lines.join('\n\n'), start: word.start, end: word.end });
    }
    return parts;
  }

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const parts = this.parts(doc, doc.offsetAt(pos));
    if (!parts.length) return undefined;
    const range = new vscode.Range(doc.positionAt(parts[0].start), doc.positionAt(parts[0].end));
    return new vscode.Hover(hoverMarkdown(parts), range);
  }
}
