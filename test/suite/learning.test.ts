// Learning from corrections in the real editor with the shipped model: a correction relabels
// the same word elsewhere at once (the memory, with the hover's reason); Learn from Corrections
// retrains the head on a document's sidecar labels (a planted rule), keeps it because it is
// better on held-out words, saves it, and it is back after the model is loaded again; a damaged
// head file is refused and the model's own head used; Revert to Base Model removes it. Beside a
// correction, the hover, the panel, Accept Label and an import read the model's own label, not
// the memory's (docs/ADAPT.md). A bundle without token_features still takes corrections, and the
// status bar and Learn from Corrections say why learning is off. An adapted bundle's memory
// (written by the CLI's `adapt`) labels open documents once the bundle is the model.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LearnOutcome } from '../../src/adapt/learning';
import { modelOpinion } from '../../src/core/adapt/opinion';
import { serializeSidecar } from '../../src/core/sidecar';
import type { TransferResult } from '../../src/export/transfer';
import { api, waitForModel, closeAllEditors, setSetting, waitFor } from './helpers';
import { goldSentences } from '../shared/gold_sentences';
import { repoRoot } from '../shared/repo';
import { openTemp, state, waitForState } from './workflow_helpers';

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

  test("a corrected word: the hover's and the panel's model label, Accept Label and an import compare with the model's own label, not the memory's", async () => {
    const a = await api();
    // a word no other test corrects (the memory keeps a closed document's corrections)
    const sentence = 'The fisherman mended his nets by the quay at dawn.';
    const { editor, file } = await openTemp(`${sentence}\n\nShe reads the paper while the coffee cools.\n\n${sentence}\n`, 'notes.txt');
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const doc = editor.document;
    const quays = () => a.labelsFor(doc)?.filter((w) => w.text === 'quay') ?? [];
    await waitFor('labels', () => quays().length === 2);
    const model = quays()[0].label;
    assert.equal(quays()[1].label, model, 'the same sentence: the same label');
    assert.ok(!quays()[0].reason, "the model's own label: nothing remembered of this word yet");
    const corrected = model === 'VERB' ? 'ADJ' : 'VERB';
    // the model's labels of the document, before any correction, as a CoNLL file to import later
    // words the memory labels already (corrections of other documents still open: other suites'):
    // the file says their labels in force, which differ from the model's own
    const memoryLabeled = a.labelsFor(doc)!.filter((w) => modelOpinion(w).label !== w.label).length;
    const conll = path.join(path.dirname(file), 'notes.conll');
    const exported = await vscode.commands.executeCommand<TransferResult>('bertLstm.exportLabels', {
      format: 'conll',
      uri: vscode.Uri.file(conll),
    });
    assert.ok(exported?.ok);

    const first = doc.getText().indexOf('quay');
    const second = doc.getText().lastIndexOf('quay');
    editor.selection = new vscode.Selection(doc.positionAt(first + 1), doc.positionAt(first + 1));
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label: corrected }), true);
    await waitFor('the other "quay" relabeled by the memory', () => quays()[1]?.label === corrected);
    // the corrected word's own example is what the memory finds for it: the label in force echoes it
    assert.equal(quays()[0].reason?.source.line, 1);

    // the hover on the corrected word: the correction first, then the model's own opinion
    const hoverAt = async (offset: number): Promise<string> => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        doc.positionAt(offset + 2),
      );
      return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    };
    const onCorrected = await hoverAt(first);
    assert.match(onCorrected, new RegExp(`\\*\\*${corrected}\\*\\* corrected`));
    assert.match(onCorrected, new RegExp(`Model: \\*\\*${model}\\*\\* \\d+\\.\\d%`), onCorrected);
    assert.doesNotMatch(onCorrected, /From your correction/, 'the correction is not its own evidence');
    // on the other one: the remembered label, why, and what the model alone said
    const onOther = await hoverAt(second);
    assert.match(onOther, new RegExp(`^\\*\\*${corrected}\\*\\*`), onOther);
    assert.match(
      onOther,
      new RegExp(`From your correction of "quay" in .*notes\\.txt:1 \\(\\d+\\.\\d% similar\\); the model alone: ${model} \\d+\\.\\d%`),
    );

    // the panel: the correction's label, the model's own beside it
    await vscode.commands.executeCommand('bertLstm.showPanel');
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(doc.positionAt(first + 1), doc.positionAt(first + 1));
    await vscode.commands.executeCommand('bertLstm.showPanel');
    const token = await waitFor('the corrected word in the panel', () => {
      const m = a.panelAttention();
      const t = m?.type === 'attention' ? m.tokens.find((x) => !x.special && x.start <= first && first < x.end) : undefined;
      return t?.source === 'corrected' && t;
    });
    assert.deepEqual([token.label, token.modelLabel], [corrected, model]);

    // Accept Label on the word the memory labeled: the model's own label differs, so it is the user's correction
    await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(doc.positionAt(second + 1), doc.positionAt(second + 1));
    assert.equal(await vscode.commands.executeCommand('bertLstm.acceptLabel'), true);
    const accepted = await waitForState((st) => st.corrections.some((c) => c.start === second));
    assert.deepEqual(
      accepted.corrections.filter((c) => c.text === 'quay').map((c) => [c.label, c.source]),
      [
        [corrected, 'corrected'],
        [corrected, 'corrected'],
      ],
    );

    // an import that says `corrected` for both: two differ from the model, the rest agree
    const lines = readFileSync(conll, 'utf8')
      .split('\n')
      .map((l) => (l.startsWith('quay ') ? `quay ${corrected}` : l));
    writeFileSync(conll, lines.join('\n'));
    // imported at once, while Accept Label's relabel may still be drawing: compared with all the labels
    const before = (a.labelsFor(doc) ?? []).map((w) => `${w.text}:${w.label}${w.reason ? `(${w.reason.model[0]?.label})` : ''}`);
    const imported = await vscode.commands.executeCommand<TransferResult>('bertLstm.importLabels', {
      uri: vscode.Uri.file(conll),
      agreeing: 'reviewed',
    });
    assert.ok(imported?.ok, JSON.stringify(imported));
    const differing = (await state()).corrections.filter((c) => c.source === 'corrected').map((c) => `${c.text}:${c.label}`);
    const why = `${differing.join(' ')}; labels: ${before.join(' ')}`;
    assert.deepEqual([imported.differ, imported.agree], [2 + memoryLabeled, exported.labels - 2 - memoryLabeled], why);
    assert.equal(differing.filter((d) => d === `quay:${corrected}`).length, 2, why);

    // the memory turned off takes its labels away at once, and turned on brings them back
    await setSetting('learning.memory', false);
    await waitFor('the memory off', () => quays().length === 2 && quays().every((w) => !w.reason && w.label === model));
    await setSetting('learning.memory', true);
    await waitFor('the memory on again', () => quays().length === 2 && quays().every((w) => w.reason && w.label === corrected));
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

