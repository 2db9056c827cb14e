"""The kernels of one window of a bundle's model, as small ONNX graphs, for the benchmark's kernel
floor (scripts/bench.mjs, `kernelFloor`): each graph holds one kernel (or one alternative way to
compute one part) at the model's shapes for a window of `length` pieces, batch 1, and the
manifest says how many times a window runs it. The shapes come from config.json (the BERT and
LSTM sizes the exporter writes), so the floor is the same for a plain and an optimized graph of
the same model: the parts are Q/K/V as one int8 MatMul, the attention output, the two FFN
MatMuls and the token head (int8 `DynamicQuantizeMatMul`, bias included), the attention core
(ONNX `Attention`, or MatMul-Softmax-MatMul: the cheaper counts), the bidirectional LSTM over the
window's steps (fp32 `LSTM` or int8 `DynamicQuantizeLSTM`: the cheaper counts), and the
element-wise passes (LayerNormalization, residual Add, Gelu). Left out, so the floor is lower
than any real run: embedding lookups, head splitting (Transpose/Reshape), the sequence head, the
LSTM's packing. Weights are random: a kernel's time does not depend on their values.

usage: bench_floor.py BUNDLE OUT_DIR [LENGTH]  (writes OUT_DIR/*.onnx and OUT_DIR/manifest.json)"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(0)
F = TensorProto.FLOAT


def _save(out: Path, name: str, nodes, inputs, outputs, inits, opset: int = 17) -> dict:
    g = helper.make_graph(nodes, name, [helper.make_tensor_value_info(n, t, d) for n, t, d in inputs],
                          [helper.make_tensor_value_info(n, F, None) for n in outputs],
                          [numpy_helper.from_array(a, k) for k, a in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("com.microsoft", 1)])
    m.ir_version = 8 if opset <= 17 else 10
    (out / f"{name}.onnx").write_bytes(m.SerializeToString())
    return {"file": f"{name}.onnx", "inputs": [[n, d] for n, _, d in inputs]}


def _int8(shape) -> np.ndarray:
    return RNG.integers(-127, 128, shape).astype(np.int8)


def dqmm(out: Path, name: str, m: int, k: int, n: int) -> dict:
    inits = {"w": _int8((k, n)), "scale": np.full(n, 0.01, np.float32), "zp": np.zeros(n, np.int8),
             "bias": RNG.standard_normal(n).astype(np.float32)}
    node = helper.make_node("DynamicQuantizeMatMul", ["x", "w", "scale", "zp", "bias"], ["y"], name=name,
                            domain="com.microsoft")
    return _save(out, name, [node], [("x", F, [1, m, k])], ["y"], inits)


def lstm(out: Path, name: str, steps: int, inp: int, hidden: int, dirs: int, int8: bool) -> dict:
    seq = {"seq_lens": np.array([steps], np.int32)}
    direction = "bidirectional" if dirs == 2 else "forward"
    if int8:
        inits = {"w": _int8((dirs, inp, 4 * hidden)), "r": _int8((dirs, hidden, 4 * hidden)),
                 "b": np.zeros((dirs, 8 * hidden), np.float32), **seq,
                 "ws": np.full((dirs, 4 * hidden), 0.01, np.float32), "wz": np.zeros((dirs, 4 * hidden), np.int8),
                 "rs": np.full((dirs, 4 * hidden), 0.01, np.float32), "rz": np.zeros((dirs, 4 * hidden), np.int8)}
        node = helper.make_node("DynamicQuantizeLSTM", ["x", "w", "r", "b", "seq_lens", "", "", "", "ws", "wz", "rs", "rz"],
                                ["y"], name=name, domain="com.microsoft", hidden_size=hidden, direction=direction)
    else:
        inits = {"w": (RNG.standard_normal((dirs, 4 * hidden, inp)) * 0.05).astype(np.float32),
                 "r": (RNG.standard_normal((dirs, 4 * hidden, hidden)) * 0.05).astype(np.float32),
                 "b": np.zeros((dirs, 8 * hidden), np.float32), **seq}
        node = helper.make_node("LSTM", ["x", "w", "r", "b", "seq_lens"], ["y"], name=name,
                                hidden_size=hidden, direction=direction)
    return _save(out, name, [node], [("x", F, [steps, 1, inp])], ["y"], inits)


def attention_fused(out: Path, name: str, s: int, hidden: int, heads: int) -> dict:
    node = helper.make_node("Attention", ["q", "k", "v", "mask"], ["y", "", "", "probs"], name=name,
                            q_num_heads=heads, kv_num_heads=heads, qk_matmul_output_mode=3)
    ins = [(n, F, [1, s, hidden]) for n in ("q", "k", "v")] + [("mask", F, [1, 1, s, s])]
    return _save(out, name, [node], ins, ["y", "probs"], {}, opset=23)


def attention_ops(out: Path, name: str, s: int, hidden: int, heads: int) -> dict:
    d = hidden // heads
    nodes = [helper.make_node("MatMul", ["q", "kt"], ["qk"], name=f"{name}/qk"),
             helper.make_node("Mul", ["qk", "scale"], ["scaled"], name=f"{name}/scale"),
             helper.make_node("Add", ["scaled", "mask"], ["masked"], name=f"{name}/mask"),
             helper.make_node("Softmax", ["masked"], ["probs"], name=f"{name}/softmax", axis=-1),
             helper.make_node("MatMul", ["probs", "v"], ["y"], name=f"{name}/pv")]
    ins = [("q", F, [1, heads, s, d]), ("kt", F, [1, heads, d, s]), ("v", F, [1, heads, s, d]), ("mask", F, [1, 1, 1, s])]
    return _save(out, name, nodes, ins, ["y", "probs"], {"scale": np.array(d ** -0.5, np.float32)})


def layer_norm(out: Path, name: str, s: int, hidden: int) -> dict:
    node = helper.make_node("LayerNormalization", ["x", "g", "b"], ["y"], name=name, axis=-1, epsilon=1e-12)
    return _save(out, name, [node], [("x", F, [1, s, hidden])], ["y"],
                 {"g": np.ones(hidden, np.float32), "b": np.zeros(hidden, np.float32)})


def add(out: Path, name: str, s: int, hidden: int) -> dict:
    node = helper.make_node("Add", ["x", "r"], ["y"], name=name)
    return _save(out, name, [node], [("x", F, [1, s, hidden]), ("r", F, [1, s, hidden])], ["y"], {})


def gelu(out: Path, name: str, s: int, inter: int) -> dict:
    node = helper.make_node("Gelu", ["x"], ["y"], name=name, domain="com.microsoft")
    return _save(out, name, [node], [("x", F, [1, s, inter])], ["y"], {})


def write(bundle: Path, out: Path, length: int | None = None) -> dict:
    cfg = json.loads((bundle / "config.json").read_text())
    b, lstm_cfg = cfg.get("bert"), cfg.get("lstm")
    if not b:
        raise ValueError("config.json has no `bert` section: the kernel floor needs the model's sizes")
    s = length or cfg.get("max_length") or b["max_position_embeddings"]
    h, inter, layers, heads = b["hidden_size"], b["intermediate_size"], b["num_hidden_layers"], b["num_attention_heads"]
    labels = len(cfg.get("id2label", {}))
    out.mkdir(parents=True, exist_ok=True)
    k = []

    def kernel(name, graph, count, group=None, scale=1, flops=0):
        # scale: how the kernel's work grows with the window's length (1 linear, 2 quadratic)
        k.append({"name": name, **graph, "count": count, "group": group or name, "scale": scale,
                  "gops": flops / 1e9})

    for name, kk, n in (("int8 MatMul Q/K/V", h, 3 * h), ("int8 MatMul attention output", h, h),
                        ("int8 MatMul FFN in", h, inter), ("int8 MatMul FFN out", inter, h)):
        kernel(name, dqmm(out, name.replace(" ", "_").replace("/", ""), s, kk, n), layers, flops=2 * s * kk * n)
    kernel("attention (ONNX Attention)", attention_fused(out, "attention_fused", s, h, heads), layers,
           group="attention", scale=2)
    kernel("attention (MatMul, Softmax, MatMul)", attention_ops(out, "attention_ops", s, h, heads), layers,
           group="attention", scale=2)
    kernel("LayerNormalization", layer_norm(out, "layer_norm", s, h), 2 * layers + 1)
    kernel("residual Add", add(out, "add", s, h), 2 * layers + 2)
    kernel("Gelu", gelu(out, "gelu", s, inter), layers)
    if lstm_cfg and lstm_cfg.get("hidden_size"):
        lh, dirs = lstm_cfg["hidden_size"], 2 if lstm_cfg.get("bidirectional") else 1
        for layer in range(lstm_cfg.get("layers", 1)):
            inp = h if layer == 0 else dirs * lh
            kernel("LSTM (fp32)", lstm(out, f"lstm{layer}", s, inp, lh, dirs, False), 1, group=f"lstm{layer}")
            kernel("LSTM (int8 DynamicQuantizeLSTM)", lstm(out, f"lstm{layer}_int8", s, inp, lh, dirs, True), 1,
                   group=f"lstm{layer}")
        if labels:
            kernel("int8 MatMul token head", dqmm(out, "token_head", s, dirs * lh, labels), 1,
                   flops=2 * s * dirs * lh * labels)
    elif labels:
        kernel("int8 MatMul token head", dqmm(out, "token_head", s, h, labels), 1, flops=2 * s * h * labels)
    manifest = {"length": s, "kernels": k}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


if __name__ == "__main__":
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    write(Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else None)
