// Label decorations: one decoration type per (label, confidence bucket, display style, color),
// created once and reused; a change of style or colors disposes the types that no longer apply.
// Colors are contributed theme colors (`bertLstm.label.<LABEL>`, and a translucent
// `bertLstm.labelBackground.<LABEL>` for the background style; labels a bundle brings that are not
// contributed get one of the palette colors, stable per label) unless `bertLstm.labelColors`
// gives the label a color of its own.
// Long documents are drawn in two passes: the units near the visible ranges first, then all of
// them, built in chunks that yield to the event loop.
import * as vscode from 'vscode';
import type { LabelScheme } from './core/bundle';
import type { WordLabel } from './core/labeler';
import { nextTurn } from './core/turns';
import { displayUnits, partitionPoint, splitByVisibility, type DisplayUnit, type OffsetRange } from './core/navigation';
import type { DisplayStyle } from './config';

/** Labels with a contributed color of their own (package.json contributes.colors). */
export const CONTRIBUTED_LABELS = [
  'ADJ', 'ADP', 'ADV', 'AUX', 'CCONJ', 'DET', 'INTJ', 'NOUN', 'NUM', 'PART', 'PRON', 'PROPN',
  'PUNCT', 'SCONJ', 'SYM', 'VERB', 'X', 'PER', 'ORG', 'LOC', 'MISC',
] as const;
export const PALETTE_SIZE = 8;

/** Documents with more drawn units than this are drawn near the visible ranges first. */
export const PROGRESSIVE_UNITS = 2000;
/** Lines above and below the visible ranges drawn in the first pass. */
export const VISIBLE_MARGIN_LINES = 100;
/** Units turned into ranges between two yields to the event loop. */
const CHUNK_UNITS = 4000;

