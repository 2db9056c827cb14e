"""State dicts of the seed article's classes, built from Hugging Face's key names alone (as
`torch.save(model.state_dict())` of a module with `bert` = transformers' BertModel, `lstm` =
nn.LSTM(batch_first=True) and `fc` = nn.Linear writes them), with their config.json and vocab.txt,
and the article's forward written as the article writes it."""
from __future__ import annotations

import json
import string
from pathlib import Path

import torch
from torch import nn

from training import data
from training.model import BertConfig, BertModel, load_hf_bert_state_dict

# The names of transformers' BertModel parameters: embeddings, one encoder layer, pooler.
HF_EMBEDDINGS = ["word_embeddings.weight", "position_embeddings.weight",
                 "token_type_embeddings.weight", "LayerNorm.weight", "LayerNorm.bias"]
HF_LAYER = ["attention.self.query.weight", "attention.self.query.bias",
            "attention.self.key.weight", "attention.self.key.bias",
            "attention.self.value.weight", "attention.self.value.bias",
            "attention.output.dense.weight", "attention.output.dense.bias",
            "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
            "intermediate.dense.weight", "intermediate.dense.bias",
            "output.dense.weight", "output.dense.bias",
            "output.LayerNorm.weight", "output.LayerNorm.bias"]
HF_POOLER = ["pooler.dense.weight", "pooler.dense.bias"]

WORDS = ["the", "cat", "sat", "on", "mat", "a", "of", "and", "to", "in", "is", "was", "he",
         "it", "that", "for", "with", "as", "his", "on", "be", "at", "by", "i", "this", "had"]


def small_vocab() -> list[str]:
    """An uncased WordPiece vocabulary: the special tokens, letters, digits, punctuation (alone
    and as ##continuations) and a few whole words, so that English text gets real pieces."""
    chars = string.ascii_lowercase + string.digits + string.punctuation
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    vocab += list(chars) + ["##" + c for c in chars]
    for w in WORDS:
        if w not in vocab:
            vocab.append(w)
    return vocab


def hf_config(vocab_size: int, hidden=16, layers=2, heads=2, max_pos=64) -> dict:
    """A config.json as transformers writes it for a BertModel (fields this project ignores
    included)."""
    return {"architectures": ["BertModel"], "attention_probs_dropout_prob": 0.1,
            "classifier_dropout": None, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
            "hidden_size": hidden, "initializer_range": 0.02, "intermediate_size": 2 * hidden,
            "layer_norm_eps": 1e-12, "max_position_embeddings": max_pos, "model_type": "bert",
            "num_attention_heads": heads, "num_hidden_layers": layers, "pad_token_id": 0,
            "position_embedding_type": "absolute", "transformers_version": "4.40.0",
            "type_vocab_size": 2, "use_cache": True, "vocab_size": vocab_size}


