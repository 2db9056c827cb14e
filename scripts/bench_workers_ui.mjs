// What the editor's default number of inference workers (`bertLstm.workers`) is chosen by: how
// quickly the workbench answers typing while a long document is labeled with 1 worker and with
// one per core, against the same typing with no labeling at all, and how long the labeling
// takes. The packaged extension runs in code-server (real VS Code) and is driven in headless
// Chromium, as in the browser tests: a 150,000-word document is opened beside a scratch file
// (live labeling starts on open, the model loading lazily), and from that moment a character is
// typed into the scratch file every 60 ms until the document's run has ended (the scratch file's
// language is not labeled, so that run is the only one and the workers are all that differs). Each keystroke's latency is measured in the
// page: from the key event's timestamp to the first task after the next frame (what a user sees
// as the typed character's echo), beside the Event Timing API's durations of the same events.
// Configurations alternate, round after round (this VM's speed drifts over minutes).
//
//   node scripts/bench_workers_ui.mjs [--rounds N] [--words N]     (needs dist/ and scripts/setup)
// Prints a table and one line `BENCH_WORKERS_UI {json}`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { documentOfWords } from './bench_host.mjs';
import {
  dismissNotifications,
  installVsix,
  labelingState,
  launchBrowserProcess,
  openWorkbench,
  quickOpen,
  startCodeServer,
  testVsix,
  UI_SETTINGS,
  waitFor,
} from '../test/harness/codeserver.mjs';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, words: { type: 'string', default: '150000' } },
});
const ROUNDS = Number(values.rounds);
const WORDS = Number(values.words);
const KEY_INTERVAL_MS = 60;
const DOCUMENT = 'long.txt';
const SCRATCH = 'notes.log';
const BASELINE_MS = 8000;
const cores = availableParallelism();
const say = (s) => console.error(`[bench-workers-ui] ${s}`);

/** The configurations measured: no labeling (the machine's own latency), 1 worker, one per core. */
const CONFIGS = [
  { name: 'no labeling', settings: { 'bertLstm.live.enabled': false } },
  { name: '1 worker', settings: { 'bertLstm.workers': 1 } },
  ...(cores > 1 ? [{ name: `${cores} workers`, settings: { 'bertLstm.workers': cores } }] : []),
];

/** In the page: each keydown's latency to the first task after the next frame, and Event Timing's durations. */
function installProbe() {
  window.__keys = [];
  window.__keydowns = 0;
  window.__events = [];
  document.addEventListener(
    'keydown',
    (e) => {
      const t0 = e.timeStamp;
      window.__keydowns++;
      requestAnimationFrame(() => setTimeout(() => window.__keys.push(performance.now() - t0), 0));
    },
    true,
  );
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.name === 'keydown') window.__events.push(e.duration);
  }).observe({ type: 'event', durationThreshold: 16 });
}

/**
 * The text with its lines broken at spaces before `width` characters, as a wrapped text file is:
 * a paragraph on one line puts thousands of decorations in view, and the workbench's drawing of
 * them, not the labeling, would then be measured.
 */
function wrapLines(text, width) {
  return text
    .split('\n')
    .map((line) => line.replace(new RegExp(`(.{1,${width}})( +|$)`, 'g'), '$1\n').trimEnd())
    .join('\n');
}

const quantile = (xs, q) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

