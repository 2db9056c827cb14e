// Learning curve of learning from corrections: a simulated user corrects sentences of text
// labeled in another convention than the model's, and the accuracy on held-out text is measured
// after 0, 10, 50, 200, 500 and 1,000 corrected sentences, for the instant tier (the memory),
// the retrained head, and both.
//
// The data: Brown's test split (the documents the shipped model never saw in training; Brown is
// the one corpus the project may use), with the project's UD words and UPOS tags
// (training/evaluate.py write_eval_sentences), relabeled in the convention of Petrov et al.'s
// universal tagset as far as the model's labels allow: no AUX (VERB), no PROPN (NOUN), no SCONJ
// (ADP), no SYM or INTJ (X). Documents are split in two: the user corrects sentences of the
// first 60% in order; the rest is held out. A corrected sentence gives every word's gold label.
//
// Every number comes from the shipped model run by onnxruntime-node through the extension's
// core: each word's features are the labeler's (`wordFeatures`, the same segments and windows
// as labeling), the model's own labels are the shipped head's on them (`first` aggregation),
// the memory and the retrained head are core/adapt's, and the blend is adapt/apply.ts's rule.
// The memory's threshold and blend weight are chosen on a development part of the corrected
// documents (not the held-out ones). Writes bench/learning_curve.json, the table in
// docs/ADAPT.md (between the learning-curve markers) and docs/learning_curve.png
// (scripts/learning_curve_plot.py, matplotlib).
//
//   npx tsc -p . && flock /work/heavy.lock node scripts/learning_curve.mjs
//   node scripts/learning_curve.mjs --quick    (a few sentences, nothing written: checks the script runs)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Labeler } = require(path.join(ROOT, 'out/src/core/labeler.js'));
const { CorrectionMemory, wordForm } = require(path.join(ROOT, 'out/src/core/adapt/memory.js'));
const { trainHead, headLogits, crossValidate } = require(path.join(ROOT, 'out/src/core/adapt/head.js'));

const QUICK = process.argv.includes('--quick');
const STEPS = QUICK ? [0, 10, 40] : [0, 10, 50, 200, 500, 1000];
const CONVENTION = { AUX: 'VERB', PROPN: 'NOUN', SCONJ: 'ADP', SYM: 'X', INTJ: 'X' };
const convert = (tag) => CONVENTION[tag] ?? tag;
const MODEL = path.join(ROOT, 'models/default');
const DATA = path.join(ROOT, 'bench/tmp/learning_curve_sentences.jsonl');

