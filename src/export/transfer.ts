// Export Labels / Import Labels: the document's corrections merged over the model's labels, in
// CoNLL (IOB2), CoNLL-U or JSONL spans (core/formats.ts), to a file the user chooses; and the
// same formats read back into the document's corrections, checked against its text first.
// An import keeps as corrections only the labels that differ from the model's; the agreeing
// ones are marked reviewed or left to the model (core/import_compare.ts).
// Arguments (for keybindings and tests): { format?: 'conll' | 'conllu' | 'spans', uri?: Uri,
// agreeing?: 'reviewed' | 'unchanged' }.
import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import {
  EXPORT_FORMATS,
  exportAsYielding,
  spansRecord,
  formatOfFile,
  FORMAT_EXTENSIONS,
  importAs,
  type ExportFormat,
  type FormatProblem,
  type SentenceLayout,
} from '../core/formats';
import { modelOwnAnnotations } from '../core/adapt/opinion';
import { compareWithModel, comparisonSummary, type AgreeingLabels } from '../core/import_compare';
import { codePointRanges } from '../core/prose_mask';
import { writeFileAtomic } from '../core/sidecar';
import type { Services } from '../services';

export type TransferServices = Pick<Services, 'config' | 'log' | 'model' | 'labels' | 'live' | 'corrections' | 'working'>;

export interface TransferArgs {
  readonly format?: ExportFormat;
  readonly uri?: vscode.Uri;
  /** Import: what to do with labels that agree with the model's (default: the setting `import.agreeingLabels`). */
  readonly agreeing?: AgreeingLabels;
}

export interface TransferResult {
  readonly ok: boolean;
  readonly labels: number;
  readonly problems: readonly FormatProblem[];
  readonly warnings: readonly FormatProblem[];
  /** Import: what of the file was kept and what was left out, in words. */
  readonly summary?: string;
  /** Import: how many of the file's labels differ from the model's and how many agree. */
  readonly differ?: number;
  readonly agree?: number;
}

const FORMAT_NAMES: Record<ExportFormat, string> = {
  conll: 'CoNLL-2003 / IOB2 (token per line)',
  conllu: 'CoNLL-U (UPOS column)',
  spans: 'JSONL spans (Prodigy, doccano)',
};

async function pickFormat(title: string, suggested?: ExportFormat): Promise<ExportFormat | undefined> {
  const items = EXPORT_FORMATS.map((f) => ({
    label: FORMAT_NAMES[f],
    description: FORMAT_EXTENSIONS[f],
    format: f,
    picked: f === suggested,
  }));
  if (suggested) items.sort((a, b) => Number(b.format === suggested) - Number(a.format === suggested));
  return (await vscode.window.showQuickPick(items, { title }))?.format;
}

const describe = (p: FormatProblem): string => (p.line ? `line ${p.line}: ${p.message}` : p.message);

/** Export and Import Labels, with what an import leaves for the next export of the same text. */
export class LabelTransfer {
  /**
   * The sentence layout of the last CoNLL-U file imported into each document, with the text it
   * was read against: a CoNLL-U export of that same text keeps its sentences and ids.
   */
  private readonly importedLayouts = new WeakMap<vscode.TextDocument, { text: string; layout: SentenceLayout }>();

  constructor(private readonly s: TransferServices) {}

