// Export scaling (issue 19, item 2): CoNLL, CoNLL-U and JSONL spans exports of 125, 250 and
// 500 KB of text, every word labeled, with the default model's word splitter (no model run).
// Linear work shows as a time ratio near 2 per doubling; a quadratic one shows near 4.
// Also the cost of running the word pattern with re2js (a linear-time engine) instead of V8, on
// the RE2-compatible part of the default pattern (RE2 has no backreference or lookahead).
//   node scripts/bench_export.mjs        (after `npx tsc -p .`; run under the heavy-test lock)
//   BENCH_FORMATS=path/to/formats.js BENCH_KB=125,250 ...   another build of formats.ts, other sizes
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const require = createRequire(import.meta.url);
const { exportAs } = require(process.env.BENCH_FORMATS ?? '../out/src/core/formats.js');
const { TextTokenizer } = require('../out/src/core/tokenize.js');

const config = JSON.parse(readFileSync(new URL('../models/default/config.json', import.meta.url), 'utf8'));
const tokenizerJson = JSON.parse(readFileSync(new URL('../models/default/tokenizer.json', import.meta.url), 'utf8'));
const tok = new TextTokenizer(tokenizerJson, { wordPattern: config.word_pattern });
const para = 'The committee approved the new budget on Tuesday, and the mayor signed it. Critics said it was late!\n';
const UPOS = ['DET', 'NOUN', 'VERB', 'ADP', 'PROPN', 'PUNCT'];

const results = [];
const SIZES = (process.env.BENCH_KB ?? '125,250,500').split(',').map(Number);
for (const kb of SIZES) {
  const text = para.repeat(Math.ceil((kb * 1024) / para.length));
  const words = [...tok.wordSpans(text)];
  const annotations = words.map(([s, e], i) => ({
    start: s,
    end: e,
    text: text.slice(s, e),
    label: UPOS[i % UPOS.length],
    source: 'model',
  }));
  for (const format of ['conll', 'conllu', 'spans']) {
    const t0 = performance.now();
    exportAs(format, text, words, annotations, 'plain', 'doc.txt');
    results.push({ kb, format, ms: performance.now() - t0, words: words.length });
  }
}
for (const r of results) {
  const base = results.find((x) => x.format === r.format && x.kb === SIZES[0]);
  console.log(
    `${r.format.padEnd(6)} ${String(r.kb).padStart(4)} KB ${String(r.words).padStart(7)} words ${r.ms.toFixed(0).padStart(6)} ms  x${(r.ms / base.ms).toFixed(1)} of ${SIZES[0]} KB`,
  );
}

// word splitting: V8 (the default pattern as shipped) against re2js on its RE2-compatible part
let RE2JS;
try {
  ({ RE2JS } = require('re2js'));
} catch {
  console.log('re2js is not installed: npm install --no-save re2js@2.10.0 to compare engines');
}
if (RE2JS) {
  const text = para.repeat(Math.ceil((1024 * 1024) / para.length));
  const re2Pattern =
    "[\\p{L}\\p{N}\\p{M}]+(?:(?:['\\x{2019}.\\-]|,\\p{N})[\\p{L}\\p{N}\\p{M}]*)*|[\\p{P}\\p{S}]|[^\\s\\p{Z}\\p{Cc}\\p{Cf}]";
  let t0 = performance.now();
  const v8 = [...tok.wordSpans(text)].length;
  const v8ms = performance.now() - t0;
  const re = RE2JS.compile(re2Pattern);
  t0 = performance.now();
  const m = re.matcher(text);
  let n = 0;
  while (m.find()) n++;
  const re2ms = performance.now() - t0;
  console.log(
    `word splitting of 1 MB: V8 ${v8ms.toFixed(0)} ms (${v8} words), re2js ${re2ms.toFixed(0)} ms (${n} words): x${(re2ms / v8ms).toFixed(1)}`,
  );
}
