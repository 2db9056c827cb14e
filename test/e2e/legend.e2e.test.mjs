// End-to-end: the Label Legend and the palette in light, dark and both high-contrast themes, in
// real VS Code (code-server) through headless Chromium. For each theme (switched as a user
// does): the legend in the Explorer lists the model's labels with their descriptions and
// counts, each swatch in the label's contributed colour for that theme kind, and the underlines
// are drawn in those colours (solid or double lines); a screenshot of each goes to
// test-artifacts/legend-<theme>.png. In the light theme a row's click selects the next
// occurrence of its label and its checkbox hides the label (its underlines go) and shows it
// again. (The inline style's tags with word wrap on are checked in styles.e2e.test.mjs.)
//
//   node --test test/e2e/legend.e2e.test.mjs        (packages the extension first)
//   E2E_VSIX=path/to.vsix node --test test/e2e/legend.e2e.test.mjs
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ARTIFACTS,
  extensionManifest,
  labelDecorations,
  parkCursor,
  quickOpen,
  selectColorTheme,
  settled,
  statusBarCursor,
  waitFor,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';
import { e2eTest, installedConfig } from '../harness/fixture.mjs';

const NOTES =
  'Maria told him that she would visit Paris in June.\n' +
  'The old farmer and his dog walked slowly to the market, but they did not buy anything.\n' +
  'We will meet them at 5 if it rains, he said; oh well!\n';

// theme: the workbench.colorTheme value or the picker's name; kind: the .monaco-workbench class; colors: the contributed defaults' key
const THEMES = [
  { name: 'light', label: 'Light Modern', kind: 'light', colors: 'light' },
  { name: 'dark', label: 'Dark Modern', kind: 'dark', colors: 'dark' },
  { name: 'hc-dark', label: 'Dark High Contrast', kind: 'hc', colors: 'highContrast' },
  { name: 'hc-light', label: 'Light High Contrast', kind: 'hc-light', colors: 'highContrastLight' },
];

const workspace = (base) => {
  const dir = path.join(base, 'workspace');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'notes.txt'), NOTES);
  return dir;
};

