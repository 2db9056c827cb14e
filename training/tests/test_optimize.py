"""The graph rewrites of `python3 -m training optimize`, on a tiny int8 bundle made for the test
(not the shipped one, which is already optimized):
- the exact rewrites (biases folded, one MatMul for Q/K/V, each layer's attention as ONNX
  `Attention`) give every output of the plain graph in onnxruntime-node, `attentions` included,
  with the structure they promise, and without a warning from ONNX Runtime on each run;
- `optimize` and `features` run on a bundle in any order and any number of times end with the
  same graph and head file;
- the LSTM as DynamicQuantizeLSTM holds the plain LSTM's weights to within half a quantization
  step, stays close in its outputs, and is recorded in config.json."""
import json
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from training.head_file import FEATURES, add_features, head_weights
from training.optimize import optimize_bundle
from training.quantize import mark_quantized, quantize_model
from training.tests.ort_outputs import RUN, ort_outputs

ROOT = Path(__file__).resolve().parents[2]
IDS = [101, 1996, 4937, 2938, 2006, 1996, 13523, 1012, 2003, 1037, 102]


@pytest.fixture(scope="module")
def int8(tiny_runs, tmp_path_factory):
    """The tiny bundle with every MatMul int8 (the default size threshold skips tiny weights)."""
    b = tmp_path_factory.mktemp("int8") / "bundle"
    shutil.copytree(tiny_runs / "bundle", b)
    counts = quantize_model(tiny_runs / "bundle" / "model.onnx", b / "model.onnx", min_elements=256)
    mark_quantized(b / "config.json", counts)
    return b


def ids_for(bundle: Path) -> list[int]:
    vocab = json.loads((bundle / "config.json").read_text())["bert"]["vocab_size"]
    return [i % vocab for i in IDS]


def ops(path: Path) -> Counter:
    return Counter(n.op_type for n in onnx.load(str(path)).graph.node)


def test_exact_rewrites_give_every_output_of_the_plain_graph(int8, tmp_path):
    out = tmp_path / "opt"
    counts = optimize_bundle(int8, out)
    bert = json.loads((int8 / "config.json").read_text())["bert"]
    layers = bert["num_hidden_layers"]
    assert counts["qkv_fused"] == layers and counts["attention_fused"] == layers
    assert counts["biases_folded"] >= 5 * layers  # Q, K, V, attention output, FFN in and out
    assert counts["max_abs_difference"] <= 1e-4
    before, after = ops(int8 / "model.onnx"), ops(out / "model.onnx")
    assert after["DynamicQuantizeMatMul"] == before["DynamicQuantizeMatMul"] - 2 * layers
    assert after["Attention"] == layers and after["Softmax"] == 0 and before["Softmax"] == layers
    assert after["Add"] < before["Add"]
    ids = ids_for(int8)
    a, b = ort_outputs(int8 / "model.onnx", ids), ort_outputs(out / "model.onnx", ids)
    assert set(a) == set(b) and "attentions" in b
    for k in a:
        assert a[k].shape == b[k].shape, k
        assert np.abs(a[k] - b[k]).max() <= 1e-4, k
    assert (a["token_logits"].argmax(-1) == b["token_logits"].argmax(-1)).all()
    w0, b0, _ = head_weights(onnx.load(str(int8 / "model.onnx")))
    w1, b1, _ = head_weights(onnx.load(str(out / "model.onnx")))
    assert (w0 == w1).all() and (b0 == b1).all()
    rec = json.loads((out / "config.json").read_text())["graph_rewrites"]
    assert rec["attention_fused"] == layers and rec["lstm_quantized"] == 0


def test_the_fused_attention_runs_without_a_runtime_warning(int8, tmp_path):
    out = tmp_path / "opt"
    optimize_bundle(int8, out)
    r = subprocess.run(["node", "-e", RUN, str(out / "model.onnx"), json.dumps(ids_for(int8))],
                       cwd=ROOT, capture_output=True, text=True, check=True)
    assert "attentions" in json.loads(r.stdout)
    assert r.stderr.strip() == "", r.stderr  # ONNX Runtime logs warnings to stderr


