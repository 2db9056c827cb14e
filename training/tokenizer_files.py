"""A WordPiece tokenizer written as standard Hugging Face files: tokenizer.json (what the
extension runs with @huggingface/tokenizers), tokenizer_config.json and vocab.txt (what
`transformers.BertTokenizer` reads). The normalizer's `lowercase` and `strip_accents` are the
tokenizer's own (bert-base-uncased: both true; the project's cased vocabulary: lowercase false,
accents stripped), so that Python (data.WordPieceTokenizer) and the extension give the same ids.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import data


def tokenizer_json(tok: "data.WordPieceTokenizer") -> dict:
    ids = tok.ids
    special = [{"id": ids[t], "content": t, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}
               for t in data.SPECIAL_TOKENS]

    def special_token(name):
        return {"SpecialToken": {"id": name, "type_id": 0}}

    # bert-base-uncased's files say strip_accents null (it follows lowercase); say it outright
    # where it differs from lowercase
    strip = None if tok.strip_accents == tok.lowercase else tok.strip_accents
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": sorted(special, key=lambda t: t["id"]),
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": strip,
                       "lowercase": tok.lowercase},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [special_token("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}},
                       special_token("[SEP]")],
            "pair": [special_token("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}},
                     special_token("[SEP]"), {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]}
                               for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def tokenizer_config(tok: "data.WordPieceTokenizer", max_length: int) -> dict:
    return {"tokenizer_class": "BertTokenizer", "do_lower_case": tok.lowercase,
            "strip_accents": None if tok.strip_accents == tok.lowercase else tok.strip_accents,
            "tokenize_chinese_chars": True, "model_max_length": max_length,
            "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
            "cls_token": "[CLS]", "mask_token": "[MASK]"}


def write_tokenizer_files(out: Path, max_length: int,
                          tok: "data.WordPieceTokenizer | None" = None) -> None:
    """tokenizer.json, tokenizer_config.json and vocab.txt of `tok` (default
    bert-base-uncased) in `out`."""
    tok = tok or data.WordPieceTokenizer(data.bert_vocab())
    out.mkdir(parents=True, exist_ok=True)
    (out / "vocab.txt").write_text("\n".join(tok.vocab) + "\n", encoding="utf-8")
    (out / "tokenizer.json").write_text(json.dumps(tokenizer_json(tok), ensure_ascii=False),
                                        encoding="utf-8")
    (out / "tokenizer_config.json").write_text(
        json.dumps(tokenizer_config(tok, max_length), indent=1))


def read_hf_tokenizer(folder: Path, splitter=None) -> "data.WordPieceTokenizer | None":
    """The tokenizer of a Hugging Face BERT checkpoint folder (its vocab.txt, and
    do_lower_case / strip_accents from tokenizer_config.json; BERT's defaults without it), or
    None when the folder has no vocab.txt."""
    vocab_file = folder / "vocab.txt"
    if not vocab_file.exists():
        return None
    vocab = vocab_file.read_text(encoding="utf-8").split("\n")
    if vocab and vocab[-1] == "":
        vocab.pop()
    cfg_file = folder / "tokenizer_config.json"
    cfg = json.loads(cfg_file.read_text()) if cfg_file.exists() else {}
    missing = [t for t in data.SPECIAL_TOKENS if t not in vocab]
    if missing:
        raise ValueError(f"{vocab_file} lacks the special tokens {', '.join(missing)}")
    return data.WordPieceTokenizer(vocab, lowercase=cfg.get("do_lower_case", True),
                                   strip_accents=cfg.get("strip_accents"), splitter=splitter)
