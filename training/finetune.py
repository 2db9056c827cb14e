"""Fine-tuning of the BERT+LSTM tagger with both heads (UPOS per word, genre group per window),
BERT trained together with the LSTM or frozen (the article's two options), and its PyTorch dev
scores. Writes `tagger.pt` in the run folder; resumes from its checkpoint, replaying dropout."""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from . import augment, data, run_tokenizer
from .config import FinetuneConfig
from .loop import length_batches, linear_schedule, log, seed_all, train_loop
from .model import BertLstmTagger, TaggerConfig


def to_tensors(windows: list[data.TaggedWindow], pad_id: int):
    ids = torch.tensor(data.pad([w.input_ids for w in windows], pad_id))
    labels = torch.tensor(data.pad([w.word_labels for w in windows], data.IGNORE))
    mask = torch.tensor(data.pad([[1] * len(w.input_ids) for w in windows], 0))
    seq = torch.tensor([w.sequence_label for w in windows])
    return ids, mask, labels, seq


def load_tagger(path: Path) -> tuple[BertLstmTagger, dict]:
    """A `tagger.pt` written by `finetune`: the model in eval mode, and the saved record."""
    state = torch.load(path)
    model = BertLstmTagger(TaggerConfig.from_dict(state["config"]))
    model.load_state_dict(state["state_dict"])
    model.eval()
    return model, state


def finetune(run_dir: Path, bert_ckpt: Path | None, tagger_config: TaggerConfig,
             cfg: FinetuneConfig) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(cfg.threads)
    rng = seed_all(cfg.seed)
    # the encoder's own tokenizer (a checkpoint records it; none: bert-base-uncased, UD words)
    tok = (run_tokenizer.of_checkpoint(torch.load(bert_ckpt)) if bert_ckpt is not None
           else data.WordPieceTokenizer(data.bert_vocab()))
    splits = data.load_splits()
    train_docs = splits["train"][:cfg.limit_docs] if cfg.limit_docs else splits["train"]
    dev_docs = splits["dev"][: max(1, cfg.limit_docs // 4)] if cfg.limit_docs else splits["dev"]
    max_len = tagger_config.bert.max_position_embeddings
    train = data.tagged_windows(tok, train_docs, max_len,
                                augment=augment.AugmentConfig() if cfg.augment else None)
    dev = data.tagged_windows(tok, dev_docs, max_len)
    log(run_dir, f"finetune: {len(train)} train windows, {len(dev)} dev windows, "
                 f"freeze_bert={cfg.freeze_bert}")

    model = BertLstmTagger(tagger_config)
    if bert_ckpt is not None:
        state = torch.load(bert_ckpt)
        model.bert.load_state_dict(state["state_dict"])
        log(run_dir, f"encoder from {bert_ckpt} ({state.get('steps')} pretraining steps)")
    if cfg.freeze_bert:
        for p in model.bert.parameters():
            p.requires_grad_(False)
    head_params = [p for n, p in model.named_parameters() if not n.startswith("bert.")]
    groups = [{"params": head_params, "lr": cfg.lr_head}]
    if not cfg.freeze_bert:
        groups.append({"params": list(model.bert.parameters()), "lr": cfg.lr_bert})
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    total_steps = max(1, int(cfg.epochs * ((len(train) + cfg.batch_size - 1) // cfg.batch_size)))
    sched = linear_schedule(opt, warmup=max(1, total_steps // 20), total=total_steps)
    tok_loss = nn.CrossEntropyLoss(ignore_index=data.IGNORE)

    def loss_of(batch):
        ids, mask, labels, seq = to_tensors(batch, tok.pad_id)
        token_logits, seq_logits, _ = model(ids, mask)
        return (tok_loss(token_logits.flatten(0, 1), labels.flatten())
                + cfg.sequence_weight * nn.functional.cross_entropy(seq_logits, seq)), {}

    def epoch_start():
        model.train()
        if cfg.freeze_bert:
            model.bert.eval()  # a frozen encoder runs without dropout

    def epoch_end(step):
        scores = evaluate(model, dev, tok.pad_id)
        log(run_dir, f"dev after step {step}: upos {scores['upos_accuracy']:.4f} "
                     f"sequence {scores['sequence_accuracy']:.4f}")

    pos = train_loop(run_dir, model, opt, sched, rng, total_steps=total_steps,
                     time_budget_s=cfg.time_budget_s, log_every=cfg.log_every,
                     checkpoint_every=cfg.checkpoint_every,
                     epoch_batches=lambda r: length_batches(train, cfg.batch_size, r),
                     loss_of=loss_of, on_epoch_start=epoch_start, on_epoch_end=epoch_end)
    out = run_dir / "tagger.pt"
    scores = evaluate(model, dev, tok.pad_id)
    torch.save({"config": tagger_config.to_dict(), "state_dict": model.state_dict(),
                "steps": pos.step, "freeze_bert": cfg.freeze_bert, "dev": scores,
                "tokenizer": tok.spec(),
                "train_seconds": pos.seconds}, out)
    (run_dir / "dev_scores.json").write_text(json.dumps(scores, indent=1))
    log(run_dir, "fine-tuning done: dev " + json.dumps(
        {k: scores[k] for k in ("upos_accuracy", "sequence_accuracy")}))
    return out


@torch.no_grad()
def evaluate(model: BertLstmTagger, windows: list[data.TaggedWindow], pad_id: int,
             batch_size: int = 64) -> dict:
    """Word-level UPOS accuracy (a word's label is its first piece's), sequence accuracy over
    windows, the majority-class baseline and the confusion matrix of the sequence head."""
    model.eval()
    correct = total = seq_correct = 0
    n_seq = model.config.num_sequence_labels
    confusion = [[0] * n_seq for _ in range(n_seq)]
    n_tok = model.config.num_token_labels
    per_tag = [[0, 0] for _ in range(n_tok)]
    for i in range(0, len(windows), batch_size):
        batch = windows[i:i + batch_size]
        ids, mask, labels, seq = to_tensors(batch, pad_id)
        token_logits, seq_logits, _ = model(ids, mask)
        pred = token_logits.argmax(-1)
        sel = labels != data.IGNORE
        correct += (pred[sel] == labels[sel]).sum().item()
        total += sel.sum().item()
        for g, p in zip(labels[sel].tolist(), pred[sel].tolist()):
            per_tag[g][0] += g == p
            per_tag[g][1] += 1
        sp = seq_logits.argmax(-1)
        seq_correct += (sp == seq).sum().item()
        for g, p in zip(seq.tolist(), sp.tolist()):
            confusion[g][p] += 1
    counts = [sum(r) for r in confusion]
    return {
        "upos_accuracy": correct / max(1, total),
        "words": total,
        "sequence_accuracy": seq_correct / max(1, len(windows)),
        "windows": len(windows),
        "sequence_majority_baseline": max(counts) / max(1, len(windows)),
        "sequence_confusion": confusion,
        "upos_per_tag_accuracy": {data.UPOS[t]: c / n for t, (c, n) in enumerate(per_tag) if n}
        if n_tok == len(data.UPOS) else {},
    }
