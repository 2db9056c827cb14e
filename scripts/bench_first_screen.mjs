// Benchmark: the first screen of a long document (`npm run bench:first-screen`, after
// `npx tsc -p .`). The 5,000-line document of test/shared/long_text.ts (State of the Union
// sentences, made at run time), "scrolled" to its middle: 50 visible lines and the editor's
// margin of 10 lines each side, the cursor on the first visible line. Measured the way the
// editor's labeling runs do it (core/labeler.ts with `priority` and `onProgress`):
//   - cold: from Labeler.open (the model loaded: bundle, tokenizer, worker, session) to the
//     first partial labels that hold every visible segment;
//   - warm: the same with the model loaded and an empty segment cache (a newly opened document);
//   - the whole run, and the same run in document order (no priority), whose labels come all
//     at once at its end: the time to the first visible labels without the ordering;
//   - that the ordered run's labels equal the document-order run's.
// Prints the figures and one JSON line; bench/RESULTS.md gets them by hand, in a dated section
// (npm run bench rewrites that file's first section only).
import { cpus, loadavg } from 'node:os';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { Labeler } = require(path.join(ROOT, 'out/src/core/labeler.js'));
const { SegmentCache } = require(path.join(ROOT, 'out/src/core/segments.js'));
const { longText } = require(path.join(ROOT, 'out/test/shared/long_text.js'));

const MODEL = process.env.BENCH_MODEL ?? path.join(ROOT, 'models/default');
const LINES = Number(process.env.BENCH_LINES ?? 5000);
const VISIBLE_LINES = 50;
const MARGIN_LINES = 10;

const text = longText({ lines: LINES });
const lineStarts = [0];
for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
const lineEnd = (n) => (n + 1 < lineStarts.length ? lineStarts[n + 1] - 1 : text.length);
const firstVisible = Math.floor(lineStarts.length / 2);
const priority = [
  { start: lineStarts[firstVisible], end: lineEnd(firstVisible) },
  { start: lineStarts[firstVisible - MARGIN_LINES], end: lineEnd(firstVisible + VISIBLE_LINES + MARGIN_LINES) },
];

/** One ordered run: ms to the first partial labels holding the visible segments, and to the end. */
async function orderedRun(labeler, t0) {
  let firstMs;
  let firstWords = 0;
  let partialDone;
  const result = await labeler.label(text, {
    cache: new SegmentCache(),
    priority: () => priority,
    onProgress: (p) => {
      if (p.priorityDone && partialDone === undefined && p.done < p.total) {
        partialDone = p.partial().then((r) => {
          firstMs = performance.now() - t0;
          firstWords = r.words.length;
        });
      }
    },
  });
  const endMs = performance.now() - t0;
  await partialDone;
  return { firstMs: firstMs ?? endMs, firstWords, endMs, result };
}

const key = (r) => r.words.map((w) => `${w.start}-${w.end}:${w.label}:${w.score.toFixed(6)}`).join('\n');

const tOpen = performance.now();
const opened = await Labeler.open(MODEL, { workerPath: path.join(ROOT, 'out/src/core/engine_worker.js') });
if (!opened.ok) throw new Error(opened.problems.join('; '));
const labeler = opened.value;
const openMs = performance.now() - tOpen;
const cold = await orderedRun(labeler, tOpen);
const warm = await orderedRun(labeler, performance.now());
const t1 = performance.now();
const plain = await labeler.label(text, { cache: new SegmentCache() });
const plainMs = performance.now() - t1;
const identical = key(warm.result) === key(plain) && key(cold.result) === key(plain);
await labeler.dispose();

const summary = {
  lines: lineStarts.length,
  chars: text.length,
  segments: plain.segments.total,
  words: plain.words.length,
  model_open_ms: Math.round(openMs),
  cold_first_visible_ms: Math.round(cold.firstMs),
  warm_first_visible_ms: Math.round(warm.firstMs),
  first_partial_words: warm.firstWords,
  warm_whole_run_ms: Math.round(warm.endMs),
  document_order_run_ms: Math.round(plainMs),
  identical,
};
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, load average ${loadavg()[0].toFixed(2)}\n` +
    `document: ${summary.lines} lines, ${summary.chars} characters, ${summary.words} words, ${summary.segments} segments; visible lines ${firstVisible}-${firstVisible + VISIBLE_LINES}\n` +
    `cold (model open ${summary.model_open_ms} ms included): first visible labels after ${summary.cold_first_visible_ms} ms\n` +
    `warm: first visible labels after ${summary.warm_first_visible_ms} ms (${summary.first_partial_words} words), whole run ${summary.warm_whole_run_ms} ms\n` +
    `document order (labels all at once at the end): ${summary.document_order_run_ms} ms; labels identical: ${identical}`,
);
console.log(JSON.stringify(summary));
if (!identical) process.exit(1);
