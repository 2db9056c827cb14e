import pytest

from training import data


@pytest.mark.parametrize("tag,upos", [
    ("np-tl", "PROPN"), ("nn-tl", "NOUN"), ("jj-hl", "ADJ"), ("nn-tl-hl", "NOUN"),
    ("fw-nn", "X"), ("fw-in", "X"), ("fw-at-tl", "X"),
    ("bez", "AUX"), ("bedz", "AUX"), ("ben", "AUX"), ("hvd", "AUX"), ("hv", "AUX"),
    ("do", "AUX"), ("dod", "AUX"), ("md", "AUX"), ("md*", "AUX"), ("bez*", "AUX"),
    ("do*", "AUX"), ("*", "PART"), ("pps+bez", "PRON"), ("ppss+md", "PRON"),
    ("vb+ppo", "VERB"), ("np$", "PROPN"), ("pp$", "PRON"), ("pp$$", "PRON"), ("wp$", "PRON"),
    ("nn$-tl", "NOUN"), ("--", "PUNCT"), ("``", "PUNCT"), ("''", "PUNCT"), (".", "PUNCT"),
    ("at", "DET"), ("cs", "SCONJ"), ("cc", "CCONJ"), ("to", "PART"), ("rp", "ADP"),
    ("ex", "PRON"), ("cd", "NUM"), ("od", "ADJ"), ("uh", "INTJ"), ("vbg", "VERB"),
])
def test_tricky_tags(tag, upos):
    assert data.brown_to_upos(tag) == upos


def test_every_corpus_tag_maps_to_upos():
    seen = set()
    for fileid in data.brown_categories():
        for s in data.read_brown_file(data.BROWN_DIR / fileid):
            seen.update(s.tags)
    assert len(seen) > 400
    assert {data.brown_to_upos(t) for t in seen} <= set(data.UPOS)


def test_unknown_tag_is_an_error():
    with pytest.raises(KeyError):
        data.brown_to_upos("zz")


def test_splits_are_by_document_disjoint_and_recorded():
    splits = data.load_splits()
    assert splits == data.make_splits()
    all_ids = splits["train"] + splits["dev"] + splits["test"]
    assert len(all_ids) == len(set(all_ids)) == 500
    cats = data.brown_categories()
    # every genre group is present in every split
    for name, ids in splits.items():
        assert {data.GENRE_GROUPS[cats[i]] for i in ids} == set(data.SEQUENCE_LABELS), name


def test_genre_groups_cover_all_categories():
    assert set(data.brown_categories().values()) == set(data.GENRE_GROUPS)


def test_tokenizer_ids_are_bert_base_uncased():
    tok = data.WordPieceTokenizer(data.bert_vocab())
    assert (tok.pad_id, tok.unk_id, tok.cls_id, tok.sep_id, tok.mask_id) == (0, 100, 101, 102, 103)
    assert tok.ids["the"] == 1996
    # known bert-base-uncased ids
    assert tok.encode("The cat sat on the mat.") == [1996, 4937, 2938, 2006, 1996, 13523, 1012]
    assert tok.encode("Hello, world!") == [7592, 1010, 2088, 999]
    assert tok.encode("unaffable") == [14477, 20961, 3468]
    assert tok.vocab[1] == "[unused0]" and len(tok.vocab) == 30522


def test_tokenizer_normalizes_like_bert():
    tok = data.WordPieceTokenizer(data.bert_vocab())
    assert tok.encode("Café") == tok.encode("cafe")
    assert tok.encode("x" * 101) == [tok.unk_id]
    assert tok.encode("") == []


@pytest.mark.parametrize("text,words", [
    ("don't stop", ["do", "n't", "stop"]),
    ("Atlanta's term-end report", ["Atlanta", "'s", "term-end", "report"]),
    ("It cost $3.50, or 1,000 lire...", ["It", "cost", "$", "3.50", ",", "or", "1,000", "lire", "..."]),
    ("He said -- \"no\"", ["He", "said", "--", '"', "no", '"']),
    ("Mr. Smith", ["Mr", ".", "Smith"]),
    ("naïve café", ["naïve", "café"]),
    ("日本語", ["日本語"]),
    ("a\u200bb", ["a", "b"]),
    ("", []),
    # web words are one word each (UD's SYM examples); sentence punctuation after a URL is not
    ("See https://ex.org/a?b=1, or www.ex.com.", ["See", "https://ex.org/a?b=1", ",", "or", "www.ex.com", "."]),
    ("(http://ex.org/x)", ["(", "http://ex.org/x", ")"]),
    ("mail jo.doe@mail.ex.co.uk, bob@ex-co now", ["mail", "jo.doe@mail.ex.co.uk", ",", "bob@ex-co", "now"]),
    ("x@y @home it's@ x+tag@ex.org", ["x", "@", "y", "@", "home", "it", "'s", "@", "x", "+", "tag@ex.org"]),
    ("ok :) fine ;-P sad :(( yes :/", ["ok", ":)", "fine", ";-P", "sad", ":((", "yes", ":/"]),
    # not emoticons: a colon that touches a letter or a digit
    ("at 10:30, x:D and (see above;)", ["at", "10", ":", "30", ",", "x", ":", "D", "and", "(", "see", "above", ";", ")"]),
])
def test_word_splitter(text, words):
    assert [text[s:e] for s, e in data.split_words(text)] == words