function entityOf(label: string): string {
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

/** How labels look: the display style and the per-label color overrides. */
export interface LabelLook {
  readonly style: DisplayStyle;
  readonly colors: ReadonlyMap<string, string>;
}

/** What is drawn (the look is set once for all editors with setLook). */
export interface DrawOptions {
  readonly scheme: LabelScheme;
  readonly hidden: ReadonlySet<string>;
  readonly threshold: number;
  /** Ranges the user corrected: the model's labels under them are not drawn. */
  readonly corrected?: readonly OffsetRange[];
}

export interface DecorationSnapshot {
  readonly label: string;
  readonly lowConfidence: boolean;
  /** The theme color of the label (used unless `customColor` is set). */
  readonly colorId: string;
  /** The color from `bertLstm.labelColors`, if the label has one. */
  readonly customColor: string | undefined;
  readonly style: DisplayStyle;
  /** The tag drawn after each word (inline style). */
  readonly contentText: string | undefined;
  readonly ranges: readonly vscode.Range[];
}

/** How the last drawing of an editor went (for the API and tests). */
export interface DrawStats {
  /** Units drawn in all. */
  readonly units: number;
  /** Units drawn in the first pass near the visible ranges; undefined when drawn in one pass. */
  readonly firstPass: number | undefined;
  /** Offsets (with the margin) the first pass covered. */
  readonly firstPassRanges: readonly OffsetRange[];
}

type Group = { -readonly [K in keyof DecorationSnapshot]: DecorationSnapshot[K] } & { ranges: vscode.Range[] };

export class LabelDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  /** What was last set on each editor, by decoration key: for the API and for clearing. */
  private applied = new WeakMap<vscode.TextEditor, Map<string, DecorationSnapshot>>();
  private readonly stats = new WeakMap<vscode.TextEditor, DrawStats>();
  /** Bumped by each drawing of an editor: an older drawing still going stops. */
  private readonly generation = new WeakMap<vscode.TextEditor, number>();
  private look: LabelLook = { style: 'underline', colors: new Map() };
  /** Decoration types created since activation (reuse keeps this flat). */
  created = 0;

  /**
   * Sets the style and colors. Types of the old look are disposed (which removes their
   * decorations from every editor); returns whether anything changed (then redraw).
   */
  setLook(look: LabelLook): boolean {
    const same = look.style === this.look.style && look.colors.size === this.look.colors.size &&
      [...look.colors].every(([k, v]) => this.look.colors.get(k) === v);
    if (same) return false;
    this.look = { style: look.style, colors: new Map(look.colors) };
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
    this.applied = new WeakMap();
    return true;
  }

  private key(label: string, low: boolean): string {
    const custom = this.customColor(label) ?? '';
    return `${label}\u0000${low ? 'low' : 'ok'}\u0000${this.look.style}\u0000${custom}`;
  }

  private customColor(label: string): string | undefined {
    return this.look.colors.get(label) ?? this.look.colors.get(entityOf(label));
  }

  private typeFor(label: string, low: boolean): vscode.TextEditorDecorationType {
    const key = this.key(label, low);
    let t = this.types.get(key);
    if (!t) {
      t = vscode.window.createTextEditorDecorationType(this.options(label, low));
      this.created++;
      this.types.set(key, t);
    }
    return t;
  }

  private options(label: string, low: boolean): vscode.DecorationRenderOptions {
    const custom = this.customColor(label);
    const color: string | vscode.ThemeColor = custom ?? new vscode.ThemeColor(colorIdFor(label));
    const common: vscode.DecorationRenderOptions = {
      overviewRulerColor: low ? new vscode.ThemeColor('bertLstm.lowConfidence') : undefined,
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    };
    switch (this.look.style) {
      case 'background':
        return {
          ...common,
          backgroundColor: custom ? translucent(custom) : new vscode.ThemeColor(backgroundColorIdFor(label)),
          borderRadius: '2px',
          // uncertain: a dashed outline in the label's color around the tint
          ...(low ? { border: '1px dashed', borderColor: color } : {}),
        };
      case 'inline':
        return {
          ...common,
          after: {
            contentText: low ? `${label}?` : label,
            color,
            margin: '0 0.15em 0 0.2em',
            fontStyle: low ? 'italic' : 'normal',
            fontWeight: 'normal',
          },
          // the word itself gets a faint dotted underline so the tag's word is clear
          borderStyle: 'none none dotted none',
          borderWidth: '0 0 1px 0',
          borderColor: color,
        };
      default:
        return {
          ...common,
          borderStyle: low ? 'none none dashed none' : 'none none solid none',
          borderWidth: '0 0 2px 0',
          borderColor: color,
          opacity: low ? '0.65' : undefined,
        };
    }
  }

  private group(groups: Map<string, Group>, u: DisplayUnit, threshold: number): Group {
    const low = u.score < threshold;
    const key = this.key(u.label, low);
    let g = groups.get(key);
    if (!g) {
      g = {
        label: u.label, lowConfidence: low, colorId: colorIdFor(u.label), customColor: this.customColor(u.label),
        style: this.look.style, contentText: this.look.style === 'inline' ? (low ? `${u.label}?` : u.label) : undefined, ranges: [],
      };
      groups.set(key, g);
    }
    return g;
  }

  /**
   * Draws the labels on the editor, replacing what was drawn before. With a BIO or BIOES label
   * scheme, words are merged into entity spans drawn with the entity type. A document with many
   * units is drawn near `visible` (offset ranges) first; the promise resolves when all are drawn
   * or a newer drawing of the editor took over.
   */
  async apply(editor: vscode.TextEditor, words: readonly WordLabel[], opts: DrawOptions, visible?: readonly OffsetRange[]): Promise<void> {
    const gen = (this.generation.get(editor) ?? 0) + 1;
    this.generation.set(editor, gen);
    const doc = editor.document;
    const units = withoutCorrected(displayUnits(words, opts.scheme, opts.hidden), opts.corrected ?? []);
    // offsets belong to this version: after an edit, a newer labeling run draws again
    const version = doc.version;
    const stillMine = (): boolean => this.generation.get(editor) === gen && !doc.isClosed && doc.version === version;
    const range = (u: DisplayUnit): vscode.Range => new vscode.Range(doc.positionAt(u.start), doc.positionAt(u.end));

    let firstPass: number | undefined;
    if (visible?.length && units.length > PROGRESSIVE_UNITS) {
      const { near } = splitByVisibility(units, visible, 0);
      const groups = new Map<string, Group>();
      for (const i of near) this.group(groups, units[i], opts.threshold).ranges.push(range(units[i]));
      for (const g of groups.values()) editor.setDecorations(this.typeFor(g.label, g.lowConfidence), g.ranges);
      this.applied.set(editor, new Map([...(this.applied.get(editor) ?? new Map<string, DecorationSnapshot>()), ...groups]));
      firstPass = near.length;
      this.stats.set(editor, { units: units.length, firstPass, firstPassRanges: visible });
    }
    const groups = new Map<string, Group>();
    for (let i = 0; i < units.length; i++) {
      this.group(groups, units[i], opts.threshold).ranges.push(range(units[i]));
      if ((i + 1) % CHUNK_UNITS === 0 && i + 1 < units.length) {
        await nextTurn();
        if (!stillMine()) return;
      }
    }
    if (!stillMine()) return;
    // One decoration type at a time, yielding in between for a long document: VS Code serializes
    // each call's ranges for the renderer synchronously (~85 ms for all of a 50k-word document's
    // types at once). `applied` follows each call, so that a newer drawing that takes over half
    // way clears exactly what is on the editor.
    const yieldBetween = units.length > PROGRESSIVE_UNITS;
    const applied = new Map(this.applied.get(editor) ?? []);
    this.applied.set(editor, applied);
    for (const [key, snap] of [...applied]) {
      if (groups.has(key)) continue;
      editor.setDecorations(this.typeFor(snap.label, snap.lowConfidence), []);
      applied.delete(key);
    }
    for (const [key, g] of groups) {
      if (yieldBetween) {
        await nextTurn();
        if (!stillMine()) return; // a newer drawing (or the edit's run) draws the rest
      }
      editor.setDecorations(this.typeFor(g.label, g.lowConfidence), g.ranges);
      applied.set(key, g);
    }
    this.stats.set(editor, { units: units.length, firstPass, firstPassRanges: firstPass === undefined ? [] : (visible ?? []) });
  }

  clear(editor: vscode.TextEditor): void {
    this.generation.set(editor, (this.generation.get(editor) ?? 0) + 1);
    for (const snap of this.applied.get(editor)?.values() ?? []) {
      editor.setDecorations(this.typeFor(snap.label, snap.lowConfidence), []);
    }
    this.applied.delete(editor);
  }

  /** The decorations this extension set on an editor (what tests and the status bar read). */
  snapshot(editor: vscode.TextEditor): DecorationSnapshot[] {
    return [...(this.applied.get(editor)?.values() ?? [])].filter((s) => s.ranges.length > 0);
  }

  drawStats(editor: vscode.TextEditor): DrawStats | undefined {
    return this.stats.get(editor);
  }

  get typeCount(): number {
    return this.types.size;
  }

  dispose(): void {
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }
}

/** Units that overlap no corrected range (units are in document order). */
function withoutCorrected<T extends OffsetRange>(units: readonly T[], corrected: readonly OffsetRange[]): readonly T[] {
  if (!corrected.length) return units;
  const sorted = [...corrected].sort((a, b) => a.start - b.start);
  // the longest correction bounds how far back an overlapping one can start
  const longest = Math.max(...sorted.map((c) => c.end - c.start));
  return units.filter((u) => {
    const first = partitionPoint(sorted.length, (i) => sorted[i].start >= u.start - longest);
    for (let i = first; i < sorted.length && sorted[i].start < u.end; i++) if (sorted[i].end > u.start) return false;
    return true;
  });
}
