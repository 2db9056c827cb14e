import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BertLstmApi } from '../../src/extension';

export const EXTENSION_ID = 'bert-lstm-labeler.bert-lstm-labeler';
export const SAMPLES = path.resolve(__dirname, '../../../samples');

export async function api(): Promise<BertLstmApi> {
  const ext = vscode.extensions.getExtension<BertLstmApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
  return ext.isActive ? ext.exports : await ext.activate();
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
  if (WORDLIKE.test(text[0])) assert.ok(!WORDLIKE.test(before), `decoration "${text}" starts inside a word`);
  if (WORDLIKE.test(text[text.length - 1])) assert.ok(!WORDLIKE.test(after), `decoration "${text}" ends inside a word`);
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