def test_label_words_gives_split_tokens_punct():
    s = data.BrownSentence(["Mr.", "Smith", "'em", "$3"], ["np", "np", "ppo", "nns"])
    assert data.label_words(s) == (["Mr", ".", "Smith", "'", "em", "$", "3"],
                                   ["PROPN", "PUNCT", "PROPN", "PUNCT", "PRON", "SYM", "NOUN"])


def test_tagged_windows_fit_and_label_first_pieces():
    tok = data.WordPieceTokenizer(data.bert_vocab())
    wins = data.tagged_windows(tok, ["ca01"], 64)
    assert wins and all(len(w.input_ids) <= 64 for w in wins)
    for w in wins:
        assert w.input_ids[0] == tok.cls_id and w.input_ids[-1] == tok.sep_id
        assert len(w.word_labels) == len(w.input_ids)
        assert w.word_labels[0] == data.IGNORE and w.word_labels[-1] == data.IGNORE
        assert w.sequence_label == data.SEQUENCE_LABELS.index("press")
    labeled = sum(l != data.IGNORE for w in wins for l in w.word_labels)
    words = sum(len(data.label_words(s)[0]) for s in data.read_brown_file(data.BROWN_DIR / "ca01"))
    assert labeled == words


def test_masking_only_targets_real_pieces():
    import random
    tok = data.WordPieceTokenizer(data.bert_vocab())
    batch = [[101] + list(range(2000, 2100)) + [102]]
    inp, tgt = data.mask_tokens(batch, tok, random.Random(0))
    assert tgt[0][0] == data.IGNORE and tgt[0][-1] == data.IGNORE
    n = sum(t != data.IGNORE for t in tgt[0])
    assert 5 <= n <= 30
    assert all(t == b for t, b in zip(tgt[0], batch[0]) if t != data.IGNORE)


def test_word_pattern_fixture_matches_training():
    """The extension's unit tests use test/fixtures/word_pattern.json: `word_pattern` keeps
    Brown's tokens whole (the bundles trained before the UD conventions), `ud_word_pattern` is
    the training default, and its cases are what the training splitter finds
    (make_ud_fixtures.py writes them)."""
    import json
    from training import ud_words
    from training.tests.conftest import ROOT
    fixture = json.loads((ROOT / "test" / "fixtures" / "word_pattern.json").read_text())
    assert fixture["word_pattern"] == ud_words.BROWN_WORD_PATTERN
    assert fixture["ud_word_pattern"] == data.WORD_PATTERN == ud_words.UD_WORD_PATTERN
    for case in fixture["ud_cases"]:
        spans = ud_words.utf16_spans(case["text"], data.split_words(case["text"]))
        assert [list(s) for s in spans] == case["words"], case["text"]


def test_per_tag_scores_and_most_confused_from_a_confusion_matrix():
    from training.evaluate import most_confused, per_tag_scores
    labels = ["A", "B", "C"]
    # gold rows, predicted columns: A 8 right 2 as B; B 5 right; C never in gold, predicted once from B
    confusion = [[8, 2, 0], [0, 5, 1], [0, 0, 0]]
    a, b, c = per_tag_scores(confusion, labels)
    assert (a["precision"], a["recall"]) == (1.0, 0.8)
    assert abs(a["f1"] - 2 * 0.8 / 1.8) < 1e-12
    assert (b["gold"], b["predicted"], b["precision"], b["recall"]) == (6, 7, 5 / 7, 5 / 6)
    assert (c["precision"], c["recall"], c["f1"]) == (0.0, None, 0.0)
    pairs = most_confused(confusion, labels)
    assert [(p["gold"], p["predicted"], p["words"]) for p in pairs] == [("A", "B", 2), ("B", "C", 1)]
    assert pairs[0]["share_of_gold"] == 0.2
