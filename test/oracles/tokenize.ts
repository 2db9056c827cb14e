// Reference tokenization for tests: one object per word and piece, built from the tokenizer's
// public parts (`wordSpans`, `wordPieces`, `CompactTokensBuilder`) in one synchronous pass. The
// product tokenizes through the labeler's paused loop into flat arrays; tests compare against
// these simple forms, which are easy to read and assert on.
import { CompactTokensBuilder, type CompactTokens, type TextTokenizer } from '../../src/core/tokenize';

export interface Piece {
  readonly id: number;
  readonly text: string;
  /** UTF-16 offsets into the document. */
  readonly start: number;
  readonly end: number;
}

export interface TokenizedWord {
  readonly start: number;
  readonly end: number;
  readonly pieces: readonly Piece[];
}

/** Words of text[from, to) with their pieces; offsets are into text. */
export function tokenizeWords(tok: TextTokenizer, text: string, from = 0, to = text.length): TokenizedWord[] {
  const words: TokenizedWord[] = [];
  for (const [start, end] of tok.wordSpans(text, from, to)) {
    const rel = tok.wordPieces(text.slice(start, end));
    words.push({
      start,
      end,
      pieces: rel.map((p) => ({ id: p.id, text: p.text, start: start + p.start, end: start + p.end })),
    });
  }
  return words;
}

/** Words of text[from, to) as flat arrays (see `CompactTokens`); offsets are into text. */
export function tokenizeCompact(tok: TextTokenizer, text: string, maxPerWord = Infinity, from = 0, to = text.length): CompactTokens {
  const b = new CompactTokensBuilder(tok.unkId, maxPerWord);
  for (const [start, end] of tok.wordSpans(text, from, to)) b.add(start, end, tok.wordPieces(text.slice(start, end)));
  return b.finish();
}
