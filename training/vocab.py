"""A cased WordPiece vocabulary learned from the project's own training text.

No `tokenizers` Python package exists here (Debian has none), so the vocabulary is learned by
this small trainer, the way Hugging Face's WordPiece trainer does it: the text is cut into
words by the shared splitter and BERT's normalizer and pre-tokenizer (the same
`WordPieceTokenizer.basic_tokens` that encodes training data), every word is spelled as its
first character and `##`-prefixed continuation characters, and the most frequent adjacent pair
is merged until the vocabulary has its size (ties broken by the pair's text, so the result is
the same on every machine). The pieces that come out are a standard WordPiece vocabulary:
special tokens first, then every character seen, then the merges in order; any Hugging Face
WordPiece tokenizer (the extension's @huggingface/tokenizers included) encodes with it.

Case is kept (the model must see capitals, the best clue for proper nouns); accents are
stripped, as BertNormalizer does by default, since Brown's 1961 text has almost none and an
accented letter would otherwise be an unknown piece.
"""
from __future__ import annotations

import heapq
from collections import Counter, defaultdict

from . import data

CASED = {"lowercase": False, "strip_accents": True}


def word_counts(texts: list[str], tok: "data.WordPieceTokenizer") -> Counter:
    """Pre-tokens (what WordPiece sees) of the texts with their counts."""
    words: Counter = Counter()
    for text in texts:
        words.update(text[s:e] for s, e in tok.splitter.spans(text))
    counts: Counter = Counter()
    for w, c in words.items():
        for t in tok.basic_tokens(w):
            counts[t] += c
    return counts


def _merge_name(a: str, b: str) -> str:
    return a + (b[2:] if b.startswith("##") else b)


def train_wordpiece(counts: Counter, vocab_size: int, min_char_count: int = 2,
                    max_word_chars: int = 100) -> list[str]:
    """WordPiece pieces learned from pre-token counts: specials, characters, then merges.

    Characters seen fewer than `min_char_count` times are left out (a word with one becomes
    [UNK], as with any WordPiece vocabulary)."""
    chars: Counter = Counter()
    for w, c in counts.items():
        for i, ch in enumerate(w):
            chars[ch if i == 0 else "##" + ch] += c
    alphabet = sorted(p for p, c in chars.items() if c >= min_char_count)
    vocab = list(data.SPECIAL_TOKENS) + alphabet
    known = set(vocab)
    if len(vocab) >= vocab_size:
        return vocab[:vocab_size]

    words: list[list[str]] = []
    freq: list[int] = []
    for w, c in sorted(counts.items()):
        if len(w) > max_word_chars:
            continue
        sym = [w[0]] + ["##" + ch for ch in w[1:]]
        if all(s in known for s in sym):
            words.append(sym)
            freq.append(c)

    pair_count: Counter = Counter()
    where: dict[tuple[str, str], set[int]] = defaultdict(set)
    for i, sym in enumerate(words):
        for a, b in zip(sym, sym[1:]):
            pair_count[(a, b)] += freq[i]
            where[(a, b)].add(i)
    heap = [(-c, p) for p, c in pair_count.items()]
    heapq.heapify(heap)

    while len(vocab) < vocab_size and heap:
        neg, pair = heapq.heappop(heap)
        if pair_count.get(pair, 0) != -neg or -neg <= 0:
            continue  # stale entry
        a, b = pair
        new = _merge_name(a, b)
        changed: Counter = Counter()
        for i in sorted(where.pop(pair, ())):
            sym = words[i]
            for x, y in zip(sym, sym[1:]):
                changed[(x, y)] -= freq[i]
            out, j = [], 0
            while j < len(sym):
                if j + 1 < len(sym) and sym[j] == a and sym[j + 1] == b:
                    out.append(new)
                    j += 2
                else:
                    out.append(sym[j])
                    j += 1
            words[i] = out
            for x, y in zip(out, out[1:]):
                changed[(x, y)] += freq[i]
                where[(x, y)].add(i)
        for p, d in changed.items():
            if d:
                pair_count[p] += d
                if pair_count[p] > 0:
                    heapq.heappush(heap, (-pair_count[p], p))
                else:
                    del pair_count[p]
        pair_count.pop(pair, None)
        if new not in known:
            known.add(new)
            vocab.append(new)
    return vocab


def cased_vocab(texts: list[str], vocab_size: int) -> list[str]:
    """The cased vocabulary of `texts` (pre-tokenized as the cased tokenizer does)."""
    probe = data.WordPieceTokenizer(list(data.SPECIAL_TOKENS), **CASED)
    return train_wordpiece(word_counts(texts, probe), vocab_size)


def cased_tokenizer(vocab: list[str]) -> "data.WordPieceTokenizer":
    return data.WordPieceTokenizer(vocab, **CASED)
