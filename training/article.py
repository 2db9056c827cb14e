"""A bundle from a state dict of the seed article's own classes: `BertLSTM`, `BertLSTMCLS` and
`BertLSTMSequence`, each a module with `bert` (a Hugging Face `BertModel`), `lstm` (`nn.LSTM`,
batch_first) and, for the two classifiers, `fc` (a linear layer on one LSTM output).

`transformers` is not needed: the state dict's `bert.*` keys are Hugging Face's names, which
`model.BertModel` uses too, and `lstm.*` / `fc.*` load into `nn.LSTM` / `nn.Linear` as they are.
The LSTM's shape (hidden size, layers, direction) and the classifier's label count are read
from the weights' shapes, so the user names only the class.

What each class exports (docs/BUNDLE.md, "The article's classes"):
  - BertLSTM: `sequence_logits` = fc(LSTM output at the last real token of each row). The
    article takes `lstm_output[:, -1, :]`, which in a right-padded batch is a pad position; the
    bundle gives what that line means for an unpadded row, whatever the padding.
  - BertLSTMCLS: `sequence_logits` = fc(LSTM run on the [CLS] embedding alone, a sequence of one
    step). For a unidirectional LSTM this equals the LSTM's output at position 0 of the whole
    sequence, so both readings of "[CLS] fed into the LSTM" give the same numbers.
  - BertLSTMSequence: per-token LSTM outputs and no classifier, so nothing to label with. The
    toolchain trains a token head (UPOS on Brown, BERT and LSTM frozen) on top when asked
    (`train_head`); without it the import stops and says so.
"""
from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from . import data
from .model import BertConfig, BertModel, run_lstm
from .tokenizer_files import write_tokenizer_files
from .onnx_export import export_onnx

CLASSES = ("BertLSTM", "BertLSTMCLS", "BertLSTMSequence")


class ArticleImportError(ValueError):
    """A state dict, config or vocabulary that cannot make a bundle; the message says why."""


@dataclass
class LstmShape:
    input_size: int
    hidden_size: int
    layers: int
    bidirectional: bool

    @property
    def out_size(self) -> int:
        return self.hidden_size * (2 if self.bidirectional else 1)


class ArticleModel(nn.Module):
    """One of the article's classes on this project's BertModel, with the bundle's outputs:
    (sequence_logits | token_logits, attentions [batch, layers, heads, seq, seq])."""

    def __init__(self, kind: str, bert: BertConfig, lstm: LstmShape, num_labels: int):
        super().__init__()
        self.kind, self.shape = kind, lstm
        self.bert = BertModel(bert)
        self.lstm = nn.LSTM(lstm.input_size, lstm.hidden_size, num_layers=lstm.layers,
                            bidirectional=lstm.bidirectional, batch_first=True)
        # the article's classifier, or the token head trained here for BertLSTMSequence
        self.fc = nn.Linear(lstm.out_size, num_labels)

    def lstm_outputs(self, hidden, attention_mask):
        """The LSTM over each row's real tokens (padding never reaches it)."""
        return run_lstm(self.lstm, hidden, attention_mask)[0]

    def forward(self, input_ids, attention_mask):
        hidden, attentions = self.bert(input_ids, attention_mask)
        att = torch.stack(attentions, dim=1)
        if self.kind == "BertLSTMCLS":
            out, _ = run_lstm(self.lstm, hidden[:, :1], attention_mask[:, :1])
            return self.fc(out[:, -1]), att
        out = self.lstm_outputs(hidden, attention_mask)
        if self.kind == "BertLSTMSequence":
            return self.fc(out), att
        last = (attention_mask.sum(1) - 1).view(-1, 1, 1).expand(-1, 1, out.shape[-1])
        return self.fc(out.gather(1, last).squeeze(1)), att


