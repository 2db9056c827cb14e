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
// The editor listens for `onDidChangeInlayHints` only between a request's answer and its next
// request, so a change fired while a request is on its way (a document just opened, its labels
// arriving as the editor asks) is lost, and an answer of no tags would stand until the next
// scroll or edit. So a request for a document whose labels are on their way (it is labeled live,
// `expectLabels`) waits for them (the next `refresh`), bounded by LABELS_WAIT_MS and the
// request's cancellation, and answers with the tags.
import * as vscode from 'vscode';
import type { DisplayUnit } from '../core/display_units';
import { partitionPoint } from '../core/ranges';
import { percent } from '../percent';

/** What the tags are made from: a document's drawn units and the threshold, when in the inline style. */
export type InlineUnits = (doc: vscode.TextDocument) => { units: readonly DisplayUnit[]; threshold: number } | undefined;

/** Whether labels for a document (it has none that are current) are on their way. */
export type LabelsComing = (doc: vscode.TextDocument) => boolean;

/**
 * The longest a request for tags waits for labels on their way; after it the request answers
 * with none, and the refresh that follows the labels draws them. Above the live labeling's
 * debounce and first labels; it bounds a run that fails.
 */
export const LABELS_WAIT_MS = 5000;

export class InlineTags implements vscode.InlayHintsProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeInlayHints = this.changed.event;
  private readonly registration: vscode.Disposable;
  private labelsComing: LabelsComing = () => false;
  /** Requests waiting for labels: woken by each refresh. */
  private readonly waiting = new Set<() => void>();

  constructor(private readonly unitsOf: InlineUnits) {
    this.registration = vscode.languages.registerInlayHintsProvider({ scheme: '*' }, this);
  }

  /** Tells which documents' labels are on their way (those the requests wait for). */
  expectLabels(coming: LabelsComing): void {
    this.labelsComing = coming;
  }

  /** The labels or the look changed: waiting requests look again, the editor asks for the tags again. */
  refresh(): void {
    for (const wake of [...this.waiting]) wake();
    this.changed.fire();
  }

  async provideInlayHints(doc: vscode.TextDocument, range: vscode.Range, token: vscode.CancellationToken): Promise<vscode.InlayHint[]> {
    const deadline = Date.now() + LABELS_WAIT_MS;
    let shown = this.unitsOf(doc);
    while (!shown && this.labelsComing(doc) && !token.isCancellationRequested && Date.now() < deadline) {
      await this.nextRefresh(token, deadline - Date.now());
      shown = this.unitsOf(doc);
    }
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

  /** Resolves at the next refresh, the request's cancellation or after `ms`, whichever is first. */
  private nextRefresh(token: vscode.CancellationToken, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        cancelled.dispose();
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      const cancelled = token.onCancellationRequested(done);
      this.waiting.add(done);
    });
  }

  dispose(): void {
    for (const wake of [...this.waiting]) wake();
    this.registration.dispose();
    this.changed.dispose();
  }
}

/** The tag the inline style draws after a unit: the label, with "?" when uncertain. */
export function inlineTag(label: string, low: boolean): string {
  return low ? `${label}?` : label;
}
