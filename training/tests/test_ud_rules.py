"""Each Brown-to-UD rule of docs/TAGSET.md ("Rules"), on a real Brown sentence: (document,
sentence index) and the words and tags the rule gives there."""
import pytest

from training import data, ud_rules


def tagged(fileid: str, index: int) -> list[tuple[str, str]]:
    s = data.read_brown_file(data.BROWN_DIR / fileid)[index]
    return list(zip(*data.label_words(s)))


def has(fileid: str, index: int, *expected: tuple[str, str]) -> None:
    """The sentence's words and tags contain `expected` as consecutive (word, tag) pairs."""
    got = tagged(fileid, index)
    n = len(expected)
    assert any(tuple(got[k:k + n]) == expected for k in range(len(got) - n + 1)), \
        f"{expected} not in {fileid}[{index}]: {got}"


# --- words: contractions and clitics are UD words with their part of the compound tag ------
@pytest.mark.parametrize("fileid,index,expected", [
    ("ca07", 28, [("It", "PRON"), ("'s", "AUX")]),                 # it's   pps+bez
    ("ca07", 74, [("do", "AUX"), ("n't", "PART"), ("work", "VERB")]),  # don't do*
    ("ca03", 78, [("ca", "AUX"), ("n't", "PART"), ("afford", "VERB")]),  # can't md*
    ("ca09", 30, [("wo", "AUX"), ("n't", "PART"), ("know", "VERB")]),  # won't md*
    ("ca02", 28, [("I", "PRON"), ("'m", "AUX")]),                  # I'm    ppss+bem
    ("ca06", 71, [("we", "PRON"), ("'ll", "AUX")]),                # we'll  ppss+md
    ("cb17", 86, [("Let", "VERB"), ("'s", "PRON"), ("work", "VERB")]),  # let's vb+ppo
    ("ca26", 44, [("They", "PRON"), ("'ve", "AUX"), ("occupied", "VERB")]),  # ppss+hv
    ("ca16", 72, [("He", "PRON"), ("'s", "AUX"), ("been", "AUX")]),  # he's pps+hvz
    ("ca02", 9, [("can", "AUX"), ("not", "PART"), ("be", "AUX")]),  # cannot md*
    ("ce01", 1, [("gon", "VERB"), ("na", "PART"), ("do", "VERB")]),  # gonna vbg+to
])
def test_contractions_are_split_with_their_parts_tags(fileid, index, expected):
    has(fileid, index, *expected)


def test_possessive_s_is_a_part_of_its_own():
    has("ca01", 4, ("Georgia", "PROPN"), ("'s", "PART"), ("registration", "NOUN"))  # np$
    has("ca03", 89, ("children", "NOUN"), ("'s", "PART"), ("bureau", "NOUN"))      # nns$


def test_plural_possessive_apostrophe_is_part():
    has("ca20", 75, ("clients", "NOUN"), ("'", "PART"), ("guilt", "NOUN"))


def test_split_tags_give_one_part_per_word():
    parts = lambda t: [p.base for p in ud_rules.split_tag(t)]
    assert parts("pps+bez") == ["pps", "bez"]
    assert parts("do*") == ["do", "*"]
    assert parts("np$") == ["np", "pos"]
    assert parts("nn$-tl") == ["nn", "pos"]
    assert parts("pp$") == ["pp$"]
    assert parts("fw-in+at-tl") == ["fw"]
    assert parts("wdt+ber+pp") == ["wdt", "ber"]
    assert ud_rules.split_tag("np-tl")[0].title


# --- have / do / be ------------------------------------------------------------------------
def test_have_is_aux_before_a_participle():
    has("ca05", 65, ("had", "AUX"), ("consulted", "VERB"))


def test_have_is_verb_with_an_object():
    has("ca01", 33, ("They", "PRON"), ("have", "VERB"), ("a", "DET"), ("son", "NOUN"))


def test_have_to_is_verb():
    has("ca04", 25, ("will", "AUX"), ("have", "VERB"), ("to", "PART"), ("carry", "VERB"))


def test_have_before_a_parenthetical_and_an_object_is_verb():
    has("cb20", 79, ("He", "PRON"), ("has", "VERB"), (",", "PUNCT"), ("moreover", "ADV"))


def test_do_support_is_aux():
    has("ca01", 4, ("did", "AUX"), ("find", "VERB"))
    has("ca07", 70, ("do", "AUX"), ("you", "PRON"), ("worry", "VERB"))  # question: subject between


