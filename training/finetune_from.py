"""Joint fine-tuning of a bundle's BERT and LSTM on annotation files: the seed article's costlier
option, run from the Python toolchain on the same files the extension writes and reads.

`python3 -m training finetune-from --bundle DIR --train FILE... --out DIR` starts from the
bundle's own weights (the eager model rebuilt from its model.onnx, int8 weights dequantized:
scripts/torch_from_bundle.py), trains the encoder, the LSTM and the token head together on the
files' labels, and writes a new bundle (ONNX export, int8 quantization when the base was int8,
`token_features` and token_head.json) that `--model` and Select Model load.

The files: CoNLL-U (FORM and UPOS, or MISC NE=), CoNLL-2003 (the token and the last column),
JSON Lines spans (Prodigy / doccano: "text" and "spans", code points) and the extension's
sidecars (`.labels.jsonl`, UTF-16 offsets, read against their document next to them). Words are
the bundle's word splitter's for texts (spans, sidecars) and the file's tokens for CoNLL; a
word with no label (a span file labels some words only) is not trained on.

Why the sequence head is distilled: the files carry token labels only, and training the encoder
moves the features the sequence head reads. Each window's sequence probabilities from the base
model are kept as soft targets (a KL term), so the genre scores stay what they were while the
tags change. Every fifth window is held out: its accuracy before and after is printed, and the
result is written only when it is not worse there (--force writes it anyway)."""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from . import data, run_tokenizer

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class LabeledSentence:
    words: list[str]
    tags: list[str | None]  # None: a word without a label (not trained on)


class TrainingFileError(ValueError):
    pass


def _conllu(path: Path, text: str) -> list[LabeledSentence]:
    out, words, tags = [], [], []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            if words:
                out.append(LabeledSentence(words, tags))
            words, tags = [], []
            continue
        if line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) != 10:
            raise TrainingFileError(f"{path}:{n}: a CoNLL-U word line has 10 tab-separated columns; this one has {len(cols)}")
        if not cols[0].isdigit():
            continue  # a multiword token's range or an empty node: its words are on their own lines
        ne = next((m[3:] for m in cols[9].split("|") if m.startswith("NE=")), None)
        tag = ne if ne is not None else cols[3]
        words.append(cols[1])
        tags.append(None if tag in ("_", "") else tag)
    if words:
        out.append(LabeledSentence(words, tags))
    return out


def _conll(path: Path, text: str) -> list[LabeledSentence]:
    out, words, tags = [], [], []
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("-DOCSTART-"):
            if words:
                out.append(LabeledSentence(words, tags))
            words, tags = [], []
            continue
        cols = line.split()
        if len(cols) < 2:
            raise TrainingFileError(f"{path}:{n}: expected a token and a tag, found {line!r}")
        words.append(cols[0])
        tags.append(cols[-1])
    if words:
        out.append(LabeledSentence(words, tags))
    return out


def _utf16_to_cp(text: str) -> list[int]:
    """UTF-16 offset -> code point index, for every UTF-16 offset of the text."""
    index = []
    for i, ch in enumerate(text):
        index.append(i)
        if ord(ch) > 0xFFFF:
            index.append(i)
    index.append(len(text))
    return index


def _from_spans(text: str, spans: list[tuple[int, int, str]], splitter, scheme: str) -> list[LabeledSentence]:
    """The text's words (the bundle's splitter), each labeled by the span over it, a sentence per line."""
    words, tags = [], []
    for s, e in splitter.spans(text):
        covering = [(a, b, lab) for a, b, lab in spans if a <= s and e <= b]
        if not covering:
            words.append(text[s:e])
            tags.append("O" if scheme != "plain" and spans else None)
            continue
        a, b, lab = covering[0]
        if scheme == "plain" or lab == "O":
            tag = lab
        else:
            first, last = s == a, e == b
            if scheme == "BIOES" and first and last:
                tag = f"S-{lab}"
            elif first:
                tag = f"B-{lab}"
            elif scheme == "BIOES" and last:
                tag = f"E-{lab}"
            else:
                tag = f"I-{lab}"
        words.append(text[s:e])
        tags.append(tag)
    return [LabeledSentence(words, tags)] if words else []


