"""The cased WordPiece vocabulary (training/vocab.py), its Hugging Face files
(training/tokenizer_files.py) and how runs carry their tokenizer (training/run_tokenizer.py)."""
import json
from collections import Counter

from training import data, run_tokenizer, tokenizer_files, ud_words, vocab
from training.tests.conftest import ROOT


def small_texts():
    return data.pretraining_texts(data.load_splits()["train"][:6])[:6]


def test_trainer_learns_merges_in_order_and_is_deterministic():
    counts = Counter({"lower": 5, "lowest": 3, "newer": 6, "wider": 2})
    v1 = vocab.train_wordpiece(counts, 40, min_char_count=1)
    v2 = vocab.train_wordpiece(Counter(dict(reversed(list(counts.items())))), 40, min_char_count=1)
    assert v1 == v2
    assert v1[:5] == data.SPECIAL_TOKENS
    # the most frequent pair is merged first: ##w ##e (lower, lowest, newer: 14 times; ##e ##r 13)
    alphabet = [p for p in v1[5:] if len(p.replace("##", "")) == 1]
    assert v1[5 + len(alphabet)] == "##we"
    tok = vocab.cased_tokenizer(v1)
    assert [tok.vocab[i] for i in tok.wordpiece("lowest")][0].startswith("lo")


def test_cased_vocabulary_keeps_capitals_and_covers_its_text():
    texts = small_texts()
    v = vocab.cased_vocab(texts, 3000)
    assert len(v) == 3000 and len(set(v)) == 3000
    tok = vocab.cased_tokenizer(v)
    assert tok.encode("The") != tok.encode("the")
    assert tok.encode("Café") == tok.encode("Cafe")  # accents stripped
    ids = [i for t in texts for i in tok.encode(t)]
    assert ids.count(tok.unk_id) / len(ids) < 0.001
    assert tok.first_piece_id == 5 and tok.pad_id == 0


def test_tokenizer_files_round_trip(tmp_path):
    tok = vocab.cased_tokenizer(vocab.cased_vocab(small_texts(), 1500))
    tokenizer_files.write_tokenizer_files(tmp_path, 128, tok)
    j = json.loads((tmp_path / "tokenizer.json").read_text())
    assert j["normalizer"]["lowercase"] is False and j["normalizer"]["strip_accents"] is True
    cfg = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert cfg["do_lower_case"] is False and cfg["strip_accents"] is True
    back = tokenizer_files.read_hf_tokenizer(tmp_path)
    assert back.vocab == tok.vocab and not back.lowercase and back.strip_accents
    text = "Mr. O'Neill didn't say it's John's Café."
    assert back.encode(text) == tok.encode(text)


def test_hf_checkpoint_folders_bring_their_own_vocabulary(tmp_path):
    # a bert-base-uncased checkpoint folder (vocab.txt, tokenizer_config.json): read back
    # uncased, with its own ids
    (tmp_path / "vocab.txt").write_text("\n".join(data.bert_vocab()) + "\n")
    (tmp_path / "tokenizer_config.json").write_text('{"do_lower_case": true}')
    tok = tokenizer_files.read_hf_tokenizer(tmp_path)
    assert tok.lowercase and tok.strip_accents and len(tok.vocab) == 30522
    assert tok.encode("The cat sat on the mat.") == [1996, 4937, 2938, 2006, 1996, 13523, 1012]
    assert tok.first_piece_id == 999
    # the shipped bundle brings its cased vocabulary the same way
    shipped = tokenizer_files.read_hf_tokenizer(ROOT / "models" / "default")
    assert not shipped.lowercase and shipped.encode("The Cat") != shipped.encode("the cat")


def test_a_folder_without_vocab_gives_bert_base_uncased(tmp_path):
    assert tokenizer_files.read_hf_tokenizer(tmp_path) is None
    assert run_tokenizer.of_hf_folder(tmp_path).vocab == data.bert_vocab()


def test_a_vocab_without_special_tokens_is_an_error_in_words(tmp_path):
    (tmp_path / "vocab.txt").write_text("a\nb\n")
    try:
        tokenizer_files.read_hf_tokenizer(tmp_path)
    except ValueError as e:
        assert "[PAD]" in str(e) and "special tokens" in str(e)
    else:
        raise AssertionError("no error")


def test_runs_record_their_tokenizer_and_reuse_it(tmp_path):
    texts = small_texts()
    tok = run_tokenizer.for_pretraining(tmp_path, "cased", 1200, texts)
    assert (tmp_path / run_tokenizer.SPEC_FILE).exists()
    again = run_tokenizer.for_pretraining(tmp_path, "cased", 999, [])  # recorded: not relearned
    assert again.vocab == tok.vocab and again.splitter.pattern == ud_words.UD_WORD_PATTERN
    assert run_tokenizer.of_checkpoint({"tokenizer": tok.spec()}).vocab == tok.vocab
    old = run_tokenizer.of_checkpoint({})  # a checkpoint from before tokenizers were recorded
    assert old.lowercase and old.splitter.pattern == ud_words.BROWN_WORD_PATTERN


def test_cased_fixture_is_current():
    """test/fixtures/cased_tokenizer* (the extension's unit tests read them) are what the
    training code gives: the files load back and the golden ids are Python's."""
    fixtures = ROOT / "test" / "fixtures"
    tok = tokenizer_files.read_hf_tokenizer(fixtures / "cased_tokenizer", ud_words.UD_SPLITTER)
    assert not tok.lowercase
    for g in json.loads((fixtures / "cased_tokenizer_golden.json").read_text()):
        assert tok.encode(g["text"]) == g["ids"], g["text"]
        assert [i for t in tok.basic_tokens(g["text"]) for i in tok.wordpiece(t)] == g["plain_ids"]


def test_a_hugging_face_checkpoint_trains_and_exports_with_its_own_vocabulary(tmp_path):
    """`finetune --hf-checkpoint` on a folder with config.json, pytorch_model.bin, a cased
    vocab.txt and tokenizer_config.json: the bundle carries that vocabulary and its casing."""
    import torch
    from training.model import BertConfig
    from training.tests.conftest import run_training
    from training.tests.test_model import hf_state_dict
    folder = tmp_path / "hf"
    folder.mkdir()
    tok = vocab.cased_tokenizer(vocab.cased_vocab(small_texts(), 700))
    cfg = BertConfig(vocab_size=len(tok.vocab), hidden_size=32, num_hidden_layers=1,
                     num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    (folder / "config.json").write_text(json.dumps(cfg.to_dict()))
    torch.save(hf_state_dict(cfg), folder / "pytorch_model.bin")
    (folder / "vocab.txt").write_text("\n".join(tok.vocab) + "\n")
    (folder / "tokenizer_config.json").write_text(json.dumps({"do_lower_case": False,
                                                              "strip_accents": True}))
    runs = tmp_path / "runs"
    run_training("--tiny", "--threads", "1", "finetune", "--hf-checkpoint", str(folder),
                 "--epochs", "0.05", runs=runs)
    run_training("export", "--out", str(runs / "bundle"), runs=runs)
    bundle = runs / "bundle"
    assert (bundle / "vocab.txt").read_text().split("\n")[:-1] == tok.vocab
    normalizer = json.loads((bundle / "tokenizer.json").read_text())["normalizer"]
    assert normalizer["lowercase"] is False and normalizer["strip_accents"] is True
    assert json.loads((bundle / "config.json").read_text())["word_pattern"] == ud_words.UD_WORD_PATTERN
