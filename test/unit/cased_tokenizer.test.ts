// The project's cased WordPiece tokenizer (learned by training/vocab.py, written as Hugging Face
// files by training/tokenizer_files.py) gives the extension the ids the training code gives.
// test/fixtures/cased_tokenizer/ is a small one of its kind and cased_tokenizer_golden.json the
// Python ids (make_ud_fixtures.py): `ids` word by word with the UD word pattern (what the model
// is trained on and the extension's TextTokenizer gives), `plain_ids` for the whole text
// (what @huggingface/tokenizers' own encode gives, without special tokens).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Tokenizer } from '@huggingface/tokenizers';
import { TextTokenizer } from '../../src/core/tokenize';
import { readFixtureJson } from './fixtures';
import { tokenizeWords } from '../oracles/tokenize';

interface Golden {
  text: string;
  ids: number[];
  plain_ids: number[];
}

const json = readFixtureJson<{
  model: { vocab: Record<string, number> };
  normalizer: { lowercase: boolean; strip_accents: boolean | null };
}>('cased_tokenizer', 'tokenizer.json');
const golden = readFixtureJson<Golden[]>('cased_tokenizer_golden.json');
const pattern = readFixtureJson<{ ud_word_pattern: string }>('word_pattern.json').ud_word_pattern;
const tok = new TextTokenizer(json, { wordPattern: pattern });
const library = new Tokenizer(json, {});
const vocab = json.model.vocab;

describe('cased tokenizer: the extension and the training code give the same ids', () => {
  it('is cased, strips accents, and keeps capitals apart', () => {
    assert.equal(json.normalizer.lowercase, false);
    assert.equal(json.normalizer.strip_accents, true);
    assert.deepEqual([vocab['[PAD]'], vocab['[UNK]'], vocab['[CLS]'], vocab['[SEP]'], vocab['[MASK]']], [0, 1, 2, 3, 4]);
    const ids = (w: string) => tokenizeWords(tok, w).flatMap((x) => x.pieces.map((p) => p.id));
    assert.notDeepEqual(ids('The'), ids('the'));
    assert.deepEqual(ids('Café'), ids('Cafe'));
  });

  it('the golden file has the tricky texts', () => {
    assert.ok(golden.length >= 45, `only ${golden.length} golden texts`);
    for (const probe of ["n't", "'s", '\u0301', '\u0130', '\u00df', '\u03a3', '[MASK]', '\u{1f468}']) {
      assert.ok(
        golden.some((g) => g.text.includes(probe)),
        `no golden text contains ${JSON.stringify(probe)}`,
      );
    }
  });

  for (const { text, ids } of golden) {
    it(`TextTokenizer ids of ${JSON.stringify(text.length > 50 ? `${text.slice(0, 50)}…` : text)}`, () => {
      assert.deepEqual(
        tokenizeWords(tok, text).flatMap((w) => w.pieces.map((p) => p.id)),
        ids,
      );
    });
  }

  // Left out of the library's own encode: texts with a literal special token (the library makes
  // it the special token; the extension never lets document text be one) and texts with astral
  // CJK ideographs (the library's BertNormalizer does not space them, BERT does: tokenize.ts
  // spaces them itself, and the TextTokenizer checks above include those texts).
  const libraryComparable = (t: string): boolean => !/\[(MASK|CLS|SEP|UNK|PAD)\]/.test(t) && !/[\u{20000}-\u{2FA1F}]/u.test(t);
  for (const { text, plain_ids } of golden.filter((g) => libraryComparable(g.text))) {
    it(`library encode ids of ${JSON.stringify(text.length > 50 ? `${text.slice(0, 50)}…` : text)}`, () => {
      assert.deepEqual(library.encode(text, { add_special_tokens: false }).ids, plain_ids);
    });
  }
});
