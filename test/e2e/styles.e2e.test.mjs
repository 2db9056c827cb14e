// End-to-end: the display styles in a light and a dark theme. One code-server; the theme is
// switched as a user does (Preferences: Color Theme), and so is the style (bertLstm.displayStyle
// chosen in the Settings editor, which the extension hears of at once). For each style
// (underline, background, inline tag, an inlay hint) the test waits until the editor is drawn in
// it, checks that style's rendering in the label's theme color, and saves a screenshot to
// test-artifacts/. Also read from the DOM: the hover's content, the status bar item's text, and
// the quick pick its click opens. With word wrap on, a paragraph on one long line in the inline
// style: the view lines stay within the text area, every word but punctuation (PUNCT,
// bertLstm.inline.hiddenLabels by default) has a tag up to the line's end, and the tags are
// smaller than the text, muted and spaced from their words
// (test-artifacts/styles-<theme>-inline-wrap.png).
//
//   node --test test/e2e/styles.e2e.test.mjs        (packages the extension first)
//   E2E_VSIX=path/to.vsix node --test test/e2e/styles.e2e.test.mjs
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ARTIFACTS,
  extensionManifest,
  hoverDecoration,
  labelDecorations,
  parkCursor,
  quickOpen,
  SAMPLES,
  selectColorTheme,
  settled,
  waitFor,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';
import { e2eTest, installedConfig } from '../harness/fixture.mjs';
import { chooseSetting } from '../harness/settings_ui.mjs';

const SAMPLE = 'sentences.txt';
// a paragraph on one line, far wider than the editor: word wrap breaks it into view lines
const LONG_FILE = 'long.txt';
const LONG = Array.from(
  { length: 6 },
  (_, i) => `The committee said on Tuesday that prices rose again in ${1960 + i}, and the workers in the old mills asked for more pay.`,
).join(' ');
const LONG_WORDS = LONG.match(/[A-Za-z0-9]+/g).length;

const workspace = (base) => {
  const dir = path.join(base, 'workspace');
  mkdirSync(dir);
  copyFileSync(path.join(SAMPLES, SAMPLE), path.join(dir, SAMPLE));
  writeFileSync(path.join(dir, LONG_FILE), LONG + '\n');
  return dir;
};
// theme: the workbench.colorTheme setting's value; label: the name the Color Theme picker shows
const THEMES = [
  { name: 'light', theme: 'Default Light Modern', label: 'Light Modern', kind: 'light' },
  { name: 'dark', theme: 'Default Dark Modern', label: 'Dark Modern', kind: 'dark' },
];
function rgb(hex) {
  const n = parseInt(hex.slice(1, 7), 16);
  const base = `${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}`;
  if (hex.length === 9) {
    const a = parseInt(hex.slice(7, 9), 16) / 255;
    return { solid: `rgb(${base})`, alpha: a, base };
  }
  return { solid: `rgb(${base})`, alpha: 1, base };
}

/** The contributed default of a color id for a theme kind ('light' | 'dark'). */
function contributed(id, kind) {
  const c = (extensionManifest().contributes?.colors ?? []).find((x) => x.id === id);
  return c?.defaults?.[kind];
}

/** The theme color ids the extension uses for a label (as src/decorations.ts picks them). */
function colorIds(label) {
  const colors = extensionManifest().contributes?.colors ?? [];
  const entity = label.replace(/^[BIESL]-/, '');
  if (colors.some((c) => c.id === `bertLstm.label.${entity}`))
    return { fg: `bertLstm.label.${entity}`, bg: `bertLstm.labelBackground.${entity}` };
  let h = 0;
  for (let i = 0; i < entity.length; i++) h = (h * 31 + entity.charCodeAt(i)) >>> 0;
  const size = colors.filter((c) => /^bertLstm\.palette\.\d+$/.test(c.id)).length;
  return { fg: `bertLstm.palette.${h % size}`, bg: `bertLstm.paletteBackground.${h % size}` };
}

