// Bad bundles, made from the real ones (models/default, test/fixtures/plain-bert-bundle) in
// temporary folders: each of the kinds of issue 8 goes through the whole loading path
// (Labeler.open: files, tokenizer, ONNX Runtime session in the worker, signature check) and
// must come back as ok:false with a message naming what is wrong. A labeler opened before keeps
// working through all of them, and nothing is thrown or rejected unhandled.
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Labeler } from '../../src/core/labeler';
import { DEFAULT, makeBundle as makeIn, PLAIN, readConfig, readModel, renamed, withFlattenedOutput } from './bundle_surgery';
import { REPO } from './fixtures';

const WORKER = path.join(REPO, 'out/src/core/engine_worker.js');

// --- bundles in temporary folders ---

let root: string;
let counter = 0;
const makeBundle = (from: string, files: Parameters<typeof makeIn>[2] = {}): Promise<string> => makeIn(root, from, files);
let labeler: Labeler;
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown): void => {
  unhandled.push(e);
};

/** Opens a bundle the way the extension does; it must fail with problems matching `patterns`. */
async function refused(dir: string, ...patterns: RegExp[]): Promise<string> {
  const r = await Labeler.open(dir, { workerPath: WORKER });
  if (r.ok) {
    await r.value.dispose();
    assert.fail(`the bad bundle ${dir} was loaded`);
  }
  const text = r.problems.join('\n');
  assert.ok(r.problems.length > 0 && r.problems.every((p) => p.trim().length > 10), `no clear problem: ${JSON.stringify(r.problems)}`);
  for (const p of patterns) assert.match(text, p, `the problems do not say ${p}:\n${text}`);
  return text;
}

before(async () => {
  process.on('unhandledRejection', onUnhandled);
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bad-bundles-'));
  const opened = await Labeler.open(DEFAULT, { workerPath: WORKER });
  assert.ok(opened.ok, opened.ok ? '' : opened.problems.join('\n'));
  labeler = opened.value;
});

after(async () => {
  await labeler?.dispose();
  await fs.rm(root, { recursive: true, force: true });
  process.off('unhandledRejection', onUnhandled);
});

