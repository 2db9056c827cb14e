// Label decorations: one decoration type per (label, confidence bucket), created once and
// reused; colors are contributed theme colors (`bertLstm.label.<LABEL>`; labels a bundle
// brings that are not contributed get one of the palette colors, stable per label).
import * as vscode from 'vscode';
import type { LabelScheme } from './core/bundle';
import type { WordLabel } from './core/labeler';
import { decodeSpans, type LabeledUnit } from './core/spans';

/** Labels with a contributed color of their own (package.json contributes.colors). */
export const CONTRIBUTED_LABELS = [
  'ADJ', 'ADP', 'ADV', 'AUX', 'CCONJ', 'DET', 'INTJ', 'NOUN', 'NUM', 'PART', 'PRON', 'PROPN',
  'PUNCT', 'SCONJ', 'SYM', 'VERB', 'X', 'PER', 'ORG', 'LOC', 'MISC',
] as const;
export const PALETTE_SIZE = 8;

export function colorIdFor(label: string): string {
  const entity = label.replace(/^[BIESL]-/, '');
  if ((CONTRIBUTED_LABELS as readonly string[]).includes(entity)) return `bertLstm.label.${entity}`;
  let h = 0;
  for (let i = 0; i < entity.length; i++) h = (h * 31 + entity.charCodeAt(i)) >>> 0;
  return `bertLstm.palette.${h % PALETTE_SIZE}`;
}

export interface DecorationSnapshot {
  readonly label: string;
  readonly lowConfidence: boolean;
  readonly colorId: string;
  readonly ranges: readonly vscode.Range[];
}

export class LabelDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  /** What was last set on each editor, by decoration key: for the API and for clearing. */
  private readonly applied = new WeakMap<vscode.TextEditor, Map<string, DecorationSnapshot>>();

  private static key(label: string, low: boolean): string {
    return `${label}\u0000${low ? 'low' : 'ok'}`;
  }

  private typeFor(label: string, low: boolean): vscode.TextEditorDecorationType {
    const key = LabelDecorations.key(label, low);
    let t = this.types.get(key);
    if (!t) {
      const color = new vscode.ThemeColor(colorIdFor(label));
      t = vscode.window.createTextEditorDecorationType({
        borderStyle: low ? 'none none dashed none' : 'none none solid none',
        borderWidth: '0 0 2px 0',
        borderColor: color,
        opacity: low ? '0.65' : undefined,
        overviewRulerColor: low ? new vscode.ThemeColor('bertLstm.lowConfidence') : undefined,
        overviewRulerLane: vscode.OverviewRulerLane.Right,
        rangeBehavior: vscode.DecorationRangeBehavior.ClosedClosed,
      });
      this.types.set(key, t);
    }
    return t;
  }

  /**
   * Draws the labels on the editor, replacing what was drawn before. With a BIO or BIOES label
   * scheme, words are merged into entity spans drawn with the entity type.
   */
  apply(editor: vscode.TextEditor, words: readonly WordLabel[], scheme: LabelScheme, hidden: ReadonlySet<string>, threshold: number): void {
    const doc = editor.document;
    const groups = new Map<string, DecorationSnapshot & { ranges: vscode.Range[] }>();
    const units: readonly LabeledUnit[] = scheme === 'plain' ? words : decodeSpans(words, scheme, hidden);
    for (const w of units) {
      if (hidden.has(w.label)) continue;
      const low = w.score < threshold;
      const key = LabelDecorations.key(w.label, low);
      let g = groups.get(key);
      if (!g) {
        g = { label: w.label, lowConfidence: low, colorId: colorIdFor(w.label), ranges: [] };
        groups.set(key, g);
      }
      g.ranges.push(new vscode.Range(doc.positionAt(w.start), doc.positionAt(w.end)));
    }
    const before = this.applied.get(editor) ?? new Map<string, DecorationSnapshot>();
    for (const [key, snap] of before) {
      if (!groups.has(key)) editor.setDecorations(this.typeFor(snap.label, snap.lowConfidence), []);
    }
    for (const g of groups.values()) editor.setDecorations(this.typeFor(g.label, g.lowConfidence), g.ranges);
    this.applied.set(editor, groups);
  }

  clear(editor: vscode.TextEditor): void {
    for (const snap of this.applied.get(editor)?.values() ?? []) {
      editor.setDecorations(this.typeFor(snap.label, snap.lowConfidence), []);
    }
    this.applied.delete(editor);
  }

  /** The decorations this extension set on an editor (what tests and the status bar read). */
  snapshot(editor: vscode.TextEditor): DecorationSnapshot[] {
    return [...(this.applied.get(editor)?.values() ?? [])];
  }

  get typeCount(): number {
    return this.types.size;
  }

  dispose(): void {
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }
}
