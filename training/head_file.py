"""The token head's input as a model output, and the head's weights as a file of the bundle.

Learning from corrections (the extension's instant memory and its retrained head) needs, for
every piece, the vector the token head reads, and the head itself. Both come from the exported
graph, so they work for any bundle this toolchain wrote, fp32 or int8:
- `token_features` [batch, sequence, dim]: an Identity of the token head's MatMul input, added
  as a graph output (fetched only when asked for, so it costs nothing otherwise);
- `token_head.json`: {"format", "labels", "dim", "weight" (rows per label), "bias"}; weights of
  an int8 head are dequantized, so logits recomputed from the features agree with the model's
  up to ONNX Runtime's dynamic activation quantization.
The token head is the MatMul (or DynamicQuantizeMatMul / Gemm) whose output, plus a bias, is
`token_logits` (or a 3-D `logits`), or a DynamicQuantizeMatMul with the bias folded in."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

from .quantize import linear_weight

FORMAT = "bert-lstm-token-head/1"
FEATURES = "token_features"


def _token_head(model: onnx.ModelProto):
    """The (matmul node, bias initializer name) that produce the token logits."""
    outputs = {o.name for o in model.graph.output}
    logits = "token_logits" if "token_logits" in outputs else "logits" if "logits" in outputs else None
    if logits is None:
        raise ValueError("the model has no `token_logits` (or `logits`) output, so it has no token head")
    inits = {i.name for i in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    add = producer.get(logits)
    if add is not None and add.op_type == "DynamicQuantizeMatMul" and len(add.input) > 4 and add.input[4] in inits:
        return add, add.input[4]  # the bias folded into the quantized MatMul (training/optimize.py)
    if add is None or add.op_type != "Add":
        raise ValueError(f"`{logits}` is not a MatMul plus a bias: the token head cannot be read from this graph")
    bias = next((i for i in add.input if i in inits), None)
    mm = next((producer[i] for i in add.input if i in producer), None)
    if bias is None or mm is None or mm.op_type not in ("MatMul", "DynamicQuantizeMatMul", "Gemm"):
        raise ValueError(f"`{logits}` is not a MatMul plus a constant bias: the token head cannot be read from this graph")
    return mm, bias


def head_weights(model: onnx.ModelProto) -> tuple[np.ndarray, np.ndarray, str]:
    """The head's weight [labels, dim], bias [labels], and the name of its input tensor."""
    mm, bias_name = _token_head(model)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    w, _ = linear_weight(mm, inits)
    return np.ascontiguousarray(w.T), inits[bias_name].astype(np.float32), mm.input[0]


def add_features(bundle: Path) -> dict:
    """Adds `token_features` to the bundle's model.onnx (if missing) and writes token_head.json."""
    path = bundle / "model.onnx"
    model = onnx.load(str(path))
    weight, bias, feature_tensor = head_weights(model)
    cfg = json.loads((bundle / "config.json").read_text())
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    if len(labels) != weight.shape[0]:
        raise ValueError(f"config.json names {len(labels)} labels; the token head has {weight.shape[0]}")
    if FEATURES not in {o.name for o in model.graph.output}:
        model.graph.node.append(helper.make_node("Identity", [feature_tensor], [FEATURES], name="token_features_out"))
        model.graph.output.append(helper.make_tensor_value_info(
            FEATURES, onnx.TensorProto.FLOAT, ["batch", "sequence", int(weight.shape[1])]))
        onnx.save(model, str(path))
    head = {"format": FORMAT, "labels": labels, "dim": int(weight.shape[1]),
            "weight": [[float(x) for x in row] for row in weight], "bias": [float(x) for x in bias]}
    tmp = bundle / "token_head.json.tmp"
    tmp.write_text(json.dumps(head))
    tmp.replace(bundle / "token_head.json")
    return {"dim": head["dim"], "labels": len(labels)}
