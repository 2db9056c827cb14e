// Learning from corrections at labeling time: the adapted head's logits from the model's
// `token_features`, and the memory of corrected words blended into a window's rows.
//
// Both work on one window's outputs, after the model ran and in the labeler's postprocess, so
// that the rest of the pipeline (softmax, aggregation, top labels, spans, the display) is the
// one path every label takes. The head gives logits for every piece, which then go through
// `fillRows` exactly as the model's would. The memory is consulted only for words whose form
// it holds (a map lookup per word); a matched word's vector is made again from its pieces'
// logits and blended with the remembered label: p = (1 - weight)·p_model + weight·onehot, so the
// remembered label wins whenever weight >= 0.5 and its score says how much the model agreed.
// The model's own labels for a blended word are kept in its reason: what is drawn is the label
// in force, what the user's labels are compared with is the model's (core/adapt/opinion.ts).
import { aggregateInto, softmaxInto, topKInto, type AggregationStrategy, type LabelScore } from '../aggregate';
import type { OutputTensor } from '../engine_protocol';
import type { CompactTokens } from '../tokenize';
import type { Window } from '../windows';
import type { WordTable } from '../word_table';
import { headLogits, type TokenHead } from './head';
import { wordForm, type CorrectionMemory } from './memory';

/** Token logits [batch, sequence, labels] computed by `head` from features [batch, sequence, dim]. */
export function headTensor(head: TokenHead, features: OutputTensor): OutputTensor {
  const [batch, seq, dim] = features.dims;
  if (dim !== head.dim) throw new Error(`the model gives ${dim} features per piece; the adapted head reads ${head.dim}`);
  const n = head.labels.length;
  const data = new Float32Array(batch * seq * n);
  const one = new Float32Array(n);
  for (let r = 0; r < batch * seq; r++) {
    headLogits(head, features.data, r * dim, one);
    data.set(one, r * n);
  }
  return { dims: [batch, seq, n], data };
}

export interface MemoryBlend {
  readonly memory: CorrectionMemory;
  /** Weight of the remembered label in the blend (0..1). */
  readonly weight: number;
  /** Index of each label in the table's labels. */
  readonly labelIndex: ReadonlyMap<string, number>;
}

/**
 * Rows of window `wi` (batch row `row`) whose word form the memory holds and whose features
 * are near a remembered example get the blend of the model's vector and the remembered label,
 * and a reason (the example's source). `scratch` and `word` are fillRows's buffers.
 */
export function applyMemory(
  t: WordTable,
  tokens: CompactTokens,
  owner: Int32Array,
  w: Window,
  wi: number,
  logits: OutputTensor,
  features: OutputTensor,
  row: number,
  seqLen: number,
  strategy: AggregationStrategy,
  blend: MemoryBlend,
  scratch: Float32Array,
  word: Float32Array,
): void {
  const n = logits.dims[2];
  const dim = features.dims[2];
  const k = Math.min(t.stride, n);
  const { memory } = blend;
  const decide = (unit: number, text: string, pos: number, count: number): void => {
    const form = wordForm(text);
    if (!memory.hasForm(form)) return;
    const match = memory.nearest(features.data, (row * seqLen + pos) * dim, form);
    const li = match && blend.labelIndex.get(match.label);
    if (!match || li === undefined) return;
    for (let p = 0; p < count; p++) softmaxInto(logits.data, (row * seqLen + pos + p) * n, n, scratch, p * n);
    if (strategy === 'simple' || count === 1) word.set(scratch.subarray(0, n));
    else aggregateInto(scratch, count, n, strategy, word);
    // the model's own labels (fillRows wrote them to the row): kept, since comparisons read them
    const model: LabelScore[] = [];
    for (let j = 0; j < t.k; j++) {
      const at = unit * t.stride + j;
      model.push({ label: t.labels[t.top[at]] ?? String(t.top[at]), score: t.topScore[at] });
    }
    for (let l = 0; l < n; l++) word[l] = (1 - blend.weight) * word[l] + (l === li ? blend.weight : 0);
    topKInto(word, 0, n, k, t.top, t.topScore, unit * t.stride);
    (t.reasons ??= new Map()).set(unit, { label: match.label, similarity: match.similarity, source: match.source, model });
  };
  let pos = 1; // after [CLS]
  for (let i = w.firstWord; i < w.endWord; i++) {
    const first = tokens.pieceFirst[i];
    const count = tokens.pieceFirst[i + 1] - first;
    if (owner[i] === wi) {
      if (strategy === 'simple') {
        for (let p = 0; p < count; p++) decide(first + p, t.text.slice(t.start[first + p], t.end[first + p]), pos + p, 1);
      } else {
        decide(i, t.text.slice(t.start[i], t.end[i]), pos, count);
      }
    }
    pos += count;
  }
}
