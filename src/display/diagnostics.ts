// Optional (setting `bertLstm.diagnostics.lowConfidence`, off by default): labels below the
// confidence threshold listed as Information diagnostics in the Problems panel, for triage.
// One collection; a document's entries are replaced when it is relabeled and removed with its
// labels (Clear Labels, close, or an edit that makes non-live labels stale).
import * as vscode from 'vscode';
import type { LabelScheme } from '../core/bundle';
import { displayUnitChunks, type DisplayUnit } from '../core/display_units';
import type { LabeledText } from '../core/labeler';
import { nextTurn } from '../core/turns';
import type { Config } from '../config';
import type { LabelStore } from '../labeling/label_store';
import type { ModelHost } from '../labeling/model_host';
import { shownLabels } from './shown';
import { percent } from '../percent';

/** At most this many diagnostics per document (the Problems panel stays usable). */
export const MAX_DIAGNOSTICS_PER_DOCUMENT = 5000;
/** Words turned into diagnostics per event-loop turn. */
const CHUNK_WORDS = 2000;

export class LowConfidenceDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('bertLstm');

  constructor(
    private readonly config: Config,
    private readonly model: ModelHost,
    private readonly labels: LabelStore,
  ) {}

  /** The latest update of each document being made: an older one still going stops. */
  private readonly latest = new Map<string, number>();
  private updates = 0;

  /**
   * Sets a document's diagnostics from its current labels (none when off or unlabeled). A long
   * document's are made a chunk of words per event-loop turn, then set at once.
   */
  update(doc: vscode.TextDocument, labels: LabeledText | undefined): void {
    const key = doc.uri.toString();
    // numbered across documents: an update started after this one's entry was removed cannot
    // take the number of one still going
    const id = ++this.updates;
    if (!labels || !this.config.lowConfidenceDiagnostics) {
      this.collection.delete(doc.uri);
      this.latest.delete(key);
      return;
    }
    this.latest.set(key, id);
    void this.fill(doc, labels, () => this.latest.get(key) === id && !doc.isClosed).finally(() => {
      if (this.latest.get(key) === id) this.latest.delete(key);
    });
  }

  private async fill(doc: vscode.TextDocument, labels: LabeledText, current: () => boolean): Promise<void> {
    const { scheme, hidden, threshold } = shownLabels(this.config, this.model);
    const out: vscode.Diagnostic[] = [];
    for (const chunk of displayUnitChunks(labels.words, scheme, hidden, CHUNK_WORDS)) {
      if (out.length >= MAX_DIAGNOSTICS_PER_DOCUMENT) break;
      if (labels.words.length > CHUNK_WORDS) {
        await nextTurn();
        if (!current()) return;
      }
      this.add(doc, labels, chunk, out, scheme, threshold);
    }
    this.collection.set(doc.uri, out);
  }

  private add(
    doc: vscode.TextDocument,
    labels: LabeledText,
    units: readonly DisplayUnit[],
    out: vscode.Diagnostic[],
    scheme: LabelScheme,
    threshold: number,
  ): void {
    for (const u of units) {
      if (u.score >= threshold) continue;
      const w = labels.words[u.word];
      const alts = w.alternatives
        .slice(1)
        .map((a) => `${a.label} ${percent(a.score, 0)}`)
        .join(', ');
      const d = new vscode.Diagnostic(
        new vscode.Range(doc.positionAt(u.start), doc.positionAt(u.end)),
        `Low confidence: ${u.label} ${percent(u.score, 0)}${alts && scheme === 'plain' ? ` (or ${alts})` : ''}`,
        vscode.DiagnosticSeverity.Information,
      );
      d.source = 'BERT+LSTM';
      d.code = 'low-confidence';
      out.push(d);
      if (out.length >= MAX_DIAGNOSTICS_PER_DOCUMENT) break;
    }
  }

  /** After a settings change: recompute for every open document. */
  refreshAll(): void {
    for (const doc of vscode.workspace.textDocuments) {
      const labels = this.labels.current(doc);
      if (labels || this.collection.has(doc.uri)) this.update(doc, labels);
    }
  }

  delete(doc: vscode.TextDocument): void {
    this.collection.delete(doc.uri);
  }

  /** A document's diagnostics (for the API and tests). */
  of(uri: vscode.Uri): readonly vscode.Diagnostic[] {
    return this.collection.get(uri) ?? [];
  }

  dispose(): void {
    this.collection.dispose();
  }
}
