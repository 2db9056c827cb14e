// Postprocess for one window's token logits: each piece's softmax, argmax and score, then the
// word's vector for the aggregation strategy and its top labels, written into the rows of a
// segment's WordTable (typed arrays, no object per piece or word). Also the empty table a
// segment's labels are written into.
import { aggregateInto, softmaxInto, topKInto, type AggregationStrategy } from './aggregate';
import type { OutputTensor } from './engine_protocol';
import type { CompactTokens } from './tokenize';
import type { Window } from './windows';
import { allocateTable, type WordTable } from './word_table';

/**
 * A table for a text's tokens, offsets and pieces filled in, labels to come: one row per word,
 * or per piece with the `simple` strategy (each piece its own unit, as in the pipeline).
 */
export function emptyTable(
  text: string,
  labels: readonly string[],
  tokens: CompactTokens,
  strategy: AggregationStrategy,
  k: number,
): WordTable {
  const pieces = tokens.pieceId.length;
  if (strategy === 'simple') {
    const t = allocateTable(text, labels, pieces, pieces, k, tokens.pieceText);
    t.start.set(tokens.pieceStart);
    t.end.set(tokens.pieceEnd);
    for (let p = 0; p <= pieces; p++) t.pieceFirst[p] = p;
    t.pieceStart.set(tokens.pieceStart);
    t.pieceEnd.set(tokens.pieceEnd);
    return t;
  }
  const t = allocateTable(text, labels, tokens.words, pieces, k, tokens.pieceText);
  t.start.set(tokens.wordStart);
  t.end.set(tokens.wordEnd);
  t.pieceFirst.set(tokens.pieceFirst);
  t.pieceStart.set(tokens.pieceStart);
  t.pieceEnd.set(tokens.pieceEnd);
  return t;
}

/**
 * Labels the rows of the words window `wi` owns from its token logits (batch row `row`):
 * each piece's softmax, argmax and score, then the word's vector for the strategy and its top
 * labels. `scratch` holds a word's pieces' probabilities, `word` its aggregated vector.
 */
export function fillRows(
  t: WordTable,
  tokens: CompactTokens,
  owner: Int32Array,
  w: Window,
  wi: number,
  logits: OutputTensor,
  row: number,
  seqLen: number,
  strategy: AggregationStrategy,
  scratch: Float32Array,
  word: Float32Array,
): void {
  const n = logits.dims[2];
  const k = Math.min(t.stride, n);
  let pos = 1; // after [CLS]
  for (let i = w.firstWord; i < w.endWord; i++) {
    const first = tokens.pieceFirst[i];
    const count = tokens.pieceFirst[i + 1] - first;
    if (owner[i] === wi) {
      for (let p = 0; p < count; p++) {
        const best = softmaxInto(logits.data, (row * seqLen + pos + p) * n, n, scratch, p * n);
        t.pieceLabel[first + p] = best;
        t.pieceScore[first + p] = scratch[p * n + best];
        if (strategy === 'simple') {
          topKInto(scratch, p * n, n, k, t.top, t.topScore, (first + p) * t.stride);
          t.window[first + p] = wi;
        }
      }
      if (strategy !== 'simple') {
        aggregateInto(scratch, count, n, strategy, word);
        topKInto(word, 0, n, k, t.top, t.topScore, i * t.stride);
        t.window[i] = wi;
      }
    }
    pos += count;
  }
}
