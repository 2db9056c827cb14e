#!/usr/bin/env node
// A stand-in for the VS Code desktop executable, for @vscode/test-cli and @vscode/test-electron:
// it accepts the desktop flags (--extensionDevelopmentPath=, --extensionTestsPath=,
// --user-data-dir=, --extensions-dir=, a folder), runs them in real VS Code through code-server
// and headless Chromium, prints the extension host's test output, and exits with its code.
// code-server's temporary folder is removed at the end (VSCODE_LAUNCHER_KEEP=1 keeps it).
import { mkdirSync, rmSync } from 'node:fs';
import { format } from 'node:util';
import * as path from 'node:path';
import { extensionTestUrl, launchBrowser, ROOT, startCodeServer } from './codeserver.mjs';

const opts = { positional: [] };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
  if (!m) {
    opts.positional.push(a);
    continue;
  }
  const [, key, inline] = m;
  const takesValue = ['extensionDevelopmentPath', 'extensionTestsPath', 'user-data-dir', 'extensions-dir', 'folder-uri'].includes(key);
  opts[key] = inline ?? (takesValue ? argv[++i] : true);
}
const devPath = opts.extensionDevelopmentPath ?? ROOT;
const testsPath = opts.extensionTestsPath;
if (!testsPath) {
  console.error('vscode-launcher: --extensionTestsPath is required');
  process.exit(2);
}
const folder = opts.positional.find((p) => !p.startsWith('-')) ?? path.join(ROOT, 'samples');
const timeoutMs = Number(process.env.VSCODE_LAUNCHER_TIMEOUT_MS ?? 15 * 60_000);
const userDataDir = opts['user-data-dir'] ? path.resolve(opts['user-data-dir'], 'cs') : undefined;
if (userDataDir) mkdirSync(userDataDir, { recursive: true });

const server = await startCodeServer({
  folder,
  userDataDir,
  smokeTestDriver: true,
  log: process.env.VSCODE_LAUNCHER_VERBOSE ? (s) => process.stderr.write(`[code-server] ${s}`) : undefined,
});
const browser = await launchBrowser();
let code = 1;
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const done = new Promise((resolve) => {
    page.exposeFunction('codeAutomationExit', (c) => resolve(Number(c)));
  });
  await page.exposeFunction('codeAutomationLog', (type, args) => {
    const text = format(...(Array.isArray(args) ? args : [args]));
    (type === 'error' ? process.stderr : process.stdout).write(text + '\n');
  });
  await page.goto(extensionTestUrl(server.port, folder, devPath, testsPath));
  const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), timeoutMs));
  const result = await Promise.race([done, timer]);
  if (result === 'timeout') {
    console.error(`vscode-launcher: the extension tests did not finish within ${timeoutMs / 1000} s`);
    await page.screenshot({ path: path.join(ROOT, 'test-artifacts', 'launcher-timeout.png') }).catch(() => {});
  } else code = result;
} finally {
  await browser.close();
  await server.stop();
  // code-server's temporary folder (config, XDG folders, and user data unless a folder was given)
  if (!process.env.VSCODE_LAUNCHER_KEEP) rmSync(server.base, { recursive: true, force: true });
}
process.exit(code);
