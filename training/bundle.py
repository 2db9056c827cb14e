"""A trained tagger to a model bundle (docs/BUNDLE.md): model.onnx, the tokenizer in Hugging
Face's formats (tokenizer.json, tokenizer_config.json, vocab.txt) and config.json with the
labels, the label scheme, the word pattern and the architecture."""
from __future__ import annotations

import json
from pathlib import Path

from . import data, run_tokenizer, tokenizer_files
from .finetune import load_tagger
from .model import TaggerConfig
from .onnx_export import PlainBertTokenClassifier, export_onnx


def bundle_config(cfg: TaggerConfig, plain: bool, name: str,
                  word_pattern: str = data.WORD_PATTERN) -> dict:
    return {
        "name": name,
        "architectures": ["BertForTokenClassification" if plain else "BertLstmTagger"],
        "model_type": "bert" if plain else "bert-lstm",
        "id2label": {str(i): t for i, t in enumerate(data.UPOS)},
        "label2id": {t: i for i, t in enumerate(data.UPOS)},
        **({} if plain else {
            "sequence_id2label": {str(i): t for i, t in enumerate(data.SEQUENCE_LABELS)},
            "sequence_label_descriptions": dict(data.SEQUENCE_DESCRIPTIONS)}),
        "label_scheme": "plain",
        "max_length": cfg.bert.max_position_embeddings,
        "word_pattern": word_pattern,
        "aggregation_strategy": "first",
        "bert": cfg.bert.to_dict(),
        **({} if plain else {"lstm": {"hidden_size": cfg.lstm_hidden_size,
                                      "layers": cfg.lstm_layers,
                                      "bidirectional": cfg.bidirectional,
                                      "sequence_head": cfg.sequence_head}}),
    }




def export_bundle(tagger_path: Path, out: Path, plain: bool = False,
                  name: str = "bert-lstm-upos-brown") -> Path:
    out.mkdir(parents=True, exist_ok=True)
    model, state = load_tagger(tagger_path)
    tok = run_tokenizer.of_checkpoint(state)
    if plain:
        export_onnx(PlainBertTokenClassifier(model), out / "model.onnx", ["logits"],
                    token_type_ids=True)
    else:
        export_onnx(model, out / "model.onnx")
    tokenizer_files.write_tokenizer_files(out, model.config.bert.max_position_embeddings, tok)
    (out / "config.json").write_text(json.dumps(bundle_config(model.config, plain, name,
                                                              tok.splitter.pattern),
                                                indent=1, ensure_ascii=False))
    return out
