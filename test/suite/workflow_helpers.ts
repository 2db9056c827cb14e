// Shared by the labeling-workflow suites (corrections, export, review): temporary documents
// and the corrections state of the active editor.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnnotationsSnapshot } from '../../src/corrections/store';

export async function openTemp(text: string, name = 'doc.txt'): Promise<{ editor: vscode.TextEditor; file: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corr-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc);
  return { editor, file };
}

export const state = async (): Promise<AnnotationsSnapshot> =>
  (await vscode.commands.executeCommand<AnnotationsSnapshot>('bertLstm.annotationsState'))!;

export async function waitForState(ok: (s: AnnotationsSnapshot) => boolean, ms = 30_000): Promise<AnnotationsSnapshot> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await state();
    if (ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; state: ${JSON.stringify(s).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
