// Bundle loading and validation: every broken bundle gives ok:false with a message that names
// the file or field in words; a good one loads. checkSignature against hand-built signatures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkSignature, inferScheme, labelsFromIdMap, loadBundle, type BundleConfig, type ModelSignature } from '../../src/core/bundle';
import { TextTokenizer } from '../../src/core/tokenize';
import { FIXTURES, WORD_PATTERN } from './fixtures';
import { tokenizeWords } from '../oracles/tokenize';

const UPOS = [
  'ADJ',
  'ADP',
  'ADV',
  'AUX',
  'CCONJ',
  'DET',
  'INTJ',
  'NOUN',
  'NUM',
  'PART',
  'PRON',
  'PROPN',
  'PUNCT',
  'SCONJ',
  'SYM',
  'VERB',
  'X',
];
const GENRES = ['press', 'general', 'learned', 'fiction'];
const idMap = (labels: readonly string[]): Record<string, string> => Object.fromEntries(labels.map((l, i) => [String(i), l]));

function goodConfig(): Record<string, unknown> {
  return {
    name: 'test-bundle',
    architectures: ['BertLstmTagger'],
    model_type: 'bert-lstm',
    id2label: idMap(UPOS),
    label2id: Object.fromEntries(UPOS.map((l, i) => [l, i])),
    sequence_id2label: idMap(GENRES),
    label_scheme: 'plain',
    max_length: 128,
    word_pattern: WORD_PATTERN,
  };
}

let root: string;
let tokenizerText: string;
let tokenizerConfigText: string;
let counter = 0;

/** A bundle folder; `files` replaces (string/object) or removes (null) the good bundle's files. */
async function makeBundle(files: Record<string, string | object | null> = {}): Promise<string> {
  const dir = path.join(root, `b${counter++}`);
  await fs.mkdir(dir);
  const all: Record<string, string | object | null> = {
    'model.onnx': '\x08\x07\x12\x04not really onnx',
    'tokenizer.json': tokenizerText,
    'tokenizer_config.json': tokenizerConfigText,
    'config.json': goodConfig(),
    'README.md': '# Test bundle\n\nA model card.\n',
    ...files,
  };
  for (const [name, content] of Object.entries(all)) {
    if (content === null) continue;
    await fs.writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return dir;
}

async function problemsOf(dir: string): Promise<string[]> {
  const r = await loadBundle(dir);
  assert.equal(r.ok, false, `bundle ${dir} loaded but should not`);
  assert.ok(!r.ok && r.problems.length > 0, 'no problem given');
  return r.ok ? [] : r.problems;
}

/** Some problem matches every pattern. */
function assertNames(problems: string[], ...patterns: RegExp[]): void {
  const text = problems.join('\n');
  for (const p of patterns) assert.match(text, p, `problems do not mention ${p}:\n${text}`);
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'bundle-test-'));
  tokenizerText = await fs.readFile(path.join(FIXTURES, 'tokenizer', 'tokenizer.json'), 'utf8');
  tokenizerConfigText = await fs.readFile(path.join(FIXTURES, 'tokenizer', 'tokenizer_config.json'), 'utf8');
});

