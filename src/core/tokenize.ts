// Tokenization with UTF-16 offsets into the document (VS Code positions are UTF-16).
//
// @huggingface/tokenizers gives ids but no offsets, so the pieces are computed from its own
// parts: the normalizer applied one code point at a time (BERT's normalizer is per character:
// cleaning, CJK spacing, lowercasing and accent stripping), its pre-tokenizer, and its WordPiece
// model on each pre-token. The normalized text keeps a map back to the original offsets.
//
// Words (the units that get a label) come from the bundle's `word_pattern` when it has one (the
// default model's: contractions, possessives, hyphenated words and decimals stay whole, as in
// Brown), else from BERT's pre-tokenization (whitespace, and each punctuation mark alone), which
// is what the Hugging Face pipeline uses. Document text is always plain text: a literal
// `[MASK]` or `[SEP]` in the document is tokenized as the characters it is made of, never as
// the special token.
import { Tokenizer } from '@huggingface/tokenizers';
import type { TokenVocab } from './tokenizer_file';
import { Pause } from './turns';

/**
 * A text's words and their pieces as flat typed arrays: a handful of objects whatever the
 * text's length (a long document tokenized into one object per word and piece keeps the
 * garbage collector busy on the extension host's thread). Each word has at least one piece
 * (`[UNK]` over the whole word when it has none) and at most `maxPerWord`.
 */
export interface CompactTokens {
  readonly words: number;
  readonly wordStart: Int32Array;
  readonly wordEnd: Int32Array;
  /** Pieces of word i are [pieceFirst[i], pieceFirst[i + 1]). */
  readonly pieceFirst: Int32Array;
  readonly pieceId: Int32Array;
  readonly pieceStart: Int32Array;
  readonly pieceEnd: Int32Array;
  readonly pieceText: readonly string[];
}

/**
 * Builds `CompactTokens` one word at a time (the caller may yield to the event loop between),
 * straight into typed arrays that double when full: a segment's words cost no object each.
 * `finish` copies them into views of one buffer at their lengths, and `reset` starts the next
 * text in the same arrays (a document's thousands of segments would otherwise allocate a dozen
 * typed arrays each).
 */
export class CompactTokensBuilder {
  private wordStart: Int32Array;
  private wordEnd: Int32Array;
  private pieceFirst: Int32Array;
  private pieceId: Int32Array;
  private pieceStart: Int32Array;
  private pieceEnd: Int32Array;
  private pieceText: string[] = [];
  private wordCount = 0;
  private pieceCount = 0;

  constructor(
    private readonly unkId: number,
    private readonly maxPerWord: number,
  ) {
    const n = 64; // words; the arrays double when full
    this.wordStart = new Int32Array(n);
    this.wordEnd = new Int32Array(n);
    this.pieceFirst = new Int32Array(n + 1);
    this.pieceId = new Int32Array(n);
    this.pieceStart = new Int32Array(n);
    this.pieceEnd = new Int32Array(n);
  }

  /** A word at [start, end) of the text with its pieces (offsets relative to the word). */
  add(start: number, end: number, pieces: readonly RelativePiece[]): void {
    const w = this.wordCount;
    if (w === this.wordStart.length) {
      this.wordStart = grown(this.wordStart, w * 2);
      this.wordEnd = grown(this.wordEnd, w * 2);
      this.pieceFirst = grown(this.pieceFirst, w * 2 + 1);
    }
    this.wordStart[w] = start;
    this.wordEnd[w] = end;
    const kept = Math.min(pieces.length, this.maxPerWord);
    const count = kept || 1; // a word without pieces is one [UNK]
    let p = this.pieceCount;
    if (p + count > this.pieceId.length) {
      const n = Math.max(this.pieceId.length * 2, p + count);
      this.pieceId = grown(this.pieceId, n);
      this.pieceStart = grown(this.pieceStart, n);
      this.pieceEnd = grown(this.pieceEnd, n);
    }
    if (pieces.length === 0) {
      this.pieceId[p] = this.unkId;
      this.pieceStart[p] = start;
      this.pieceEnd[p] = end;
      this.pieceText.push('[UNK]');
      p++;
    }
    for (let k = 0; k < kept; k++, p++) {
      const piece = pieces[k];
      this.pieceId[p] = piece.id;
      this.pieceStart[p] = start + piece.start;
      this.pieceEnd[p] = start + piece.end;
      this.pieceText.push(piece.text);
    }
    this.pieceCount = p;
    this.wordCount = w + 1;
    this.pieceFirst[w + 1] = p;
  }

