// Cross-check against the training code's tokenizer: test/fixtures/tokenizer_golden.json holds the
// ids that training/data.py `WordPieceTokenizer.encode` (what the model was trained with) gives for
// ~40 texts; it is written by test/fixtures/make_tokenizer_golden.py. The extension's
// TextTokenizer with the default model's word pattern must give the same ids (its words' pieces,
// concatenated).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { patternTokenizer, readFixtureJson } from './fixtures';
import { tokenizeWords } from '../oracles/tokenize';

interface Golden {
  text: string;
  ids: number[];
}

const golden = readFixtureJson<Golden[]>('tokenizer_golden.json');

describe('TextTokenizer agrees with the Python training tokenizer', () => {
  it('the golden file is the expected one (known bert-base-uncased ids, enough texts)', () => {
    assert.ok(golden.length >= 35, `only ${golden.length} golden texts`);
    const byText = new Map(golden.map((g) => [g.text, g.ids]));
    assert.deepEqual(byText.get('The cat sat on the mat.'), [1996, 4937, 2938, 2006, 1996, 13523, 1012]);
    assert.deepEqual(byText.get('unaffable'), [14477, 20961, 3468]);
    assert.deepEqual(byText.get(''), []);
    // the tricky cases are in it
    for (const probe of [
      '[MASK]',
      '\u0301',
      '\u200d',
      '\u{1f468}',
      '\u0130',
      '\u00df',
      '\ufb01',
      '\r\n',
      '\t',
      '\u03a3',
      '\u{20000}',
      '\u0007',
    ]) {
      assert.ok(
        golden.some((g) => g.text.includes(probe)),
        `no golden text contains ${JSON.stringify(probe)}`,
      );
    }
    assert.ok(
      golden.some((g) => /\S{101}/u.test(g.text)),
      'no golden word over 100 characters',
    );
  });

  for (const { text, ids } of golden) {
    it(`same ids for ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`, () => {
      const got = tokenizeWords(patternTokenizer(), text).flatMap((w) => w.pieces.map((p) => p.id));
      assert.deepEqual(got, ids);
    });
  }
});
