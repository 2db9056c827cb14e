// The default palette stays readable and distinguishable: every label colour keeps its contrast
// with the theme's background, two labels drawn with the same line differ in colour by a
// CIEDE2000 distance that is clearly visible (for normal vision and under simulated deuteranopia
// and protanopia, Machado et al. 2009 as implemented by culori), low-confidence (dimmed) lines
// and background tints too, the "reviewed" box is no label's colour, and package.json's
// contributed colours are the palette's. Numbers are computed with culori, not hand-entered.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { differenceCiede2000, filterDeficiencyDeuter, filterDeficiencyProt, parse, wcagContrast, type Color } from 'culori';
import { UPOS_DESCRIPTIONS } from '../../src/core/label_info';
import { colorIdFor, lineStyleFor } from '../../src/display/colors';
import {
  contributedLabelColors,
  FAMILIES,
  FAMILY_COLORS,
  LABEL_STYLES,
  MIN_CONTRAST,
  REVIEWED_COLORS,
  THEME_BACKGROUNDS,
  THEME_KINDS,
  type ThemeKind,
} from '../../src/display/palette';
import { REPO } from './fixtures';

const deltaE = differenceCiede2000();
const VISION = {
  normal: (c: Color): Color => c,
  deuteranopia: filterDeficiencyDeuter(1),
  protanopia: filterDeficiencyProt(1),
} as const;
/** The least CIEDE2000 distance between two labels drawn with the same line (normal vision, colour-blind). */
const MIN_SAME_LINE = { normal: 13, deficient: 8.5 };
/** Low-confidence lines are drawn at this opacity over the background (decorations.ts). */
const LOW_OPACITY = 0.65;

const col = (hex: string): Color => {
  const c = parse(hex);
  if (!c) throw new Error(`not a colour: ${hex}`);
  return c;
};

/** `hex` drawn at `alpha` over `bg`, as the screen shows it. */
function over(hex: string, bg: string, alpha: number): string {
  const f = col(hex) as { r: number; g: number; b: number };
  const b = col(bg) as { r: number; g: number; b: number };
  const mix = (x: number, y: number): string =>
    Math.round((alpha * x + (1 - alpha) * y) * 255)
      .toString(16)
      .padStart(2, '0');
  return `#${mix(f.r, b.r)}${mix(f.g, b.g)}${mix(f.b, b.b)}`;
}

/** The smallest distance between any two of `colors` under each kind of vision, with the pair. */
function closest(colors: Record<string, string>): Record<keyof typeof VISION, { d: number; pair: string }> {
  const names = Object.keys(colors);
  const out = {} as Record<keyof typeof VISION, { d: number; pair: string }>;
  for (const [v, see] of Object.entries(VISION) as Array<[keyof typeof VISION, (c: Color) => Color]>) {
    let best = { d: Infinity, pair: '' };
    for (let i = 0; i < names.length; i++)
      for (let j = i + 1; j < names.length; j++) {
        const d = deltaE(see(col(colors[names[i]])), see(col(colors[names[j]])));
        if (d < best.d) best = { d, pair: `${names[i]}/${names[j]}` };
      }
    out[v] = best;
  }
  return out;
}

function assertApart(what: string, colors: Record<string, string>, min: { normal: number; deficient: number }): void {
  const c = closest(colors);
  assert.ok(c.normal.d >= min.normal, `${what}: ${c.normal.pair} differ by ΔE2000 ${c.normal.d.toFixed(1)} < ${min.normal}`);
  for (const v of ['deuteranopia', 'protanopia'] as const)
    assert.ok(c[v].d >= min.deficient, `${what}, ${v}: ${c[v].pair} differ by ΔE2000 ${c[v].d.toFixed(1)} < ${min.deficient}`);
}

const uposColor = (label: string, kind: ThemeKind): string => FAMILY_COLORS[LABEL_STYLES[label].family][kind];

test('every UPOS tag has a style, and no two share both colour and line', () => {
  const seen = new Map<string, string>();
  for (const label of Object.keys(UPOS_DESCRIPTIONS)) {
    const s = LABEL_STYLES[label];
    assert.ok(s, `${label} has a style`);
    const key = `${s.family}/${s.line}`;
    assert.equal(seen.get(key), undefined, `${label} and ${seen.get(key)} are both ${key}`);
    seen.set(key, label);
    assert.equal(colorIdFor(label), `bertLstm.label.${label}`);
    assert.equal(lineStyleFor(`B-${label}`), s.line, 'an entity tag takes its type’s line');
  }
  assert.equal(lineStyleFor('SOME-NEW-LABEL'), 'solid');
});

test('every label colour keeps its contrast with the theme background', () => {
  for (const kind of THEME_KINDS) {
    for (const f of FAMILIES) {
      const ratio = wcagContrast(FAMILY_COLORS[f][kind], THEME_BACKGROUNDS[kind]);
      assert.ok(ratio >= MIN_CONTRAST[kind], `${f} in ${kind}: contrast ${ratio.toFixed(2)} < ${MIN_CONTRAST[kind]}`);
    }
    const r = wcagContrast(REVIEWED_COLORS[kind], THEME_BACKGROUNDS[kind]);
    assert.ok(r >= MIN_CONTRAST[kind], `reviewed in ${kind}: contrast ${r.toFixed(2)}`);
  }
});

