// Hostile bundles (issue 19, items 1, 7, 9 and 13): a bundle is untrusted input. A word pattern
// that could freeze the editor (runaway backtracking), match nothing or match whitespace, a
// label that the export formats cannot hold, and sizes no real model reaches are refused at
// load, in words naming the bundle and the field. The shipped patterns keep loading.
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUNDLE_LIMITS, loadBundle } from '../../src/core/bundle';
import { checkWordPattern, wordPatternShapeProblems } from '../../src/core/word_pattern';
import { DEFAULT, makeBundle as makeIn, PLAIN, readConfig } from './bundle_surgery';
import { REPO, WORD_PATTERN } from './fixtures';

const WORKER = path.join(REPO, 'out/src/core/word_pattern_worker.js');
let root: string;
const makeBundle = (files: Parameters<typeof makeIn>[2] = {}): Promise<string> => makeIn(root, DEFAULT, files);

async function refused(dir: string, ...patterns: RegExp[]): Promise<string> {
  const r = await loadBundle(dir);
  assert.equal(r.ok, false, `the hostile bundle ${dir} was loaded`);
  const text = r.ok ? '' : r.problems.join('\n');
  for (const p of patterns) assert.match(text, p, `the problems do not say ${p}:\n${text}`);
  return text;
}

before(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'hostile-bundles-'));
});
after(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe('word_pattern is checked at load', () => {
  it('the shipped patterns (models/default, the plain bundle, the fixture) are accepted', async () => {
    for (const p of [WORD_PATTERN, readConfig(DEFAULT)['word_pattern'] as string, readConfig(PLAIN)['word_pattern'] as string]) {
      assert.deepEqual(await checkWordPattern(p, { workerPath: WORKER }), [], p);
    }
    for (const dir of [DEFAULT, PLAIN]) {
      const r = await loadBundle(dir);
      assert.ok(r.ok, r.ok ? '' : r.problems.join('\n'));
    }
  });

  it("the issue's pattern (\\w+\\s?)*$ is refused in words naming the bundle and the field", async () => {
    const dir = await makeBundle({ 'config.json': { ...readConfig(DEFAULT), word_pattern: '(\\w+\\s?)*$' } });
    await refused(
      dir,
      /config\.json: "word_pattern" can match an empty string/,
      /"word_pattern" can match whitespace/,
      new RegExp(`the bundle "${path.basename(dir)}"`),
    );
  });

  it('patterns with nested or overlapping unbounded repetition are refused (the proof runs in a worker)', async () => {
    for (const p of ['(?:[a-z]+)+!', '(\\w+)+$', '[\\p{L}]*[\\p{L}]*[\\p{L}]*@']) {
      const problems = await checkWordPattern(p, { workerPath: WORKER });
      assert.equal(problems.length, 1, `${p}: ${JSON.stringify(problems)}`);
      assert.match(problems[0], /backtrack|finish quickly/, p);
    }
    // the guarded repetition of hyphenated words is fine
    assert.deepEqual(await checkWordPattern('[\\p{L}\\p{N}]+(?:-[\\p{L}\\p{N}]+)*', { workerPath: WORKER }), []);
  });

  it('a check that runs past its time limit refuses the pattern', async () => {
    const problems = await checkWordPattern('(?:a|a|aa|aaa)+(?:b|bb)+(?:a|ab)+c', { workerPath: WORKER, timeoutMs: 1 });
    assert.equal(problems.length, 1, JSON.stringify(problems));
    assert.match(problems[0], /finish quickly|still being checked|backtrack/);
  });

  it('patterns that can match whitespace (item 9) or nothing are refused', () => {
    const cases: Array<[string, RegExp]> = [
      ['[^,]+', /whitespace \(U\+0009, through `\[\^,\]`/],
      ['\\S+', /whitespace \(U\+001C/],
      ['a.b', /whitespace .*`\.`/],
      ['\\w+ \\w+', /whitespace \(U\+0020/],
      ['[\\w\\n]+', /whitespace \(U\+000A/],
      ['\\w+\\u00a0?', /whitespace \(U\+00A0/],
      ['\\b', /empty string/],
      ['(?=a)', /empty string/],
      ['x*', /empty string/],
      ['(a)|\\1', /empty string/],
    ];
    for (const [p, re] of cases) assert.match(wordPatternShapeProblems(p).join('\n'), re, p);
    // whitespace only inside a lookaround is not part of any word
    assert.deepEqual(wordPatternShapeProblems('\\w+(?=\\s)'), []);
    assert.deepEqual(wordPatternShapeProblems('x'.repeat(10)), []);
    assert.match(wordPatternShapeProblems('x'.repeat(5000)).join(''), /at most 4000/);
  });
});

describe('labels and sizes are checked at load', () => {
  it('a label with "|" or a space is refused (item 7)', async () => {
    const cfg = readConfig(DEFAULT);
    for (const [bad, re] of [
      ['A|B', /contains "\|"/],
      ['NOUN PHRASE', /contains whitespace \(U\+0020\)/],
      ['X\tY', /whitespace \(U\+0009\)/],
      ['Z\u200bW', /control or format/],
    ] as const) {
      const id2label = { ...(cfg['id2label'] as Record<string, string>), '3': bad };
      await refused(await makeBundle({ 'config.json': { ...cfg, id2label } }), /config\.json: "id2label" label for id 3/, re);
      const seq = { ...(cfg['sequence_id2label'] as Record<string, string>), '1': bad };
      await refused(await makeBundle({ 'config.json': { ...cfg, sequence_id2label: seq } }), /"sequence_id2label" label for id 1/, re);
    }
  });

  it('more labels than any tag set has are refused (item 13)', async () => {
    const many = Object.fromEntries(Array.from({ length: BUNDLE_LIMITS.labels + 1 }, (_, i) => [String(i), `L${i}`]));
    await refused(
      await makeBundle({ 'config.json': { ...readConfig(DEFAULT), id2label: many } }),
      /"id2label" has 4097 labels; at most 4096/,
    );
  });

  it("the issue's config.json of 100,000 labels is refused by its size, before it is parsed (item 13)", async () => {
    const labels = Array.from({ length: 100_000 }, (_, i) => `LABEL_${i}`);
    const cfg = {
      ...readConfig(DEFAULT),
      id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])),
      label2id: Object.fromEntries(labels.map((l, i) => [l, i])),
    };
    await refused(await makeBundle({ 'config.json': cfg }), /config\.json is \d+\.\d MB; a model bundle's config\.json is at most 1\.0 MB/);
  });

  it('a vocabulary of more tokens than any real one is refused (item 13)', async () => {
    const tok = JSON.parse(readFileSync(path.join(DEFAULT, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } };
    let id = Object.keys(tok.model.vocab).length;
    while (id <= BUNDLE_LIMITS.vocabTokens) tok.model.vocab[`t${id}`] = id++;
    await refused(
      await makeBundle({ 'tokenizer.json': tok }),
      /tokenizer\.json has 300001 tokens in its vocabulary; at most 300000 are accepted/,
    );
  });

  it('a tokenizer.json bigger than any real one is refused before it is read (item 13)', async () => {
    const tok = readFileSync(path.join(DEFAULT, 'tokenizer.json'), 'utf8');
    const padded = tok.replace(/\}\s*$/, '') + ' '.repeat(BUNDLE_LIMITS.tokenizerBytes) + '}';
    await refused(
      await makeBundle({ 'tokenizer.json': padded }),
      /tokenizer\.json is 6\.\d MB; a model bundle's tokenizer\.json is at most 6\.0 MB/,
    );
  });
});
