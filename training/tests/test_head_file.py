"""A bundle gains `token_features` and token_head.json: logits recomputed from the features with
the file's head equal the model's own token logits (onnxruntime-node, the extension's runtime),
the other outputs are unchanged, and a graph without a readable head is refused in words."""
import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest

from training.head_file import FEATURES, add_features
from training.tests.ort_outputs import ort_outputs

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "default"
IDS = [101, 1996, 4937, 2938, 2006, 1996, 13523, 1012, 102]


def without_features(dst: Path) -> Path:
    """A copy of the shipped bundle whose graph has no `token_features` (the pipeline adds it)."""
    shutil.copytree(BUNDLE, dst)
    m = onnx.load(str(dst / "model.onnx"))
    outs = [o for o in m.graph.output if o.name != FEATURES]
    nodes = [n for n in m.graph.node if FEATURES not in n.output]
    del m.graph.output[:], m.graph.node[:]
    m.graph.output.extend(outs)
    m.graph.node.extend(nodes)
    onnx.save(m, str(dst / "model.onnx"))
    (dst / "token_head.json").unlink(missing_ok=True)
    return dst


def test_features_and_head_file_reproduce_the_token_logits(tmp_path):
    plain = without_features(tmp_path / "plain")
    b = tmp_path / "b"
    shutil.copytree(plain, b)
    info = add_features(b)
    assert info == {"dim": 256, "labels": 17}
    before, after = ort_outputs(plain / "model.onnx", IDS), ort_outputs(b / "model.onnx", IDS)
    assert FEATURES in after and FEATURES not in before
    for k in before:  # the other outputs are untouched
        assert (before[k] == after[k]).all(), k
    head = json.loads((b / "token_head.json").read_text())
    assert head["format"] == "bert-lstm-token-head/1" and len(head["weight"]) == 17
    f = after[FEATURES][0]
    logits = f @ np.array(head["weight"], np.float32).T + np.array(head["bias"], np.float32)
    model_logits = after["token_logits"][0]
    assert (logits.argmax(-1) == model_logits.argmax(-1)).all()
    assert np.abs(logits - model_logits).max() < 0.25  # dynamic int8 activations in the model's own head
    add_features(b)  # a second run changes nothing
    assert [o.name for o in onnx.load(str(b / "model.onnx")).graph.output].count(FEATURES) == 1


def test_a_model_without_a_token_head_is_refused(tmp_path):
    b = without_features(tmp_path / "b")
    m = onnx.load(str(b / "model.onnx"))
    outs = [o for o in m.graph.output if o.name != "token_logits"]
    del m.graph.output[:]
    m.graph.output.extend(outs)
    onnx.save(m, str(b / "model.onnx"))
    with pytest.raises(ValueError, match="no `token_logits`"):
        add_features(b)