suite('Learning from corrections: a model without token_features', () => {
  const PLAIN_BUNDLE = path.join(repoRoot(), 'test/fixtures/plain-bert-bundle');
  suiteSetup(async () => {
    await setSetting('learning.memory', true);
    await setSetting('learning.autoEvery', 1);
    await setSetting('modelPath', PLAIN_BUNDLE);
  });
  suiteTeardown(async () => {
    await setSetting('learning.autoEvery', 0);
    await setSetting('learning.memory', false);
    await setSetting('modelPath', undefined);
    await (await api()).unloadModel();
  });
  teardown(closeAllEditors);

  test('corrections are kept and labels drawn; the memory and Learn from Corrections say why they are off', async () => {
    const a = await api();
    const { editor } = await openTemp('The committee approved the new budget on Friday.\n\nThe committee met again.\n', 'plain.txt');
    await waitForModel(PLAIN_BUNDLE);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const doc = editor.document;
    const committees = () => a.labelsFor(doc)?.filter((w) => w.text === 'committee') ?? [];
    await waitFor('labels', () => committees().length === 2);
    const why = /learning from corrections is off for this model: its model\.onnx has no "token_features" output/;
    assert.match(a.learningState().off ?? '', why);

    const label = committees()[0].label === 'X' ? 'SYM' : 'X';
    const at = doc.getText().indexOf('committee');
    editor.selection = new vscode.Selection(doc.positionAt(at + 1), doc.positionAt(at + 1));
    assert.equal(await vscode.commands.executeCommand('bertLstm.correctLabel', { label }), true);
    const s = await waitForState((st) => st.corrections.some((c) => c.label === label));
    assert.equal(s.corrections.length, 1);
    // nothing is remembered (autoEvery 1 would learn at once if anything were), the other word keeps the model's label
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    assert.equal(a.learningState().memorySize, 0);
    assert.notEqual(committees()[1].label, label);
    assert.ok(!committees()[1].reason);
    assert.equal(a.learningState().adapted, undefined);

    // the status bar's entry and the command say why
    const entry = a.statusActions().find((x) => x.command === 'bertLstm.learnFromCorrections');
    assert.equal(entry?.description, 'off for this model');
    assert.match(entry?.detail ?? '', why);
    const outcome = (await vscode.commands.executeCommand<LearnOutcome>('bertLstm.learnFromCorrections'))!;
    assert.equal(outcome.kept, false);
    assert.match(outcome.message, why);
  });
});

