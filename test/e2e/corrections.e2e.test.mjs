// End-to-end: correcting a label from the keyboard in real VS Code (code-server) through
// headless Chromium. A document in a temporary workspace is labeled; the cursor goes to "cat"
// with the arrow keys; Ctrl+Shift+Alt+K opens the quick pick (labels by the model's
// probability, numbered and described, the current one marked); the second label is chosen by
// typing its number. Then: the sidecar file has the correction, a box is drawn around the word,
// the hover leads with the correction and shows the model's label below it. Screenshots go to test-artifacts/ (git-ignored).
//
//   node --test test/e2e/corrections.e2e.test.mjs        (packages the extension first)
//   E2E_VSIX=path/to.vsix node --test test/e2e/corrections.e2e.test.mjs
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ARTIFACTS, parkCursor, quickOpen, ROOT, runCommand, settled, waitFor, waitForLabelDecorations } from '../harness/codeserver.mjs';
import { e2eTest, TIMEOUTS } from '../harness/fixture.mjs';

const TEXT = 'The cat sat on the mat.\nA dog slept near the door.\n';

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

const workspace = (base) => {
  const dir = path.join(base, 'workspace');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'pets.txt'), TEXT);
  return dir;
};

e2eTest(
  'correct a label from the keyboard: quick pick by probability, numbered and described, one key picks, sidecar written, box drawn, hover says corrected',
  { name: 'e2e-corrections', workspace },
  async (e2e) => {
    const { page, log } = e2e;
    const docFile = path.join(e2e.folder, 'pets.txt');

    e2e.step('open and label the document');
    await quickOpen(page, 'pets.txt');
    await runCommand(page, 'BERT+LSTM: Label Document');
    await waitForLabelDecorations(page, { min: 6 });

    e2e.step('move the cursor into "cat" with the keyboard');
    await page
      .locator('.editor-instance .monaco-editor .view-lines')
      .first()
      .click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Control+Home');
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');

    e2e.step('Ctrl+Shift+Alt+K opens the quick pick');
    await page.keyboard.press('Control+Shift+Alt+K');
    const widget = page.locator('.quick-input-widget');
    // the pick is complete once its title names the word and its rows show probabilities
    const rows = await waitFor('ui', 'the correction quick pick with its title and at least 3 rows with probabilities', async () => {
      if (
        !/Correct the label of/.test(
          (await widget
            .locator('.quick-input-title')
            .textContent()
            .catch(() => '')) ?? '',
        )
      )
        return undefined;
      const r = await widget.locator('.monaco-list-row').allTextContents();
      return r.filter((x) => /\d+(?:\.\d+)?%/.test(x)).length >= 3 ? r : undefined;
    });
    log(`quick pick rows: ${JSON.stringify(rows.slice(0, 5))}`);
    const title = await widget.locator('.quick-input-title').textContent();
    assert.match(title ?? '', /Correct the label of "cat"/);
    const pcts = rows.map((r) => Number(/(\d+(?:\.\d+)?)%/.exec(r)?.[1] ?? NaN)).filter((x) => !Number.isNaN(x));
    assert.ok(pcts.length >= 3, `rows show probabilities: ${JSON.stringify(rows.slice(0, 5))}`);
    assert.deepEqual(
      pcts,
      [...pcts].sort((a, b) => b - a),
      'rows are sorted by probability',
    );
    assert.match(rows[0], /\(current\)/, 'the most probable label is the current one, marked');
    // A row's text is its number, its label and what the label means ("2 PROPN — proper noun"),
    // then its probability (no space between them in the DOM).
    const labels = Object.values(JSON.parse(readFileSync(path.join(ROOT, 'models/default/config.json'), 'utf8')).id2label);
    rows.forEach((r, i) => assert.match(r.trim(), new RegExp(`^${i + 1} \\S+ — `), `row ${i + 1} is numbered and described: ${r}`));
    const labelOf = (row) =>
      labels.filter((l) => row.trim().replace(/^\d+ /, '').startsWith(`${l} `)).sort((a, b) => b.length - a.length)[0];
    const current = labelOf(rows[0]);
    const chosen = labelOf(rows[1]);
    assert.ok(current && chosen, `labels read from the rows: ${current}, ${chosen}`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-correct-pick.png'), fullPage: true });

    e2e.step(`choose "${chosen}" by typing its number (2): one key, no Enter`);
    await page.keyboard.type('2');
    await widget.waitFor({ state: 'hidden', timeout: TIMEOUTS.ui });

    e2e.step('the sidecar file has the correction');
    const sidecar = docFile + '.labels.jsonl';
    // the sidecar is written whole (a temporary file renamed): once it exists, it holds a correction
    const lines = await waitFor('ui', `the sidecar ${sidecar} written with a correction`, () => {
      if (!existsSync(sidecar)) return undefined;
      const l = readFileSync(sidecar, 'utf8')
        .trim()
        .split('\n')
        .map((x) => JSON.parse(x));
      return l.length >= 2 ? l : undefined;
    });
    assert.equal(lines[0].schema, 'bert-lstm-annotations');
    assert.deepEqual(
      lines.slice(1).map((a) => [a.start, a.end, a.text, a.label, a.source]),
      [[4, 7, 'cat', chosen, 'corrected']],
    );
    assert.notEqual(chosen, current);

    e2e.step('a box is drawn around the corrected word');
    await parkCursor(page);
    const boxes = await waitFor('ui', 'a correction box drawn around "cat"', async () => {
      const b = await correctionBoxes(page);
      return b.length ? b : undefined;
    });
    assert.equal(boxes.length, 1, `one correction box (got ${boxes.length})`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-corrected.png'), fullPage: true });

    e2e.step('the hover says corrected');
    const b = boxes[0].rect;
    await page.mouse.move(b.left + b.width / 2, b.top + b.height / 2, { steps: 4 });
    const hover = await waitFor('ui', `a hover saying "${chosen} corrected"`, () =>
      page.evaluate(
        (label) =>
          [...document.querySelectorAll('.monaco-hover')].map((h) => h.textContent ?? '').find((t) => t.includes(`${label} corrected`)),
        chosen,
      ),
    );
    log(`hover: ${String(hover).replace(/\s+/g, ' ').slice(0, 200)}`);
    const model = hover.indexOf(`Model: ${current}`);
    assert.ok(model > hover.indexOf(`${chosen} corrected`), `the label in force leads, the model's below it: ${hover.slice(0, 200)}`);
    await settled(page); // the hover fades in
    await page.screenshot({ path: path.join(ARTIFACTS, 'e2e-corrected-hover.png'), fullPage: true });
    log(
      `screenshots: ${['e2e-correct-pick.png', 'e2e-corrected.png', 'e2e-corrected-hover.png'].map((f) => path.relative(ROOT, path.join(ARTIFACTS, f))).join(', ')}`,
    );
  },
);