# --------------------------------------------------------------------------------------------
# Reading the user's files
# --------------------------------------------------------------------------------------------
def read_state_dict(path: Path) -> dict[str, torch.Tensor]:
    """A state dict saved with `torch.save(model.state_dict(), path)`, or a checkpoint holding
    one under `state_dict` / `model_state_dict` / `model`; `module.` prefixes (DataParallel)
    are removed."""
    try:
        obj = torch.load(path, map_location="cpu")
    except FileNotFoundError:
        raise ArticleImportError(f"no state dict at {path}")
    except (AttributeError, ModuleNotFoundError) as e:
        raise ArticleImportError(f"{path} holds a pickled model whose class is not available here "
                           f"({e}); save `model.state_dict()` instead")
    except Exception as e:  # a truncated or foreign file
        raise ArticleImportError(f"{path} is not a PyTorch file torch.load can read ({e})")
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict", "model"):
            if isinstance(obj.get(key), dict):
                obj = obj[key]
                break
    if not isinstance(obj, dict) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise ArticleImportError(f"{path} does not hold a state dict (a mapping of names to tensors)")
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in obj.items()}


def read_bert_config(path: Path) -> BertConfig:
    """A Hugging Face BERT config.json; settings this BertModel does not implement are errors."""
    try:
        hf = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ArticleImportError(f"no BERT config at {path}")
    except json.JSONDecodeError as e:
        raise ArticleImportError(f"{path} is not valid JSON ({e})")
    if hf.get("hidden_act", "gelu") != "gelu":
        raise ArticleImportError(f"{path}: hidden_act {hf['hidden_act']!r} is not supported (only gelu)")
    if hf.get("position_embedding_type", "absolute") != "absolute":
        raise ArticleImportError(f"{path}: position_embedding_type {hf['position_embedding_type']!r} "
                           "is not supported (only absolute)")
    fields = BertConfig.__dataclass_fields__
    return BertConfig(**{k: v for k, v in hf.items() if k in fields})


def read_vocab(path: Path) -> list[str]:
    try:
        vocab = Path(path).read_text(encoding="utf-8").split("\n")
    except FileNotFoundError:
        raise ArticleImportError(f"no vocabulary at {path}")
    if vocab and vocab[-1] == "":
        vocab.pop()
    missing = [t for t in data.SPECIAL_TOKENS if t not in vocab]
    if missing:
        raise ArticleImportError(f"{path} lacks the special tokens {', '.join(missing)}")
    return vocab


def is_uncased(vocab: list[str]) -> bool:
    """An uncased BERT vocabulary has no piece that lowercasing changes, outside its [SPECIAL]
    tokens (letters without a lower-case form, such as `ℝ`, are in uncased vocabularies too)."""
    return not any(p.lower() != p for p in vocab if not (p.startswith("[") and p.endswith("]")))


def lstm_shape(sd: dict[str, torch.Tensor]) -> LstmShape:
    if "lstm.weight_ih_l0" not in sd:
        raise ArticleImportError("the state dict has no lstm.weight_ih_l0: not one of the article's "
                           "classes (their LSTM is the attribute `lstm`)")
    if any(re.fullmatch(r"lstm\.weight_hr_l\d+(_reverse)?", k) for k in sd):
        raise ArticleImportError("the LSTM has a projection (proj_size): not supported")
    layers = 0
    while f"lstm.weight_ih_l{layers}" in sd:
        layers += 1
    w = sd["lstm.weight_ih_l0"]
    return LstmShape(input_size=w.shape[1], hidden_size=w.shape[0] // 4, layers=layers,
                     bidirectional="lstm.weight_ih_l0_reverse" in sd)