/** Decoration boxes of this extension's types with a visible background (the background style). */
function backgroundBoxes(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return [];
    const out = [];
    for (const box of editor.querySelectorAll('.view-overlays .cdr')) {
      if (![...box.classList].some((c) => /^ced-/.test(c))) continue;
      const cs = getComputedStyle(box);
      const bg = cs.backgroundColor;
      if (!bg || /rgba\(0, 0, 0, 0\)|transparent/.test(bg)) continue;
      const r = box.getBoundingClientRect();
      out.push({ bg, rect: { left: r.left, top: r.top, width: r.width, height: r.height } });
    }
    return out;
  });
}

/**
 * Inline tags: the inlay hints this extension gives in the inline style (VS Code injects an inlay
 * hint's text into the line, in a span with a dynamic class), those whose text is a label. Each
 * with its color, font size, page rectangle, the index of its view line, and the text before it
 * on that view line (the word it follows): that text's color and the gap between them.
 */
function inlineTags(page, labels) {
  return page.evaluate((names) => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return [];
    const known = new Set(names);
    const lines = [...editor.querySelectorAll('.view-lines .view-line')].sort(
      (a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top,
    );
    const out = [];
    for (const el of editor.querySelectorAll('.view-lines .view-line span span')) {
      const text = (el.textContent ?? '').replace(/\u00a0/g, ' ').trim();
      if (el.children.length || !known.has(text.replace(/\?$/, ''))) continue;
      if (![...el.classList].some((c) => /^dyn-rule-/.test(c))) continue;
      const cs = getComputedStyle(el);
      const r = el.getBoundingClientRect();
      // the nearest span before it with visible text (the padding is an empty span between them)
      let prev = el.previousElementSibling;
      while (prev && !(prev.textContent ?? '').replace(/\u00a0/g, ' ').trim()) prev = prev.previousElementSibling;
      const p = prev?.getBoundingClientRect();
      const sameLine = p && Math.abs(p.top + p.height / 2 - (r.top + r.height / 2)) < r.height;
      out.push({
        text,
        color: cs.color,
        fontSize: parseFloat(cs.fontSize),
        rect: { left: r.left, right: r.right, top: r.top },
        line: lines.indexOf(el.closest('.view-line')),
        before: sameLine ? { text: prev.textContent.trim(), color: getComputedStyle(prev).color, gap: r.left - p.right } : undefined,
      });
    }
    return out;
  }, labels);
}

/**
 * The active editor's view lines (top to bottom) with the right edge of each one's last
 * character, and the right edge of its text area (the scrollable part, left of the scrollbar).
 */
function lineExtents(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    const area = editor?.querySelector('.monaco-scrollable-element.editor-scrollable');
    if (!editor || !area) return undefined;
    const range = document.createRange();
    const lines = [...editor.querySelectorAll('.view-lines .view-line')]
      .map((l) => {
        let right = 0;
        const walker = document.createTreeWalker(l, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          range.selectNodeContents(node);
          for (const c of range.getClientRects()) if (c.width > 0) right = Math.max(right, c.right);
        }
        return { top: l.getBoundingClientRect().top, right, text: l.textContent.replace(/\u00a0/g, ' ') };
      })
      .sort((a, b) => a.top - b.top);
    const a = area.getBoundingClientRect();
    const hbar = area.querySelector(':scope > .scrollbar.horizontal');
    const hslider = hbar?.querySelector('.slider');
    return {
      lines,
      areaLeft: a.left,
      areaRight: a.right,
      // the horizontal scrollbar's slider spans the whole bar (or is absent) when nothing is out of view
      hscroll: hbar && hslider ? { bar: hbar.getBoundingClientRect().width, slider: hslider.getBoundingClientRect().width } : undefined,
    };
  });
}

