// End-to-end: the packaged extension (.vsix) installed into a fresh code-server (real VS Code),
// driven through headless Chromium like a user would: Quick Open a sample, run
// "BERT+LSTM: Label Document" from the command palette, then check the colored underlines in the
// DOM and the hover. Screenshots go to test-artifacts/ (git-ignored).
//
//   node --test test/e2e/                  (packages the extension first: npm run package)
//   E2E_VSIX=path/to.vsix node --test test/e2e/   (uses that .vsix)
//   E2E_KEEP=1 ...                         (keeps the temporary code-server folders)
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ARTIFACTS,
  dismissNotifications,
  expectedLightColor,
  extensionManifest,
  hoverDecoration,
  parkCursor,
  quickOpen,
  ROOT,
  runCommand,
  SAMPLES,
  settled,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';
import { e2eTest, installedConfig, TIMEOUTS } from '../harness/fixture.mjs';

const SAMPLE = 'sentences.txt';

e2eTest(
  'packaged extension: label a document from the command palette, colored underlines on words, hover with label and confidence',
  { name: 'e2e' },
  async (e2e) => {
    const { page, log } = e2e;
    e2e.step('the installed extension');
    log(`vsix: ${e2e.vsix}; installed into ${e2e.installedDir}`);
    const bin = path.join(e2e.installedDir, 'node_modules/onnxruntime-node/bin/napi-v6');
    assert.ok(
      existsSync(path.join(bin, 'linux/x64/onnxruntime_binding.node')),
      'the installed extension has the linux-x64 onnxruntime binding',
    );
    for (const other of ['darwin', 'win32', 'linux/arm64'])
      assert.ok(!existsSync(path.join(bin, other)), `the installed extension has no ${other} binaries`);
    const labels = Object.values(installedConfig(e2e).id2label ?? {});
    assert.ok(labels.length > 0, 'the packaged default model has token labels');
    const contributed = new Set(
      (extensionManifest().contributes?.colors ?? [])
        .filter((c) => /^bertLstm\.(label|palette)\./.test(c.id))
        .map((c) => hexToRgb(c.defaults.light)),
    );

    e2e.step(`open ${SAMPLE} with Quick Open`);
    await quickOpen(page, SAMPLE);
    const text = readFileSync(path.join(SAMPLES, SAMPLE), 'utf8');
    const lines = text.split(/\r?\n/);
    await page.locator('.editor-instance .view-lines', { hasText: lines[0].slice(0, 10) }).waitFor({ timeout: TIMEOUTS.ui });

    e2e.step('run "BERT+LSTM: Label Document" from the command palette');
    const t0 = Date.now();
    await runCommand(page, 'BERT+LSTM: Label Document');

    e2e.step('wait for the label decorations');
    const tokens = text.split(/\s+/).filter(Boolean).length;
    await waitForLabelDecorations(page, { min: Math.ceil(tokens / 2) });
    // the cursor's line is drawn with extra highlight spans: read the decorations with it parked
    await parkCursor(page);
    const decos = await waitForLabelDecorations(page, { min: Math.ceil(tokens / 2) });
    log(
      `${decos.length} label decorations after ${((Date.now() - t0) / 1000).toFixed(1)} s (${tokens} whitespace-separated tokens in ${SAMPLE})`,
    );

    e2e.step('check the decorations');
    const colors = [...new Set(decos.map((d) => d.color))];
    log(`underline colors: ${colors.join(', ')}; styles: ${[...new Set(decos.map((d) => `${d.style} ${d.width}`))].join(', ')}`);
    for (const c of colors) assert.ok(contributed.has(c), `underline color ${c} is one of the contributed label colors (light theme)`);
    assert.ok(colors.length >= 3, `at least 3 distinct underline colors for different labels (got ${colors.length}: ${colors.join(', ')})`);
    for (const d of decos) {
      assert.ok(
        d.text.length > 0 && d.text === d.text.trim(),
        `decoration on line ${d.line + 1} sits on a word (text under it: ${JSON.stringify(d.text)}; ${JSON.stringify(d.rect)} ${d.type} ${JSON.stringify(decos.filter((x) => x.line === d.line).map((x) => [x.text, Math.round(x.rect.left), Math.round(x.rect.width)]))})`,
      );
      assert.ok(lines[d.line]?.includes(d.text), `the decorated text ${JSON.stringify(d.text)} is on line ${d.line + 1} of ${SAMPLE}`);
      assert.ok(
        ['solid', 'double', 'dashed', 'dotted'].includes(d.style),
        `underline style is solid or double, or dashed or dotted when uncertain (got ${d.style})`,
      );
    }

    e2e.step('screenshot after labeling');
    await dismissNotifications(page);
    await parkCursor(page);
    await settled(page);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-labeled.png'), fullPage: true });

    e2e.step('hover a labeled word');
    // The longest plain word (away from the cursor's word highlight at the start).
    const target = [...decos].filter((d) => /^[A-Za-z]{3,}$/.test(d.text)).sort((a, b) => b.text.length - a.text.length)[0] ?? decos[0];
    const labelRe = new RegExp(`(?:^|[^A-Za-z0-9_-])(${labels.map(escapeRe).join('|')})\\s+(\\d+(?:\\.\\d+)?)%`);
    const hoverText = await hoverDecoration(page, target, { pattern: labelRe });
    const m = labelRe.exec(hoverText);
    assert.ok(m, `hover shows a label and a confidence: ${hoverText}`);
    const [, label, pct] = m;
    log(`hover over "${target.text}": ${label} ${pct}% (${hoverText.replace(/\s+/g, ' ').slice(0, 200)})`);
    assert.ok(Number(pct) > 0 && Number(pct) <= 100, `confidence ${pct}% is a percentage`);
    assert.equal(target.color, expectedLightColor(label), `the underline of "${target.text}" has the color of its label ${label}`);
    await settled(page); // the hover fades in
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-hover.png'), fullPage: true });
    log(
      `screenshots: ${path.relative(ROOT, path.join(ARTIFACTS, 'e2e-labeled.png'))}, ${path.relative(ROOT, path.join(ARTIFACTS, 'e2e-hover.png'))}`,
    );
    assert.deepEqual(
      e2e.pageErrors.filter((e) => /bertLstm|BERT\+LSTM/i.test(e)),
      [],
      'no page errors from the extension',
    );
  },
);

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1, 7), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}