describe('bad bundles are refused with a clear message', () => {
  for (const file of ['model.onnx', 'tokenizer.json', 'config.json']) {
    it(`1. missing ${file}`, async () => {
      await refused(await makeBundle(DEFAULT, { [file]: null }), new RegExp(`not a model bundle: ${file.replace('.', '\\.')} missing`));
    });
  }

  it('2. corrupt ONNX bytes (the header overwritten; and random bytes throughout)', async () => {
    const model = readModel(PLAIN);
    const header = Buffer.from(model);
    header.fill(0xff, 0, 4096);
    await refused(await makeBundle(PLAIN, { 'model.onnx': header }), /model\.onnx could not be loaded by ONNX Runtime/);
    // a file of the right size with nothing of ONNX in it
    const noise = Buffer.alloc(model.length);
    let x = 12345;
    for (let i = 0; i < noise.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      noise[i] = x >>> 24;
    }
    await refused(await makeBundle(PLAIN, { 'model.onnx': noise }), /model\.onnx could not be loaded by ONNX Runtime/);
  });

  it('3. truncated ONNX (half the file, 100 bytes, empty)', async () => {
    const model = readModel(DEFAULT);
    await refused(
      await makeBundle(DEFAULT, { 'model.onnx': model.subarray(0, model.length >> 1) }),
      /model\.onnx could not be loaded by ONNX Runtime/,
    );
    await refused(await makeBundle(DEFAULT, { 'model.onnx': model.subarray(0, 100) }), /model\.onnx could not be loaded by ONNX Runtime/);
    await refused(await makeBundle(DEFAULT, { 'model.onnx': Buffer.alloc(0) }), /model\.onnx is empty/);
  });

  it('4. wrong input names (input_ids renamed token_ids inside the graph)', async () => {
    const bad = renamed(readModel(PLAIN), 'input_ids', 'token_ids');
    await refused(
      await makeBundle(PLAIN, { 'model.onnx': bad }),
      /no input named "input_ids"/,
      /input "token_ids" the contract does not know/,
    );
  });

  it('5. wrong output ranks (token logits computed 2-D by an added Flatten node)', async () => {
    const tokens = withFlattenedOutput(readModel(DEFAULT), 'token_logits');
    await refused(
      await makeBundle(DEFAULT, { 'model.onnx': tokens }),
      /output "token_logits" must be \[batch, sequence, labels\] \(it has rank 2\)/,
    );
    // a 2-D "logits" is a sequence classifier's: a plain bundle with one has no token head
    const plain = withFlattenedOutput(readModel(PLAIN), 'logits');
    await refused(await makeBundle(PLAIN, { 'model.onnx': plain }), /model\.onnx has no head/, /its outputs: logits/);
  });

  it('6. label count mismatch (16 token labels for 17 outputs; 5 sequence labels for 4)', async () => {
    const cfg = readConfig(DEFAULT);
    const id2label = { ...(cfg['id2label'] as Record<string, string>) };
    delete id2label['16'];
    await refused(
      await makeBundle(DEFAULT, { 'config.json': { ...cfg, id2label } }),
      /gives 17 token labels but config\.json "id2label" has 16/,
    );
    const seq = { ...(cfg['sequence_id2label'] as Record<string, string>), '4': 'extra' };
    await refused(
      await makeBundle(DEFAULT, { 'config.json': { ...cfg, sequence_id2label: seq } }),
      /gives 4 sequence labels but config\.json "sequence_id2label" has 5/,
    );
  });

  it('7. empty labels (an empty id2label; an empty label string; no labels at all)', async () => {
    const cfg = readConfig(PLAIN);
    await refused(await makeBundle(PLAIN, { 'config.json': { ...cfg, id2label: {} } }), /config\.json has no "id2label"/);
    await refused(
      await makeBundle(PLAIN, { 'config.json': { ...cfg, id2label: { ...(cfg['id2label'] as object), '3': '' } } }),
      /"id2label" label for id 3 must be a non-empty string/,
    );
    const none = { ...cfg };
    delete none['id2label'];
    await refused(await makeBundle(PLAIN, { 'config.json': none }), /neither "id2label"/);
  });

  it('8. huge max length (10^9, 2^53 + 1, Infinity as a string, negative)', async () => {
    const cfg = readConfig(DEFAULT);
    for (const bad of [1e9, 2 ** 53 + 1, 'Infinity', -128]) {
      await refused(
        await makeBundle(DEFAULT, { 'config.json': { ...cfg, max_length: bad } }),
        /"max_length" must be a whole number from 8 to 8192/,
      );
    }
  });

  it('9. a tokenizer.json of another kind (BPE, Unigram, a vocab.txt, a JSON array)', async () => {
    const tj = JSON.parse(readFileSync(path.join(PLAIN, 'tokenizer.json'), 'utf8'));
    await refused(
      await makeBundle(PLAIN, { 'tokenizer.json': { ...tj, model: { type: 'BPE', vocab: { a: 0 }, merges: [] } } }),
      /tokenizer\.json is a BPE tokenizer; BERT bundles need WordPiece/,
    );
    await refused(
      await makeBundle(PLAIN, { 'tokenizer.json': { ...tj, model: { type: 'Unigram', vocab: [['a', 0]] } } }),
      /Unigram tokenizer/,
    );
    await refused(
      await makeBundle(PLAIN, { 'tokenizer.json': readFileSync(path.join(DEFAULT, 'vocab.txt')) }),
      /tokenizer\.json is not valid JSON/,
    );
    await refused(await makeBundle(PLAIN, { 'tokenizer.json': '[1, 2, 3]' }), /tokenizer\.json is not a JSON object/);
  });

  it('10. unreadable files (chmod 000 where it holds; a folder in place of each file, which holds as root too)', async () => {
    // Tests run as root here, and root reads a chmod 000 file: check whether the mode holds,
    // and use the case that does (a folder where the file should be) in any event.
    const dir = await makeBundle(PLAIN);
    await fs.chmod(path.join(dir, 'config.json'), 0o000);
    const modeHolds = await fs.readFile(path.join(dir, 'config.json')).then(
      () => false,
      () => true,
    );
    if (modeHolds) await refused(dir, /config\.json cannot be read: permission denied/);
    else console.log('  chmod 000 does not stop this user (root) from reading: folders stand in for unreadable files');
    for (const file of ['model.onnx', 'tokenizer.json', 'config.json']) {
      const d = await makeBundle(PLAIN, { [file]: null });
      await fs.mkdir(path.join(d, file));
      await refused(d, new RegExp(`${file.replace('.', '\\.')} cannot be read: it is a folder, not a file`));
    }
  });

  it('11. a symlink loop (the bundle folder itself; a file that links to itself; two files linking to each other)', async () => {
    const a = path.join(root, `loop-a-${counter}`);
    const b = path.join(root, `loop-b-${counter++}`);
    await fs.symlink(b, a);
    await fs.symlink(a, b);
    await refused(a, /cannot be read: it is a symbolic link that loops back on itself \(ELOOP\)/);
    const self = await makeBundle(PLAIN, { 'config.json': null });
    await fs.symlink('config.json', path.join(self, 'config.json'));
    await refused(self, /config\.json cannot be read: it is a symbolic link that loops/);
    const pair = await makeBundle(PLAIN, { 'model.onnx': null, 'tokenizer.json': null });
    await fs.symlink('tokenizer.json', path.join(pair, 'model.onnx'));
    await fs.symlink('model.onnx', path.join(pair, 'tokenizer.json'));
    await refused(
      pair,
      /model\.onnx cannot be read: it is a symbolic link that loops/,
      /tokenizer\.json cannot be read: it is a symbolic link that loops/,
    );
  });

  it('12. a folder that is not a bundle (source code; an empty folder; a file)', async () => {
    await refused(path.join(REPO, 'src'), /not a model bundle: model\.onnx, tokenizer\.json, config\.json missing/);
    const empty = path.join(root, 'empty');
    await fs.mkdir(empty);
    await refused(empty, /not a model bundle/);
    await refused(path.join(DEFAULT, 'model.onnx'), /is not a folder; a model bundle is a folder/);
  });

  it('ONNX Runtime that cannot be loaded (a bad module path) is an error value naming it', async () => {
    const r = await Labeler.open(DEFAULT, { workerPath: WORKER, runtimeModule: path.join(root, 'no-such-onnxruntime') });
    assert.equal(r.ok, false);
    assert.match(
      r.ok ? '' : r.problems.join('\n'),
      /ONNX Runtime \(onnxruntime-node\) could not be loaded, so no model can run: Cannot find module/,
    );
  });

  it('the labeler opened before still labels, and nothing was thrown unhandled', async () => {
    const r = await labeler.label('The committee approved the budget on Monday.');
    assert.deepEqual(
      r.words.map((w) => w.text),
      ['The', 'committee', 'approved', 'the', 'budget', 'on', 'Monday', '.'],
    );
    assert.equal(r.words.find((w) => w.text === 'committee')?.label, 'NOUN');
    assert.deepEqual(unhandled, []);
  });
});
