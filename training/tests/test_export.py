import json
import subprocess

import numpy as np
import pytest
import torch

from training import data
from training.finetune import load_tagger
from training.quantize import quantize_model
from training.tests.conftest import ROOT, node_available, run_training

needs_node = pytest.mark.skipif(not node_available(), reason="node and onnxruntime-node are needed (npm ci)")


def random_cases(max_len, vocab_size):
    """Random windows of ids in the model's vocabulary ([CLS] = 2 and [SEP] = 3, the project's
    own vocabulary's ids), several lengths padded in one batch."""
    g = torch.Generator().manual_seed(0)
    cases = []
    for lengths in ([7], [5, 12, 3], [max_len, max_len - 4], [2]):
        ids = torch.zeros(len(lengths), max(lengths), dtype=torch.long)
        mask = torch.zeros_like(ids)
        for i, n in enumerate(lengths):
            ids[i, :n] = torch.randint(5, vocab_size, (n,), generator=g)
            ids[i, 0], ids[i, n - 1] = 2, 3
            mask[i, :n] = 1
        cases.append((ids, mask))
    return cases


def run_ort(model_path, cases, tmp_path):
    f = tmp_path / "cases.json"
    f.write_text(json.dumps([{"input_ids": i.tolist(), "attention_mask": m.tolist(),
                              "token_type_ids": torch.zeros_like(i).tolist()} for i, m in cases]))
    out = subprocess.run(["node", str(ROOT / "training" / "tests" / "ort_run.mjs"), str(model_path), str(f)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@needs_node
def test_onnx_matches_pytorch_on_several_lengths(tiny_runs, tmp_path):
    model, _ = load_tagger(tiny_runs / "finetune" / "tagger.pt")
    cases = random_cases(model.config.bert.max_position_embeddings, model.config.bert.vocab_size)
    results = run_ort(tiny_runs / "bundle" / "model.onnx", cases, tmp_path)
    with torch.no_grad():
        for (ids, mask), got in zip(cases, results):
            tok, seq, att = model(ids, mask)
            m = mask.numpy().astype(bool)
            g_tok = np.array(got["token_logits"]["data"]).reshape(got["token_logits"]["dims"])
            assert np.abs(g_tok - tok.numpy())[m].max() < 1e-4
            g_seq = np.array(got["sequence_logits"]["data"]).reshape(got["sequence_logits"]["dims"])
            assert np.abs(g_seq - seq.numpy()).max() < 1e-4
            g_att = np.array(got["attentions"]["data"]).reshape(got["attentions"]["dims"])
            assert g_att.shape == tuple(att.shape)
            real = m[:, None, None, :, None] & m[:, None, None, None, :]
            assert np.abs(g_att - att.numpy())[np.broadcast_to(real, g_att.shape)].max() < 1e-4


@needs_node
def test_int8_quantization_agrees_with_fp32(tiny_runs, tmp_path):
    q = tmp_path / "int8.onnx"
    counts = quantize_model(tiny_runs / "bundle" / "model.onnx", q, min_elements=512)
    assert counts["matmul"] + counts["gemm"] > 0 and counts["gather"] == 1
    cases = random_cases(32, json.loads((tiny_runs / "bundle" / "config.json").read_text())["bert"]["vocab_size"])
    a = run_ort(tiny_runs / "bundle" / "model.onnx", cases, tmp_path)
    b = run_ort(q, cases, tmp_path)
    agree = total = 0
    for (ids, mask), x, y in zip(cases, a, b):
        n = x["token_logits"]["dims"][-1]
        lx = np.array(x["token_logits"]["data"]).reshape(-1, n)
        ly = np.array(y["token_logits"]["data"]).reshape(-1, n)
        sel = mask.numpy().reshape(-1).astype(bool)
        agree += (lx[sel].argmax(1) == ly[sel].argmax(1)).sum()
        total += sel.sum()
        assert np.abs(lx[sel] - ly[sel]).max() < 0.5
    assert agree / total > 0.9


def test_bundle_files_follow_the_contract(tiny_runs):
    b = tiny_runs / "bundle"
    cfg = json.loads((b / "config.json").read_text())
    assert [cfg["id2label"][str(i)] for i in range(17)] == data.UPOS
    assert list(cfg["sequence_id2label"].values()) == data.SEQUENCE_LABELS
    assert cfg["label_scheme"] == "plain" and cfg["word_pattern"] == data.WORD_PATTERN
    tok = json.loads((b / "tokenizer.json").read_text())
    # the run's own cased vocabulary (training/vocab.py), its special tokens first
    assert tok["model"]["type"] == "WordPiece" and tok["model"]["vocab"]["[CLS]"] == 2
    assert tok["normalizer"]["type"] == "BertNormalizer" and tok["pre_tokenizer"]["type"] == "BertPreTokenizer"
    assert tok["normalizer"]["lowercase"] is False
    vocab = (b / "vocab.txt").read_text().splitlines()
    assert vocab[:5] == data.SPECIAL_TOKENS and len(vocab) == cfg["bert"]["vocab_size"]
    assert {p: i for i, p in enumerate(vocab)} == tok["model"]["vocab"]


def test_plain_bert_export_has_3d_logits(tiny_runs):
    out = tiny_runs / "plain"
    run_training("export", "--no-lstm", "--out", str(out), runs=tiny_runs)
    import onnx
    m = onnx.load(str(out / "model.onnx"))
    assert [o.name for o in m.graph.output] == ["logits"]
    assert len(m.graph.output[0].type.tensor_type.shape.dim) == 3
    assert [i.name for i in m.graph.input] == ["input_ids", "attention_mask", "token_type_ids"]
    cfg = json.loads((out / "config.json").read_text())
    assert "sequence_id2label" not in cfg and cfg["model_type"] == "bert"


@needs_node
def test_every_command_runs_on_a_tiny_config(tmp_path):
    """The documented pipeline end to end, tiny: all -> a bundle with a card and metrics."""
    out = tmp_path / "model"
    log = run_training("--tiny", "--threads", "1", "all", "--out", str(out), runs=tmp_path / "runs")
    assert "models:" in log
    for f in ("model.onnx", "tokenizer.json", "tokenizer_config.json", "config.json", "README.md", "metrics.json"):
        assert (out / f).exists(), f
    metrics = json.loads((out / "metrics.json").read_text())
    assert 0 <= metrics["test"]["upos_accuracy"] <= 1
    card = (out / "README.md").read_text()
    assert "not Google's BERT" in card
    # the honest card: per-tag scores that agree with the accuracy, confusions, both options
    scores = metrics["test"]["upos_scores"]
    assert len(scores) == 17
    assert sum(r["gold"] for r in scores) == metrics["test"]["words"]
    correct = sum(round(r["recall"] * r["gold"]) for r in scores if r["recall"] is not None)
    assert abs(correct / metrics["test"]["words"] - metrics["test"]["upos_accuracy"]) < 1e-6
    assert all(c["gold"] != c["predicted"] for c in metrics["test"]["most_confused"])
    assert 0 <= metrics["frozen_bert_bundle"]["test"]["upos_accuracy"] <= 1
    for heading in ("| tag | words (gold) | precision | recall | F1 |", "The most confused pairs",
                    "BERT frozen", "Wrong by design"):
        assert heading in card, heading
    # evaluate on its own, as a user would
    log = run_training("--tiny", "evaluate", "--bundle", str(out), "--split", "dev", runs=tmp_path / "runs")
    assert "upos_accuracy" in log


def test_pretraining_resumes_from_checkpoint(tmp_path):
    runs = tmp_path / "runs"
    run_training("--tiny", "--threads", "1", "pretrain", "--steps", "2", "--max-len", "32", runs=runs)
    log = run_training("--tiny", "--threads", "1", "pretrain", "--steps", "3", "--max-len", "32", runs=runs)
    assert "resumed at step 2" in log
