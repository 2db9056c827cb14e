"""`python3 -m training all` makes the shipped bundle by one path (export -> quantize -> features
-> optimize, the LSTM in int8 as a candidate) and chooses on the final graphs: a tiny run ends in
a bundle whose graph has the fused attention and `token_features`, whose token_head.json is
there, whose config.json records the rewrites, and whose card names the candidate it ships."""
import json
from collections import Counter

import onnx

from training.tests.conftest import run_training


def test_tiny_all_ships_the_optimized_bundle_with_features(tmp_path):
    runs, out = tmp_path / "runs", tmp_path / "model"
    log = run_training("--tiny", "--threads", "1", "all", "--out", str(out), runs=runs)
    assert "models:" in log
    m = onnx.load(str(out / "model.onnx"))
    ops = Counter(n.op_type for n in m.graph.node)
    outputs = [o.name for o in m.graph.output]
    cfg = json.loads((out / "config.json").read_text())
    layers = cfg["bert"]["num_hidden_layers"]
    assert ops["Attention"] == layers and ops["Softmax"] == 0
    assert {"token_logits", "sequence_logits", "attentions", "token_features"} <= set(outputs)
    head = json.loads((out / "token_head.json").read_text())
    assert head["labels"] == [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    rec = cfg["graph_rewrites"]
    assert rec["attention_fused"] == layers and rec["max_abs_difference"] <= 1e-4
    assert rec["labels_checked"] > 0  # the exact rewrites were run on the dev windows
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["dev"]) == {"fp32", "int8", "int8-lstm8"}
    assert metrics["format"] in metrics["dev"]
    assert (ops["DynamicQuantizeLSTM"] == 1) == (metrics["format"] == "int8-lstm8")
    assert f"Shipped as **{metrics['format']}**" in (out / "README.md").read_text()
    for name in ("bundle-fp32", "bundle-int8", "bundle-int8-lstm8"):
        assert "token_features" in [o.name for o in onnx.load(str(runs / name / "model.onnx")).graph.output]