def article_state_dict(kind: str, cfg: dict, lstm_hidden=8, lstm_layers=1,
                       bidirectional=False, num_labels=3, seed=0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    h, v = cfg["hidden_size"], cfg["vocab_size"]
    shapes = {
        "word_embeddings.weight": (v, h), "position_embeddings.weight": (cfg["max_position_embeddings"], h),
        "token_type_embeddings.weight": (cfg["type_vocab_size"], h),
        "query.weight": (h, h), "key.weight": (h, h), "value.weight": (h, h),
        "attention.output.dense.weight": (h, h), "intermediate.dense.weight": (cfg["intermediate_size"], h),
        "intermediate.dense.bias": (cfg["intermediate_size"],), "output.dense.weight": (h, cfg["intermediate_size"]),
        "pooler.dense.weight": (h, h),
    }

    def shape(name):
        for k, s in shapes.items():
            if name.endswith(k):
                return s
        return (h,)  # biases and LayerNorm

    def rand(*s):
        return torch.randn(*s, generator=g) * 0.5

    sd = {}
    for k in HF_EMBEDDINGS:
        sd[f"bert.embeddings.{k}"] = rand(*shape(k))
    for i in range(cfg["num_hidden_layers"]):
        for k in HF_LAYER:
            sd[f"bert.encoder.layer.{i}.{k}"] = rand(*shape(k))
    for k in HF_POOLER:
        sd[f"bert.{k}"] = rand(*shape(k))
    for k in list(sd):
        if "LayerNorm.weight" in k:
            sd[k] = 1 + 0.1 * rand(h)
    sd["bert.embeddings.position_ids"] = torch.arange(cfg["max_position_embeddings"])[None]
    for layer in range(lstm_layers):
        inp = h if layer == 0 else lstm_hidden * (2 if bidirectional else 1)
        for suffix in ([""] + (["_reverse"] if bidirectional else [])):
            sd[f"lstm.weight_ih_l{layer}{suffix}"] = rand(4 * lstm_hidden, inp)
            sd[f"lstm.weight_hh_l{layer}{suffix}"] = rand(4 * lstm_hidden, lstm_hidden)
            sd[f"lstm.bias_ih_l{layer}{suffix}"] = rand(4 * lstm_hidden)
            sd[f"lstm.bias_hh_l{layer}{suffix}"] = rand(4 * lstm_hidden)
    if kind != "BertLSTMSequence":
        out = lstm_hidden * (2 if bidirectional else 1)
        sd["fc.weight"] = rand(num_labels, out)
        sd["fc.bias"] = rand(num_labels)
    return sd


def write_article_files(folder: Path, kind: str, **kw) -> tuple[Path, Path, Path]:
    """state_dict.pt, config.json and vocab.txt of one article model in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    vocab = small_vocab()
    cfg = hf_config(len(vocab), **{k: kw.pop(k) for k in ("hidden", "layers", "heads", "max_pos") if k in kw})
    sd = article_state_dict(kind, cfg, **kw)
    torch.save(sd, folder / "state_dict.pt")
    (folder / "config.json").write_text(json.dumps(cfg, indent=2))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    return folder / "state_dict.pt", folder / "config.json", folder / "vocab.txt"


class ArticleReference(nn.Module):
    """The article's forward, line by line: bert -> lstm -> fc(lstm_output[:, -1, :]) (BertLSTM),
    fc on the LSTM over [CLS] alone (BertLSTMCLS), or the LSTM outputs (BertLSTMSequence). Fed one
    unpadded row at a time, `[:, -1, :]` is the row's last real token."""

    def __init__(self, kind: str, cfg: dict, sd: dict[str, torch.Tensor]):
        super().__init__()
        self.kind = kind
        fields = BertConfig.__dataclass_fields__
        self.bert = BertModel(BertConfig(**{k: v for k, v in cfg.items() if k in fields}))
        load_hf_bert_state_dict(self.bert, {k: v for k, v in sd.items() if k.startswith("bert.")})
        w = sd["lstm.weight_ih_l0"]
        layers = len([k for k in sd if k.startswith("lstm.weight_ih_l") and not k.endswith("_reverse")])
        self.lstm = nn.LSTM(w.shape[1], w.shape[0] // 4, num_layers=layers, batch_first=True,
                            bidirectional="lstm.weight_ih_l0_reverse" in sd)
        self.lstm.load_state_dict({k[5:]: v for k, v in sd.items() if k.startswith("lstm.")})
        if "fc.weight" in sd:
            self.fc = nn.Linear(sd["fc.weight"].shape[1], sd["fc.weight"].shape[0])
            self.fc.load_state_dict({"weight": sd["fc.weight"], "bias": sd["fc.bias"]})
        self.eval()

    @torch.no_grad()
    def forward(self, input_ids):
        last_hidden_state, _ = self.bert(input_ids, torch.ones_like(input_ids))
        if self.kind == "BertLSTMCLS":
            cls = last_hidden_state[:, 0, :].unsqueeze(1)
            lstm_output, _ = self.lstm(cls)
            return self.fc(lstm_output[:, -1, :])
        lstm_output, _ = self.lstm(last_hidden_state)
        if self.kind == "BertLSTMSequence":
            return lstm_output
        return self.fc(lstm_output[:, -1, :])


def encode(text: str, vocab: list[str]) -> list[int]:
    tok = data.WordPieceTokenizer(vocab)
    return [tok.cls_id] + tok.encode(text) + [tok.sep_id]
