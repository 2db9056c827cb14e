// End-to-end: the analysis panel of the packaged extension (.vsix) in a fresh code-server (real
// VS Code), driven through headless Chromium. One server; the theme is switched as a user does,
// with Preferences: Color Theme from the command palette, and the test waits until the panel's
// document carries the theme's class. Checks, in the webview's own document (the inner iframe):
//   - the Content-Security-Policy meta: default-src 'none', nonce-only scripts, no remote
//     sources; every script carries the nonce; an injected script without it does not run;
//   - the bar charts and the token heatmap and layer x head grid are drawn; screenshots in a
//     light, a dark and a high-contrast theme (test-artifacts/panel-*.png);
//   - hovering a token shows its exact weight and label; clicking a token, or Enter / Space on
//     it, selects its word in the editor (read back from the status bar); Tab reaches every
//     control; a selection's scores appear without moving what is below (no layout jump);
//   - one state for the panel: clicking a layer x head grid cell shows that layer and head in the
//     dropdowns; a layer chosen from its dropdown stays through the host's next messages; the
//     detail line follows the token under the pointer when the layer changes; switching documents
//     never shows one document's tokens under the other's header (every redraw recorded);
//   - the token-to-token view: another token's attention (picked in "Attention of", or by
//     double-click), screenshots in light and dark (test-artifacts/panel-token-*.png);
//   - reloading the page restores the panel (serializer); its controls' state is logged.
//
//   node --test test/e2e/panel.e2e.test.mjs            (packages the extension first)
//   E2E_VSIX=path/to.vsix node --test test/e2e/panel.e2e.test.mjs
//   E2E_KEEP=1 ...                                      (keeps the temporary folders)
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  ARTIFACTS,
  dismissNotifications,
  findWebviewFrame,
  quickOpen,
  ROOT,
  runCommand,
  SAMPLES,
  selectColorTheme,
  settled,
  statusBarCursor,
  waitFor,
  waitForLabelDecorations,
} from '../harness/codeserver.mjs';
import { e2eTest, installedConfig } from '../harness/fixture.mjs';

const SAMPLE = 'sentences.txt';
// a second document for the switch: no word in common with the sample's first sentence
const OTHER = 'other.txt';
const OTHER_TEXT = 'Rivers flood valleys every spring.\nFarmers plant rice afterwards.\n';
// name: the workbench.colorTheme setting's value; label: the name the Color Theme picker shows
const THEMES = {
  light: { name: 'Default Light Modern', label: 'Light Modern', kind: 'light', cls: 'vscode-light' },
  dark: { name: 'Default Dark Modern', label: 'Dark Modern', kind: 'dark', cls: 'vscode-dark' },
  hc: { name: 'Default High Contrast', label: 'Dark High Contrast', kind: 'hc', cls: 'vscode-high-contrast' },
};

