"""The article's three classes: a state dict with Hugging Face's BERT names, `lstm.*` and `fc.*`
becomes a bundle with one command, and the bundle's ONNX model, run by onnxruntime-node, gives
what the article's own forward gives (on padded batches too, where the article's
`lstm_output[:, -1, :]` would read a pad position)."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from training import data
from training.article import (ArticleImportError, build_model, import_article, read_bert_config,
                              read_state_dict)
from training.evaluate import evaluate_bundle
from training.tests.article_fixtures import (ArticleReference, encode, hf_config,
                                             small_vocab, write_article_files)
from training.tests.conftest import ROOT, node_available, run_training
from training.tests.test_export import run_ort

needs_node = pytest.mark.skipif(not node_available(), reason="node and onnxruntime-node are needed (npm ci)")

TEXTS = ["The cat sat on the mat.", "It was a cat.", "He had this mat and that cat, as the cat sat in it.",
         "A."]


def padded_batch(vocab):
    rows = [encode(t, vocab) for t in TEXTS]
    n = max(map(len, rows))
    ids = torch.zeros(len(rows), n, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return rows, ids, mask


def import_cmd(files, kind, out, *extra, runs):
    sd, cfg, vocab = files
    return run_training("--threads", "1", "import-article", "--state-dict", str(sd), "--class", kind,
                        "--config", str(cfg), "--vocab", str(vocab), "--out", str(out), *extra, runs=runs)


@needs_node
@pytest.mark.parametrize("kind,bidirectional,layers", [
    ("BertLSTM", False, 1), ("BertLSTM", True, 2), ("BertLSTMCLS", False, 1), ("BertLSTMCLS", True, 1)])
def test_classifier_exports_as_a_sequence_head(tmp_path, kind, bidirectional, layers):
    files = write_article_files(tmp_path / "article", kind, bidirectional=bidirectional,
                                lstm_layers=layers, num_labels=3)
    out = tmp_path / "bundle"
    import_cmd(files, kind, out, "--labels", "negative,neutral,positive", runs=tmp_path / "runs")
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["sequence_id2label"] == {"0": "negative", "1": "neutral", "2": "positive"}
    assert "id2label" not in cfg and "word_pattern" not in cfg
    assert cfg["architectures"] == [kind] and cfg["lstm"]["bidirectional"] == bidirectional
    if kind == "BertLSTM" and not bidirectional:
        # the project's evaluation scores UPOS on Brown: it says why it cannot score this one
        res = subprocess.run([sys.executable, "-m", "training", "--runs", str(tmp_path / "runs"),
                              "evaluate", "--bundle", str(out)], cwd=ROOT, capture_output=True, text=True)
        assert res.returncode == 2 and "token labels are not the UPOS tags" in res.stderr
    tok = json.loads((out / "tokenizer.json").read_text())
    assert tok["model"]["vocab"] == {p: i for i, p in enumerate(small_vocab())}
    assert tok["normalizer"]["lowercase"] is True

    hf = json.loads(files[1].read_text())
    ref = ArticleReference(kind, hf, torch.load(files[0]))
    rows, ids, mask = padded_batch(small_vocab())
    alone = [(torch.tensor([r]), torch.ones(1, len(r), dtype=torch.long)) for r in rows]
    got, *singles = run_ort(out / "model.onnx", [(ids, mask)] + alone, tmp_path)
    assert [o for o in got] == ["sequence_logits", "attentions"]
    logits = np.array(got["sequence_logits"]["data"]).reshape(got["sequence_logits"]["dims"])
    for i, r in enumerate(rows):
        want = ref(torch.tensor([r]))[0].numpy()  # the article's forward on the unpadded row
        assert np.abs(logits[i] - want).max() < 1e-4, (i, logits[i], want)
        assert np.abs(np.array(singles[i]["sequence_logits"]["data"]) - want).max() < 1e-4
    att = got["attentions"]["dims"]
    assert att == [len(rows), hf["num_hidden_layers"], hf["num_attention_heads"], ids.shape[1], ids.shape[1]]


def test_last_position_of_a_padded_batch_is_not_the_last_token(tmp_path):
    """Why the export reads the last real token: the article's line on a padded batch differs."""
    files = write_article_files(tmp_path / "a", "BertLSTM")
    hf = json.loads(files[1].read_text())
    sd = torch.load(files[0])
    ref = ArticleReference("BertLSTM", hf, sd)
    model = build_model("BertLSTM", read_state_dict(files[0]), ref.bert.config)
    rows, ids, mask = padded_batch(small_vocab())
    with torch.no_grad():
        ours, _ = model(ids, mask)
        h, _ = ref.bert(ids, mask)
        naive = ref.fc(ref.lstm(h)[0][:, -1, :])
    short = min(range(len(rows)), key=lambda i: len(rows[i]))
    want = ref(torch.tensor([rows[short]]))[0]
    assert torch.allclose(ours[short], want, atol=1e-5)
    assert not torch.allclose(naive[short], want, atol=1e-3)


