// The default label palette: which colour and which line each label is drawn with, in each kind
// of theme. The source of truth for package.json's `contributes.colors` (test/unit/palette.test.ts
// checks that they agree and that the colours stay distinguishable).
//
// The hues are Okabe & Ito's categorical palette for colour-blind readers ("Color Universal
// Design", Okabe and Ito 2002; popularised by Wong, "Points of view: Color blindness", Nature
// Methods 8:441, 2011): orange #E69F00, sky blue #56B4E9, bluish green #009E73, yellow #F0E442,
// blue #0072B2, vermillion #D55E00, reddish purple #CC79A7 and black, with a neutral grey added.
// Dark themes use the published values (black becomes white). On a white background the light
// colours (yellow, orange, sky blue, reddish purple) fall below the 3:1 contrast that a line needs
// (WCAG 2.1 non-text contrast), so light themes keep each hue and chroma in OKLCH and lower its
// lightness: the values below were chosen by a search that keeps every colour at 3:1 (4.5:1 in
// high-contrast themes) and maximises the smallest CIEDE2000 distance between any two of them,
// for normal vision and for simulated deuteranopia and protanopia.
//
// Nine colours do not cover the 17 UPOS tags, so each colour carries two labels told apart by the
// line: a solid underline and a double one (low-confidence labels: dashed and dotted). Related
// tags share a colour and differ in line (VERB/AUX, PRON/DET, ADP/SCONJ, ADJ/ADV, CCONJ/PART,
// PUNCT/SYM); NOUN and PROPN share the blue family but differ in both colour (blue, sky blue) and
// line; PRON is purple, far from both. The "reviewed" box is a green no label uses.

/** The kinds of theme VS Code's contributed colours have defaults for. */
export const THEME_KINDS = ['light', 'dark', 'highContrast', 'highContrastLight'] as const;
export type ThemeKind = (typeof THEME_KINDS)[number];

/** The editor background of the default theme of each kind (what the colours are checked against). */
export const THEME_BACKGROUNDS: Readonly<Record<ThemeKind, string>> = {
  light: '#ffffff', // Light Modern
  dark: '#1f1f1f', // Dark Modern
  highContrast: '#000000',
  highContrastLight: '#ffffff',
};

/** The least contrast a label's colour keeps with the background (lines: 3:1; high contrast: 4.5:1). */
export const MIN_CONTRAST: Readonly<Record<ThemeKind, number>> = { light: 3, dark: 3, highContrast: 4.5, highContrastLight: 4.5 };

export const FAMILIES = ['blue', 'skyBlue', 'purple', 'vermillion', 'green', 'orange', 'yellow', 'grey', 'neutral'] as const;
export type Family = (typeof FAMILIES)[number];

/** Each family's colour per theme kind (see the file comment for where they come from). */
export const FAMILY_COLORS: Readonly<Record<Family, Readonly<Record<ThemeKind, string>>>> = {
  blue: { light: '#0071b1', dark: '#0072b2', highContrast: '#137aba', highContrastLight: '#157bbb' },
  skyBlue: { light: '#3c9cd0', dark: '#56b4e9', highContrast: '#56b4e9', highContrastLight: '#004a75' },
  purple: { light: '#813663', dark: '#cc79a7', highContrast: '#cc79a7', highContrastLight: '#5c1241' },
  vermillion: { light: '#d55e00', dark: '#d55e00', highContrast: '#d55e00', highContrastLight: '#551400' },
  green: { light: '#009e73', dark: '#009e73', highContrast: '#009e73', highContrastLight: '#00492e' },
  orange: { light: '#794b00', dark: '#e69f00', highContrast: '#e69f00', highContrastLight: '#673f00' },
  yellow: { light: '#a29600', dark: '#f0e442', highContrast: '#f0e442', highContrastLight: '#726900' },
  grey: { light: '#8a8a8a', dark: '#b0b0b0', highContrast: '#b0b0b0', highContrastLight: '#747474' },
  neutral: { light: '#000000', dark: '#ffffff', highContrast: '#ffffff', highContrastLight: '#000000' },
};

/** The box around reviewed labels: a green that is none of the families above. */
export const REVIEWED_COLORS: Readonly<Record<ThemeKind, string>> = {
  light: '#1c4732',
  dark: '#a3f5b4',
  highContrast: '#a3f5b4',
  highContrastLight: '#5b8053',
};

