// Bundles the extension, the inference worker, the CLI and the webview with esbuild.
// onnxruntime-node stays external (native binaries, shipped in node_modules of the .vsix).
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};
const node = { ...common, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node'] };
const builds = [
  { ...node, entryPoints: { extension: 'src/extension.ts', engine_worker: 'src/core/engine_worker.ts', tokenizer_file_worker: 'src/core/tokenizer_file_worker.ts', word_pattern_worker: 'src/core/word_pattern_worker.ts' }, outdir: 'dist' },
  { ...node, entryPoints: { cli: 'src/cli.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
];
if (existsSync('webview/main.ts')) {
  builds.push({ ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: { main: 'webview/main.ts' }, outdir: 'dist/webview' });
}
if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
