// Runs inside the real extension host (code-server) as the "extension tests" module of
// scripts/bench_host.mjs, and measures there what a user waits for:
//   - cold activation: `activate()` of the extension, not yet active, in a fresh extension host
//     once the workbench's start-up is over, timed around vscode's own Extension.activate() (its
//     code loaded and its activate() run), beside the extension's own figure for the body of
//     activate();
//   - first labels: from the editor showing a 2,000-word document (the model not loaded yet: it
//     loads lazily) until the extension has set its label decorations on that editor, and until
//     the document's labels are stored; beside it, how long VS Code took to open the editor.
// It prints one line `BENCH_HOST {json}` and ends; a failure throws (the run exits non-zero).
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS: `vscode` exists only in the extension host
const vscode = require('vscode');

const EXTENSION_ID = 'bert-lstm-labeler.bert-lstm-labeler';
/** The document scripts/bench_host.mjs puts at the top of the workspace folder. */
const DOCUMENT = 'speech-2000-words.txt';

/** Resolves when check() returns a truthy value, polling every 2 ms; fails after timeoutMs. */
function until(what, check, timeoutMs) {
  const deadline = performance.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      let v;
      try {
        v = check();
      } catch (e) {
        reject(e);
        return;
      }
      if (v) resolve(v);
      else if (performance.now() > deadline) reject(new Error(`bench probe: timed out waiting for ${what}`));
      else setTimeout(tick, 2);
    };
    tick();
  });
}

/**
 * Waits until the extension host's event loop has kept time for a second (no 10 ms timer late
 * by more than 20 ms): the workbench's start-up done, as when a user opens a file in a window
 * that is up. Returns how long that took; gives up after maxMs.
 */
async function settle(maxMs) {
  const start = performance.now();
  let last = start;
  let quietSince = start;
  while (performance.now() - start < maxMs) {
    await new Promise((r) => setTimeout(r, 10));
    const now = performance.now();
    if (now - last > 30) quietSince = now;
    last = now;
    if (now - quietSince >= 1000) break;
  }
  return performance.now() - start;
}

exports.run = async function run() {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new Error('bench probe: no workspace folder is open');
  // a file: URI, as a user's file on the extension host's machine (the host tests open theirs so)
  const uri = vscode.Uri.file(`${folder.uri.path.replace(/\/$/, '')}/${DOCUMENT}`);
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`bench probe: extension ${EXTENSION_ID} is not loaded`);
  const settledMs = await settle(30_000);
  const wasActive = ext.isActive;
  const t0 = performance.now();
  const api = wasActive ? ext.exports : await ext.activate();
  const activateMs = performance.now() - t0;
  if (typeof api.decorationsFor !== 'function') throw new Error('bench probe: the extension has no test hooks (not in Test mode)');

  const t1 = performance.now();
  const doc = await vscode.workspace.openTextDocument(uri);
  const editor = await vscode.window.showTextDocument(doc);
  const t2 = performance.now();
  const openedMs = t2 - t1;
  await until('the first label decorations', () => api.decorationsFor(editor).some((d) => d.ranges.length > 0), 60_000);
  const firstLabelsMs = performance.now() - t2;
  const labels = await until("the document's labels", () => api.labelsFor(doc), 60_000);
  const storedMs = performance.now() - t2;
  const words = doc.getText().split(/\s+/).filter(Boolean).length;
  const result = {
    settled_after_ms: settledMs,
    was_active: wasActive,
    activate_ms: wasActive ? null : activateMs,
    activation_body_ms: api.activationMs,
    opened_ms: openedMs,
    first_labels_ms: firstLabelsMs,
    labels_stored_ms: storedMs,
    words,
    labeled_words: labels.length,
    vscode: vscode.version,
  };
  console.log(`BENCH_HOST ${JSON.stringify(result)}`);
};
