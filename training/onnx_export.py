"""ONNX export of a PyTorch model to the bundle contract (docs/BUNDLE.md): inputs `input_ids`,
`attention_mask` (and `token_type_ids` for a plain BERT classifier), outputs by name, with the
batch and sequence axes dynamic. The model's forward returns its outputs in the order named."""
from __future__ import annotations

from pathlib import Path

import onnx
import torch

from .model import BertLstmTagger

OPSET = 14

# Which axes of each output are dynamic (every input is [batch, sequence]).
OUTPUT_AXES = {
    "token_logits": {0: "batch", 1: "sequence"},
    "logits": {0: "batch", 1: "sequence"},
    "sequence_logits": {0: "batch"},
    "attentions": {0: "batch", 3: "sequence", 4: "sequence"},
}
TAGGER_OUTPUTS = ["token_logits", "sequence_logits", "attentions"]


class PlainBertTokenClassifier(torch.nn.Module):
    """BERT with a linear head on its last hidden states, as a plain Hugging Face
    `BertForTokenClassification` export would be (a 3-D `logits` output). It shows that the
    extension accepts such bundles: its head is freshly initialized, so its labels are not
    meant to be right."""

    def __init__(self, tagger: BertLstmTagger):
        super().__init__()
        self.bert = tagger.bert
        self.classifier = torch.nn.Linear(tagger.config.bert.hidden_size,
                                          tagger.config.num_token_labels)

    def forward(self, input_ids, attention_mask, token_type_ids):
        h, _ = self.bert(input_ids, attention_mask, token_type_ids)
        return self.classifier(h)


def export_onnx(model: torch.nn.Module, path: Path, outputs: list[str] = TAGGER_OUTPUTS,
                token_type_ids: bool = False) -> None:
    """Traces `model` on two rows (one padded) and writes a checked ONNX graph to `path`."""
    model.eval()
    vocab = model.bert.config.vocab_size
    ids = torch.tensor([[101, 1996, 4937, 2938, 102], [101, 1996, 102, 0, 0]]) % vocab
    mask = torch.tensor([[1, 1, 1, 1, 1], [1, 1, 1, 0, 0]])
    args = (ids, mask, torch.zeros_like(ids)) if token_type_ids else (ids, mask)
    inputs = ["input_ids", "attention_mask"] + (["token_type_ids"] if token_type_ids else [])
    axes = {**{n: {0: "batch", 1: "sequence"} for n in inputs},
            **{n: OUTPUT_AXES[n] for n in outputs}}
    with torch.no_grad():
        torch.onnx.export(model, args, str(path), input_names=inputs, output_names=outputs,
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True)
    onnx.checker.check_model(onnx.load(str(path)))
