// Correction commands: Correct Label (a quick pick of the model's labels, most probable first,
// each numbered and described, the current one marked; typing a row's number or a label's first
// letters picks it), Accept Label (the model's label, marked reviewed), Accept Label and Next
// (the same, then the next low-confidence label not yet reviewed: the review loop in one key),
// Remove Span, Create Span (BIO models, over the selection), Apply to All Identical Words (the
// count asked before applying, exactly or in any case), Undo / Redo Correction and Save
// Corrections. The store (store.ts) keeps the corrections; these commands decide what a
// correction at the cursor is. They act on the document the user works on (editors.ts): from
// the analysis panel, its editor is shown again first.
//
// Each command takes an optional argument object so that keybindings and tests can give the
// choice directly: { label?: string, assumeYes?: boolean, matchCase?: boolean }.
import * as vscode from 'vscode';
import type { LabelScore } from '../core/aggregate';
import { annotationAt, byPosition, REMOVED_LABEL, replaceCorrections, type Annotation } from '../core/annotations';
import type { Labeler, WordLabel } from '../core/labeler';
import { iterateSegments } from '../core/segments';
import { splitTag } from '../core/spans';
import { identicalPlaces } from '../core/identical';
import { describeLabel } from '../core/label_info';
import { LabelStore } from '../labeling/label_store';
import { goToLabel, type NavigationResult } from '../review/navigation';
import { choiceRows, labelChoices, typeProbabilities, typedChoice, type ChoiceRow, type LabelChoice } from './choices';
import type { CorrectionsStore } from './store';
import type { Services } from '../services';
import { percent } from '../percent';

export type { LabelChoice } from './choices';

export interface CorrectionArgs {
  /** The label to set (skips the quick pick). */
  readonly label?: string;
  /** Apply without asking (Apply to All Identical Words). */
  readonly assumeYes?: boolean;
  /** Apply to All Identical Words: only words of the same case (default), or false for any case. */
  readonly matchCase?: boolean;
}

/** What a command works on: a word or span of the document. */
interface Target {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  /** The model's label there (annotation form), if any. */
  readonly model?: Annotation;
  /** The label shown there now (a correction, or the model's). */
  readonly current?: Annotation;
}

export type CorrectionServices = Pick<Services, 'config' | 'model' | 'labels' | 'live' | 'runs' | 'corrections' | 'working'>;

export class Corrections {
  private readonly store: CorrectionsStore;

  constructor(private readonly s: CorrectionServices) {
    this.store = s.corrections;
  }

  scheme(): 'plain' | 'BIO' | 'BIOES' {
    return this.s.model.loaded?.bundle.config.labelScheme ?? 'plain';
  }

  /** The document's labels, labeling it first if it has none for its current version. */
  private async words(doc: vscode.TextDocument): Promise<readonly WordLabel[] | undefined> {
    const current = this.s.labels.current(doc);
    if (current) return current.words;
    return (await this.s.live.labelDocument(doc))?.words;
  }

  /** The word or span at the cursor (or the selection, for span models). */
  private async target(editor: vscode.TextEditor, useSelection: boolean): Promise<Target | undefined> {
    const doc = editor.document;
    await this.store.ensure(doc);
    const words = await this.words(doc);
    const text = doc.getText();
    const merged = this.store.merged(doc);
    const model = this.store.modelOwnLabels(doc); // a review of the model's own label, not of the memory's
    const sel = editor.selection;
    if (useSelection && !sel.isEmpty && words) {
      const s = doc.offsetAt(sel.start);
      const e = doc.offsetAt(sel.end);
      // Snap to whole words: a span never cuts a word.
      const inside = words.filter((w) => w.start < e && w.end > s);
      if (!inside.length) return undefined;
      const start = inside[0].start;
      const end = inside[inside.length - 1].end;
      const current = merged.find((a) => a.start === start && a.end === end);
      return { start, end, text: text.slice(start, end), current, model: model.find((a) => a.start === start && a.end === end) };
    }
    // A selection means the word it starts at (the active end may be the start of the next word).
    const offset = doc.offsetAt(sel.isEmpty ? sel.active : sel.start);
    // The cursor just after a word (at its end) still means that word.
    const at = (list: readonly { start: number; end: number }[]): number =>
      list.some((a) => a.start <= offset && offset < a.end) ? offset : offset - 1;
    const current =
      annotationAt(merged, at(merged)) ??
      annotationAt(
        this.store.corrections(doc).filter((c) => c.label === REMOVED_LABEL),
        at(this.store.corrections(doc)),
      );
    if (current)
      return {
        start: current.start,
        end: current.end,
        text: current.text,
        current: current.label === REMOVED_LABEL ? undefined : current,
        model: annotationAt(model, current.start),
      };
    const word = words && (LabelStore.wordAt(words, offset) ?? LabelStore.wordAt(words, offset - 1));
    if (!word) return undefined;
    return { start: word.start, end: word.end, text: word.text };
  }

