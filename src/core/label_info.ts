// What a label means, in words: the legend, the hover, the status bar tooltip and the correction
// pick all say it the same way, so they all ask here.
//
// A bundle may describe its labels (`label_descriptions` and `sequence_label_descriptions` in
// config.json, docs/BUNDLE.md); that wins, since only the bundle knows its own tag set. Without
// it, a Universal Dependencies part-of-speech tag gets UD's own short name for it, and a BIO/BIOES
// label is read as its prefix (begin, inside, ...) plus the entity type. Anything else has no
// description, and callers show the bare label.

/** Universal POS tags, with the short names the UD guidelines give them (universaldependencies.org/u/pos). */
export const UPOS_DESCRIPTIONS: Readonly<Record<string, string>> = {
  ADJ: 'adjective',
  ADP: 'adposition',
  ADV: 'adverb',
  AUX: 'auxiliary',
  CCONJ: 'coordinating conjunction',
  DET: 'determiner',
  INTJ: 'interjection',
  NOUN: 'noun',
  NUM: 'numeral',
  PART: 'particle',
  PRON: 'pronoun',
  PROPN: 'proper noun',
  PUNCT: 'punctuation',
  SCONJ: 'subordinating conjunction',
  SYM: 'symbol',
  VERB: 'verb',
  X: 'other',
};

const ENTITY_PREFIXES: Readonly<Record<string, string>> = {
  B: 'begins',
  I: 'inside',
  E: 'ends',
  S: 'single-word',
  L: 'ends',
  U: 'single-word',
};

/** Descriptions a bundle gives for its labels, as read from config.json. */
export interface LabelDescriptions {
  readonly labelDescriptions: Readonly<Record<string, string>>;
  readonly sequenceLabelDescriptions: Readonly<Record<string, string>>;
}

/** What a token label means ("proper noun", "begins a PER entity"), or undefined when nothing says. */
export function describeLabel(label: string, config: Pick<LabelDescriptions, 'labelDescriptions'>): string | undefined {
  const own = config.labelDescriptions[label];
  if (own) return own;
  if (label === 'O') return 'outside any entity';
  const m = /^([BIESLU])-(.+)$/.exec(label);
  if (m) return `${ENTITY_PREFIXES[m[1]]} ${m[2]}`;
  return UPOS_DESCRIPTIONS[label];
}

/** What a sequence label means, from the bundle only (sequence labels have no common set). */
export function describeSequenceLabel(label: string, config: Pick<LabelDescriptions, 'sequenceLabelDescriptions'>): string | undefined {
  return config.sequenceLabelDescriptions[label] || undefined;
}

/** "PROPN — proper noun", or the bare label when nothing describes it. */
export function labelWithDescription(label: string, config: Pick<LabelDescriptions, 'labelDescriptions'>): string {
  const d = describeLabel(label, config);
  return d ? `${label} — ${d}` : label;
}

/**
 * Reads a `{label: description}` field of config.json: descriptions of labels the bundle does
 * not have, and values that are not strings, are reported (the bundle is then refused, as for
 * any other malformed field).
 */
export function readDescriptions(value: unknown, field: string, labels: readonly string[], problems: string[]): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`config.json: "${field}" must be an object from label to description`);
    return {};
  }
  const out: Record<string, string> = {};
  const known = new Set(labels);
  for (const [label, text] of Object.entries(value as Record<string, unknown>)) {
    if (!known.has(label)) problems.push(`config.json: "${field}" describes "${label}", which is not one of the model's labels`);
    else if (typeof text !== 'string' || text.length > 500)
      problems.push(`config.json: "${field}" for "${label}" must be a string of at most 500 characters`);
    else out[label] = text;
  }
  return out;
}
