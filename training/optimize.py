"""Exact rewrites of an int8 bundle's graph that make it cheaper to run on CPU.

- **Biases folded into the quantized MatMuls.** `DynamicQuantizeMatMul` takes an optional bias
  and adds it to its fp32 output; a separate `Add` of a constant bias is one more pass over the
  activations. The result is the same sum.
- **One quantized MatMul for Q, K and V.** The three projections of a layer read the same
  hidden states; three `DynamicQuantizeMatMul`s quantize those activations three times. One
  MatMul over the columns of the three weights side by side, then a `Split`, quantizes them
  once. Weights are quantized per column, so their columns, scales and zero points are the
  same numbers side by side, and the activations' dynamic scale is computed from the same
  tensor: the outputs equal the three MatMuls'.
The rewritten graph is checked against the original by the caller (`check`), with
onnxruntime-node (the extension's runtime) on the same inputs."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper

DQMM = "DynamicQuantizeMatMul"
QKV = ("query", "key", "value")


def _consumers(graph) -> dict[str, list]:
    out: dict[str, list] = {}
    for n in graph.node:
        for i in n.input:
            out.setdefault(i, []).append(n)
    return out


def fold_biases(model: onnx.ModelProto) -> int:
    """DQMM followed by Add(constant bias) -> DQMM with the bias input. Returns how many."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    consumers = _consumers(g)
    graph_outputs = {o.name for o in g.output}
    drop, folded = set(), 0
    for n in g.node:
        if n.op_type != DQMM or len(n.input) > 4 or n.output[0] in graph_outputs:
            continue
        users = consumers.get(n.output[0], [])
        if len(users) != 1 or users[0].op_type != "Add":
            continue
        add = users[0]
        bias = next((i for i in add.input if i in inits), None)
        if bias is None or numpy_helper.to_array(inits[bias]).ndim != 1:
            continue
        while len(n.input) < 4:
            n.input.append("")  # no zero point
        n.input.append(bias)
        n.output[0] = add.output[0]
        drop.add(id(add))
        folded += 1
    keep = [n for n in g.node if id(n) not in drop]
    del g.node[:]
    g.node.extend(keep)
    return folded


def _projection(node) -> tuple[str, str] | None:
    """(layer prefix, which) for `/bert/encoder/layer.N/attention/self/<query|key|value>/MatMul_q`."""
    parts = [p for p in node.name.split("/") if p]
    if len(parts) >= 2 and parts[-2] in QKV and parts[-3:-2] == ["self"]:
        return "/" + "/".join(parts[:-2]), parts[-2]
    return None