def split_bert(sd: dict[str, torch.Tensor], bert: BertModel) -> dict[str, torch.Tensor]:
    """The encoder's weights under this BertModel's names; a missing pooler (a BertModel made
    with add_pooling_layer=False) is filled from the fresh model: the bundle never uses it."""
    out = {k[len("bert."):]: v for k, v in sd.items()
           if k.startswith("bert.") and not k.endswith("position_ids")}
    own = bert.state_dict()
    for k in ("pooler.dense.weight", "pooler.dense.bias"):
        out.setdefault(k, own[k])
    missing = sorted(set(own) - set(out))
    unexpected = sorted(set(out) - set(own))
    if missing or unexpected:
        raise ArticleImportError(
            "the bert.* weights do not match the BERT config: "
            + (f"missing {', '.join('bert.' + k for k in missing[:5])}"
               f"{' ...' if len(missing) > 5 else ''}; " if missing else "")
            + (f"unexpected {', '.join('bert.' + k for k in unexpected[:5])}"
               f"{' ...' if len(unexpected) > 5 else ''}" if unexpected else ""))
    for k, v in own.items():
        if out[k].shape != v.shape:
            raise ArticleImportError(f"bert.{k} has shape {tuple(out[k].shape)} but the BERT config "
                               f"gives {tuple(v.shape)}")
    return out


def build_model(kind: str, sd: dict[str, torch.Tensor], bert_cfg: BertConfig,
                token_labels: int | None = None) -> ArticleModel:
    """The article's model with the state dict's weights (for BertLSTMSequence, a fresh token
    head of `token_labels` outputs)."""
    if kind not in CLASSES:
        raise ArticleImportError(f"unknown class {kind!r}: one of {', '.join(CLASSES)}")
    shape = lstm_shape(sd)
    if shape.input_size != bert_cfg.hidden_size:
        raise ArticleImportError(f"the LSTM takes inputs of size {shape.input_size} but BERT's hidden "
                           f"size is {bert_cfg.hidden_size}")
    has_fc = "fc.weight" in sd
    if kind == "BertLSTMSequence":
        if has_fc:
            raise ArticleImportError("the state dict has a classifier fc: it is a BertLSTM or "
                               "BertLSTMCLS, not a BertLSTMSequence")
        num_labels = token_labels or len(data.UPOS)
    else:
        if not has_fc or "fc.bias" not in sd:
            raise ArticleImportError(f"a {kind} has a classifier fc (fc.weight, fc.bias); this state "
                               "dict has none (a BertLSTMSequence?)")
        if sd["fc.weight"].shape[1] != shape.out_size:
            raise ArticleImportError(f"fc takes inputs of size {sd['fc.weight'].shape[1]} but the LSTM "
                               f"gives {shape.out_size}")
        num_labels = sd["fc.weight"].shape[0]
    model = ArticleModel(kind, bert_cfg, shape, num_labels)
    model.bert.load_state_dict(split_bert(sd, model.bert))
    lstm = {k[len("lstm."):]: v for k, v in sd.items() if k.startswith("lstm.")}
    try:
        model.lstm.load_state_dict(lstm)
    except RuntimeError as e:
        raise ArticleImportError(f"the lstm.* weights do not form one nn.LSTM ({e})")
    if kind != "BertLSTMSequence":
        model.fc.load_state_dict({"weight": sd["fc.weight"], "bias": sd["fc.bias"]})
    known = {"bert.", "lstm.", "fc."}
    other = sorted(k for k in sd if not any(k.startswith(p) for p in known))
    if other:
        raise ArticleImportError(f"the state dict has weights outside bert, lstm and fc: "
                           f"{', '.join(other[:5])}{' ...' if len(other) > 5 else ''}")
    return model.eval()


# --------------------------------------------------------------------------------------------
# A token head for BertLSTMSequence
# --------------------------------------------------------------------------------------------
@torch.no_grad()
def _features(model: ArticleModel, windows: list[data.TaggedWindow], pad_id: int,
              batch_size: int = 16) -> tuple[torch.Tensor, torch.Tensor]:
    """LSTM outputs at each labeled piece (a word's first piece) and its UPOS id."""
    xs, ys = [], []
    for i in range(0, len(windows), batch_size):
        batch = windows[i:i + batch_size]
        ids = torch.tensor(data.pad([w.input_ids for w in batch], pad_id))
        mask = torch.tensor(data.pad([[1] * len(w.input_ids) for w in batch], 0))
        labels = torch.tensor(data.pad([w.word_labels for w in batch], data.IGNORE))
        hidden, _ = model.bert(ids, mask)
        out = model.lstm_outputs(hidden, mask)
        sel = labels != data.IGNORE
        xs.append(out[sel])
        ys.append(labels[sel])
    return torch.cat(xs), torch.cat(ys)


