// Test driver: builds, then runs each level, streams its output, reads its counts from the
// runner's own summary, and ends with one line "N passed, N failed" summing all levels.
// A level that crashes or prints no summary counts as one failure.
//   node scripts/test.mjs [unit] [offline] [python] [host] [e2e]   (default: all, in that order)
// `offline` runs the unit and engine tests and the command-line labeler again inside a network
// namespace without interfaces (`unshare -rn`): nothing in them may need the network.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';

const LEVELS = {
  unit: {
    cmd: 'node',
    args: ['--test', '--test-reporter=spec', '--test-concurrency=1', 'out/test/unit/'],
    counts: (out) => summary(out, /^ℹ pass (\d+)/m, /^ℹ fail (\d+)/m),
  },
  offline: {
    cmd: 'unshare',
    args: ['-rn', 'node', '--test', '--test-reporter=spec', '--test-concurrency=1', 'scripts/offline_checks.mjs', 'out/test/unit/'],
    counts: (out) => summary(out, /^ℹ pass (\d+)/m, /^ℹ fail (\d+)/m),
  },
  python: {
    cmd: '/usr/bin/python3',
    args: ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'training/tests'],
    counts: (out) => {
      const last = out.trim().split('\n').filter((l) => /\d+ (passed|failed|error)/.test(l)).pop() ?? '';
      const n = (re) => Number(re.exec(last)?.[1] ?? 0);
      if (!last) return undefined;
      return { passed: n(/(\d+) passed/), failed: n(/(\d+) failed/) + n(/(\d+) errors?/) };
    },
  },
  host: {
    cmd: 'npx',
    args: ['vscode-test'],
    counts: (out) => summary(out, /^\s*(\d+) passing/m, /^\s*(\d+) failing/m),
  },
  e2e: {
    cmd: 'node',
    args: ['--test', '--test-reporter=spec', '--test-concurrency=1', 'test/e2e/'],
    counts: (out) => summary(out, /^ℹ pass (\d+)/m, /^ℹ fail (\d+)/m),
  },
};

function summary(out, passRe, failRe) {
  const p = passRe.exec(out);
  if (!p) return undefined;
  return { passed: Number(p[1]), failed: Number(failRe.exec(out)?.[1] ?? 0) };
}

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0' } });
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

mkdirSync('test-artifacts', { recursive: true });
const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(LEVELS);
let passed = 0;
let failed = 0;
const lines = [];
const build = await run('bash', ['-c', 'npx tsc -p . && npx tsc -p webview && node scripts/build.mjs']);
if (build.code !== 0) {
  console.log('\nbuild failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
for (const name of wanted) {
  const level = LEVELS[name];
  if (!level) {
    console.error(`unknown level ${name} (levels: ${Object.keys(LEVELS).join(', ')})`);
    process.exit(2);
  }
  console.log(`\n=== ${name} ===`);
  const t0 = Date.now();
  const { code, out } = await run(level.cmd, level.args);
  let c = level.counts(out);
  if (!c) c = { passed: 0, failed: 1 };
  else if (code !== 0 && c.failed === 0) c = { ...c, failed: 1 }; // crashed after its summary
  passed += c.passed;
  failed += c.failed;
  lines.push(`${name.padEnd(7)} ${String(c.passed).padStart(4)} passed ${String(c.failed).padStart(3)} failed  (${((Date.now() - t0) / 1000).toFixed(0)} s, exit ${code})`);
}
console.log('\n=== summary ===');
for (const l of lines) console.log(l);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