function rgb(hex) {
  const n = parseInt(hex.slice(1, 7), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

/** The contributed default of a label's colour for a theme kind. */
function labelColor(label, key) {
  const c = (extensionManifest().contributes?.colors ?? []).find((x) => x.id === `bertLstm.label.${label}`);
  return c && rgb(c.defaults[key]);
}

/**
 * The legend's pane expanded, and the Explorer's other sections collapsed so that all its rows
 * fit (a tree draws only the rows in view).
 */
async function openLegend(page) {
  const header = page.locator('.part.sidebar .pane-header', { hasText: 'Label Legend' }).first();
  await header.waitFor({ state: 'visible' });
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  // one at a time: each click changes which headers are expanded
  const others = page.locator('.part.sidebar .pane-header[aria-expanded="true"]').filter({ hasNotText: 'Label Legend' });
  while ((await others.count()) > 0) await others.first().click();
  await page.mouse.move(5, 5);
}

/** The legend's rows as drawn: title, description, swatch colour, whether its checkbox is checked. */
function legendRows(page) {
  return page.evaluate(() => {
    const pane = [...document.querySelectorAll('.pane')].find((p) =>
      p.querySelector('.pane-header')?.textContent?.includes('Label Legend'),
    );
    if (!pane) return [];
    return [...pane.querySelectorAll('.pane-body .monaco-list-row')].map((row) => {
      const icon = row.querySelector('.custom-view-tree-node-item-icon');
      const box = row.querySelector('.custom-view-tree-node-item-checkbox');
      const r = row.getBoundingClientRect();
      return {
        title: row.querySelector('.label-name')?.textContent?.trim() ?? '',
        description: row.querySelector('.label-description')?.textContent?.trim() ?? '',
        swatch: icon ? getComputedStyle(icon).color : undefined,
        icon: icon ? [...icon.classList].find((c) => c.startsWith('codicon-')) : undefined,
        checked: box ? box.classList.contains('checked') || box.getAttribute('aria-checked') === 'true' : undefined,
        rect: { left: r.left, top: r.top, width: r.width, height: r.height },
      };
    });
  });
}

e2eTest(
  'the Label Legend and the palette in light, dark and high-contrast themes; jump and hide from the legend',
  {
    name: 'legend-e2e',
    workspace,
    settings: { 'workbench.colorTheme': 'Default Light Modern' },
  },
  async (e2e) => {
    const { page, log } = e2e;
    const config = installedConfig(e2e);
    const modelLabels = [...new Set(Object.values(config.id2label ?? {}))];

    e2e.step('open notes.txt and the legend');
    await quickOpen(page, 'notes.txt');
    await openLegend(page);

    for (const [i, t] of THEMES.entries()) {
      if (i > 0) {
        e2e.step(`${t.name}: Preferences: Color Theme > ${t.label}`);
        await selectColorTheme(page, t.label, t.kind);
      }
      e2e.step(`${t.name}: underlines drawn and the legend filled`);
      await waitForLabelDecorations(page, { min: 20 });
      const rows = await waitFor('ui', `${t.name}: a legend row for each of the ${modelLabels.length} labels, with counts`, async () => {
        const r = await legendRows(page);
        return r.length === modelLabels.length && r.every((x) => /^\d+/.test(x.description)) ? r : undefined;
      });
      for (const row of rows) {
        const label = row.title.split(' — ')[0];
        assert.ok(modelLabels.includes(label), `${row.title} is a label of the model`);
        const want = labelColor(label, t.colors);
        if (want) assert.equal(row.swatch, want, `${t.name}: the swatch of ${label} has its ${t.colors} colour`);
        if (label === 'PROPN') assert.equal(row.title, 'PROPN — proper noun');
      }
      const decos = await labelDecorations(page);
      const drawn = new Set(decos.map((d) => d.color));
      const allowed = new Set(modelLabels.map((l) => labelColor(l, t.colors)).filter(Boolean));
      for (const c of drawn) assert.ok(allowed.has(c), `${t.name}: underline colour ${c} is a contributed label colour`);
      for (const d of decos) assert.ok(['solid', 'double', 'dashed', 'dotted'].includes(d.style), `underline style ${d.style}`);
      log(
        `${t.name}: ${rows.length} rows, e.g. ${rows
          .slice(0, 4)
          .map((r) => `${r.title} [${r.description}] ${r.swatch}`)
          .join('; ')}`,
      );
      log(`${t.name}: underline styles ${[...new Set(decos.map((d) => `${d.style} ${d.width}`))].join(', ')}`);
      await parkCursor(page);
      await settled(page);
      await page.screenshot({ path: path.join(ARTIFACTS, `legend-${t.name}.png`) });

      if (t.name === 'light') {
        e2e.step('a row click selects the next occurrence of its label');
        const counted = rows.map((r) => ({ ...r, label: r.title.split(' — ')[0], count: parseInt(r.description, 10) }));
        const target = counted.find((r) => r.count >= 2 && r.label !== 'PUNCT') ?? counted.find((r) => r.count >= 1);
        const before = await statusBarCursor(page);
        await page.mouse.click(target.rect.left + target.rect.width / 2, target.rect.top + target.rect.height / 2);
        const after = await waitFor('ui', `the status bar showing a selection after clicking ${target.label}`, async () => {
          const s = await statusBarCursor(page);
          return s && s !== before && /selected/.test(s) ? s : undefined;
        });
        log(`clicked ${target.label}: ${before} -> ${after}`);

        e2e.step('the checkbox hides a label and shows it again');
        const color = labelColor(target.label, 'light');
        const hideBox = page
          .locator('.pane-body .monaco-list-row', { hasText: target.title })
          .locator('.custom-view-tree-node-item-checkbox');
        const countOf = async () => (await labelDecorations(page)).filter((d) => d.color === color).length;
        const shownCount = await countOf();
        await hideBox.click();
        // two labels share each hue (told apart by a solid or a double line): unchecking one takes
        // away its underlines of that colour, the other label's stay
        await waitFor(
          'ui',
          `fewer underlines of ${target.label}'s colour (${color}) after unchecking it`,
          async () => shownCount > 0 && (await countOf()) < shownCount,
        );
        await settled(page);
        await page.screenshot({ path: path.join(ARTIFACTS, `legend-light-hidden-${target.label}.png`) });
        await hideBox.click();
        await waitFor('ui', `the ${target.label} underlines back after checking it`, async () => (await countOf()) === shownCount);
      }
    }
  },
);
