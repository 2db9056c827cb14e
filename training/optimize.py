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
- **Each layer's attention as ONNX `Attention`** (opset 23, below), its probabilities still
  the `attentions` output.
Every run of these is checked against the graph it rewrote (`check`, onnxruntime-node: the
extension's runtime, on the same inputs) before it is written, and finds nothing left to do in a
graph it has rewritten, so a bundle can be optimized again (or given features) in any order.

One rewrite is not exact and is asked for on its own: **the LSTM as `com.microsoft.
DynamicQuantizeLSTM`** (int8 weights, the input and hidden state quantized per step by the
kernel). Its differences are measured and recorded; whether a bundle keeps it is decided on
the dev set's accuracy by the caller."""
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


LSTM = "LSTM"
DQLSTM = "DynamicQuantizeLSTM"


def _quantize_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[directions, in, out] -> int8 with one symmetric scale per (direction, output column)."""
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale[:, None, :]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def quantize_lstm(model: onnx.ModelProto) -> int:
    """Each ONNX LSTM with constant weights -> com.microsoft DynamicQuantizeLSTM: W and R int8
    per gate column (symmetric, zero point 0), the input and the hidden state quantized per step
    by the kernel. NOT exact (the recurrence reads int8 products): the caller decides by the
    dev-set accuracy. Returns how many LSTMs were rewritten."""
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    done = 0
    for n in g.node:
        if n.op_type != LSTM or n.domain not in ("", "ai.onnx"):
            continue
        if len(n.input) < 3 or n.input[1] not in inits or n.input[2] not in inits:
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if set(attrs) - {"direction", "hidden_size", "input_forget", "clip"} or attrs.get("layout", 0):
            continue  # activations or layout the contrib kernel does not take as they are
        base = f"{n.name or n.output[0]}_q"
        added = []
        for which, idx in (("W", 1), ("R", 2)):
            w = numpy_helper.to_array(inits[n.input[idx]]).astype(np.float32)  # [dirs, 4h, in]
            q, scale = _quantize_rows(np.ascontiguousarray(w.transpose(0, 2, 1)))  # [dirs, in, 4h]
            added += [numpy_helper.from_array(q, f"{base}_{which}"),
                      numpy_helper.from_array(scale, f"{base}_{which}_scale"),
                      numpy_helper.from_array(np.zeros_like(scale, np.int8), f"{base}_{which}_zp")]
        rest = list(n.input[3:8]) + [""] * (5 - len(n.input[3:8]))  # B, sequence_lens, initial_h, initial_c, P
        inputs = [n.input[0], f"{base}_W", f"{base}_R", *rest,
                  f"{base}_W_scale", f"{base}_W_zp", f"{base}_R_scale", f"{base}_R_zp"]
        del n.input[:]
        n.input.extend(inputs)
        n.op_type, n.domain = DQLSTM, "com.microsoft"
        g.initializer.extend(added)
        done += 1
    if done:
        used = {i for m in g.node for i in m.input}
        keep = [i for i in g.initializer if i.name in used]
        del g.initializer[:]
        g.initializer.extend(keep)
        if not any(o.domain == "com.microsoft" for o in model.opset_import):
            model.opset_import.append(helper.make_opsetid("com.microsoft", 1))
    return done


def _checkable(model: onnx.ModelProto) -> bool:
    """Whether this onnx package's checker knows the graph's opset (Debian's onnx stops at 17)."""
    v = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    return v <= onnx.defs.onnx_opset_version()


def optimize(src: Path, dst: Path, heads: int | None = None) -> dict:
    """The exact rewrites: folds biases, fuses Q/K/V, and (given the number of heads) fuses
    attention. Each finds nothing to do in a graph it has already rewritten, so running it again
    changes nothing. A graph at an opset the installed onnx checker does not know (the fused
    attention's 23) is checked by running it (`check`)."""
    model = onnx.load(str(src))
    counts = {"biases_folded": fold_biases(model), "qkv_fused": fuse_qkv(model)}
    counts["attention_fused"] = fuse_attention(model, heads) if heads else 0
    if _checkable(model):
        onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return counts


CHECK = """
const ort = require('onnxruntime-node');
const fs = require('node:fs');
const [a, b, seqFile] = process.argv.slice(1);
(async () => {
  const opts = { intraOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const sa = await ort.InferenceSession.create(a, opts), sb = await ort.InferenceSession.create(b, opts);
  const tok = sa.outputNames.includes('token_logits') ? 'token_logits' : 'logits';
  let maxDiff = {}, argmaxAgree = 0, positions = 0, sequenceAgree = 0, windows = 0;
  const best = (d, off, L) => { let k = 0; for (let l = 1; l < L; l++) if (d[off + l] > d[off + k]) k = l; return k; };
  for (const line of fs.readFileSync(seqFile, 'utf8').split(/\\r?\\n/)) {
    if (!line.trim()) continue;
    const row = JSON.parse(line);
    const ids = Array.isArray(row) ? row : row.input_ids;
    const n = ids.length;
    const feeds = () => ({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, n]),
                           attention_mask: new ort.Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]) });
    const [oa, ob] = [await sa.run(feeds()), await sb.run(feeds())];
    for (const k of sa.outputNames) {
      let m = 0;
      for (let i = 0; i < oa[k].data.length; i++) m = Math.max(m, Math.abs(oa[k].data[i] - ob[k].data[i]));
      maxDiff[k] = Math.max(maxDiff[k] ?? 0, m);
    }
    if (oa[tok]) {
      const L = oa[tok].dims[2];
      for (let p = 0; p < n; p++) {
        argmaxAgree += best(oa[tok].data, p * L, L) === best(ob[tok].data, p * L, L) ? 1 : 0;
        positions++;
      }
    }
    if (oa.sequence_logits) {
      const L = oa.sequence_logits.dims[1];
      sequenceAgree += best(oa.sequence_logits.data, 0, L) === best(ob.sequence_logits.data, 0, L) ? 1 : 0;
    }
    windows++;
  }
  console.log(JSON.stringify({ maxDiff, argmaxAgree, positions, sequenceAgree, windows }));
})();
"""


def check(original: Path, rewritten: Path, sequences: list[list[int]] | Path, cwd: Path) -> dict:
    """Runs both graphs in onnxruntime-node on the same inputs (id lists, or a JSON-lines file of
    lists or of {"input_ids": [...]}, such as the evaluation's windows), one window at a time:
    per-output max |difference|, and how many positions (and windows) keep their best label."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        if not isinstance(sequences, Path):
            f = Path(d) / "sequences.jsonl"
            f.write_text("".join(json.dumps(s) + "\n" for s in sequences))
            sequences = f
        r = subprocess.run(["node", "-e", CHECK, str(original), str(rewritten), str(sequences)],
                           cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise ValueError(f"onnxruntime-node could not run the graphs: {r.stderr.strip()[-2000:]}")
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
        probs = sm.output[0]
        att = helper.make_node("Attention", [q, k, v, expanded], [ctx.output[0], "", "", f"{probs}_inferred"],
                               name=f"{prefix}/Attention", q_num_heads=heads, kv_num_heads=heads,
                               qk_matmul_output_mode=3)
        # The ONNX shape inference inside ONNX Runtime writes a symbolic key length as 0 in
        # the probabilities' shape, and ONNX Runtime then warns on every run that `attentions`
        # is not the declared size. A Reshape to the shape computed at run time carries no
        # inferred value, so the declared shape stands (ONNX Runtime runs it without a copy).
        fix = helper.make_node("Reshape", [f"{probs}_inferred", "attention_probs_shape"], [probs],
                               name=f"{prefix}/Attention/probs_shape")
        anchor = producer[v]
        new_after.setdefault(id(anchor), []).extend([att, fix])
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
        helper.make_node("Concat", ["attention_mask_b", "attention_probs_heads", "attention_mask_s", "attention_mask_s"],
                         ["attention_probs_shape"], name="attention_probs_shape/Concat", axis=0),
    ]
    g.initializer.append(numpy_helper.from_array(np.array([heads], np.int64), "attention_probs_heads"))
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


COUNTS = ("biases_folded", "qkv_fused", "attention_fused", "lstm_quantized")


def optimize_bundle(bundle: Path, out: Path, fuse_attention: bool | None = None, lstm_int8: bool = False,
                    tolerance: float = 1e-4, windows: Path | None = None) -> dict:
    """Writes `out` (a copy of the bundle, or the bundle itself) with the rewritten graph.

    The exact rewrites (biases, Q/K/V, and the fused attention unless `fuse_attention` is False;
    None: when config.json names the heads) are run against the graph they rewrite in
    onnxruntime-node, on a few random windows and on `windows` (a JSON-lines file of ids, e.g. the
    Brown dev windows) when given, and written only if every output is within `tolerance` and
    every label is the same. `lstm_int8` then makes the LSTM a DynamicQuantizeLSTM, which is not
    exact: its differences and label agreement are measured and recorded, and whether it is kept
    is the caller's decision (`python3 -m training all` keeps it only within 0.1 UPOS point on
    dev). config.json's `graph_rewrites` adds up what every run did, so optimizing an optimized
    bundle again changes nothing and loses no record."""
    import shutil

    cfg = json.loads((bundle / "config.json").read_text())
    heads = cfg.get("bert", {}).get("num_attention_heads")
    if fuse_attention and not heads:
        raise ValueError("config.json has no bert.num_attention_heads: attention cannot be fused")
    if out.resolve() != bundle.resolve():
        shutil.copytree(bundle, out, dirs_exist_ok=True)
    root = Path(__file__).resolve().parent.parent
    tmp = out / "model.onnx.optimized"
    try:
        counts = optimize(bundle / "model.onnx", tmp, heads if fuse_attention is not False else None)
        vocab_size = cfg.get("bert", {}).get("vocab_size", 1000)
        rng = np.random.default_rng(0)
        sequences = [[1] + rng.integers(5, vocab_size, n).tolist() + [2]
                     for n in (3, 30, cfg.get("max_length", 128) - 2)]
        result = check(bundle / "model.onnx", tmp, sequences, root)
        if windows is not None:
            on_windows = check(bundle / "model.onnx", tmp, windows, root)
            result = _merge_checks(result, on_windows)
        worst = max(result["maxDiff"].values())
        changed = result["positions"] - result["argmaxAgree"] + result["windows"] - result["sequenceAgree"]
        if worst > tolerance or changed:
            raise ValueError(f"the rewritten graph differs from the original (max |difference| {worst:g}, "
                             f"{changed} labels changed): not written")
        record = {**counts, "max_abs_difference": worst}
        if windows is not None:
            record["labels_checked"] = on_windows["positions"]
        if lstm_int8:
            model = onnx.load(str(tmp))
            record["lstm_quantized"] = quantize_lstm(model)
            if record["lstm_quantized"]:
                lstm_tmp = out / "model.onnx.lstm"
                onnx.save(model, str(lstm_tmp))
                r = check(tmp, lstm_tmp, windows if windows is not None else sequences, root)
                lstm_tmp.replace(tmp)
                record["lstm_max_abs_difference"] = {k: round(v, 6) for k, v in r["maxDiff"].items()}
                record["lstm_labels_agree"] = r["argmaxAgree"] / max(1, r["positions"])
                record["lstm_sequence_labels_agree"] = r["sequenceAgree"] / max(1, r["windows"])
        tmp.replace(out / "model.onnx")
    finally:
        tmp.unlink(missing_ok=True)
    prior = cfg.get("graph_rewrites", {})
    merged = {**prior, **{k: v for k, v in record.items() if k not in COUNTS}}
    for k in COUNTS:
        merged[k] = prior.get(k, 0) + record.get(k, 0)
    merged["max_abs_difference"] = max(prior.get("max_abs_difference", 0), worst)
    cfg["graph_rewrites"] = merged
    (out / "config.json").write_text(json.dumps(cfg, indent=1, ensure_ascii=False))
    return record


def _merge_checks(a: dict, b: dict) -> dict:
    keys = set(a["maxDiff"]) | set(b["maxDiff"])
    out = {k: a[k] + b[k] for k in ("argmaxAgree", "positions", "sequenceAgree", "windows")}
    out["maxDiff"] = {k: max(a["maxDiff"].get(k, 0), b["maxDiff"].get(k, 0)) for k in keys}
    return out
