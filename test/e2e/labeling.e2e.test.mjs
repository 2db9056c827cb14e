// End-to-end: the packaged extension (.vsix) installed into a fresh code-server (real VS Code),
// driven through headless Chromium like a user would: Quick Open a sample, run
// "BERT+LSTM: Label Document" from the command palette, then check the colored underlines in the
// DOM and the hover. Screenshots go to test-artifacts/ (git-ignored).
//
//   node --test test/e2e/                  (packages the extension first: npm run package)
//   E2E_VSIX=path/to.vsix node --test test/e2e/   (uses that .vsix)
//   E2E_KEEP=1 ...                         (keeps the temporary code-server folders)
//   E2E_LABEL_TIMEOUT_MS=...               (how long labeling may take; default 240000)
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import {
  ARTIFACTS,
  dismissNotifications,
  expectedLightColor,
  extensionManifest,
  hoverDecoration,
  installVsix,
  launchBrowser,
  openWorkbench,
  parkCursor,
  quickOpen,
  reportFailure,
  ROOT,
  runCommand,
  SAMPLES,
  startCodeServer,
  testVsix,
  UI_SETTINGS,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';

const SAMPLE = 'sentences.txt';
const log = (s) => console.log(`[e2e] ${s}`);

test('packaged extension: label a document from the command palette, colored underlines on words, hover with label and confidence', { timeout: 25 * 60_000 }, async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const vsix = await testVsix(log);
  log(`vsix: ${vsix}`);

  const base = mkdtempSync(path.join(tmpdir(), 'bert-lstm-e2e-'));
  const serverLog = [];
  const keepLog = (s) => serverLog.push(s);
  let server;
  let browser;
  let page;
  let step = 'install the .vsix';
  const pageErrors = [];
  try {
    const { installedDir } = await installVsix(vsix, { baseDir: base, log: keepLog });
    log(`installed into ${installedDir}`);
    const bin = path.join(installedDir, 'node_modules/onnxruntime-node/bin/napi-v6');
    assert.ok(existsSync(path.join(bin, 'linux/x64/onnxruntime_binding.node')), 'the installed extension has the linux-x64 onnxruntime binding');
    for (const other of ['darwin', 'win32', 'linux/arm64']) assert.ok(!existsSync(path.join(bin, other)), `the installed extension has no ${other} binaries`);
    const config = JSON.parse(readFileSync(path.join(installedDir, 'models/default/config.json'), 'utf8'));
    const labels = Object.values(config.id2label ?? {});
    assert.ok(labels.length > 0, 'the packaged default model has token labels');
    const contributed = new Set(
      (extensionManifest().contributes?.colors ?? [])
        .filter((c) => /^bertLstm\.(label|palette)\./.test(c.id))
        .map((c) => hexToRgb(c.defaults.light)),
    );

    step = 'start code-server';
    server = await startCodeServer({ baseDir: base, folder: SAMPLES, settings: UI_SETTINGS, log: keepLog });
    browser = await launchBrowser();
    step = 'open the workbench';
    page = await openWorkbench(browser, server, SAMPLES);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.waitForTimeout(2000);
    await dismissNotifications(page);

    step = `open ${SAMPLE} with Quick Open`;
    await quickOpen(page, SAMPLE);
    const text = readFileSync(path.join(SAMPLES, SAMPLE), 'utf8');
    const lines = text.split(/\r?\n/);
    await page.locator('.editor-instance .view-lines', { hasText: lines[0].slice(0, 10) }).waitFor({ timeout: 30_000 });

    step = 'run "BERT+LSTM: Label Document" from the command palette';
    const t0 = Date.now();
    await runCommand(page, 'BERT+LSTM: Label Document');

    step = 'wait for the label decorations';
    const tokens = text.split(/\s+/).filter(Boolean).length;
    await waitForLabelDecorations(page, { min: Math.ceil(tokens / 2), timeout: Number(process.env.E2E_LABEL_TIMEOUT_MS ?? 240_000) });
    // the cursor's line is drawn with extra highlight spans: read the decorations with it parked
    await parkCursor(page);
    const decos = await waitForLabelDecorations(page, { min: Math.ceil(tokens / 2), timeout: 30_000 });
    log(`${decos.length} label decorations after ${((Date.now() - t0) / 1000).toFixed(1)} s (${tokens} whitespace-separated tokens in ${SAMPLE})`);

    step = 'check the decorations';
    const colors = [...new Set(decos.map((d) => d.color))];
    log(`underline colors: ${colors.join(', ')}; styles: ${[...new Set(decos.map((d) => `${d.style} ${d.width}`))].join(', ')}`);
    for (const c of colors) assert.ok(contributed.has(c), `underline color ${c} is one of the contributed label colors (light theme)`);
    assert.ok(colors.length >= 3, `at least 3 distinct underline colors for different labels (got ${colors.length}: ${colors.join(', ')})`);
    for (const d of decos) {
      assert.ok(d.text.length > 0 && d.text === d.text.trim(), `decoration on line ${d.line + 1} sits on a word (text under it: ${JSON.stringify(d.text)}; ${JSON.stringify(d.rect)} ${d.type} ${JSON.stringify(decos.filter((x) => x.line === d.line).map((x) => [x.text, Math.round(x.rect.left), Math.round(x.rect.width)]))})`);
      assert.ok(lines[d.line]?.includes(d.text), `the decorated text ${JSON.stringify(d.text)} is on line ${d.line + 1} of ${SAMPLE}`);
      assert.ok(['solid', 'dashed'].includes(d.style), `underline style is solid or dashed (got ${d.style})`);
    }

    step = 'screenshot after labeling';
    await dismissNotifications(page);
    await parkCursor(page);
    await page.waitForTimeout(300);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-labeled.png'), fullPage: true });

    step = 'hover a labeled word';
    // The longest plain word (away from the cursor's word highlight at the start).
    const target = [...decos].filter((d) => /^[A-Za-z]{3,}$/.test(d.text)).sort((a, b) => b.text.length - a.text.length)[0] ?? decos[0];
    const labelRe = new RegExp(`(?:^|[^A-Za-z0-9_-])(${labels.map(escapeRe).join('|')})\\s+(\\d+(?:\\.\\d+)?)%`);
    const hoverText = await hoverDecoration(page, target, { pattern: labelRe, timeout: 60_000 });
    const m = labelRe.exec(hoverText);
    assert.ok(m, `hover shows a label and a confidence: ${hoverText}`);
    const [, label, pct] = m;
    log(`hover over "${target.text}": ${label} ${pct}% (${hoverText.replace(/\s+/g, ' ').slice(0, 200)})`);
    assert.ok(Number(pct) > 0 && Number(pct) <= 100, `confidence ${pct}% is a percentage`);
    assert.equal(target.color, expectedLightColor(label), `the underline of "${target.text}" has the color of its label ${label}`);
    await page.waitForTimeout(800); // the hover fades in
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-hover.png'), fullPage: true });
    log(`screenshots: ${path.relative(ROOT, path.join(ARTIFACTS, 'e2e-labeled.png'))}, ${path.relative(ROOT, path.join(ARTIFACTS, 'e2e-hover.png'))}`);
    assert.deepEqual(pageErrors.filter((e) => /bertLstm|BERT\+LSTM/i.test(e)), [], 'no page errors from the extension');
  } catch (e) {
    throw await reportFailure(e, { name: 'e2e', step, page, serverLog, pageErrors, base });
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    if (!process.env.E2E_KEEP) rmSync(base, { recursive: true, force: true });
    else log(`kept ${base}`);
  }
});

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1, 7), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
