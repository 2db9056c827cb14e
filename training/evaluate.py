"""Scores of a bundle's model.onnx on held-out Brown documents, run by onnxruntime-node
(training/ort_eval.mjs: the runtime the extension uses, so fp32 and int8 are compared as they
run), and the held-out files those scores and the extension's shipped-model test read."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

from . import data, run_tokenizer


def write_eval_windows(path: Path, split: str, max_len: int, limit_docs: int | None = None,
                       tok: data.WordPieceTokenizer | None = None) -> None:
    """A split's tagged windows as JSON lines, tokenized by `tok` (default: bert-base-uncased
    with the UD words)."""
    tok = tok or data.WordPieceTokenizer(data.bert_vocab())
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


def evaluate_bundle(bundle: Path, split: str, runs: Path, tiny: bool = False,
                    tok: data.WordPieceTokenizer | None = None) -> dict:
    """UPOS and sequence scores of a bundle's model.onnx on a split's windows, run by
    onnxruntime-node (training/ort_eval.mjs). `tok`: the bundle's tokenizer when its vocabulary
    is not the project's (the windows are cached per vocabulary). The token labels must be the
    UPOS tags; a sequence head is scored when its labels are Brown's genre groups."""
    cfg = json.loads((bundle / "config.json").read_text())
    labels = [cfg.get("id2label", {}).get(str(i)) for i in range(len(cfg.get("id2label", {})))]
    if labels != data.UPOS:
        raise ValueError(f"{bundle}: evaluation scores UPOS tags on Brown, and this bundle's "
                         f"token labels are not the UPOS tags ({', '.join(map(str, labels[:5])) or 'none'})")
    seq = cfg.get("sequence_id2label", {})
    n_seq = len(seq) if [seq.get(str(i)) for i in range(len(seq))] == data.SEQUENCE_LABELS else 0
    max_len = cfg["max_length"]
    # the bundle's own tokenizer and words unless given (a cache file per tokenizer)
    tok = tok or run_tokenizer.of_bundle(bundle)
    windows = runs / (f"eval-{split}-{max_len}-{run_tokenizer.fingerprint(tok)}"
                      f"{'-tiny' if tiny else ''}.jsonl")
    if not windows.exists():
        runs.mkdir(parents=True, exist_ok=True)
        write_eval_windows(windows, split, max_len, limit_docs=2 if tiny else None, tok=tok)
    out = subprocess.run(["node", str(Path(__file__).parent / "ort_eval.mjs"), str(bundle / "model.onnx"),
                          str(windows), str(len(labels)), str(n_seq)],
                         capture_output=True, text=True, check=True, cwd=data.ROOT)
    scores = json.loads(out.stdout)

    def fmt(x):
        return "-" if x is None else f"{x:.4f}"
    print(f"evaluate {bundle.name} on {split}: UPOS {fmt(scores['upos_accuracy'])} sequence "
          f"{fmt(scores['sequence_accuracy'])} (majority {fmt(scores['sequence_majority_baseline'])})",
          flush=True)
    return scores



def per_tag_scores(confusion: list[list[int]], labels: list[str]) -> list[dict]:
    """Precision, recall and F1 of each label from a gold x predicted count matrix; precision is
    None where a label was never predicted, recall where it never occurs in the gold data, F1
    where neither (0 where either happens without a correct word)."""
    out = []
    for k, label in enumerate(labels):
        tp = confusion[k][k]
        gold = sum(confusion[k])
        predicted = sum(row[k] for row in confusion)
        p = tp / predicted if predicted else None
        r = tp / gold if gold else None
        f1 = 2 * p * r / (p + r) if p and r else (0.0 if gold or predicted else None)
        out.append({"label": label, "gold": gold, "predicted": predicted,
                    "precision": p, "recall": r, "f1": f1})
    return out


def most_confused(confusion: list[list[int]], labels: list[str], n: int = 10) -> list[dict]:
    """The `n` largest off-diagonal cells: gold label, predicted label, words, and the share of
    that gold label's words they are."""
    cells = [(confusion[g][p], g, p) for g in range(len(labels)) for p in range(len(labels))
             if g != p and confusion[g][p]]
    cells.sort(key=lambda c: (-c[0], c[1], c[2]))
    return [{"gold": labels[g], "predicted": labels[p], "words": c,
             "share_of_gold": c / sum(confusion[g])} for c, g, p in cells[:n]]
