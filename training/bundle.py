"""A trained tagger to a model bundle (docs/BUNDLE.md): model.onnx, the tokenizer in Hugging
Face's formats (tokenizer.json, tokenizer_config.json, vocab.txt) and config.json with the
labels, the label scheme, the word pattern and the architecture."""
from __future__ import annotations

import json
from pathlib import Path

from . import data
from .finetune import load_tagger
from .model import TaggerConfig
from .onnx_export import PlainBertTokenClassifier, export_onnx


def tokenizer_json(vocab: list[str], max_length: int, lowercase: bool = True) -> dict:
    ids = {p: i for i, p in enumerate(vocab)}
    special = [{"id": ids[t], "content": t, "single_word": False, "lstrip": False,
                "rstrip": False, "normalized": False, "special": True}
               for t in data.SPECIAL_TOKENS]

    def tok(name):
        return {"SpecialToken": {"id": name, "type_id": 0}}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": sorted(special, key=lambda t: t["id"]),
        "normalizer": {"type": "BertNormalizer", "clean_text": True,
                       "handle_chinese_chars": True, "strip_accents": None, "lowercase": lowercase},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [tok("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, tok("[SEP]")],
            "pair": [tok("[CLS]"), {"Sequence": {"id": "A", "type_id": 0}}, tok("[SEP]"),
                     {"Sequence": {"id": "B", "type_id": 1}},
                     {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
            "special_tokens": {t: {"id": t, "ids": [ids[t]], "tokens": [t]}
                               for t in ("[CLS]", "[SEP]")},
        },
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": ids},
    }


def write_tokenizer_files(out: Path, max_length: int, vocab: list[str] | None = None,
                          lowercase: bool = True) -> None:
    vocab = vocab if vocab is not None else data.bert_vocab()
    (out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (out / "tokenizer.json").write_text(
        json.dumps(tokenizer_json(vocab, max_length, lowercase), ensure_ascii=False), encoding="utf-8")
    (out / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "BertTokenizer", "do_lower_case": lowercase, "strip_accents": None,
        "tokenize_chinese_chars": True, "model_max_length": max_length,
        "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
        "cls_token": "[CLS]", "mask_token": "[MASK]"}, indent=1))



def bundle_config(cfg: TaggerConfig, plain: bool, name: str) -> dict:
    return {
        "name": name,
        "architectures": ["BertForTokenClassification" if plain else "BertLstmTagger"],
        "model_type": "bert" if plain else "bert-lstm",
        "id2label": {str(i): t for i, t in enumerate(data.UPOS)},
        "label2id": {t: i for i, t in enumerate(data.UPOS)},
        **({} if plain else {
            "sequence_id2label": {str(i): t for i, t in enumerate(data.SEQUENCE_LABELS)}}),
        "label_scheme": "plain",
        "max_length": cfg.bert.max_position_embeddings,
        "word_pattern": data.WORD_PATTERN,
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
    model, _ = load_tagger(tagger_path)
    if plain:
        export_onnx(PlainBertTokenClassifier(model), out / "model.onnx", ["logits"],
                    token_type_ids=True)
    else:
        export_onnx(model, out / "model.onnx")
    write_tokenizer_files(out, model.config.bert.max_position_embeddings)
    (out / "config.json").write_text(json.dumps(bundle_config(model.config, plain, name),
                                                indent=1, ensure_ascii=False))
    return out
