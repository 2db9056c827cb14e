// End-to-end: the Review view (the queue of labels to review) in a light and a dark theme, in
// real VS Code (code-server) through headless Chromium. Two labeled files in a temporary
// workspace; the view is opened from its icon in the activity bar, as a user does. Read from the
// DOM, for each theme (switched with Preferences: Color Theme): the rows are grouped under each
// file's name, the file row says how many are left to review and has exactly that many rows
// under it; each row shows the sentence around its word with the word highlighted, the label
// (one of the model's), its probability and line:column (the word is at that place in the
// file); the view's progress reads "N of M reviewed". Hovering a row shows its inline Accept and
// Correct actions; clicking Accept writes a reviewed label to the file's sidecar, the row leaves
// the list and the progress counts one more. Clicking Correct opens the correction pick at that
// word (numbered, described rows, the model's label first and marked current); typing 2 corrects
// it, the row leaves the list, and the editor's hover over the word leads with the label in
// force, the model's below it. Every label is listed (bertLstm.review.maxMargin 1), so that the
// counts do not depend on how sure the model is. Screenshots (test-artifacts/):
// review-<theme>.png (a row hovered, its inline actions shown), review-<theme>-accepted.png,
// review-<theme>-correct-pick.png, review-<theme>-corrected-hover.png.
//
//   node --test test/e2e/review.e2e.test.mjs        (packages the extension first)
//   E2E_VSIX=path/to.vsix node --test test/e2e/review.e2e.test.mjs
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ARTIFACTS,
  nextFrames,
  parkCursor,
  quickOpen,
  selectColorTheme,
  settled,
  waitFor,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';
import { e2eTest, installedConfig, TIMEOUTS } from '../harness/fixture.mjs';

// Short, so that every row of both files fits in the view (a tree draws only the rows in view).
// Two sentences on one line (the context is the sentence, not the line) and a second line (line:column).
const FILES = {
  'harbor.txt': 'The ship left the harbor at dawn. Its crew sang loudly.\n',
  'garden.txt': 'She planted roses near the wall.\nBirds sing there in May.\n',
};

const THEMES = [
  { name: 'light', label: 'Light Modern', kind: 'light' },
  { name: 'dark', label: 'Dark Modern', kind: 'dark' },
];

const workspace = (base) => {
  const dir = path.join(base, 'workspace');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(FILES)) writeFileSync(path.join(dir, name), text);
  return dir;
};

/** A file's sentences (what a row's context must lie within). */
const sentencesOf = (text) =>
  text
    .split(/(?<=[.!?])\s+|\n/)
    .map((s) => s.trim())
    .filter(Boolean);

/** Whether `part` is in `sentence` from a word's start to a word's end. */
function wholeWordsOf(sentence, part) {
  for (let i = sentence.indexOf(part); i >= 0; i = sentence.indexOf(part, i + 1)) {
    const j = i + part.length;
    if ((i === 0 || sentence[i - 1] === ' ') && (j === sentence.length || sentence[j] === ' ')) return true;
  }
  return false;
}

const PROGRESS = /(\d+) of (\d+) reviewed/;

/**
 * The Review view as drawn: its visible text's progress figure and its rows from top to bottom,
 * each with its level (1: a file, 2: a label), name, highlighted part, description, the file it
 * is under, its rectangle and its visible inline actions (name and centre).
 */
