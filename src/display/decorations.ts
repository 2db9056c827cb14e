// Label decorations: one decoration type per (label, confidence bucket, display style, color),
// created once and reused; a change of style or colors disposes the types that no longer apply.
// Colors come from colors.ts unless `bertLstm.labelColors` gives the label a color of its own.
// Long documents are drawn in two passes: the units near the visible ranges first (the lines in
// view, then their margin), then all of them, built in chunks that yield to the event loop. The
// first pass finds its units by binary search (core/near_units.ts) and groups only those, so
// that its work is in proportion to the visible lines, not to the document: a drawing stops at
// the next edit (its offsets belong to one version), so under continuous typing only what is
// drawn between two keystrokes is seen; the lines in view are set in the very turn the labels
// come in, before the first yield. A (label, bucket) with many ranges is set in parts of at
// most MAX_RANGES_PER_CALL ranges, each part a decoration type of its own: VS Code serializes
// one call's ranges synchronously, so one call with a long document's ranges would block the
// extension host (docs/RELIABILITY.md has the measured cost per range).
import * as vscode from 'vscode';
import type { LabelScheme } from '../core/bundle';
import { displayUnitChunks, type DisplayUnit } from '../core/display_units';
import type { WordLabel } from '../core/labeler';
import { unitsTouchingChunks, wordsTouching } from '../core/near_units';
import { distanceTo, partitionPoint, type OffsetRange } from '../core/ranges';
import { nextTurn } from '../core/turns';
import type { DisplayStyle } from '../config';
import { backgroundColorIdFor, colorIdFor, entityOf, lineStyleFor, translucent } from './colors';
import { inlineTag } from './inline_tags';

/** Documents with more words than this are drawn near the visible ranges first. */
export const PROGRESSIVE_UNITS = 2000;
/** Lines above and below the visible ranges drawn in the first pass. */
export const VISIBLE_MARGIN_LINES = 100;
/** Units turned into ranges between two yields to the event loop. */
const CHUNK_UNITS = 2000;
/** The first pass yields to the event loop once it has worked this long. */
const FIRST_PASS_SLICE_MS = 4;
/** Most ranges given to one setDecorations call (and so one decoration type). */
export const MAX_RANGES_PER_CALL = 1500;

/** How labels look: the display style and the per-label color overrides. */
export interface LabelLook {
  readonly style: DisplayStyle;
  readonly colors: ReadonlyMap<string, string>;
  /** Labels (or entity types) the inline style gives no tag (they keep their underline). */
  readonly untagged?: ReadonlySet<string>;
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
  /** The tag shown after each word (inline style: an inlay hint, inline_tags.ts). */
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
  /** setDecorations calls of the full pass, and the most ranges one of them was given. */
  readonly calls: number;
  readonly largestCall: number;
}

/** How a (label, bucket) is drawn: a snapshot without its ranges. */
type Look = Omit<DecorationSnapshot, 'ranges'>;

/** Units of one (label, bucket) set in one call: part `part` of its units, in document order. */
interface Part {
  readonly key: string;
  readonly part: number;
  readonly look: Look;
  /** The units' [start, end) offset pairs. */
  readonly offsets: number[];
  /** Offsets of its first unit's start and last unit's end. */
  readonly start: number;
  end: number;
}

/**
 * What one call set on an editor: its ranges as [start, end) offset pairs into the document
 * version drawn, not as Range objects (a long document's ranges would be 3 objects a word kept
 * alive for the garbage collector to copy; VS Code does not keep the objects either).
 */
interface AppliedPart {
  readonly key: string;
  readonly part: number;
  readonly look: Look;
  readonly offsets: Int32Array;
}

const partKey = (key: string, part: number): string => `${key}\u0000${part}`;

