// The benchmark's kernel floor: how long one window of the model would take if it were nothing
// but its kernels, each at the rate ONNX Runtime reaches for it alone at the model's shapes.
// scripts/bench_floor.py writes one small graph per kernel (int8 DynamicQuantizeMatMul at each
// of the model's matrix shapes, the attention core, the LSTM's steps, the element-wise passes)
// and how many times a window runs it; each graph runs here in the same process as the rest of
// the benchmark, one thread, and ONNX Runtime's own profiler times the kernel (so the cost of
// calling session.run from JavaScript is not counted: the floor is kernels only). Where a part
// has two ways (fused or plain attention, fp32 or int8 LSTM), the cheaper counts. The real model
// is profiled the same way on one full window, to say how much of its run is kernels.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { bundleVocab, syntheticWindow } from './bundle_vocab.mjs';

const WARM = 5;
const RUNS = 40;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Per run (model_run event): the summed kernel time, in µs, and the run itself. */
function profileRuns(dir, prefix) {
  const file = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith('.json'));
  if (!file) throw new Error(`ONNX Runtime wrote no profile for ${prefix}`);
  const events = JSON.parse(readFileSync(path.join(dir, file), 'utf8'));
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts - b.ts);
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  return runs.map((r) => {
    const inRun = kernels.filter((k) => k.ts >= r.ts && k.ts <= r.ts + r.dur);
    const byOp = {};
    for (const k of inRun) byOp[k.args?.op_name ?? '?'] = (byOp[k.args?.op_name ?? '?'] ?? 0) + k.dur;
    return { kernelUs: inRun.reduce((s, k) => s + k.dur, 0), runUs: r.dur, byOp };
  });
}

function randomFeeds(ort, inputs) {
  const feeds = {};
  for (const [name, dims] of inputs) {
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[name] = new ort.Tensor(
      'float32',
      Float32Array.from({ length: n }, () => Math.random() - 0.5),
      dims,
    );
  }
  return feeds;
}

async function profiled(ort, file, prefix, dir, threads, run) {
  const session = await ort.InferenceSession.create(file, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    enableProfiling: true,
    profileFilePrefix: path.join(dir, prefix),
  });
  const wall = [];
  for (let i = 0; i < WARM + RUNS; i++) {
    const t0 = performance.now();
    await run(session);
    wall.push(performance.now() - t0);
  }
  session.endProfiling();
  await session.release();
  return { runs: profileRuns(dir, prefix).slice(WARM), wallMs: median(wall.slice(WARM)) };
}

/**
 * The floor of `modelDir`'s model: per kernel its median time (µs) at the model's window length,
 * the cheaper of each group, the floor of one full window (ms), and `floorOf(L)` for a window of
 * L pieces (each kernel scaled by its work: linear in L, the attention core quadratic; kernels
 * run less efficiently on smaller shapes, so this floor is lower than any measured one).
 * Also the real model on one full window: its kernels' sum and its run, profiled the same way.
 */
export async function kernelFloor(ort, modelDir, threads, tmpDir, fetches) {
  const dir = path.join(tmpDir, 'floor');
  rmSync(dir, { recursive: true, force: true });
  execFileSync('/usr/bin/python3', [path.join(path.dirname(new URL(import.meta.url).pathname), 'bench_floor.py'), modelDir, dir]);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  for (const k of manifest.kernels) {
    const feeds = randomFeeds(ort, k.inputs);
    const r = await profiled(ort, path.join(dir, k.file), `prof-${k.file}`, dir, threads, (s) => s.run(feeds));
    k.us = median(r.runs.map((x) => x.kernelUs));
  }
  const chosen = new Map();
  for (const k of manifest.kernels) {
    const best = chosen.get(k.group);
    if (!best || k.us * k.count < best.us * best.count) chosen.set(k.group, k);
  }
  const parts = [...chosen.values()];
  const S = manifest.length;
  const floorOf = (L) => parts.reduce((s, k) => s + (k.count * k.us * (Math.min(L, S) / S) ** k.scale) / 1000, 0);
  // the real model on one full window, with the labeler's fetches
  const ids = BigInt64Array.from(syntheticWindow(bundleVocab(modelDir), S, (i) => ((i * 7919) % 20000) / 20000).map(BigInt));
  const mask = new BigInt64Array(S).fill(1n);
  const model = await profiled(ort, path.join(modelDir, 'model.onnx'), 'prof-model', dir, threads, (s) =>
    s.run(
      Object.fromEntries(
        s.inputNames.map((n) => [
          n,
          new ort.Tensor('int64', n === 'input_ids' ? ids : n === 'attention_mask' ? mask : new BigInt64Array(S), [1, S]),
        ]),
      ),
      fetches?.filter((f) => s.outputNames.includes(f)),
    ),
  );
  const byOp = {};
  for (const r of model.runs) for (const [op, us] of Object.entries(r.byOp)) (byOp[op] ??= []).push(us);
  const ffn = manifest.kernels.find((k) => k.name === 'int8 MatMul FFN in');
  rmSync(dir, { recursive: true, force: true });
  return {
    length: S,
    kernels: manifest.kernels.map(({ name, count, us, gops, group }) => ({
      name,
      count,
      us,
      gops,
      counted: chosen.get(group)?.name === name,
    })),
    floorMs: floorOf(S),
    floorOf,
    int8Gops: ffn ? ffn.gops / (ffn.us / 1e6) : null,
    model: {
      wallMs: model.wallMs,
      runMs: median(model.runs.map((r) => r.runUs)) / 1000,
      kernelMs: median(model.runs.map((r) => r.kernelUs)) / 1000,
      byOpMs: Object.fromEntries(
        Object.entries(byOp)
          .map(([op, xs]) => [op, median(xs) / 1000])
          .sort((a, b) => b[1] - a[1]),
      ),
    },
  };
}

/** A Markdown table of the floor's kernels. */
export function floorTable(floor) {
  const rows = floor.kernels.map(
    (k) =>
      `| ${k.name} | ${k.count} | ${k.us.toFixed(1)} | ${k.gops ? (k.gops / (k.us / 1e6)).toFixed(0) : '–'} | ${k.counted ? ((k.count * k.us) / 1000).toFixed(3) : '(not counted)'} |`,
  );
  return [
    `| kernel (one window of ${floor.length} pieces) | per window | µs each | GOP/s | ms in the floor |`,
    '|---|---|---|---|---|',
    ...rows,
    `| **floor** | | | | **${floor.floorMs.toFixed(3)}** |`,
  ].join('\n');
}