  /** The model's probabilities for every label at a target: its segment labeled again with all labels kept. */
  private async probabilities(labeler: Labeler, doc: vscode.TextDocument, target: Target): Promise<LabelScore[]> {
    const text = doc.getText();
    const budget = labeler.bundle.config.maxLength - 2;
    for (const seg of iterateSegments(text, { budget, countPieces: (s) => labeler.tokenizer.countPieces(s, budget) })) {
      if (seg.end <= target.start) continue;
      if (seg.start > target.start) break;
      // A segment is labeled on its own (labeler.ts): alone it gets the same probabilities.
      const [r] = await labeler.labelTexts([seg.text], { ...this.s.config.labelOptions(), topK: labeler.labels.length });
      const words = r.words.filter((w) => w.start + seg.start < target.end && w.end + seg.start > target.start);
      if (!words.length) return [];
      const scheme = this.scheme();
      // A span's label probability: the mean over its words of each label's best tag.
      const sums = new Map<string, number>();
      for (const w of words) {
        const probs = scheme === 'plain' ? w.alternatives : typeProbabilities(w.alternatives, scheme);
        for (const p of probs) sums.set(p.label, (sums.get(p.label) ?? 0) + p.score);
      }
      return [...sums].map(([label, sum]) => ({ label, score: sum / words.length })).sort((a, b) => b.score - a.score);
    }
    return [];
  }

  private allLabels(labeler: Labeler): string[] {
    const scheme = this.scheme();
    if (scheme === 'plain') return [...labeler.labels];
    return [...new Set(labeler.labels.map((l) => splitTag(l, scheme)[1]).filter((t) => t !== REMOVED_LABEL))];
  }

  /** The choices Correct Label offers at the cursor (for the quick pick, and for tests). */
  async choices(editor: vscode.TextEditor, useSelection = false): Promise<{ target: Target; choices: LabelChoice[] } | undefined> {
    const labeler = await this.s.model.get();
    if (!labeler) return undefined;
    const target = await this.target(editor, useSelection);
    if (!target) return undefined;
    // For span models `O` is not a type: the quick pick offers it as "remove the span".
    const probs = (await this.probabilities(labeler, editor.document, target)).filter(
      (p) => this.scheme() === 'plain' || p.label !== REMOVED_LABEL,
    );
    return { target, choices: labelChoices(probs, this.allLabels(labeler), target.current?.label) };
  }

  async correct(editor: vscode.TextEditor, args: CorrectionArgs = {}): Promise<boolean> {
    const useSelection = this.scheme() !== 'plain';
    const found = await this.choices(editor, useSelection);
    if (!found) {
      void vscode.window.showInformationMessage('BERT+LSTM: no labeled word at the cursor.');
      return false;
    }
    const { target, choices } = found;
    let label = args.label;
    if (label === undefined) {
      const rows = this.rows(choices);
      const short = target.text.length > 40 ? target.text.slice(0, 40) + '…' : target.text;
      label = await pickRow(rows, `Correct the label of "${short}"`);
      if (label === undefined) return false;
    }
    return this.setLabel(editor.document, target, label, 'Correct Label');
  }

