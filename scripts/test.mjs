// Test driver: builds, then runs each level, streams its output, reads its counts from the
// runner's own summary, and ends with one line "N passed, N failed" summing all levels.
// A level that crashes or prints no summary counts as one failure.
//   node scripts/test.mjs [--repeat N] [unit] [offline] [python] [host] [e2e]
//     (default: all levels, in that order, once)
//   --repeat N   runs the levels N times (after one build) and prints, per level and run, the
//                counts, then every test that failed in any run with the run numbers: a flake
//                shows as a test that failed in some runs only. Each run's screenshots and logs
//                go to test-artifacts/run-K/.
// `offline` runs the unit and engine tests and the command-line labeler again inside a network
// namespace without interfaces (`unshare -rn`): nothing in them may need the network.
// The e2e level installs one .vsix packaged here (E2E_VSIX, unless the caller sets it), so that
// every browser test and every run uses the same package.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { TIMEOUTS } from '../test/harness/waits.mjs';

const LEVELS = {
  unit: {
    cmd: 'node',
    args: ['--test', '--test-reporter=spec', '--test-concurrency=1', 'out/test/unit/'],
    counts: (out) => summary(out, /^ℹ pass (\d+)/m, /^ℹ fail (\d+)/m),
    failures: nodeTestFailures,
  },
  offline: {
    cmd: 'unshare',
    args: ['-rn', 'node', '--test', '--test-reporter=spec', '--test-concurrency=1', 'scripts/offline_checks.mjs', 'out/test/unit/'],
    counts: (out) => summary(out, /^ℹ pass (\d+)/m, /^ℹ fail (\d+)/m),
    failures: nodeTestFailures,
  },
  python: {
    cmd: '/usr/bin/python3',
    args: ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'training/tests'],
    counts: (out) => {
      const last =
        out
          .trim()
          .split('\n')
          .filter((l) => /\d+ (passed|failed|error)/.test(l))
          .pop() ?? '';
      const n = (re) => Number(re.exec(last)?.[1] ?? 0);
      if (!last) return undefined;
      return { passed: n(/(\d+) passed/), failed: n(/(\d+) failed/) + n(/(\d+) errors?/) };
    },
    // pytest's short summary: "FAILED path::test - reason" / "ERROR path::test - reason"
    failures: (out) => [...out.matchAll(/^(?:FAILED|ERROR) (\S+)/gm)].map((m) => m[1]),
  },
  host: {
    cmd: 'npx',
    args: ['vscode-test'],
    counts: (out) => summary(out, /^\s*(\d+) passing/m, /^\s*(\d+) failing/m),
    failures: mochaFailures,
  },
  e2e: {
    cmd: 'node',
    args: ['--test', '--test-reporter=spec', '--test-concurrency=1', 'test/e2e/'],
    counts: (out) => summary(out, /^ℹ pass (\d+)/m, /^ℹ fail (\d+)/m),
    failures: nodeTestFailures,
  },
};

function summary(out, passRe, failRe) {
  const p = passRe.exec(out);
  if (!p) return undefined;
  return { passed: Number(p[1]), failed: Number(failRe.exec(out)?.[1] ?? 0) };
}

/** node:test's spec reporter lists the failed tests again after "✖ failing tests:". */
function nodeTestFailures(out) {
  const at = out.lastIndexOf('✖ failing tests:');
  if (at < 0) return [];
  const names = [];
  for (const line of out.slice(at).split('\n').slice(1)) {
    const m = /^\s*✖ (.+?)(?: \([\d.]+m?s\))?$/.exec(line);
    if (m) names.push(m[1]);
  }
  return [...new Set(names)];
}

/**
 * Mocha's spec reporter ends with "N failing" and one block per failure: "  K) suite" then the
 * more deeply indented titles, the last ending with ":", then the error.
 */
function mochaFailures(out) {
  const at = out.search(/^\s*\d+ failing/m);
  if (at < 0) return [];
  const names = [];
  const lines = out.slice(at).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^\s+\d+\) (.+)$/.exec(lines[i]);
    if (!m) continue;
    const parts = [m[1]];
    while (!parts[parts.length - 1].endsWith(':') && i + 1 < lines.length && lines[i + 1].trim()) parts.push(lines[++i].trim());
    names.push(parts.join(' › ').replace(/:$/, ''));
  }
  return [...new Set(names)];
}

function run(cmd, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...env } });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      out += d;
      process.stderr.write(d);
    });
    child.on('error', (e) => resolve({ code: 127, out: out + String(e) }));
    child.on('exit', (code) => resolve({ code: code ?? 1, out }));
  });
}

