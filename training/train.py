"""Training: masked-LM pretraining of BERT from scratch, then BERT+LSTM fine-tuning with both
heads, and evaluation. Every step is seeded, checkpoints to its run folder and resumes from it."""
from __future__ import annotations

import json
import random
import time
from pathlib import Path

import torch
from torch import nn

from . import data
from .model import BertConfig, BertForPreTraining, BertLstmTagger, TaggerConfig


def log(run_dir: Path, msg: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {msg}"
    print(line, flush=True)
    with open(run_dir / "log.txt", "a") as f:
        f.write(line + "\n")


def seed_all(seed: int) -> random.Random:
    torch.manual_seed(seed)
    return random.Random(seed)


def batches(items, size, rng):
    order = list(range(len(items)))
    rng.shuffle(order)
    for i in range(0, len(order), size):
        yield [items[j] for j in order[i:i + size]]


def length_batches(items, size, rng):
    """Batches of windows of one length where possible (then the LSTM needs no packing), the
    rest mixed; batch order shuffled."""
    by_len: dict[int, list[int]] = {}
    for i, w in enumerate(items):
        by_len.setdefault(len(w.input_ids), []).append(i)
    out, rest = [], []
    for length in sorted(by_len):
        idx = by_len[length]
        rng.shuffle(idx)
        full = len(idx) // size * size
        out += [idx[i:i + size] for i in range(0, full, size)]
        rest += idx[full:]
    rng.shuffle(rest)
    out += [rest[i:i + size] for i in range(0, len(rest), size)]
    rng.shuffle(out)
    for b in out:
        yield [items[j] for j in b]


def linear_schedule(opt, warmup, total):
    def f(step):
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))
    return torch.optim.lr_scheduler.LambdaLR(opt, f)


def resume(run_dir: Path, ckpt: Path, model, opt, sched, rng: random.Random) -> int:
    """Loads a run's checkpoint into model, optimizer, schedule and RNGs; the step reached."""
    if not ckpt.exists():
        return 0
    state = torch.load(ckpt)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    rng.setstate(state["rng"])
    if "torch_rng" in state:
        torch.set_rng_state(state["torch_rng"])
    log(run_dir, f"resumed at step {state['step']}")
    return state["step"]


def save_checkpoint(path: Path, **state) -> None:
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


