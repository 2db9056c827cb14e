"""The training loop and the checkpointer that pretraining and fine-tuning share.

A run is a sequence of epochs; an epoch is a list of batches drawn from the run's `random.Random`
when the epoch starts. The checkpoint holds everything the next step depends on: weights,
optimizer, schedule, the step reached, the position inside the epoch, the run RNG's state at the
epoch's start (to draw the same batch order again) and at the checkpoint, and the global torch, Python and
NumPy RNG states (dropout, masking). A run killed after a checkpoint and started again therefore
takes exactly the steps an uninterrupted run takes, and ends with the same weights."""
from __future__ import annotations

import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import torch
from torch import nn


def log(run_dir: Path, msg: str) -> None:
    line = f"{time.strftime('%H:%M:%S')} {msg}"
    print(line, flush=True)
    with open(run_dir / "log.txt", "a") as f:
        f.write(line + "\n")


def seed_all(seed: int) -> random.Random:
    """Seeds torch, NumPy and Python's global RNG; the run's own RNG (batch order, masking)."""
    torch.manual_seed(seed)
    np.random.seed(seed)
    random.seed(seed)
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


@dataclass
class Position:
    """Where a run stands: steps taken, epochs begun, batches done in the current epoch, the
    run RNG's state when the current epoch's batches were drawn (None: draw a new epoch), and
    the seconds the run has trained so far, over all its invocations (a resumed run's time is
    the whole run's)."""
    step: int = 0
    epoch: int = 0
    epoch_batch: int = 0
    epoch_rng: tuple | None = None
    seconds: float = 0.0


class Checkpointer:
    """One checkpoint file per run, written atomically (a partial write never replaces it)."""

    def __init__(self, path: Path, model: nn.Module, opt, sched, rng: random.Random):
        self.path, self.model, self.opt, self.sched, self.rng = path, model, opt, sched, rng

    def save(self, pos: Position) -> None:
        state = {"model": self.model.state_dict(), "opt": self.opt.state_dict(),
                 "sched": self.sched.state_dict(), "step": pos.step, "epoch": pos.epoch,
                 "epoch_batch": pos.epoch_batch, "epoch_rng": pos.epoch_rng,
                 "seconds": pos.seconds, "rng": self.rng.getstate(), "torch_rng": torch.get_rng_state(),
                 "python_rng": random.getstate(), "numpy_rng": np.random.get_state()}
        tmp = self.path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(self.path)

    def restore(self) -> Position | None:
        """Loads the checkpoint into the model, optimizer, schedule and every RNG; None when the
        run has none yet."""
        if not self.path.exists():
            return None
        state = torch.load(self.path, weights_only=False)
        self.model.load_state_dict(state["model"])
        self.opt.load_state_dict(state["opt"])
        self.sched.load_state_dict(state["sched"])
        self.rng.setstate(state["rng"])
        torch.set_rng_state(state["torch_rng"])
        random.setstate(state["python_rng"])
        np.random.set_state(state["numpy_rng"])
        return Position(state["step"], state["epoch"], state["epoch_batch"], state["epoch_rng"],
                        state.get("seconds", 0.0))


def train_loop(run_dir: Path, model: nn.Module, opt, sched, rng: random.Random, *,
               total_steps: int, time_budget_s: float, log_every: int, checkpoint_every: int,
               epoch_batches: Callable[[random.Random], Iterable[Sequence]],
               loss_of: Callable[[Sequence], tuple[torch.Tensor, dict]],
               describe: Callable[[dict, int], str] = lambda sums, n: "",
               on_epoch_start: Callable[[], None] = lambda: None,
               on_epoch_end: Callable[[int], None] = lambda step: None) -> Position:
    """Runs optimizer steps until `total_steps` or the time budget (of this invocation), resuming
    from the run's checkpoint; returns where the run stands (its step and its seconds in all). `loss_of(batch)` gives the loss and counters that are
    summed between log lines and passed to `describe(sums, steps)`. The checkpoint is written
    every `checkpoint_every` steps and at the end."""
    ckpt = Checkpointer(run_dir / "checkpoint.pt", model, opt, sched, rng)
    pos = ckpt.restore() or Position()
    if pos.step:
        log(run_dir, f"resumed at step {pos.step}")
    start = last_log = time.time()
    before = pos.seconds

    def save():
        pos.seconds = before + time.time() - start
        ckpt.save(pos)

    loss_sum, since, sums = 0.0, 0, {}
    while pos.step < total_steps:
        current = rng.getstate()
        if pos.epoch_rng is None:
            pos.epoch_rng, pos.epoch_batch = current, 0
            pos.epoch += 1
        rng.setstate(pos.epoch_rng)
        epoch = list(epoch_batches(rng))
        if not epoch:
            raise ValueError("no training batches: the training data is empty")
        if pos.epoch_batch:
            rng.setstate(current)  # the draws the steps already taken made after the order
        if pos.epoch_batch >= len(epoch):  # a checkpoint of other data: its epoch is over
            pos.epoch_rng = None
            continue
        on_epoch_start()
        out_of_time = False
        for batch in epoch[pos.epoch_batch:]:
            loss, counts = loss_of(batch)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            pos.step += 1
            pos.epoch_batch += 1
            loss_sum, since = loss_sum + loss.item(), since + 1
            for k, v in counts.items():
                sums[k] = sums.get(k, 0) + v
            if pos.step % log_every == 0 or pos.step == total_steps:
                now = time.time()
                sums["seconds"] = now - last_log
                log(run_dir, f"step {pos.step}/{total_steps} loss {loss_sum / since:.4f} "
                             f"{describe(sums, since)}{now - start:.0f}s")
                loss_sum, since, sums, last_log = 0.0, 0, {}, now
            if pos.epoch_batch == len(epoch):
                pos.epoch_rng = None
            if pos.step % checkpoint_every == 0:
                save()
            if pos.step >= total_steps:
                break
            if time.time() - start > time_budget_s:
                log(run_dir, f"time budget of {time_budget_s:.0f}s reached at step {pos.step}")
                out_of_time = True
                break
        if pos.epoch_batch >= len(epoch):
            pos.epoch_rng = None
        on_epoch_end(pos.step)
        if out_of_time:
            break
    save()
    return pos
