// Reliability in the real extension host: Select Model with each of the 12 kinds of bad bundle
// (made from the shipped ones in temporary folders) is refused with a message naming the
// problem, the setting is left as it was and the model in use keeps labeling; a document closed
// while it is being labeled drops its run without an error, and labeling goes on.
import * as assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT, makeBundle, PLAIN, readConfig, readModel, renamed, withFlattenedOutput } from '../unit/bundle_surgery';
import { api, closeAllEditors, openText, setLive, waitFor } from './helpers';

const REPO = path.resolve(__dirname, '../../..');
const SENTENCE = 'The committee approved the budget on Monday.';

/** One bad bundle of each kind of issue 8, and what the refusal must say. */
const KINDS: Array<{ kind: string; make: (root: string) => Promise<string>; says: RegExp }> = [
  { kind: 'missing file', make: (r) => makeBundle(r, DEFAULT, { 'model.onnx': null }), says: /not a model bundle: model\.onnx missing/ },
  {
    kind: 'corrupt ONNX bytes',
    make: (r) => {
      const m = Buffer.from(readModel(PLAIN));
      m.fill(0xff, 0, 4096);
      return makeBundle(r, PLAIN, { 'model.onnx': m });
    },
    says: /model\.onnx could not be loaded by ONNX Runtime/,
  },
  {
    kind: 'truncated ONNX',
    make: (r) => {
      const m = readModel(DEFAULT);
      return makeBundle(r, DEFAULT, { 'model.onnx': m.subarray(0, m.length >> 1) });
    },
    says: /model\.onnx could not be loaded by ONNX Runtime/,
  },
  {
    kind: 'wrong input names',
    make: (r) => makeBundle(r, PLAIN, { 'model.onnx': renamed(readModel(PLAIN), 'input_ids', 'token_ids') }),
    says: /no input named "input_ids"/,
  },
  {
    kind: 'wrong output rank',
    make: (r) => makeBundle(r, DEFAULT, { 'model.onnx': withFlattenedOutput(readModel(DEFAULT), 'token_logits') }),
    says: /output "token_logits" must be \[batch, sequence, labels\] \(it has rank 2\)/,
  },
  {
    kind: 'label count mismatch',
    make: (r) => {
      const cfg = readConfig(DEFAULT);
      const id2label = { ...(cfg['id2label'] as Record<string, string>) };
      delete id2label['16'];
      return makeBundle(r, DEFAULT, { 'config.json': { ...cfg, id2label } });
    },
    says: /gives 17 token labels but config\.json "id2label" has 16/,
  },
  {
    kind: 'empty labels',
    make: (r) => makeBundle(r, PLAIN, { 'config.json': { ...readConfig(PLAIN), id2label: {} } }),
    says: /config\.json has no "id2label"/,
  },
  {
    kind: 'huge max length',
    make: (r) => makeBundle(r, DEFAULT, { 'config.json': { ...readConfig(DEFAULT), max_length: 1e9 } }),
    says: /"max_length" must be a whole number from 8 to 8192/,
  },
  {
    kind: 'tokenizer of another kind',
    make: (r) => {
      const tj = JSON.parse(readFileSync(path.join(PLAIN, 'tokenizer.json'), 'utf8'));
      return makeBundle(r, PLAIN, { 'tokenizer.json': { ...tj, model: { type: 'BPE', vocab: { a: 0 }, merges: [] } } });
    },
    says: /tokenizer\.json is a BPE tokenizer; BERT bundles need WordPiece/,
  },
  {
    // root reads a chmod 000 file, and tests run as root: a folder stands in for an unreadable file
    kind: 'unreadable file',
    make: async (r) => {
      const dir = await makeBundle(r, PLAIN, { 'config.json': null });
      await fs.mkdir(path.join(dir, 'config.json'));
      return dir;
    },
    says: /config\.json cannot be read: it is a folder, not a file/,
  },
  {
    kind: 'symlink loop',
    make: async (r) => {
      const a = path.join(r, 'loop-a');
      await fs.symlink(path.join(r, 'loop-b'), a);
      await fs.symlink(a, path.join(r, 'loop-b'));
      return a;
    },
    says: /symbolic link that loops back on itself/,
  },
  {
    kind: 'folder that is not a bundle',
    make: async () => path.join(REPO, 'src'),
    says: /not a model bundle: model\.onnx, tokenizer\.json, config\.json missing/,
  },
];