  get words(): number {
    return this.wordCount;
  }

  finish(): CompactTokens {
    const w = this.wordCount;
    const p = this.pieceCount;
    const buffer = new ArrayBuffer(4 * (3 * w + 1 + 3 * p));
    let at = 0;
    const copy = (from: Int32Array, n: number): Int32Array => {
      const a = new Int32Array(buffer, at, n);
      a.set(from.subarray(0, n));
      at += 4 * n;
      return a;
    };
    return {
      words: w,
      wordStart: copy(this.wordStart, w),
      wordEnd: copy(this.wordEnd, w),
      pieceFirst: copy(this.pieceFirst, w + 1),
      pieceId: copy(this.pieceId, p),
      pieceStart: copy(this.pieceStart, p),
      pieceEnd: copy(this.pieceEnd, p),
      pieceText: this.pieceText,
    };
  }

  /** Empties the builder for the next text (what `finish` returned stays as it was). */
  reset(): void {
    this.wordCount = 0;
    this.pieceCount = 0;
    this.pieceText = [];
  }
}

/** `a`'s values in a new array of length `n` (n >= a.length). */
function grown(a: Int32Array, n: number): Int32Array {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

export interface RelativePiece {
  readonly id: number;
  readonly text: string;
  /** UTF-16 offsets relative to the word. */
  readonly start: number;
  readonly end: number;
}

export interface TokenizerOptions {
  /** A Unicode regular expression (flags `gu`) whose matches are the words. */
  wordPattern?: string;
  /** Cache size for per-word tokenization (words repeat: Zipf). */
  cacheSize?: number;
  /**
   * Whether a long run of letters and digits is known to be one `[UNK]` without normalizing it
   * character by character (default true; tests turn it off to compare both ways).
   */
  longWordShortcut?: boolean;
}

const LETTERS_DIGITS_MARKS = /^[\p{L}\p{N}\p{M}]+$/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/**
 * Whether `word` has more than `max` letters and digits (code points), counting no further
 * than needed.
 */
function moreLettersThan(word: string, max: number): boolean {
  let n = 0;
  for (const ch of word) {
    if (LETTER_OR_DIGIT.test(ch) && ++n > max) return true;
  }
  return false;
}

const BERT_PUNCT = /[\p{P}!-/:-@[-`{-~]/u;
const CJK =
  /[\u4E00-\u9FFF\u3400-\u4DBF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\uF900-\uFAFF\u{2F800}-\u{2FA1F}]/u;
const CJK_ANY = new RegExp(CJK.source, 'u');
// Unicode's Final_Sigma context (a capital sigma after a cased letter and not before one lowers
// to `ς`): the default model's training tokenizer lowercases whole pattern words (Python's
// str.lower), so words from a word pattern do too; BERT words lowercase per character, as
// Hugging Face's tokenizers do.
const FINAL_SIGMA = /(?<=\p{Cased}\p{Case_Ignorable}*)\u03A3(?!\p{Case_Ignorable}*\p{Cased})/uy;
// BERT's pre-tokenization words on original text: runs of non-space, non-punctuation characters;
// each punctuation mark or CJK ideograph alone. Control and format characters are dropped.
const BERT_WORDS_SOURCE = `${BERT_PUNCT.source}|${CJK.source}|(?:(?!${BERT_PUNCT.source}|${CJK.source})[^\\s\\p{Z}\\p{Cc}\\p{Cf}])+`;

/** Whether offset i is between the two halves of a surrogate pair. */
function splitsPair(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return false;
  const hi = text.charCodeAt(i - 1);
  const lo = text.charCodeAt(i);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}

/**
 * The words of text[from, to), one per `next()`, the current one at [start, end). The pattern is
 * tried, sticky, at the next few positions in turn (a code point at a time), which finds the
 * word after a separator of a character or two without the match array `exec` makes for each
 * word (for a long document, most of the garbage tokenizing leaves); past a longer gap (the
 * spaces a prose mask leaves, indentation) one global search jumps to the next word. Both find
 * the first position where the pattern matches: the words of a global search. Cursors share
 * the tokenizer's two RegExps, lastIndex set before each use, so that several can be suspended at
 * once (the caller awaits between words); a new RegExp per call would be compiled again whenever
 * V8 drops it from its cache, a long stall for a Unicode pattern.
 */
export class WordCursor {
  start = 0;
  end = 0;
  private pos: number;
  private readonly to: number;

  constructor(
    private readonly patterns: WordPatterns,
    private readonly text: string,
    from: number,
    to: number,
  ) {
    // A range never keeps half a character: a unicode regex would start a match at the pair.
    this.pos = splitsPair(text, from) ? from + 1 : from;
    this.to = splitsPair(text, to) ? to - 1 : to;
  }

  /** Moves to the next word; false when there is none. */
  next(): boolean {
    const { text, to } = this;
    const { sticky, global } = this.patterns;
    let pos = this.pos;
    for (let tries = 0; pos < to; tries++) {
      let end = -1;
      if (tries < STICKY_TRIES) {
        sticky.lastIndex = pos;
        if (sticky.test(text)) end = sticky.lastIndex;
      } else {
        global.lastIndex = pos;
        const m = global.exec(text);
        if (m === null || m.index >= to) break;
        pos = m.index;
        end = m.index + m[0].length;
      }
      if (end > pos) {
        this.start = pos;
        this.end = Math.min(end, to);
        this.pos = end;
        return true;
      }
      // no word here, or an empty match: step a whole code point (one unit into a pair would match there again)
      pos += (text.codePointAt(pos) ?? 0) > 0xffff ? 2 : 1;
    }
    this.pos = to;
    return false;
  }
}

/** Positions tried one by one before a global search (words are mostly a space or two apart). */
const STICKY_TRIES = 3;

/** A word pattern compiled both ways `WordCursor` uses it. */
interface WordPatterns {
  readonly sticky: RegExp;
  readonly global: RegExp;
}

export class TextTokenizer {
  readonly tokenizer: Tokenizer;
  private readonly wordRegex: WordPatterns;
  private readonly normCache = new Map<number, string>();
  private readonly wordCache = new Map<string, RelativePiece[]>();
  private readonly cacheSize: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  private readonly spaceAstralCjk: boolean;
  private readonly finalSigma: boolean;
  /** WordPiece's longest pre-token, when a long letter run is known to be one [UNK] (see wordPieces). */
  private readonly longWordChars: number | undefined;

  /**
   * A tokenizer from a whole tokenizer.json, built in one synchronous step (the library turns
   * the whole vocabulary into a Map at once: a long stall for BERT's). `built`: the library's
   * tokenizer, already made from it (see `load`).
   */
  constructor(tokenizerJson: object, options: TokenizerOptions = {}, built?: Tokenizer) {
    this.tokenizer = built ?? new Tokenizer(tokenizerJson, {});
    const source = options.wordPattern ?? BERT_WORDS_SOURCE;
    this.wordRegex = { sticky: new RegExp(source, 'uy'), global: new RegExp(source, 'gu') };
    this.finalSigma = !!options.wordPattern;
    this.cacheSize = options.cacheSize ?? 50_000;
    // BERT's normalizer keeps every letter and digit (lowercased, accents stripped: at least one
    // character each) and spaces only CJK ideographs; BERT's pre-tokenizer splits only at spaces
    // and punctuation; WordPiece makes a pre-token of more than max_input_chars_per_word
    // characters one [UNK]. So a word of letters, digits and marks, without ideographs, with
    // more letters and digits than that, is one [UNK] over the whole word: known without
    // normalizing a base64 blob of a million characters one character at a time.
    const json = tokenizerJson as {
      model?: { type?: string; max_input_chars_per_word?: number };
      normalizer?: { type?: string } | null;
      pre_tokenizer?: { type?: string } | null;
    };
    const bertParts =
      json.model?.type === 'WordPiece' &&
      (!json.normalizer || json.normalizer.type === 'BertNormalizer') &&
      (!json.pre_tokenizer || json.pre_tokenizer.type === 'BertPreTokenizer');
    this.longWordChars = bertParts && options.longWordShortcut !== false ? (json.model?.max_input_chars_per_word ?? 100) : undefined;
    const id = (t: string): number => {
      const v = this.tokenizer.model?.tokens_to_ids.get(t);
      if (v === undefined) throw new Error(`the tokenizer has no ${t} token`);
      return v;
    };
    this.clsId = id('[CLS]');
    this.sepId = id('[SEP]');
    this.padId = id('[PAD]');
    this.unkId = id('[UNK]');
    // The library's BertNormalizer spaces CJK ideographs by UTF-16 unit, missing the astral ones
    // (Extension B and later) that BERT and the training tokenizer space too.
    const n = this.tokenizer.normalizer;
    this.spaceAstralCjk = !!n && n.normalize('\u4E00').trim() !== n.normalize('\u4E00');
  }

  /**
   * A tokenizer from a tokenizer.json whose vocabulary was split out (`loadBundle`), without
   * a long stall: the library's tokenizer is made with an empty vocabulary and its map filled
   * here a slice at a time, as its constructor would have (the added tokens it sets win over
   * the vocabulary's). Without `vocab`, the same as the constructor.
   */
  static async load(tokenizerJson: object, vocab: TokenVocab | undefined, options: TokenizerOptions = {}): Promise<TextTokenizer> {
    if (!vocab) return new TextTokenizer(tokenizerJson, options);
    const built = new Tokenizer(tokenizerJson, {});
    const model = built.model as unknown as {
      tokens_to_ids?: Map<string, number>;
      vocab?: string[];
      unk_token?: string;
      unk_token_id?: number;
    };
    if (!(model.tokens_to_ids instanceof Map) || !Array.isArray(model.vocab)) {
      throw new Error('this tokenizer model keeps its vocabulary in a way this extension does not know');
    }
    const pause = new Pause();
    for (let i = 0; i < vocab.tokens.length; i++) {
      const token = vocab.tokens[i];
      const id = vocab.ids[i];
      if (!model.tokens_to_ids.has(token)) model.tokens_to_ids.set(token, id);
      if (model.vocab[id] === undefined) model.vocab[id] = token;
      if ((i & 1023) === 0) await pause.maybe();
    }
    if (model.unk_token !== undefined) model.unk_token_id = model.tokens_to_ids.get(model.unk_token);
    return new TextTokenizer(tokenizerJson, options, built);
  }

  /** Word spans [start, end) of text[from, to), as UTF-16 offsets into text. */
  *wordSpans(text: string, from = 0, to = text.length): Generator<[number, number]> {
    const words = this.words(text, from, to);
    while (words.next()) yield [words.start, words.end];
  }

  /** The words of text[from, to) one at a time, through one cursor (the hot paths' `wordSpans`). */
  words(text: string, from = 0, to = text.length): WordCursor {
    return new WordCursor(this.wordRegex, text, from, to);
  }

  /**
   * Number of pieces of a text (each word counted as at least 1 and at most `maxPerWord`);
   * counting stops once it is over `limit` (a caller that only compares against a budget need
   * not tokenize a whole long text).
   */
  countPieces(text: string, maxPerWord = Infinity, limit = Infinity): number {
    let n = 0;
    const words = this.words(text);
    while (words.next()) {
      n += Math.min(Math.max(this.wordPieces(text.slice(words.start, words.end)).length, 1), maxPerWord);
      if (n > limit) break;
    }
    return n;
  }

  /** Pieces of one word with offsets relative to it (cached). */
  wordPieces(word: string): RelativePiece[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    const pieces = this.computeWordPieces(word);
    if (this.wordCache.size >= this.cacheSize) this.wordCache.clear();
    this.wordCache.set(word, pieces);
    return pieces;
  }

  private normalizeCodePoint(cp: number, ch: string): string {
    const cached = this.normCache.get(cp);
    if (cached !== undefined) return cached;
    let n = this.tokenizer.normalizer ? this.tokenizer.normalizer.normalize(ch) : ch;
    if (cp > 0xffff && this.spaceAstralCjk && n.length > 0 && n.trim() === n && CJK.test(ch)) n = ` ${n} `;
    this.normCache.set(cp, n);
    return n;
  }

  private computeWordPieces(word: string): RelativePiece[] {
    const max = this.longWordChars;
    if (max !== undefined && word.length > max && LETTERS_DIGITS_MARKS.test(word) && !CJK_ANY.test(word) && moreLettersThan(word, max)) {
      return [{ id: this.unkId, text: this.tokenizer.model!.unk_token ?? '[UNK]', start: 0, end: word.length }];
    }
    // Normalize per code point, remembering each normalized unit's original span.
    let norm = '';
    const origStart: number[] = [];
    const origEnd: number[] = [];
    for (let i = 0; i < word.length; ) {
      const cp = word.codePointAt(i)!;
      const len = cp > 0xffff ? 2 : 1;
      let n = this.normalizeCodePoint(cp, word.slice(i, i + len));
      if (cp === 0x3a3 && n === '\u03C3' && this.finalSigma) {
        FINAL_SIGMA.lastIndex = i;
        if (FINAL_SIGMA.test(word)) n = '\u03C2';
      }
      // Characters the normalizer removes (accents, controls) join the unit before them, or the
      // first unit when none is before, as in Hugging Face's alignments.
      if (n.length === 0 && origEnd.length > 0) origEnd[origEnd.length - 1] = i + len;
      for (let k = 0; k < n.length; k++) {
        origStart.push(origStart.length === 0 ? 0 : i);
        origEnd.push(i + len);
      }
      norm += n;
      i += len;
    }
    const model = this.tokenizer.model!;
    const preTokens = this.tokenizer.pre_tokenizer
      ? this.tokenizer.pre_tokenizer.pre_tokenize_text(norm)
      : norm.split(/\s+/u).filter((s) => s.length > 0);
    const out: RelativePiece[] = [];
    let cursor = 0;
    for (const pre of preTokens) {
      const at = norm.indexOf(pre, cursor);
      if (at < 0) continue; // a pre-tokenizer that rewrites text: cannot be mapped back
      cursor = at + pre.length;
      let pos = at;
      const pieces = model.encode([pre]);
      for (const text of pieces) {
        const id = model.tokens_to_ids.get(text) ?? this.unkId;
        let len: number;
        if (id === this.unkId && text === model.unk_token) len = at + pre.length - pos;
        else len = text.startsWith('##') && pos > at ? text.length - 2 : text.length;
        len = Math.max(0, Math.min(len, at + pre.length - pos));
        const s = pos;
        const e = pos + len;
        out.push({ id, text, start: origStart[s] ?? word.length, end: e > s ? origEnd[e - 1] : (origStart[s] ?? word.length) });
        pos = e;
      }
    }
    return out;
  }
}