function reviewView(page) {
  return page.evaluate(() => {
    const sidebar = document.querySelector('.part.sidebar');
    if (!sidebar || sidebar.getClientRects().length === 0) return undefined;
    const pane = [...sidebar.querySelectorAll('.pane')].find((p) =>
      p.querySelector('.pane-header')?.textContent?.includes('Labels to Review'),
    );
    if (!pane) return undefined;
    const visible = (e) => {
      const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && getComputedStyle(e).visibility !== 'hidden';
    };
    // (a sticky scroll header repeats a row: not one of the list's own)
    const rows = [...pane.querySelectorAll('.pane-body .monaco-list-row')]
      .filter((row) => !row.closest('.monaco-tree-sticky-container'))
      .map((row) => {
        const r = row.getBoundingClientRect();
        return {
          level: Number(row.getAttribute('aria-level')),
          name: row.querySelector('.label-name')?.textContent?.trim() ?? '',
          highlight: [...row.querySelectorAll('.label-name .highlight')].map((h) => h.textContent).join(''),
          description: row.querySelector('.label-description')?.textContent?.trim() ?? '',
          actions: [...row.querySelectorAll('.actions .action-label')].filter(visible).map((a) => {
            const ar = a.getBoundingClientRect();
            return { name: a.getAttribute('aria-label') ?? a.title, x: ar.left + ar.width / 2, y: ar.top + ar.height / 2 };
          }),
          rect: { left: r.left, top: r.top, width: r.width, height: r.height },
        };
      })
      .filter((r) => r.rect.height > 0)
      .sort((a, b) => a.rect.top - b.rect.top);
    let file = '';
    for (const r of rows) {
      if (r.level === 1) file = r.name;
      r.file = file;
    }
    return { progress: sidebar.innerText.match(/(\d+) of (\d+) reviewed/)?.[0], rows };
  });
}

/** A label row's description: "<label> <probability>% · <line>:<column>". */
function parseRow(row) {
  const m = /^(\S+) (\d+(?:\.\d+)?%) · (\d+):(\d+)$/.exec(row.description);
  return m && { label: m[1], percent: m[2], line: Number(m[3]), column: Number(m[4]) };
}

const rowKey = (row) => `${row.file} ${parseRow(row)?.line}:${parseRow(row)?.column}`;

/**
 * Waits until the view lists both files, each with as many rows under it as its row says are
 * left, and the progress is drawn with `reviewed` reviewed; returns the view.
 */
async function waitForQueue(page, what, reviewed) {
  let seen;
  return waitFor(
    'ui',
    `${what}: the Review view listing both files with their rows and "${reviewed} of M reviewed"`,
    async () => {
      const v = (seen = await reviewView(page));
      if (!v?.progress || Number(PROGRESS.exec(v.progress)[1]) !== reviewed) return undefined;
      const files = v.rows.filter((r) => r.level === 1);
      if (
        files
          .map((f) => f.name)
          .sort()
          .join() !== Object.keys(FILES).sort().join()
      )
        return undefined;
      for (const f of files) {
        const left = Number(/^(\d+) to review/.exec(f.description)?.[1]);
        if (v.rows.filter((r) => r.level === 2 && r.file === f.name).length !== left) return undefined;
      }
      return v;
    },
    {
      detail: () =>
        `seen: ${JSON.stringify(seen && { progress: seen.progress, rows: seen.rows.map((r) => `${r.level} ${r.file}: ${r.name} [${r.description}]`) })}`,
    },
  );
}

/** The rectangle of the characters at line:column (1-based) of the active editor, `length` long. */
function textRect(page, line, column, length) {
  return page.evaluate(
    ([line, column, length]) => {
      const editor = document.querySelector('.editor-instance .monaco-editor');
      const number = [...(editor?.querySelectorAll('.margin-view-overlays .line-numbers') ?? [])].find(
        (n) => n.textContent.trim() === String(line),
      );
      if (!number) return undefined;
      const top = number.getBoundingClientRect().top;
      const view = [...editor.querySelectorAll('.view-lines .view-line')].find((l) => Math.abs(l.getBoundingClientRect().top - top) < 2);
      if (!view) return undefined;
      const walker = document.createTreeWalker(view, NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      let at = 0;
      let rect;
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++, at++) {
          if (at < column - 1 || at >= column - 1 + length) continue;
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const c = range.getBoundingClientRect();
          rect = rect
            ? { left: rect.left, top: Math.min(rect.top, c.top), right: c.right, bottom: Math.max(rect.bottom, c.bottom) }
            : { left: c.left, top: c.top, right: c.right, bottom: c.bottom };
        }
      }
      return rect;
    },
    [line, column, length],
  );
}