test('labels drawn with the same line are far apart in colour, in every theme kind and for colour-blind readers', () => {
  for (const kind of THEME_KINDS) {
    // every pair of colours, whatever their line: this also covers the palette for unknown labels
    assertApart(`all colours (${kind})`, Object.fromEntries(FAMILIES.map((f) => [f, FAMILY_COLORS[f][kind]])), MIN_SAME_LINE);
    for (const line of ['solid', 'double'] as const) {
      const group = Object.keys(UPOS_DESCRIPTIONS).filter((l) => LABEL_STYLES[l].line === line);
      assertApart(`${line} UPOS lines (${kind})`, Object.fromEntries(group.map((l) => [l, uposColor(l, kind)])), MIN_SAME_LINE);
      // uncertain labels: the same lines dashed or dotted, dimmed over the background
      const dimmed = Object.fromEntries(group.map((l) => [l, over(uposColor(l, kind), THEME_BACKGROUNDS[kind], LOW_OPACITY)]));
      assertApart(`${line} low-confidence lines (${kind})`, dimmed, { normal: 8, deficient: 4.5 });
    }
  }
});

test('NOUN, PROPN and PRON are told apart; the related pairs share a colour and differ in line', () => {
  for (const kind of THEME_KINDS) {
    const d = (a: string, b: string): number => deltaE(col(uposColor(a, kind)), col(uposColor(b, kind)));
    assert.ok(d('NOUN', 'PRON') >= 20, `NOUN/PRON in ${kind}: ${d('NOUN', 'PRON').toFixed(1)}`);
    assert.ok(d('PROPN', 'PRON') >= 20, `PROPN/PRON in ${kind}: ${d('PROPN', 'PRON').toFixed(1)}`);
    assert.ok(d('NOUN', 'PROPN') >= 13, `NOUN/PROPN in ${kind}: ${d('NOUN', 'PROPN').toFixed(1)}`);
  }
  assert.notEqual(LABEL_STYLES.NOUN.line, LABEL_STYLES.PROPN.line, 'NOUN and PROPN differ in line as well as colour');
  for (const [a, b] of [
    ['VERB', 'AUX'],
    ['PRON', 'DET'],
    ['ADP', 'SCONJ'],
  ]) {
    assert.equal(LABEL_STYLES[a].family, LABEL_STYLES[b].family, `${a} and ${b} share a colour`);
    assert.notEqual(LABEL_STYLES[a].line, LABEL_STYLES[b].line, `${a} and ${b} differ in line`);
  }
});

test('the reviewed box is no label colour', () => {
  for (const kind of THEME_KINDS) {
    for (const f of FAMILIES) {
      for (const [v, see] of Object.entries(VISION)) {
        const d = deltaE(see(col(REVIEWED_COLORS[kind])), see(col(FAMILY_COLORS[f][kind])));
        assert.ok(d >= (v === 'normal' ? 18 : 12), `reviewed vs ${f} in ${kind} (${v}): ΔE2000 ${d.toFixed(1)}`);
      }
    }
  }
});

/** The editor text colour of the default theme of each kind (text must stay readable on a tint). */
const THEME_TEXT: Record<ThemeKind, string> = { light: '#3b3b3b', dark: '#cccccc', highContrast: '#ffffff', highContrastLight: '#292929' };
/**
 * Tints are a weaker cue than lines (they must stay light enough for the text on them): the
 * closest pair, blue and sky blue, differs in lightness mostly, and the double line of the
 * background style tells their labels apart.
 */
const MIN_TINT: Record<ThemeKind, { normal: number; deficient: number }> = {
  light: { normal: 3.5, deficient: 2 },
  dark: { normal: 5, deficient: 3 },
  highContrast: { normal: 7.5, deficient: 5 },
  highContrastLight: { normal: 4.5, deficient: 3.5 },
};

test('background tints of different colours stay apart, and the text on them readable', () => {
  for (const kind of THEME_KINDS) {
    const bg = THEME_BACKGROUNDS[kind];
    const tints = Object.fromEntries(
      contributedLabelColors()
        .filter((c) => /^bertLstm\.paletteBackground\./.test(c.id))
        .map((c) => {
          const hex = c.defaults[kind];
          return [c.id.replace('bertLstm.paletteBackground.', 'tint '), over(hex.slice(0, 7), bg, parseInt(hex.slice(7, 9), 16) / 255)];
        }),
    );
    assertApart(`background tints (${kind})`, tints, MIN_TINT[kind]);
    for (const c of contributedLabelColors().filter((x) => /Background\./.test(x.id))) {
      const hex = c.defaults[kind];
      const r = wcagContrast(THEME_TEXT[kind], over(hex.slice(0, 7), bg, parseInt(hex.slice(7, 9), 16) / 255));
      assert.ok(r >= 4.5, `text on ${c.id} in ${kind}: contrast ${r.toFixed(2)} < 4.5`);
    }
  }
});

test("package.json's contributed colours are the palette's", () => {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
    contributes: { colors: Array<{ id: string; defaults: Record<string, string> }> };
  };
  const contributed = new Map(pkg.contributes.colors.map((c) => [c.id, c.defaults]));
  const expected = contributedLabelColors();
  for (const c of expected) assert.deepEqual(contributed.get(c.id), c.defaults, `package.json's ${c.id} is palette.ts's`);
  const ours = pkg.contributes.colors.filter((c) => /^bertLstm\.(label|palette|labelBackground|paletteBackground)\./.test(c.id));
  assert.equal(ours.length, expected.length, 'no label colour in package.json that palette.ts does not make');
  assert.deepEqual(contributed.get('bertLstm.reviewed'), REVIEWED_COLORS);
});
