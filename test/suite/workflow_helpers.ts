// Shared by the labeling-workflow suites (corrections, export, review): temporary documents,
// the cursor put on a word, and the corrections state of the active editor.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnnotationsSnapshot } from '../../src/corrections/store';
import { api } from './helpers';

export async function openTemp(text: string, name = 'doc.txt'): Promise<{ editor: vscode.TextEditor; file: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corr-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc);
  return { editor, file };
}

/** Puts the cursor inside the `nth` (from 0) occurrence of `word`; returns that occurrence's offset. */
export function cursorAt(editor: vscode.TextEditor, word: string, nth = 0): number {
  const text = editor.document.getText();
  let at = -1;
  for (let k = 0; k <= nth; k++) at = text.indexOf(word, at + 1);
  assert.ok(at >= 0, `${word} not found`);
  const pos = editor.document.positionAt(at + 1);
  editor.selection = new vscode.Selection(pos, pos);
  return at;
}

/** The corrections state of the document worked on. */
export const state = async (): Promise<AnnotationsSnapshot> => (await api()).annotationsState()!;

export async function waitForState(ok: (s: AnnotationsSnapshot) => boolean, ms = 30_000): Promise<AnnotationsSnapshot> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await state();
    if (ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; state: ${JSON.stringify(s).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