/** The sidecar's annotations of a file (after its header line), or [] while it is not written. */
function sidecar(file) {
  const p = file + '.labels.jsonl';
  if (!existsSync(p)) return [];
  return readFileSync(p, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => JSON.parse(l));
}

/** Moves the mouse onto a row and waits until its inline actions show; returns the row as drawn. */
async function hoverRow(page, row) {
  await page.mouse.move(row.rect.left + row.rect.width / 3, row.rect.top + row.rect.height / 2, { steps: 3 });
  return waitFor('ui', `the inline actions shown on the hovered row "${row.name}"`, async () => {
    const r = (await reviewView(page))?.rows.find((x) => x.level === 2 && rowKey(x) === rowKey(row));
    return r && r.actions.length >= 2 ? r : undefined;
  });
}

/**
 * Drags the sash on the side bar's right edge until the side bar is `width` pixels wide, as a
 * user does to read long rows.
 */
async function widenSidebar(page, width) {
  const edge = () =>
    page.evaluate(() => {
      const bar = document.querySelector('.part.sidebar')?.getBoundingClientRect();
      if (!bar || bar.width === 0) return undefined;
      const sash = [...document.querySelectorAll('.monaco-sash.vertical')].find((s) => {
        const r = s.getBoundingClientRect();
        return r.height > bar.height / 2 && Math.abs(r.left + r.width / 2 - bar.right) < 6;
      });
      const r = sash?.getBoundingClientRect();
      return r && { x: r.left + r.width / 2, y: r.top + r.height / 2, left: bar.left, width: bar.width };
    });
  const at = await waitFor('ui', "the sash on the side bar's right edge", edge);
  await page.mouse.move(at.x, at.y);
  await page.mouse.down();
  await page.mouse.move(at.left + width, at.y, { steps: 8 });
  await page.mouse.up();
  await waitFor('ui', `the side bar ${width} px wide`, async () => Math.abs(((await edge())?.width ?? 0) - width) < 8);
}

/** Clicks a hovered row's inline action (the mouse stays over the row, so the actions stay shown). */
async function clickAction(page, row, name) {
  const a = row.actions.find((x) => x.name.startsWith(name));
  assert.ok(a, `the row "${row.name}" has the inline action ${name}: ${JSON.stringify(row.actions)}`);
  await page.mouse.move(a.x, a.y, { steps: 2 });
  await page.mouse.click(a.x, a.y);
}