export class LabelDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  /** What was last set on each editor, by part key (see `Part`): for the API and for clearing. */
  private applied = new WeakMap<vscode.TextEditor, Map<string, AppliedPart>>();
  private readonly stats = new WeakMap<vscode.TextEditor, DrawStats>();
  /** Bumped by each drawing of an editor: an older drawing still going stops. */
  private readonly generation = new WeakMap<vscode.TextEditor, number>();
  private look: LabelLook = { style: 'underline', colors: new Map() };
  private createdCount = 0;

  /**
   * Sets the style and colors. Types of the old look are disposed (which removes their
   * decorations from every editor); returns whether anything changed (then redraw).
   */
  setLook(look: LabelLook): boolean {
    const untagged = new Set(look.untagged ?? []);
    const same =
      look.style === this.look.style &&
      look.colors.size === this.look.colors.size &&
      [...look.colors].every(([k, v]) => this.look.colors.get(k) === v) &&
      untagged.size === (this.look.untagged?.size ?? 0) &&
      [...untagged].every((l) => this.look.untagged?.has(l));
    if (same) return false;
    this.look = { style: look.style, colors: new Map(look.colors), untagged };
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
    this.applied = new WeakMap();
    return true;
  }

  private key(label: string, low: boolean): string {
    const custom = this.customColor(label) ?? '';
    return `${label}\u0000${low ? 'low' : 'ok'}\u0000${this.look.style}\u0000${custom}`;
  }

  private untagged(label: string): boolean {
    return !!this.look.untagged && (this.look.untagged.has(label) || this.look.untagged.has(entityOf(label)));
  }

  private customColor(label: string): string | undefined {
    return this.look.colors.get(label) ?? this.look.colors.get(entityOf(label));
  }

  /** The type of part `part` of a (label, bucket)'s ranges (parts look the same). */
  private typeFor(label: string, low: boolean, part = 0): vscode.TextEditorDecorationType {
    const key = partKey(this.key(label, low), part);
    let t = this.types.get(key);
    if (!t) {
      t = vscode.window.createTextEditorDecorationType(this.options(label, low));
      this.createdCount++;
      this.types.set(key, t);
    }
    return t;
  }

  /** Sets one part on the editor (no offsets: clears it) and records it in `applied`. */
  private set(editor: vscode.TextEditor, applied: Map<string, AppliedPart>, p: AppliedPart): void {
    const doc = editor.document;
    const ranges: vscode.Range[] = new Array(p.offsets.length / 2);
    for (let i = 0; i < ranges.length; i++)
      ranges[i] = new vscode.Range(doc.positionAt(p.offsets[2 * i]), doc.positionAt(p.offsets[2 * i + 1]));
    editor.setDecorations(this.typeFor(p.look.label, p.look.lowConfidence, p.part), ranges);
    const k = partKey(p.key, p.part);
    if (p.offsets.length) applied.set(k, p);
    else applied.delete(k);
  }

  private options(label: string, low: boolean): vscode.DecorationRenderOptions {
    const custom = this.customColor(label);
    const color: string | vscode.ThemeColor = custom ?? new vscode.ThemeColor(colorIdFor(label));
    // the second label of a color is drawn with a double line (dotted when uncertain)
    const double = lineStyleFor(label) === 'double';
    const common: vscode.DecorationRenderOptions = {
      overviewRulerColor: low ? new vscode.ThemeColor('bertLstm.lowConfidence') : undefined,
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
    };
    switch (this.look.style) {
      case 'background': {
        const bottom = double ? 'double' : low ? 'dashed' : 'none';
        return {
          ...common,
          backgroundColor: custom ? translucent(custom) : new vscode.ThemeColor(backgroundColorIdFor(label)),
          borderRadius: '2px',
          // uncertain: a dashed outline in the label's color around the tint; double labels: a double bottom line
          ...(low || double
            ? {
                borderStyle: low ? `dashed dashed ${bottom} dashed` : `none none ${bottom} none`,
                borderWidth: low ? `1px 1px ${double ? '3px' : '1px'} 1px` : '0 0 3px 0',
                borderColor: color,
              }
            : {}),
        };
      }
      case 'inline':
        return {
          ...common,
          // the tag after the word is an inlay hint (inline_tags.ts), so that lines wrap with it
          // the word itself gets a faint underline in its line so the tag's word is clear
          borderStyle: `none none ${double ? 'double' : 'dotted'} none`,
          borderWidth: double ? '0 0 3px 0' : '0 0 1px 0',
          borderColor: color,
        };
      default:
        return {
          ...common,
          borderStyle: `none none ${double ? (low ? 'dotted' : 'double') : low ? 'dashed' : 'solid'} none`,
          borderWidth: double && !low ? '0 0 3px 0' : '0 0 2px 0',
          borderColor: color,
          opacity: low ? '0.65' : undefined,
        };
    }
  }

  /** How a (label, bucket) is drawn with the current look. */
  private lookFor(label: string, low: boolean): Look {
    return {
      label,
      lowConfidence: low,
      colorId: colorIdFor(label),
      customColor: this.customColor(label),
      style: this.look.style,
      contentText: this.look.style === 'inline' && !this.untagged(label) ? inlineTag(label, low) : undefined,
    };
  }

  /**
   * Draws the labels on the editor, replacing what was drawn before. With a BIO or BIOES label
   * scheme, words are merged into entity spans drawn with the entity type. A document with many
   * words is drawn near `visible` (offset ranges) first; the promise resolves when all are drawn
   * or a newer drawing of the editor took over. The steps: the units in the lines in view
   * grouped and set at once, then those touching the visible ranges (`setNear`), then all units
   * grouped into parts (`groupParts`), the parts without labels in this drawing cleared, and every part set,
   * nearest first (`setInTurns`).
   */
  async apply(editor: vscode.TextEditor, words: readonly WordLabel[], opts: DrawOptions, visible?: readonly OffsetRange[]): Promise<void> {
    const drawing = this.begin(editor, words.length > CHUNK_UNITS);
    const applied = new Map(this.applied.get(editor) ?? []);
    this.applied.set(editor, applied);
    const sort = new Sorter(notCorrected(opts.corrected ?? []), this.kinds(opts.threshold));
    const progressive = !!visible?.length && words.length > PROGRESSIVE_UNITS;
    // the lines in view at once, in the turn that stored the labels for the document as it is
    // (no edit can come in between): drawn however fast the edits come
    if (progressive && (await this.setNear(drawing, applied, sort, words, opts, inView(editor))) === false) return;
    // the rest after the labeling run's last slice, in a turn of its own
    if (drawing.chunked && !(await drawing.yieldTurn())) return;
    // the margin too, unless it holds most of the document (long lines): the full pass sets the
    // parts nearest the visible ranges first anyway
    const margin = progressive && wordsTouching(words, visible!) <= words.length / 2;
    const firstPass = margin ? await this.setNear(drawing, applied, sort, words, opts, visible!) : undefined;
    if (firstPass === false) return;
    if (firstPass !== undefined) {
      this.stats.set(editor, { units: firstPass, firstPass, firstPassRanges: visible!, calls: 0, largestCall: 0 });
      drawing.largestCall = 0;
    }
    const grouped = await this.groupParts(drawing, sort, words, opts);
    if (!grouped) return;
    for (const [k, p] of [...applied]) {
      if (!grouped.parts.has(k)) this.set(editor, applied, { ...p, offsets: new Int32Array(0) });
    }
    const ordered = nearestFirst([...grouped.parts.values()], visible);
    if (!(await this.setInTurns(drawing, applied, ordered))) return;
    this.stats.set(editor, {
      units: grouped.units,
      firstPass,
      firstPassRanges: firstPass === undefined ? [] : (visible ?? []),
      calls: ordered.length,
      largestCall: drawing.largestCall,
    });
  }

  /** A new drawing of the editor: older ones still going stop at their next turn. */
  private begin(editor: vscode.TextEditor, chunked: boolean): Drawing {
    const gen = (this.generation.get(editor) ?? 0) + 1;
    this.generation.set(editor, gen);
    const doc = editor.document;
    // offsets belong to this version: after an edit, a newer labeling run draws again
    const version = doc.version;
    const stillMine = (): boolean => this.generation.get(editor) === gen && !doc.isClosed && doc.version === version;
    const drawing: Drawing = {
      editor,
      chunked,
      sinceYield: 0,
      largestCall: 0,
      lastYield: performance.now(),
      yieldTurn: async () => {
        await nextTurn();
        drawing.lastYield = performance.now();
        drawing.sinceYield = 0;
        return stillMine();
      },
    };
    return drawing;
  }

  /**
   * Each (label, bucket)'s units in parts of at most MAX_RANGES_PER_CALL (see the file comment),
   * as offset pairs: no object per unit outlives its chunk (a long document's units would be
   * tens of thousands of objects for the garbage collector to copy). Undefined when a newer
   * drawing took over.
   */
  private async groupParts(drawing: Drawing, sort: Sorter, words: readonly WordLabel[], opts: DrawOptions): Promise<Grouped | undefined> {
    const grouped: Grouped = { parts: new Map(), units: 0 };
    const filling = new Map<string, Part>();
    for (const chunk of displayUnitChunks(words, opts.scheme, opts.hidden, CHUNK_UNITS)) {
      grouped.units += sort.add(chunk, grouped.parts, filling);
      if (drawing.chunked && !(await drawing.yieldTurn())) return undefined;
    }
    return grouped;
  }

  /** A unit's (label, bucket) key and look, made once per label and bucket (not per unit: the key reads the colors). */
  private kinds(threshold: number): (u: DisplayUnit) => { key: string; look: Look } {
    const kinds = new Map<string, Array<{ key: string; look: Look }>>();
    return (u) => {
      const low = u.score < threshold;
      let pair = kinds.get(u.label);
      if (!pair) kinds.set(u.label, (pair = []));
      return (pair[+low] ??= { key: this.key(u.label, low), look: this.lookFor(u.label, low) });
    };
  }

  /**
   * The units touching `ranges` (the lines in view, or those and their margin), found by binary
   * search and grouped alone (the work is in proportion to those lines, not to the document),
   * set as the first parts of each label (the full pass sets the parts near the visible ranges
   * first); the number of units set, or false when a newer drawing took over.
   */
  private async setNear(
    drawing: Drawing,
    applied: Map<string, AppliedPart>,
    sort: Sorter,
    words: readonly WordLabel[],
    opts: DrawOptions,
    ranges: readonly OffsetRange[],
  ): Promise<number | false> {
    const near = new Map<string, Part>();
    const filling = new Map<string, Part>();
    let units = 0;
    // a yield between two chunks only: lines in view of at most a chunk's words are grouped and
    // set in the turn the drawing began
    let first = true;
    for (const chunk of unitsTouchingChunks(words, opts.scheme, opts.hidden, ranges, CHUNK_UNITS)) {
      if (!first && performance.now() - drawing.lastYield >= FIRST_PASS_SLICE_MS && !(await drawing.yieldTurn())) return false;
      first = false;
      units += sort.add(chunk, near, filling);
    }
    if (!(await this.setInTurns(drawing, applied, near.values()))) return false;
    return units;
  }

  /**
   * Sets parts on the editor, a few thousand ranges per event-loop turn: VS Code serializes each
   * call's ranges for the renderer synchronously. `applied` follows each call, so that a newer
   * drawing that takes over half way clears exactly what is on the editor. False when a newer
   * drawing (or the edit's run) took over: it draws the rest.
   */
  private async setInTurns(drawing: Drawing, applied: Map<string, AppliedPart>, list: Iterable<Part>): Promise<boolean> {
    for (const p of list) {
      const n = p.offsets.length / 2;
      if (drawing.sinceYield > 0 && drawing.sinceYield + n > MAX_RANGES_PER_CALL) {
        if (!(await drawing.yieldTurn())) return false;
      }
      this.set(drawing.editor, applied, { key: p.key, part: p.part, look: p.look, offsets: Int32Array.from(p.offsets) });
      drawing.sinceYield += n;
      drawing.largestCall = Math.max(drawing.largestCall, n);
    }
    return true;
  }

  clear(editor: vscode.TextEditor): void {
    this.generation.set(editor, (this.generation.get(editor) ?? 0) + 1);
    for (const p of this.applied.get(editor)?.values() ?? []) {
      editor.setDecorations(this.typeFor(p.look.label, p.look.lowConfidence, p.part), []);
    }
    this.applied.delete(editor);
  }

  /**
   * The decorations this extension set on an editor (what the API and tests read): one snapshot
   * per (label, bucket), its parts' ranges joined in document order, as positions in the
   * document now (the version drawn, unless it was edited since).
   */
  snapshot(editor: vscode.TextEditor): DecorationSnapshot[] {
    const byKey = new Map<string, AppliedPart[]>();
    for (const p of this.applied.get(editor)?.values() ?? []) {
      const list = byKey.get(p.key) ?? [];
      list.push(p);
      byKey.set(p.key, list);
    }
    const doc = editor.document;
    return [...byKey.values()].map((list) => {
      list.sort((a, b) => a.part - b.part);
      const ranges: vscode.Range[] = [];
      for (const p of list) {
        for (let i = 0; i < p.offsets.length; i += 2)
          ranges.push(new vscode.Range(doc.positionAt(p.offsets[i]), doc.positionAt(p.offsets[i + 1])));
      }
      return { ...list[0].look, ranges };
    });
  }

  drawStats(editor: vscode.TextEditor): DrawStats | undefined {
    return this.stats.get(editor);
  }

  /** Decoration types created since activation (reuse keeps this flat). */
  get created(): number {
    return this.createdCount;
  }

  /** Decoration types alive now. */
  get typeCount(): number {
    return this.types.size;
  }

  dispose(): void {
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }
}

