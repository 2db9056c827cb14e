// Label colors: contributed theme colors (`bertLstm.label.<LABEL>`, and a translucent
// `bertLstm.labelBackground.<LABEL>` for the background style); a label a bundle brings that is
// not contributed gets one of the palette colors, stable per label (a hash of its entity type),
// so that it keeps its color across documents and sessions. Used by the model-label and the
// correction decorations alike.

/** Labels with a contributed color of their own (package.json contributes.colors). */
export const CONTRIBUTED_LABELS = [
  'ADJ',
  'ADP',
  'ADV',
  'AUX',
  'CCONJ',
  'DET',
  'INTJ',
  'NOUN',
  'NUM',
  'PART',
  'PRON',
  'PROPN',
  'PUNCT',
  'SCONJ',
  'SYM',
  'VERB',
  'X',
  'PER',
  'ORG',
  'LOC',
  'MISC',
] as const;
export const PALETTE_SIZE = 8;

export function entityOf(label: string): string {
  return label.replace(/^[BIESL]-/, '');
}

function paletteIndex(entity: string): number {
  let h = 0;
  for (let i = 0; i < entity.length; i++) h = (h * 31 + entity.charCodeAt(i)) >>> 0;
  return h % PALETTE_SIZE;
}

export function colorIdFor(label: string): string {
  const entity = entityOf(label);
  if ((CONTRIBUTED_LABELS as readonly string[]).includes(entity)) return `bertLstm.label.${entity}`;
  return `bertLstm.palette.${paletteIndex(entity)}`;
}

/** The translucent theme color used behind words in the background style. */
export function backgroundColorIdFor(label: string): string {
  const entity = entityOf(label);
  if ((CONTRIBUTED_LABELS as readonly string[]).includes(entity)) return `bertLstm.labelBackground.${entity}`;
  return `bertLstm.paletteBackground.${paletteIndex(entity)}`;
}

/** A user color made translucent for backgrounds (the text must stay readable on it). */
export function translucent(css: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(css);
  if (hex) {
    const h = hex[1].length === 3 ? [...hex[1]].map((c) => c + c).join('') : hex[1];
    return `#${h}40`;
  }
  // colors that carry their own alpha (#rgba, #rrggbbaa, rgba(), hsla()) are used as given
  if (/^#([0-9a-f]{4}|[0-9a-f]{8})$/i.test(css) || /^(rgba|hsla)\(/i.test(css)) return css;
  return `color-mix(in srgb, ${css} 25%, transparent)`;
}