after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('loadBundle: a good bundle', () => {
  it('loads with its labels, scheme, length, word pattern, architecture and card', async () => {
    const dir = await makeBundle();
    const r = await loadBundle(dir);
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    const b = r.value;
    assert.equal(b.dir, dir);
    assert.equal(b.modelPath, path.join(dir, 'model.onnx'));
    assert.deepEqual(b.config.labels, UPOS);
    assert.deepEqual(b.config.sequenceLabels, GENRES);
    assert.equal(b.config.labelScheme, 'plain');
    assert.equal(b.config.maxLength, 128);
    assert.equal(b.config.wordPattern, WORD_PATTERN);
    assert.equal(b.config.architecture, 'BertLstmTagger');
    assert.equal(b.config.name, 'test-bundle');
    assert.match(b.card ?? '', /A model card/);
    // its tokenizer works with the extension's tokenizer
    const tok = await TextTokenizer.load(b.tokenizerJson, b.vocab, { wordPattern: b.config.wordPattern });
    assert.deepEqual(
      tokenizeWords(tok, "It's the cat.").flatMap((w) => w.pieces.map((p) => p.id)),
      [2009, 1005, 1055, 1996, 4937, 1012],
    );
  });

  it('the vocabulary is parsed off the main thread and filled in slices: the same tokenizer as from the whole file', async () => {
    const dir = await makeBundle({});
    const r = await loadBundle(dir);
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    const b = r.value;
    // the worker split the vocabulary out of the JSON
    assert.ok(b.vocab && b.vocab.tokens.length > 30_000, 'the vocabulary came back as arrays');
    assert.deepEqual((b.tokenizerJson as { model: { vocab: object } }).model.vocab, {});
    const whole = JSON.parse(await fs.readFile(path.join(dir, 'tokenizer.json'), 'utf8')) as object;
    const loaded = await TextTokenizer.load(b.tokenizerJson, b.vocab, { wordPattern: b.config.wordPattern });
    const direct = new TextTokenizer(whole, { wordPattern: b.config.wordPattern });
    type Model = { tokens_to_ids: Map<string, number>; vocab: string[]; unk_token_id: number };
    const [m1, m2] = [loaded.tokenizer.model as unknown as Model, direct.tokenizer.model as unknown as Model];
    assert.deepEqual(new Map([...m1.tokens_to_ids].sort()), new Map([...m2.tokens_to_ids].sort()));
    assert.deepEqual(m1.vocab, m2.vocab);
    assert.equal(m1.unk_token_id, m2.unk_token_id);
    const text = "Naïve café-goers didn't pay $3.50 for 東京's 🍜 — ¿qué? [MASK] Ⅻ ﬁne İstanbul straße";
    assert.deepEqual(tokenizeWords(loaded, text), tokenizeWords(direct, text));
  });

  it('a tokenizer.json that is not valid JSON is reported from the worker in words', async () => {
    const good = await fs.readFile(path.join(await makeBundle({}), 'tokenizer.json'), 'utf8');
    const dir = await makeBundle({});
    await fs.writeFile(path.join(dir, 'tokenizer.json'), good.slice(0, good.length - 10)); // over 64 KB: parsed in the worker
    const r = await loadBundle(dir);
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.problems.join('\n'), /^tokenizer\.json is not valid JSON \(.+\)$/m);
  });

  it('tokenizer_config.json and README.md are optional; the name defaults to the folder name', async () => {
    const cfg = goodConfig();
    delete cfg['name'];
    const dir = await makeBundle({ 'tokenizer_config.json': null, 'README.md': null, 'config.json': cfg });
    const r = await loadBundle(dir);
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.equal(r.value.card, undefined);
    assert.equal(r.value.config.name, path.basename(dir));
  });

  it('a plain BERT token classifier config (id2label only, no word pattern) loads', async () => {
    const dir = await makeBundle({
      'config.json': {
        architectures: ['BertForTokenClassification'],
        model_type: 'bert',
        id2label: idMap(['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC']),
        max_position_embeddings: 512,
      },
    });
    const r = await loadBundle(dir);
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.equal(r.value.config.labelScheme, 'BIO');
    assert.equal(r.value.config.maxLength, 512);
    assert.equal(r.value.config.wordPattern, undefined);
    assert.deepEqual(r.value.config.sequenceLabels, []);
    assert.equal(r.value.config.architecture, 'BertForTokenClassification');
  });

  it('a sequence-only config (sequence_id2label, no id2label) loads', async () => {
    const cfg = goodConfig();
    delete cfg['id2label'];
    const r = await loadBundle(await makeBundle({ 'config.json': cfg }));
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.deepEqual(r.value.config.labels, []);
    assert.deepEqual(r.value.config.sequenceLabels, GENRES);
  });

  it('the maximum length falls back to tokenizer_config.json model_max_length', async () => {
    const cfg = goodConfig();
    delete cfg['max_length'];
    const r = await loadBundle(await makeBundle({ 'config.json': cfg }));
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.equal(r.value.config.maxLength, 128); // the fixture's model_max_length
  });
});