  /** The pick's rows: numbered, described (the bundle's descriptions, else UD's names), with "O" last for span models. */
  rows(choices: readonly LabelChoice[]): ChoiceRow[] {
    const config = this.s.model.loaded?.bundle.config;
    const all: Array<LabelChoice & { description?: string }> = [...choices];
    if (this.scheme() !== 'plain') all.push({ label: REMOVED_LABEL, current: false, description: 'no entity: remove the span' });
    return choiceRows(all, (l) => (config ? describeLabel(l, config) : undefined), percent);
  }

  private setLabel(doc: vscode.TextDocument, target: Target, label: string, what: string): Promise<boolean> {
    const sameAsModel =
      target.model && target.model.label === label && target.model.start === target.start && target.model.end === target.end;
    const annotation: Annotation = {
      start: target.start,
      end: target.end,
      text: doc.getText().slice(target.start, target.end),
      label,
      source: sameAsModel ? 'reviewed' : 'corrected',
      ...(sameAsModel && target.model?.score !== undefined ? { score: target.model.score } : {}),
    };
    const next = replaceCorrections(this.store.corrections(doc), target, [annotation]);
    return this.store.set(doc, next, what);
  }

  async accept(editor: vscode.TextEditor): Promise<boolean> {
    const target = await this.target(editor, false);
    const current = target?.current;
    if (!target || !current) {
      void vscode.window.showInformationMessage('BERT+LSTM: no label at the cursor to accept.');
      return false;
    }
    // a label the memory of corrections gave, where the model's own differs, is the user's, not a review of the model's
    const m = target.model;
    const modelSaysIt = current.source !== 'model' || (m?.label === current.label && m.start === current.start && m.end === current.end);
    const source = current.source === 'corrected' || !modelSaysIt ? 'corrected' : 'reviewed';
    const reviewed: Annotation = { ...current, source, needsReview: undefined };
    delete (reviewed as { needsReview?: boolean }).needsReview;
    if (!modelSaysIt) delete (reviewed as { score?: number }).score; // a correction carries no model score
    return this.store.set(
      editor.document,
      replaceCorrections(this.store.corrections(editor.document), current, [reviewed]),
      'Accept Label',
    );
  }

  /**
   * Accept Label and Next: marks the label at the cursor reviewed, then selects the next
   * low-confidence label that has no correction or review yet. False when there was nothing to
   * accept; undefined when nothing is left to review.
   */
  async acceptAndNext(editor: vscode.TextEditor): Promise<NavigationResult | false | undefined> {
    if (!(await this.accept(editor))) return false;
    const doc = editor.document;
    const done = new Set(this.store.corrections(doc).map((c) => `${c.start}:${c.end}`));
    return goToLabel(this.s, 1, true, (u) => done.has(`${u.start}:${u.end}`));
  }

  async remove(editor: vscode.TextEditor): Promise<boolean> {
    const target = await this.target(editor, false);
    if (!target?.current) {
      void vscode.window.showInformationMessage('BERT+LSTM: no label at the cursor to remove.');
      return false;
    }
    const doc = editor.document;
    const rest = this.store.corrections(doc).filter((c) => !(c.start < target.end && target.start < c.end));
    // A model label under it stays hidden by a removal; a correction alone is just dropped.
    const modelUnder = this.store.modelLabels(doc).some((m) => m.start < target.end && target.start < m.end);
    const removal: Annotation[] = modelUnder
      ? [{ start: target.start, end: target.end, text: target.text, label: REMOVED_LABEL, source: 'corrected' }]
      : [];
    return this.store.set(doc, [...rest, ...removal].sort(byPosition), 'Remove Span');
  }

  async createSpan(editor: vscode.TextEditor, args: CorrectionArgs = {}): Promise<boolean> {
    if (this.scheme() === 'plain') {
      void vscode.window.showInformationMessage('BERT+LSTM: this model labels words, not spans: use Correct Label on a word.');
      return false;
    }
    if (editor.selection.isEmpty) {
      void vscode.window.showInformationMessage('BERT+LSTM: select the words of the new span first.');
      return false;
    }
    return this.correct(editor, args);
  }

