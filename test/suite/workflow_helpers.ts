// Shared by the labeling-workflow suites (corrections, export, review): temporary documents
// and the corrections state of the active editor.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { AnnotationsSnapshot } from '../../src/annotations_store';

export async function openTemp(text: string, name = 'doc.txt'): Promise<{ editor: vscode.TextEditor; file: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'corr-'));
  const file = path.join(dir, name);
  writeFileSync(file, text);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const editor = await vscode.window.showTextDocument(doc);
  return { editor, file };
}

export const state = async (): Promise<AnnotationsSnapshot> => (await vscode.commands.executeCommand<AnnotationsSnapshot>('bertLstm.annotationsState'))!;

export async function waitForState(ok: (s: AnnotationsSnapshot) => boolean, ms = 30_000): Promise<AnnotationsSnapshot> {
  const deadline = Date.now() + ms;
  for (;;) {
    const s = await state();
    if (ok(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; state: ${JSON.stringify(s).slice(0, 500)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A BIO bundle: the default model's graph with a BIO label set of 17 labels (as in spans.test.ts). */
export function bioBundle(): string {
  const DEFAULT = path.resolve(__dirname, '../../../models/default');
  const types = ['PER', 'ORG', 'LOC', 'MISC', 'DATE', 'NUM', 'EVT', 'ART'];
  const labels = ['O', ...types.flatMap((t) => [`B-${t}`, `I-${t}`])];
  const dir = mkdtempSync(path.join(tmpdir(), 'bio-bundle-'));
  for (const f of ['model.onnx', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(path.join(DEFAULT, f), path.join(dir, f));
  const cfg = JSON.parse(readFileSync(path.join(DEFAULT, 'config.json'), 'utf8'));
  delete cfg.word_pattern;
  cfg.name = 'bio-workflow-test';
  cfg.id2label = Object.fromEntries(labels.map((l, i) => [String(i), l]));
  cfg.label_scheme = 'BIO';
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(cfg));
  return dir;
}