def fuse_qkv(model: onnx.ModelProto) -> int:
    """Three DQMMs (with biases) for Q, K, V on one input -> one DQMM and a Split. Returns layers fused."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    arr = lambda name: numpy_helper.to_array(inits[name])  # noqa: E731
    groups: dict[tuple[str, str], dict[str, object]] = {}
    for n in g.node:
        p = _projection(n) if n.op_type == DQMM else None
        if p and len(n.input) == 5 and n.input[3] in inits:
            groups.setdefault((p[0], n.input[0]), {})[p[1]] = n
    replace: dict[int, list] = {}
    drop: set[int] = set()
    added = []
    for (prefix, x), parts in groups.items():
        if set(parts) != set(QKV):
            continue
        nodes = [parts[k] for k in QKV]
        widths = [arr(n.input[1]).shape[1] for n in nodes]
        base = f"{prefix}/qkv/MatMul_q"
        for suffix, idx, axis in (("w", 1, 1), ("scale", 2, 0), ("zp", 3, 0), ("bias", 4, 0)):
            joined = np.concatenate([arr(n.input[idx]) for n in nodes], axis=axis)
            added.append(numpy_helper.from_array(joined, f"{base}_{suffix}"))
        added.append(numpy_helper.from_array(np.array(widths, np.int64), f"{base}_split"))
        fused = helper.make_node(DQMM, [x, f"{base}_w", f"{base}_scale", f"{base}_zp", f"{base}_bias"],
                                 [f"{base}_out"], name=base, domain="com.microsoft")
        split = helper.make_node("Split", [f"{base}_out", f"{base}_split"], [n.output[0] for n in nodes],
                                 name=f"{prefix}/qkv/Split", axis=-1)
        first = min(g.node[:].index(n) for n in nodes)  # noqa: E203
        replace[id(g.node[first])] = [fused, split]
        drop.update(id(n) for n in nodes)
    if not replace:
        return 0
    new_nodes = []
    for n in g.node:
        if id(n) in replace:
            new_nodes += replace[id(n)]
        elif id(n) not in drop:
            new_nodes.append(n)
    used = {i for n in new_nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.node[:]
    g.node.extend(new_nodes)
    del g.initializer[:]
    g.initializer.extend(keep + [a for a in added if a.name in used])
    return len(replace)


def optimize(src: Path, dst: Path, heads: int | None = None) -> dict:
    """Folds biases, fuses Q/K/V, and (given the number of heads) fuses attention. Debian's onnx
    checker does not know opset 23, so a graph with fused attention is checked by running it."""
    model = onnx.load(str(src))
    counts = {"biases_folded": fold_biases(model), "qkv_fused": fuse_qkv(model)}
    counts["attention_fused"] = fuse_attention(model, heads) if heads else 0
    if not counts["attention_fused"]:
        onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return counts


CHECK = """
const ort = require('onnxruntime-node');
const [a, b, seqs] = process.argv.slice(1);
(async () => {
  const opts = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const sa = await ort.InferenceSession.create(a, opts), sb = await ort.InferenceSession.create(b, opts);
  let maxDiff = {}, argmaxAgree = 0, positions = 0;
  for (const ids of JSON.parse(seqs)) {
    const n = ids.length;
    const feeds = () => ({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
                           attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]) });
    const [oa, ob] = [await sa.run(feeds()), await sb.run(feeds())];
    for (const k of sa.outputNames) {
      let m = 0;
      for (let i = 0; i < oa[k].data.length; i++) m = Math.max(m, Math.abs(oa[k].data[i] - ob[k].data[i]));
      maxDiff[k] = Math.max(maxDiff[k] ?? 0, m);
    }
    const L = oa.token_logits.dims[2];
    for (let p = 0; p < n; p++) {
      let ba = 0, bb = 0;
      for (let l = 1; l < L; l++) {
        if (oa.token_logits.data[p * L + l] > oa.token_logits.data[p * L + ba]) ba = l;
        if (ob.token_logits.data[p * L + l] > ob.token_logits.data[p * L + bb]) bb = l;
      }
      argmaxAgree += ba === bb ? 1 : 0;
      positions++;
    }
  }
  console.log(JSON.stringify({ maxDiff, argmaxAgree, positions }));
})();
"""


def check(original: Path, rewritten: Path, sequences: list[list[int]], cwd: Path) -> dict:
    """Runs both graphs in onnxruntime-node on the same inputs: per-output max |difference| and
    how many positions keep their best token label."""
    r = subprocess.run(["node", "-e", CHECK, str(original), str(rewritten), json.dumps(sequences)],
                       cwd=cwd, capture_output=True, text=True, check=True)
    return json.loads(r.stdout)


# --------------------------------------------------------------------------------------------
# Fused attention: ONNX `Attention` (opset 23) in place of each layer's Q·Kᵀ / scale + mask,
# softmax, ·V subgraph. `qk_matmul_output_mode = 3` makes its fourth output the softmax
# probabilities, so the bundle's `attentions` output stays. The CPU kernel takes the additive
# mask as [batch, 1, seq, seq]: the model's [batch, 1, 1, seq] mask is expanded once and shared.
# Moving the graph to opset 23 changes one thing for the ops this exporter writes: ReduceMean and
# ReduceProd take `axes` as an input instead of an attribute (opset 18).
# --------------------------------------------------------------------------------------------
def _to_opset(model: onnx.ModelProto, version: int) -> None:
    g = model.graph
    for n in g.node:
        if n.op_type in ("ReduceMean", "ReduceProd", "ReduceMax", "ReduceMin", "ReduceL2") :
            axes = next((a for a in n.attribute if a.name == "axes"), None)
            if axes is not None:
                name = f"{n.name or n.output[0]}_axes"
                g.initializer.append(numpy_helper.from_array(np.array(list(axes.ints), np.int64), name))
                n.attribute.remove(axes)
                while len(n.input) < 2:
                    n.input.append(name)
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = version


def _prune(g) -> None:
    """Drops nodes whose outputs nothing reads (the replaced subgraphs)."""
    needed = {o.name for o in g.output}
    keep = []
    for n in reversed(g.node):
        if any(o and o in needed for o in n.output):
            keep.append(n)
            needed.update(i for i in n.input if i)
    keep.reverse()
    del g.node[:]
    g.node.extend(keep)
    used = {i for n in g.node for i in n.input}
    inits = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(inits)


def fuse_attention(model: onnx.ModelProto, heads: int) -> int:
    g = model.graph
    producer = {o: n for n in g.node for o in n.output}
    consumers = _consumers(g)
    softmaxes = [n for n in g.node if n.op_type == "Softmax" and n.name.endswith("/attention/self/Softmax")]
    if not softmaxes:
        return 0
    mask_name, expanded = None, "attention_mask_4d"
    new_after: dict[int, list] = {}
    for sm in softmaxes:
        prefix = sm.name[: -len("/Softmax")]
        add = producer[sm.input[0]]
        div = producer.get(add.input[0])
        mask = add.input[1]
        if add.op_type != "Add" or div is None or div.op_type != "Div":
            raise ValueError(f"{prefix}: the attention subgraph is not Q·Kᵀ / scale + mask, softmax, ·V")
        if mask_name not in (None, mask):
            raise ValueError("the layers use different attention masks")
        mask_name = mask
        pv = next(c for c in consumers[sm.output[0]] if c.op_type == "MatMul")
        # the context: MatMul(probs, V) -> Transpose -> Reshape [batch, seq, hidden]
        tr = consumers[pv.output[0]][0]
        ctx = next((c for c in consumers.get(tr.output[0], []) if c.op_type == "Reshape"), None)
        if tr.op_type != "Transpose" or ctx is None:
            raise ValueError(f"{prefix}: the attention context is not Transpose + Reshape")
        q, k, v = (f"{prefix}/{p}/Add_output_0" for p in QKV)
        if not all(t in producer for t in (q, k, v)):
            raise ValueError(f"{prefix}: the query, key and value projections were not found by name")
        att = helper.make_node("Attention", [q, k, v, expanded], [ctx.output[0], "", "", sm.output[0]],
                               name=f"{prefix}/Attention", q_num_heads=heads, kv_num_heads=heads,
                               qk_matmul_output_mode=3)
        anchor = producer[v]
        new_after.setdefault(id(anchor), []).append(att)
        # the old producers of the context and the probabilities stop writing them
        ctx.output[0] = ctx.output[0] + "_replaced"
        sm.output[0] = sm.output[0] + "_replaced"
    # the [batch, 1, 1, seq] mask expanded to [batch, 1, seq, seq], right after it is made
    shape = [
        helper.make_node("Shape", ["attention_mask"], ["attention_mask_shape"], name="attention_mask_4d/Shape"),
        helper.make_node("Gather", ["attention_mask_shape", "attention_mask_4d_i0"], ["attention_mask_b"], name="attention_mask_4d/B", axis=0),
        helper.make_node("Gather", ["attention_mask_shape", "attention_mask_4d_i1"], ["attention_mask_s"], name="attention_mask_4d/S", axis=0),
        helper.make_node("Concat", ["attention_mask_b", "attention_mask_4d_one", "attention_mask_s", "attention_mask_s"],
                         ["attention_mask_4d_shape"], name="attention_mask_4d/Concat", axis=0),
        helper.make_node("Expand", [mask_name, "attention_mask_4d_shape"], [expanded], name="attention_mask_4d/Expand"),
    ]
    g.initializer.extend([numpy_helper.from_array(np.array([0], np.int64), "attention_mask_4d_i0"),
                          numpy_helper.from_array(np.array([1], np.int64), "attention_mask_4d_i1"),
                          numpy_helper.from_array(np.array([1], np.int64), "attention_mask_4d_one")])
    new_after.setdefault(id(producer[mask_name]), [])[:0] = shape
    nodes = []
    for n in g.node:
        nodes.append(n)
        nodes += new_after.get(id(n), [])
    del g.node[:]
    g.node.extend(_topological(nodes, g))
    _prune(g)
    _to_opset(model, 23)
    return len(softmaxes)


def _topological(nodes: list, g) -> list:
    """Nodes in an order where each runs after what it reads (graph inputs and initializers first)."""
    ready = {i.name for i in g.input} | {i.name for i in g.initializer} | {""}
    out, pending = [], list(nodes)
    while pending:
        rest = []
        for n in pending:
            if all(i in ready for i in n.input):
                out.append(n)
                ready.update(n.output)
            else:
                rest.append(n)
        if len(rest) == len(pending):
            raise ValueError(f"the graph has a cycle or a missing input near {rest[0].name}")
        pending = rest
    return out


def optimize_bundle(bundle: Path, out: Path, fuse_attention: bool = False, tolerance: float = 1e-4) -> dict:
    """Writes `out` (a copy of the bundle, or the bundle itself) with the rewritten graph, after
    checking it against the original in onnxruntime-node; config.json records the rewrites.
    The fused attention is optional: onnxruntime-node 1.30 runs it exactly but warns on every
    run that its inferred `attentions` shape differs from the declared one."""
    import shutil

    cfg = json.loads((bundle / "config.json").read_text())
    heads = cfg.get("bert", {}).get("num_attention_heads") if fuse_attention else None
    if fuse_attention and not heads:
        raise ValueError("config.json has no bert.num_attention_heads: attention cannot be fused")
    if out.resolve() != bundle.resolve():
        shutil.copytree(bundle, out, dirs_exist_ok=True)
    tmp = out / "model.onnx.optimized"
    counts = optimize(bundle / "model.onnx", tmp, heads)
    vocab_size = cfg.get("bert", {}).get("vocab_size", 1000)
    rng = np.random.default_rng(0)
    sequences = [[1] + rng.integers(5, vocab_size, n).tolist() + [2] for n in (3, 30, cfg.get("max_length", 128) - 2)]
    result = check(bundle / "model.onnx", tmp, sequences, Path(__file__).resolve().parent.parent)
    worst = max(result["maxDiff"].values())
    if worst > tolerance or result["argmaxAgree"] != result["positions"]:
        tmp.unlink()
        raise ValueError(f"the rewritten graph differs from the original (max |difference| {worst:g}, "
                         f"{result['positions'] - result['argmaxAgree']} labels changed): not written")
    tmp.replace(out / "model.onnx")
    cfg["graph_rewrites"] = {**counts, "max_abs_difference": worst}
    (out / "config.json").write_text(json.dumps(cfg, indent=1, ensure_ascii=False))
    return cfg["graph_rewrites"]