  /** Sets the label at the cursor on every identical word of the document, after saying how many. */
  async applyToAll(editor: vscode.TextEditor, args: CorrectionArgs = {}): Promise<number> {
    const doc = editor.document;
    const target = await this.target(editor, false);
    const label = args.label ?? target?.current?.label;
    if (!target || !label) {
      void vscode.window.showInformationMessage('BERT+LSTM: no label at the cursor to apply.');
      return 0;
    }
    const text = doc.getText();
    const merged = this.store.merged(doc);
    const words = (await this.words(doc)) ?? [];
    const shown = new Map(merged.map((a) => [`${a.start}:${a.end}`, a.label]));
    // Same text at word boundaries; words that already show the label are left as they are
    // (and not counted), the label's own place included only if it differs.
    const placesOf = (matchCase: boolean): Array<{ start: number; end: number }> =>
      identicalPlaces(text, target.text, words, matchCase).filter(
        (p) => p.start === target.start || shown.get(`${p.start}:${p.end}`) !== label,
      );
    const exact = placesOf(true);
    const anyCase = placesOf(false);
    const others = (list: readonly { start: number }[]): number => list.filter((p) => p.start !== target.start).length;
    let places = args.matchCase === false ? anyCase : exact;
    if (!args.assumeYes) {
      if (!others(anyCase)) {
        void vscode.window.showInformationMessage(`BERT+LSTM: no other "${target.text}" to label ${label}.`);
        return 0;
      }
      const exactButton = `Apply to ${others(exact)}`;
      const anyButton = `Apply to ${others(anyCase)} in any case`;
      const buttons = [...(others(exact) ? [exactButton] : []), ...(others(anyCase) > others(exact) ? [anyButton] : [])];
      const n = others(exact);
      const more = others(anyCase) - n;
      const answer = await vscode.window.showInformationMessage(
        `Label ${n} other occurrence${n === 1 ? '' : 's'} of "${target.text}" in this document as ${label}?` +
          (more ? ` ${more} more in another case.` : ''),
        { modal: true },
        ...buttons,
      );
      if (answer === anyButton) places = anyCase;
      else if (answer === exactButton) places = exact;
      else return 0;
    }
    const count = others(places);
    if (!count) {
      void vscode.window.showInformationMessage(`BERT+LSTM: no other "${target.text}" to label ${label}.`);
      return 0;
    }
    let next = [...this.store.corrections(doc)];
    const model = this.store.modelOwnLabels(doc);
    for (const p of places) {
      const m = model.find((a) => a.start === p.start && a.end === p.end);
      const same = m?.label === label;
      next = replaceCorrections(next, p, [
        {
          ...p,
          text: text.slice(p.start, p.end),
          label,
          source: same ? 'reviewed' : 'corrected',
          ...(same && m?.score !== undefined ? { score: m.score } : {}),
        },
      ]);
    }
    const ok = await this.store.set(doc, next, `Apply ${label} to all "${target.text}"`);
    return ok ? count : 0;
  }
}

/**
 * The correction pick: one row per label ("1 NOUN — noun", its probability beside it). Typing a
 * row's number, or the first letters of one label, takes that row at once (`typedChoice`);
 * otherwise the best row still possible is the one Enter takes.
 */