if (!existsSync(DATA)) {
  mkdirSync(path.dirname(DATA), { recursive: true });
  execFileSync(
    '/usr/bin/python3',
    [
      '-c',
      `from pathlib import Path; from training.evaluate import write_eval_sentences; write_eval_sentences(Path(${JSON.stringify(DATA)}), "test")`,
    ],
    { cwd: ROOT, stdio: 'inherit' },
  );
}
const sentences = readFileSync(DATA, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const docIds = [...new Set(sentences.map((s) => s.doc))];
const poolDocs = new Set(docIds.slice(0, Math.round(docIds.length * 0.6)));
const pool = sentences.filter((s) => poolDocs.has(s.doc));
const heldAll = sentences.filter((s) => !poolDocs.has(s.doc));
const HELD_EVERY = QUICK ? 40 : 2; // every other held-out sentence: enough words, half the model time
const held = heldAll.filter((_, i) => i % HELD_EVERY === 0);
const DEV = QUICK ? 20 : 300; // sentences after the largest step, from the corrected documents, to choose the blend
const corrected = pool.slice(0, STEPS[STEPS.length - 1]);
const dev = pool.slice(STEPS[STEPS.length - 1], STEPS[STEPS.length - 1] + DEV);

const opened = await Labeler.open(MODEL, { threads: 1 });
if (!opened.ok) throw new Error(opened.problems.join('; '));
const labeler = opened.value;
const base = labeler.baseHead;
if (!base) throw new Error(labeler.learningOff);
const labelIndex = new Map(labeler.labels.map((l, i) => [l, i]));
const D = base.dim;
const L = base.labels.length;

/** Every word of the sentences with its features, gold label (converted) and form, a document at a time. */
async function featurize(list) {
  const byDoc = new Map();
  for (const s of list) (byDoc.get(s.doc) ?? byDoc.set(s.doc, []).get(s.doc)).push(s);
  const words = [];
  for (const sents of byDoc.values()) {
    let text = '';
    const spans = [];
    const meta = [];
    for (const s of sents) {
      const at = text.length;
      s.words.forEach(([a, b], i) => {
        spans.push({ start: at + a, end: at + b });
        meta.push({ sentence: s, label: convert(s.upos[i]), form: wordForm(s.text.slice(a, b)) });
      });
      text += s.text + '\n\n';
    }
    const f = await labeler.wordFeatures(text, spans);
    if (!f.ok) throw new Error(f.problems.join('; '));
    meta.forEach((m, i) => {
      if (f.value.features[i] && labelIndex.has(m.label)) words.push({ ...m, features: f.value.features[i], y: labelIndex.get(m.label) });
    });
  }
  return words;
}

const t0 = performance.now();
const [corrWords, devWords, heldWords] = [await featurize(corrected), await featurize(dev), await featurize(held)];
const featuresS = (performance.now() - t0) / 1000;
await labeler.dispose();

/** CPU seconds of this thread's process since `from` (the machine may be shared: wall time would count the others). */
const cpuS = (from) => {
  const u = process.cpuUsage(from);
  return (u.user + u.system) / 1e6;
};

const logits = new Float32Array(L);
function probs(head, f) {
  headLogits(head, f, 0, logits);
  let max = -Infinity;
  for (let l = 0; l < L; l++) max = Math.max(max, logits[l]);
  let z = 0;
  const p = new Float32Array(L);
  for (let l = 0; l < L; l++) z += p[l] = Math.exp(logits[l] - max);
  for (let l = 0; l < L; l++) p[l] /= z;
  return p;
}
const argmax = (p) => p.reduce((b, x, i) => (x > p[b] ? i : b), 0);

function accuracy(words, head, memory, weight) {
  let ok = 0;
  for (const w of words) {
    const p = probs(head, w.features);
    const m = memory?.nearest(w.features, 0, w.form);
    const li = m && labelIndex.get(m.label);
    if (li !== undefined) for (let l = 0; l < L; l++) p[l] = (1 - weight) * p[l] + (l === li ? weight : 0);
    ok += argmax(p) === w.y ? 1 : 0;
  }
  return ok / words.length;
}

const sentenceSet = (n) => new Set(corrected.slice(0, n));
function memoryOf(n, threshold) {
  const set = sentenceSet(n);
  const m = new CorrectionMemory(D, threshold);
  for (const w of corrWords)
    if (set.has(w.sentence)) m.add(w.features, 0, labeler.labels[w.y], { file: 'sim', line: 1, word: w.form, kind: 'correction' });
  return m;
}
function examplesOf(n) {
  const set = sentenceSet(n);
  const rows = corrWords.filter((w) => set.has(w.sentence));
  const features = new Float32Array(rows.length * D);
  rows.forEach((w, i) => features.set(w.features, i * D));
  const sIndex = new Map(corrected.map((s, i) => [s, i]));
  return {
    count: rows.length,
    features,
    labels: Int32Array.from(rows.map((w) => w.y)),
    groups: Int32Array.from(rows.map((w) => sIndex.get(w.sentence))),
  };
}

// the memory's threshold and weight, chosen on the development sentences after 200 corrected ones
const grid = [];
for (const threshold of [0.8, 0.85, 0.9, 0.95, 0.98]) {
  const m = memoryOf(STEPS[Math.min(3, STEPS.length - 1)], threshold);
  for (const weight of [0.3, 0.5, 0.8]) grid.push({ threshold, weight, dev: accuracy(devWords, base, m, weight) });
}
grid.sort((a, b) => b.dev - a.dev || b.threshold - a.threshold);
const { threshold, weight } = grid[0];
console.log(`memory blend chosen on ${devWords.length} development words: threshold ${threshold}, weight ${weight}`);

const rows = [];
for (const n of STEPS) {
  const memory = n ? memoryOf(n, threshold) : undefined;
  const ex = examplesOf(n);
  const tTrain = process.cpuUsage();
  const head = n ? trainHead(base, ex) : base;
  const trainS = cpuS(tTrain);
  const row = {
    sentences: n,
    tokens: ex.count,
    model: accuracy(heldWords, base),
    memory: accuracy(heldWords, base, memory, weight),
    head: accuracy(heldWords, head),
    both: accuracy(heldWords, head, memory, weight),
    trainS,
  };
  rows.push(row);
  console.log(JSON.stringify(row));
}

// retraining on 10,000 corrected tokens, and the cross-validation that decides whether to keep it
const big = examplesOf(corrected.length);
const ten = { ...big, count: Math.min(10_000, big.count), features: big.features.subarray(0, Math.min(10_000, big.count) * D) };
let t = process.cpuUsage();
trainHead(base, ten);
const train10kS = cpuS(t);
t = process.cpuUsage();
crossValidate(base, ten, {}, 3);
const cv10kS = cpuS(t);

if (QUICK) {
  console.log(JSON.stringify({ train10kS, cv10kS, rows }, null, 1));
  process.exit(0);
}
const result = {
  date: new Date().toISOString().slice(0, 10),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version} (one thread)`,
  convention: CONVENTION,
  documents: { corrected: poolDocs.size, heldOut: docIds.length - poolDocs.size },
  words: { corrected: corrWords.length, development: devWords.length, heldOut: heldWords.length },
  featuresS,
  blend: { threshold, weight, grid },
  rows,
  retrain10k: { tokens: ten.count, trainS: train10kS, crossValidationS: cv10kS },
};
writeFileSync(path.join(ROOT, 'bench/learning_curve.json'), JSON.stringify(result, null, 1) + '\n');

const pct = (x) => (100 * x).toFixed(1);
const table = [
  `Measured ${result.date} on ${result.machine}: ${result.words.heldOut.toLocaleString('en-US')} held-out words of ${result.documents.heldOut} Brown test documents; the user corrects sentences of the other ${result.documents.corrected}, in order. Convention: ${Object.entries(
    CONVENTION,
  )
    .map(([a, b]) => `${a}→${b}`)
    .join(
      ', ',
    )}. Memory: threshold ${threshold}, weight ${weight} (chosen on ${result.words.development.toLocaleString('en-US')} development words).`,
  '',
  '| corrected sentences | tokens | model | instant tier (memory) | retrained head | both | training (CPU) |',
  '|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.sentences.toLocaleString('en-US')} | ${r.tokens.toLocaleString('en-US')} | ${pct(r.model)}% | ${pct(r.memory)}% | ${pct(r.head)}% | ${pct(r.both)}% | ${r.sentences ? `${r.trainS.toFixed(1)} s` : '—'} |`,
  ),
  '',
  `Retraining the head on ${ten.count.toLocaleString('en-US')} tokens: ${train10kS.toFixed(1)} s of CPU on one thread; its 3-fold cross-validation (three more trainings on two thirds each): ${cv10kS.toFixed(1)} s.`,
].join('\n');
const docFile = path.join(ROOT, 'docs/ADAPT.md');
const doc = readFileSync(docFile, 'utf8');
const begin = '<!-- learning-curve -->';
const end = '<!-- /learning-curve -->';
if (doc.includes(begin) && doc.includes(end)) {
  writeFileSync(docFile, doc.slice(0, doc.indexOf(begin) + begin.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(end)));
}
execFileSync('/usr/bin/python3', [path.join(ROOT, 'scripts/learning_curve_plot.py')], { cwd: ROOT, stdio: 'inherit' });
console.log(table);
