#!/usr/bin/env node
// npm run package: a production build (scripts/build.mjs --production), then a linux-x64 .vsix
// with @vscode/vsce (its API), then checks on what went in:
//   - required: package.json, dist/{extension,engine_worker,tokenizer_file_worker,word_pattern_worker,prose_worker,train_worker,cli}.js, dist/onig.wasm, every file of models/default/
//     and media/, README/LICENSE/CHANGELOG when the project has them, the linux-x64 onnxruntime
//     binaries;
//   - forbidden: sources, tests, training, samples, caches, sourcemaps, TypeScript, other
//     platforms' onnxruntime binaries, dev dependencies, Python caches;
//   - it runs: the .vsix is unpacked into a temporary folder, every package dist/ requires at run
//     time is loaded from there, and the unpacked CLI labels samples/sentences.txt.
// Prints the size and a summary of the contents. Offline: vsce only runs `npm list`, which reads
// node_modules; npm's update check is turned off.
//
//   node scripts/package.mjs [--out DIR] [--skip-build] [--no-smoke] [--quiet]
//     --out DIR      where the .vsix goes (default dist-vsix/; *.vsix is git-ignored)
//     --skip-build   package dist/ as it is
//     --no-smoke     skip the unpack-and-run check
//
// Also a module: `packageVsix(options)` returns { vsix, size, entries } (used by test/e2e and
// scripts/demo).
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, parseArgs } from 'node:util';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TARGET = 'linux-x64';
const require = createRequire(import.meta.url);

/** Files the model bundle must have (the rest of models/default/ is checked file by file). */
const BUNDLE_REQUIRED = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'];
const BUNDLE_EXPECTED = ['vocab.txt', 'README.md', 'metrics.json'];