async function pickRow(rows: readonly ChoiceRow[], title: string): Promise<string | undefined> {
  type Item = vscode.QuickPickItem & { row: ChoiceRow };
  const items: Item[] = rows.map((row) => ({
    label: row.text,
    description: row.detail,
    iconPath: row.detail.includes('(current)') ? new vscode.ThemeIcon('check') : undefined,
    row,
  }));
  const pick = vscode.window.createQuickPick<Item>();
  pick.title = title;
  pick.placeholder = "Type a label's number or its first letters; labels by the model's probability";
  pick.items = items;
  pick.matchOnDescription = false;
  return new Promise<string | undefined>((resolve) => {
    let chosen: string | undefined;
    const done = (item: Item | undefined): void => {
      chosen = item?.row.label;
      pick.hide();
    };
    const subscriptions = [
      pick.onDidChangeValue((value) => {
        const typed = typedChoice(value, rows);
        if (typed.pick !== undefined) done(items[typed.pick]);
        else if (typed.candidates.length) pick.activeItems = [items[typed.candidates[0]]];
      }),
      // Enter: the highlighted row (the best one still possible after typing, or the one the arrows chose)
      pick.onDidAccept(() => {
        const typed = typedChoice(pick.value, rows);
        done(pick.activeItems[0] ?? (typed.candidates.length ? items[typed.candidates[0]] : undefined));
      }),
      pick.onDidHide(() => {
        for (const d of subscriptions) d.dispose();
        pick.dispose();
        resolve(chosen);
      }),
    ];
    pick.show();
  });
}

/** Registers the correction commands. */
export function registerCorrectionCommands(s: CorrectionServices): vscode.Disposable[] {
  const corrections = new Corrections(s);
  const store = s.corrections;
  // Commands on the word at the cursor: the document worked on, its editor shown again if need be.
  const withEditor =
    <T>(f: (e: vscode.TextEditor) => Promise<T>) =>
    async (): Promise<T | undefined> => {
      const editor = await s.working.editorOr();
      return editor ? f(editor) : undefined;
    };
  // Commands on the whole document: no editor needed.
  const withDocument =
    <T>(f: (d: vscode.TextDocument) => Promise<T>) =>
    async (): Promise<T | undefined> => {
      const doc = s.working.documentOr();
      return doc ? f(doc) : undefined;
    };
  return [
    vscode.commands.registerCommand('bertLstm.correctLabel', (args?: CorrectionArgs) => withEditor((e) => corrections.correct(e, args))()),
    vscode.commands.registerCommand(
      'bertLstm.acceptLabel',
      withEditor((e) => corrections.accept(e)),
    ),
    vscode.commands.registerCommand(
      'bertLstm.acceptLabelAndNext',
      withEditor((e) => corrections.acceptAndNext(e)),
    ),
    vscode.commands.registerCommand(
      'bertLstm.removeSpan',
      withEditor((e) => corrections.remove(e)),
    ),
    vscode.commands.registerCommand('bertLstm.createSpan', (args?: CorrectionArgs) => withEditor((e) => corrections.createSpan(e, args))()),
    vscode.commands.registerCommand('bertLstm.applyToAllIdentical', (args?: CorrectionArgs) =>
      withEditor((e) => corrections.applyToAll(e, args))(),
    ),
    vscode.commands.registerCommand(
      'bertLstm.undoCorrection',
      withDocument((d) => store.undo(d)),
    ),
    vscode.commands.registerCommand(
      'bertLstm.redoCorrection',
      withDocument((d) => store.redo(d)),
    ),
    vscode.commands.registerCommand(
      'bertLstm.saveCorrections',
      withDocument((d) => store.saveNow(d)),
    ),
    // The answer to an outside change of the sidecar that conflicts (the message's buttons; for tests and keybindings).
    vscode.commands.registerCommand('bertLstm.settleSidecarConflict', (args?: { take?: 'ours' | 'theirs' }) =>
      withDocument((d) => store.settleConflict(d, args?.take === 'theirs' ? 'theirs' : 'ours'))(),
    ),
  ];
}

/** The choices Correct Label offers at the cursor of `editor` (the selection, for span models), and the pick's rows (test hooks). */
export async function correctionPick(
  s: CorrectionServices,
  editor: vscode.TextEditor,
): Promise<{ choices: LabelChoice[]; rows: ChoiceRow[] } | undefined> {
  const corrections = new Corrections(s);
  const found = await corrections.choices(editor, corrections.scheme() !== 'plain');
  return found && { choices: found.choices, rows: corrections.rows(found.choices) };
}