# --------------------------------------------------------------------------------------------
# Pretraining
# --------------------------------------------------------------------------------------------
def pretrain(run_dir: Path, bert_config: BertConfig, steps: int, batch_size: int, lr: float,
             time_budget_s: float, seed: int, threads: int, limit_docs: int | None = None) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(threads)
    rng = seed_all(seed)
    tok = data.WordPieceTokenizer(data.bert_vocab())
    chunks_file = run_dir / "chunks.json"
    if chunks_file.exists():
        chunks = json.loads(chunks_file.read_text())
    else:
        splits = data.load_splits()
        texts = data.pretraining_texts(splits["train"])  # never dev or test documents
        if limit_docs:
            texts = texts[:limit_docs]
        chunks = data.pretraining_chunks(tok, texts, bert_config.max_position_embeddings)
        chunks_file.write_text(json.dumps(chunks))
    log(run_dir, f"pretrain: {len(chunks)} chunks, {sum(map(len, chunks))} pieces, "
                 f"config {bert_config.to_dict()}")

    model = BertForPreTraining(bert_config)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = linear_schedule(opt, warmup=max(1, steps // 20), total=steps)
    ckpt = run_dir / "checkpoint.pt"
    step = resume(run_dir, ckpt, model, opt, sched, rng)

    start, loss_sum, hit, total, last_log, since = time.time(), 0.0, 0, 0, time.time(), 0
    model.train()
    while step < steps:
        for batch in batches(chunks, batch_size, rng):
            if step >= steps:
                break
            inputs, targets = data.mask_tokens(batch, tok, rng)
            ids = torch.tensor(data.pad(inputs, tok.pad_id))
            tgt = torch.tensor(data.pad(targets, data.IGNORE))
            mask = (torch.tensor(data.pad([[1] * len(b) for b in batch], 0)))
            # Only the masked positions go through the vocab-sized decoder: it is most of the cost.
            h, _ = model.bert(ids, mask)
            sel = tgt != data.IGNORE
            logits = (model.transform(h[sel]) @ model.bert.embeddings.word_embeddings.weight.T
                      + model.bias)
            loss = nn.functional.cross_entropy(logits, tgt[sel])
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            loss_sum += loss.item()
            since += 1
            hit += (logits.argmax(-1) == tgt[sel]).sum().item()
            total += sel.sum().item()
            if step % 50 == 0 or step == steps:
                el = time.time() - start
                log(run_dir, f"step {step}/{steps} loss {loss_sum / since:.3f} masked-acc "
                             f"{hit / max(1, total):.3f} lr {sched.get_last_lr()[0]:.2e} "
                             f"{el:.0f}s ({ids.numel() * since / (time.time() - last_log):.0f} tok/s)")
                loss_sum, hit, total, last_log, since = 0.0, 0, 0, time.time(), 0
            if step % 200 == 0 or step == steps:
                save_checkpoint(ckpt, model=model.state_dict(), opt=opt.state_dict(),
                                sched=sched.state_dict(), step=step, rng=rng.getstate(),
                                torch_rng=torch.get_rng_state())
            if time.time() - start > time_budget_s:
                log(run_dir, f"time budget of {time_budget_s:.0f}s reached at step {step}")
                steps = step
                break
    save_checkpoint(ckpt, model=model.state_dict(), opt=opt.state_dict(),
                    sched=sched.state_dict(), step=step, rng=rng.getstate(),
                    torch_rng=torch.get_rng_state())
    out = run_dir / "bert.pt"
    torch.save({"config": bert_config.to_dict(), "state_dict": model.bert.state_dict(),
                "steps": step}, out)
    log(run_dir, f"pretraining done: {step} steps, encoder saved to {out}")
    return out


# --------------------------------------------------------------------------------------------
# Fine-tuning
# --------------------------------------------------------------------------------------------
def to_tensors(windows: list[data.TaggedWindow], pad_id: int):
    ids = torch.tensor(data.pad([w.input_ids for w in windows], pad_id))
    labels = torch.tensor(data.pad([w.word_labels for w in windows], data.IGNORE))
    mask = torch.tensor(data.pad([[1] * len(w.input_ids) for w in windows], 0))
    seq = torch.tensor([w.sequence_label for w in windows])
    return ids, mask, labels, seq


def finetune(run_dir: Path, bert_ckpt: Path | None, tagger_config: TaggerConfig, epochs: float,
             batch_size: int, lr_bert: float, lr_head: float, freeze_bert: bool,
             sequence_weight: float, time_budget_s: float, seed: int, threads: int,
             limit_docs: int | None = None) -> Path:
    run_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(threads)
    rng = seed_all(seed)
    tok = data.WordPieceTokenizer(data.bert_vocab())
    splits = data.load_splits()
    train_docs = splits["train"][:limit_docs] if limit_docs else splits["train"]
    dev_docs = splits["dev"][: max(1, limit_docs // 4)] if limit_docs else splits["dev"]
    max_len = tagger_config.bert.max_position_embeddings
    train = data.tagged_windows(tok, train_docs, max_len)
    dev = data.tagged_windows(tok, dev_docs, max_len)
    log(run_dir, f"finetune: {len(train)} train windows, {len(dev)} dev windows, "
                 f"freeze_bert={freeze_bert}")

    model = BertLstmTagger(tagger_config)
    if bert_ckpt is not None:
        state = torch.load(bert_ckpt)
        model.bert.load_state_dict(state["state_dict"])
        log(run_dir, f"encoder from {bert_ckpt} ({state.get('steps')} pretraining steps)")
    if freeze_bert:
        for p in model.bert.parameters():
            p.requires_grad_(False)
    head_params = [p for n, p in model.named_parameters() if not n.startswith("bert.")]
    groups = [{"params": head_params, "lr": lr_head}]
    if not freeze_bert:
        groups.append({"params": list(model.bert.parameters()), "lr": lr_bert})
    opt = torch.optim.AdamW(groups, weight_decay=0.01)
    total_steps = max(1, int(epochs * ((len(train) + batch_size - 1) // batch_size)))
    sched = linear_schedule(opt, warmup=max(1, total_steps // 20), total=total_steps)

    ckpt = run_dir / "checkpoint.pt"
    step = resume(run_dir, ckpt, model, opt, sched, rng)

    start = time.time()
    tok_loss = nn.CrossEntropyLoss(ignore_index=data.IGNORE)
    done = False
    while not done and step < total_steps:
        model.train()
        if freeze_bert:
            model.bert.eval()
        running, n = 0.0, 0
        for batch in length_batches(train, batch_size, rng):
            ids, mask, labels, seq = to_tensors(batch, tok.pad_id)
            token_logits, seq_logits, _ = model(ids, mask)
            loss = (tok_loss(token_logits.flatten(0, 1), labels.flatten())
                    + sequence_weight * nn.functional.cross_entropy(seq_logits, seq))
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            running, n = running + loss.item(), n + 1
            if step % 50 == 0:
                log(run_dir, f"step {step}/{total_steps} loss {running / n:.4f} "
                             f"{time.time() - start:.0f}s")
                running, n = 0.0, 0
            if step % 200 == 0:
                save_checkpoint(ckpt, model=model.state_dict(), opt=opt.state_dict(),
                                sched=sched.state_dict(), step=step, rng=rng.getstate())
            if step >= total_steps:
                done = True
                break
            if time.time() - start > time_budget_s:
                log(run_dir, f"time budget of {time_budget_s:.0f}s reached at step {step}")
                done = True
                break
        scores = evaluate(model, dev, tok.pad_id)
        log(run_dir, f"dev after step {step}: upos {scores['upos_accuracy']:.4f} "
                     f"sequence {scores['sequence_accuracy']:.4f}")
    save_checkpoint(ckpt, model=model.state_dict(), opt=opt.state_dict(),
                    sched=sched.state_dict(), step=step, rng=rng.getstate())
    out = run_dir / "tagger.pt"
    scores = evaluate(model, dev, tok.pad_id)
    torch.save({"config": tagger_config.to_dict(), "state_dict": model.state_dict(),
                "steps": step, "freeze_bert": freeze_bert, "dev": scores,
                "train_seconds": time.time() - start}, out)
    (run_dir / "dev_scores.json").write_text(json.dumps(scores, indent=1))
    log(run_dir, f"fine-tuning done: dev {json.dumps({k: scores[k] for k in ('upos_accuracy', 'sequence_accuracy')})}")
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
