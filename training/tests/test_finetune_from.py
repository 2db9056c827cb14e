"""finetune-from: the shipped bundle fine-tuned (BERT, LSTM and head together) on a CoNLL-U file
whose UPOS column follows a planted rule (every noun is X) learns the rule on held-out windows,
and the bundle it writes runs in onnxruntime-node with the extension's contract (token_features
and token_head.json included); files it cannot read are refused in words."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from training import ud_words
from training.finetune_from import TrainingFileError, read_training_file
from training.tests.ort_outputs import ort_outputs

ROOT = Path(__file__).resolve().parents[2]
BUNDLE = ROOT / "models" / "default"


def planted_conllu(path: Path, n: int) -> None:
    lines = []
    for line in (ROOT / "test" / "fixtures" / "brown-test-sentences.jsonl").read_text().splitlines()[:n]:
        s = json.loads(line)
        lines.append(f"# text = {s['text']}")
        for i, ((a, b), u) in enumerate(zip(s["words"], s["upos"])):
            lines.append("\t".join([str(i + 1), s["text"][a:b], "_", "X" if u == "NOUN" else u] + ["_"] * 6))
        lines.append("")
    path.write_text("\n".join(lines) + "\n")


def test_finetune_from_learns_a_planted_rule_and_writes_a_bundle(tmp_path):
    train = tmp_path / "planted.conllu"
    planted_conllu(train, 80)
    out = tmp_path / "tuned"
    res = subprocess.run([sys.executable, "-m", "training", "--threads", "1", "finetune-from", "--bundle", str(BUNDLE),
                          "--train", str(train), "--out", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    m = next(line for line in res.stdout.splitlines() if "held-out accuracy" in line)
    before, after = (float(x) for x in __import__("re").findall(r"([\d.]+)%", m))
    assert after > before + 5, m
    cfg = json.loads((out / "config.json").read_text())
    base = json.loads((BUNDLE / "config.json").read_text())
    assert cfg["id2label"] == base["id2label"] and cfg["word_pattern"] == base["word_pattern"]
    assert cfg["finetuned_from"]["name"] == base["name"]
    head = json.loads((out / "token_head.json").read_text())
    assert head["format"] == "bert-lstm-token-head/1"
    vocab = json.loads((out / "tokenizer.json").read_text())["model"]["vocab"]
    ids = [vocab["[CLS]"]] + [vocab.get(w, vocab["[UNK]"]) for w in "the man sold his house".split()] + [vocab["[SEP]"]]
    outs = ort_outputs(out / "model.onnx", ids)
    assert {"token_logits", "sequence_logits", "token_features"} <= set(outs)
    x = cfg["label2id"]["X"]
    assert int(np.argmax(outs["token_logits"][0][2])) == x, "the fine-tuned model tags the noun (man) X, as the annotations say"


def test_unreadable_training_files_are_refused_in_words(tmp_path):
    splitter = ud_words.UD_SPLITTER
    with pytest.raises(TrainingFileError, match="cannot be read"):
        read_training_file(tmp_path / "none.conllu", splitter)
    bad = tmp_path / "bad.conllu"
    bad.write_text("1\tword\tNOUN\n")
    with pytest.raises(TrainingFileError, match=r"bad\.conllu:1: a CoNLL-U word line has 10 tab-separated columns"):
        read_training_file(bad, splitter)
    odd = tmp_path / "a.xml"
    odd.write_text("<a/>")
    with pytest.raises(TrainingFileError, match="the format is not known"):
        read_training_file(odd, splitter)


def test_spans_and_sidecars_label_the_splitters_words(tmp_path):
    splitter = ud_words.UD_SPLITTER
    spans = tmp_path / "s.jsonl"
    spans.write_text(json.dumps({"text": "Ann Lee met Bo.", "spans": [{"start": 0, "end": 7, "label": "PER"}]}) + "\n")
    [s] = read_training_file(spans, splitter, "BIO")
    assert list(zip(s.words, s.tags)) == [("Ann", "B-PER"), ("Lee", "I-PER"), ("met", "O"), ("Bo", "O"), (".", "O")]
    doc = tmp_path / "d.txt"
    doc.write_text("😀 cats run.\n\nNothing here.")
    side = tmp_path / "d.txt.labels.jsonl"
    side.write_text(json.dumps({"schema": "bert-lstm-annotations", "version": 1, "offsets": "utf-16", "document": "d.txt"}) + "\n"
                    + json.dumps({"start": 3, "end": 7, "text": "cats", "label": "NOUN", "source": "corrected"}) + "\n")
    [s] = read_training_file(side, splitter)
    assert list(zip(s.words, s.tags)) == [("😀", None), ("cats", "NOUN"), ("run", None), (".", None)]
