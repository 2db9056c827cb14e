"""The benchmark's PyTorch baseline is the shipped bundle's own model: the eager model rebuilt
from model.onnx gives the logits onnxruntime-node gives for the same ids (within the int8
bundle's dynamic activation quantization), and a graph that lacks a weight is refused."""
import json
import sys
from pathlib import Path

import onnx
import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from torch_from_bundle import load_from_bundle  # noqa: E402
from training.tests.ort_outputs import ort_outputs  # noqa: E402

BUNDLE = ROOT / "models" / "default"


def ids_of(text: str) -> list[int]:
    vocab = json.loads((BUNDLE / "tokenizer.json").read_text())["model"]["vocab"]
    return [vocab["[CLS]"]] + [vocab.get(w, vocab["[UNK]"]) for w in text.split()] + [vocab["[SEP]"]]


def test_eager_model_rebuilt_from_the_bundle_matches_onnxruntime():
    ids = ids_of("the committee approved the budget on monday . she did not know what to say , "
                 "so she laughed and the room laughed with her .")
    ort = ort_outputs(BUNDLE / "model.onnx", ids)
    model = load_from_bundle(BUNDLE)
    x = torch.tensor([ids])
    with torch.inference_mode():
        token, sequence, _ = model(x, torch.ones_like(x))
    ort_token = torch.from_numpy(ort["token_logits"])
    # the same weights; only ONNX Runtime's dynamic int8 activations differ
    assert (token.argmax(-1) == ort_token.argmax(-1)).float().mean() >= 0.95
    assert (token - ort_token).abs().max() < 0.5
    assert (sequence - torch.from_numpy(ort["sequence_logits"])).abs().max() < 0.5


def test_a_graph_without_a_weight_is_refused(tmp_path):
    for f in ("config.json", "tokenizer.json"):
        (tmp_path / f).write_text((BUNDLE / f).read_text())
    m = onnx.load(str(BUNDLE / "model.onnx"))
    keep = [i for i in m.graph.initializer if i.name != "bert.embeddings.position_embeddings.weight"]
    del m.graph.initializer[:]
    m.graph.initializer.extend(keep)
    onnx.save(m, str(tmp_path / "model.onnx"))
    with pytest.raises(ValueError, match="position_embeddings"):
        load_from_bundle(tmp_path)
