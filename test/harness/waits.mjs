// Every wait of the browser harness goes through `waitFor`: a condition polled until it holds,
// under one timeout per kind of wait, and an error naming what did not happen. There are no
// fixed sleeps: a test that waits for time instead of for a condition passes or fails with the
// machine's load. The timeouts are chosen from the measured times (docs/RELIABILITY.md,
// "Flakes") with a wide margin, because the machines these tests run on are shared; they bound
// a hang, they say nothing about speed (speed belongs in the bench scripts).
// Each wait's duration is appended to $TEST_ARTIFACTS/waits.jsonl (one JSON object a line), so
// that the margins can be checked against what a run measured.
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** Where screenshots, failure reports and the wait log go. */
export const ARTIFACTS = path.resolve(process.env.TEST_ARTIFACTS ?? path.join(ROOT, 'test-artifacts'));

/** One timeout per kind of wait, in ms: each at least 15 times the longest measured. */
export const TIMEOUTS = Object.freeze({
  /** code-server answers, the workbench is drawn and lists the folder. */
  workbench: 120_000,
  /** a labeling run (live or by command) has drawn its decorations and finished; a model load. */
  labeling: 120_000,
  /** a webview's frame is found and its content drawn (also after a theme change or reload). */
  webview: 90_000,
  /** the workbench reacts to a key, click or command: a quick input, a hover, the status bar. */
  ui: 30_000,
});

const POLL_MS = 100;

/**
 * Polls `check` (sync or async) until it returns a truthy value, and returns that value. After
 * TIMEOUTS[kind] ms it throws "<what> did not happen within N s (<kind> wait)", followed by
 * `detail()` when given (what was seen instead). A check that throws counts as not yet.
 */
export async function waitFor(kind, what, check, { timeout = TIMEOUTS[kind], detail } = {}) {
  if (!(kind in TIMEOUTS)) throw new Error(`unknown kind of wait "${kind}" (kinds: ${Object.keys(TIMEOUTS).join(', ')})`);
  const t0 = Date.now();
  let lastError;
  for (;;) {
    try {
      const v = await check();
      if (v) {
        record(kind, what, Date.now() - t0, true);
        return v;
      }
    } catch (e) {
      lastError = e;
    }
    if (Date.now() - t0 > timeout) {
      record(kind, what, Date.now() - t0, false);
      let seen = '';
      if (detail)
        seen = await Promise.resolve()
          .then(detail)
          .then(
            (d) => (d ? `; ${d}` : ''),
            () => '',
          );
      const last = lastError ? `; the check's last error: ${lastError.message?.split('\n')[0]}` : '';
      throw new Error(`${what} did not happen within ${Math.round(timeout / 1000)} s (${kind} wait)${seen}${last}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function record(kind, what, ms, ok) {
  try {
    mkdirSync(ARTIFACTS, { recursive: true });
    const test = process.env.E2E_TEST_NAME ?? path.basename(process.argv[1] ?? '');
    appendFileSync(path.join(ARTIFACTS, 'waits.jsonl'), JSON.stringify({ kind, what, ms, ok, test, at: new Date().toISOString() }) + '\n');
  } catch {
    /* the log is a measurement aid: a full disk must not fail the test */
  }
}
