"""Training helpers: length-grouped batches and the LSTM's no-padding fast path."""
import random

import torch

from training import data
from training.model import BertConfig, BertLstmTagger, TaggerConfig
from training.loop import length_batches


def windows(lengths):
    return [data.TaggedWindow([1] * n, [0] * n, 0, f"d{i}") for i, n in enumerate(lengths)]


def test_length_batches_cover_every_window_once_and_group_lengths():
    rng = random.Random(3)
    items = windows([rng.choice([5, 6, 7, 9]) for _ in range(203)])
    batches = list(length_batches(items, 8, random.Random(1)))
    seen = [id(w) for b in batches for w in b]
    assert sorted(seen) == sorted(id(w) for w in items)
    counts = {}
    for w in items:
        counts[len(w.input_ids)] = counts.get(len(w.input_ids), 0) + 1
    full_uniform = [b for b in batches if len(b) == 8 and len({len(w.input_ids) for w in b}) == 1]
    assert len(full_uniform) >= sum(n // 8 for n in counts.values())
    assert len(batches) <= sum(n // 8 for n in counts.values()) + -(-sum(n % 8 for n in counts.values()) // 8)


def test_unpadded_fast_path_equals_packed_path():
    torch.manual_seed(0)
    bert = BertConfig(num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                      intermediate_size=64, max_position_embeddings=32)
    model = BertLstmTagger(TaggerConfig(bert=bert, lstm_hidden_size=16)).eval()
    ids = torch.randint(1000, 2000, (3, 10))
    full = torch.ones_like(ids)
    fast_tok, fast_seq, _ = model(ids, full)
    # a padded column forces the packed path; real tokens must not change
    padded_ids = torch.cat([ids, torch.zeros(3, 2, dtype=torch.long)], 1)
    padded_mask = torch.cat([full, torch.zeros(3, 2, dtype=torch.long)], 1)
    slow_tok, slow_seq, _ = model(padded_ids, padded_mask)
    assert torch.allclose(fast_tok, slow_tok[:, :10], atol=1e-5)
    assert torch.allclose(fast_seq, slow_seq, atol=1e-5)