e2eTest(
  'the Review view in light and dark: rows grouped by file with their sentence, label and line:column, progress, inline Accept and Correct',
  {
    name: 'review-e2e',
    workspace,
    settings: {
      'workbench.colorTheme': 'Default Light Modern',
      // both files stay open (a preview tab would be replaced by the next file opened)
      'workbench.editor.enablePreview': false,
      'bertLstm.review.maxMargin': 1,
    },
  },
  async (e2e) => {
    const { page, log } = e2e;
    const config = installedConfig(e2e);
    const modelLabels = new Set(Object.values(config.id2label ?? {}));

    for (const name of Object.keys(FILES)) {
      e2e.step(`open and label ${name}`);
      await quickOpen(page, name);
      await waitForLabelDecorations(page, { min: 8 });
    }

    e2e.step('open the Review view from its activity bar icon');
    await page.locator('.part.activitybar [aria-label^="Label Review"]').first().click();
    await widenSidebar(page, 640);

    let reviewed = 0;
    for (const [i, t] of THEMES.entries()) {
      if (i > 0) {
        e2e.step(`${t.name}: Preferences: Color Theme > ${t.label}`);
        await selectColorTheme(page, t.label, t.kind);
      }

      e2e.step(`${t.name}: the rows, grouped by file, with their context, label and line:column`);
      await page.mouse.move(5, 5);
      const view = await waitForQueue(page, t.name, reviewed);
      const total = Number(PROGRESS.exec(view.progress)[2]);
      const items = view.rows.filter((r) => r.level === 2);
      assert.equal(items.length + reviewed, total, `${t.name}: every label is listed until reviewed (${view.progress})`);
      for (const row of items) {
        const at = parseRow(row);
        assert.ok(at, `${t.name}: the row "${row.name}" says its label, probability and line:column: "${row.description}"`);
        assert.ok(modelLabels.has(at.label), `${t.name}: ${at.label} is one of the model's labels`);
        const text = FILES[row.file];
        const word = text.split('\n')[at.line - 1]?.slice(at.column - 1, at.column - 1 + row.highlight.length);
        assert.ok(row.highlight.length > 0, `${t.name}: the row "${row.name}" highlights its word`);
        assert.equal(word, row.highlight, `${t.name}: "${row.highlight}" is at ${at.line}:${at.column} of ${row.file}`);
        const inside = row.name.replace(/^…|…$/g, '');
        assert.ok(inside.includes(row.highlight), `${t.name}: the context "${row.name}" holds its word "${row.highlight}"`);
        assert.ok(
          sentencesOf(text).some((s) => wholeWordsOf(s, inside)),
          `${t.name}: the context "${row.name}" is whole words of one sentence of ${row.file} (not the whole line or file, no part of a word)`,
        );
      }
      // rows of a file are not mixed with the other file's: each file's rows follow its name
      const order = view.rows.map((r) => r.file);
      assert.deepEqual(
        order,
        [...new Set(order)].flatMap((f) => order.filter((x) => x === f)),
        'grouped by file',
      );
      log(
        `${t.name}: ${view.progress}; e.g. ${items
          .slice(0, 3)
          .map((r) => `${r.file}: ${r.name} [${r.description}]`)
          .join('; ')}`,
      );

      e2e.step(`${t.name}: hover a row: its inline Accept and Correct`);
      const toAccept = await hoverRow(page, items[0]);
      const names = toAccept.actions.map((a) => a.name);
      assert.ok(
        names.length === 2 && names[0].startsWith('Accept (Mark Reviewed)') && names[1].startsWith('Correct…'),
        `${t.name}: the row's inline actions are Accept and Correct: ${JSON.stringify(names)}`,
      );
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `review-${t.name}.png`) });

      e2e.step(`${t.name}: click Accept on "${toAccept.highlight}" (${toAccept.description})`);
      const acceptedAt = parseRow(toAccept);
      await clickAction(page, toAccept, 'Accept (Mark Reviewed)');
      reviewed++;
      const afterAccept = await waitForQueue(page, `${t.name} after Accept`, reviewed);
      assert.equal(Number(PROGRESS.exec(afterAccept.progress)[2]), total, 'the same number of labels in all');
      assert.ok(
        !afterAccept.rows.some((r) => r.level === 2 && rowKey(r) === rowKey(toAccept)),
        `${t.name}: the accepted row left the list`,
      );
      const docOf = (row) => path.join(e2e.folder, row.file);
      const acceptedSide = await waitFor('ui', `${t.name}: the reviewed label in ${toAccept.file}'s sidecar`, () =>
        sidecar(docOf(toAccept)).find((a) => a.source === 'reviewed' && a.text === toAccept.highlight && a.label === acceptedAt.label),
      );
      log(`${t.name}: accepted ${JSON.stringify(acceptedSide)}; ${afterAccept.progress}`);
      await page.mouse.move(5, 5);
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `review-${t.name}-accepted.png`) });

      e2e.step(`${t.name}: click Correct on a row: the correction pick at its word`);
      const toCorrect = await hoverRow(
        page,
        afterAccept.rows.find((r) => r.level === 2 && /[A-Za-z]/.test(r.highlight)),
      );
      const correctAt = parseRow(toCorrect);
      await clickAction(page, toCorrect, 'Correct…');
      const widget = page.locator('.quick-input-widget');
      const rows = await waitFor('ui', `${t.name}: the correction pick for "${toCorrect.highlight}" with at least 3 rows`, async () => {
        const title =
          (await widget
            .locator('.quick-input-title')
            .textContent()
            .catch(() => '')) ?? '';
        if (!title.includes(`Correct the label of "${toCorrect.highlight}"`)) return undefined;
        const r = await widget.locator('.monaco-list-row').allTextContents();
        return r.filter((x) => /\d+(?:\.\d+)?%/.test(x)).length >= 3 ? r : undefined;
      });
      rows.forEach((r, k) =>
        assert.match(r.trim(), new RegExp(`^${k + 1} \\S+ — `), `${t.name}: pick row ${k + 1} is numbered and described: ${r}`),
      );
      const labelOf = (row) =>
        [...modelLabels].filter((l) => row.trim().replace(/^\d+ /, '').startsWith(`${l} `)).sort((a, b) => b.length - a.length)[0];
      const current = labelOf(rows[0]);
      const chosen = labelOf(rows[1]);
      assert.match(rows[0], /\(current\)/, `${t.name}: the model's label comes first, marked current`);
      assert.equal(current, correctAt.label, `${t.name}: the pick's current label is the row's`);
      assert.ok(chosen && chosen !== current, `${t.name}: a second label to choose: ${rows[1]}`);
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `review-${t.name}-correct-pick.png`) });

      e2e.step(`${t.name}: type 2: "${toCorrect.highlight}" corrected to ${chosen}`);
      await page.keyboard.type('2');
      await widget.waitFor({ state: 'hidden', timeout: TIMEOUTS.ui });
      reviewed++;
      const afterCorrect = await waitForQueue(page, `${t.name} after Correct`, reviewed);
      assert.ok(
        !afterCorrect.rows.some((r) => r.level === 2 && rowKey(r) === rowKey(toCorrect)),
        `${t.name}: the corrected row left the list`,
      );
      await waitFor('ui', `${t.name}: the correction in ${toCorrect.file}'s sidecar`, () =>
        sidecar(docOf(toCorrect)).find((a) => a.source === 'corrected' && a.text === toCorrect.highlight && a.label === chosen),
      );

      e2e.step(`${t.name}: the hover over "${toCorrect.highlight}" leads with ${chosen}, the model's ${current} below`);
      await page.locator('.tabs-container .tab.active', { hasText: toCorrect.file }).waitFor({ state: 'visible', timeout: TIMEOUTS.ui });
      await parkCursor(page);
      const word = await waitFor('ui', `"${toCorrect.highlight}" found in the editor at ${correctAt.line}:${correctAt.column}`, () =>
        textRect(page, correctAt.line, correctAt.column, toCorrect.highlight.length),
      );
      await page.mouse.move((word.left + word.right) / 2, (word.top + word.bottom) / 2, { steps: 4 });
      const hover = await waitFor('ui', `${t.name}: a hover saying "${chosen} corrected"`, () =>
        page.evaluate(
          (label) =>
            [...document.querySelectorAll('.monaco-hover')].map((h) => h.textContent ?? '').find((x) => x.includes(`${label} corrected`)),
          chosen,
        ),
      );
      log(`${t.name}: hover ${hover.replace(/\s+/g, ' ').slice(0, 160)}`);
      const model = hover.indexOf(`Model: ${current}`);
      assert.ok(
        model > hover.indexOf(`${chosen} corrected`),
        `${t.name}: the label in force leads, the model's below it: ${hover.slice(0, 200)}`,
      );
      await settled(page); // the hover fades in
      await page.screenshot({ path: path.join(ARTIFACTS, `review-${t.name}-corrected-hover.png`) });
      await parkCursor(page);
      await nextFrames(page);
    }
  },
);
