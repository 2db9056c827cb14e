"""A PyTorch BertLstmTagger rebuilt from a bundle's own model.onnx, for the benchmark's eager
baseline: the weights the extension runs, not a training run's checkpoint, so the baseline
exists on a fresh clone and measures the same model.

The graph is read by node: every MatMul / Gemm / DynamicQuantizeMatMul with a constant weight
is named after its torch module by the exporter (`/bert/encoder/layer.0/attention/self/query/
MatMul`), so its weight goes back to that module's `weight`. Int8 weights are dequantized
(weight = q * scale - zero point * scale, per column; word embeddings per row): the eager model
then runs the int8 bundle's weights in fp32, which is what an eager baseline of that bundle can
run. Other parameters keep their torch names as initializers. The LSTM (an int8
DynamicQuantizeLSTM dequantized the same way) has its gates reordered from ONNX's (input,
output, forget, cell) to torch's (input, forget, cell, output).
Every parameter of the rebuilt model must be found in the graph: a missing one is an error."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from training.model import BertConfig, BertLstmTagger, TaggerConfig  # noqa: E402
from training.quantize import linear_weight  # noqa: E402

WEIGHT_OPS = {"MatMul", "Gemm", "DynamicQuantizeMatMul"}


def tagger_config(cfg: dict) -> TaggerConfig:
    """The model's shape from the bundle's config.json (written by the project's exporter)."""
    if "bert" not in cfg or "lstm" not in cfg:
        raise ValueError("config.json has no `bert` and `lstm` sections: not a BertLstmTagger bundle")
    bert = BertConfig(**{k: v for k, v in cfg["bert"].items() if k in BertConfig.__dataclass_fields__})
    lstm = cfg["lstm"]
    return TaggerConfig(bert=bert, lstm_hidden_size=lstm["hidden_size"], lstm_layers=lstm["layers"],
                        bidirectional=lstm["bidirectional"], num_token_labels=len(cfg["id2label"]),
                        num_sequence_labels=max(1, len(cfg.get("sequence_id2label", {}))),
                        sequence_head=lstm.get("sequence_head", "last_state"))


def module_of(node_name: str) -> str:
    """`/bert/encoder/layer.0/attention/self/query/MatMul_q` -> `bert.encoder.layer.0.attention.self.query`."""
    parts = [p for p in node_name.split("/") if p]
    return ".".join(parts[:-1])


def _gates_to_torch(a: np.ndarray, hidden: int) -> np.ndarray:
    i, o, f, c = (a[k * hidden:(k + 1) * hidden] for k in range(4))
    return np.concatenate([i, f, c, o])


def state_dict_from_onnx(model: onnx.ModelProto, config: TaggerConfig) -> dict[str, torch.Tensor]:
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    state: dict[str, np.ndarray] = {}
    for node in model.graph.node:
        if node.op_type in WEIGHT_OPS and len(node.input) > 1 and node.input[1] in inits:
            w, bias = linear_weight(node, inits)  # [in, out], int8 dequantized
            prefix = module_of(node.name)
            if prefix.endswith(".qkv"):  # Q, K and V side by side (training/optimize.py)
                parts = np.split(w, 3, axis=1)
                biases = np.split(bias, 3) if bias is not None else [None] * 3
                for which, part, b in zip(("query", "key", "value"), parts, biases):
                    state[f"{prefix[:-4]}.{which}.weight"] = part.T
                    if b is not None:
                        state[f"{prefix[:-4]}.{which}.bias"] = b
                continue
            state[f"{prefix}.weight"] = w.T  # x @ W in ONNX, W.T in nn.Linear
            if bias is not None:
                state[f"{prefix}.bias"] = bias
        elif node.op_type in ("LSTM", "DynamicQuantizeLSTM"):
            h = config.lstm_hidden_size
            names = node.input
            W, R = inits[names[1]], inits[names[2]]
            if node.op_type == "DynamicQuantizeLSTM":  # int8 [dirs, in, 4h] with per-column scales
                W, R = ((q.astype(np.float32) - inits[names[k + 1]][:, None, :]) * inits[names[k]][:, None, :]
                        for q, k in ((W, 8), (R, 10)))
                W, R = W.transpose(0, 2, 1), R.transpose(0, 2, 1)
            B = inits[names[3]] if len(names) > 3 and names[3] in inits else np.zeros((W.shape[0], 8 * h), np.float32)
            for d, suffix in enumerate(["", "_reverse"][: W.shape[0]]):
                state[f"lstm.weight_ih_l0{suffix}"] = _gates_to_torch(W[d], h)
                state[f"lstm.weight_hh_l0{suffix}"] = _gates_to_torch(R[d], h)
                state[f"lstm.bias_ih_l0{suffix}"] = _gates_to_torch(B[d, :4 * h], h)
                state[f"lstm.bias_hh_l0{suffix}"] = _gates_to_torch(B[d, 4 * h:], h)
    for name, arr in inits.items():
        if name.endswith("_q_rows"):
            base = name[: -len("_q_rows")]
            state[base] = arr.astype(np.float32) * inits[f"{base}_q_scale"]
        elif not name.startswith(("onnx::", "/")) and not name.endswith(("_q_scale", "_q_w", "_q_zp")):
            state.setdefault(name, arr)
    return {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in state.items()}


def load_from_bundle(bundle: Path) -> BertLstmTagger:
    cfg = json.loads((bundle / "config.json").read_text())
    config = tagger_config(cfg)
    if config.lstm_layers != 1:
        raise ValueError("only one-layer LSTMs are rebuilt from a graph")
    model = BertLstmTagger(config)
    state = state_dict_from_onnx(onnx.load(str(bundle / "model.onnx")), config)
    wanted = model.state_dict()
    missing = [k for k in wanted if k not in state and not k.startswith("bert.pooler.")]
    if missing:
        raise ValueError(f"{bundle / 'model.onnx'}: no weights found for {', '.join(missing[:5])}"
                         + (f" and {len(missing) - 5} more" if len(missing) > 5 else ""))
    for k, v in state.items():
        if k in wanted and tuple(wanted[k].shape) != tuple(v.shape):
            raise ValueError(f"{k}: shape {tuple(v.shape)} in the graph, {tuple(wanted[k].shape)} in the model")
    model.load_state_dict({k: v for k, v in state.items() if k in wanted}, strict=False)
    model.eval()
    return model
