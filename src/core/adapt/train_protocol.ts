// Messages between the editor's Learn from Corrections and the training worker thread
// (train_worker.ts): the base head and the examples in, the retrained head and its check out.
// Typed arrays travel as they are (structured clone), the examples' buffers transferred.
import type { HeadExamples, TokenHead } from './head';
import type { Learned, LearnOptions } from './learn';

export interface TrainRequest {
  readonly base: TokenHead;
  readonly examples: HeadExamples;
  readonly options: LearnOptions;
}

export type TrainResponse = { readonly ok: true; readonly learned: Learned } | { readonly ok: false; readonly message: string };
