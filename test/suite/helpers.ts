import * as assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BertLstmTestApi } from '../../src/extension';

/** The API with its test hooks (the extension runs in Test mode under the test runner). */
type BertLstmApi = BertLstmTestApi;

export const EXTENSION_ID = 'bert-lstm-labeler.bert-lstm-labeler';
export const SAMPLES = path.resolve(__dirname, '../../../samples');

export async function api(): Promise<BertLstmApi> {
  const ext = vscode.extensions.getExtension<BertLstmApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  const a = ext.isActive ? ext.exports : await ext.activate();
  assert.ok('resources' in a, 'the extension API has no test hooks: the tests must run the extension in Test mode');
  return a;
}

export async function openSample(name: string): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(path.join(SAMPLES, name));
  return vscode.window.showTextDocument(doc);
}

export async function openText(content: string, language = 'plaintext'): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument({ content, language });
  return vscode.window.showTextDocument(doc);
}

const WORDLIKE = /[\p{L}\p{N}\p{M}]/u;

/** A range covers a whole word: no spaces inside its ends, no letter or digit cut off. */
export function assertWholeWord(doc: vscode.TextDocument, range: vscode.Range): void {
  const text = doc.getText(range);
  assert.ok(text.length > 0, `empty decoration at ${range.start.line}:${range.start.character}`);
  assert.equal(text.trim(), text, `decoration "${text}" has surrounding spaces`);
  const start = doc.offsetAt(range.start);
  const end = doc.offsetAt(range.end);
  const all = doc.getText();
  const before = all.slice(Math.max(0, start - 1), start);
  const after = all.slice(end, end + 1);
  if (WORDLIKE.test(text[0]) && !/^[nN]['’][tT]/.test(text)) assert.ok(!WORDLIKE.test(before), `decoration "${text}" starts inside a word`);
  // UD English splits the negation clitic off its host (`did` + `n't`): a word may end there
  const clitic = /^[nN]['’][tT]/.test(all.slice(end, end + 3));
  if (WORDLIKE.test(text[text.length - 1]) && !clitic) assert.ok(!WORDLIKE.test(after), `decoration "${text}" ends inside a word`);
}

/** Closes every editor, reverting untitled and changed documents first (no save dialogs). */
export async function closeAllEditors(): Promise<void> {
  for (let i = 0; i < 50 && vscode.window.activeTextEditor; i++) {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  }
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
}

export async function setLive(enabled: boolean | undefined): Promise<void> {
  await vscode.workspace.getConfiguration('bertLstm').update('live.enabled', enabled, vscode.ConfigurationTarget.Global);
}

/** Polls until `check` returns a value (not undefined/false), or fails after `ms`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits until the model in use is the bundle in `dir` (a settings change reaches the extension a moment later); fails naming the model loaded and its problems. */
export async function waitForModel(dir: string, ms = 10_000): Promise<void> {
  const a = await api();
  const deadline = Date.now() + ms;
  let model = await a.model();
  while (model?.dir !== dir && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    model = await a.model();
  }
  assert.equal(model?.dir, dir, `model is ${model?.dir}; problems: ${a.modelProblems().join('; ')}`);
}

/** Sets a `bertLstm.*` user setting (undefined removes it). */
export async function setSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('bertLstm').update(key, value, vscode.ConfigurationTarget.Global);
}

/** Runs `fn` with `bertLstm.*` user settings set, and removes them afterwards. */
export async function withSettings<T>(settings: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  for (const [k, v] of Object.entries(settings)) await setSetting(k, v);
  try {
    return await fn();
  } finally {
    for (const k of Object.keys(settings)) await setSetting(k, undefined);
  }
}

/** The drawn labels of an editor as "text/LABEL", in document order. */
export function drawnLabels(a: BertLstmApi, editor: vscode.TextEditor): string[] {
  return a
    .decorationsFor(editor)
    .flatMap((d) => d.ranges.map((r) => ({ at: editor.document.offsetAt(r.start), s: `${editor.document.getText(r)}/${d.label}` })))
    .sort((x, y) => x.at - y.at)
    .map((x) => x.s);
}

/** A long plain-text document: `paragraphs` paragraphs of about 25 words, each different. */
export function longDocument(paragraphs: number, tag = ''): string {
  const out: string[] = [];
  for (let i = 0; i < paragraphs; i++) {
    out.push(
      `Paragraph ${i}${tag} begins here. The council met on day ${i} and voted on the plan. ` +
        `Some members objected to the cost. Others said the town needed it.`,
    );
  }
  return out.join('\n\n');
}

/** Waits until no labeling run is going for the document and its labels are current. */
export async function settled(
  a: BertLstmApi,
  doc: vscode.TextDocument,
  ms = 300_000,
): Promise<NonNullable<ReturnType<BertLstmApi['resultFor']>>> {
  return waitFor('current labels and no run going', () => !a.isRunning(doc) && a.resultFor(doc), ms);
}

/** The entity types of the BIO test bundle. */
export const BIO_TYPES = ['PER', 'ORG', 'LOC', 'MISC', 'DATE', 'NUM', 'EVT', 'ART'];

/**
 * A BIO bundle: the default model's graph with a BIO label set of 17 labels (O and B-/I- of
 * BIO_TYPES), so span decoding runs on a real model; `name` is its config name.
 */
export function bioBundle(name: string): string {
  const model = path.resolve(__dirname, '../../../models/default');
  const labels = ['O', ...BIO_TYPES.flatMap((t) => [`B-${t}`, `I-${t}`])];
  const dir = mkdtempSync(path.join(tmpdir(), 'bio-bundle-'));
  for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(model, f), path.join(dir, f));
  const cfg = JSON.parse(readFileSync(path.join(model, 'config.json'), 'utf8'));
  delete cfg.word_pattern;
  cfg.name = name;
  cfg.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  cfg.label_scheme = 'BIO';
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  return dir;
}
