// Shared fixture access for the unit tests (not a test file itself).
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import { Labeler } from '../../src/core/labeler';
import { TextTokenizer } from '../../src/core/tokenize';

/** test/fixtures, from out/test/unit (compiled) or test/unit (source). */
const ABOVE = path.resolve(__dirname, '..', '..');
export const REPO = path.basename(ABOVE) === 'out' ? path.dirname(ABOVE) : ABOVE;
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

/** The records of a JSON Lines text (a CLI's --format jsonl output, a batch output). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const jsonLines = <T = any>(text: string): T[] =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as T);

/** The shipped model, opened with the compiled engine worker; a refusal fails the test with its problems. */
export async function openShippedModel(): Promise<Labeler> {
  const opened = await Labeler.open(path.join(REPO, 'models/default'), { workerPath: path.join(REPO, 'out/src/core/engine_worker.js') });
  assert.ok(opened.ok, opened.ok ? '' : opened.problems.join('\n'));
  return opened.value;
}

export function readFixtureJson<T = unknown>(...parts: string[]): T {
  return JSON.parse(readFileSync(path.join(FIXTURES, ...parts), 'utf8')) as T;
}

let tokenizerJson: object | undefined;
/** The bert-base-uncased tokenizer.json written by training/bundle.py (write_tokenizer_files). */
export function tokenizerJsonFixture(): object {
  return (tokenizerJson ??= readFixtureJson<object>('tokenizer', 'tokenizer.json'));
}

/** Brown's word pattern, its tokens whole (training/ud_words.py BROWN_WORD_PATTERN: the bundles trained before the UD conventions). */
export const WORD_PATTERN: string = readFixtureJson<{ word_pattern: string }>('word_pattern.json').word_pattern;

/** The vocabulary as piece -> id, read straight from the JSON (independently of the library). */
export function vocabFixture(): Record<string, number> {
  return (tokenizerJsonFixture() as { model: { vocab: Record<string, number> } }).model.vocab;
}

let withPattern: TextTokenizer | undefined;
let bertWords: TextTokenizer | undefined;
/** A tokenizer with the default model's word pattern. */
export function patternTokenizer(): TextTokenizer {
  return (withPattern ??= new TextTokenizer(tokenizerJsonFixture(), { wordPattern: WORD_PATTERN }));
}
/** A tokenizer with BERT's own pre-tokenization words (no word pattern). */
export function bertTokenizer(): TextTokenizer {
  return (bertWords ??= new TextTokenizer(tokenizerJsonFixture()));
}
