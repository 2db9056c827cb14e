"""Variations of the training sentences toward the text users label today, which Brown (edited
print of 1961) lacks: sentences without capitals, as informal writing often is, and web words
(URLs, e-mail addresses, emoticons) that UD tags SYM.

Each training sentence is varied or kept by a seeded draw, so a run is the same on any machine;
dev and test sentences are never varied (their scores stay Brown's). The shares are small on
purpose: Brown's capitals are the best clue for PROPN, and a model that sees them removed too
often learns to ignore them. A synthetic web word is one word of the shared splitter
(`ud_words.py`), so the labels stay aligned with what the extension splits."""
from __future__ import annotations

import random
from dataclasses import dataclass

LETTERS = "abcdefghijklmnopqrstuvwxyz"
TLDS = ["com", "org", "net", "edu", "gov", "io", "co.uk", "de"]
# the emoticons the shared splitter keeps whole (a colon or semicolon, a nose, a mouth)
EMOTICONS = [":)", ":-)", ":(", ":-(", ";)", ";-)", ":D", ":-D", ":P", ":-P", ":/", ":'(",
             ":((", ":))", ":o"]


@dataclass
class AugmentConfig:
    lowercase_share: float = 0.05  # sentences shown without capitals
    web_share: float = 0.03        # sentences given one web word
    seed: int = 29


def _name(rng: random.Random, lo: int = 3, hi: int = 9) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(lo, hi)))


def web_word(rng: random.Random) -> str:
    """A URL, an e-mail address or an emoticon, each one word of the shared splitter."""
    kind = rng.random()
    if kind < 0.4:
        host = f"{_name(rng)}.{rng.choice(TLDS)}"
        scheme = rng.choice(["https://", "http://", "https://www.", "www."])
        path = "".join(f"/{_name(rng, 2, 7)}" for _ in range(rng.randint(0, 2)))
        return scheme + host + path
    if kind < 0.7:
        local = _name(rng) + (f".{_name(rng, 1, 5)}" if rng.random() < 0.3 else "")
        return f"{local}@{_name(rng)}.{rng.choice(TLDS)}"
    return rng.choice(EMOTICONS)


def vary(words: list[str], tags: list[str], rng: random.Random,
         cfg: AugmentConfig) -> tuple[list[str], list[str]]:
    """One training sentence as the model sees it: unchanged, without capitals (tags kept: a
    proper noun is one in any case), or with a web word (SYM) after a word or before the
    final punctuation."""
    draw = rng.random()
    if draw < cfg.lowercase_share:
        return [w.lower() for w in words], list(tags)
    if draw < cfg.lowercase_share + cfg.web_share and words:
        at = len(words) - 1 if tags[-1] == "PUNCT" else len(words)
        at = rng.randint(min(1, at), at)
        word = web_word(rng)
        return words[:at] + [word] + words[at:], tags[:at] + ["SYM"] + tags[at:]
    return words, tags
