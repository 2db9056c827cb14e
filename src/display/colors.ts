// Label colors: contributed theme colors (`bertLstm.label.<LABEL>`, and a translucent
// `bertLstm.labelBackground.<LABEL>` for the background style) whose defaults come from
// palette.ts; a label a bundle brings that is not contributed gets one of the palette colors,
// stable per label (a hash of its entity type), so that it keeps its color across documents and
// sessions. The line (solid or double) tells apart two labels of one color. Used by the
// model-label and the correction decorations, and the legend, alike.
import { LABEL_STYLES, PALETTE_FAMILIES, type LineStyle } from './palette';

/** Labels with a contributed color of their own (package.json contributes.colors). */
export const CONTRIBUTED_LABELS: readonly string[] = Object.keys(LABEL_STYLES);
export const PALETTE_SIZE = PALETTE_FAMILIES.length;

export function entityOf(label: string): string {
  return label.replace(/^[BIESL]-/, '');
}

function paletteIndex(entity: string): number {
  let h = 0;
  for (let i = 0; i < entity.length; i++) h = (h * 31 + entity.charCodeAt(i)) >>> 0;
  return h % PALETTE_SIZE;
}

const contributed = (entity: string): boolean => Object.prototype.hasOwnProperty.call(LABEL_STYLES, entity);

export function colorIdFor(label: string): string {
  const entity = entityOf(label);
  if (contributed(entity)) return `bertLstm.label.${entity}`;
  return `bertLstm.palette.${paletteIndex(entity)}`;
}

/** The translucent theme color used behind words in the background style. */
export function backgroundColorIdFor(label: string): string {
  const entity = entityOf(label);
  if (contributed(entity)) return `bertLstm.labelBackground.${entity}`;
  return `bertLstm.paletteBackground.${paletteIndex(entity)}`;
}

/** The line a label is drawn with: double for the second label of a color, else solid. */
export function lineStyleFor(label: string): LineStyle {
  const entity = entityOf(label);
  return contributed(entity) ? LABEL_STYLES[entity].line : 'solid';
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
