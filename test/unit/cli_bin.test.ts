// The `bert-lstm-label` bin run as a user runs it: the package installed with npm (a folder
// install links to this checkout, as `npm i -g .` and `npm link` do; the packed tarball is
// checked too), then rebuilt from clean with the project's own build, then run through the bin npm made and
// through npx. The checkout is a fresh one in a temporary folder (this one's dist/ is left
// alone). Offline: a folder install fetches nothing.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { REPO } from './fixtures';

const NPM_ENV = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };
const sh = (cmd: string, args: string[], opts: { cwd: string; input?: string; env?: NodeJS.ProcessEnv }) =>
  spawnSync(cmd, args, { cwd: opts.cwd, input: opts.input, env: opts.env ?? NPM_ENV, encoding: 'utf8', timeout: 180_000 });

/**
 * A checkout of this project without dist/ (as a fresh clone is, and as `npm run package` makes
 * it before building): the project's files linked into a temporary folder, so that building it
 * leaves this checkout's dist/ alone.
 */
function freshCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bin-checkout-'));
  for (const name of readdirSync(REPO)) {
    if (name === 'dist' || name === 'out' || name === '.git') continue;
    if (name === 'package.json') copyFileSync(path.join(REPO, name), path.join(dir, name));
    else symlinkSync(path.join(REPO, name), path.join(dir, name));
  }
  return dir;
}

/** A clean build in `checkout`, as `npm run package` makes (it removes dist/ first). */
function build(checkout: string, production = false): string {
  rmSync(path.join(checkout, 'dist'), { recursive: true, force: true });
  const r = sh(process.execPath, ['scripts/build.mjs', ...(production ? ['--production'] : [])], { cwd: checkout });
  assert.equal(r.status, 0, r.stderr);
  return path.join(checkout, 'dist', 'cli.js');
}

function assertExecutable(file: string): void {
  const mode = statSync(file).mode & 0o777;
  assert.equal(mode & 0o111, 0o111, `${file} has mode ${mode.toString(8)}: not executable by everyone`);
  assert.equal(readFileSync(file, 'utf8').split('\n')[0], '#!/usr/bin/env node');
}

test('the build (development and production) leaves dist/cli.js executable with its shebang', () => {
  const checkout = freshCheckout();
  assertExecutable(build(checkout, true));
  assertExecutable(build(checkout));
});

test('installed globally and locally from the folder, then rebuilt: the bin and npx label text', () => {
  const checkout = freshCheckout();
  build(checkout);
  const prefix = mkdtempSync(path.join(tmpdir(), 'bin-global-'));
  const g = sh('npm', ['install', '--global', '--prefix', prefix, '--offline', '--ignore-scripts', checkout], { cwd: checkout });
  assert.equal(g.status, 0, g.stderr);
  const local = mkdtempSync(path.join(tmpdir(), 'bin-local-'));
  writeFileSync(path.join(local, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }));
  const l = sh('npm', ['install', '--offline', '--ignore-scripts', '--no-save', checkout], { cwd: local });
  assert.equal(l.status, 0, l.stderr);
  // npm marks the bin executable when it links it; the project's next clean build must keep it so
  build(checkout);
  const bin = path.join(prefix, 'bin', 'bert-lstm-label');
  const direct = sh(bin, [], { cwd: local, input: 'The cat sat on the mat.\n' });
  assert.equal(direct.status, 0, `${bin}: ${direct.error?.message ?? direct.stderr}`);
  assert.match(direct.stdout, /^The\/\S+ cat\/\S+ sat\/\S+ on\/\S+ the\/\S+ mat\/\S+/);
  const onPath = sh('bert-lstm-label', ['--help'], {
    cwd: local,
    env: { ...NPM_ENV, PATH: `${path.join(prefix, 'bin')}:${process.env.PATH}` },
  });
  assert.equal(onPath.status, 0, onPath.error?.message ?? onPath.stderr);
  assert.match(onPath.stdout, /^usage: bert-lstm-label/);
  const localBin = path.join(local, 'node_modules', '.bin', 'bert-lstm-label');
  const viaLocal = sh(localBin, ['--format', 'jsonl'], { cwd: local, input: 'She reads.\n' });
  assert.equal(viaLocal.status, 0, `${localBin}: ${viaLocal.error?.message ?? viaLocal.stderr}`);
  assert.deepEqual(
    viaLocal.stdout
      .trim()
      .split('\n')
      .slice(0, 3)
      .map((x) => (JSON.parse(x) as { text: string }).text),
    ['She', 'reads', '.'],
  );
  const npx = sh('npx', ['--offline', '--no-install', 'bert-lstm-label', '--help'], { cwd: local });
  assert.equal(npx.status, 0, npx.stderr);
  assert.match(npx.stdout, /^usage: bert-lstm-label/);
});

test('npm pack: the tarball holds dist/cli.js executable (what a registry install unpacks)', () => {
  const checkout = freshCheckout();
  build(checkout);
  const dest = mkdtempSync(path.join(tmpdir(), 'bin-pack-'));
  const p = sh('npm', ['pack', '--pack-destination', dest], { cwd: checkout });
  assert.equal(p.status, 0, p.stderr);
  const tgz = readdirSync(dest).find((f) => f.endsWith('.tgz'));
  assert.ok(tgz, `no tarball in ${dest}`);
  const listing = sh('tar', ['-tvzf', path.join(dest, tgz)], { cwd: dest });
  assert.equal(listing.status, 0, listing.stderr);
  const line = listing.stdout.split('\n').find((x) => x.endsWith(' package/dist/cli.js'));
  assert.ok(line, 'dist/cli.js is not in the tarball');
  assert.match(line, /^-rwxr-xr-x /);
  const x = sh('tar', ['-xzf', path.join(dest, tgz), '-C', dest], { cwd: dest });
  assert.equal(x.status, 0, x.stderr);
  assertExecutable(path.join(dest, 'package', 'dist', 'cli.js'));
});
