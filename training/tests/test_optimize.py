"""The graph rewrites are exact: the shipped bundle optimized gives the same outputs in
onnxruntime-node (every output, every position's label), has fewer nodes, and still serves the
benchmark's eager rebuild and the token-head file."""
import json
from pathlib import Path

import onnx

from training.head_file import head_weights
from training.optimize import check, optimize_bundle

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "default"


def test_optimized_bundle_gives_the_same_outputs(tmp_path):
    out = tmp_path / "opt"
    counts = optimize_bundle(BUNDLE, out)
    layers = json.loads((BUNDLE / "config.json").read_text())["bert"]["num_hidden_layers"]
    assert counts["qkv_fused"] == layers
    assert counts["biases_folded"] >= 5 * layers  # Q, K, V, attention output, FFN in, FFN out (Q/K/V before fusing)
    assert counts["max_abs_difference"] <= 1e-4
    before, after = onnx.load(str(BUNDLE / "model.onnx")), onnx.load(str(out / "model.onnx"))
    ops = lambda m, t: sum(n.op_type == t for n in m.graph.node)  # noqa: E731
    assert ops(after, "DynamicQuantizeMatMul") == ops(before, "DynamicQuantizeMatMul") - 2 * layers
    assert ops(after, "Add") < ops(before, "Add")
    r = check(BUNDLE / "model.onnx", out / "model.onnx", [[101, 7592, 2088, 1012, 102]], ROOT)
    assert r["argmaxAgree"] == r["positions"] == 5
    w0, b0, _ = head_weights(before)
    w1, b1, _ = head_weights(after)
    assert (w0 == w1).all() and (b0 == b1).all()
    assert json.loads((out / "config.json").read_text())["graph_rewrites"]["qkv_fused"] == layers


def test_fused_attention_keeps_the_attentions(tmp_path):
    out = tmp_path / "att"
    counts = optimize_bundle(BUNDLE, out, fuse_attention=True)
    assert counts["attention_fused"] == json.loads((BUNDLE / "config.json").read_text())["bert"]["num_hidden_layers"]
    m = onnx.load(str(out / "model.onnx"))
    assert sum(n.op_type == "Attention" for n in m.graph.node) == counts["attention_fused"]
    assert not any(n.op_type == "Softmax" for n in m.graph.node)
    assert "attentions" in [o.name for o in m.graph.output]
