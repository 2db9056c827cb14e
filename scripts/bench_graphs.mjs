// Graph against graph, in one process: `node scripts/bench_graphs.mjs BUNDLE... [--windows FILE]`
// runs each bundle's model.onnx on the same windows, one at a time (as the extension runs an
// int8 model), with the session options of the extension's inference worker (one thread,
// spinning off), in interleaved rounds so that the machine's drift falls on all of them alike,
// and prints each one's median time over the windows and its speed against the first bundle:
// once fetching every output (the panel open) and once the logits only. FILE: JSON lines with
// `input_ids` (e.g. the windows `python3 -m training evaluate` writes under training/runs);
// without it, 300 windows of the first bundle's max_length with ids drawn from its vocabulary.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { bundleVocab, syntheticWindow } from './bundle_vocab.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const args = process.argv.slice(2);
const wi = args.indexOf('--windows');
const windowsFile = wi >= 0 ? args.splice(wi, 2)[1] : undefined;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const bundles = args;
if (!bundles.length) {
  console.error('usage: node scripts/bench_graphs.mjs BUNDLE... [--windows FILE]');
  process.exit(2);
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const cfg = JSON.parse(readFileSync(path.join(bundles[0], 'config.json'), 'utf8'));
let windows;
if (windowsFile) {
  windows = readFileSync(windowsFile, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).input_ids);
} else {
  let seed = 1;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const L = cfg.max_length ?? 128;
  // ids every bundle given knows: those of the smallest vocabulary
  const vocab = bundles.map(bundleVocab).reduce((a, b) => (b.size < a.size ? b : a));
  windows = Array.from({ length: 300 }, () => syntheticWindow(vocab, L, rand));
}
const pieces = windows.reduce((s, w) => s + w.length, 0);
const feeds = windows.map((ids) => ({
  input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]),
  attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
}));

const sessions = [];
for (const b of bundles) {
  sessions.push(
    await ort.InferenceSession.create(path.join(b, 'model.onnx'), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      extra: { 'session.intra_op.allow_spinning': '0', 'session.inter_op.allow_spinning': '0' },
    }),
  );
}
const fetchSets = {
  all: (s) => s.outputNames.filter((n) => n !== 'token_features'),
  logits: (s) => s.outputNames.filter((n) => n === 'token_logits' || n === 'sequence_logits' || n === 'logits'),
};
const times = Object.fromEntries(Object.keys(fetchSets).map((k) => [k, sessions.map(() => [])]));
for (const s of sessions) for (const f of feeds.slice(0, 10)) await s.run(f); // warm-up
for (let r = 0; r < ROUNDS; r++) {
  for (const [k, fetch] of Object.entries(fetchSets)) {
    for (let j = 0; j < sessions.length; j++) {
      const i = (j + r) % sessions.length; // rotate the order each round
      const s = sessions[i];
      const names = fetch(s);
      const t0 = performance.now();
      for (const f of feeds) await s.run(f, names);
      times[k][i].push(performance.now() - t0);
    }
  }
}
console.log(`${windows.length} windows, ${pieces} pieces, ${ROUNDS} rounds, one thread; medians`);
console.log('| bundle | fetched | ms | ms per window | pieces/s | speed vs the first |');
console.log('|---|---|---|---|---|---|');
const result = {};
for (const k of Object.keys(fetchSets)) {
  const base = median(times[k][0]);
  bundles.forEach((b, i) => {
    const ms = median(times[k][i]);
    result[`${path.basename(b)}:${k}`] = +(base / ms).toFixed(3);
    console.log(
      `| ${path.basename(b)} | ${k} | ${ms.toFixed(0)} | ${(ms / windows.length).toFixed(3)} | ${Math.round(pieces / (ms / 1000))} | ${(base / ms).toFixed(3)} |`,
    );
  });
}
const allBase = median(times.all[0]);
bundles.forEach((b, i) => (result[`${path.basename(b)}:logits_vs_first_all`] = +(allBase / median(times.logits[i])).toFixed(3)));
console.log(JSON.stringify(result));