e2eTest(
  'analysis panel: CSP, bars and heatmap in light, dark and high-contrast themes, token hover/click/keyboard, no layout jump, restored after reload',
  {
    name: 'panel-e2e',
    // every label in the Review view (the default threshold may leave none of a sample's labels)
    settings: { 'workbench.colorTheme': THEMES.light.name, 'bertLstm.review.maxMargin': 1 },
    viewport: { width: 1500, height: 1150 },
    workspace: (base) => {
      const folder = path.join(base, 'workspace');
      mkdirSync(folder, { recursive: true });
      copyFileSync(path.join(SAMPLES, SAMPLE), path.join(folder, SAMPLE));
      writeFileSync(path.join(folder, OTHER), OTHER_TEXT);
      return folder;
    },
  },
  async (e2e) => {
    const { page, log } = e2e;
    const requests = [];
    {
      const config = installedConfig(e2e);
      const tokenLabels = new Set(Object.values(config.id2label));
      const sequenceLabels = Object.values(config.sequence_id2label);
      page.on('request', (r) => {
        let frameUrl = '';
        try {
          frameUrl = r.frame().url();
        } catch {
          /* a service worker's request */
        }
        requests.push({ url: r.url(), frameUrl });
      });

      e2e.step(`open ${SAMPLE} and label it`);
      await quickOpen(page, SAMPLE);
      const text = readFileSync(path.join(SAMPLES, SAMPLE), 'utf8');
      await runCommand(page, 'BERT+LSTM: Label Document');
      await waitForLabelDecorations(page, { min: 5 });
      await page.keyboard.press('Control+Home'); // cursor in the first segment, no selection

      e2e.step('open the panel from the command palette');
      await runCommand(page, 'BERT+LSTM: Show Analysis Panel');
      let frame = await findWebviewFrame(page, '#panel-root');
      const waitForData = (f) =>
        waitFor('webview', 'the panel drawing its document scores, its attention tokens and its layer x head grid', () =>
          f.evaluate(
            () =>
              !!document.querySelector('#document .bar-row') &&
              !!document.querySelector('#attention-text .tok[data-start]') &&
              !!document.querySelector('#attention-grid canvas.cell'),
          ),
        );
      await waitForData(frame);
      log(`panel frame: ${frame.url().slice(0, 100)}`);

      e2e.step('the Content-Security-Policy of the webview document');
      const sec = await frame.evaluate(() => {
        const meta = document.querySelector('meta[http-equiv="Content-Security-Policy"]');
        const scripts = [...document.querySelectorAll('script')].map((s) => ({ nonce: s.nonce, src: s.src }));
        const links = [...document.querySelectorAll('link[href]')].map((l) => l.href);
        // A script without the nonce, added after load: the policy must keep it from running.
        const bad = document.createElement('script');
        bad.textContent = 'window.__injectedRan = true;';
        document.body.append(bad);
        return {
          csp: meta?.getAttribute('content') ?? null,
          scripts,
          links,
          origin: location.origin,
          injectedRan: window.__injectedRan === true,
        };
      });
      log(`CSP: ${sec.csp}`);
      assert.ok(sec.csp, 'the webview document has a Content-Security-Policy meta element');
      const directives = new Map(
        sec.csp
          .split(';')
          .map((d) => d.trim())
          .filter(Boolean)
          .map((d) => {
            const [name, ...sources] = d.split(/\s+/);
            return [name, sources];
          }),
      );
      assert.deepEqual(directives.get('default-src'), ["'none'"], "default-src 'none'");
      const scriptSrc = directives.get('script-src') ?? [];
      assert.equal(scriptSrc.length, 1, `script-src has only a nonce: ${scriptSrc.join(' ')}`);
      const nonce = /^'nonce-([A-Za-z0-9+/=]{16,})'$/.exec(scriptSrc[0])?.[1];
      assert.ok(nonce, `script-src is a nonce: ${scriptSrc[0]}`);
      for (const [name, sources] of directives) {
        for (const s of sources) {
          assert.ok(!/^'unsafe-(inline|eval)'$/.test(s), `${name} allows ${s}`);
          assert.ok(s !== '*' && !/^(https?|wss?|data|blob):?$/.test(s), `${name} allows any host or scheme: ${s}`);
        }
      }
      assert.ok(sec.scripts.length >= 1, 'the panel has its script');
      for (const s of sec.scripts.filter((x) => x.src)) assert.equal(s.nonce, nonce, `script ${s.src} carries the policy's nonce`);
      assert.equal(sec.injectedRan, false, 'a script without the nonce does not run');
      // No remote sources: everything the webview loads comes from the webview's own resource
      // origin (what VS Code serves from the extension's folders), or this machine.
      const localHost = (u) => {
        const h = new URL(u).hostname;
        return h === '127.0.0.1' || h === 'localhost' || h.endsWith('.vscode-cdn.net') || h.endsWith('.vscode-resource.vscode-cdn.net');
      };
      for (const u of [...sec.scripts.map((s) => s.src).filter(Boolean), ...sec.links]) {
        assert.ok(localHost(u), `webview resource ${u} is local`);
        assert.ok(/\/(media|dist\/webview)\//.test(decodeURIComponent(u)), `webview resource ${u} is under media/ or dist/webview/`);
      }

      e2e.step('the bar charts and the heatmap (light theme)');
      const shape = async (f) =>
        f.evaluate(() => {
          const r = (el) => {
            const b = el.getBoundingClientRect();
            return { top: b.top, left: b.left, width: b.width, height: b.height, bottom: b.bottom };
          };
          const fills = [...document.querySelectorAll('#document .bar-fill')];
          return {
            theme: document.body.className,
            // VS Code paints the webview with the editor background (a theme variable on <html>)
            background: getComputedStyle(document.documentElement).getPropertyValue('--vscode-editor-background').trim(),
            foreground: getComputedStyle(document.body).color,
            viewport: { width: innerWidth, height: innerHeight },
            labels: [...document.querySelectorAll('#document .bar-label')].map((e) => e.textContent),
            values: [...document.querySelectorAll('#document .bar-value')].map((e) => e.textContent),
            fills: fills.map((e) => ({ ...r(e), color: getComputedStyle(e).backgroundColor, outline: getComputedStyle(e).outlineStyle })),
            track: getComputedStyle(document.querySelector('#document .bar-track')).borderTopColor,
            tokens: [...document.querySelectorAll('#attention-text .tok')].map((e) => ({
              ...r(e),
              bg: getComputedStyle(e).backgroundColor,
              weight: Number(e.dataset.weight),
            })),
            cells: [...document.querySelectorAll('#attention-grid canvas.cell')].map(r),
            grid: r(document.querySelector('#attention-grid')),
            notes: document.querySelector('#model-notes').hidden,
          };
        });
      const checkDrawn = (s, theme) => {
        assert.deepEqual([...s.labels].sort(), [...sequenceLabels].sort(), `${theme}: one bar per sequence label`);
        const pct = s.values.map((v) => Number(v.replace('%', '')));
        assert.ok(
          Math.abs(pct.reduce((a, b) => a + b, 0) - 100) < 0.5,
          `${theme}: the shown percentages sum to 100 (${s.values.join(', ')})`,
        );
        for (let i = 1; i < pct.length; i++) assert.ok(pct[i - 1] >= pct[i], `${theme}: bars sorted`);
        assert.ok(s.fills[0].width > 10, `${theme}: the top bar is drawn (${s.fills[0].width}px)`);
        assert.ok(s.background, `${theme}: the theme's editor background is set`);
        assert.notEqual(s.fills[0].color, s.background, `${theme}: bars differ from the background`);
        assert.notEqual(s.fills[0].color, 'rgba(0, 0, 0, 0)', `${theme}: bars have a color`);
        assert.ok(s.tokens.length >= 5, `${theme}: tokens drawn`);
        const shaded = s.tokens.filter((t) => t.bg !== 'rgba(0, 0, 0, 0)');
        assert.ok(shaded.length >= s.tokens.length / 2, `${theme}: tokens shaded by weight (${shaded.length}/${s.tokens.length})`);
        assert.equal(
          s.cells.length,
          configNumber(config, 'num_hidden_layers') * configNumber(config, 'num_attention_heads'),
          `${theme}: one heatmap per layer and head`,
        );
        for (const c of [...s.cells, s.fills[0], ...s.tokens]) {
          assert.ok(
            c.width > 0 && c.height > 0 && c.top >= 0 && c.bottom <= s.viewport.height,
            `${theme}: drawn inside the visible panel (${JSON.stringify(c)} in ${JSON.stringify(s.viewport)})`,
          );
        }
        assert.ok(s.notes, `${theme}: no capability note for the default model`);
      };
      const light = await shape(frame);
      assert.match(light.theme, /vscode-light/);
      checkDrawn(light, 'light');
      await dismissNotifications(page);
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-light.png') });

      e2e.step('hover a token: exact weight and label');
      const target = frame.locator('#attention-text .tok[data-label][data-start]').nth(2);
      const t = await target.evaluate((e) => ({
        text: e.textContent,
        weight: Number(e.dataset.weight),
        label: e.dataset.label,
        start: Number(e.dataset.start),
        end: Number(e.dataset.end),
        title: e.title,
      }));
      await target.hover();
      const detail = await frame.locator('#token-detail').textContent();
      log(`hover: ${detail}`);
      assert.ok(detail.includes(`weight ${t.weight.toFixed(6)}`), `the detail line shows the exact weight ${t.weight}: ${detail}`);
      assert.ok(detail.includes(`label ${t.label}`) && tokenLabels.has(t.label), `the detail line shows the token's label: ${detail}`);
      assert.equal(t.title.split('\n')[0], detail, 'the tooltip says the same (then how to pick the token)');

      e2e.step('no layout jump: positions before a selection is scored');
      const positions = (f) =>
        f.evaluate(() =>
          ['#segment-title', '#selection-title', '#attention-section h2', '#attention-text', '#attention-grid'].map((s) =>
            Math.round(document.querySelector(s).getBoundingClientRect().top),
          ),
        );
      const before = await positions(frame);
      const updatesBefore = await frame.evaluate(() => Number(document.body.dataset.updates));

      e2e.step('click a token: its word is selected in the editor');
      const expectCursor = (start, end) => {
        const lineStarts = [0];
        for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
        const line = lineStarts.filter((s) => s <= end).length;
        return `Ln ${line}, Col ${end - lineStarts[line - 1] + 1} (${end - start} selected)`;
      };
      await target.click();
      const clicked = expectCursor(t.start, t.end);
      await waitUntil(
        `the click on "${t.text}" selecting its word in the editor (${clicked})`,
        async () => (await statusBarCursor(page)) === clicked,
        async () =>
          `status bar says ${await statusBarCursor(page)}, expected ${clicked} (word ${JSON.stringify(text.slice(t.start, t.end))})`,
      );
      log(`click on "${t.text}": ${clicked}`);

      e2e.step('the selection is scored on demand, and nothing below moves');
      await waitFor('webview', "the selection's scores drawn", () => frame.evaluate(() => !!document.querySelector('#selection .bar-row')));
      await waitUntil(
        'new scores for the selection',
        async () => (await frame.evaluate(() => Number(document.body.dataset.updates))) > updatesBefore,
        async () => 'no new scores',
      );
      const selTitle = await frame.locator('#selection-title').textContent();
      assert.equal(selTitle, `Selection (${t.end - t.start} characters)`);
      assert.deepEqual(await positions(frame), before, 'headings, tokens and grid stay where they were when the selection scores appear');
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-light-selection.png') });

      e2e.step('keyboard: Tab reaches the controls and the tokens; Enter and Space select words');
      await frame.locator('#refresh').focus();
      const order = [];
      for (let i = 0; i < 12; i++) {
        await page.keyboard.press('Tab');
        const id = await frame.evaluate(() => {
          const a = document.activeElement;
          return a?.id || (a?.classList.contains('tok') ? 'token' : (a?.tagName?.toLowerCase() ?? 'none'));
        });
        order.push(id);
        if (id === 'token') break;
      }
      log(`tab order: ${order.join(' > ')}`);
      for (const id of ['direction', 'layer', 'head', 'rollout', 'hide-special', 'token']) {
        assert.ok(order.includes(id), `Tab reaches ${id} (order: ${order.join(', ')})`);
      }
      const tokenAt = async (k) => {
        const loc = frame.locator('#attention-text .tok[data-start]').nth(k);
        return { loc, ...(await loc.evaluate((e) => ({ start: Number(e.dataset.start), end: Number(e.dataset.end) }))) };
      };
      for (const [k, key] of [
        [0, 'Enter'],
        [4, 'Space'],
      ]) {
        const tok = await tokenAt(k);
        await tok.loc.focus();
        await page.keyboard.press(key);
        const want = expectCursor(tok.start, tok.end);
        await waitUntil(
          `${key} on a token selecting its word in the editor (${want})`,
          async () => (await statusBarCursor(page)) === want,
          async () => `${key}: status bar says ${await statusBarCursor(page)}, expected ${want}`,
        );
      }
      // a control operated from the keyboard: Space on Rollout
      const weightsNow = () =>
        frame.evaluate(() => [...document.querySelectorAll('#attention-text .tok')].map((e) => e.dataset.weight).join(','));
      const w0 = await weightsNow();
      await frame.locator('#rollout').focus();
      await page.keyboard.press('Space');
      await waitUntil(
        'Space on Rollout switching to rollout (the layer control disabled)',
        async () => await frame.evaluate(() => document.querySelector('#layer').hasAttribute('disabled')),
        async () => 'the layer control is still enabled',
      );
      assert.notEqual(await weightsNow(), w0, 'rollout shades the tokens differently');
      await page.keyboard.press('Space');

      // ---------------------------------------------------------- one state, one render
      // What the user sees in a dropdown: the text on its face (in the element's shadow root).
      const face = (id) =>
        frame.evaluate((i) => document.getElementById(i)?.shadowRoot?.querySelector('.select-face .text')?.textContent?.trim() ?? '', id);
      const exact = (t) => new RegExp(`^\\s*${t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
      const choose = async (id, text) => {
        await frame.locator(`#${id}`).click();
        await frame
          .locator(`#${id} li[role="option"]`)
          .filter({ hasText: exact(text) })
          .first()
          .click();
        await waitUntil(
          `the ${id} dropdown showing "${text}"`,
          async () => (await face(id)) === text,
          async () => `it shows "${await face(id)}"`,
        );
      };
      const layers = configNumber(config, 'num_hidden_layers');
      const heads = configNumber(config, 'num_attention_heads');
      const [gl, gh] = [Math.min(2, layers - 1), Math.min(1, heads - 1)];

      e2e.step(`click the grid cell for layer ${gl} / head ${gh}: the dropdowns say so`);
      const w1 = await weightsNow();
      await frame.locator(`#attention-grid canvas.cell[data-layer="${gl}"][data-head="${gh}"]`).click();
      await waitUntil(
        `the layer and head dropdowns showing layer ${gl} / head ${gh}`,
        async () => (await face('layer')) === `layer ${gl}` && (await face('head')) === `head ${gh}`,
        async () => `they show "${await face('layer')}" / "${await face('head')}"`,
      );
      assert.equal(
        await frame.locator(`#attention-grid canvas.cell[data-layer="${gl}"][data-head="${gh}"]`).getAttribute('aria-pressed'),
        'true',
        'the cell is marked as the one shown',
      );
      assert.notEqual(await weightsNow(), w1, 'the tokens are shaded by that layer and head');
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-grid-cell-light.png') });

      e2e.step('choose a layer from its dropdown: it stays through the next messages from the host');
      await choose('layer', 'layer 0');
      const updates0 = await frame.evaluate(() => Number(document.body.dataset.updates));
      // a click on a token selects its word: the host sends the panel new scores
      await frame.locator('#attention-text .tok[data-start]').nth(1).click();
      await waitUntil(
        'new scores after the click',
        async () => (await frame.evaluate(() => Number(document.body.dataset.updates))) > updates0,
        async () => 'no new scores',
      );
      await settled(page);
      assert.equal(await face('layer'), 'layer 0', 'the chosen layer stays');
      assert.equal(await face('head'), `head ${gh}`, 'the head stays');
      assert.equal(await frame.evaluate(() => document.querySelector('#layer').value), '0');

      e2e.step('the hover line follows the layer: the token under the pointer, with its weight now');
      const hovered = frame.locator('#attention-text .tok[data-label][data-start]').nth(3);
      await hovered.hover();
      const detailOf = async () => {
        const d = await hovered.evaluate((e) => ({ text: e.textContent, weight: Number(e.dataset.weight) }));
        return `${d.text}: weight ${d.weight.toFixed(6)}`;
      };
      const line0 = await frame.locator('#token-detail').textContent();
      assert.ok(line0.startsWith(await detailOf()), `hover: ${line0}`);
      await choose('layer', 'all layers (mean)');
      await waitUntil(
        "the detail line showing the hovered token's weight in the layers now chosen",
        async () => (await frame.locator('#token-detail').textContent()).startsWith(await detailOf()),
        async () => `detail line "${await frame.locator('#token-detail').textContent()}", token now ${await detailOf()}`,
      );
      assert.notEqual(await frame.locator('#token-detail').textContent(), line0, 'the weight changed with the layer');

      e2e.step('the token-to-token view: another token\'s attention, picked in "Attention of"');
      const clsWeights = await weightsNow();
      const picked = frame.locator('#attention-text .tok[data-start]').nth(2);
      const [pickText, pickIndex] = await picked.evaluate((e) => [e.textContent, e.dataset.index]);
      assert.ok(pickIndex, `a token "${pickText}" in the panel`);
      await choose('focus', `"${pickText}" (#${pickIndex})`);
      await waitUntil(
        `"${pickText}" marked as the token shown, its attention drawn`,
        async () =>
          (await frame.evaluate(() => document.querySelector('#attention-text .tok.focus')?.textContent)) === pickText &&
          (await weightsNow()) !== clsWeights,
        async () => `focus token "${await frame.evaluate(() => document.querySelector('#attention-text .tok.focus')?.textContent)}"`,
      );
      await waitUntil(
        'the direction dropdown naming the token',
        async () => (await face('direction')) === `from "${pickText}" (#${pickIndex}) to every token`,
        async () => `it shows "${await face('direction')}"`,
      );
      const fromPick = await weightsNow();
      await choose('direction', `every token to "${pickText}" (#${pickIndex})`);
      await waitUntil(
        'the other direction drawn',
        async () => (await weightsNow()) !== fromPick,
        async () => 'the same weights',
      );
      await choose('direction', `from "${pickText}" (#${pickIndex}) to every token`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-token-light.png') });
      // a double-click on a token picks it too
      const dbl = frame.locator('#attention-text .tok[data-start]').last();
      const dblText = await dbl.textContent();
      await dbl.dblclick();
      await waitUntil(
        `a double-click picking "${dblText}"`,
        async () => (await frame.evaluate(() => document.querySelector('#attention-text .tok.focus')?.textContent)) === dblText,
        async () => `focus token "${await frame.evaluate(() => document.querySelector('#attention-text .tok.focus')?.textContent)}"`,
      );
      await choose('focus', '[CLS] (the default)');
      await waitUntil(
        "[CLS]'s attention again",
        async () => (await weightsNow()) === clsWeights,
        async () => 'other weights',
      );

      e2e.step("switch documents: the header and the tokens are always the same document's");
      // every redraw of the header or the attention is recorded in the webview
      await frame.evaluate(() => {
        window.__redraws = [];
        const record = () =>
          window.__redraws.push({
            status: document.querySelector('#status').textContent,
            note: document.querySelector('#attention-note').textContent,
            tokens: [...document.querySelectorAll('#attention-text .tok:not(.special)')].map((e) => e.textContent),
          });
        new MutationObserver(record).observe(document.querySelector('#panel-root'), {
          subtree: true,
          childList: true,
          characterData: true,
        });
      });
      const checkRedraws = async (files) => {
        const redraws = await frame.evaluate(() => window.__redraws.splice(0));
        let shown = 0;
        for (const r of redraws) {
          const header = r.status.split(' · ').pop();
          const noteFile = /^(.+?): \d+ tokens/.exec(r.note)?.[1];
          if (!noteFile) continue;
          shown++;
          assert.equal(noteFile, header, `the attention is for ${noteFile} under the header ${header}`);
          for (const t of r.tokens) assert.ok(files[header].includes(t), `token "${t}" is in ${header}`);
        }
        return { redraws: redraws.length, shown };
      };
      const files = { [SAMPLE]: text, [OTHER]: OTHER_TEXT };
      const switchTo = async (name) => {
        await runCommand(page, 'View: Focus First Editor Group');
        await quickOpen(page, name);
        await runCommand(page, 'BERT+LSTM: Label Document');
        await page.keyboard.press('Control+Home');
        await waitUntil(
          `the panel showing ${name}: header and tokens`,
          async () =>
            frame.evaluate(
              ([n, first]) =>
                document.querySelector('#status').textContent.endsWith(` · ${n}`) &&
                document.querySelector('#attention-note').textContent.startsWith(`${n}: `) &&
                !!document.querySelector('#attention-text .tok:not(.special)')?.textContent &&
                first.startsWith(document.querySelector('#attention-text .tok:not(.special)').textContent),
              [name, files[name]],
            ),
          async () =>
            `header "${await frame.locator('#status').textContent()}", note "${await frame.locator('#attention-note').textContent()}"`,
        );
        return checkRedraws(files);
      };
      const toOther = await switchTo(OTHER);
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-switch-light.png') });
      const back = await switchTo(SAMPLE);
      log(
        `document switch: ${toOther.redraws} + ${back.redraws} redraws recorded, ${toOther.shown} + ${back.shown} with attention; all matched their header`,
      );
      assert.ok(toOther.shown > 0 && back.shown > 0, 'the attention was drawn for both documents');

      e2e.step('the Review view: grouped by file, the sentence around each word, line:column, progress, inline Accept');
      await page.locator('.part.activitybar [aria-label^="Label Review"]').first().click();
      const sidebar = page.locator('.part.sidebar');
      const rows = sidebar.locator('.monaco-list-row');
      await waitUntil(
        'the Review view listing both files and their labels',
        async () => (await sidebar.locator('.monaco-list-row[aria-level="1"]').count()) === 2 && (await rows.count()) > 4,
        async () => `rows: ${JSON.stringify(await rows.allTextContents())}`,
      );
      const review = async () =>
        sidebar.evaluate((bar) => {
          const rowsNow = [...bar.querySelectorAll('.monaco-list-row')];
          return {
            // the view's description: in its pane header, or in the side bar's title when it is the only view
            header:
              [...bar.querySelectorAll('*')]
                .find((e) => e.children.length === 0 && /^\s*\d+ of \d+ reviewed\s*$/.test(e.textContent ?? ''))
                ?.textContent?.trim() ?? '',
            files: rowsNow.filter((r) => r.getAttribute('aria-level') === '1').map((r) => r.querySelector('.label-name')?.textContent),
            items: rowsNow
              .filter((r) => r.getAttribute('aria-level') === '2')
              .map((r) => ({
                label: r.querySelector('.label-name')?.textContent ?? '',
                highlight: [...r.querySelectorAll('.label-name .highlight')].map((h) => h.textContent).join(''),
                description: r.querySelector('.label-description')?.textContent ?? '',
              })),
          };
        });
      const r0 = await review();
      log(`review view: ${r0.header}; files ${r0.files.join(', ')}; first rows ${JSON.stringify(r0.items.slice(0, 3))}`);
      assert.deepEqual([...r0.files].sort(), [OTHER, SAMPLE].sort(), 'one group per file');
      const progress = /^(\d+) of (\d+) reviewed$/.exec(r0.header);
      assert.ok(progress, `the progress in the view's header: "${r0.header}"`);
      for (const it of r0.items) {
        assert.match(it.description, /^\S+ \d+\.\d% · \d+:\d+$/, `label, probability and line:column: "${it.description}"`);
        assert.ok(it.highlight && it.label.includes(it.highlight), `the word highlighted in its sentence: ${JSON.stringify(it)}`);
        assert.ok(it.label.length > it.highlight.length, `a sentence around "${it.highlight}": "${it.label}"`);
      }
      await page.screenshot({ path: path.join(ARTIFACTS, 'review-light.png') });
      // Accept, the first row's inline action
      const first = sidebar.locator('.monaco-list-row[aria-level="2"]').first();
      const firstLabel = await first.locator('.label-name').textContent();
      await first.hover();
      await first.locator('.actions [aria-label^="Accept"]').click();
      await waitUntil(
        'Accept counting one more reviewed label',
        async () => (await review()).header === `${Number(progress[1]) + 1} of ${progress[2]} reviewed`,
        async () => `header "${(await review()).header}"`,
      );
      const r1 = await review();
      const same = (a, b) => a.label === b.label && a.highlight === b.highlight && a.description === b.description;
      assert.ok(!r1.items.some((it) => same(it, r0.items[0])), `the accepted row "${firstLabel}" left the queue`);
      await page.screenshot({ path: path.join(ARTIFACTS, 'review-light-accepted.png') });

      e2e.step('dark theme');
      // Preferences: Color Theme, then the panel's document carries the theme's class (VS Code
      // sets vscode-light / vscode-dark / vscode-high-contrast on the webview's body) and is drawn
      const themed = async (theme) => {
        await selectColorTheme(page, theme.label, theme.kind);
        await waitFor(
          'webview',
          `the panel's document in ${theme.name} (body.${theme.cls})`,
          () => frame.evaluate((c) => document.body.classList.contains(c), theme.cls),
          {
            detail: async () =>
              `the panel's body has class "${await frame.evaluate(() => document.body.className).catch((e) => e.message)}"`,
          },
        );
        await waitForData(frame);
        await dismissNotifications(page);
        await settled(page);
      };
      await themed(THEMES.dark);
      const dark = await shape(frame);
      checkDrawn(dark, 'dark');
      assert.notEqual(dark.background, light.background, 'the panel follows the theme (background)');
      assert.notEqual(dark.foreground, light.foreground, 'the panel follows the theme (text)');
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-dark.png') });
      {
        const tok = frame.locator('#attention-text .tok[data-start]').nth(2);
        const t2 = await tok.textContent();
        await tok.dblclick();
        await waitUntil(
          `the token-to-token view of "${t2}" in the dark theme`,
          async () => (await frame.evaluate(() => document.querySelector('#attention-text .tok.focus')?.textContent)) === t2,
          async () => 'not picked',
        );
        await page.screenshot({ path: path.join(ARTIFACTS, 'panel-token-dark.png') });
        await choose('focus', '[CLS] (the default)');
      }

      e2e.step('high-contrast theme');
      await themed(THEMES.hc);
      const hc = await shape(frame);
      checkDrawn(hc, 'high contrast');
      assert.equal(hc.fills[0].outline, 'solid', 'high contrast: bars have the contrast border');
      assert.notEqual(hc.track, 'rgba(0, 0, 0, 0)', 'high contrast: bar tracks have a visible border');
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-high-contrast.png') });

      e2e.step('reload: the serializer restores the panel with its state');
      await themed(THEMES.light);
      await frame.evaluate(() => {
        const sel = document.querySelector('#direction');
        sel.value = 'to';
        sel.dispatchEvent(new Event('change'));
      });
      const toClsWeights = await weightsNow();
      await e2e.reload();
      frame = await findWebviewFrame(page, '#panel-root');
      await waitForData(frame);
      // The controls' state (setState) did not survive a page reload in code-server in our runs
      // (the panel itself does): logged, not asserted; see docs/PANEL.md.
      log(
        `direction control after reload: ${await frame.evaluate(() => document.querySelector('#direction').value)} (set to toCls before)`,
      );
      const restored = await shape(frame);
      checkDrawn(restored, 'restored');
      log(
        `restored panel: ${restored.labels.length} bars, ${restored.tokens.length} tokens; tokens to [CLS] ${toClsWeights === (await weightsNow()) ? 'same' : 'recomputed'}`,
      );
      await page.screenshot({ path: path.join(ARTIFACTS, 'panel-restored.png') });

      e2e.step('no remote requests from the webview');
      const fromWebview = requests.filter((r) => /webview/i.test(r.frameUrl) || /webview/i.test(r.url));
      assert.ok(fromWebview.length > 0, "the webview's requests were seen");
      const remote = fromWebview.filter((r) => /^(https?|wss?):/.test(r.url) && !localHost(r.url));
      assert.deepEqual(remote, [], 'the webview made no request off this machine');
      assert.deepEqual(
        e2e.pageErrors.filter((e) => /bertLstm|BERT\+LSTM|panel/i.test(e)),
        [],
        'no page errors from the panel',
      );
      log(
        `screenshots: ${['panel-light.png', 'panel-grid-cell-light.png', 'panel-token-light.png', 'panel-switch-light.png', 'review-light.png', 'panel-dark.png', 'panel-token-dark.png', 'panel-high-contrast.png', 'panel-restored.png'].map((f) => path.relative(ROOT, path.join(ARTIFACTS, f))).join(', ')}`,
      );
    }
  },
);

/** A UI reaction the test waits for; `describe` says what was seen instead. */
async function waitUntil(what, check, describe) {
  await waitFor('ui', what, check, { detail: describe });
}

/** A number from the bundle's config, at the top or in a nested section (e.g. the encoder's). */
function configNumber(config, key) {
  if (typeof config?.[key] === 'number') return config[key];
  for (const v of Object.values(config ?? {})) {
    if (v && typeof v === 'object') {
      const n = configNumber(v, key);
      if (n !== undefined) return n;
    }
  }
  return undefined;
}
