"""The variations of training sentences (training/augment.py): seeded, aligned, one word each."""
import random

from training import augment, data, ud_words


def is_one_word(word: str, splitter: ud_words.WordSplitter) -> bool:
    spans = splitter.spans(word)
    return len(spans) == 1 and spans[0] == (0, len(word))


def test_web_words_are_one_word_of_the_shared_splitter():
    rng = random.Random(3)
    for _ in range(2000):
        word = augment.web_word(rng)
        assert is_one_word(word, ud_words.UD_SPLITTER), word


def test_vary_keeps_words_and_tags_aligned_and_inserts_sym_before_final_punct():
    cfg = augment.AugmentConfig(lowercase_share=0.0, web_share=1.0)
    words, tags = ["The", "cat", "sat", "."], ["DET", "NOUN", "VERB", "PUNCT"]
    rng = random.Random(5)
    for _ in range(200):
        w, t = augment.vary(words, tags, rng, cfg)
        assert len(w) == len(t) == 5
        assert t.count("SYM") == 1 and w[-1] == "." and t[-1] == "PUNCT"
        assert [x for x, y in zip(w, t) if y != "SYM"] == words


def test_lowercased_sentence_keeps_its_tags():
    cfg = augment.AugmentConfig(lowercase_share=1.0, web_share=0.0)
    w, t = augment.vary(["John", "saw", "Mary"], ["PROPN", "VERB", "PROPN"], random.Random(1), cfg)
    assert w == ["john", "saw", "mary"] and t == ["PROPN", "VERB", "PROPN"]


def test_shares_hold_and_the_draw_is_seeded():
    cfg = augment.AugmentConfig()
    words, tags = ["A", "b", "."], ["DET", "NOUN", "PUNCT"]

    def run(seed):
        rng = random.Random(seed)
        return [augment.vary(words, tags, rng, cfg) for _ in range(20000)]

    out = run(7)
    assert out == run(7)
    lower = sum(w == ["a", "b", "."] for w, _ in out) / len(out)
    web = sum("SYM" in t for _, t in out) / len(out)
    assert abs(lower - cfg.lowercase_share) < 0.01 and abs(web - cfg.web_share) < 0.01


def test_only_training_windows_are_varied():
    tok = data.WordPieceTokenizer(data.bert_vocab())
    docs = data.load_splits()["dev"][:2]
    plain = data.tagged_windows(tok, docs, 128)
    assert plain == data.tagged_windows(tok, docs, 128)
    varied = data.tagged_windows(tok, docs, 128, augment=augment.AugmentConfig(web_share=0.5))
    assert varied != plain
    sym = data.UPOS.index("SYM")
    assert sum(l == sym for w in varied for l in w.word_labels) > sum(
        l == sym for w in plain for l in w.word_labels)
