"""Masked-LM pretraining of BERT from scratch on the training documents' text (never dev or test
documents). Writes the encoder to `bert.pt` in the run folder; resumes from its checkpoint."""
from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import torch
from torch import nn

from . import data, run_tokenizer
from .config import PretrainConfig
from .loop import batches, linear_schedule, log, seed_all, train_loop
from .model import BertConfig, BertForPreTraining


def pretrain(run_dir: Path, bert_config: BertConfig, cfg: PretrainConfig) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    rng = seed_all(cfg.seed)
    chunks_file = run_dir / "chunks.json"
    # chunks are reused only with the tokenizer that made them (recorded in the run folder)
    reuse = chunks_file.exists() and (run_dir / run_tokenizer.SPEC_FILE).exists()
    texts: list[str] = []
    if not reuse:
        texts = data.pretraining_texts(data.load_splits()["train"])  # never dev or test documents
        if cfg.limit_docs:
            texts = texts[:cfg.limit_docs]
    tok = run_tokenizer.for_pretraining(run_dir, cfg.vocab, cfg.vocab_size, texts)
    bert_config = dataclasses.replace(bert_config, vocab_size=len(tok.vocab))
    if reuse:
        chunks = json.loads(chunks_file.read_text())
    else:
        chunks = data.pretraining_chunks(tok, texts, bert_config.max_position_embeddings)
        chunks_file.write_text(json.dumps(chunks))
    log(run_dir, f"pretrain: {len(chunks)} chunks, {sum(map(len, chunks))} pieces, "
                 f"config {bert_config.to_dict()}")

    model = BertForPreTraining(bert_config)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=0.01)
    sched = linear_schedule(opt, warmup=max(1, cfg.steps // 20), total=cfg.steps)

    def loss_of(batch):
        inputs, targets = data.mask_tokens(batch, tok, rng)
        ids = torch.tensor(data.pad(inputs, tok.pad_id))
        tgt = torch.tensor(data.pad(targets, data.IGNORE))
        mask = torch.tensor(data.pad([[1] * len(b) for b in batch], 0))
        # Only the masked positions go through the vocab-sized decoder: it is most of the cost.
        h, _ = model.bert(ids, mask)
        sel = tgt != data.IGNORE
        logits = (model.transform(h[sel]) @ model.bert.embeddings.word_embeddings.weight.T
                  + model.bias)
        loss = nn.functional.cross_entropy(logits, tgt[sel])
        return loss, {"hit": (logits.argmax(-1) == tgt[sel]).sum().item(),
                      "masked": sel.sum().item(), "pieces": ids.numel()}

    def describe(s, n):
        return (f"masked-acc {s.get('hit', 0) / max(1, s.get('masked', 0)):.3f} "
                f"lr {sched.get_last_lr()[0]:.2e} "
                f"({s.get('pieces', 0) / max(1e-9, s['seconds']):.0f} tok/s) ")

    pos = train_loop(run_dir, model, opt, sched, rng, total_steps=cfg.steps,
                     time_budget_s=cfg.time_budget_s, log_every=cfg.log_every,
                     checkpoint_every=cfg.checkpoint_every,
                     epoch_batches=lambda r: batches(chunks, cfg.batch_size, r),
                     loss_of=loss_of, describe=describe, on_epoch_start=model.train)
    out = run_dir / "bert.pt"
    torch.save({"config": bert_config.to_dict(), "state_dict": model.bert.state_dict(),
                "steps": pos.step, "train_seconds": pos.seconds, "tokenizer": tok.spec()}, out)
    log(run_dir, f"pretraining done: {pos.step} steps, encoder saved to {out}")
    return out