suite('Reliability: bad bundles in Select Model', () => {
  suiteTeardown(async () => {
    await setLive(undefined);
    await closeAllEditors();
  });

  test('each of the 12 kinds is refused with its reason; the setting is unchanged and the model in use keeps labeling', async function () {
    this.timeout(600_000);
    const a = await api();
    await setLive(false);
    const editor = await openText(SENTENCE);
    const before = await vscode.commands.executeCommand<unknown>('bertLstm.labelDocument');
    assert.ok(before, 'the default model does not label');
    const model = await a.model();
    const setting = (): unknown => {
      const i = vscode.workspace.getConfiguration('bertLstm').inspect<string>('modelPath');
      return [i?.globalValue, i?.workspaceValue, i?.workspaceFolderValue];
    };
    const settingBefore = setting();
    const root = mkdtempSync(path.join(tmpdir(), 'host-bad-bundles-'));
    try {
      for (const { kind, make, says } of KINDS) {
        const dir = await make(await fs.mkdtemp(path.join(root, 'k-')));
        const problems = await vscode.commands.executeCommand<string[]>('bertLstm.selectModel', vscode.Uri.file(dir));
        assert.ok(Array.isArray(problems) && problems.length > 0, `${kind}: not refused`);
        assert.match(problems.join('\n'), says, `${kind}: ${problems.join('; ')}`);
        assert.deepEqual(setting(), settingBefore, `${kind}: the setting changed`);
      }
      // the model in use is the one from before, and it labels
      assert.equal((await a.model())?.dir, model?.dir);
      await editor.edit((e) => e.insert(editor.document.positionAt(editor.document.getText().length), ' It rained.'));
      await vscode.commands.executeCommand('bertLstm.labelDocument');
      const words = a.labelsFor(editor.document);
      assert.deepEqual(
        words?.map((w) => w.text),
        ['The', 'committee', 'approved', 'the', 'budget', 'on', 'Monday', '.', 'It', 'rained', '.'],
      );
      assert.ok(a.decorationsFor(editor).length > 0);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

suite('Reliability: a document closed mid-run', () => {
  teardown(async () => {
    await setLive(undefined);
    await closeAllEditors();
  });

  test('the run is dropped without an error, nothing stays behind, and the next document labels', async () => {
    const a = await api();
    await setLive(false);
    await a.model();
    const long = Array.from({ length: 2000 }, (_, i) => `Sentence ${i} is about the budget and the committee.`).join(' ');
    const editor = await openText(long);
    const doc = editor.document;
    const run = vscode.commands.executeCommand<unknown>('bertLstm.labelDocument');
    await waitFor('the run to start', () => a.resources().runs > 0 || a.resources().pendingInference > 0);
    await closeAllEditors();
    await waitFor('the document to close', () => doc.isClosed);
    assert.equal(await run, undefined, 'a closed document got labels');
    await waitFor('no run left', () => a.resources().runs === 0 && a.resources().pendingInference === 0);
    assert.equal(a.labelsFor(doc), undefined);
    const next = await openText(SENTENCE);
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    assert.equal(a.labelsFor(next.document)?.length, 8);
  });
});

suite('Reliability: the inference worker crashes', () => {
  teardown(async () => {
    await setLive(undefined);
    await closeAllEditors();
  });

  test('a killed worker is started again, and the next labeling works with the same labels', async () => {
    const a = await api();
    await setLive(false);
    const editor = await openText(SENTENCE);
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'));
    const labels = a.labelsFor(editor.document)!.map((w) => w.label);
    const restarts = a.resources().workerRestarts;
    assert.equal(await a.killInferenceWorker(), true);
    await waitFor('the worker to be started again', () => a.resources().workerRestarts === restarts + 1);
    await editor.edit((e) => e.insert(editor.document.positionAt(0), ' '));
    assert.ok(await vscode.commands.executeCommand('bertLstm.labelDocument'), 'labeling failed after the crash');
    assert.deepEqual(
      a.labelsFor(editor.document)!.map((w) => w.label),
      labels,
    );
  });
});
