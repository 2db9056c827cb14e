"""The BERT+LSTM model of the seed article.

A BERT encoder whose parameter names are those of Hugging Face's `BertModel` (so a Hugging
Face BERT checkpoint's state dict loads with `load_state_dict`), an `nn.LSTM` over BERT's last
hidden states, a per-token head on the LSTM outputs and a sequence head in either of the
article's two variants:
  - "last_state": the LSTM's final state (forward final + backward final when bidirectional);
  - "cls":        the [CLS] embedding through the LSTM (its output at position 0).
Padding never changes real tokens' outputs: the LSTM runs on packed sequences.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


@dataclass
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 256
    num_hidden_layers: int = 4
    num_attention_heads: int = 4
    intermediate_size: int = 1024
    max_position_embeddings: int = 128
    type_vocab_size: int = 2
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    layer_norm_eps: float = 1e-12
    initializer_range: float = 0.02

    def to_dict(self):
        return asdict(self)


@dataclass
class TaggerConfig:
    bert: BertConfig = field(default_factory=BertConfig)
    lstm_hidden_size: int = 256
    lstm_layers: int = 1
    bidirectional: bool = True
    num_token_labels: int = 17
    num_sequence_labels: int = 4
    sequence_head: str = "last_state"  # or "cls"
    dropout: float = 0.1

    @staticmethod
    def from_dict(d: dict) -> "TaggerConfig":
        d = dict(d)
        d["bert"] = BertConfig(**d["bert"])
        return TaggerConfig(**d)

    def to_dict(self):
        return asdict(self)


class BertEmbeddings(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(c.vocab_size, c.hidden_size, padding_idx=0)
        self.position_embeddings = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.token_type_embeddings = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)
        self.register_buffer("position_ids", torch.arange(c.max_position_embeddings)[None],
                             persistent=False)

    def forward(self, input_ids, token_type_ids):
        positions = self.position_ids[:, : input_ids.shape[1]]
        x = (self.word_embeddings(input_ids) + self.position_embeddings(positions)
             + self.token_type_embeddings(token_type_ids))
        return self.dropout(self.LayerNorm(x))


class BertSelfAttention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.heads = c.num_attention_heads
        self.head_size = c.hidden_size // c.num_attention_heads
        self.query = nn.Linear(c.hidden_size, c.hidden_size)
        self.key = nn.Linear(c.hidden_size, c.hidden_size)
        self.value = nn.Linear(c.hidden_size, c.hidden_size)
        self.dropout = nn.Dropout(c.attention_probs_dropout_prob)

    def _split(self, x):
        b, s, _ = x.shape
        return x.view(b, s, self.heads, self.head_size).transpose(1, 2)

    def forward(self, x, additive_mask):
        q, k, v = self._split(self.query(x)), self._split(self.key(x)), self._split(self.value(x))
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_size) + additive_mask
        probs = scores.softmax(-1)
        ctx = (self.dropout(probs) @ v).transpose(1, 2).flatten(2)
        return ctx, probs


class BertSelfOutput(nn.Module):
    def __init__(self, c: BertConfig, in_size: int):
        super().__init__()
        self.dense = nn.Linear(in_size, c.hidden_size)
        self.LayerNorm = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.dropout = nn.Dropout(c.hidden_dropout_prob)

    def forward(self, h, residual):
        return self.LayerNorm(self.dropout(self.dense(h)) + residual)


class BertAttention(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(c)
        self.output = BertSelfOutput(c, c.hidden_size)

    def forward(self, x, additive_mask):
        ctx, probs = self.self(x, additive_mask)
        return self.output(ctx, x), probs


class BertIntermediate(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.intermediate_size)

    def forward(self, x):
        return nn.functional.gelu(self.dense(x))


class BertLayer(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.attention = BertAttention(c)
        self.intermediate = BertIntermediate(c)
        self.output = BertSelfOutput(c, c.intermediate_size)  # HF's BertOutput: same shape

    def forward(self, x, additive_mask):
        a, probs = self.attention(x, additive_mask)
        return self.output(self.intermediate(a), a), probs


class BertEncoder(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(c) for _ in range(c.num_hidden_layers))

    def forward(self, x, additive_mask):
        attentions = []
        for layer in self.layer:
            x, probs = layer(x, additive_mask)
            attentions.append(probs)
        return x, attentions


class BertPooler(nn.Module):
    def __init__(self, c: BertConfig):
        super().__init__()
        self.dense = nn.Linear(c.hidden_size, c.hidden_size)

    def forward(self, x):
        return torch.tanh(self.dense(x[:, 0]))


class BertModel(nn.Module):
    """Hugging Face `BertModel`'s modules and parameter names; returns the last hidden states
    and the attention probabilities of every layer ([batch, heads, seq, seq] each)."""

    def __init__(self, c: BertConfig):
        super().__init__()
        self.config = c
        self.embeddings = BertEmbeddings(c)
        self.encoder = BertEncoder(c)
        self.pooler = BertPooler(c)  # unused by the tagger; kept so HF checkpoints load strictly
        self.apply(lambda m: _init_weights(m, c.initializer_range))

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        additive = (1.0 - attention_mask[:, None, None, :].float()) * -10000.0
        return self.encoder(self.embeddings(input_ids, token_type_ids), additive)


def _init_weights(m, std):
    if isinstance(m, (nn.Linear, nn.Embedding)):
        nn.init.normal_(m.weight, std=std)
    if isinstance(m, nn.Linear) and m.bias is not None:
        nn.init.zeros_(m.bias)
    if isinstance(m, nn.LayerNorm):
        nn.init.ones_(m.weight)
        nn.init.zeros_(m.bias)


def load_hf_bert_state_dict(bert: BertModel, state_dict: dict) -> None:
    """Load a Hugging Face BERT state dict (from `BertModel`, or from a task model whose keys
    start with `bert.`) strictly: every encoder parameter must be there with its HF name.
    Task heads (`cls.*`, `classifier.*`) and the `position_ids` buffer are not encoder weights."""
    sd = {}
    for k, v in state_dict.items():
        if k.startswith("bert."):
            k = k[len("bert."):]
        elif k.startswith(("cls.", "classifier.", "qa_outputs.")):
            continue
        if k.endswith("position_ids"):
            continue
        sd[k] = v
    bert.load_state_dict(sd, strict=True)


class BertForPreTraining(nn.Module):
    """BERT with HF's masked-LM head names (`cls.predictions.*`), decoder tied to the word
    embeddings. Used for pretraining from scratch."""

    def __init__(self, c: BertConfig):
        super().__init__()
        self.bert = BertModel(c)
        self.transform = nn.Sequential(nn.Linear(c.hidden_size, c.hidden_size), nn.GELU(),
                                       nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps))
        self.bias = nn.Parameter(torch.zeros(c.vocab_size))

    def forward(self, input_ids, attention_mask):
        h, _ = self.bert(input_ids, attention_mask)
        return self.transform(h) @ self.bert.embeddings.word_embeddings.weight.T + self.bias


def run_lstm(lstm: nn.LSTM, x, attention_mask):
    """A batch_first LSTM over each row's real tokens (a prefix of the row): its outputs
    [batch, seq, directions * hidden] (zeros at pad positions) and final hidden states. Padding
    never reaches the LSTM: it runs on packed sequences, or plainly when no row is padded (the
    same outputs, and a much faster backward pass on CPU; training batches are grouped by
    length for it). The zero initial states are sized from the input so that the ONNX graph
    keeps a dynamic batch axis (torch.onnx would otherwise bake in the example's batch size)."""
    layers = lstm.num_layers * (2 if lstm.bidirectional else 1)
    h0 = x.new_zeros(layers, x.shape[0], lstm.hidden_size)
    if not torch.onnx.is_in_onnx_export() and bool(attention_mask.all()):
        out, (h_n, _) = lstm(x, (h0, h0))
        return out, h_n
    packed = pack_padded_sequence(x, attention_mask.sum(1).cpu(), batch_first=True,
                                  enforce_sorted=False)
    out, (h_n, _) = lstm(packed, (h0, h0))
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
    return out, h_n


class BertLstmTagger(nn.Module):
    def __init__(self, c: TaggerConfig):
        super().__init__()
        self.config = c
        self.bert = BertModel(c.bert)
        self.lstm = nn.LSTM(c.bert.hidden_size, c.lstm_hidden_size, num_layers=c.lstm_layers,
                            bidirectional=c.bidirectional, batch_first=True,
                            dropout=c.dropout if c.lstm_layers > 1 else 0.0)
        out = c.lstm_hidden_size * (2 if c.bidirectional else 1)
        self.dropout = nn.Dropout(c.dropout)
        self.token_head = nn.Linear(out, c.num_token_labels)
        self.sequence_head = nn.Linear(out, c.num_sequence_labels)

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        """Returns token_logits [b, s, labels], sequence_logits [b, labels], and attentions
        [b, layers, heads, s, s]. Real tokens must be a prefix of each row (right padding)."""
        hidden, attentions = self.bert(input_ids, attention_mask, token_type_ids)
        out, h_n = run_lstm(self.lstm, self.dropout(hidden), attention_mask)
        out = self.dropout(out)
        token_logits = self.token_head(out)
        if self.config.sequence_head == "cls":
            seq_repr = out[:, 0]
        else:
            # final state of the last layer: forward's at each row's true end, backward's at 0
            if self.config.bidirectional:
                seq_repr = torch.cat([h_n[-2], h_n[-1]], dim=-1)
            else:
                seq_repr = h_n[-1]
        sequence_logits = self.sequence_head(self.dropout(seq_repr))
        return token_logits, sequence_logits, torch.stack(attentions, dim=1)