/** The status bar entry of the extension: its text. */
function statusBarText(page) {
  return page.evaluate(() => {
    const items = [...document.querySelectorAll('.part.statusbar .statusbar-item')];
    const ours =
      items.find((i) => /bertLstm/i.test(i.id)) ??
      items.find(
        (i) =>
          /BERT\+LSTM/.test(i.getAttribute('aria-label') ?? '') ||
          /BERT\+LSTM/.test(i.querySelector('[aria-label]')?.getAttribute('aria-label') ?? ''),
      );
    return ours ? { text: ours.innerText.replace(/\s+/g, ' ').trim(), id: ours.id } : undefined;
  });
}

/** Waits for a UI condition; returns its value. */
function waitUntil(page, what, fn) {
  return waitFor('ui', what, fn);
}

e2eTest(
  'display styles in a light and a dark theme: underline, background and inline tag render in the label colors; hover, status bar and its quick pick',
  {
    name: 'styles-e2e',
    workspace,
    settings: { 'workbench.colorTheme': THEMES[0].theme, 'editor.wordWrap': 'on' },
  },
  async (e2e) => {
    const { page, log } = e2e;
    const labels = new Set(Object.values(installedConfig(e2e).id2label ?? {}));
    const text = readFileSync(path.join(SAMPLES, SAMPLE), 'utf8');
    const tokens = text.split(/\s+/).filter(Boolean).length;
    // each caller then waits until the editor is drawn in the style chosen
    const setStyle = async (style) => {
      await chooseSetting(e2e, 'bertLstm.displayStyle', style);
      await quickOpen(page, SAMPLE);
    };

    e2e.step(`open ${SAMPLE}`);
    await quickOpen(page, SAMPLE);
    for (const [i, t] of THEMES.entries()) {
      if (i > 0) {
        e2e.step(`${t.name}: Preferences: Color Theme > ${t.label}`);
        await selectColorTheme(page, t.label, t.kind);
      }

      e2e.step(`${t.name}: live labeling draws underlines`);
      await waitForLabelDecorations(page, { min: Math.ceil(tokens / 2) });
      await parkCursor(page);
      const underlines = await waitForLabelDecorations(page, { min: Math.ceil(tokens / 2) });

      e2e.step(`${t.name}: underline colors are the theme's label colors`);
      const target =
        [...underlines].filter((d) => /^[A-Za-z]{3,}$/.test(d.text)).sort((a, b) => b.text.length - a.text.length)[0] ?? underlines[0];
      const labelRe = new RegExp(`(?:^|[^A-Za-z0-9_-])(${[...labels].join('|')})\\s+(\\d+(?:\\.\\d+)?)%`);
      const hoverText = await hoverDecoration(page, target, { pattern: labelRe });
      const label = labelRe.exec(hoverText)[1];
      log(`${t.name}: hover over "${target.text}": ${hoverText.replace(/\s+/g, ' ').slice(0, 200)}`);
      assert.match(hoverText, /Alternatives:/, 'the hover lists the alternatives');
      assert.match(hoverText, /Segment:/, "the hover gives the segment's sequence label");
      const fg = rgb(contributed(colorIds(label).fg, t.kind));
      assert.equal(target.color, fg.solid, `${t.name}: the underline of "${target.text}" has the ${t.kind} color of ${label}`);
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `styles-${t.name}-hover.png`) });
      await parkCursor(page);
      // solid or double lines (dashed or dotted when uncertain)
      for (const d of underlines) assert.ok(['solid', 'double', 'dashed', 'dotted'].includes(d.style), `underline style ${d.style}`);
      await page.screenshot({ path: path.join(ARTIFACTS, `styles-${t.name}-underline.png`) });

      e2e.step(`${t.name}: the status bar item shows the label under the cursor`);
      // the cursor on the target word: click it
      await page.mouse.click(target.rect.left + target.rect.width / 2, target.rect.top + target.rect.height / 2 - 3);
      const status = await waitUntil(page, `the status bar item showing "${label} NN%" for "${target.text}"`, async () => {
        const s = await statusBarText(page);
        return s && new RegExp(`${label} \\d+%`).test(s.text) ? s : undefined;
      });
      log(`${t.name}: status bar: ${status.text}`);
      assert.match(status.text, new RegExp(`${label} \\d+% · \\d+ ms`));

      e2e.step(`${t.name}: clicking the status bar item opens the actions`);
      await page.locator(`[id="${status.id}"]`).click();
      const rows = await waitUntil(page, 'the actions quick pick', async () => {
        // the widget's list may still hold the rows of an earlier Quick Open until ours replace them
        const r = await page.locator('.quick-input-widget .monaco-list-row').allTextContents();
        return r.some((x) => x.includes('Label Document')) ? r : undefined;
      });
      for (const want of [
        'Label Document',
        'Toggle Live Labeling',
        'Next Low-Confidence Label',
        'Select Model',
        'Show Analysis Panel',
        'Show Log',
      ]) {
        assert.ok(
          rows.some((r) => r.includes(want)),
          `the quick pick offers ${want}: ${JSON.stringify(rows)}`,
        );
      }
      await page.screenshot({ path: path.join(ARTIFACTS, `styles-${t.name}-actions.png`) });
      await page.keyboard.press('Escape');

      e2e.step(`${t.name}: background style`);
      await setStyle('background');
      await parkCursor(page);
      const boxes = await waitUntil(
        page,
        `background decorations on at least ${Math.ceil(tokens / 2)} words and no solid underlines left`,
        async () => {
          const b = await backgroundBoxes(page);
          // no solid 2px underlines left (uncertain labels get a dashed 1px outline in this style)
          const u = (await labelDecorations(page)).filter((d) => d.style === 'solid' && d.width === '2px');
          return b.length >= Math.ceil(tokens / 2) && u.length === 0 ? b : undefined;
        },
      );
      const bgs = new Set(boxes.map((b) => b.bg));
      const allowed = new Set(
        [...labels]
          .map((l) => contributed(colorIds(l).bg, t.kind))
          .filter(Boolean)
          .map((h) => rgb(h).base),
      );
      for (const bg of bgs) {
        const m = /rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)/.exec(bg);
        assert.ok(m, `a background color: ${bg}`);
        assert.ok(allowed.has(`${m[1]}, ${m[2]}, ${m[3]}`), `${bg} is a contributed label background (${t.kind})`);
        assert.ok(m[4] !== undefined && Number(m[4]) < 0.5, `the background ${bg} is translucent`);
      }
      assert.ok(bgs.size >= 3, `several label colors (${[...bgs].join(', ')})`);
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `styles-${t.name}-background.png`) });

      e2e.step(`${t.name}: inline tag style`);
      await setStyle('inline');
      // the tags are muted (the editor's inlay-hint look); the word's faint underline has the label's color
      const faint = async () => (await labelDecorations(page)).filter((d) => ['dotted', 'double'].includes(d.style));
      const { tags, words } = await waitUntil(
        page,
        `inline tags and faint underlines under at least ${Math.ceil(tokens / 2)} words, and no background decorations left`,
        async () => {
          const g = await inlineTags(page, [...labels]);
          const w = await faint();
          return g.length >= Math.ceil(tokens / 2) && w.length >= Math.ceil(tokens / 2) && (await backgroundBoxes(page)).length === 0
            ? { tags: g, words: w }
            : undefined;
        },
      );
      for (const g of tags) assert.ok(labels.has(g.text.replace(/\?$/, '')), `the tag "${g.text}" is a label of the model`);
      const wordColors = new Set(words.map((d) => d.color));
      assert.ok(wordColors.size >= 3, `inline underlines in several label colors (${[...wordColors].join(', ')})`);
      const allowedFg = new Set(
        [...labels]
          .map((l) => contributed(colorIds(l).fg, t.kind))
          .filter(Boolean)
          .map((h) => rgb(h).solid),
      );
      for (const c of wordColors) assert.ok(allowedFg.has(c), `the inline underline color ${c} is a label's ${t.kind} color`);
      const textSize = await page.evaluate(() =>
        parseFloat(getComputedStyle(document.querySelector('.editor-instance .view-line span')).fontSize),
      );
      for (const g of tags)
        assert.ok(g.fontSize < textSize, `the tag ${g.text} (${g.fontSize}px) is smaller than the text (${textSize}px)`);
      log(
        `${t.name}: ${tags.length} inline tags, e.g. ${tags
          .slice(0, 8)
          .map((g) => g.text)
          .join(' ')}`,
      );
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `styles-${t.name}-inline.png`) });

      e2e.step(`${t.name}: inline style on a long line with word wrap`);
      await quickOpen(page, LONG_FILE);
      await parkCursor(page);
      // every word but punctuation tagged, up to the line's end (the editor cuts a line's tags
      // after editor.inlayHints.maximumLength characters unless the extension's default lifts it)
      const minTags = Math.ceil(LONG_WORDS * 0.9);
      let seen = [];
      const wrapped = await waitUntil(
        page,
        `${LONG_FILE} wrapped onto several view lines with inline tags after at least ${minTags} of its ${LONG_WORDS} words, up to its last view line`,
        async () => {
          seen = await inlineTags(page, [...labels]);
          const ext = await lineExtents(page);
          const last = ext ? ext.lines.filter((l) => l.text.trim()).length - 1 : -1;
          return seen.length >= minTags && last >= 3 && seen.some((g) => g.line === last) ? { tags: seen, ext } : undefined;
        },
      );
      const { tags: longTags, ext } = wrapped;
      const lineRights = ext.lines.filter((l) => l.text.trim()).map((l) => l.right);
      log(
        `${t.name}: ${longTags.length} tags for ${LONG_WORDS} words on ${lineRights.length} view lines; the text area ends at ${ext.areaRight.toFixed(0)}, the lines at ${lineRights.map((r) => r.toFixed(0)).join(' ')}; horizontal scrollbar ${JSON.stringify(ext.hscroll)}`,
      );
      for (const [i, right] of lineRights.entries())
        assert.ok(right <= ext.areaRight + 0.5, `view line ${i} ends at ${right}, past the text area's right edge ${ext.areaRight}`);
      if (ext.hscroll)
        assert.ok(
          ext.hscroll.slider >= ext.hscroll.bar - 1,
          `nothing out of view sideways (slider ${ext.hscroll.slider} of ${ext.hscroll.bar})`,
        );
      for (const g of longTags) {
        assert.notEqual(g.text.replace(/\?$/, ''), 'PUNCT', 'PUNCT has no tag (bertLstm.inline.hiddenLabels by default)');
        assert.ok(g.fontSize < textSize, `the tag ${g.text} (${g.fontSize}px) is smaller than the text (${textSize}px)`);
        if (!g.before) continue; // a tag at the start of a view line
        assert.ok(g.before.gap >= 2, `the tag ${g.text} is spaced from "${g.before.text}" (${g.before.gap}px)`);
        assert.notEqual(g.color, g.before.color, `the tag ${g.text} is muted (not the color of "${g.before.text}")`);
      }
      assert.ok(
        longTags.some((g) => g.before),
        `tags follow their words on the same view line: ${JSON.stringify(longTags.slice(0, 3))}`,
      );
      log(
        `${t.name}: tags ${[...new Set(longTags.map((g) => `${g.fontSize}px ${g.color}`))].join(', ')} after text ${[...new Set(longTags.map((g) => g.before?.color).filter(Boolean))].join(', ')} at ${textSize}px; gaps ${Math.min(...longTags.filter((g) => g.before).map((g) => g.before.gap)).toFixed(1)}-${Math.max(...longTags.filter((g) => g.before).map((g) => g.before.gap)).toFixed(1)}px`,
      );
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `styles-${t.name}-inline-wrap.png`) });

      e2e.step(`${t.name}: back to underlines`);
      await setStyle('underline');
    }
  },
);
