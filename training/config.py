"""The settings of a pretraining or fine-tuning run, one dataclass each (the model's own shape is
`model.BertConfig` / `model.TaggerConfig`). Defaults are the command line's defaults; the CLI
and tests build these instead of passing long parameter lists."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PretrainConfig:
    steps: int = 1200
    batch_size: int = 32
    lr: float = 5e-4
    time_budget_s: float = 55 * 60  # caps a slow machine; the step count fixes the model
    seed: int = 13
    threads: int = 2
    limit_docs: int | None = None  # a few documents only (the tiny smoke run)
    vocab: str = "cased"  # run_tokenizer.KINDS: learned cased WordPiece or bert-base-uncased
    vocab_size: int = 16000  # pieces of a learned vocabulary
    log_every: int = 50
    checkpoint_every: int = 200


@dataclass
class FinetuneConfig:
    epochs: float = 3
    batch_size: int = 16
    lr_bert: float = 2e-4
    lr_head: float = 1e-3
    freeze_bert: bool = False  # the article's cheaper option: only the LSTM and heads learn
    sequence_weight: float = 0.5  # weight of the sequence head's loss next to the token head's
    augment: bool = True  # vary some training sentences (training/augment.py)
    time_budget_s: float = 30 * 60
    seed: int = 13
    threads: int = 2
    limit_docs: int | None = None
    log_every: int = 50
    checkpoint_every: int = 200