const { values: opts, positionals } = parseArgs({ options: { repeat: { type: 'string', default: '1' } }, allowPositionals: true });
const repeat = Number(opts.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  console.error(`--repeat needs a whole number of runs, 1 or more (got "${opts.repeat}")`);
  process.exit(2);
}
const wanted = positionals.length ? positionals : Object.keys(LEVELS);
for (const name of wanted) {
  if (!LEVELS[name]) {
    console.error(`unknown level ${name} (levels: ${Object.keys(LEVELS).join(', ')})`);
    process.exit(2);
  }
}
const ARTIFACTS = path.resolve('test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
const build = await run('bash', ['-c', 'npx tsc -p . && npx tsc -p webview && node scripts/build.mjs']);
if (build.code !== 0) {
  console.log('\nbuild failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const levelEnv = {};
if (wanted.includes('e2e') && !process.env.E2E_VSIX) {
  console.log('\n=== package (for e2e) ===');
  try {
    const { packageVsix } = await import('./package.mjs');
    levelEnv.E2E_VSIX = (await packageVsix({ log: (s) => console.log(`  ${s}`) })).vsix;
  } catch (e) {
    console.log(`\npackaging for the e2e level failed: ${e.message}`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

let passed = 0;
let failed = 0;
const lines = [];
/** test name -> { level, runs: run numbers it failed in } */
const failedTests = new Map();
for (let r = 1; r <= repeat; r++) {
  const env = { TEST_ARTIFACTS: repeat > 1 ? path.join(ARTIFACTS, `run-${r}`) : ARTIFACTS };
  rmSync(path.join(env.TEST_ARTIFACTS, 'waits.jsonl'), { force: true });
  mkdirSync(env.TEST_ARTIFACTS, { recursive: true });
  for (const name of wanted) {
    const level = LEVELS[name];
    console.log(`\n=== ${name}${repeat > 1 ? ` (run ${r} of ${repeat})` : ''} ===`);
    const t0 = Date.now();
    const { code, out } = await run(level.cmd, level.args, { ...levelEnv, ...env });
    let c = level.counts(out);
    const names = level.failures(out);
    if (!c) {
      c = { passed: 0, failed: 1 };
      names.push(`(${name} printed no summary: it crashed or was killed, exit ${code})`);
    } else if (code !== 0 && c.failed === 0) {
      c = { ...c, failed: 1 }; // crashed after its summary
      names.push(`(${name} exited ${code} after its summary)`);
    } else if (c.failed > names.length) {
      names.push(`(${c.failed - names.length} more failure(s) in ${name} whose names could not be read)`);
    }
    for (const t of names) {
      const key = `${name}: ${t}`;
      if (!failedTests.has(key)) failedTests.set(key, []);
      failedTests.get(key).push(r);
    }
    passed += c.passed;
    failed += c.failed;
    const run_ = repeat > 1 ? ` run ${String(r).padStart(2)}` : '';
    lines.push(
      `${name.padEnd(7)}${run_} ${String(c.passed).padStart(4)} passed ${String(c.failed).padStart(3)} failed  (${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${code})`,
    );
  }
}
console.log('\n=== summary ===');
for (const l of lines) console.log(l);
if (failedTests.size) {
  console.log(`\nfailed in some run${repeat > 1 ? ` (of ${repeat})` : ''}:`);
  for (const [t, runs] of failedTests) console.log(`  ${t}  — run${runs.length > 1 ? 's' : ''} ${runs.join(', ')}`);
}
printWaits();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

/**
 * The browser harness logs every wait (test/harness/waits.mjs): per kind of wait, how many, the
 * median, the 95th percentile and the longest, next to its timeout, so that the margins can be
 * checked against what these runs measured.
 */
function printWaits() {
  const files =
    repeat > 1
      ? Array.from({ length: repeat }, (_, i) => path.join(ARTIFACTS, `run-${i + 1}`, 'waits.jsonl'))
      : [path.join(ARTIFACTS, 'waits.jsonl')];
  const byKind = new Map();
  for (const f of files.filter((x) => existsSync(x))) {
    for (const line of readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
      let w;
      try {
        w = JSON.parse(line);
      } catch {
        continue;
      }
      if (!w.ok) continue;
      if (!byKind.has(w.kind)) byKind.set(w.kind, []);
      byKind.get(w.kind).push(w);
    }
  }
  if (!byKind.size) return;
  console.log('\nwaits that succeeded (browser harness), per kind: count, median, 95th percentile, longest / timeout (the longest)');
  for (const [kind, ws] of byKind) {
    const ms = ws.map((w) => w.ms).sort((a, b) => a - b);
    const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
    const longest = ws.reduce((a, b) => (b.ms > a.ms ? b : a));
    const s = (x) => `${(x / 1000).toFixed(1)} s`;
    console.log(
      `  ${kind.padEnd(9)} ${String(ms.length).padStart(5)}  ${s(at(0.5)).padStart(7)} ${s(at(0.95)).padStart(7)} ${s(longest.ms).padStart(7)} / ${s(TIMEOUTS[kind] ?? NaN)}  (${longest.test}: ${longest.what})`,
    );
  }
}
