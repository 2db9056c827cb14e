"""The benchmark's kernel floor graphs (scripts/bench_floor.py): for a bundle, one graph per
kernel at the model's shapes, each runnable by onnxruntime-node with the inputs the manifest
names, and as many of each per window as the model has (every layer's MatMuls, attention,
LayerNorms, Adds and Gelu; one LSTM and one token head), so the floor counts the whole window."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from bench_floor import write  # noqa: E402

RUN_ALL = """
const ort = require('onnxruntime-node');
const path = require('node:path');
const [dir] = process.argv.slice(1);
(async () => {
  const m = require(path.join(dir, 'manifest.json'));
  const shapes = {};
  for (const k of m.kernels) {
    const s = await ort.InferenceSession.create(path.join(dir, k.file), { intraOpNumThreads: 1 });
    const feeds = {};
    for (const [n, d] of k.inputs) feeds[n] = new ort.Tensor('float32', new Float32Array(d.reduce((a, b) => a * b, 1)).fill(0.25), d);
    const out = await s.run(feeds);
    shapes[k.file] = Object.fromEntries(Object.entries(out).map(([n, t]) => [n, t.dims]));
  }
  console.log(JSON.stringify(shapes));
})();
"""


def test_every_kernel_graph_runs_at_the_model_shapes(tiny_runs, tmp_path):
    bundle = tiny_runs / "bundle"
    cfg = json.loads((bundle / "config.json").read_text())
    manifest = write(bundle, tmp_path / "floor", 16)
    layers = cfg["bert"]["num_hidden_layers"]
    h, inter = cfg["bert"]["hidden_size"], cfg["bert"]["intermediate_size"]
    counts = {k["name"]: k["count"] for k in manifest["kernels"]}
    assert counts["int8 MatMul FFN in"] == counts["int8 MatMul Q/K/V"] == counts["Gelu"] == layers
    assert counts["LayerNormalization"] == 2 * layers + 1 and counts["residual Add"] == 2 * layers + 2
    assert counts["LSTM (fp32)"] == counts["LSTM (int8 DynamicQuantizeLSTM)"] == counts["int8 MatMul token head"] == 1
    groups = {k["group"] for k in manifest["kernels"]}
    assert "attention" in groups and "lstm0" in groups
    r = subprocess.run(["node", "-e", RUN_ALL, str(tmp_path / "floor")], cwd=ROOT, capture_output=True,
                       text=True, check=True)
    shapes = json.loads(r.stdout)
    assert set(shapes) == {k["file"] for k in manifest["kernels"]}
    assert shapes["int8_MatMul_FFN_in.onnx"]["y"] == [1, 16, inter]
    assert shapes["int8_MatMul_QKV.onnx"]["y"] == [1, 16, 3 * h]
    assert shapes["attention_fused.onnx"]["probs"] == [1, cfg["bert"]["num_attention_heads"], 16, 16]
    lstm = cfg["lstm"]
    dirs = 2 if lstm["bidirectional"] else 1
    assert shapes["lstm0_int8.onnx"]["y"] == shapes["lstm0.onnx"]["y"] == [16, dirs, 1, lstm["hidden_size"]]
