import pytest
import torch

from training.model import (BertConfig, BertLstmTagger, BertModel, TaggerConfig,
                            load_hf_bert_state_dict)

SMALL = BertConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                   intermediate_size=64, max_position_embeddings=64)

# The parameter names of Hugging Face's BertModel (transformers' modeling_bert), one layer.
HF_LAYER_KEYS = [
    "attention.self.query.weight", "attention.self.query.bias",
    "attention.self.key.weight", "attention.self.key.bias",
    "attention.self.value.weight", "attention.self.value.bias",
    "attention.output.dense.weight", "attention.output.dense.bias",
    "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
    "intermediate.dense.weight", "intermediate.dense.bias",
    "output.dense.weight", "output.dense.bias",
    "output.LayerNorm.weight", "output.LayerNorm.bias",
]
HF_TOP_KEYS = [
    "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
    "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
    "embeddings.LayerNorm.bias", "pooler.dense.weight", "pooler.dense.bias",
]


def hf_state_dict(c: BertConfig, prefix=""):
    """A state dict shaped as a Hugging Face checkpoint: built from HF key names alone."""
    ref = BertModel(c).state_dict()
    keys = HF_TOP_KEYS + [f"encoder.layer.{i}.{k}" for i in range(c.num_hidden_layers)
                          for k in HF_LAYER_KEYS]
    sd = {prefix + k: torch.randn_like(ref[k]) for k in keys}
    sd[prefix + "embeddings.position_ids"] = torch.arange(c.max_position_embeddings)[None]
    return sd


@pytest.mark.parametrize("prefix", ["", "bert."])
def test_hf_state_dict_loads_strictly(prefix):
    sd = hf_state_dict(SMALL, prefix)
    if prefix:
        sd["cls.predictions.bias"] = torch.zeros(SMALL.vocab_size)  # a task head: skipped
    bert = BertModel(SMALL)
    load_hf_bert_state_dict(bert, sd)
    assert torch.equal(bert.encoder.layer[1].attention.self.key.weight,
                       sd[prefix + "encoder.layer.1.attention.self.key.weight"])
    assert set(bert.state_dict()) == {k[len(prefix):] for k in sd
                                     if k.startswith(prefix) and not k.endswith("position_ids")}


def test_hf_state_dict_missing_key_fails():
    sd = hf_state_dict(SMALL)
    del sd["encoder.layer.0.output.dense.bias"]
    with pytest.raises(RuntimeError):
        load_hf_bert_state_dict(BertModel(SMALL), sd)


def make(seq_head="last_state", bidirectional=True, layers=1):
    torch.manual_seed(0)
    m = BertLstmTagger(TaggerConfig(bert=SMALL, lstm_hidden_size=16, lstm_layers=layers,
                                    bidirectional=bidirectional, num_token_labels=5,
                                    num_sequence_labels=3, sequence_head=seq_head))
    return m.eval()


def test_shapes():
    m = make()
    ids = torch.randint(1000, 2000, (3, 11))
    tok, seq, att = m(ids, torch.ones_like(ids))
    assert tok.shape == (3, 11, 5) and seq.shape == (3, 3) and att.shape == (3, 2, 2, 11, 11)
    assert torch.allclose(att.sum(-1), torch.ones(3, 2, 2, 11), atol=1e-5)


@pytest.mark.parametrize("seq_head,bidirectional,layers",
                         [("last_state", True, 1), ("cls", True, 1), ("last_state", False, 2),
                          ("cls", False, 1), ("last_state", True, 2)])
def test_padding_does_not_change_real_tokens(seq_head, bidirectional, layers):
    m = make(seq_head, bidirectional, layers)
    lengths = [9, 4, 13, 1]
    rows = [torch.randint(1000, 2000, (n,)) for n in lengths]
    ids = torch.zeros(len(rows), max(lengths), dtype=torch.long)
    mask = torch.zeros_like(ids)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = r
        mask[i, :len(r)] = 1
    with torch.no_grad():
        tok_b, seq_b, att_b = m(ids, mask)
        for i, r in enumerate(rows):
            tok_1, seq_1, att_1 = m(r[None], torch.ones(1, len(r), dtype=torch.long))
            n = len(r)
            assert torch.allclose(tok_b[i, :n], tok_1[0], atol=1e-5)
            assert torch.allclose(seq_b[i], seq_1[0], atol=1e-5)
            assert torch.allclose(att_b[i, :, :, :n, :n], att_1[0], atol=1e-5)


def test_sequence_head_variants_differ():
    ids = torch.randint(1000, 2000, (2, 7))
    mask = torch.ones_like(ids)
    a = make("last_state")
    b = make("cls")
    b.load_state_dict(a.state_dict())
    with torch.no_grad():
        assert not torch.allclose(a(ids, mask)[1], b(ids, mask)[1])
        assert torch.allclose(a(ids, mask)[0], b(ids, mask)[0])
