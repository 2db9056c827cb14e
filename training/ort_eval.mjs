// Scores an ONNX bundle on held-out windows written by the training code (JSON lines of
// {input_ids, word_labels, sequence_label}), with onnxruntime-node: the runtime the extension
// uses, so that fp32 and int8 models are compared as they will run. Prints one JSON object.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

// nSeq 0: the bundle's sequence head (if any) is not Brown's genre groups and is not scored.
const [modelPath, windowsPath, nTok, nSeq] = process.argv.slice(2);
const windows = readFileSync(windowsPath, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: Number(process.env.THREADS ?? 2) });
const tokenOut = session.outputNames.includes('token_logits') ? 'token_logits' : session.outputNames.includes('logits') ? 'logits' : null;
const seqOut = Number(nSeq) > 0 && session.outputNames.includes('sequence_logits') ? 'sequence_logits' : null;
const nT = Number(nTok);
const nS = Number(nSeq);
let correct = 0, total = 0, seqCorrect = 0;
const confusion = Array.from({ length: Math.max(nS, 1) }, () => new Array(Math.max(nS, 1)).fill(0));
const perTag = Array.from({ length: nT }, () => [0, 0]);
// gold x predicted word counts, for per-tag precision, recall and the most confused pairs
const uposConfusion = Array.from({ length: nT }, () => new Array(nT).fill(0));
const t0 = performance.now();
for (const w of windows) {
  const n = w.input_ids.length;
  const feeds = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(w.input_ids.map(BigInt)), [1, n]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
  };
  if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(n), [1, n]);
  const out = await session.run(feeds);
  if (tokenOut) {
    const d = out[tokenOut].data;
    w.word_labels.forEach((g, i) => {
      if (g < 0) return;
      let best = 0;
      for (let k = 1; k < nT; k++) if (d[i * nT + k] > d[i * nT + best]) best = k;
      correct += best === g ? 1 : 0;
      total++;
      perTag[g][0] += best === g ? 1 : 0;
      perTag[g][1]++;
      uposConfusion[g][best]++;
    });
  }
  if (seqOut) {
    const d = out[seqOut].data;
    let best = 0;
    for (let k = 1; k < nS; k++) if (d[k] > d[best]) best = k;
    seqCorrect += best === w.sequence_label ? 1 : 0;
    confusion[w.sequence_label][best]++;
  }
}
const counts = confusion.map((r) => r.reduce((a, b) => a + b, 0));
process.stdout.write(JSON.stringify({
  upos_accuracy: total ? correct / total : null,
  words: total,
  sequence_accuracy: seqOut ? seqCorrect / windows.length : null,
  windows: windows.length,
  sequence_majority_baseline: Math.max(...counts) / windows.length,
  sequence_confusion: confusion,
  upos_per_tag: perTag.map(([c, n]) => (n ? c / n : null)),
  upos_confusion: uposConfusion,
  seconds: (performance.now() - t0) / 1000,
}) + '\n');