/** One drawing of an editor, passed between the steps of `apply`. */
interface Drawing {
  readonly editor: vscode.TextEditor;
  /** A long document: its units are grouped a chunk per event-loop turn. */
  readonly chunked: boolean;
  /** Ranges set since the last yield, and the most one call was given. */
  sinceYield: number;
  largestCall: number;
  /** When it last yielded (performance.now()); a yield sets `sinceYield` to 0. */
  lastYield: number;
  /** Yields to the event loop; false when a newer drawing (or an edit) took over meanwhile. */
  yieldTurn(): Promise<boolean>;
}

/** A drawing's units grouped into parts. */
interface Grouped {
  readonly parts: Map<string, Part>;
  units: number;
}

/** Puts units into the parts of their (label, bucket), leaving out those under a correction. */
class Sorter {
  constructor(
    private readonly keep: (u: OffsetRange) => boolean,
    private readonly kindOf: (u: DisplayUnit) => { key: string; look: Look },
  ) {}

  /**
   * Adds units (in document order) to `parts`: each (label, bucket)'s to the part `filling`
   * holds for it, a new part once that has MAX_RANGES_PER_CALL; returns how many were kept.
   */
  add(units: readonly DisplayUnit[], parts: Map<string, Part>, filling: Map<string, Part>): number {
    let kept = 0;
    for (const u of units) {
      if (!this.keep(u)) continue;
      kept++;
      const { key, look } = this.kindOf(u);
      let p = filling.get(key);
      if (!p || p.offsets.length === 2 * MAX_RANGES_PER_CALL) {
        p = { key, part: p ? p.part + 1 : 0, look, offsets: [], start: u.start, end: u.end };
        filling.set(key, p);
        parts.set(partKey(key, p.part), p);
      }
      p.offsets.push(u.start, u.end);
      p.end = u.end;
    }
    return kept;
  }
}

