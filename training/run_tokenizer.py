"""Which tokenizer a run uses, and how it travels with the model.

Pretraining decides: `cased` (the default) learns a cased WordPiece vocabulary from the
pretraining text (training/vocab.py), `bert-uncased` takes bert-base-uncased's. The choice is
written to the run folder (`tokenizer_spec.json`: pieces, lowercase, strip_accents and word
pattern), so a resumed run reuses it, and into every checkpoint that comes after (bert.pt,
tagger.pt: key `tokenizer`), so fine-tuning, export and evaluation all encode text the way
the encoder learned it. A Hugging Face checkpoint brings its own vocab.txt.
"""
from __future__ import annotations

import json
from pathlib import Path

from . import data, tokenizer_files, ud_words, vocab

KINDS = ("cased", "bert-uncased")
SPEC_FILE = "tokenizer_spec.json"


def for_pretraining(run_dir: Path, kind: str, vocab_size: int,
                    texts: list[str]) -> "data.WordPieceTokenizer":
    """The run's tokenizer: the one recorded in run_dir, else a new one of `kind`."""
    spec_file = run_dir / SPEC_FILE
    if spec_file.exists():
        return data.WordPieceTokenizer.from_spec(json.loads(spec_file.read_text()))
    if kind == "cased":
        tok = vocab.cased_tokenizer(vocab.cased_vocab(texts, vocab_size))
    elif kind == "bert-uncased":
        tok = data.WordPieceTokenizer(data.bert_vocab())
    else:
        raise ValueError(f"unknown vocabulary {kind!r}: choose one of {', '.join(KINDS)}")
    spec_file.write_text(json.dumps(tok.spec(), ensure_ascii=False))
    return tok


def of_checkpoint(state: dict) -> "data.WordPieceTokenizer":
    """The tokenizer a checkpoint records (bert-base-uncased with Brown's words for a
    checkpoint that records none: the ones written before tokenizers were recorded)."""
    return data.WordPieceTokenizer.from_spec(state.get("tokenizer"))


def of_hf_folder(folder: Path) -> "data.WordPieceTokenizer":
    """A Hugging Face checkpoint's own tokenizer (its vocab.txt and tokenizer_config.json), with
    the UD word splitter; bert-base-uncased when the folder has no vocab.txt."""
    tok = tokenizer_files.read_hf_tokenizer(folder, splitter=ud_words.UD_SPLITTER)
    return tok or data.WordPieceTokenizer(data.bert_vocab())


def of_bundle(bundle: Path) -> "data.WordPieceTokenizer":
    """The tokenizer of a bundle folder: its vocab.txt, tokenizer_config.json and the
    config.json `word_pattern` (BERT's own words when it has none is not supported here: the
    project's bundles always carry one)."""
    cfg = json.loads((bundle / "config.json").read_text())
    splitter = ud_words.WordSplitter(cfg.get("word_pattern") or ud_words.BROWN_WORD_PATTERN)
    tok = tokenizer_files.read_hf_tokenizer(bundle, splitter=splitter)
    if tok is None:
        raise FileNotFoundError(f"{bundle} has no vocab.txt")
    return tok


def fingerprint(tok: "data.WordPieceTokenizer") -> str:
    """A short name for a tokenizer, for cache files built with it."""
    import hashlib
    return hashlib.sha1(json.dumps(tok.spec(), ensure_ascii=False).encode()).hexdigest()[:10]