def train_token_head(model: ArticleModel, vocab: list[str], max_len: int, docs: int,
                     epochs: int, seed: int = 13, log=print, lowercase: bool = True) -> dict:
    """Trains `model.fc` as a UPOS head on the frozen encoder's LSTM outputs (Brown training
    documents, the project's word splitter) and keeps the epoch with the best Brown dev
    accuracy; returns that accuracy and what it was trained on."""
    torch.manual_seed(seed)
    rng = random.Random(seed)
    tok = data.WordPieceTokenizer(vocab, lowercase=lowercase)
    splits = data.load_splits()
    train = data.tagged_windows(tok, splits["train"][:docs], max_len)
    dev = data.tagged_windows(tok, splits["dev"][:max(1, docs // 4)], max_len)
    x, y = _features(model, train, tok.pad_id)
    dx, dy = _features(model, dev, tok.pad_id)
    log(f"token head: {len(y)} training words from {docs} documents, {len(dy)} dev words")
    opt = torch.optim.AdamW(model.fc.parameters(), lr=5e-3, weight_decay=0.01)
    order = list(range(len(y)))
    best, best_state = -1.0, None
    for epoch in range(epochs):
        rng.shuffle(order)
        for i in range(0, len(order), 256):
            idx = torch.tensor(order[i:i + 256])
            loss = nn.functional.cross_entropy(model.fc(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            acc = (model.fc(dx).argmax(-1) == dy).float().mean().item() if len(dy) else 0.0
        log(f"token head epoch {epoch + 1}/{epochs}: dev UPOS {acc:.4f}")
        if acc > best:
            best, best_epoch = acc, epoch + 1
            best_state = {k: v.clone() for k, v in model.fc.state_dict().items()}
    model.fc.load_state_dict(best_state)  # the epoch that did best on dev
    return {"upos_accuracy": best, "train_words": len(y), "dev_words": len(dy),
            "train_documents": docs, "epochs": epochs, "kept_epoch": best_epoch}


# --------------------------------------------------------------------------------------------
# The bundle
# --------------------------------------------------------------------------------------------
def import_article(state_dict: Path, kind: str, bert_config: Path, vocab_file: Path, out: Path,
                   labels: list[str] | None = None, lowercase: bool | None = None,
                   max_length: int | None = None, name: str | None = None,
                   train_head: bool = False, head_docs: int = 40, head_epochs: int = 3,
                   log=print) -> ArticleModel:
    """Writes a bundle for one of the article's classes to `out` (see the module comment);
    returns the model it was exported from."""
    bert_cfg = read_bert_config(bert_config)
    vocab = read_vocab(vocab_file)
    if len(vocab) != bert_cfg.vocab_size:
        raise ArticleImportError(f"{vocab_file} has {len(vocab)} pieces but the BERT config's "
                           f"vocab_size is {bert_cfg.vocab_size}")
    sd = read_state_dict(state_dict)
    model = build_model(kind, sd, bert_cfg)
    if lowercase is None:
        lowercase = is_uncased(vocab)
    max_len = max_length or bert_cfg.max_position_embeddings
    if not 8 <= max_len <= bert_cfg.max_position_embeddings:
        raise ArticleImportError(f"the maximum length must be from 8 to the model's "
                           f"{bert_cfg.max_position_embeddings} (found {max_len})")
    head = None
    if kind == "BertLSTMSequence":
        if not train_head:
            raise ArticleImportError(
                "a BertLSTMSequence has no classifier (its outputs are the LSTM's per-token "
                "states), so a bundle from it would have nothing to label with. Pass "
                "--train-token-head to train a UPOS token head on top (BERT and the LSTM stay "
                "frozen), or export the model you put on top of it")
        if head_docs < 1 or head_epochs < 1:
            raise ArticleImportError("the token head needs at least one document and one epoch")
        head = train_token_head(model, vocab, max_len, head_docs, head_epochs, log=log,
                                lowercase=lowercase)
        model.eval()
        labels = list(data.UPOS)
    else:
        n = model.fc.out_features
        labels = labels or [f"LABEL_{i}" for i in range(n)]
        if len(labels) != n:
            raise ArticleImportError(f"{len(labels)} labels given but fc has {n} outputs")
    out.mkdir(parents=True, exist_ok=True)
    outputs = ["token_logits" if head else "sequence_logits", "attentions"]
    export_onnx(model, out / "model.onnx", outputs)
    write_tokenizer_files(out, max_len, data.WordPieceTokenizer(vocab, lowercase=lowercase))
    id_map = {str(i): t for i, t in enumerate(labels)}
    cfg = {
        "name": name or f"article-{kind}",
        "architectures": [kind],
        "model_type": "bert-lstm",
        **({"id2label": id_map, "label2id": {t: i for i, t in enumerate(labels)},
            "word_pattern": data.WORD_PATTERN, "aggregation_strategy": "first"}
           if head else {"sequence_id2label": id_map}),
        "label_scheme": "plain",
        "max_length": max_len,
        "bert": bert_cfg.to_dict(),
        "lstm": {"hidden_size": model.shape.hidden_size, "layers": model.shape.layers,
                 "bidirectional": model.shape.bidirectional},
        "article": {"class": kind, "sequence_position": {
            "BertLSTM": "the LSTM output at the last real token of the window",
            "BertLSTMCLS": "the LSTM run on the [CLS] embedding alone",
            "BertLSTMSequence": "none (per-token LSTM outputs, token head trained here)"}[kind]},
        **({"token_head": head} if head else {}),
    }
    (out / "config.json").write_text(json.dumps(cfg, indent=1, ensure_ascii=False))
    (out / "README.md").write_text(_card(kind, cfg, labels, head, state_dict, lowercase))
    log(f"bundle for {kind} written to {out}")
    return model


def _card(kind: str, cfg: dict, labels: list[str], head: dict | None, source: Path,
          lowercase: bool) -> str:
    b, lstm = cfg["bert"], cfg["lstm"]
    what = {
        "BertLSTM": "the classifier `fc` on the LSTM's output at the last real token of each "
                    "window (the article's `lstm_output[:, -1, :]` for an unpadded row; padding "
                    "never changes it)",
        "BertLSTMCLS": "the classifier `fc` on the LSTM run on the [CLS] embedding alone",
        "BertLSTMSequence": "a UPOS token head trained by `python3 -m training import-article` "
                            "on the LSTM's per-token outputs, BERT and the LSTM frozen",
    }[kind]
    head_line = (f"\nToken head: trained on {head['train_words']} words of {head['train_documents']} "
                 f"Brown training documents, the best of {head['epochs']} epochs on Brown dev "
                 f"(epoch {head['kept_epoch']}): UPOS accuracy {head['upos_accuracy']:.4f} "
                 f"({head['dev_words']} words).\n" if head else "")
    return f"""# {cfg['name']}

A bundle made from a state dict of the seed article's `{kind}` ({source.name}) by
`python3 -m training import-article`.

- BERT: {b['num_hidden_layers']} layers, hidden size {b['hidden_size']}, {b['num_attention_heads']} heads, vocabulary of {b['vocab_size']} pieces
  ({'lowercased' if lowercase else 'cased'}; the tokenizer files are written from the given vocab.txt), at most {cfg['max_length']} pieces per window.
- LSTM: hidden size {lstm['hidden_size']}, {lstm['layers']} layer(s), bidirectional: {lstm['bidirectional']}.
- Output: {what}.
- {'Token' if head else 'Sequence'} labels: {', '.join(labels)}.
{head_line}
Its accuracy is whatever the original model's is; this card knows nothing of the data it was
trained on.
"""