/** The lines an editor shows, as document offsets (no margin). */
function inView(editor: vscode.TextEditor): OffsetRange[] {
  const doc = editor.document;
  return editor.visibleRanges.map((r) => ({
    start: doc.offsetAt(new vscode.Position(r.start.line, 0)),
    end: doc.offsetAt(doc.lineAt(r.end.line).range.end),
  }));
}

/** The parts in the order they are set: nearest the visible ranges first. */
function nearestFirst(parts: Part[], visible: readonly OffsetRange[] | undefined): Part[] {
  if (!visible?.length) return parts;
  const d = new Map(parts.map((p) => [p, distanceTo(p.start, p.end, visible)]));
  return parts.sort((a, b) => d.get(a)! - d.get(b)!);
}

/** Whether a unit overlaps no corrected range (units are in document order). */
function notCorrected(corrected: readonly OffsetRange[]): (u: OffsetRange) => boolean {
  if (!corrected.length) return () => true;
  const sorted = [...corrected].sort((a, b) => a.start - b.start);
  // the longest correction bounds how far back an overlapping one can start
  const longest = sorted.reduce((m, c) => Math.max(m, c.end - c.start), 0);
  return (u) => {
    const first = partitionPoint(sorted.length, (i) => sorted[i].start >= u.start - longest);
    for (let i = first; i < sorted.length && sorted[i].start < u.end; i++) if (sorted[i].end > u.start) return false;
    return true;
  };
}
