"""A run killed right after a checkpoint and started again ends with exactly the weights of an
uninterrupted run: batch order, dropout (torch RNG) and masking (the run's RNG) all replay."""
import dataclasses

import pytest
import torch

from training import loop
from training.config import FinetuneConfig, PretrainConfig
from training.finetune import finetune
from training.model import BertConfig, TaggerConfig
from training.pretrain import pretrain

TINY_BERT = BertConfig(num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                       intermediate_size=64, max_position_embeddings=64)


class Killed(Exception):
    pass


def kill_after_checkpoint(monkeypatch, at_step):
    """The process dies just after the checkpoint of `at_step` is written."""
    save = loop.Checkpointer.save

    def save_then_die(self, pos):
        save(self, pos)
        if pos.step == at_step:
            raise Killed

    monkeypatch.setattr(loop.Checkpointer, "save", save_then_die)


def same_weights(a, b):
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def encoder_config(bert_ckpt) -> BertConfig:
    """The pretrained encoder's shape (its vocabulary is the one pretraining learned)."""
    return BertConfig(**torch.load(bert_ckpt)["config"])


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    run = tmp_path_factory.mktemp("pretrain")
    return pretrain(run, TINY_BERT, PretrainConfig(steps=3, threads=1, limit_docs=4))


# 13 steps an epoch on the tiny data (200 windows of 64 pieces in the learned cased vocabulary):
# step 5 is inside the first epoch, 13 at its end, 17 inside the second
@pytest.mark.parametrize("kill_at", [5, 13, 17])
def test_finetune_resumed_equals_uninterrupted(encoder, tmp_path, monkeypatch, kill_at):
    tagger = TaggerConfig(bert=encoder_config(encoder), lstm_hidden_size=16, dropout=0.3)
    cfg = FinetuneConfig(epochs=1.5, threads=1, limit_docs=4, checkpoint_every=1)
    whole = torch.load(finetune(tmp_path / "whole", encoder, tagger, cfg))
    assert whole["steps"] == 19

    with monkeypatch.context() as m:
        kill_after_checkpoint(m, kill_at)
        with pytest.raises(Killed):
            finetune(tmp_path / "killed", encoder, tagger, cfg)
    assert not (tmp_path / "killed" / "tagger.pt").exists()
    first = torch.load(tmp_path / "killed" / "checkpoint.pt", weights_only=False)["seconds"]
    torch.manual_seed(999)  # a new process starts from other RNG states
    resumed = torch.load(finetune(tmp_path / "killed", encoder, tagger, cfg))
    assert f"resumed at step {kill_at}" in (tmp_path / "killed" / "log.txt").read_text()
    same_weights(whole["state_dict"], resumed["state_dict"])
    # the run's time is both invocations' (the card reports it)
    assert 0 < first < resumed["train_seconds"]


def test_finetune_without_the_rng_state_would_differ(encoder, tmp_path, monkeypatch):
    """The test above can fail: a resume that loses the torch RNG state (dropout) ends elsewhere."""
    tagger = TaggerConfig(bert=encoder_config(encoder), lstm_hidden_size=16, dropout=0.3)
    cfg = FinetuneConfig(epochs=1, threads=1, limit_docs=4, checkpoint_every=1)
    whole = torch.load(finetune(tmp_path / "whole", encoder, tagger, cfg))
    with monkeypatch.context() as m:
        kill_after_checkpoint(m, 3)
        with pytest.raises(Killed):
            finetune(tmp_path / "killed", encoder, tagger, cfg)
    restore = loop.Checkpointer.restore

    def restore_but_reseed(self):
        pos = restore(self)
        torch.manual_seed(999)
        return pos

    monkeypatch.setattr(loop.Checkpointer, "restore", restore_but_reseed)
    resumed = torch.load(finetune(tmp_path / "killed", encoder, tagger, cfg))
    assert any(not torch.equal(whole["state_dict"][k], resumed["state_dict"][k])
               for k in whole["state_dict"])


def test_pretrain_resumed_equals_uninterrupted(tmp_path, monkeypatch):
    cfg = PretrainConfig(steps=6, batch_size=8, threads=1, limit_docs=2, checkpoint_every=1)
    whole = torch.load(pretrain(tmp_path / "whole", TINY_BERT, cfg))
    with monkeypatch.context() as m:
        kill_after_checkpoint(m, 4)
        with pytest.raises(Killed):
            pretrain(tmp_path / "killed", TINY_BERT, cfg)
    torch.manual_seed(999)
    resumed = torch.load(pretrain(tmp_path / "killed", TINY_BERT, cfg))
    same_weights(whole["state_dict"], resumed["state_dict"])


def test_configs_are_plain_dataclasses():
    assert dataclasses.asdict(FinetuneConfig())["epochs"] == 3
    assert PretrainConfig(steps=5).steps == 5
