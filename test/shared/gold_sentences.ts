// The held-out Brown test sentences with gold UPOS that the training code writes
// (test/fixtures/brown-test-sentences.jsonl): the unit tests, the host tests and the learning
// tests read them through here, as one type.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './repo';

export interface GoldSentence {
  text: string;
  /** Each word's [start, end) in `text` (UTF-16 offsets). */
  words: Array<[number, number]>;
  upos: string[];
}

/** The sentences, in the file's order. */
export function goldSentences(): GoldSentence[] {
  return readFileSync(path.join(repoRoot(), 'test/fixtures/brown-test-sentences.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as GoldSentence);
}