def test_optimize_and_features_in_any_order_end_the_same(int8, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(int8, first)
    shutil.copytree(int8, second)
    add_features(first)
    optimize_bundle(first, first)
    again = optimize_bundle(first, first)
    add_features(first)
    assert all(again[k] == 0 for k in ("biases_folded", "qkv_fused", "attention_fused"))
    optimize_bundle(second, second)
    add_features(second)
    add_features(second)
    optimize_bundle(second, second)
    ga, gb = onnx.load(str(first / "model.onnx")).graph, onnx.load(str(second / "model.onnx")).graph
    assert [o.name for o in ga.output].count(FEATURES) == 1 and [o.name for o in gb.output].count(FEATURES) == 1
    assert Counter(n.op_type for n in ga.node) == Counter(n.op_type for n in gb.node)
    assert json.loads((first / "token_head.json").read_text()) == json.loads((second / "token_head.json").read_text())
    ids = ids_for(int8)
    plain, a, b = ort_outputs(int8 / "model.onnx", ids), ort_outputs(first / "model.onnx", ids), ort_outputs(second / "model.onnx", ids)
    for k in plain:
        assert np.abs(plain[k] - a[k]).max() <= 1e-4 and np.abs(plain[k] - b[k]).max() <= 1e-4, k
    assert np.abs(a[FEATURES] - b[FEATURES]).max() <= 1e-5
    for bundle in (first, second):  # the counts add up over runs: each rewrite once
        rec = json.loads((bundle / "config.json").read_text())["graph_rewrites"]
        assert rec["qkv_fused"] == rec["attention_fused"] == 1


def _lstm_weights(model: onnx.ModelProto) -> tuple[np.ndarray, np.ndarray]:
    """W, R as [directions, 4h, in] fp32 (dequantized for DynamicQuantizeLSTM)."""
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    node = next(n for n in model.graph.node if "LSTM" in n.op_type)
    w, r = inits[node.input[1]], inits[node.input[2]]
    if node.op_type == "LSTM":
        return w, r
    deq = lambda q, k: ((q.astype(np.float32) - inits[node.input[k + 1]][:, None, :])  # noqa: E731
                        * inits[node.input[k]][:, None, :]).transpose(0, 2, 1)
    return deq(w, 8), deq(r, 10)


def test_lstm_in_int8_holds_the_weights_and_stays_close(int8, tmp_path):
    out = tmp_path / "lstm8"
    rec = optimize_bundle(int8, out, lstm_int8=True)
    assert rec["lstm_quantized"] == 1
    after = ops(out / "model.onnx")
    assert after["DynamicQuantizeLSTM"] == 1 and after["LSTM"] == 0
    w0, r0 = _lstm_weights(onnx.load(str(int8 / "model.onnx")))
    w1, r1 = _lstm_weights(onnx.load(str(out / "model.onnx")))
    assert w0.shape == w1.shape and r0.shape == r1.shape
    for plain, q in ((w0, w1), (r0, r1)):  # symmetric per gate column: at most half a step off
        step = np.abs(plain).max(axis=2, keepdims=True) / 127
        assert (np.abs(plain - q) <= step / 2 + 1e-7).all()
    ids = ids_for(int8)
    a, b = ort_outputs(int8 / "model.onnx", ids), ort_outputs(out / "model.onnx", ids)
    assert np.abs(a["attentions"] - b["attentions"]).max() <= 1e-4  # BERT is untouched
    diff = np.abs(a["token_logits"] - b["token_logits"]).max()
    assert 0 < diff < 0.1 * np.abs(a["token_logits"]).max()
    assert 0 <= rec["lstm_labels_agree"] <= 1 and rec["lstm_max_abs_difference"]["token_logits"] > 0
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["graph_rewrites"]["lstm_quantized"] == 1
    again = optimize_bundle(out, out, lstm_int8=True)  # nothing left to quantize
    assert again["lstm_quantized"] == 0
    assert json.loads((out / "config.json").read_text())["graph_rewrites"]["lstm_quantized"] == 1


def test_a_rewrite_that_changes_the_outputs_is_not_written(int8, tmp_path, monkeypatch):
    import training.optimize as opt
    out = tmp_path / "bad"
    real = opt.fold_biases

    def wrong(model):  # folds, then doubles one folded bias: no longer the same sum
        n = real(model)
        node = next(x for x in model.graph.node if x.op_type == "DynamicQuantizeMatMul" and len(x.input) == 5)
        init = next(i for i in model.graph.initializer if i.name == node.input[4])
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init) * 2 + 1, init.name))
        return n
    monkeypatch.setattr(opt, "fold_biases", wrong)
    before = (int8 / "model.onnx").read_bytes()
    with pytest.raises(ValueError, match="differs from the original"):
        opt.optimize_bundle(int8, out)
    assert not (out / "model.onnx.optimized").exists()
    assert (out / "model.onnx").read_bytes() == before