  async exportLabels(doc: vscode.TextDocument, args: TransferArgs = {}): Promise<TransferResult | undefined> {
    const { s, importedLayouts } = this;
    const format = args.format ?? (await pickFormat('Export labels as'));
    if (!format) return undefined;
    const labeler = await s.model.get();
    if (!labeler) return undefined;
    if (!s.labels.complete(doc) && !(await s.live.labelDocument(doc))) return undefined;
    const store = s.corrections;
    await store.ensure(doc);
    let target = args.uri;
    if (!target) {
      const base =
        doc.uri.scheme === 'file' ? doc.uri.fsPath : path.join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '', 'untitled');
      target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.file(base + FORMAT_EXTENSIONS[format]),
        title: `Export labels as ${FORMAT_NAMES[format]}`,
        saveLabel: 'Export',
      });
      if (!target) return undefined;
    }
    const text = doc.getText();
    const scheme = labeler.bundle.config.labelScheme;
    const annotations = store.merged(doc);
    const imported = importedLayouts.get(doc);
    const layout = format === 'conllu' && imported?.text === text ? imported.layout : undefined;
    // prose only: which parts of the text were labeled (code point offsets, as the spans' own)
    const labeled = s.labels.current(doc)?.ranges;
    const labeledRanges = labeled && codePointRanges(text, labeled);
    // spans: one JSON record for the whole document, written in pieces (a big document's record is
    // never one string); the others in slices, so that a big document does not hold the extension
    // host's thread
    const out =
      format === 'spans'
        ? { content: spansRecord(text, annotations, labeledRanges), warnings: [] }
        : await exportAsYielding(format, text, labeler.tokenizer.wordSpans(text), annotations, scheme === 'plain' ? 'plain' : 'iob2', {
            documentName: path.basename(doc.uri.path),
            layout,
            labeledRanges,
          });
    try {
      await writeFileAtomic(target.fsPath, out.content);
    } catch (e) {
      void vscode.window.showErrorMessage(`BERT+LSTM: could not write ${target.fsPath}: ${(e as Error).message}`);
      return { ok: false, labels: 0, problems: [{ line: 0, message: (e as Error).message }], warnings: out.warnings };
    }
    for (const w of out.warnings) s.log.warn(`export ${path.basename(target.fsPath)}: ${describe(w)}`);
    const note = out.warnings.length ? ` with ${out.warnings.length} warning${out.warnings.length === 1 ? '' : 's'} (see the log)` : '';
    void vscode.window.showInformationMessage(
      `BERT+LSTM: exported ${annotations.length} labels to ${path.basename(target.fsPath)}${note}.`,
    );
    return { ok: true, labels: annotations.length, problems: [], warnings: out.warnings };
  }

  /**
   * Reads labels from a file into the document's corrections (replacing them, one undoable step).
   * Nothing is imported when any token or span does not fit the text.
   */
  async importLabels(doc: vscode.TextDocument, args: TransferArgs = {}): Promise<TransferResult | undefined> {
    const { s, importedLayouts } = this;
    let source = args.uri;
    if (!source) {
      const picked = await vscode.window.showOpenDialog({
        canSelectMany: false,
        title: 'Import labels for this document',
        openLabel: 'Import',
        filters: { 'Label files': ['conll', 'conllu', 'jsonl', 'json', 'iob', 'iob2', 'bio'], 'All files': ['*'] },
      });
      source = picked?.[0];
      if (!source) return undefined;
    }
    const format = args.format ?? formatOfFile(source.path) ?? (await pickFormat(`Format of ${path.basename(source.path)}`));
    if (!format) return undefined;
    let content: string;
    try {
      content = await fs.readFile(source.fsPath, 'utf8');
    } catch (e) {
      void vscode.window.showErrorMessage(
        `BERT+LSTM: cannot read ${source.fsPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
      return { ok: false, labels: 0, problems: [{ line: 0, message: (e as Error).message }], warnings: [] };
    }
    const text = doc.getText();
    const result = importAs(format, content, text);
    const name = path.basename(source.fsPath);
    if (!result.ok) {
      for (const p of result.problems) s.log.error(`import ${name}: ${describe(p)}`);
      void vscode.window.showErrorMessage(
        `BERT+LSTM: nothing imported from ${name}: ${describe(result.problems[0])}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more in the log)` : ''}`,
      );
      return { ok: false, labels: 0, problems: result.problems, warnings: [] };
    }
    for (const w of result.warnings) s.log.warn(`import ${name}: ${describe(w)}`);
    // Only the labels that differ from the model's are corrections: the model's labels of this
    // text are needed, all of them (labeled first if the document has no complete labels for its
    // version: a run going on has drawn only part of them).
    const labeled = s.labels.complete(doc) ?? (await s.live.labelDocument(doc));
    if (doc.isClosed || doc.getText() !== text) {
      const why = doc.isClosed ? 'the document was closed' : 'the document changed';
      void vscode.window.showWarningMessage(`BERT+LSTM: nothing imported from ${name}: ${why} while it was being read. Import it again.`);
      return { ok: false, labels: 0, problems: [{ line: 0, message: why }], warnings: result.warnings };
    }
    const agreeing = args.agreeing ?? s.config.importAgreeingLabels;
    // the model's own labels, not the memory's (docs/ADAPT.md): the user's labels are not compared with themselves
    const scheme = s.model.loaded?.bundle.config.labelScheme ?? 'plain';
    const compared = labeled ? compareWithModel(result.annotations, modelOwnAnnotations(text, labeled.words, scheme), agreeing) : undefined;
    const annotations = compared?.annotations ?? result.annotations;
    const applied = await s.corrections.set(doc, annotations, `Import ${name}`);
    if (!applied)
      return { ok: false, labels: 0, problems: [{ line: 0, message: 'the annotation file cannot be read' }], warnings: result.warnings };
    if (result.layout) importedLayouts.set(doc, { text, layout: result.layout });
    if (result.summary) s.log.info(`import ${name}: ${result.summary}`);
    const note = result.warnings.length ? ` (${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'} in the log)` : '';
    const summary = result.summary ? ` It ${result.summary}.` : '';
    const comparison = compared
      ? `: ${comparisonSummary(compared)}${compared.agree ? (agreeing === 'reviewed' ? ' (marked reviewed)' : ' (left to the model)') : ''}`
      : ' as corrections (no model labels to compare them with)';
    void vscode.window.showInformationMessage(
      `BERT+LSTM: imported ${result.annotations.length} labels from ${name}${comparison}${note}.${summary}`,
    );
    return {
      ok: true,
      labels: result.annotations.length,
      problems: [],
      warnings: result.warnings,
      summary: result.summary,
      ...(compared ? { differ: compared.differ, agree: compared.agree } : {}),
    };
  }
}

export function registerTransferCommands(s: TransferServices): vscode.Disposable[] {
  const transfer = new LabelTransfer(s);
  return [
    vscode.commands.registerCommand('bertLstm.exportLabels', (args?: TransferArgs) => {
      const doc = s.working.documentOr();
      return doc ? transfer.exportLabels(doc, args) : undefined;
    }),
    vscode.commands.registerCommand('bertLstm.importLabels', (args?: TransferArgs) => {
      const doc = s.working.documentOr();
      return doc ? transfer.importLabels(doc, args) : undefined;
    }),
  ];
}
