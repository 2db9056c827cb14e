// TextTokenizer: ids of known bert-base-uncased words, piece offsets (UTF-16) that map back to
// the document text on hard Unicode input, and both word modes (the default model's word
// pattern, and BERT's own pre-tokenization words).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TextTokenizer } from '../../src/core/tokenize';
import { tokenizeWords, type TokenizedWord } from '../oracles/tokenize';
import { bertTokenizer, patternTokenizer, tokenizerJsonFixture, vocabFixture, WORD_PATTERN } from './fixtures';

type View = Array<[string, Array<[string, string]>]>;

/** Each word's text with its pieces as [piece text, the document text the piece covers]. */
function view(text: string, words: readonly TokenizedWord[]): View {
  return words.map((w) => [text.slice(w.start, w.end), w.pieces.map((p) => [p.text, text.slice(p.start, p.end)])]);
}

function ids(words: readonly TokenizedWord[]): number[] {
  return words.flatMap((w) => w.pieces.map((p) => p.id));
}

/** Pieces are contiguous and cover their word exactly. */
function assertTiles(text: string, w: TokenizedWord): void {
  const label = JSON.stringify(text.slice(w.start, w.end));
  assert.ok(w.pieces.length > 0, `${label} has no pieces`);
  assert.equal(w.pieces[0].start, w.start, `${label}: first piece starts at the word`);
  assert.equal(w.pieces[w.pieces.length - 1].end, w.end, `${label}: last piece ends at the word's end`);
  for (let k = 1; k < w.pieces.length; k++)
    assert.equal(w.pieces[k].start, w.pieces[k - 1].end, `${label}: piece ${k} follows piece ${k - 1}`);
}

