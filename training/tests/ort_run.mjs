// Runs a bundle's model.onnx with onnxruntime-node on the inputs of a JSON file and prints the
// outputs as JSON. Used by the Python tests to compare the exported graph with PyTorch.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const [modelPath, inputPath] = process.argv.slice(2);
const cases = JSON.parse(readFileSync(inputPath, 'utf8'));
const session = await ort.InferenceSession.create(modelPath, { intraOpNumThreads: 1 });
const results = [];
for (const c of cases) {
  const feeds = {};
  for (const [name, rows] of Object.entries(c)) {
    if (!session.inputNames.includes(name)) continue;
    feeds[name] = new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), [rows.length, rows[0].length]);
  }
  const out = await session.run(feeds);
  const r = {};
  for (const [name, t] of Object.entries(out)) r[name] = { dims: t.dims, data: Array.from(t.data) };
  results.push(r);
}
process.stdout.write(JSON.stringify(results));
