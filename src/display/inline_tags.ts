// The inline style's tags ("NOUN" after each word) as inlay hints. An inlay hint is text the
// editor injects into the line, so the line wraps with it when word wrap is on; a decoration's
// `after` text is drawn by CSS outside the editor's line layout and runs past the edge instead.
// Inlay hints also give the tags the editor's own look for injected text: muted
// (`editorInlayHint.*` colors), spaced (padding) and at `editor.inlayHints.fontSize`, which
// package.json's configurationDefaults sets smaller than the text for plain text and Markdown
// (VS Code draws hints at the text's size otherwise, and never larger). The editor also cuts a
// line's hints after `editor.inlayHints.maximumLength` characters in all (43 by default, about
// ten tags), which would leave a paragraph written on one long line untagged after its first
// words: the same configurationDefaults lift that limit (0) for plain text and Markdown. The
// label's color stays on the word's underline (decorations.ts). Only the requested range's tags
// are made (the editor asks for the visible lines).
import * as vscode from 'vscode';
import type { DisplayUnit } from '../core/display_units';
import { partitionPoint } from '../core/ranges';
import { percent } from '../percent';

/** What the tags are made from: a document's drawn units and the threshold, when in the inline style. */
export type InlineUnits = (doc: vscode.TextDocument) => { units: readonly DisplayUnit[]; threshold: number } | undefined;

export class InlineTags implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor(private readonly unitsOf: InlineUnits) {
    this.registration = vscode.languages.registerInlayHintsProvider({ scheme: '*' }, this);
  }

  /** The labels or the look changed: the editor asks for the tags again. */
  refresh(): void {
    this.changed.fire();
  }

  provideInlayHints(doc: vscode.TextDocument, range: vscode.Range): vscode.InlayHint[] {
    const shown = this.unitsOf(doc);
    if (!shown) return [];
    const { units, threshold } = shown;
    const from = doc.offsetAt(range.start);
    const to = doc.offsetAt(range.end);
    const hints: vscode.InlayHint[] = [];
    for (let i = partitionPoint(units.length, (k) => units[k].end > from); i < units.length && units[i].end <= to; i++) {
      const u = units[i];
      const low = u.score < threshold;
      const hint = new vscode.InlayHint(doc.positionAt(u.end), inlineTag(u.label, low));
      hint.paddingLeft = true;
      hint.paddingRight = true;
      hint.tooltip = `${u.label} ${percent(u.score)}${low ? ' (below the confidence threshold)' : ''}`;
      hints.push(hint);
    }
    return hints;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}

/** The tag the inline style draws after a unit: the label, with "?" when uncertain. */
export function inlineTag(label: string, low: boolean): string {
  return low ? `${label}?` : label;
}