@needs_node
def test_sequence_class_gets_a_trained_token_head(tmp_path):
    files = write_article_files(tmp_path / "article", "BertLSTMSequence", lstm_hidden=12)
    out = tmp_path / "bundle"
    lines = []
    model = import_article(files[0], "BertLSTMSequence", files[1], files[2], out,
                           train_head=True, head_docs=2, head_epochs=2, log=lines.append)
    assert any(line.startswith("token head epoch 2/2") for line in lines)
    cfg = json.loads((out / "config.json").read_text())
    assert [cfg["id2label"][str(i)] for i in range(len(data.UPOS))] == data.UPOS
    assert "sequence_id2label" not in cfg and cfg["word_pattern"] == data.WORD_PATTERN
    assert 0 <= cfg["token_head"]["upos_accuracy"] <= 1

    # the bundle's token logits are the trained head on the article's per-token LSTM outputs
    hf = json.loads(files[1].read_text())
    ref = ArticleReference("BertLSTMSequence", hf, torch.load(files[0]))
    head_state = {k: v.detach() for k, v in model.fc.state_dict().items()}
    rows, ids, mask = padded_batch(small_vocab())
    [got] = run_ort(out / "model.onnx", [(ids, mask)], tmp_path)
    logits = np.array(got["token_logits"]["data"]).reshape(got["token_logits"]["dims"])
    assert logits.shape[-1] == len(data.UPOS)
    for i, r in enumerate(rows):
        states = ref(torch.tensor([r]))[0]
        want = (states @ head_state["weight"].T + head_state["bias"]).numpy()
        assert np.abs(logits[i, :len(r)] - want).max() < 1e-4

    # and the project's evaluation runs it on Brown dev windows in its own vocabulary
    scores = evaluate_bundle(out, "dev", tmp_path / "runs", tiny=True,
                             tok=data.WordPieceTokenizer(small_vocab()))
    assert scores["words"] > 0 and 0 <= scores["upos_accuracy"] <= 1
    assert scores["sequence_accuracy"] is None


def test_sequence_class_without_a_head_says_what_is_missing(tmp_path):
    files = write_article_files(tmp_path / "article", "BertLSTMSequence")
    sd, cfg, vocab = files
    res = subprocess.run([sys.executable, "-m", "training", "import-article", "--state-dict", str(sd),
                          "--class", "BertLSTMSequence", "--config", str(cfg), "--vocab", str(vocab),
                          "--out", str(tmp_path / "b")], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 2
    assert "has no classifier" in res.stderr and "--train-token-head" in res.stderr
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize("change,message", [
    (lambda sd: sd.pop("fc.weight"), "has a classifier fc"),
    (lambda sd: sd.pop("bert.encoder.layer.1.attention.self.key.bias"), "missing bert.encoder.layer.1.attention.self.key.bias"),
    (lambda sd: sd.__setitem__("dropout.p", torch.zeros(1)), "outside bert, lstm and fc"),
    (lambda sd: sd.__setitem__("fc.weight", torch.zeros(3, 5)), "fc takes inputs of size 5"),
])
def test_bad_state_dicts_get_clear_errors(tmp_path, change, message):
    files = write_article_files(tmp_path / "article", "BertLSTM")
    sd = torch.load(files[0])
    change(sd)
    with pytest.raises(ArticleImportError, match=message.replace(".", r"\.")):
        build_model("BertLSTM", sd, read_bert_config(files[1]))


def test_checkpoint_wrappers_and_dataparallel_prefixes_are_read(tmp_path):
    sd = {"module.fc.weight": torch.zeros(2, 2)}
    torch.save({"epoch": 3, "model_state_dict": sd}, tmp_path / "ckpt.pt")
    assert list(read_state_dict(tmp_path / "ckpt.pt")) == ["fc.weight"]
    (tmp_path / "bad.pt").write_text("not a torch file")
    with pytest.raises(ArticleImportError, match="not a PyTorch file"):
        read_state_dict(tmp_path / "bad.pt")


def test_label_count_and_vocabulary_are_checked(tmp_path):
    files = write_article_files(tmp_path / "article", "BertLSTM", num_labels=3)
    from training.article import import_article
    with pytest.raises(ArticleImportError, match="2 labels given but fc has 3 outputs"):
        import_article(*files[:1], "BertLSTM", files[1], files[2], tmp_path / "b", labels=["a", "b"])
    cfg = hf_config(len(small_vocab()) + 1)
    (tmp_path / "wrong.json").write_text(json.dumps(cfg))
    with pytest.raises(ArticleImportError, match="vocab_size"):
        import_article(files[0], "BertLSTM", tmp_path / "wrong.json", files[2], tmp_path / "b")


def test_casing_is_read_from_the_vocabulary():
    from training.article import is_uncased
    assert is_uncased(data.bert_vocab())  # bert-base-uncased, which has `ℝ`
    assert not is_uncased(small_vocab() + ["The"])
