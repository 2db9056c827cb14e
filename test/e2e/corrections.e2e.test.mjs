// End-to-end: correcting a label from the keyboard in real VS Code (code-server) through
// headless Chromium. A document in a temporary workspace is labeled; the cursor goes to "cat"
// with the arrow keys; Ctrl+Shift+Alt+K opens the quick pick (labels by the model's
// probability, the current one marked); the second label is chosen with the arrow keys and
// Enter. Then: the sidecar file has the correction, a box is drawn around the word, the hover
// says "corrected". Screenshots go to test-artifacts/ (git-ignored).
//
//   node --test test/e2e/corrections.e2e.test.mjs        (packages the extension first)
//   E2E_VSIX=path/to.vsix node --test test/e2e/corrections.e2e.test.mjs
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import {
  ARTIFACTS,
  dismissNotifications,
  installVsix,
  launchBrowser,
  openWorkbench,
  parkCursor,
  quickOpen,
  reportFailure,
  ROOT,
  runCommand,
  startCodeServer,
  testVsix,
  UI_SETTINGS,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';

const TEXT = 'The cat sat on the mat.\nA dog slept near the door.\n';
const log = (s) => console.log(`[e2e corrections] ${s}`);

/** The boxes drawn around words (corrections): overlays with a visible border on all four sides. */
async function correctionBoxes(page) {
  return page.evaluate(() => {
    const out = [];
    for (const box of document.querySelectorAll('.editor-instance .monaco-editor .view-overlays .cdr')) {
      const cs = getComputedStyle(box);
      if (cs.borderTopStyle !== 'solid' || cs.borderLeftStyle !== 'solid' || parseFloat(cs.borderTopWidth) < 1) continue;
      const r = box.getBoundingClientRect();
      out.push({ color: cs.borderTopColor, rect: { left: r.left, top: r.top, width: r.width, height: r.height } });
    }
    return out;
  });
}

test('correct a label from the keyboard: quick pick by probability, sidecar written, box drawn, hover says corrected', { timeout: 25 * 60_000 }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const vsix = await testVsix(log);
  const base = mkdtempSync(path.join(tmpdir(), 'bert-lstm-e2e-corr-'));
  const workspace = path.join(base, 'workspace');
  mkdirSync(workspace);
  const docFile = path.join(workspace, 'pets.txt');
  writeFileSync(docFile, TEXT);
  const serverLog = [];
  let server;
  let browser;
  let page;
  let step = 'install the .vsix';
  try {
    await installVsix(vsix, { baseDir: base, log: (s) => serverLog.push(s) });
    step = 'start code-server';
    server = await startCodeServer({ baseDir: base, folder: workspace, settings: UI_SETTINGS, log: (s) => serverLog.push(s) });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server, workspace);
    await page.waitForTimeout(2000);
    await dismissNotifications(page);

    step = 'open and label the document';
    await quickOpen(page, 'pets.txt');
    await runCommand(page, 'BERT+LSTM: Label Document');
    await waitForLabelDecorations(page, { min: 6, timeout: 240_000 });

    step = 'move the cursor into "cat" with the keyboard';
    await page.locator('.editor-instance .monaco-editor .view-lines').first().click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');

    step = 'Ctrl+Shift+Alt+K opens the quick pick';
    await page.keyboard.press('Control+Shift+Alt+K');
    const widget = page.locator('.quick-input-widget');
    await widget.locator('.monaco-list-row').first().waitFor({ state: 'visible', timeout: 60_000 });
    await page.waitForTimeout(300);
    const rows = await widget.locator('.monaco-list-row').allTextContents();
    log(`quick pick rows: ${JSON.stringify(rows.slice(0, 5))}`);
    const title = await widget.locator('.quick-input-title').textContent();
    assert.match(title ?? '', /Correct the label of "cat"/);
    const pcts = rows.map((r) => Number(/(\d+(?:\.\d+)?)%/.exec(r)?.[1] ?? NaN)).filter((x) => !Number.isNaN(x));
    assert.ok(pcts.length >= 3, `rows show probabilities: ${JSON.stringify(rows.slice(0, 5))}`);
    assert.deepEqual(pcts, [...pcts].sort((a, b) => b - a), 'rows are sorted by probability');
    assert.match(rows[0], /\(current\)/, 'the most probable label is the current one, marked');
    // A row's text is its label then its description (no space between them in the DOM).
    const labels = Object.values(JSON.parse(readFileSync(path.join(ROOT, 'models/default/config.json'), 'utf8')).id2label);
    const labelOf = (row) => labels.filter((l) => row.trim().startsWith(l)).sort((a, b) => b.length - a.length)[0];
    const current = labelOf(rows[0]);
    const chosen = labelOf(rows[1]);
    assert.ok(current && chosen, `labels read from the rows: ${current}, ${chosen}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-correct-pick.png'), fullPage: true });

    step = `choose "${chosen}" with ArrowDown and Enter`;
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await widget.waitFor({ state: 'hidden', timeout: 30_000 });

    step = 'the sidecar file has the correction';
    const sidecar = docFile + '.labels.jsonl';
    const deadline = Date.now() + 30_000;
    while (!existsSync(sidecar) && Date.now() < deadline) await page.waitForTimeout(200);
    const lines = readFileSync(sidecar, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines[0].schema, 'bert-lstm-annotations');
    assert.deepEqual(lines.slice(1).map((a) => [a.start, a.end, a.text, a.label, a.source]), [[4, 7, 'cat', chosen, 'corrected']]);
    assert.notEqual(chosen, current);

    step = 'a box is drawn around the corrected word';
    await parkCursor(page);
    let boxes = [];
    for (let i = 0; i < 50 && !boxes.length; i++) {
      boxes = await correctionBoxes(page);
      if (!boxes.length) await page.waitForTimeout(200);
    }
    assert.equal(boxes.length, 1, `one correction box (got ${boxes.length})`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-corrected.png'), fullPage: true });

    step = 'the hover says corrected';
    const b = boxes[0].rect;
    await page.mouse.move(b.left + b.width / 2, b.top + b.height / 2, { steps: 4 });
    const hover = await page.waitForFunction(
      (label) => [...document.querySelectorAll('.monaco-hover')].map((h) => h.textContent ?? '').find((t) => t.includes(`${label} corrected`)) ?? false,
      chosen,
      { timeout: 30_000, polling: 200 },
    );
    log(`hover: ${String(await hover.jsonValue()).replace(/\s+/g, ' ').slice(0, 200)}`);
    await page.waitForTimeout(600);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-corrected-hover.png'), fullPage: true });
    log(`screenshots: test-artifacts/e2e-correct-pick.png, e2e-corrected.png, e2e-corrected-hover.png`);
  } catch (e) {
    throw await reportFailure(e, { name: 'e2e-corrections', step, page, serverLog, base });
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (!process.env.E2E_KEEP) rmSync(base, { recursive: true, force: true });
  }
});