def test_do_with_an_object_is_verb():
    has("ca09", 25, ("do", "VERB"), ("the", "DET"), ("repairs", "NOUN"))


def test_do_after_a_modal_is_verb():
    has("ca15", 57, ("could", "AUX"), ("do", "VERB"), ("and", "CCONJ"))


def test_do_in_ellipsis_is_aux():
    has("cb22", 38, ("Russia", "PROPN"), ("does", "AUX"), (".", "PUNCT"))


def test_be_is_aux_as_copula():
    has("ca02", 63, ("is", "AUX"), ("a", "DET"), ("poor", "ADJ"))


def test_existential_be_is_verb():
    has("ca03", 11, ("There", "PRON"), ("is", "VERB"), ("a", "DET"))


# --- determiners and pronouns ---------------------------------------------------------------
def test_demonstrative_before_a_noun_is_det():
    has("ca01", 10, ("this", "DET"), ("problem", "NOUN"))


def test_demonstrative_standing_alone_is_pron():
    has("ca02", 63, ("This", "PRON"), ("is", "AUX"))


def test_quantifier_standing_alone_stays_det():
    has("ca03", 6, ("Some", "DET"), ("of", "ADP"))


def test_wh_determiner_before_a_noun_is_det():
    has("ca02", 4, ("which", "DET"), ("committee", "NOUN"))


def test_wh_word_standing_alone_is_pron():
    has("ca09", 78, ("which", "PRON"), ("would", "AUX"))
    has("cb22", 38, ("what", "PRON"), ("Russia", "PROPN"))


def test_predeterminers_and_both_are_det():
    has("ca02", 53, ("All", "DET"), ("Dallas", "PROPN"))
    has("ca01", 59, ("both", "DET"), ("chambers", "NOUN"))


def test_ap_quantifying_adjectives_are_adj():
    has("ca01", 4, ("many", "ADJ"), ("of", "ADP"))


def test_such_is_adj():
    has("ca04", 32, ("such", "ADJ"), ("a", "DET"))


# --- than / as / like -----------------------------------------------------------------------
def test_than_before_a_clause_is_sconj():
    has("ca14", 125, ("than", "SCONJ"), ("he", "PRON"))


def test_than_before_a_noun_phrase_is_adp():
    has("ca03", 20, ("than", "ADP"), ("the", "DET"), ("guilt", "NOUN"))


def test_as_before_a_noun_phrase_is_adp():
    has("ca01", 39, ("as", "ADP"), ("the", "DET"), ("mayor", "NOUN"))
    has("ca02", 4, ("as", "ADP"), ("witnesses", "NOUN"))


def test_as_before_a_clause_is_sconj():
    has("ca01", 59, ("as", "SCONJ"), ("they", "PRON"), ("work", "VERB"))
    has("ca37", 66, ("As", "SCONJ"), ("the", "DET"), ("battle", "NOUN"), ("raged", "VERB"))


# --- adverbial nouns (nr) -------------------------------------------------------------------
def test_weekdays_are_propn():
    has("ca01", 30, ("Court", "PROPN"), ("Friday", "PROPN"))


def test_today_is_noun():
    has("ca06", 36, ("said", "VERB"), ("today", "NOUN"))


def test_home_after_a_verb_is_adv_and_after_a_modifier_noun():
    has("ca13", 8, ("singled", "VERB"), ("home", "ADV"))
    has("ca01", 38, ("Hartsfield", "PROPN"), ("home", "NOUN"))


def test_compass_word_in_a_name_is_propn():
    has("cb20", 34, ("West", "PROPN"), ("Berlin", "PROPN"))


# --- names ----------------------------------------------------------------------------------
def test_capitalized_nouns_in_a_title_are_propn():
    has("ca01", 13, ("State", "PROPN"), ("Welfare", "PROPN"), ("Department", "PROPN"))
    has("ca01", 30, ("Fulton", "PROPN"), ("Superior", "PROPN"), ("Court", "PROPN"))


# --- the whole corpus -----------------------------------------------------------------------
def test_every_sentence_maps_and_words_are_the_splitters():
    """Every Brown sentence gives UPOS tags only, and its words are exactly what the word
    splitter finds in the sentence's text (what the extension will find)."""
    n = 0
    for fileid in sorted(data.brown_categories())[::25]:
        for s in data.read_brown_file(data.BROWN_DIR / fileid):
            words, tags = data.label_words(s)
            assert set(tags) <= set(data.UPOS)
            text = " ".join(s.words)
            assert [text[a:b] for a, b in data.split_words(text)] == words
            n += 1
    assert n > 1000