def read_training_file(path: Path, splitter, scheme: str = "plain") -> list[LabeledSentence]:
    """The labeled sentences of one annotation file, by its name; problems raise TrainingFileError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise TrainingFileError(f"{path} cannot be read: {e.strerror or e}") from e
    name = path.name.lower()
    if name.endswith(".labels.jsonl"):
        lines = [ln for ln in text.splitlines() if ln.strip()]
        try:
            header = json.loads(lines[0]) if lines else {}
        except json.JSONDecodeError as e:
            raise TrainingFileError(f"{path}:1: not JSON: {e}") from e
        if header.get("schema") != "bert-lstm-annotations":
            raise TrainingFileError(f"{path}:1: not a sidecar (its first line has no \"schema\": \"bert-lstm-annotations\")")
        doc = path.parent / (header.get("document") or path.name[: -len(".labels.jsonl")])
        try:
            doc_text = doc.read_text(encoding="utf-8")
        except OSError as e:
            raise TrainingFileError(f"{path}: its document {doc} cannot be read: {e.strerror or e}") from e
        cp = _utf16_to_cp(doc_text)
        spans = []
        for n, ln in enumerate(lines[1:], 2):
            a = json.loads(ln)
            if a.get("source") == "model" or a.get("needsReview"):
                continue
            s, e = a["start"], a["end"]
            if e >= len(cp) or doc_text[cp[s]:cp[e]] != a.get("text"):
                continue  # a label whose text differs from the document there is skipped (the extension re-anchors it)
            spans.append((cp[s], cp[e], a["label"]))
        return [s for para in _paragraphs(doc_text) for s in _from_spans_at(doc_text, para, spans, splitter, scheme)]
    if name.endswith(".conllu"):
        return _conllu(path, text)
    if name.endswith((".conll", ".iob", ".iob2", ".bio")):
        return _conll(path, text)
    if name.endswith((".jsonl", ".json")):
        out = []
        for n, ln in enumerate(text.splitlines(), 1):
            if not ln.strip():
                continue
            try:
                rec = json.loads(ln)
            except json.JSONDecodeError as e:
                raise TrainingFileError(f"{path}:{n}: not JSON: {e}") from e
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
                raise TrainingFileError(f"{path}:{n}: a record must have a \"text\" string")
            raw = rec.get("spans") or rec.get("label") or rec.get("entities") or []
            spans = []
            for s in raw:
                if isinstance(s, list):
                    spans.append((s[0], s[1], s[2]))
                else:
                    spans.append((s.get("start", s.get("start_offset")), s.get("end", s.get("end_offset")), s["label"]))
            out += _from_spans(rec["text"], spans, splitter, scheme)
        return out
    raise TrainingFileError(f"{path}: the format is not known from its name (.conllu, .conll/.iob/.bio, .jsonl spans, "
                            "or a .labels.jsonl sidecar)")


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for part in text.split("\n\n"):
        out.append((start, start + len(part)))
        start += len(part) + 2
    return out


def _from_spans_at(text, para, spans, splitter, scheme):
    a, b = para
    inside = [(s - a, e - a, lab) for s, e, lab in spans if a <= s and e <= b]
    if not inside:
        return []  # a paragraph nobody labeled is not a training example
    return _from_spans(text[a:b], inside, splitter, scheme)


def windows_of(tok, sentences: list[LabeledSentence], label_ids: dict[str, int], max_len: int
               ) -> tuple[list[data.TaggedWindow], dict[str, int]]:
    """Sentences packed into windows as data.tagged_windows packs Brown's; the labels the model
    does not have are counted and not trained on."""
    budget = max_len - 2
    windows: list[data.TaggedWindow] = []
    unknown: dict[str, int] = {}
    ids: list[int] = []
    labels: list[int] = []

    def flush():
        if any(x != data.IGNORE for x in labels):
            windows.append(data.TaggedWindow([tok.cls_id] + ids + [tok.sep_id], [data.IGNORE] + labels + [data.IGNORE], 0, "file"))
        ids.clear()
        labels.clear()

    for s in sentences:
        s_ids, s_labels = [], []
        for w, t in zip(s.words, s.tags):
            pieces = tok.encode_word(w) or [tok.unk_id]
            if t is not None and t not in label_ids:
                unknown[t] = unknown.get(t, 0) + 1
            y = label_ids.get(t, data.IGNORE) if t is not None else data.IGNORE
            s_ids += pieces
            s_labels += [y] + [data.IGNORE] * (len(pieces) - 1)
        if len(ids) + len(s_ids) > budget:
            flush()
        while len(s_ids) > budget:
            ids.extend(s_ids[:budget])
            labels.extend(s_labels[:budget])
            flush()
            s_ids, s_labels = s_ids[budget:], s_labels[budget:]
        ids.extend(s_ids)
        labels.extend(s_labels)
    flush()
    return windows, unknown


def _tensors(windows, pad_id):
    ids = torch.tensor(data.pad([w.input_ids for w in windows], pad_id))
    labels = torch.tensor(data.pad([w.word_labels for w in windows], data.IGNORE))
    mask = torch.tensor(data.pad([[1] * len(w.input_ids) for w in windows], 0))
    return ids, mask, labels


@torch.no_grad()
def token_accuracy(model, windows, pad_id, batch_size=32) -> float:
    model.eval()
    ok = total = 0
    for i in range(0, len(windows), batch_size):
        ids, mask, labels = _tensors(windows[i:i + batch_size], pad_id)
        token_logits, _, _ = model(ids, mask)
        sel = labels != data.IGNORE
        ok += (token_logits.argmax(-1)[sel] == labels[sel]).sum().item()
        total += sel.sum().item()
    return ok / max(1, total)


def finetune_from(bundle: Path, train_files: list[Path], out: Path, *, epochs: float = 10, batch_size: int = 8,
                  lr_bert: float = 3e-5, lr_head: float = 1e-3, freeze_bert: bool = False, seed: int = 13,
                  threads: int = 1, force: bool = False, log=print) -> dict:
    sys.path.insert(0, str(ROOT / "scripts"))
    from torch_from_bundle import load_from_bundle  # scripts/: the eager model from a bundle's graph

    t0 = time.time()
    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    cfg = json.loads((bundle / "config.json").read_text())
    labels = [cfg["id2label"][str(i)] for i in range(len(cfg["id2label"]))]
    scheme = cfg.get("label_scheme", "plain")
    tok = run_tokenizer.of_bundle(bundle)
    sentences = []
    for f in train_files:
        sentences += read_training_file(Path(f), tok.splitter, scheme)
    model = load_from_bundle(bundle)
    max_len = int(cfg.get("max_length") or model.config.bert.max_position_embeddings)
    windows, unknown = windows_of(tok, sentences, {t: i for i, t in enumerate(labels)}, max_len)
    if unknown:
        log(f"left out {sum(unknown.values())} words with labels the model does not have: {', '.join(list(unknown)[:8])}")
    if len(windows) < 2:
        raise TrainingFileError("the files give fewer than two windows of labeled words: nothing to train and check on")
    held = windows[4::5]
    train = [w for i, w in enumerate(windows) if i % 5 != 4]
    words = sum(sum(1 for y in w.word_labels if y != data.IGNORE) for w in windows)
    before = token_accuracy(model, held, tok.pad_id)
    # the base model's sequence probabilities, kept as soft targets
    with torch.no_grad():
        model.eval()
        soft = {}
        for i in range(0, len(train), 32):
            ids, mask, _ = _tensors(train[i:i + 32], tok.pad_id)
            _, seq_logits, _ = model(ids, mask)
            for k, p in enumerate(torch.log_softmax(seq_logits, -1)):
                soft[id(train[i + k])] = p
    if freeze_bert:
        for p in model.bert.parameters():
            p.requires_grad_(False)
    groups = [{"params": [p for n, p in model.named_parameters() if not n.startswith("bert.")], "lr": lr_head}]
    if not freeze_bert:
        groups.append({"params": list(model.bert.parameters()), "lr": lr_bert})
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    ce = nn.CrossEntropyLoss(ignore_index=data.IGNORE)
    g = torch.Generator().manual_seed(seed)
    steps = max(1, round(epochs * ((len(train) + batch_size - 1) // batch_size)))
    step = 0
    while step < steps:
        model.train()
        if freeze_bert:
            model.bert.eval()
        order = torch.randperm(len(train), generator=g).tolist()
        for i in range(0, len(order), batch_size):
            batch = [train[j] for j in order[i:i + batch_size]]
            ids, mask, y = _tensors(batch, tok.pad_id)
            token_logits, seq_logits, _ = model(ids, mask)
            target = torch.stack([soft[id(w)] for w in batch])
            loss = ce(token_logits.flatten(0, 1), y.flatten()) + nn.functional.kl_div(
                torch.log_softmax(seq_logits, -1), target, log_target=True, reduction="batchmean")
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            step += 1
            if step >= steps:
                break
    after = token_accuracy(model, held, tok.pad_id)
    result = {"words": words, "windows": len(windows), "held_out_windows": len(held), "steps": steps,
              "before": before, "after": after, "seconds": 0.0, "written": False}
    log(f"fine-tuned on {words} labeled words ({len(train)} windows, {steps} steps); "
        f"held-out accuracy {100 * before:.1f}% -> {100 * after:.1f}% ({len(held)} windows)")
    if after < before and not force:
        log("the fine-tuned model is worse on the held-out windows: no bundle written (--force writes it anyway)")
        result["seconds"] = time.time() - t0
        return result
    _write_bundle(bundle, out, model, tok, cfg, result)
    result["seconds"] = time.time() - t0
    result["written"] = True
    log(f"wrote {out} in {result['seconds']:.0f} s")
    return result


def _write_bundle(bundle: Path, out: Path, model, tok, base_cfg: dict, result: dict) -> None:
    from .bundle import export_bundle
    from .head_file import add_features
    from .quantize import quantize_bundle

    with tempfile.TemporaryDirectory() as tmp:
        tagger = Path(tmp) / "tagger.pt"
        torch.save({"config": model.config.to_dict(), "state_dict": model.state_dict(), "tokenizer": tok.spec()}, tagger)
        fp32 = Path(tmp) / "fp32"
        export_bundle(tagger, fp32, name=f"{base_cfg.get('name', bundle.name)}-finetuned")
        cfg = json.loads((fp32 / "config.json").read_text())
        # the base bundle's labels and what it says about them
        for k in ("id2label", "label2id", "sequence_id2label", "label_descriptions", "sequence_label_descriptions",
                  "word_pattern", "label_scheme", "max_length"):
            if k in base_cfg:
                cfg[k] = base_cfg[k]
        cfg["finetuned_from"] = {"name": base_cfg.get("name"), "words": result["words"],
                                 "held_out_before": result["before"], "held_out_after": result["after"]}
        (fp32 / "config.json").write_text(json.dumps(cfg, indent=1, ensure_ascii=False))
        staged = Path(tmp) / "out"
        if "quantization" in base_cfg:
            quantize_bundle(fp32, staged)
        else:
            shutil.copytree(fp32, staged)
        add_features(staged)
        (staged / "README.md").write_text(
            f"# {cfg['name']}\n\nFine-tuned from the bundle \"{base_cfg.get('name')}\" (BERT, LSTM and token head "
            f"trained together) on {result['words']} labeled words of annotation files, with "
            "`python3 -m training finetune-from`. Held-out windows of those files: token accuracy "
            f"{100 * result['before']:.1f}% before, {100 * result['after']:.1f}% after. The sequence head "
            "was kept to the base model's scores (distilled). Not Google's BERT: see the base model's card.\n")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(staged, out)
