// `bert-lstm-label adapt`, run as a user runs it (node dist/cli.js): a CoNLL-U file whose UPOS
// column follows a planted rule (every noun tagged X) is learned, the bundle it writes labels
// held-out text by the rule where the shipped model does not, and it says what it learned from.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { jsonLines, REPO } from './fixtures';
import { goldSentences, type GoldSentence as Sentence } from '../shared/gold_sentences';

const CLI = path.join(REPO, 'dist/cli.js');
const run = (args: string[], input?: string) =>
  spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8', cwd: REPO, timeout: 300_000 });

const SENTENCES = goldSentences();

/** CoNLL-U of the sentences, `rule` applied to each gold tag. */
function conllu(sentences: readonly Sentence[], rule: (tag: string) => string): string {
  const out: string[] = [];
  sentences.forEach((s, k) => {
    out.push(`# sent_id = s${k + 1}`, `# text = ${s.text}`);
    s.words.forEach(([a, b], i) => {
      const next = s.words[i + 1];
      const misc = next && next[0] === b ? 'SpaceAfter=No' : '_';
      out.push([i + 1, s.text.slice(a, b), '_', rule(s.upos[i]), '_', '_', '_', '_', '_', misc].join('\t'));
    });
    out.push('');
  });
  return out.join('\n') + '\n';
}

test('adapt learns a planted rule from a CoNLL-U file and writes a bundle that --model loads', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'adapt-cli-'));
  const train = path.join(dir, 'train.conllu');
  writeFileSync(
    train,
    conllu(SENTENCES.slice(0, 150), (t) => (t === 'NOUN' ? 'X' : t)),
  );
  const out = path.join(dir, 'adapted');
  const r = run(['adapt', '--train', train, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /learned from \d+ tokens, \d+ labels, 1 document in [\d.]+ s/);
  const held = heldOut(r.stderr);
  assert.ok(held.head > held.model + 5, r.stderr);
  assert.ok(existsSync(path.join(out, 'adapted_head.json')));
  const head = JSON.parse(readFileSync(path.join(out, 'adapted_head.json'), 'utf8'));
  assert.match(head.base_model.sha256, /^[0-9a-f]{64}$/);

  // held-out sentences: gold nouns come out as X with the adapted bundle, not with the shipped one
  const test_ = SENTENCES.slice(300, 380);
  const input = test_.map((s) => s.text).join('\n');
  const nounsTaggedX = (args: string[]): number => {
    const res = run(['--format', 'jsonl', '--workers', '1', ...args], input);
    assert.equal(res.status, 0, res.stderr);
    const words = jsonLines(res.stdout).filter((w) => 'label' in w);
    const labelAt = new Map(words.map((w) => [w.start, w.label]));
    let base = 0,
      x = 0;
    test_.forEach((s) => {
      s.words.forEach(([a], i) => {
        if (s.upos[i] === 'NOUN' && labelAt.get(base + a) === 'X') x++;
      });
      base += s.text.length + 1;
    });
    return x;
  };
  const nouns = test_.reduce((n, s) => n + s.upos.filter((u) => u === 'NOUN').length, 0);
  assert.ok(nounsTaggedX([]) < nouns * 0.05, 'the shipped model does not tag nouns X');
  const adapted = nounsTaggedX(['--model', out]);
  assert.ok(adapted > nouns * 0.8, `${adapted} of ${nouns} held-out nouns tagged X`);
});

/** The held-out accuracies `adapt` prints (percent). */
function heldOut(stderr: string): { model: number; head: number; memory: number; both: number } {
  const m =
    /held-out accuracy \(\d+-fold cross-validation over \d+ words\): model ([\d.]+)%, retrained head ([\d.]+)%, memory of the examples ([\d.]+)%, both ([\d.]+)%/.exec(
      stderr,
    );
  assert.ok(m, stderr);
  return { model: Number(m[1]), head: Number(m[2]), memory: Number(m[3]), both: Number(m[4]) };
}

test('adapt ships the memory of the examples when it is better held out: a convention for one word applies to held-out text through --model', () => {
  // the planted convention: `that` is always PRON (a treebank whose annotators say so), every
  // other tag as the gold has it
  const dir = mkdtempSync(path.join(tmpdir(), 'adapt-memory-'));
  const train = path.join(dir, 'that.conllu');
  const withThat = SENTENCES.filter((s) => s.words.some(([a, b]) => s.text.slice(a, b).toLowerCase() === 'that'));
  assert.ok(withThat.length > 60, `${withThat.length} gold sentences with "that"`);
  const ruled = (s: Sentence) => s.upos.map((u, i) => (s.text.slice(...s.words[i]).toLowerCase() === 'that' ? 'PRON' : u));
  const half = Math.floor(withThat.length / 2);
  writeFileSync(
    train,
    conllu(
      withThat.slice(0, half).map((s) => ({ ...s, upos: ruled(s) })),
      (t) => t,
    ),
  );
  const out = path.join(dir, 'adapted');
  // a head held at the shipped weights (--l2 1000) cannot learn the rule: the memory must
  const r = run(['adapt', '--train', train, '--out', out, '--l2', '1000']);
  assert.equal(r.status, 0, r.stderr);
  const held = heldOut(r.stderr);
  assert.ok(held.memory > held.model + 1 && held.memory >= held.head, r.stderr);
  assert.match(r.stderr, /wrote .*\d+ remembered words \(adapted_memory\.json\)/);
  const memory = JSON.parse(readFileSync(path.join(out, 'adapted_memory.json'), 'utf8'));
  assert.equal(memory.format, 'bert-lstm-adapted-memory/1');
  assert.equal(memory.examples.length, memory.count);

  const test_ = withThat.slice(half);
  const input = test_.map((s) => s.text).join('\n');
  const thatAsPron = (args: string[]): { pron: number; all: number } => {
    const res = run(['--format', 'jsonl', '--workers', '1', ...args], input);
    assert.equal(res.status, 0, res.stderr);
    const words = jsonLines(res.stdout).filter((w) => 'label' in w);
    const thats = words.filter((w) => String(w.text).toLowerCase() === 'that');
    return { pron: thats.filter((w) => w.label === 'PRON').length, all: thats.length };
  };
  const before = thatAsPron([]);
  const after = thatAsPron(['--model', out]);
  assert.ok(before.all > 30, `${before.all} held-out "that"`);
  assert.ok(after.pron > before.pron + before.all * 0.2, `PRON "that": ${before.pron} → ${after.pron} of ${after.all}`);
});

test('adapt: bad input gets a clear message and writes nothing', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'adapt-bad-'));
  let r = run(['adapt', '--train', path.join(dir, 'none.conllu'), '--out', path.join(dir, 'o')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /none\.conllu cannot be read/);
  const odd = path.join(dir, 'a.xml');
  writeFileSync(odd, '<a/>');
  r = run(['adapt', '--train', odd, '--out', path.join(dir, 'o')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /the format is not known from its name/);
  const bad = path.join(dir, 'bad.conllu');
  writeFileSync(bad, '1\tword\t_\tNOUN\n');
  r = run(['adapt', '--train', bad, '--out', path.join(dir, 'o')]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /bad\.conllu:1: a CoNLL-U word line has 10 tab-separated columns/);
  r = run(['adapt', '--train', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--train FILE and --out DIR are needed/);
  r = run(['adapt', '--train', bad, '--out', path.join(REPO, 'models/default')]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--out must be a new folder, not the model itself/);
  assert.equal(existsSync(path.join(dir, 'o')), false);
});
