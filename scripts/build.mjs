// Bundles the extension, the workers, the CLI and the webview with esbuild (and puts
// oniguruma's onig.wasm beside them).
// onnxruntime-node stays external (native binaries, shipped in node_modules of the .vsix).
// dist/cli.js is package.json's `bin`: esbuild writes a new file with the default mode on every
// build, so the build itself gives it its run bit (a linked install, `npm link` or `npm i -g .`,
// runs that very file and fails with "Permission denied" without it).
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'] };
/** Makes the bundle's output files executable after every build (watch rebuilds included). */
const executable = {
  name: 'executable',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length) return;
      for (const name of Object.keys(build.initialOptions.entryPoints)) chmodSync(`${build.initialOptions.outdir}/${name}.js`, 0o755);
    });
  },
};
const builds = [
  {
    ...node,
    entryPoints: {
      extension: 'src/extension.ts',
      engine_worker: 'src/core/engine_worker.ts',
      tokenizer_file_worker: 'src/core/tokenizer_file_worker.ts',
      word_pattern_worker: 'src/core/word_pattern_worker.ts',
      prose_worker: 'src/core/prose_worker.ts',
      train_worker: 'src/core/adapt/train_worker.ts',
    },
    outdir: 'dist',
  },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' }, plugins: [executable] },
];
if (existsSync('webview/main.ts')) {
  builds.push({
    ...common,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    entryPoints: { main: 'webview/main.ts' },
    outdir: 'dist/webview',
  });
}
// The TextMate grammars' regular expression engine (prose_textmate.ts), read from beside the bundles.
mkdirSync('dist', { recursive: true });
copyFileSync('node_modules/vscode-oniguruma/release/onig.wasm', 'dist/onig.wasm');
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