/** The normalized word the pieces spell (continuation prefixes removed). */
function spelled(w: TokenizedWord): string {
  return w.pieces.map((p) => p.text.replace(/^##/, '')).join('');
}

const V = vocabFixture();
const UNK = V['[UNK]'];

describe('TextTokenizer: special tokens and known bert-base-uncased ids', () => {
  const t = patternTokenizer();

  it('has the bert-base-uncased special token ids', () => {
    assert.equal(t.clsId, 101);
    assert.equal(t.sepId, 102);
    assert.equal(t.padId, 0);
    assert.equal(t.unkId, 100);
    assert.equal(V['[MASK]'], 103);
    assert.equal(V['the'], 1996);
  });

  it('"The cat sat on the mat." -> 1996 4937 2938 2006 1996 13523 1012, one piece per word', () => {
    const text = 'The cat sat on the mat.';
    for (const tok of [t, bertTokenizer()]) {
      const words = tokenizeWords(tok, text);
      assert.deepEqual(ids(words), [1996, 4937, 2938, 2006, 1996, 13523, 1012]);
      assert.deepEqual(view(text, words), [
        ['The', [['the', 'The']]],
        ['cat', [['cat', 'cat']]],
        ['sat', [['sat', 'sat']]],
        ['on', [['on', 'on']]],
        ['the', [['the', 'the']]],
        ['mat', [['mat', 'mat']]],
        ['.', [['.', '.']]],
      ]);
    }
  });

  it('"unaffable" -> una ##ffa ##ble (14477 20961 3468) with offsets 0-3, 3-6, 6-9', () => {
    const words = tokenizeWords(t, 'unaffable');
    assert.deepEqual(ids(words), [14477, 20961, 3468]);
    assert.deepEqual(view('unaffable', words), [
      [
        'unaffable',
        [
          ['una', 'una'],
          ['##ffa', 'ffa'],
          ['##ble', 'ble'],
        ],
      ],
    ]);
    assert.deepEqual(
      words[0].pieces.map((p) => [p.start, p.end]),
      [
        [0, 3],
        [3, 6],
        [6, 9],
      ],
    );
  });

  it('offsets are into the whole text, not the word', () => {
    const text = '  hello   unaffable';
    const words = tokenizeWords(t, text);
    assert.deepEqual(
      words.map((w) => [w.start, w.end]),
      [
        [2, 7],
        [10, 19],
      ],
    );
    assert.deepEqual(
      words[1].pieces.map((p) => [p.start, p.end]),
      [
        [10, 13],
        [13, 16],
        [16, 19],
      ],
    );
  });
});

describe('TextTokenizer: piece offsets map back to the document text', () => {
  for (const [mode, tok] of [
    ['word pattern', patternTokenizer],
    ['BERT words', bertTokenizer],
  ] as const) {
    describe(mode, () => {
      it('empty and whitespace-only text have no words', () => {
        assert.deepEqual(tokenizeWords(tok(), ''), []);
        assert.deepEqual(tokenizeWords(tok(), ' \t\r\n\u00a0\u3000\u2028 '), []);
      });

      it('accents (café, naïve): one piece, accent stripped, covering the accented word', () => {
        const text = 'café naïve';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(view(text, words), [
          ['café', [['cafe', 'café']]],
          ['naïve', [['naive', 'naïve']]],
        ]);
        assert.deepEqual(ids(words), [V['cafe'], V['naive']]);
      });

      it('combining marks (e + U+0301) belong to the piece before them', () => {
        const text = 'cafe\u0301 e\u0301';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(view(text, words), [
          ['cafe\u0301', [['cafe', 'cafe\u0301']]],
          ['e\u0301', [['e', 'e\u0301']]],
        ]);
        // the same ids as the precomposed spelling
        assert.deepEqual(ids(words), ids(tokenizeWords(tok(), 'café é')));
      });

      it('İ lowercases to i (its dot stripped) and covers the one UTF-16 unit of İ', () => {
        const text = 'İstanbul İ';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(view(text, words), [
          ['İstanbul', [['istanbul', 'İstanbul']]],
          ['İ', [['i', 'İ']]],
        ]);
      });

      it('ß stays ß (no case folding to ss); pieces tile the word', () => {
        const text = 'Straße';
        const [w, ...rest] = tokenizeWords(tok(), text);
        assert.equal(rest.length, 0);
        assert.equal(text.slice(w.start, w.end), 'Straße');
        assert.equal(spelled(w), 'straße');
        assertTiles(text, w);
        assert.deepEqual(
          view(text, [w])[0][1]
            .map(([, s]) => s)
            .join(''),
          'Straße',
        );
      });

      it('the ligature ﬁ is kept (no compatibility normalization) and maps to its one unit', () => {
        const text = 'ﬁne';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(view(text, words), [
          [
            'ﬁne',
            [
              ['ﬁ', 'ﬁ'],
              ['##ne', 'ne'],
            ],
          ],
        ]);
        assert.deepEqual(ids(words), [V['ﬁ'], V['##ne']]);
      });

      it('a Hangul syllable (NFD: several jamo) gives pieces that all map to that syllable', () => {
        const text = '한국어';
        const [w] = tokenizeWords(tok(), text);
        assert.equal(spelled(w), text.normalize('NFD'));
        // every piece covers exactly one syllable, the one its jamo came from, in order
        const spans = w.pieces.map((p) => [p.start, p.end]);
        for (const [s, e] of spans) assert.equal(e - s, 1);
        for (let k = 1; k < spans.length; k++) assert.ok(spans[k][0] >= spans[k - 1][0]);
        assert.deepEqual([...new Set(spans.map(([s]) => s))], [0, 1, 2]);
        for (const p of w.pieces) assert.ok(text.slice(p.start, p.end).normalize('NFD').includes(p.text.replace(/^##/, '')));
      });

      it('zero-width space / joiner / non-joiner and BOM separate words and belong to none', () => {
        const text = 'a\u200bb c\u200dd e\u200cf \ufeffg';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(
          view(text, words).map(([w]) => w),
          ['a', 'b', 'c', 'd', 'e', 'f', 'g'],
        );
        for (const w of words) assertTiles(text, w);
      });

      it('control characters separate words and belong to none', () => {
        const text = 'x\u0007y\u0000z\u001bw\u007fv';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(
          view(text, words),
          ['x', 'y', 'z', 'w', 'v'].map((c) => [c, [[c, c]]]),
        );
      });

      it('a literal [MASK] is tokenized as its characters, never as id 103 (nor other special ids)', () => {
        const text = '[MASK] a[MASK]b [CLS] [SEP] [PAD] [UNK] [mask]';
        const words = tokenizeWords(tok(), text);
        const special = new Set([V['[MASK]'], V['[CLS]'], V['[SEP]'], V['[PAD]'], V['[UNK]']]);
        for (const id of ids(words)) assert.ok(!special.has(id), `special id ${id} in ${JSON.stringify(ids(words))}`);
        assert.deepEqual(view('[MASK]', tokenizeWords(tok(), '[MASK]')), [
          ['[', [['[', '[']]],
          ['MASK', [['mask', 'MASK']]],
          [']', [[']', ']']]],
        ]);
        assert.deepEqual(ids(tokenizeWords(tok(), '[MASK]')), [V['['], V['mask'], V[']']]);
      });

      it('a word over 100 characters is one [UNK] covering the whole word', () => {
        for (const word of ['a'.repeat(101), 'x'.repeat(500), '\u{1d400}'.repeat(101)]) {
          const text = `${word} ok`;
          const words = tokenizeWords(tok(), text);
          assert.deepEqual(view(text, words), [
            [word, [['[UNK]', word]]],
            ['ok', [['ok', 'ok']]],
          ]);
          assert.equal(words[0].pieces[0].id, UNK);
        }
        // 100 characters is still split into pieces (the limit is on more than 100)
        const w100 = 'a'.repeat(100);
        const [w] = tokenizeWords(tok(), w100);
        assert.ok(w.pieces.every((p) => p.id !== UNK));
        assert.equal(spelled(w), w100);
        assertTiles(w100, w);
      });

      it('CRLF line ends and tabs are whitespace', () => {
        const text = 'one\r\ntwo\r\n\r\n\tthree\t\tfour\r\n';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(
          words.map((w) => [w.start, w.end]),
          [
            [0, 3],
            [5, 8],
            [13, 18],
            [20, 24],
          ],
        );
        assert.deepEqual(
          view(text, words).map(([w]) => w),
          ['one', 'two', 'three', 'four'],
        );
      });

      it('emoji are [UNK] pieces covering whole surrogate pairs; ZWJ sequences are cut at the joiners', () => {
        const text = '\u{1f600} \u{1f468}\u200d\u{1f469}\u200d\u{1f467} ok';
        const words = tokenizeWords(tok(), text);
        assert.deepEqual(view(text, words), [
          ['\u{1f600}', [['[UNK]', '\u{1f600}']]],
          ['\u{1f468}', [['[UNK]', '\u{1f468}']]],
          ['\u{1f469}', [['[UNK]', '\u{1f469}']]],
          ['\u{1f467}', [['[UNK]', '\u{1f467}']]],
          ['ok', [['ok', 'ok']]],
        ]);
      });

      it('CJK ideographs are one piece each, astral ones (Extension B) included', () => {
        const text = '東京は日本 a\u{20000}b';
        const words = tokenizeWords(tok(), text);
        const pieces = words.flatMap((w) => w.pieces.map((p) => text.slice(p.start, p.end)));
        assert.deepEqual(pieces, ['東', '京', 'は', '日', '本', 'a', '\u{20000}', 'b']);
        assert.deepEqual(
          ids(words),
          ['東', '京', 'は', '日', '本', 'a', '\u{20000}', 'b'].map((c) => V[c] ?? UNK),
        );
        assert.equal(V['\u{20000}'], undefined); // so it is [UNK]
      });
    });
  }

  it('word pattern: Greek capital sigma lowercases to final ς at the end of a word, as Python str.lower does', () => {
    const t = patternTokenizer();
    assert.equal(spelled(tokenizeWords(t, 'ΟΔΟΣ')[0]), 'οδος');
    assert.equal(spelled(tokenizeWords(t, 'ΣΟΦΙΑ')[0]), 'σοφια');
    assert.equal(spelled(tokenizeWords(t, 'Σ')[0]), 'σ'); // no cased letter before it: not final
    assert.equal(spelled(tokenizeWords(t, "ΟΔΟΣ's")[0]), "οδοσ's"); // a cased letter after the apostrophe
  });

  it('BERT words: sigma lowercases per character (σ), as Hugging Face tokenizers do', () => {
    assert.equal(spelled(tokenizeWords(bertTokenizer(), 'ΟΔΟΣ')[0]), 'οδοσ');
  });

  it('word pattern: contractions, possessives, hyphenated words and decimals are one word', () => {
    const text = "don't Atlanta's term-end 3.5 1,000 O\u2019Neill -- ... ''";
    const words = tokenizeWords(patternTokenizer(), text);
    assert.deepEqual(
      view(text, words).map(([w]) => w),
      ["don't", "Atlanta's", 'term-end', '3.5', '1,000', 'O\u2019Neill', '--', '...', "''"],
    );
    // ...and their pieces are BERT's (punctuation split off inside the word)
    assert.deepEqual(view("don't", tokenizeWords(patternTokenizer(), "don't")), [
      [
        "don't",
        [
          ['don', 'don'],
          ["'", "'"],
          ['t', 't'],
        ],
      ],
    ]);
  });

  it('BERT words: every punctuation mark is a word of its own', () => {
    const text = "don't term-end 3.5 --";
    const words = tokenizeWords(bertTokenizer(), text);
    assert.deepEqual(
      view(text, words).map(([w]) => w),
      ['don', "'", 't', 'term', '-', 'end', '3', '.', '5', '-', '-'],
    );
  });

  it('word pattern: emoji with variation selector, skin tone and flags', () => {
    const text = 'I \u2764\ufe0f \u{1f44d}\u{1f3fd} \u{1f1ef}\u{1f1f5}';
    const words = tokenizeWords(patternTokenizer(), text);
    // the pattern (training/data.py) cuts a symbol from a following mark or modifier; a variation
    // selector alone is a word without pieces (the normalizer strips it, as Python's does)
    assert.deepEqual(view(text, words), [
      ['I', [['i', 'I']]],
      ['\u2764', [['[UNK]', '\u2764']]],
      ['\ufe0f', []],
      ['\u{1f44d}', [['[UNK]', '\u{1f44d}']]],
      ['\u{1f3fd}', [['[UNK]', '\u{1f3fd}']]],
      ['\u{1f1ef}', [['[UNK]', '\u{1f1ef}']]],
      ['\u{1f1f5}', [['[UNK]', '\u{1f1f5}']]],
    ]);
  });

  it('BERT words: an emoji keeps its variation selector, skin tone; a flag is one word', () => {
    const text = 'I \u2764\ufe0f \u{1f44d}\u{1f3fd} \u{1f1ef}\u{1f1f5}';
    const words = tokenizeWords(bertTokenizer(), text);
    assert.deepEqual(view(text, words), [
      ['I', [['i', 'I']]],
      ['\u2764\ufe0f', [['[UNK]', '\u2764\ufe0f']]],
      ['\u{1f44d}\u{1f3fd}', [['[UNK]', '\u{1f44d}\u{1f3fd}']]],
      ['\u{1f1ef}\u{1f1f5}', [['[UNK]', '\u{1f1ef}\u{1f1f5}']]],
    ]);
  });

  it('tokenize(text, from, to) gives the words of that range with offsets into the whole text', () => {
    const text = 'alpha beta gamma delta';
    const words = tokenizeWords(patternTokenizer(), text, 6, 16);
    assert.deepEqual(
      view(text, words).map(([w]) => w),
      ['beta', 'gamma'],
    );
    assert.deepEqual(
      words.map((w) => [w.start, w.end]),
      [
        [6, 10],
        [11, 16],
      ],
    );
  });

  it('a range boundary inside a surrogate pair keeps no half character', () => {
    const text = 'a\u{1f600}b\u{1f600}';
    const t = patternTokenizer();
    // from = 2 is inside the first emoji: the range starts after it
    assert.deepEqual(
      tokenizeWords(t, text, 2).map((w) => [w.start, w.end]),
      [
        [3, 4],
        [4, 6],
      ],
    );
    // to = 5 is inside the second emoji: the range ends before it
    assert.deepEqual(
      tokenizeWords(t, text, 0, 5).map((w) => [w.start, w.end]),
      [
        [0, 1],
        [1, 3],
        [3, 4],
      ],
    );
  });

  it('the same text gives the same pieces with a cold and a warm cache, and with a tiny cache', () => {
    const text = 'The café’s naïve ΟΔΟΣ 東京 unaffable unaffable \u{1f600} don’t';
    const cold = new TextTokenizer(tokenizerJsonFixture(), { wordPattern: WORD_PATTERN, cacheSize: 2 });
    const a = tokenizeWords(cold, text);
    const b = tokenizeWords(cold, text);
    assert.deepEqual(b, a);
    assert.deepEqual(tokenizeWords(patternTokenizer(), text), a);
  });
});