describe('loadBundle: broken bundles give ok:false and name what is wrong', () => {
  for (const file of ['model.onnx', 'tokenizer.json', 'config.json']) {
    it(`missing ${file}`, async () => {
      assertNames(await problemsOf(await makeBundle({ [file]: null })), new RegExp(`${file.replace('.', '\\.')} missing`));
    });
  }

  it('all required files missing: an empty folder', async () => {
    const dir = path.join(root, 'empty');
    await fs.mkdir(dir);
    assertNames(await problemsOf(dir), /not a model bundle/, /model\.onnx/, /tokenizer\.json/, /config\.json/);
  });

  it('a path that does not exist', async () => {
    assertNames(await problemsOf(path.join(root, 'no-such-folder')), /does not exist/, /no-such-folder/);
  });

  it('a path that is a file', async () => {
    const file = path.join(root, 'a-file.onnx');
    await fs.writeFile(file, 'x');
    assertNames(await problemsOf(file), /not a folder/, /a-file\.onnx/);
  });

  it('config.json that is not JSON', async () => {
    assertNames(await problemsOf(await makeBundle({ 'config.json': '{ "id2label": ' })), /config\.json is not valid JSON/);
  });

  it('tokenizer.json that is not JSON', async () => {
    assertNames(
      await problemsOf(await makeBundle({ 'tokenizer.json': tokenizerText.slice(0, 1000) })),
      /tokenizer\.json is not valid JSON/,
    );
  });

  it('tokenizer_config.json that is not JSON', async () => {
    assertNames(
      await problemsOf(await makeBundle({ 'tokenizer_config.json': 'model_max_length=128' })),
      /tokenizer_config\.json is not valid JSON/,
    );
  });

  it('config.json that is JSON but not an object', async () => {
    assertNames(await problemsOf(await makeBundle({ 'config.json': '[1, 2]' })), /config\.json is not a JSON object/);
    assertNames(await problemsOf(await makeBundle({ 'config.json': 'null' })), /config\.json is not a JSON object/);
  });

  it('config.json that cannot be read (a folder of that name)', async () => {
    const dir = await makeBundle({ 'config.json': null });
    await fs.mkdir(path.join(dir, 'config.json'));
    assertNames(await problemsOf(dir), /config\.json cannot be read/);
  });

  it('config without id2label and sequence_id2label', async () => {
    const cfg = goodConfig();
    delete cfg['id2label'];
    delete cfg['sequence_id2label'];
    assertNames(await problemsOf(await makeBundle({ 'config.json': cfg })), /config\.json/, /id2label/, /sequence_id2label/);
  });

  it('id2label with a gap', async () => {
    const cfg = { ...goodConfig(), id2label: { '0': 'NOUN', '2': 'VERB' } };
    assertNames(await problemsOf(await makeBundle({ 'config.json': cfg })), /config\.json: "id2label" has id "2"/);
  });

  it('id2label with the same id twice ("0" and "00") or ids that are not whole numbers', async () => {
    for (const map of [
      { '0': 'NOUN', '00': 'VERB' },
      { '0': 'NOUN', '1.0': 'VERB' },
      { '': 'NOUN', '1': 'VERB' },
      { '0': 'NOUN', ' 1': 'VERB' },
      { '0': 'A', '-1': 'B' },
    ]) {
      const cfg = { ...goodConfig(), id2label: map };
      assertNames(await problemsOf(await makeBundle({ 'config.json': cfg })), /config\.json: "id2label" has id/);
    }
  });

  it('id2label that is not an object, or with an empty / non-string label', async () => {
    assertNames(
      await problemsOf(await makeBundle({ 'config.json': { ...goodConfig(), id2label: ['NOUN', 'VERB'] } })),
      /"id2label" must be an object/,
    );
    assertNames(
      await problemsOf(await makeBundle({ 'config.json': { ...goodConfig(), id2label: { '0': 'NOUN', '1': '' } } })),
      /"id2label" label for id 1/,
    );
    assertNames(
      await problemsOf(await makeBundle({ 'config.json': { ...goodConfig(), id2label: { '0': 7 } } })),
      /"id2label" label for id 0/,
    );
  });

  it('sequence_id2label with a gap', async () => {
    const cfg = { ...goodConfig(), sequence_id2label: { '1': 'press', '2': 'fiction' } };
    assertNames(await problemsOf(await makeBundle({ 'config.json': cfg })), /config\.json: "sequence_id2label" has id "2"/);
  });

  for (const bad of [4, 7, 100_000, 1.5, '128', true, { n: 128 }]) {
    it(`bad max_length ${JSON.stringify(bad)}`, async () => {
      const cfg = { ...goodConfig(), max_length: bad };
      assertNames(
        await problemsOf(await makeBundle({ 'config.json': cfg })),
        /config\.json: "max_length" must be a whole number from 8 to 8192/,
      );
    });
  }

  it('a word_pattern that is not a valid regular expression', async () => {
    for (const bad of ['([a-z]+', '[\\p{NotAProperty}]+', '\\k<nope>', 42]) {
      const cfg = { ...goodConfig(), word_pattern: bad };
      assertNames(
        await problemsOf(await makeBundle({ 'config.json': cfg })),
        /config\.json: "word_pattern" is not a valid regular expression/,
      );
    }
  });

  it('an unknown label_scheme', async () => {
    const cfg = { ...goodConfig(), label_scheme: 'IOB3' };
    assertNames(await problemsOf(await makeBundle({ 'config.json': cfg })), /"label_scheme" must be "plain", "BIO" or "BIOES"/, /IOB3/);
  });

  it('tokenizer.json of another kind (a BPE model)', async () => {
    const bpe = { version: '1.0', model: { type: 'BPE', vocab: { a: 0, b: 1, ab: 2 }, merges: ['a b'] } };
    assertNames(await problemsOf(await makeBundle({ 'tokenizer.json': bpe })), /tokenizer\.json is a BPE tokenizer/, /WordPiece/);
  });

  it('tokenizer.json without a model or vocabulary', async () => {
    assertNames(
      await problemsOf(await makeBundle({ 'tokenizer.json': { version: '1.0' } })),
      /tokenizer\.json has no "model" with a "vocab"/,
    );
    assertNames(
      await problemsOf(await makeBundle({ 'tokenizer.json': { model: { type: 'WordPiece' } } })),
      /tokenizer\.json has no "model" with a "vocab"/,
    );
  });

  it('a WordPiece tokenizer without [CLS] (or [SEP], [PAD], [UNK])', async () => {
    for (const special of ['[CLS]', '[SEP]', '[PAD]', '[UNK]']) {
      const tj = JSON.parse(tokenizerText);
      delete tj.model.vocab[special];
      const problems = await problemsOf(await makeBundle({ 'tokenizer.json': tj }));
      assertNames(problems, new RegExp(`tokenizer\\.json: the vocabulary has no ${special.replace(/[[\]]/g, '\\$&')} token`));
    }
  });

  it('several problems at once are all reported', async () => {
    const cfg = { ...goodConfig(), max_length: 2, word_pattern: '(', label_scheme: 'x' };
    const problems = await problemsOf(
      await makeBundle({ 'config.json': cfg, 'tokenizer.json': { model: { type: 'Unigram', vocab: [] } } }),
    );
    assertNames(problems, /max_length/, /word_pattern/, /label_scheme/, /Unigram/);
  });
});

