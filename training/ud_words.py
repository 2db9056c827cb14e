"""The shared word splitter: what a "word" (the unit that gets a label) is, in training and in the
extension.

One regular expression, written into every bundle's config.json as `word_pattern`; the extension
runs that very string (JavaScript, flags `gu`, src/core/tokenize.ts) and the training data is cut
with it here (the `regex` package), so both find the same words at the same offsets. It only
uses what both engines read alike: `\\p{..}` classes, character classes, lookahead, one-character
lookbehind and one backreference; no case-insensitive flag (case variants are spelled out).

`UD_WORD_PATTERN` splits words as Universal Dependencies English does: clitics are words of their
own (`it's` -> `it` `'s`, `don't` -> `do` `n't`, `can't` -> `ca` `n't`, `won't` -> `wo` `n't`,
`I'm`, `we'll`, `you've`, `they're`, `he'd`, possessive `John's` -> `John` `'s`), and so are the
parts of `cannot`, `gonna`, `gotta`, `wanna` (`can` `not`, `gon` `na`, `got` `ta`, `wan` `na`).
Letters, digits and marks joined by an apostrophe, hyphen or period (and a comma between
digits) stay one word (`O'Neill`, `term-end`, `3.5`, `1,000`); each run of one repeated
punctuation or symbol character (`--`, `...`) is a word; any other visible character is a word.
URLs, e-mail addresses and emoticons are one word each, as UD tokenizes them.
`BROWN_WORD_PATTERN` keeps Brown's own tokens whole (`don't`, `Atlanta's`): the shipped model
before the UD conventions was trained with it, and its bundle carries it.
"""
from __future__ import annotations

import regex

# Letters, digits and combining marks: what words are made of.
_W = r"[\p{L}\p{N}\p{M}]"
_APOS = "['\u2019]"
# `n't` ending a word.
_NT = rf"[nN]{_APOS}[tT](?!{_W})"
# An apostrophe clitic ending a word: 's 'm 'd 're 've 'll.
_CLITIC = rf"{_APOS}(?:[sSmMdD]|[rR][eE]|[vV][eE]|[lL][lL])(?!{_W})"
# The first part of a word that UD English cuts without an apostrophe.
_FUSED_HOST = (rf"(?<!{_W})(?:[cC][aA][nN](?=[nN][oO][tT](?!{_W}))"
               rf"|[gG][oO][nN](?=[nN][aA](?!{_W}))"
               rf"|[wW][aA][nN](?=[nN][aA](?!{_W}))"
               rf"|[gG][oO][tT](?=[tT][aA](?!{_W})))")
# Letters that are not the start of a word-final n't.
_HOST_CHAR = rf"(?:(?!{_NT}){_W})"

# Web words are one word each, as UD tokenizes them (its SYM examples). A URL: anything visible
# but quotes and angle brackets after `http://`, `https://` or `www.`, sentence punctuation only
# where more of the URL follows (`ex.org/a).` ends at `a`). Each part is unambiguous (a class and
# a run of its complement), so the pattern's backtracking stays bounded.
_URL_END = r"""[^\s\p{Z}\p{Cc}\p{Cf}<>"'.,;:!?)\]}]"""
_URL = (r"(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\.)"
        + rf"""(?:{_URL_END}|[.,;:!?)\]}}']+(?={_URL_END}))+""")
# An e-mail address: a word (letters and digits joined by `.` `-` `'`) followed by `@` and a
# domain with at least one `.` or `-` (a tail of the word, not an alternative of its own: an
# alternative that scans a word and fails at its end would scan again from each later start).
_EMAIL_DOMAIN = r"(?:@[\p{L}\p{N}]+(?:[.\-][\p{L}\p{N}]+)+)?"
# An emoticon that touches no letter or digit (`:)`, `;-P`, `:((`; not the `:3` of `10:30`).
_EMOTICON = r"(?<![\p{L}\p{N}\p{M}])[:;][\-'^]?[)(\]\[DPpOo/\\|*]+(?![\p{L}\p{N}\p{M}])"

UD_WORD_PATTERN = (
    _URL
    + "|" + _EMOTICON
    + "|" + _FUSED_HOST
    + "|" + _NT
    + "|" + _CLITIC
    + "|" + rf"{_HOST_CHAR}+(?:(?:(?!{_CLITIC}){_APOS}|[.\-]|,(?=\p{{N}})){_HOST_CHAR}+)*{_EMAIL_DOMAIN}"
    + "|" + r"([\p{P}\p{S}])\1*"
    + "|" + r"[^\s\p{Z}\p{Cc}\p{Cf}]"
)

BROWN_WORD_PATTERN = (
    r"[\p{L}\p{N}\p{M}]+(?:(?:['\u2019.\-]|,(?=\p{N}))[\p{L}\p{N}\p{M}]+)*"
    r"|([\p{P}\p{S}])\1*"
    r"|[^\s\p{Z}\p{Cc}\p{Cf}]"
)


class WordSplitter:
    """A compiled word pattern: `spans(text)` gives (start, end) code-point offsets."""

    def __init__(self, pattern: str):
        self.pattern = pattern
        self._re = regex.compile(pattern)

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in self._re.finditer(text) if m.end() > m.start()]

    def words(self, text: str) -> list[str]:
        return [text[s:e] for s, e in self.spans(text)]


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Code-point spans as UTF-16 offsets (what the extension and VS Code count)."""
    offsets, n = [], 0
    for ch in text:
        offsets.append(n)
        n += 2 if ord(ch) > 0xFFFF else 1
    offsets.append(n)
    return [(offsets[s], offsets[e]) for s, e in spans]


UD_SPLITTER = WordSplitter(UD_WORD_PATTERN)
BROWN_SPLITTER = WordSplitter(BROWN_WORD_PATTERN)
