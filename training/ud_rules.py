"""Brown tokens and tags -> words and UPOS tags in Universal Dependencies English conventions.

Brown keeps a contraction as one token with a compound tag (`it's` pps+bez, `don't` do*,
`John's` np$); UD English makes each part a word with its own tag. The shared word splitter
(ud_words.UD_WORD_PATTERN) cuts the token, and each part takes the tag of its part of the
compound. Where one Brown tag covers two UD tags (have/do/be as auxiliary or main verb,
this/that as determiner or pronoun, than/as as subordinator or adposition, ...), the tags that
follow in the sentence decide. Every rule is listed, with its UD justification, in
docs/TAGSET.md, and tested on real Brown sentences in training/tests/test_ud_rules.py.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex

from .ud_words import UD_SPLITTER, WordSplitter

# ---------------------------------------------------------------------------------------------
# Base tags (the tag with -tl/-hl/-nc, negation * and possessive $ taken off) -> UPOS, before
# the context rules below.
# ---------------------------------------------------------------------------------------------
BASE_UPOS = {
    ".": "PUNCT", ",": "PUNCT", ":": "PUNCT", "--": "PUNCT", "(": "PUNCT", ")": "PUNCT",
    "``": "PUNCT", "''": "PUNCT", "'": "PUNCT",
    "at": "DET", "abn": "DET", "abx": "DET", "dt": "DET", "dti": "DET", "dts": "DET",
    "dtx": "DET", "wdt": "DET", "abl": "ADV", "ap": "ADJ",
    "be": "AUX", "bed": "AUX", "bedz": "AUX", "beg": "AUX", "bem": "AUX", "ben": "AUX",
    "ber": "AUX", "bez": "AUX", "do": "AUX", "dod": "AUX", "doz": "AUX", "hv": "AUX",
    "hvd": "AUX", "hvg": "AUX", "hvn": "AUX", "hvz": "AUX", "md": "AUX",
    "cc": "CCONJ", "cs": "SCONJ", "in": "ADP", "rp": "ADP", "to": "PART", "*": "PART",
    "cd": "NUM", "od": "ADJ",
    "nn": "NOUN", "nns": "NOUN", "nr": "NOUN", "nrs": "NOUN", "np": "PROPN", "nps": "PROPN",
    "ex": "PRON", "pn": "PRON", "pp$": "PRON", "pp$$": "PRON", "ppl": "PRON", "ppls": "PRON",
    "ppo": "PRON", "pps": "PRON", "ppss": "PRON", "wp$": "PRON", "wpo": "PRON", "wps": "PRON",
    "jj": "ADJ", "jjr": "ADJ", "jjs": "ADJ", "jjt": "ADJ",
    "rb": "ADV", "rbr": "ADV", "rbt": "ADV", "rn": "ADV", "ql": "ADV", "qlp": "ADV",
    "wql": "ADV", "wrb": "ADV",
    "vb": "VERB", "vbd": "VERB", "vbg": "VERB", "vbn": "VERB", "vbz": "VERB",
    "uh": "INTJ", "nil": "X",
    # the possessive 's / ' cut from its noun (not a Brown tag: made by split_tag)
    "pos": "PART",
    "fw": "X",
}

BE = {"be", "bed", "bedz", "beg", "bem", "ben", "ber", "bez"}
HAVE = {"hv", "hvd", "hvg", "hvn", "hvz"}
DO = {"do", "dod", "doz"}
# Verb forms that a form of have is the auxiliary of (participles).
PARTICIPLES = {"vbn", "ben", "hvn"}
# Base forms that a form of do is the auxiliary of.
BASE_VERBS = {"vb", "be", "hv", "do"}
# Finite verbs: a clause follows `than`/`as`/`like` when one comes before the clause ends.
FINITE = {"vb", "vbd", "vbz", "md", "bed", "bedz", "bem", "ber", "bez", "hv", "hvd", "hvz",
          "do", "dod", "doz"}
ADVERBIAL = {"rb", "rbr", "rbt", "rn", "ql", "qlp", "*", "abl"}
# What may stand between an auxiliary and its verb: adverbs, negation, and (in questions) the
# subject noun phrase.
BETWEEN_AUX_AND_VERB = ADVERBIAL | {"pps", "ppss", "ex", "at", "dt", "dti", "dts", "dtx", "ap",
                                    "abn", "abx", "cd", "od", "jj", "jjr", "jjs", "jjt", "nn",
                                    "nns", "np", "nps", "nr", "pp$", "pn", "pos"}
# What ends the search for the verb of an auxiliary: a clause boundary.
CLAUSE_END = {".", ",", ":", "--", "(", ")", "``", "''", "'", "cc", "cs", "wdt", "wps", "wpo",
              "wrb", "to", None}
# What ends a verb phrase whose verb is left out (`I do.`, `did you?`, `he has, and ...`).
ELLIPSIS_END = {".", ",", ":", "--", "(", ")", "``", "''", "'", "cc", "cs", "sym", None}
# Words a determiner can stand before (the start of its noun phrase).
NOMINAL_START = {"nn", "nns", "np", "nps", "nr", "nrs", "jj", "jjr", "jjs", "jjt", "cd", "od",
                 "ap", "vbg", "vbn", "pn"}
DEMONSTRATIVES = {"this", "that", "these", "those", "them", "thet", "thease", "thees"}
WH_DETERMINERS = {"which", "what", "whatever", "whichever"}
WEEKDAYS = {"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
            "sundays", "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays"}
DEICTIC_DAYS = {"today", "tomorrow", "yesterday", "tonight", "to-day", "to-morrow", "to-night"}
BEFORE_NOUN = {"at", "dt", "dti", "dts", "dtx", "abn", "abx", "ap", "pp$", "jj", "jjr", "jjs",
               "jjt", "in", "od", "cd", "wdt", "pos", "np", "nps", "nn", "nns"}
PUNCTUATION = {".", ",", ":", "--", "(", ")", "``", "''", "'"}
_LETTER_OR_DIGIT = regex.compile(r"[\p{L}\p{N}]")
_APOSTROPHE_ONLY = regex.compile("['\u2019]")
_PUNCT_ONLY = regex.compile(r"\p{P}+")
_SYMBOL_ONLY = regex.compile(r"\p{S}+")


@dataclass(frozen=True)
class Part:
    """One part of a (possibly compound) Brown tag."""
    base: str          # BASE_UPOS key
    title: bool = False


def split_tag(tag: str) -> list[Part]:
    """A raw Brown tag -> its parts, one per UD word it stands for.

    `fw-…` -> one X part. `-tl` (title), `-hl` (headline), `-nc` (cited) come off each part
    (`-tl` is remembered). `+` separates the words of a contraction (`pps+bez`: it + 's). A
    trailing `*` is a fused negation (`do*` = do + n't); a trailing `$` on a noun or pronoun
    tag is the possessive (`np$` = John + 's); `pp$`, `pp$$` and `wp$` are possessive pronouns,
    one word each.
    """
    t = tag.lower()
    if t.startswith("fw-") or t == "fw":
        return [Part("fw")]
    parts: list[Part] = []
    for n, raw in enumerate(t.split("+")):
        title = False
        if raw not in BASE_UPOS and raw != "--" and "-" in raw:
            pieces = raw.split("-")
            title = "tl" in pieces[1:]
            raw = pieces[0] or "--"
        neg = raw != "*" and raw.endswith("*")
        if neg:
            raw = raw[:-1]
        poss = raw not in BASE_UPOS and raw.endswith("$") and raw[:-1] in BASE_UPOS
        if poss:
            raw = raw[:-1]
        if raw not in BASE_UPOS:
            if n > 0 and parts:
                # one corpus token (`whaddya`, wdt+ber+pp) has a part that is no tag
                continue
            raise KeyError(f"unmapped Brown tag {tag!r}")
        parts.append(Part(raw, title))
        if neg:
            parts.append(Part("*"))
        if poss:
            parts.append(Part("pos"))
    return parts


@dataclass
class Unit:
    """A UD word cut from a Brown token, with the Brown tag part it stands for."""
    text: str
    base: str
    title: bool = False


def token_units(token: str, tag: str, splitter: WordSplitter = UD_SPLITTER) -> list[Unit]:
    """The words the splitter cuts from one Brown token, each with its part of the tag.

    Words with letters or digits (and the bare apostrophe of a plural possessive, `Jones'`)
    take the tag's parts in order. When the splitter finds fewer such words than the tag has
    parts (`'tis`, `lemme`), the words take the first parts; when it finds more (`1920's`
    tagged nns), the extra ones repeat the last part. Punctuation-only words keep a
    punctuation tag and symbol-only words (`$` of `$3`) are SYM.
    """
    parts = split_tag(tag)
    words = splitter.words(token)
    has_pos = any(p.base == "pos" for p in parts)
    content = [i for i, w in enumerate(words)
               if _LETTER_OR_DIGIT.search(w)
               or (has_pos and i == len(words) - 1 and i > 0 and _APOSTROPHE_ONLY.fullmatch(w))]
    units = []
    k = 0
    for i, w in enumerate(words):
        if i in content:
            part = parts[min(k, len(parts) - 1)]
            k += 1
            units.append(Unit(w, part.base, part.title))
        elif _PUNCT_ONLY.fullmatch(w):
            # a punctuation token keeps its own tag (`,` `--` `(`); punctuation cut from a
            # word (`.` of `Mr.`) is `.`
            units.append(Unit(w, parts[0].base if parts[0].base in PUNCTUATION else "."))
        elif _SYMBOL_ONLY.fullmatch(w):
            units.append(Unit(w, "sym"))
        else:
            units.append(Unit(w, parts[0].base, parts[0].title))
    return units


def sentence_units(words: list[str], tags: list[str],
                   splitter: WordSplitter = UD_SPLITTER) -> list[Unit]:
    return [u for w, t in zip(words, tags) for u in token_units(w, t, splitter)]


# ---------------------------------------------------------------------------------------------
# Context rules
# ---------------------------------------------------------------------------------------------
def _base(units: list[Unit], i: int) -> str | None:
    return units[i].base if 0 <= i < len(units) else None


def _verb_follows(units: list[Unit], i: int, targets: set[str], window: int = 6) -> bool:
    """Whether one of `targets` follows unit i within its clause, with only adverbs, negation
    or a subject noun phrase (questions: `did the man go`) between."""
    for j in range(i + 1, min(len(units), i + 1 + window)):
        b = units[j].base
        if b in targets:
            return True
        if b not in BETWEEN_AUX_AND_VERB:
            return False
    return False


def _ellipsis(units: list[Unit], i: int) -> bool:
    """Whether unit i ends its verb phrase (`I do.`, `did you?`, `he hasn't, and ...`): after
    adverbs, negation and subject pronouns comes a clause boundary or the sentence's end."""
    j = i + 1
    while True:
        while j < len(units) and units[j].base in ADVERBIAL | {"pps", "ppss", "ex"}:
            j += 1
        # a parenthetical adverb between commas is not the end: `he has, moreover, another`
        if _base(units, j) == "," and _base(units, j + 1) in ADVERBIAL:
            j += 1
            while j < len(units) and units[j].base in ADVERBIAL:
                j += 1
            if _base(units, j) == ",":
                j += 1
            continue
        return _base(units, j) in ELLIPSIS_END


def _after_auxiliary(units: list[Unit], i: int) -> bool:
    """Whether an auxiliary, modal or infinitive `to` comes just before unit i (adverbs,
    negation and subjects aside): `will do`, `to have`, `did you do`."""
    j = i - 1
    while j >= 0 and units[j].base in ADVERBIAL | {"pps", "ppss", "ex"}:
        j -= 1
    return _base(units, j) in {"md", "to"} | DO | HAVE | BE


def _existential(units: list[Unit], i: int) -> bool:
    """Whether unit i (a form of be) has existential `there` as subject: `there is`, `is
    there`, `there must be`, `there have been`."""
    j = i - 1
    while j >= 0 and units[j].base in ADVERBIAL | {"md"} | HAVE | BE:
        j -= 1
    if _base(units, j) == "ex":
        return True
    j = i + 1
    while j < len(units) and units[j].base in ADVERBIAL:
        j += 1
    return _base(units, j) == "ex"


SUBJECT_PRONOUNS = {"pps", "ppss", "ex", "pn", "wps"}
NOUN_PHRASE = {"at", "dt", "dti", "dts", "dtx", "abn", "abx", "ap", "cd", "od", "pp$", "jj",
               "jjr", "jjs", "jjt", "nn", "nns", "np", "nps", "nr", "pos", "vbg", "vbn"}


def _clause_follows(units: list[Unit], i: int) -> bool:
    """Whether a clause follows unit i: a finite verb at once (`as was said`), or a subject
    (a pronoun, or a noun phrase that starts with a determiner, possessive or name) and then a
    finite verb (`than he did`, `as the mayor said`). Else a noun phrase or adverb follows
    (`than ever`, `as a boy`, `as witnesses`)."""
    j = i + 1
    while j < len(units) and units[j].base in ADVERBIAL:
        j += 1
    b = _base(units, j)
    if b in FINITE:
        return True
    if b in SUBJECT_PRONOUNS:
        j += 1
    elif b in {"at", "dt", "dts", "dti", "pp$", "np", "nps"}:
        j += 1
        while j < len(units) and units[j].base in NOUN_PHRASE:
            j += 1
    else:
        return False
    while j < len(units) and units[j].base in ADVERBIAL:
        j += 1
    return _base(units, j) in FINITE


def _preceded_by_modifier(units: list[Unit], i: int) -> bool:
    return _base(units, i - 1) in BEFORE_NOUN


def unit_upos(units: list[Unit], i: int) -> str:
    """The UPOS tag of unit i of a sentence (see docs/TAGSET.md, "Rules")."""
    u = units[i]
    b = u.base
    w = u.text.lower()
    if b == ".":
        return "PUNCT"
    if b == "sym":
        return "SYM"
    if b in HAVE:
        if _verb_follows(units, i, PARTICIPLES):
            return "AUX"
        if _base(units, i + 1) == "to" or _after_auxiliary(units, i):
            return "VERB"
        return "AUX" if _ellipsis(units, i) else "VERB"
    if b in DO:
        if _verb_follows(units, i, BASE_VERBS):
            return "AUX"
        if _after_auxiliary(units, i):
            return "VERB"
        return "AUX" if _ellipsis(units, i) else "VERB"
    if b in BE:
        return "VERB" if _existential(units, i) else "AUX"
    if b in {"dt", "dts"} and w in DEMONSTRATIVES:
        return "DET" if _base(units, i + 1) in NOMINAL_START else "PRON"
    if b == "wdt" and w in WH_DETERMINERS:
        # `which committee`, but `what Russia does` (a name after a wh-word is its clause's subject)
        return "DET" if _base(units, i + 1) in NOMINAL_START - {"np", "nps"} else "PRON"
    if b == "abl":
        return "ADJ" if w == "such" else "ADV"
    if b == "cs" and w in {"than", "as", "like"}:
        return "SCONJ" if _clause_follows(units, i) else "ADP"
    if b in {"nr", "nrs"}:
        if w in WEEKDAYS:
            return "PROPN"
        if w in DEICTIC_DAYS:
            return "NOUN"
        nxt = units[i + 1] if i + 1 < len(units) else None
        if nxt is not None and nxt.base in {"np", "nps"} and u.text[:1].isupper():
            return "PROPN"  # part of a name: `West Berlin`
        if nxt is not None and nxt.base in {"nn", "nns"}:
            return "ADJ"  # a modifier: `the west side`
        if _preceded_by_modifier(units, i) or _base(units, i + 1) == "pos":
            return "NOUN"
        return "ADV"
    if b in {"nn", "nns"} and u.title and u.text[:1].isupper():
        return "PROPN"
    if (b == "jj" and u.title and u.text[:1].isupper() and i + 1 < len(units)
            and units[i + 1].title and units[i + 1].base in {"nn", "nns", "np", "nps"}
            and units[i + 1].text[:1].isupper()):
        return "PROPN"
    return BASE_UPOS[b]


def sentence_upos(words: list[str], tags: list[str],
                  splitter: WordSplitter = UD_SPLITTER) -> tuple[list[str], list[str]]:
    """A Brown sentence -> (UD words, UPOS tags)."""
    units = sentence_units(words, tags, splitter)
    return [u.text for u in units], [unit_upos(units, i) for i in range(len(units))]
