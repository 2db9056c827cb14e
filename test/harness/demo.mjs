#!/usr/bin/env node
// The demo (npm run demo, through scripts/demo): builds and packages the extension, installs the
// .vsix into a code-server under .cache/demo (fresh each run), starts it on 127.0.0.1 with
// samples/ open, prints the URL and the command-line labeler's output on a sample, and runs
// until Ctrl+C.
//
//   node test/harness/demo.mjs [--screenshot FILE] [--file NAME] [--vsix FILE]
//     --screenshot FILE  instead: open the sample in headless Chromium, label it through the
//                        command palette, hover a word, save a screenshot to FILE, stop, exit 0
//                        (non-zero on failure, with FILE's name + "-failure.png" saved)
//     --file NAME        the sample to open from samples/ (default sentences.txt)
//     --vsix FILE        install this .vsix instead of building and packaging
//   env PORT             the port (default 8080; a free port when that one is taken)
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { packageVsix } from '../../scripts/package.mjs';
import {
  dismissNotifications,
  freePort,
  hoverDecoration,
  installVsix,
  launchBrowser,
  openWorkbench,
  parkCursor,
  quickOpen,
  ROOT,
  runCommand,
  startCodeServer,
  UI_SETTINGS,
  waitForLabelDecorations,
} from './codeserver.mjs';

const say = (s) => console.log(`[demo] ${s}`);
const { values } = parseArgs({
  options: {
    screenshot: { type: 'string' },
    file: { type: 'string', default: 'sentences.txt' },
    vsix: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('usage: npm run demo [-- --screenshot FILE] [--file NAME] [--vsix FILE]   (env PORT, default 8080)');
  process.exit(0);
}
// npm runs scripts from the project root; paths on the command line are the caller's.
const callerCwd = process.env.INIT_CWD ?? process.cwd();
const SAMPLES = path.join(ROOT, 'samples');
const sample = path.join(SAMPLES, values.file);
if (!existsSync(sample)) {
  console.error(`[demo] no sample ${sample}`);
  process.exit(2);
}
const DEMO = path.join(ROOT, '.cache', 'demo');

function portIsFree(port) {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

async function choosePort() {
  const wanted = Number(process.env.PORT ?? 8080);
  if (Number.isInteger(wanted) && wanted > 0 && wanted < 65536 && (await portIsFree(wanted))) return wanted;
  const port = await freePort();
  say(`port ${wanted} is taken: using ${port}`);
  return port;
}

// Ctrl+C: stops code-server once it runs (it is in its own process group), else just exits.
let onSignal = () => process.exit(130);
process.on('SIGINT', () => onSignal());
process.on('SIGTERM', () => onSignal());

async function main() {
  let vsix = values.vsix ? path.resolve(callerCwd, values.vsix) : undefined;
  if (!vsix) vsix = (await packageVsix({ log: (s) => console.log(`[demo] ${s}`) })).vsix;

  // A fresh code-server home (extensions, user data, XDG folders) for every run.
  rmSync(DEMO, { recursive: true, force: true });
  mkdirSync(DEMO, { recursive: true });
  const logFile = path.join(DEMO, 'code-server.log');
  const logStream = createWriteStream(logFile);
  const log = (s) => logStream.write(s);
  say(`installing ${path.relative(ROOT, vsix)} into .cache/demo/extensions`);
  const { installedDir } = await installVsix(vsix, { baseDir: DEMO, log });
  say(`installed: ${path.relative(ROOT, installedDir)}`);

  const port = values.screenshot ? await freePort() : await choosePort();
  const settings = { ...UI_SETTINGS, 'editor.hover.above': false };
  const server = await startCodeServer({ baseDir: DEMO, folder: SAMPLES, port, settings, log });
  const url = `${server.url}/?folder=${encodeURIComponent(SAMPLES)}`;
  let stopping = false;
  const stop = async (code) => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    logStream.end();
    process.exit(code);
  };
  onSignal = () => void stop(0);
  server.exited.then((code) => {
    if (!stopping) {
      console.error(`[demo] code-server stopped unexpectedly (exit ${code}); its log: ${logFile}`);
      process.exit(1);
    }
  });

  if (values.screenshot) {
    const file = path.resolve(callerCwd, values.screenshot);
    mkdirSync(path.dirname(file), { recursive: true });
    let browser;
    let page;
    try {
      browser = await launchBrowser();
      page = await openWorkbench(browser, server, SAMPLES);
      await page.waitForTimeout(1500);
      await dismissNotifications(page);
      say(`opening ${values.file} (Quick Open)`);
      await quickOpen(page, values.file);
      say('running "BERT+LSTM: Label Document" (command palette)');
      await runCommand(page, 'BERT+LSTM: Label Document');
      const decos = await waitForLabelDecorations(page, { min: 3, timeout: 240_000 });
      const colors = new Set(decos.map((d) => d.color));
      say(`${decos.length} labeled words drawn, ${colors.size} underline colors`);
      await dismissNotifications(page);
      await parkCursor(page);
      // Hover a word of the last labeled line, so that the hover (opening below) hides little.
      const lastLine = Math.max(...decos.map((d) => d.line));
      const words = decos.filter((d) => d.line === lastLine && /^[A-Za-z]{3,}$/.test(d.text));
      const target = words[0] ?? decos[decos.length - 1];
      const hover = await hoverDecoration(page, target, { timeout: 60_000 });
      say(`hover over "${target.text}": ${hover.replace(/\s+/g, ' ').slice(0, 160)}`);
      await page.waitForTimeout(800); // the hover fades in
      await page.screenshot({ path: file, fullPage: true });
      say(`screenshot: ${file}`);
      await browser.close();
      await stop(0);
    } catch (e) {
      const failure = file.replace(/(\.png)?$/i, '-failure.png');
      await page?.screenshot({ path: failure, fullPage: true }).catch(() => {});
      console.error(`[demo] FAILED: ${e.message}\n[demo] screenshot of the failure: ${failure}; code-server log: ${logFile}`);
      await browser?.close().catch(() => {});
      await stop(1);
    }
    return;
  }

  console.log('');
  say(`VS Code (code-server) with the extension installed from the .vsix: ${url}`);
  say(`open ${values.file}, then F1 → "BERT+LSTM: Label Document"; hover a word for its label`);
  say(`code-server log: ${path.relative(ROOT, logFile)}`);
  console.log('');
  say(`the command-line labeler: node dist/cli.js samples/${values.file}`);
  const cli = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), path.join('samples', values.file)], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  process.stdout.write(cli.stdout ?? '');
  process.stderr.write(cli.stderr ?? '');
  if (cli.status !== 0) say(`(the command-line labeler exited with ${cli.status})`);
  console.log('');
  say(`running at ${url} — press Ctrl+C to stop`);
}

main().catch((e) => {
  console.error(`[demo] FAILED: ${e.message}`);
  process.exit(1);
});
