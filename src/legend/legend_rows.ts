// What the legend lists, as plain data (no `vscode`: unit-tested in Node): one row per label the
// loaded model draws (its token labels, or the entity types of a BIO / BIOES model), with what
// the label means (core/label_info.ts), how it is drawn (colors.ts), how often it occurs in the
// active document and whether it is shown. Counts are of the labels in force: the model's labels
// not under a correction, plus the corrections (a removed label counts for nothing), so that the
// legend agrees with what the editor draws and exports.
import { REMOVED_LABEL, uncovered, type Annotation } from '../core/annotations';
import type { LabelScheme } from '../core/bundle';
import { labelWithDescription, describeLabel, type LabelDescriptions } from '../core/label_info';
import { splitTag } from '../core/spans';
import { colorIdFor, lineStyleFor } from '../display/colors';
import type { LineStyle } from '../display/palette';

export interface LegendRow {
  readonly label: string;
  /** "PROPN — proper noun", or the bare label. */
  readonly title: string;
  readonly description: string | undefined;
  /** Units of this label in the active document; undefined when it has no current labels. */
  readonly count: number | undefined;
  readonly shown: boolean;
  /** Why a label is hidden: the `bertLstm.hiddenLabels` setting or the legend's choice in this workspace. */
  readonly hiddenBy: 'setting' | 'workspace' | undefined;
  readonly colorId: string;
  readonly line: LineStyle;
}

/** A labeled stretch of the document: a word or an entity span, as drawn. */
export interface LabeledRange {
  readonly start: number;
  readonly end: number;
  readonly label: string;
}

export interface LegendInput {
  /** The model's token labels, by id. */
  readonly labels: readonly string[];
  readonly scheme: LabelScheme;
  readonly descriptions: Pick<LabelDescriptions, 'labelDescriptions'>;
  /** The labels in force in the active document (`labelsInForce`), or undefined. */
  readonly units: readonly LabeledRange[] | undefined;
  /** Labels not drawn (settings and legend together), and those the setting hides. */
  readonly hidden: ReadonlySet<string>;
  readonly settingHidden: ReadonlySet<string>;
}

/** The labels the editor draws for a model: its labels, or the entity types of a BIO / BIOES model, in model order. */
export function legendLabels(labels: readonly string[], scheme: LabelScheme): string[] {
  if (scheme === 'plain') return [...new Set(labels)];
  return [...new Set(labels.map((l) => splitTag(l, scheme)[1]))];
}

/**
 * The labels in force in a document, in document order: the model's units that no correction
 * covers, and the corrections that set a label (not those that remove one).
 */
export function labelsInForce(model: readonly LabeledRange[], corrections: readonly Annotation[]): LabeledRange[] {
  const out: LabeledRange[] = corrections.length ? uncovered(model, corrections) : [...model];
  for (const c of corrections) if (c.label !== REMOVED_LABEL) out.push({ start: c.start, end: c.end, label: c.label });
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

export function countByLabel(units: readonly LabeledRange[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const u of units) counts.set(u.label, (counts.get(u.label) ?? 0) + 1);
  return counts;
}

export function legendRows(input: LegendInput): LegendRow[] {
  const counts = input.units && countByLabel(input.units);
  const labels = legendLabels(input.labels, input.scheme);
  // a correction may set a label the model does not have (an entity type typed by the user)
  for (const l of counts?.keys() ?? []) if (!labels.includes(l)) labels.push(l);
  return labels.map((label) => {
    const shown = !input.hidden.has(label);
    return {
      label,
      title: labelWithDescription(label, input.descriptions),
      description: describeLabel(label, input.descriptions),
      count: counts ? (counts.get(label) ?? 0) : undefined,
      shown,
      hiddenBy: shown ? undefined : input.settingHidden.has(label) ? 'setting' : 'workspace',
      colorId: colorIdFor(label),
      line: lineStyleFor(label),
    };
  });
}
