import { createRequire } from 'node:module';
import { kernelFloor, floorTable } from './bench_floor.mjs';
const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
for (const m of process.argv.slice(2)) {
  const f = await kernelFloor(ort, m, 1, '/tmp/t2', ['token_logits', 'sequence_logits', 'attentions']);
  console.log(m); console.log(floorTable(f)); console.log(JSON.stringify(f.model), f.int8Gops, f.floorOf(64), f.floorOf(128));
}