suite("Learning from corrections: an adapted bundle's memory", () => {
  // A bundle written by `bert-lstm-label adapt` with its memory (a convention for one word that a
  // head held at the shipped weights cannot learn), selected as the model: its words relabel the
  // same word in an open document, and the hover names the training file's line.
  let bundle: string;
  suiteSetup(async function () {
    this.timeout(300_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'adapted-bundle-'));
    const withThat = SENTENCES.filter((s) => s.words.some(([a, b]) => s.text.slice(a, b).toLowerCase() === 'that')).slice(0, 40);
    const lines: string[] = [];
    withThat.forEach((s, k) => {
      lines.push(`# sent_id = s${k + 1}`, `# text = ${s.text}`);
      s.words.forEach(([a, b], i) => {
        const word = s.text.slice(a, b);
        const tag = word.toLowerCase() === 'that' ? 'PRON' : s.upos[i];
        const misc = s.words[i + 1]?.[0] === b ? 'SpaceAfter=No' : '_';
        lines.push([i + 1, word, '_', tag, '_', '_', '_', '_', '_', misc].join('\t'));
      });
      lines.push('');
    });
    const train = path.join(dir, 'that.conllu');
    writeFileSync(train, lines.join('\n') + '\n');
    bundle = path.join(dir, 'adapted');
    const cli = path.join(repoRoot(), 'dist/cli.js');
    const r = spawnSync(process.execPath, [cli, 'adapt', '--train', train, '--out', bundle, '--l2', '1000'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(path.join(bundle, 'adapted_memory.json')), r.stderr);
    await setSetting('learning.memory', true);
    await setSetting('modelPath', bundle);
  });
  suiteTeardown(async () => {
    await setSetting('learning.memory', false);
    await setSetting('modelPath', undefined);
    await (await api()).unloadModel();
  });
  teardown(closeAllEditors);

  test("the bundle's remembered words label the same word in an open document, and the hover names the training file", async () => {
    const a = await api();
    const { editor } = await openTemp('He said that the plan was sound.\n\nShe knew that it would rain.\n', 'that.txt');
    await waitForModel(bundle);
    await vscode.commands.executeCommand('bertLstm.labelDocument');
    const doc = editor.document;
    const thats = () => a.labelsFor(doc)?.filter((w) => w.text === 'that') ?? [];
    const remembered = await waitFor('a "that" labeled from the bundle\'s memory', () =>
      thats().find((w) => w.reason && w.label === 'PRON'),
    );
    assert.match(remembered.reason?.source.file ?? '', /that\.conllu$/);
    assert.ok(a.learningState().memorySize >= 40, `${a.learningState().memorySize} examples remembered`);
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
      'vscode.executeHoverProvider',
      doc.uri,
      doc.positionAt(remembered.start + 1),
    );
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : 'value' in c ? c.value : ''))).join('\n');
    assert.match(text, /From your correction of "that" in .*that\.conllu:\d+ \(\d+\.\d% similar\)/);
  });
});
