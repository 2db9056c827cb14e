// How corrections look: drawn apart from the model's labels, in the label's color and the
// configured style (a box by default), reviewed labels in the `bertLstm.reviewed` color, and
// labels an edit changed marked in the overview ruler. One decoration type per (label, reviewed,
// needs review), made on first use and dropped when the style setting changes.
import * as vscode from 'vscode';
import { REMOVED_LABEL, type Annotation } from '../core/annotations';
import type { Config } from '../config';
import { colorIdFor } from '../display/colors';

/**
 * Corrections drawn apart from the model's labels: the label's color in the configured style
 * (a box by default), reviewed labels in the `bertLstm.reviewed` color, and labels an edit
 * changed marked in the overview ruler. Removals are not drawn (they hide a model label).
 */
export class CorrectionDecorations implements vscode.Disposable {
  private readonly types = new Map<string, vscode.TextEditorDecorationType>();
  private readonly applied = new WeakMap<vscode.TextEditor, Map<string, Array<[number, number]>>>();

  constructor(private readonly config: Config) {}

  private typeFor(key: string, label: string, reviewed: boolean, needsReview: boolean): vscode.TextEditorDecorationType {
    let t = this.types.get(key);
    if (t) return t;
    const color = new vscode.ThemeColor(reviewed ? 'bertLstm.reviewed' : colorIdFor(label));
    const style = this.config.correctionStyle;
    const options: vscode.DecorationRenderOptions =
      style === 'background'
        ? {
            backgroundColor: new vscode.ThemeColor(reviewed ? 'bertLstm.reviewedBackground' : 'bertLstm.correctedBackground'),
            borderColor: color,
            borderStyle: 'none none solid none',
            borderWidth: '0 0 2px 0',
          }
        : style === 'doubleUnderline'
          ? { borderColor: color, borderStyle: 'none none double none', borderWidth: '0 0 3px 0' }
          : { borderColor: color, borderStyle: 'solid', borderWidth: '1px', borderRadius: '3px' };
    t = vscode.window.createTextEditorDecorationType({
      ...options,
      overviewRulerColor: needsReview ? new vscode.ThemeColor('bertLstm.needsReview') : undefined,
      overviewRulerLane: vscode.OverviewRulerLane.Center,
    });
    this.types.set(key, t);
    return t;
  }

  draw(editor: vscode.TextEditor, corrections: readonly Annotation[]): void {
    const doc = editor.document;
    const byKey = new Map<string, { type: vscode.TextEditorDecorationType; ranges: Array<[number, number]> }>();
    for (const a of corrections) {
      if (a.label === REMOVED_LABEL) continue;
      const reviewed = a.source === 'reviewed';
      const key = `${a.label}\u0000${reviewed ? 'reviewed' : 'corrected'}\u0000${a.needsReview ? 'review' : 'ok'}`;
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { type: this.typeFor(key, a.label, reviewed, !!a.needsReview), ranges: [] }));
      entry.ranges.push([a.start, a.end]);
    }
    const before = this.applied.get(editor) ?? new Map<string, Array<[number, number]>>();
    for (const key of before.keys()) {
      const gone = byKey.has(key) ? undefined : this.types.get(key);
      if (gone) editor.setDecorations(gone, []);
    }
    const now = new Map<string, Array<[number, number]>>();
    for (const [key, { type, ranges }] of byKey) {
      editor.setDecorations(
        type,
        ranges.map(([s, e]) => new vscode.Range(doc.positionAt(s), doc.positionAt(e))),
      );
      now.set(key, ranges);
    }
    this.applied.set(editor, now);
  }

  snapshot(editor: vscode.TextEditor): Array<{ key: string; ranges: Array<[number, number]> }> {
    return [...(this.applied.get(editor) ?? new Map<string, Array<[number, number]>>())].map(([key, ranges]) => ({
      key: key.split('\u0000').join('|'),
      ranges,
    }));
  }

  /** Drops the decoration types (the style setting changed); the next draw makes new ones. */
  reset(): void {
    for (const t of this.types.values()) t.dispose();
    this.types.clear();
  }

  dispose(): void {
    this.reset();
  }
}
