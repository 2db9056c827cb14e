"""Every output of an ONNX model for one row of ids, run by onnxruntime-node (the extension's
runtime; Debian has no onnxruntime for Python), for tests that compare a graph's outputs."""
import json
import subprocess
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
RUN = """
const ort = require('onnxruntime-node');
const [model, ids] = process.argv.slice(1);
(async () => {
  const s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1 });
  const x = JSON.parse(ids);
  const n = x.length;
  const out = await s.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(x.map(BigInt)), [1, n]),
                            attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]) });
  const o = {};
  for (const k of Object.keys(out)) o[k] = { dims: out[k].dims, data: Array.from(out[k].data) };
  console.log(JSON.stringify(o));
})();
"""


def ort_outputs(model: Path, ids: list[int]) -> dict[str, np.ndarray]:
    r = subprocess.run(["node", "-e", RUN, str(model), json.dumps(ids)], cwd=ROOT, capture_output=True, text=True, check=True)
    return {k: np.array(v["data"], np.float32).reshape(v["dims"]) for k, v in json.loads(r.stdout).items()}
