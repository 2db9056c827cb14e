// The browser tests' fixture: one owner for the life of code-server and Chromium, so that the
// five e2e files say only what they test. `e2eTest(title, options, body)` is a node:test test
// that packages (or takes $E2E_VSIX), installs the .vsix into a fresh code-server, starts it on
// a folder, starts Chromium, opens the workbench and waits until it is usable, then runs
// body(e2e). Whatever happens (a failed assertion, a timeout of node:test, the process exiting)
// both processes are killed and the temporary folder removed (E2E_KEEP=1 keeps it). On a
// failure the report names the step that failed and carries a screenshot, the code-server log
// and the extension host's logs (paths printed as test diagnostics, the log's tail included).
//
//   e2eTest('what it checks', { name: 'panel-e2e', settings, workspace, workspaceTrust }, async (e2e) => {
//     e2e.step('open the sample');        // named in the failure report
//     await quickOpen(e2e.page, 'sentences.txt');
//   });
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import test from 'node:test';
import {
  ARTIFACTS,
  dismissNotifications,
  installVsix,
  launchBrowserProcess,
  openWorkbench,
  reportFailure,
  SAMPLES,
  startCodeServer,
  testVsix,
  UI_SETTINGS,
  workbenchReady,
} from './codeserver.mjs';
import { TIMEOUTS } from './waits.mjs';

export { TIMEOUTS };

/** A browser test's own time limit: every kind of wait several times over, and then some. */
export const TEST_TIMEOUT = 20 * 60_000;

/**
 * Options: name (the prefix of its artifacts, e.g. 'panel-e2e'); workspace (a folder, or
 * (base) => folder made under the test's temporary folder; default samples/); settings (user
 * settings on top of UI_SETTINGS); workspaceTrust (see startCodeServer); viewport; timeout.
 * body(e2e) gets { page, server, browser, base, folder, installedDir, extensionsDir, vsix,
 * pageErrors, serverLog, log(s), step(s), reload() }.
 */
export function e2eTest(title, options, body) {
  const { name, timeout = TEST_TIMEOUT } = options;
  return test(title, { timeout }, (t) => runE2e(t, options, body, name));
}

async function runE2e(t, options, body, name) {
  process.env.E2E_TEST_NAME = name;
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = (s) => console.log(`[${name}] ${s}`);
  const serverLog = [];
  const pageErrors = [];
  const e2e = { log, serverLog, pageErrors, currentStep: 'package the extension' };
  e2e.step = (s) => {
    e2e.currentStep = s;
  };
  let server;
  let chromium;
  // The processes must not outlive the test: killed when node:test gives up on it (its
  // timeout aborts t.signal) and when this process exits, whatever the test is doing then.
  const killAll = () => {
    server?.kill?.();
    chromium?.kill();
  };
  t.signal.addEventListener('abort', killAll, { once: true });
  process.once('exit', killAll);
  const base = mkdtempSync(path.join(tmpdir(), `bert-lstm-${name}-`));
  e2e.base = base;
  try {
    e2e.vsix = await testVsix(log);
    e2e.folder = typeof options.workspace === 'function' ? options.workspace(base) : (options.workspace ?? SAMPLES);

    e2e.step('install the .vsix into a fresh code-server');
    const installed = await installVsix(e2e.vsix, { baseDir: base, log: (s) => serverLog.push(s) });
    e2e.installedDir = installed.installedDir;
    e2e.extensionsDir = installed.extensionsDir;

    e2e.step('start code-server');
    const t0 = Date.now();
    server = await startCodeServer({
      baseDir: base,
      folder: e2e.folder,
      settings: { ...UI_SETTINGS, ...(options.settings ?? {}) },
      workspaceTrust: options.workspaceTrust,
      log: (s) => serverLog.push(s),
    });
    e2e.server = server;

    e2e.step('start Chromium');
    chromium = await launchBrowserProcess();
    e2e.browser = chromium.browser;

    e2e.step('open the workbench');
    e2e.page = await openWorkbench(chromium.browser, server, e2e.folder, options.viewport ? { viewport: options.viewport } : {});
    e2e.page.on('pageerror', (err) => pageErrors.push(String(err)));
    await dismissNotifications(e2e.page);
    log(`workbench ready ${((Date.now() - t0) / 1000).toFixed(1)} s after code-server was started`);

    /** Reloads the page, as a user does (F5), and waits until the workbench is usable again. */
    e2e.reload = async () => {
      await e2e.page.reload({ timeout: TIMEOUTS.workbench });
      await workbenchReady(e2e.page);
      await dismissNotifications(e2e.page);
    };

    e2e.step('the test begins');
    await body(e2e);
  } catch (err) {
    const reported = await reportFailure(err, { name, step: e2e.currentStep, page: e2e.page, serverLog, pageErrors, base });
    const tail = serverLog.join('').trim().split('\n').slice(-20);
    t.diagnostic(`${name} failed at step "${e2e.currentStep}"`);
    for (const line of reported.message.split('\n').slice(1)) t.diagnostic(line.trim());
    t.diagnostic(`code-server log, last ${tail.length} lines:`);
    for (const line of tail) t.diagnostic(`  ${line}`);
    throw reported;
  } finally {
    await chromium?.close();
    await server?.stop();
    process.removeListener('exit', killAll);
    if (!process.env.E2E_KEEP) rmSync(base, { recursive: true, force: true });
    else log(`kept ${base}`);
  }
}

/** The packaged default model's config.json (labels, sizes) as installed. */
export function installedConfig(e2e) {
  return JSON.parse(readFileSync(path.join(e2e.installedDir, 'models/default/config.json'), 'utf8'));
}
