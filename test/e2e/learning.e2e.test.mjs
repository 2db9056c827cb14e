// End-to-end: a label decided by a remembered correction, in real VS Code (code-server) through
// headless Chromium. The workspace's document has a sidecar with one correction of the first
// "harbour"; the same sentence further down is labeled with the corrected label, and the hover
// over that second "harbour" says which correction decided it ("From your correction of
// "harbour" in notes.txt:1") and what the model alone said; the hover over the corrected word
// itself shows the correction, then the model's own label (never the correction echoed back by
// its own remembered example). Screenshots: test-artifacts/e2e-learning-hover.png and
// e2e-learning-hover-corrected.png.
//
//   node --test test/e2e/learning.e2e.test.mjs        (packages the extension first)
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ARTIFACTS,
  hoverDecoration,
  quickOpen,
  ROOT,
  runCommand,
  settled,
  waitFor,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';
import { e2eTest } from '../harness/fixture.mjs';

const SENTENCE = 'The old man walked to the harbour every morning.';
const TEXT = `${SENTENCE}\n\nShe reads the paper while the coffee cools.\n\n${SENTENCE}\n`;
// a label the shipped model does not give "harbour" here, so that only the memory can set it
const CORRECTED = 'VERB';

const workspace = (base) => {
  const dir = path.join(base, 'workspace');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'notes.txt'), TEXT);
  const at = TEXT.indexOf('harbour');
  const header = { schema: 'bert-lstm-annotations', version: 1, offsets: 'utf-16', document: 'notes.txt' };
  const correction = { start: at, end: at + 7, text: 'harbour', label: CORRECTED, source: 'corrected' };
  writeFileSync(path.join(dir, 'notes.txt.labels.jsonl'), `${JSON.stringify(header)}\n${JSON.stringify(correction)}\n`);
  return dir;
};

e2eTest(
  'a remembered correction labels the same word elsewhere, and the hover says which correction',
  { name: 'e2e-learning', workspace, settings: { 'bertLstm.learning.memory': true } },
  async (e2e) => {
    const { page, log } = e2e;
    e2e.step('open and label the document (its sidecar has one correction)');
    await quickOpen(page, 'notes.txt');
    await runCommand(page, 'BERT+LSTM: Label Document');
    await waitForLabelDecorations(page, { min: 10 });

    e2e.step('find the second "harbour" (the third paragraph)');
    const [first, second] = await waitFor('labeling', 'both "harbour"s drawn', async () => {
      const decos = (await waitForLabelDecorations(page, { min: 10 })).filter((d) => d.text === 'harbour');
      return decos.length === 2 ? decos.sort((x, y) => x.rect.top - y.rect.top) : undefined;
    });
    log(`second harbour: ${JSON.stringify(second)}`);

    e2e.step(`its hover: ${CORRECTED}, from the correction in notes.txt:1`);
    const hover = await hoverDecoration(page, second, { pattern: /From your correction of "harbour" in notes\.txt:1/, timeout: 60_000 });
    log(`hover: ${String(hover).replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.match(hover, new RegExp(`^\\s*${CORRECTED}\\b`), "the remembered label is the word's label");
    const alone = /the model alone: (\w+) \d+\.\d%/.exec(hover);
    assert.ok(alone && alone[1] !== CORRECTED, `the model's own label beside it: ${hover}`);
    await settled(page);
    const shot = path.join(ARTIFACTS, 'e2e-learning-hover.png');
    await page.screenshot({ path: shot, fullPage: true });
    log(`screenshot: ${path.relative(ROOT, shot)}`);

    e2e.step("the corrected word's hover: the correction, then the model's own label (not the correction echoed back)");
    const own = await hoverDecoration(page, first, { pattern: /Model:/, timeout: 60_000 });
    log(`hover: ${String(own).replace(/\s+/g, ' ').slice(0, 300)}`);
    assert.match(own, new RegExp(`^\\s*${CORRECTED}\\s+corrected`), 'the correction first');
    assert.equal(/Model: (\w+)/.exec(own)?.[1], alone[1], "the model's own label");
    assert.doesNotMatch(own, /From your correction/);
    await settled(page);
    const shot2 = path.join(ARTIFACTS, 'e2e-learning-hover-corrected.png');
    await page.screenshot({ path: shot2, fullPage: true });
    log(`screenshot: ${path.relative(ROOT, shot2)}`);
  },
);
