"""int8 dynamic quantization of a bundle's model.onnx with the `onnx` package alone (Debian has
no onnxruntime for Python):
  - MatMul / Gemm by a constant weight -> com.microsoft DynamicQuantizeMatMul with int8
    weights, one scale per output column (symmetric, zero point 0);
  - the word-embedding table -> int8 rows with one scale per row, dequantized after Gather.
The LSTM stays fp32 (small, and recurrent error accumulates)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _quantize_columns(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def linear_weight(node, inits: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray | None]:
    """The constant weight of a MatMul, Gemm or DynamicQuantizeMatMul as fp32 [in, out] (the
    graph computes x @ W), dequantized for int8 (per column: (q - zero point) * scale), and its
    bias (Gemm's C, or a DynamicQuantizeMatMul's folded bias) or None. The inverse of the
    rewrites in this file and in optimize.py, for readers of exported graphs."""
    w = inits[node.input[1]].astype(np.float32)
    bias = None
    if node.op_type == "DynamicQuantizeMatMul":
        w = (w - inits[node.input[3]].astype(np.float32)) * inits[node.input[2]]
        if len(node.input) > 4 and node.input[4] in inits:
            bias = inits[node.input[4]]
    elif node.op_type == "Gemm":
        if any(a.name == "transB" and a.i for a in node.attribute):
            w = w.T
        if len(node.input) > 2 and node.input[2] in inits:
            bias = inits[node.input[2]]
    return w, bias


def quantize_model(src: Path, dst: Path, min_elements: int = 4096) -> dict:
    model = onnx.load(str(src))
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_nodes, drop, added = [], set(), []
    counts = {"matmul": 0, "gemm": 0, "gather": 0}
    for node in graph.node:
        w_name = node.input[1] if len(node.input) > 1 else None
        w = inits.get(w_name) if w_name else None
        w_arr = numpy_helper.to_array(w) if w is not None else None
        if (node.op_type in ("MatMul", "Gemm") and w_arr is not None and w_arr.ndim == 2
                and w_arr.dtype == np.float32 and w_arr.size >= min_elements):
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            if node.op_type == "Gemm":
                if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 \
                        or attrs.get("beta", 1.0) != 1.0:
                    new_nodes.append(node)
                    continue
                if attrs.get("transB", 0):
                    w_arr = w_arr.T
            q, scale = _quantize_columns(w_arr)
            base = f"{node.name or w_name}_q"
            added += [numpy_helper.from_array(q, f"{base}_w"),
                      numpy_helper.from_array(scale, f"{base}_scale"),
                      numpy_helper.from_array(np.zeros(q.shape[1], np.int8), f"{base}_zp")]
            qin = [node.input[0], f"{base}_w", f"{base}_scale", f"{base}_zp"]
            if node.op_type == "Gemm" and len(node.input) > 2:
                qin.append(node.input[2])  # bias
            new_nodes.append(helper.make_node("DynamicQuantizeMatMul", qin, list(node.output),
                                              name=base, domain="com.microsoft"))
            counts["gemm" if node.op_type == "Gemm" else "matmul"] += 1
            drop.add(w_name)
            continue
        if (node.op_type == "Gather" and node.input[0] in inits
                and numpy_helper.to_array(inits[node.input[0]]).ndim == 2
                and numpy_helper.to_array(inits[node.input[0]]).size >= 100 * min_elements):
            table = numpy_helper.to_array(inits[node.input[0]])
            scale = np.abs(table).max(axis=1, keepdims=True) / 127.0
            scale[scale == 0] = 1.0
            q = np.clip(np.round(table / scale), -127, 127).astype(np.int8)
            base = f"{node.input[0]}_q"
            added += [numpy_helper.from_array(q, f"{base}_rows"),
                      numpy_helper.from_array(scale.astype(np.float32), f"{base}_scale")]
            out = node.output[0]
            new_nodes += [
                helper.make_node("Gather", [f"{base}_rows", node.input[1]], [f"{out}_q"]),
                helper.make_node("Gather", [f"{base}_scale", node.input[1]], [f"{out}_s"]),
                helper.make_node("Cast", [f"{out}_q"], [f"{out}_f"], to=TensorProto.FLOAT),
                helper.make_node("Mul", [f"{out}_f", f"{out}_s"], [out]),
            ]
            counts["gather"] += 1
            drop.add(node.input[0])
            continue
        new_nodes.append(node)
    still_used = {i for n in new_nodes for i in n.input}
    keep = [i for i in graph.initializer if i.name not in drop or i.name in still_used]
    del graph.initializer[:]
    graph.initializer.extend(keep + added)
    del graph.node[:]
    graph.node.extend(new_nodes)
    if not any(o.domain == "com.microsoft" for o in model.opset_import):
        model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    onnx.save(model, str(dst))
    return counts


def mark_quantized(config_path: Path, counts: dict) -> None:
    """Record the quantization in config.json: the extension runs such a model one window at a
    time, because dynamic quantization scales activations over the whole batch."""
    cfg = json.loads(config_path.read_text())
    cfg["quantization"] = {"method": "int8", "weights": "per-column (MatMul), per-row (word embeddings)",
                           "activations": "dynamic" if counts["matmul"] + counts["gemm"] else "float",
                           "nodes": counts}
    config_path.write_text(json.dumps(cfg, indent=1, ensure_ascii=False))



def quantize_bundle(bundle: Path, out: Path) -> dict:
    """A copy of `bundle` in `out` with its model.onnx quantized and config.json marked."""
    out.mkdir(parents=True, exist_ok=True)
    for f in bundle.iterdir():
        if f.is_file() and f.name != "model.onnx":
            shutil.copy2(f, out / f.name)
    counts = quantize_model(bundle / "model.onnx", out / "model.onnx")
    mark_quantized(out / "config.json", counts)
    return counts
