// Learning from corrections in the real editor with the shipped model: a correction relabels
// the same word elsewhere at once (the memory, with the hover's reason); Learn from Corrections
// retrains the head on a document's sidecar labels (a planted rule), keeps it because it is
// better on held-out words, saves it, and it is back after the model is loaded again; a damaged
// head file is refused and the model's own head used; Revert to Base Model removes it.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LearnOutcome } from '../../src/adapt/learning';
import { serializeSidecar } from '../../src/core/sidecar';
import { api, closeAllEditors, setSetting, waitFor } from './helpers';
import { goldSentences } from '../shared/gold_sentences';
import { openTemp } from './workflow_helpers';

const SENTENCES = goldSentences();

suite('Learning from corrections', () => {
  let headFile: string;
  suiteSetup(async () => {
    await api();
    headFile = path.join(mkdtempSync(path.join(tmpdir(), 'head-')), 'adapted_head.json');
    await setSetting('learning.headFile', headFile);
    await setSetting('learning.autoEvery', 0);
    // the memory is off in the other suites (test/harness/codeserver.mjs); it is what this one tests
    await setSetting('learning.memory', true);
    await (await api()).unloadModel();
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('bertLstm.revertToBaseModel');
    await setSetting('learning.headFile', undefined);
    await setSetting('learning.autoEvery', 0);
    await setSetting('learning.memory', false);
    await (await api()).unloadModel();
  });
  teardown(closeAllEditors);

  test('a correction relabels the same word elsewhere at once, and the hover says which correction', async () => {
    const a = await api();
    const sentence = 'The old man walked to the harbour every morning.';
    const { editor } = await openTemp(`${sentence}\n\nShe reads the paper while the coffee cools.\n\n${sentence}\n`, 'notes.txt');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const doc = editor.document;
    const harbours = () => a.labelsFor(doc)?.filter((w) => w.text === 'harbour') ?? [];
    await waitFor('labels', () => harbours().length === 2);
    const model = harbours()[0].label;
    const corrected = model === 'VERB' ? 'ADJ' : 'VERB';
    const at = doc.getText().indexOf('harbour');
    editor.selection = new vscode.Selection(doc.positionAt(at + 1), doc.positionAt(at + 1));
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: corrected }), true);
    const second = await waitFor('the other "harbour" relabeled', () => {
      const w = harbours()[1];
      return w?.label === corrected && w;
    });
    assert.equal(second.reason?.source.line, 1);
    assert.match(second.reason?.source.file ?? '', /notes\.txt$/);
    assert.ok(a.learningState().memorySize >= 1);
    console.log(`  correction to relabeled open documents: ${a.learningState().lastMemoryMs?.toFixed(0)} ms`);
    const secondAt = doc.getText().lastIndexOf('harbour');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      doc.positionAt(secondAt + 2),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /From your correction of "harbour" in .*notes\.txt:1 \(\d+\.\d% similar\)/);
    // the other words kept the model's labels
    assert.ok(a.labelsFor(doc)!.some((w) => w.text === 'coffee' && !w.reason));
  });

  test('Learn from Corrections keeps a better head, saves it, and it is back after the model loads again', async () => {
    const a = await api();
    // the head alone: without the memory (read when the model loads), which would match the rule's words too
    await setSetting('learning.memory', false);
    await a.unloadModel();
    // a document whose sidecar says a planted rule: every noun is X
    const train = SENTENCES.slice(0, 120);
    const text = train.map((s) => s.text).join('\n\n') + '\n';
    const annotations: Array<{ start: number; end: number; text: string; label: string; source: 'corrected' }> = [];
    let base = 0;
    for (const s of train) {
      s.words.forEach(([x, y], i) => {
        const label = s.upos[i] === 'NOUN' ? 'X' : s.upos[i];
        annotations.push({ start: base + x, end: base + y, text: s.text.slice(x, y), label, source: 'corrected' });
      });
      base += s.text.length + 2;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'learn-'));
    const file = path.join(dir, 'planted.txt');
    writeFileSync(file, text);
    writeFileSync(file + '.labels.jsonl', serializeSidecar(annotations, 'planted.txt'));
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
    await vscode.window.showTextDocument(doc);
    const held = SENTENCES[300].text;
    const heldNouns = SENTENCES[300].words.filter((_, i) => SENTENCES[300].upos[i] === 'NOUN').map(([x, y]) => held.slice(x, y));
    const xs = async (): Promise<number> => {
      const r = await a.labelText(held);
      return r!.words.filter((w) => heldNouns.includes(w.text) && w.label === 'X').length;
    };
    assert.equal(await xs(), 0, 'the shipped model does not tag nouns X');

    const outcome = (await vscode.commands.executeCommand<LearnOutcome>('bertLstm.learnFromCorrections'))!;
    assert.equal(outcome.kept, true, outcome.message);
    assert.ok(outcome.after! > outcome.before!, outcome.message);
    assert.match(outcome.message, /learned from \d+ words \(\d+ labels, \d+ documents?\): held-out accuracy [\d.]+% → [\d.]+%/);
    console.log(`  ${outcome.message}`);
    assert.ok(existsSync(headFile), 'the head is saved');
    assert.equal(JSON.parse(readFileSync(headFile, 'utf8')).format, 'bert-lstm-adapted-head/1');
    assert.ok(a.learningState().adapted);
    assert.ok((await xs()) >= heldNouns.length * 0.5, 'held-out nouns follow the rule');

    // a new model load (as a new window would) reads the head file again
    await a.unloadModel();
    assert.ok((await xs()) >= heldNouns.length * 0.5, 'the adapted head is back after the model loads again');
    assert.ok(a.learningState().adapted);

    // a damaged head file is refused, the model's own head used
    writeFileSync(headFile, readFileSync(headFile, 'utf8').slice(0, 500));
    await a.unloadModel();
    assert.equal(await xs(), 0, "the model's own head");
    assert.equal(a.learningState().adapted, undefined);

    // Revert to Base Model removes the file
    writeFileSync(headFile, 'x');
    assert.equal(await vscode.commands.executeCommand('bertLstm.revertToBaseModel'), true);
    assert.equal(existsSync(headFile), false);
  });
});
