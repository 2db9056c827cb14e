"""Export: a trained tagger to a model bundle (docs/BUNDLE.md), int8 dynamic quantization with
the `onnx` package alone, and the held-out data the bundle is evaluated on."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import torch
from onnx import TensorProto, helper, numpy_helper

from . import data
from .model import BertLstmTagger, TaggerConfig

OPSET = 14


# --------------------------------------------------------------------------------------------
# Tokenizer files: the standard bert-base-uncased tokenizer in Hugging Face's formats.
# --------------------------------------------------------------------------------------------
def tokenizer_json(vocab: list[str], max_length: int) -> dict:
    ids = {p: i for i, p in enumerate(vocab)}
    special = [{"id": ids[t], "content": t, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}
               for t in data.SPECIAL_TOKENS]

    def tok(name):
        return {"SpecialToken": {"id": name, "type_id": 0}}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": sorted(special, key=lambda t: t["id"]),
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [tok("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, tok("[SEP]")],
            "pair": [tok("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, tok("[SEP]"),
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]}
                               for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def write_tokenizer_files(out: Path, max_length: int) -> None:
    vocab = data.bert_vocab()
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (out / "tokenizer.json").write_text(
        json.dumps(tokenizer_json(vocab, max_length), ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "BertTokenizer", "do_lower_case": True, "strip_accents": None,
        "tokenize_chinese_chars": True, "model_max_length": max_length,
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
        "cls_token": "[CLS]", "mask_token": "[MASK]"}, indent=1))


# --------------------------------------------------------------------------------------------
# ONNX
# --------------------------------------------------------------------------------------------
class _PlainBertTokenClassifier(torch.nn.Module):
    """BERT with a linear head on its last hidden states, as a plain Hugging Face
    `BertForTokenClassification` export would be (a 3-D `logits` output). Used to check that the
    extension accepts such bundles; its head is trained briefly in `finetune --no-lstm` runs or
    copied from the tagger's token head shape when absent."""

    def __init__(self, tagger: BertLstmTagger):
        super().__init__()
        self.bert = tagger.bert
        self.classifier = torch.nn.Linear(tagger.config.bert.hidden_size,
                                          tagger.config.num_token_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        h, _ = self.bert(input_ids, attention_mask, token_type_ids)
        return self.classifier(h)


def export_onnx(model: torch.nn.Module, path: Path, plain: bool = False) -> None:
    model.eval()
    ids = torch.tensor([[101, 1996, 4937, 2938, 102], [101, 1996, 102, 0, 0]])
    mask = (ids != 0).long()
    if plain:
        args = (ids, mask, torch.zeros_like(ids))
        inputs = ["input_ids", "attention_mask", "token_type_ids"]
        outputs = ["logits"]
        axes = {n: {0: "batch", 1: "sequence"} for n in inputs + outputs}
    else:
        args = (ids, mask)
        inputs = ["input_ids", "attention_mask"]
        outputs = ["token_logits", "sequence_logits", "attentions"]
        axes = {"input_ids": {0: "batch", 1: "sequence"},
                "attention_mask": {0: "batch", 1: "sequence"},
                "token_logits": {0: "batch", 1: "sequence"},
                "sequence_logits": {0: "batch"},
                "attentions": {0: "batch", 3: "sequence", 4: "sequence"}}
    with torch.no_grad():
        torch.onnx.export(model, args, str(path), input_names=inputs, output_names=outputs,
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(path)))


def bundle_config(cfg: TaggerConfig, plain: bool, name: str) -> dict:
    return {
        "name": name,
        "architectures": ["BertForTokenClassification" if plain else "BertLstmTagger"],
        "model_type": "bert" if plain else "bert-lstm",
        "id2label": {str(i): t for i, t in enumerate(data.UPOS)},
        "label2id": {t: i for i, t in enumerate(data.UPOS)},
        **({} if plain else {
            "sequence_id2label": {str(i): t for i, t in enumerate(data.SEQUENCE_LABELS)}}),
        "label_scheme": "plain",
        "max_length": cfg.bert.max_position_embeddings,
        "word_pattern": data.WORD_PATTERN,
        "aggregation_strategy": "first",
        "bert": cfg.bert.to_dict(),
        **({} if plain else {"lstm": {"hidden_size": cfg.lstm_hidden_size,
                                      "layers": cfg.lstm_layers,
                                      "bidirectional": cfg.bidirectional,
                                      "sequence_head": cfg.sequence_head}}),
    }


def load_tagger(path: Path) -> tuple[BertLstmTagger, dict]:
    state = torch.load(path)
    model = BertLstmTagger(TaggerConfig.from_dict(state["config"]))
    model.load_state_dict(state["state_dict"])
    model.eval()
    return model, state


def export_bundle(tagger_path: Path, out: Path, plain: bool = False,
                  name: str = "bert-lstm-upos-brown") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    model, state = load_tagger(tagger_path)
    export_onnx(_PlainBertTokenClassifier(model) if plain else model, out / "model.onnx", plain)
    write_tokenizer_files(out, model.config.bert.max_position_embeddings)
    (out / "config.json").write_text(json.dumps(bundle_config(model.config, plain, name),
                                                indent=1, ensure_ascii=False))
    return out


# --------------------------------------------------------------------------------------------
# int8 dynamic quantization, with `onnx` only (no onnxruntime for Python in Debian).
#   - MatMul / Gemm by a constant weight -> com.microsoft DynamicQuantizeMatMul with int8
#     weights, one scale per output column (symmetric, zero point 0);
#   - the word-embedding table -> int8 rows with one scale per row, dequantized after Gather.
# The LSTM stays fp32 (small, and recurrent error accumulates).
# --------------------------------------------------------------------------------------------
def _quantize_columns(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scale = np.abs(w).max(axis=0) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


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


# --------------------------------------------------------------------------------------------
# Held-out data for evaluating bundles with onnxruntime-node (scripts/evaluate-bundle.mjs)
# --------------------------------------------------------------------------------------------
def write_eval_windows(path: Path, split: str, max_len: int, limit_docs: int | None = None) -> None:
    tok = data.WordPieceTokenizer(data.bert_vocab())
    docs = data.load_splits()[split]
    if limit_docs:
        docs = docs[:limit_docs]
    windows = data.tagged_windows(tok, docs, max_len)
    with open(path, "w") as f:
        for w in windows:
            f.write(json.dumps({"input_ids": w.input_ids, "word_labels": w.word_labels,
                                "sequence_label": w.sequence_label, "doc": w.doc}) + "\n")


def write_eval_sentences(path: Path, split: str, limit: int | None = None) -> None:
    """Held-out sentences as plain text with gold word spans (UTF-16 offsets, as the extension
    uses), so that the shipped bundle can be checked through the extension's own core."""
    n = 0
    with open(path, "w") as f:
        for fileid in data.load_splits()[split]:
            for sent in data.read_brown_file(data.BROWN_DIR / fileid):
                words, tags = data.label_words(sent)
                text, spans = "", []
                for w in words:
                    if text:
                        text += " "
                    start = len(text.encode("utf-16-le")) // 2
                    text += w
                    spans.append([start, start + len(w.encode("utf-16-le")) // 2])
                f.write(json.dumps({"text": text, "words": spans, "upos": tags,
                                    "doc": fileid}) + "\n")
                n += 1
                if limit and n >= limit:
                    return