/** How a label's underline is drawn: solid or double (dashed or dotted when uncertain). */
export type LineStyle = 'solid' | 'double';

export interface LabelStyle {
  readonly family: Family;
  readonly line: LineStyle;
}

/** The labels with a contributed colour: UPOS, and the CoNLL entity types. */
export const LABEL_STYLES: Readonly<Record<string, LabelStyle>> = {
  NOUN: { family: 'blue', line: 'solid' },
  NUM: { family: 'blue', line: 'double' },
  INTJ: { family: 'skyBlue', line: 'solid' },
  PROPN: { family: 'skyBlue', line: 'double' },
  PRON: { family: 'purple', line: 'solid' },
  DET: { family: 'purple', line: 'double' },
  VERB: { family: 'vermillion', line: 'solid' },
  AUX: { family: 'vermillion', line: 'double' },
  ADJ: { family: 'green', line: 'solid' },
  ADV: { family: 'green', line: 'double' },
  ADP: { family: 'orange', line: 'solid' },
  SCONJ: { family: 'orange', line: 'double' },
  CCONJ: { family: 'yellow', line: 'solid' },
  PART: { family: 'yellow', line: 'double' },
  PUNCT: { family: 'grey', line: 'solid' },
  SYM: { family: 'grey', line: 'double' },
  X: { family: 'neutral', line: 'solid' },
  // entity types (CoNLL-2003): four labels, four colours
  PER: { family: 'vermillion', line: 'solid' },
  ORG: { family: 'blue', line: 'solid' },
  LOC: { family: 'green', line: 'solid' },
  MISC: { family: 'purple', line: 'solid' },
};

/** Colours for labels a bundle brings that have none of their own (chosen by a hash of the label). */
export const PALETTE_FAMILIES: readonly Family[] = ['blue', 'orange', 'green', 'vermillion', 'purple', 'skyBlue', 'yellow', 'grey'];

/**
 * Alpha of the background style's tint, per theme kind (two hex digits): as strong as the theme's
 * text stays readable on (4.5:1); the neutral colour (black or white) is tinted less.
 */
export const BACKGROUND_ALPHA: Readonly<Record<ThemeKind, string>> = {
  light: '55',
  dark: '40',
  highContrast: '66',
  highContrastLight: '55',
};
const NEUTRAL_ALPHA = '33';

export interface ContributedColor {
  readonly id: string;
  readonly description: string;
  readonly defaults: Readonly<Record<ThemeKind, string>>;
}

const colorsOf = (f: Family): Record<ThemeKind, string> => ({ ...FAMILY_COLORS[f] });
const tintsOf = (f: Family): Record<ThemeKind, string> =>
  Object.fromEntries(THEME_KINDS.map((k) => [k, FAMILY_COLORS[f][k] + (f === 'neutral' ? NEUTRAL_ALPHA : BACKGROUND_ALPHA[k])])) as Record<
    ThemeKind,
    string
  >;

/** The label and palette colours as package.json's `contributes.colors` lists them. */
export function contributedLabelColors(): ContributedColor[] {
  const out: ContributedColor[] = [];
  for (const [label, s] of Object.entries(LABEL_STYLES)) {
    out.push({
      id: `bertLstm.label.${label}`,
      description: `Underline of words labeled ${label} (or entity spans of type ${label}).`,
      defaults: colorsOf(s.family),
    });
  }
  PALETTE_FAMILIES.forEach((f, i) =>
    out.push({
      id: `bertLstm.palette.${i}`,
      description: `Underline color ${i} for labels without a color of their own.`,
      defaults: colorsOf(f),
    }),
  );
  for (const [label, s] of Object.entries(LABEL_STYLES)) {
    out.push({
      id: `bertLstm.labelBackground.${label}`,
      description: `Background of labeled words in the background display style (${label}).`,
      defaults: tintsOf(s.family),
    });
  }
  PALETTE_FAMILIES.forEach((f, i) =>
    out.push({
      id: `bertLstm.paletteBackground.${i}`,
      description: `Background of labeled words in the background display style (palette color ${i}).`,
      defaults: tintsOf(f),
    }),
  );
  return out;
}