async function measure(config, vsixInstall, folder) {
  const base = mkdtempSync(path.join(tmpdir(), 'bench-workers-ui-'));
  const server = await startCodeServer({
    baseDir: base,
    extensionsDir: vsixInstall.extensionsDir,
    folder,
    settings: { ...UI_SETTINGS, ...config.settings },
  });
  const chromium = await launchBrowserProcess();
  try {
    const page = await openWorkbench(chromium.browser, server, folder);
    await dismissNotifications(page);
    // the scratch file on the left (its language is not labeled live: the long document's run is
    // the only one), the long document beside it, opened last: its run starts as typing does
    await quickOpen(page, SCRATCH);
    await page.keyboard.press('Control+Backslash');
    await quickOpen(page, DOCUMENT);
    await page.keyboard.press('Control+1');
    await page.keyboard.press('Control+End');
    await page.evaluate(installProbe);
    const opened = Date.now();
    // a key every KEY_INTERVAL_MS until the run has ended (with no labeling: for BASELINE_MS)
    let sawRun = false;
    let endedMs;
    const labeling = config.settings['bertLstm.live.enabled'] !== false;
    for (let i = 0; Date.now() - opened < (labeling ? 240_000 : BASELINE_MS); i++) {
      await page.keyboard.press(i % 6 === 5 ? 'Space' : 'KeyA');
      if (labeling) {
        const state = await labelingState(page);
        if (state === 'labeling') sawRun = true;
        else if (state === 'idle' && sawRun) {
          endedMs = Date.now() - opened;
          break;
        }
      }
      const wait = opened + (i + 1) * KEY_INTERVAL_MS - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await waitFor('ui', 'every keystroke measured', () => page.evaluate(() => window.__keys.length === window.__keydowns));
    const { keys, events } = await page.evaluate(() => ({ keys: window.__keys, events: window.__events }));
    return { keys, events, labeledMs: endedMs };
  } finally {
    await chromium.close();
    await server.stop();
    rmSync(base, { recursive: true, force: true });
  }
}

async function main() {
  const folder = mkdtempSync(path.join(tmpdir(), 'bench-workers-ui-doc-'));
  writeFileSync(path.join(folder, DOCUMENT), wrapLines(documentOfWords(WORDS), 100));
  writeFileSync(path.join(folder, SCRATCH), 'notes\n');
  const installBase = mkdtempSync(path.join(tmpdir(), 'bench-workers-ui-ext-'));
  const installed = await installVsix(await testVsix(say), { baseDir: installBase });
  const results = new Map(CONFIGS.map((c) => [c.name, { keys: [], events: [], labeledMs: [], perRound: [] }]));
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const config of round % 2 ? [...CONFIGS].reverse() : CONFIGS) {
        const r = await measure(config, installed, folder);
        const acc = results.get(config.name);
        acc.keys.push(...r.keys);
        acc.events.push(...r.events);
        if (r.labeledMs !== undefined) acc.labeledMs.push(r.labeledMs);
        acc.perRound.push({ p95: quantile(r.keys, 0.95), labeledMs: r.labeledMs });
        say(
          `round ${round + 1}, ${config.name}: ${r.keys.length} keys, p95 ${quantile(r.keys, 0.95).toFixed(1)} ms, labeled ${r.labeledMs ?? '–'} ms`,
        );
      }
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
    rmSync(installBase, { recursive: true, force: true });
  }
  const rows = [...results].map(([name, r]) => ({
    config: name,
    keys: r.keys.length,
    p50_ms: +quantile(r.keys, 0.5).toFixed(1),
    p95_ms: +quantile(r.keys, 0.95).toFixed(1),
    max_ms: +Math.max(...r.keys).toFixed(1),
    over_50ms: r.keys.filter((x) => x > 50).length,
    event_timing_over_16ms: r.events.length,
    event_timing_max_ms: r.events.length ? Math.max(...r.events) : 0,
    labeled_ms: r.labeledMs.length ? quantile(r.labeledMs, 0.5) : null,
    rounds: r.perRound,
  }));
  console.log(`${WORDS} words, a key every ${KEY_INTERVAL_MS} ms, ${ROUNDS} rounds, ${cores} cores`);
  console.log(
    '| configuration | keys | p50 ms | p95 ms | max ms | keys > 50 ms | keydowns > 16 ms (Event Timing), max | first run, median ms |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.config} | ${r.keys} | ${r.p50_ms} | ${r.p95_ms} | ${r.max_ms} | ${r.over_50ms} | ${r.event_timing_over_16ms}, ${r.event_timing_max_ms} | ${r.labeled_ms ?? '–'} |`,
    );
  console.log(`BENCH_WORKERS_UI ${JSON.stringify({ words: WORDS, cores, key_interval_ms: KEY_INTERVAL_MS, rounds: ROUNDS, rows })}`);
}

await main();