/** Paths (inside the .vsix's extension/ folder) that must never ship, with the reason. */
const FORBIDDEN = [
  [
    /^(src|test|training|samples|scripts|out|bench|webview|test-artifacts|dist-vsix)\//,
    'source, test, tooling or build-intermediate folder',
  ],
  [/^\.[^/]+\//, 'dot-folder (cache, CI, editor or VCS)'],
  [/(^|\/)__pycache__\/|\.pyc$/, 'Python cache'],
  [/\.map$/, 'sourcemap'],
  [/\.(ts|mts|cts|tsbuildinfo)$/, 'TypeScript source or declaration'],
  [
    /^node_modules\/onnxruntime-node\/bin\/napi-v6\/(darwin|win32|linux\/arm64)\//,
    `onnxruntime binary of another platform (target ${TARGET})`,
  ],
  [/^node_modules\/onnxruntime-node\/script\//, 'onnxruntime-node install script'],
  [/^node_modules\/\.bin\//, 'node_modules/.bin'],
  [/^(package-lock\.json|tsconfig[^/]*\.json|\.vscode-test\.mjs|\.vscodeignore|\.gitignore)$/, 'development file'],
  [/\.vsix$/, 'nested .vsix'],
];

/** Top-level entries a .vsix of this extension is expected to have (others get a warning). */
const EXPECTED_TOP = new Set([
  'package.json',
  'dist',
  'models',
  'media',
  'docs',
  'node_modules',
  'readme.md',
  'license',
  'license.md',
  'license.txt',
  'changelog.md',
]);

const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;

function listTree(dir, base = dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...listTree(p, base));
    else if (e.isFile()) out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

/** The entries of a zip file: [{ name, size, compressed }]. */
export async function zipEntries(file) {
  const yauzl = loadYauzl();
  const zip = await new Promise((res, rej) => yauzl.open(file, { lazyEntries: true }, (e, z) => (e ? rej(e) : res(z))));
  return new Promise((resolve, reject) => {
    const out = [];
    zip.on('entry', (e) => {
      if (!e.fileName.endsWith('/')) out.push({ name: e.fileName, size: e.uncompressedSize, compressed: e.compressedSize });
      zip.readEntry();
    });
    zip.on('end', () => resolve(out));
    zip.on('error', reject);
    zip.readEntry();
  });
}

/** Unpacks a zip file into dir. */
export async function unzip(file, dir) {
  const yauzl = loadYauzl();
  const zip = await new Promise((res, rej) => yauzl.open(file, { lazyEntries: true }, (e, z) => (e ? rej(e) : res(z))));
  await new Promise((resolve, reject) => {
    zip.on('entry', (e) => {
      const dest = path.join(dir, e.fileName);
      if (!dest.startsWith(dir + path.sep)) return reject(new Error(`bad zip entry ${e.fileName}`));
      if (e.fileName.endsWith('/')) {
        mkdirSync(dest, { recursive: true });
        return zip.readEntry();
      }
      mkdirSync(path.dirname(dest), { recursive: true });
      zip.openReadStream(e, (err, stream) => {
        if (err) return reject(err);
        pipeline(stream, createWriteStream(dest)).then(() => zip.readEntry(), reject);
      });
    });
    zip.on('end', resolve);
    zip.on('error', reject);
    zip.readEntry();
  });
}

function loadYauzl() {
  // yauzl comes with @vscode/vsce; resolve it from there so hoisting does not matter.
  const fromVsce = createRequire(require.resolve('@vscode/vsce/package.json'));
  return fromVsce('yauzl');
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', ...opts });
  return { code: r.status ?? 1, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, error: r.error };
}

/** Checks the entry list; returns { errors, warnings }. */
export function checkEntries(names, manifest) {
  const errors = [];
  const warnings = [];
  const files = new Set(names.filter((n) => n.startsWith('extension/')).map((n) => n.slice('extension/'.length)));
  for (const n of names) {
    if (!n.startsWith('extension/') && !['extension.vsixmanifest', '[Content_Types].xml'].includes(n)) {
      warnings.push(`unexpected entry outside extension/: ${n}`);
    }
  }
  const devDeps = Object.keys(manifest.devDependencies ?? {});
  for (const f of files) {
    for (const [re, why] of FORBIDDEN) if (re.test(f)) errors.push(`forbidden (${why}): ${f}`);
    const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f);
    if (m && devDeps.includes(m[1]) && !(manifest.dependencies ?? {})[m[1]]) errors.push(`forbidden (dev dependency ${m[1]}): ${f}`);
    const top = f.split('/')[0];
    if (!EXPECTED_TOP.has(top.toLowerCase())) warnings.push(`unexpected top-level entry: ${f}`);
  }
  const need = (f, why) => {
    if (!files.has(f)) errors.push(`missing (${why}): ${f}`);
  };
  need('package.json', 'manifest');
  need(manifest.main.replace(/^\.\//, ''), 'main entry');
  need('dist/engine_worker.js', 'inference worker');
  need('dist/tokenizer_file_worker.js', "tokenizer file's worker");
  need('dist/word_pattern_worker.js', "word pattern check's worker");
  need('dist/prose_worker.js', 'prose ranges worker');
  need('dist/onig.wasm', "TextMate grammars' regular expressions");
  need('dist/train_worker.js', "learning from corrections' training worker");
  if (manifest.bin) for (const b of Object.values(manifest.bin)) need(b.replace(/^\.\//, ''), 'command-line entry');
  need('node_modules/onnxruntime-node/package.json', 'onnxruntime-node');
  need('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node', `onnxruntime ${TARGET} binding`);
  need('node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1', `onnxruntime ${TARGET} library`);
  for (const f of BUNDLE_REQUIRED) need(`models/default/${f}`, 'default model bundle');
  for (const f of listTree(path.join(ROOT, 'models/default')))
    if (!/(^|\/)(__pycache__|\.)/.test(f)) need(`models/default/${f}`, 'default model bundle file');
  for (const f of listTree(path.join(ROOT, 'media'))) need(`media/${f}`, 'media file');
  // vsce stores README.md as readme.md, LICENSE as LICENSE.txt, CHANGELOG.md as changelog.md.
  const lowerFiles = new Set([...files].map((f) => f.toLowerCase()));
  for (const f of readdirSync(ROOT)) {
    const m = /^(README|LICENSE|CHANGELOG)(\.(md|txt))?$/i.exec(f);
    if (m && ![f, `${m[1]}.md`, `${m[1]}.txt`].some((g) => lowerFiles.has(g.toLowerCase())))
      errors.push(`missing (top-level document): ${f}`);
  }
  if (![...files].some((f) => /^README(\.md)?$/i.test(f))) warnings.push('the .vsix has no README.md (none at the project root)');
  if (![...files].some((f) => /^LICENSE(\.(md|txt))?$/i.test(f)))
    warnings.push('the .vsix has no LICENSE (none at the project root; packaged with skipLicense)');
  for (const f of BUNDLE_EXPECTED) if (!files.has(`models/default/${f}`)) warnings.push(`the default model bundle has no ${f}`);
  return { errors: [...new Set(errors)], warnings: [...new Set(warnings)] };
}

/** Summary lines: sizes by area, and the notable files. */
export function summarize(entries) {
  const groups = new Map();
  const area = (n) => {
    const f = n.replace(/^extension\//, '');
    if (f === n) return '(vsix metadata)';
    const parts = f.split('/');
    if (parts[0] === 'node_modules') {
      const pkg = parts[1].startsWith('@') ? `${parts[1]}/${parts[2]}` : parts[1];
      if (pkg === 'onnxruntime-node' && parts[2] === 'bin') return `node_modules/${pkg}/${parts.slice(2, 6).join('/')}`;
      return `node_modules/${pkg}`;
    }
    if (parts.length === 1) return f;
    return parts[0] === 'models' ? parts.slice(0, 2).join('/') + '/' : parts[0] + '/';
  };
  for (const e of entries) {
    const k = area(e.name);
    const g = groups.get(k) ?? { files: 0, size: 0, compressed: 0 };
    g.files++;
    g.size += e.size;
    g.compressed += e.compressed;
    groups.set(k, g);
  }
  const lines = [...groups.entries()]
    .sort((a, b) => b[1].compressed - a[1].compressed)
    .map(([k, g]) => `  ${k.padEnd(58)} ${String(g.files).padStart(4)} files  ${mb(g.size).padStart(9)} (${mb(g.compressed)} compressed)`);
  const notable = entries
    .map((e) => e.name.replace(/^extension\//, ''))
    .filter((f) => /^(dist|models|media)\//.test(f) || !f.includes('/'))
    .sort();
  return { lines, notable };
}

/** Runs what the unpacked .vsix needs at run time; throws with the output on failure. */
function smokeTest(vsix, log) {
  const dir = mkdtempSync(path.join(tmpdir(), 'bert-lstm-vsix-'));
  return (async () => {
    try {
      await unzip(vsix, dir);
      const ext = path.join(dir, 'extension');
      // Every package dist/ loads with require() or import() (except vscode and Node's own) must load from
      // the unpacked folder alone.
      const externals = new Set();
      for (const f of readdirSync(path.join(ext, 'dist')).filter((f) => f.endsWith('.js'))) {
        const src = readFileSync(path.join(ext, 'dist', f), 'utf8');
        for (const m of src.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
          if (m[1] !== 'vscode' && !isBuiltin(m[1])) externals.add(m[1]);
        }
      }
      for (const mod of externals) {
        const code =
          `const r=require('node:module').createRequire(${JSON.stringify(path.join(ext, 'dist', 'extension.js'))});` +
          `const p=r.resolve(${JSON.stringify(mod)});if(!p.startsWith(${JSON.stringify(ext + path.sep)}))throw new Error('resolved outside the package: '+p);r(${JSON.stringify(mod)});`;
        const r = run(process.execPath, ['-e', code], { cwd: dir });
        if (r.code !== 0) throw new Error(`the packaged extension cannot load ${mod}:\n${r.out}`);
      }
      log(`  run-time packages load from the unpacked .vsix: ${[...externals].join(', ') || '(none)'}`);
      const sample = path.join(ROOT, 'samples', 'sentences.txt');
      if (existsSync(sample)) {
        const r = run(process.execPath, [path.join(ext, 'dist', 'cli.js'), sample], { cwd: dir, timeout: 120_000 });
        if (r.code !== 0 || !/\S+\/[A-Z]/.test(r.out))
          throw new Error(`the packaged CLI failed on samples/sentences.txt (exit ${r.code}):\n${r.out}`);
        log(`  packaged CLI on samples/sentences.txt: ${r.out.split('\n')[0].slice(0, 110)}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
}

/**
 * Builds and packages the extension. Options: outDir, build (default true), smoke (default
 * true), log. Returns { vsix, size, entries, warnings }.
 */
export async function packageVsix({ outDir = path.join(ROOT, 'dist-vsix'), build = true, smoke = true, log = console.log } = {}) {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  for (const f of BUNDLE_REQUIRED) {
    if (!existsSync(path.join(ROOT, 'models/default', f)))
      throw new Error(`models/default/${f} is missing: the default model bundle must be in place before packaging`);
  }
  if (build) {
    log('[package] production build (scripts/build.mjs --production)');
    rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true }); // no stale files or sourcemaps
    const r = run(process.execPath, ['scripts/build.mjs', '--production'], { stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.code !== 0) throw new Error(`the production build failed:\n${r.out}`);
  }
  mkdirSync(outDir, { recursive: true });
  const vsix = path.join(outDir, `${manifest.name}-${manifest.version}-${TARGET}.vsix`);
  rmSync(vsix, { force: true });
  const hasLicense = readdirSync(ROOT).some((f) => /^LICENSE(\.(md|txt))?$/i.test(f));
  // vsce runs `npm list --production` (reads node_modules only); keep npm from looking online.
  const env = { npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
  const saved = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  log(`[package] vsce: ${path.relative(ROOT, vsix)} (target ${TARGET})`);
  const { createVSIX } = require('@vscode/vsce');
  const origLog = console.log;
  try {
    // vsce prints its own notes through console.log; pass them to log, prefixed (log may itself
    // call console.log: that inner call goes straight out).
    let inside = false;
    console.log = (...a) => {
      if (inside) return origLog(...a);
      inside = true;
      try {
        log(format(...a).replace(/^/gm, '[vsce] '));
      } finally {
        inside = false;
      }
    };
    await createVSIX({
      cwd: ROOT,
      packagePath: vsix,
      target: TARGET,
      allowMissingRepository: !manifest.repository,
      skipLicense: !hasLicense,
      dependencies: true,
    });
  } catch (e) {
    const msg = String(e?.message ?? e);
    const hint = /npm list|npm ls|ELSPROBLEMS|missing:|invalid:/.test(msg)
      ? '\n(vsce lists the production dependencies with `npm list --production`: run `npm ci` so that node_modules matches package-lock.json)'
      : '';
    throw new Error(`vsce could not package the extension: ${msg}${hint}`);
  } finally {
    console.log = origLog;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const size = statSync(vsix).size;
  const entries = await zipEntries(vsix);
  const { errors, warnings } = checkEntries(
    entries.map((e) => e.name),
    manifest,
  );
  const { lines, notable } = summarize(entries);
  log(
    `[package] ${path.relative(ROOT, vsix)}: ${mb(size)} (${size} bytes), ${entries.length} files, ${mb(entries.reduce((s, e) => s + e.size, 0))} unpacked`,
  );
  for (const l of lines) log(l);
  log(`[package] files in dist/, models/, media/ and at the top: ${notable.join(', ')}`);
  for (const w of warnings) log(`[package] warning: ${w}`);
  if (errors.length) {
    throw new Error(`the .vsix ${path.relative(ROOT, vsix)} is not right (fix .vscodeignore or the build):\n  ${errors.join('\n  ')}`);
  }
  if (smoke) {
    log('[package] checking the unpacked .vsix runs');
    await smokeTest(vsix, log);
  }
  log(`[package] OK: ${vsix}`);
  return { vsix, size, entries, warnings };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' },
      'skip-build': { type: 'boolean', default: false },
      'no-smoke': { type: 'boolean', default: false },
      quiet: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node scripts/package.mjs [--out DIR] [--skip-build] [--no-smoke] [--quiet]');
    process.exit(0);
  }
  try {
    await packageVsix({
      outDir: values.out ? path.resolve(values.out) : undefined,
      build: !values['skip-build'],
      smoke: !values['no-smoke'],
      log: values.quiet ? () => {} : console.log,
    });
  } catch (e) {
    console.error(`[package] FAILED: ${e.message}`);
    process.exit(1);
  }
}