describe('labelsFromIdMap and inferScheme', () => {
  it('orders labels by id whatever the key order', () => {
    const problems: string[] = [];
    assert.deepEqual(labelsFromIdMap({ '2': 'c', '0': 'a', '1': 'b' }, 'id2label', problems), ['a', 'b', 'c']);
    assert.deepEqual(problems, []);
    assert.deepEqual(labelsFromIdMap(undefined, 'id2label', problems), []);
    assert.deepEqual(labelsFromIdMap({}, 'id2label', problems), []);
    assert.deepEqual(problems, []);
  });

  it('infers plain, BIO and BIOES label schemes', () => {
    assert.equal(inferScheme(UPOS), 'plain');
    assert.equal(inferScheme([]), 'plain');
    assert.equal(inferScheme(['O', 'B-PER', 'I-PER']), 'BIO');
    assert.equal(inferScheme(['O', 'B-PER', 'I-PER', 'E-PER', 'S-PER']), 'BIOES');
  });
});

describe('checkSignature', () => {
  const config: BundleConfig = {
    name: 't',
    labels: UPOS,
    sequenceLabels: GENRES,
    labelScheme: 'plain',
    maxLength: 128,
    wordPattern: undefined,
    architecture: 'BertLstmTagger',
    dynamicQuantization: false,
    labelDescriptions: {},
    sequenceLabelDescriptions: {},
  };
  const inputs = [
    { name: 'input_ids', rank: 2 },
    { name: 'attention_mask', rank: 2 },
  ];
  const outputs = [
    { name: 'token_logits', shape: ['batch', 'sequence', 17] },
    { name: 'sequence_logits', shape: ['batch', 4] },
    { name: 'attentions', shape: ['batch', 4, 4, 'sequence', 'sequence'] },
  ];
  const sig = (over: Partial<ModelSignature> = {}): ModelSignature => ({ inputs, outputs, ...over });
  const problems = (s: ModelSignature, c: BundleConfig = config): string[] => {
    const r = checkSignature(s, c);
    assert.equal(r.ok, false, 'signature accepted but should not be');
    return r.ok ? [] : r.problems;
  };

  it("accepts the default model's signature and finds every output's role", () => {
    const r = checkSignature(sig(), config);
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.deepEqual(r.value, {
      tokenLogits: 'token_logits',
      sequenceLogits: 'sequence_logits',
      attentions: 'attentions',
      hasTokenTypeIds: false,
    });
  });

  it('accepts a plain BERT token-classification export (3-D logits, token_type_ids input)', () => {
    const plain = { ...config, sequenceLabels: [], architecture: 'BertForTokenClassification' };
    const r = checkSignature(
      {
        inputs: [...inputs, { name: 'token_type_ids', rank: 2 }],
        outputs: [{ name: 'logits', shape: ['batch', 'sequence', 17] }],
      },
      plain,
    );
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    assert.deepEqual(r.value, { tokenLogits: 'logits', sequenceLogits: undefined, attentions: undefined, hasTokenTypeIds: true });
  });

  it('accepts unknown ranks and symbolic dimensions', () => {
    const r = checkSignature(
      {
        inputs: [
          { name: 'input_ids', rank: undefined },
          { name: 'attention_mask', rank: undefined },
        ],
        outputs: [
          { name: 'token_logits', shape: undefined },
          { name: 'sequence_logits', shape: ['b', 'labels'] },
        ],
      },
      config,
    );
    assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
  });

  it('accepts a sequence-only model and a token-only model', () => {
    assert.ok(checkSignature(sig({ outputs: [outputs[1]] }), { ...config, labels: [] }).ok);
    assert.ok(checkSignature(sig({ outputs: [outputs[0]] }), { ...config, sequenceLabels: [] }).ok);
  });

  it('rejects wrong input names, naming the missing and the unknown input', () => {
    const p = problems(sig({ inputs: [{ name: 'ids', rank: 2 }, inputs[1]] }));
    assertNames(p, /no input named "input_ids"/, /input "ids" the contract does not know/);
    assertNames(problems(sig({ inputs: [inputs[0]] })), /no input named "attention_mask"/);
    assertNames(problems(sig({ inputs: [] })), /no input named "input_ids"/, /its inputs: none/);
  });

  it('rejects an unknown extra input', () => {
    assertNames(
      problems(sig({ inputs: [...inputs, { name: 'position_ids', rank: 2 }] })),
      /input "position_ids" the contract does not know/,
    );
  });

  it('rejects inputs of the wrong rank (token_type_ids included)', () => {
    assertNames(
      problems(sig({ inputs: [{ name: 'input_ids', rank: 1 }, inputs[1]] })),
      /input "input_ids" must be \[batch, sequence\] \(it has rank 1\)/,
    );
    assertNames(
      problems(sig({ inputs: [inputs[0], { name: 'attention_mask', rank: 3 }] })),
      /input "attention_mask" must be \[batch, sequence\] \(it has rank 3\)/,
    );
    assertNames(
      problems(sig({ inputs: [...inputs, { name: 'token_type_ids', rank: 1 }] })),
      /input "token_type_ids" must be \[batch, sequence\] \(it has rank 1\)/,
    );
  });

  it('rejects outputs of the wrong rank', () => {
    assertNames(
      problems(sig({ outputs: [{ name: 'token_logits', shape: ['b', 17] }] })),
      /output "token_logits" must be \[batch, sequence, labels\] \(it has rank 2\)/,
    );
    assertNames(
      problems(sig({ outputs: [{ name: 'sequence_logits', shape: ['b', 's', 4] }] })),
      /output "sequence_logits" must be \[batch, labels\] \(it has rank 3\)/,
    );
    assertNames(
      problems(sig({ outputs: [outputs[0], { name: 'attentions', shape: ['b', 4, 's', 's'] }] })),
      /output "attentions" must be \[batch, layers, heads, sequence, sequence\] \(it has rank 4\)/,
    );
  });

  it('rejects a token label count that differs from id2label', () => {
    assertNames(
      problems(sig({ outputs: [{ name: 'token_logits', shape: ['b', 's', 9] }] })),
      /gives 9 token labels but config\.json "id2label" has 17/,
    );
    assertNames(
      problems(sig({ outputs: [{ name: 'logits', shape: ['b', 's', 18] }] })),
      /gives 18 token labels but config\.json "id2label" has 17/,
    );
  });

  it('rejects a sequence label count that differs from sequence_id2label', () => {
    assertNames(
      problems(sig({ outputs: [{ name: 'sequence_logits', shape: ['b', 3] }] })),
      /gives 3 sequence labels but config\.json "sequence_id2label" has 4/,
    );
    assertNames(
      problems(sig({ outputs: [{ name: 'sequence_logits', shape: ['b', 4] }] }), { ...config, sequenceLabels: [] }),
      /gives 4 sequence labels but config\.json "sequence_id2label" has 0/,
    );
  });

  it('rejects token logits when config.json has no id2label', () => {
    assertNames(
      problems(sig({ outputs: [{ name: 'token_logits', shape: ['b', 's', 'labels'] }] }), { ...config, labels: [] }),
      /config\.json has no "id2label"/,
    );
  });

  it('rejects a model without any head, naming its outputs', () => {
    assertNames(problems(sig({ outputs: [outputs[2]] })), /no head/, /its outputs: attentions/);
    assertNames(problems(sig({ outputs: [] })), /no head/, /its outputs: none/);
    // a 2-D "logits" (a sequence classifier's) is not taken as token logits
    assertNames(problems(sig({ outputs: [{ name: 'logits', shape: ['b', 4] }] })), /no head/);
    assertNames(problems(sig({ outputs: [{ name: 'last_hidden_state', shape: ['b', 's', 256] }] })), /no head/, /last_hidden_state/);
  });
});
