// Property tests of TextTokenizer on random Unicode text, in both word modes. fast-check prints
// the seed and the shrunk counterexample of a failure; rerun with { seed, path } to reproduce.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CompactTokensBuilder, TextTokenizer, type CompactTokens } from '../../src/core/tokenize';
import { bertTokenizer, patternTokenizer, tokenizerJsonFixture, vocabFixture, WORD_PATTERN } from './fixtures';
import { tokenizeCompact, tokenizeWords } from '../oracles/tokenize';

const vocab = vocabFixture();
const byId: string[] = [];
for (const [piece, id] of Object.entries(vocab)) byId[id] = piece;
const NOT_LABELED = new Set([vocab['[PAD]'], vocab['[CLS]'], vocab['[SEP]'], vocab['[MASK]']]);

// Characters no word may contain (whitespace, separators, controls, format characters) and
// every other character must be in some word.
const OUTSIDE = /[\s\p{Z}\p{Cc}\p{Cf}]/u;
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
/** Whether offset i falls between the two halves of a surrogate pair. */
function insidePair(text: string, i: number): boolean {
  return i > 0 && i < text.length && isHigh(text.charCodeAt(i - 1)) && isLow(text.charCodeAt(i));
}

function checkInvariants(tok: TextTokenizer, text: string): void {
  const words = tokenizeWords(tok, text);
  const covered = new Uint8Array(text.length);
  let prevEnd = 0;
  for (const w of words) {
    const wt = JSON.stringify(text.slice(w.start, w.end));
    assert.ok(w.start >= prevEnd, `words overlap or are out of order at ${w.start}`);
    assert.ok(w.start < w.end && w.end <= text.length, `empty or out-of-text word ${wt}`);
    assert.ok(!insidePair(text, w.start) && !insidePair(text, w.end), `word ${wt} cuts a surrogate pair`);
    prevEnd = w.end;
    for (let i = w.start; i < w.end; i++) covered[i] = 1;
    for (const ch of text.slice(w.start, w.end)) assert.ok(!OUTSIDE.test(ch), `word ${wt} contains ${JSON.stringify(ch)}`);
    if (w.pieces.length === 0) {
      assert.ok(!LETTER_OR_DIGIT.test(text.slice(w.start, w.end)), `word ${wt} has letters or digits but no pieces`);
    }
    let prevStart = w.start;
    let prevPieceEnd = w.start;
    for (const p of w.pieces) {
      assert.ok(
        p.start >= w.start && p.end <= w.end && p.start < p.end,
        `piece ${p.text} [${p.start}, ${p.end}) outside word ${wt} [${w.start}, ${w.end})`,
      );
      assert.ok(p.start >= prevStart && p.end >= prevPieceEnd, `pieces of ${wt} go backwards`);
      assert.ok(!insidePair(text, p.start) && !insidePair(text, p.end), `piece of ${wt} cuts a surrogate pair`);
      prevStart = p.start;
      prevPieceEnd = p.end;
      assert.ok(Number.isInteger(p.id) && p.id >= 0 && p.id < byId.length, `piece id ${p.id} is not in the vocabulary`);
      assert.equal(byId[p.id], p.text, `piece id ${p.id} is ${byId[p.id]}, not ${p.text}`);
      assert.ok(!NOT_LABELED.has(p.id), `special token ${p.text} from document text ${wt}`);
    }
  }
  // every character that is not whitespace / control / format is in some word
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const len = cp > 0xffff ? 2 : 1;
    if (!OUTSIDE.test(ch)) assert.equal(covered[i], 1, `${JSON.stringify(ch)} at ${i} is in no word`);
    if (LETTER_OR_DIGIT.test(ch)) assert.equal(covered[i], 1, `letter/digit ${JSON.stringify(ch)} at ${i} is in no word`);
    i += len;
  }
}

// Characters that meet the tokenizer's special cases, to be mixed with random ones.
const tricky = fc.constantFrom(
  'a',
  'Z',
  '9',
  ' ',
  '\t',
  '\r\n',
  '\n',
  "'",
  '\u2019',
  '-',
  '.',
  ',',
  '#',
  '##',
  '[',
  ']',
  '[MASK]',
  '[CLS]',
  'e\u0301',
  '\u0301',
  '\u0308',
  '\u200b',
  '\u200d',
  '\u200c',
  '\ufeff',
  '\u00a0',
  '\u3000',
  '\u0000',
  '\u0007',
  '\u007f',
  '\u0130',
  '\u0131',
  '\u00df',
  '\ufb01',
  '\u01c5',
  '\u03a3',
  '\u03c3',
  '\u1f08',
  '\u00e9',
  '\u00c9',
  '\u6771',
  '\u4eac',
  '\u3042',
  '\ud55c',
  '\u{20000}',
  '\u{2f800}',
  '\u{1f600}',
  '\u{1f468}\u200d\u{1f469}\u200d\u{1f467}',
  '\u{1f1ef}\u{1f1f5}',
  '\u2764\ufe0f',
  '\u{1f44d}\u{1f3fd}',
  '\ufffd',
  '\ue000',
  '\u{10ffff}',
  '\u0378',
  '\ud800',
  '\udc00',
  'a'.repeat(101),
  '\u{1d400}',
  '\u0663',
  '\u00bd',
);
/** Short texts of the tricky strings and any single code unit. */
const trickyText = fc.string({ unit: fc.oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 25 });

const arbitraries: Array<[string, fc.Arbitrary<string>]> = [
  ['binary code points', fc.string({ unit: 'binary', maxLength: 40 })],
  ['graphemes', fc.string({ unit: 'grapheme', maxLength: 20 })],
  ['single-code-point graphemes', fc.string({ unit: 'grapheme-composite', maxLength: 30 })],
  ['binary ASCII (controls included)', fc.string({ unit: 'binary-ascii', maxLength: 40 })],
  ['tricky characters mixed with random ones', trickyText],
];

const RUNS = 1500;

describe('TextTokenizer properties on random Unicode text', () => {
  for (const [mode, tok] of [
    ['word pattern', patternTokenizer],
    ['BERT words', bertTokenizer],
  ] as const) {
    describe(mode, () => {
      for (const [name, arb] of arbitraries) {
        it(`${name}: sorted disjoint words, pieces inside their word in order, valid ids, every letter/digit in a word`, () => {
          fc.assert(
            fc.property(arb, (text) => checkInvariants(tok(), text)),
            { numRuns: RUNS },
          );
        });
      }

      it('a range [from, to) gives only words inside it', () => {
        fc.assert(
          fc.property(
            fc.string({ unit: fc.oneof(tricky, fc.constantFrom('word', ' ', 'x-y')), maxLength: 20 }),
            fc.nat(),
            fc.nat(),
            (text, a, b) => {
              const from = a % (text.length + 1);
              const to = from + (b % (text.length - from + 1));
              for (const w of tokenizeWords(tok(), text, from, to)) {
                assert.ok(w.start >= from && w.end <= to, `[${w.start}, ${w.end}) outside [${from}, ${to})`);
                for (const p of w.pieces) assert.ok(p.start >= w.start && p.end <= w.end);
              }
            },
          ),
          { numRuns: RUNS },
        );
      });
    });
  }

  it('countPieces(text, max) is the sum over tokenize(text) of min(max(pieces, 1), max), in both modes', () => {
    fc.assert(
      fc.property(trickyText, fc.integer({ min: 1, max: 6 }), (text, max) => {
        for (const tok of [patternTokenizer(), bertTokenizer()]) {
          const words = tokenizeWords(tok, text);
          assert.equal(
            tok.countPieces(text),
            words.reduce((a, w) => a + Math.max(w.pieces.length, 1), 0),
          );
          assert.equal(
            tok.countPieces(text, max),
            words.reduce((a, w) => a + Math.min(Math.max(w.pieces.length, 1), max), 0),
          );
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('countPieces with a limit stops past it: the full count when within, over the limit otherwise', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.oneof(tricky, fc.constantFrom('word ', 'unaffable ', '. ')), maxLength: 30 }),
        fc.integer({ min: 0, max: 12 }),
        (text, limit) => {
          for (const tok of [patternTokenizer(), bertTokenizer()]) {
            const full = tok.countPieces(text, 4);
            const capped = tok.countPieces(text, 4, limit);
            if (full <= limit) assert.equal(capped, full);
            else assert.ok(capped > limit && capped <= full, `${capped} for ${full} over ${limit}`);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('tokenizeCompact is tokenize in flat arrays: at least one piece a word ([UNK] for none), at most max', () => {
    fc.assert(
      fc.property(trickyText, fc.integer({ min: 1, max: 6 }), (text, max) => {
        for (const tok of [patternTokenizer(), bertTokenizer()]) {
          const words = tokenizeWords(tok, text);
          const c = tokenizeCompact(tok, text, max);
          assert.equal(c.words, words.length);
          assert.equal(c.pieceFirst[0], 0);
          words.forEach((w, i) => {
            assert.deepEqual([c.wordStart[i], c.wordEnd[i]], [w.start, w.end]);
            const expected = w.pieces.length
              ? w.pieces.slice(0, max).map((p) => [p.id, p.start, p.end, p.text])
              : [[tok.unkId, w.start, w.end, '[UNK]']];
            const got = [];
            for (let p = c.pieceFirst[i]; p < c.pieceFirst[i + 1]; p++)
              got.push([c.pieceId[p], c.pieceStart[p], c.pieceEnd[p], c.pieceText[p]]);
            assert.deepEqual(got, expected);
          });
          assert.equal(c.pieceFirst[c.words], c.pieceId.length);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a long run of letters and digits: the [UNK] shortcut gives what character-by-character normalizing gives', () => {
    const exact = (wordPattern?: string) => new TextTokenizer(tokenizerJsonFixture(), { wordPattern, longWordShortcut: false });
    const pairs = [
      [patternTokenizer(), exact(WORD_PATTERN)],
      [bertTokenizer(), exact()],
    ] as const;
    const unit = fc.oneof(
      fc.constantFrom(
        'a',
        'Z',
        '7',
        'é',
        'e\u0301',
        '\u0301',
        'İ',
        'ß',
        'ﬁ',
        'Σ',
        '\u{1D400}',
        '\u{1F600}',
        '東',
        '\u{20000}',
        '-',
        "'",
        '.',
        ' ',
        '\u200b',
        'ǅ',
        '٣',
        '\u0903',
      ),
      fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, minLength: 90, maxLength: 140 }), fc.integer({ min: 95, max: 110 }), (text, letters) => {
        const long = 'x'.repeat(letters) + text;
        for (const [fast, slow] of pairs) assert.deepEqual(tokenizeWords(fast, long), tokenizeWords(slow, long));
      }),
      { numRuns: 300 },
    );
  });

  it('word pattern mode: the ids of a text are the ids of its words tokenized alone', () => {
    const tok = patternTokenizer();
    fc.assert(
      fc.property(
        fc.string({ unit: fc.oneof(tricky, fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 })), maxLength: 20 }),
        (text) => {
          for (const w of tokenizeWords(tok, text)) {
            const alone = tokenizeWords(tok, text.slice(w.start, w.end));
            assert.equal(alone.length, 1, `word ${JSON.stringify(text.slice(w.start, w.end))} is not one word alone`);
            assert.deepEqual(
              alone[0].pieces.map((p) => p.id),
              w.pieces.map((p) => p.id),
            );
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('TextTokenizer with a word pattern that can match the empty string', () => {
  // A bundle may bring any regular expression; one that matches "" must not hang the tokenizer
  // (an infinite loop cannot be timed out in-process, so this runs in a child process).
  it('terminates, and its words are non-empty, sorted and cover every letter/digit', () => {
    const script = `
      const fc = require('fast-check');
      const assert = require('node:assert/strict');
      const { TextTokenizer } = require(${JSON.stringify(require.resolve('../../src/core/tokenize'))});
      const { tokenizeWords } = require(${JSON.stringify(require.resolve('../oracles/tokenize'))});
      const { tokenizerJsonFixture } = require(${JSON.stringify(require.resolve('./fixtures'))});
      const tok = new TextTokenizer(tokenizerJsonFixture(), { wordPattern: '[\\\\p{L}\\\\p{N}]*' });
      assert.deepEqual(tokenizeWords(tok, 'ab \\u{1f600} cd').map((w) => [w.start, w.end]), [[0, 2], [6, 8]]);
      fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 30 }), (text) => {
        const words = tokenizeWords(tok, text);
        let prev = 0;
        const covered = new Uint8Array(text.length);
        for (const w of words) {
          assert.ok(w.start >= prev && w.end > w.start);
          prev = w.end;
          covered.fill(1, w.start, w.end);
        }
        for (let i = 0; i < text.length; i++) {
          if (/[\\p{L}\\p{N}]/u.test(String.fromCodePoint(text.codePointAt(i)))) assert.equal(covered[i], 1);
        }
      }), { numRuns: ${RUNS} });
    `;
    // a hang detector, not a speed limit: generous, the machine may be busy (it took 30 s on 2 shared cores)
    const r = spawnSync(process.execPath, ['-e', script], { timeout: 180_000, encoding: 'utf8', cwd: path.resolve(__dirname) });
    assert.equal(r.error?.message, undefined, `the tokenizer hung or could not run: ${r.error?.message}`);
    assert.equal(r.status, 0, r.stderr);
  });
});

describe('the word cursor finds the words of a global search', () => {
  // WordCursor tries the pattern sticky at the next positions before one global search: the
  // words must be exactly those of a plain global search (exec from each word's end), in any
  // range of any text: separators of any length (a prose mask's spaces), surrogate pairs,
  // patterns that can match the empty string.
  function globalSearch(source: string, text: string, from: number, to: number): Array<[number, number]> {
    const re = new RegExp(source, 'gu');
    const out: Array<[number, number]> = [];
    const pair = (i: number): boolean => insidePair(text, i);
    let pos = pair(from) ? from + 1 : from;
    const end = pair(to) ? to - 1 : to;
    for (;;) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (m === null || m.index >= end) return out;
      if (m[0].length === 0) {
        pos = m.index + ((text.codePointAt(m.index) ?? 0) > 0xffff ? 2 : 1);
        continue;
      }
      pos = m.index + m[0].length;
      out.push([m.index, Math.min(pos, end)]);
    }
  }
  const patterns = [WORD_PATTERN, '[\\p{L}\\p{N}]*', '(?<=\\s|^)\\S+', 'a+|\\s{3,}'];
  const texts = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc
      .array(fc.oneof(fc.constantFrom('word', "don't", ' ', '      ', '\n', '😀', '.', 'aaa', '\u{20000}'), fc.string({ maxLength: 4 })), {
        maxLength: 30,
      })
      .map((parts) => parts.join('')),
  );
  for (const source of patterns) {
    it(`pattern ${JSON.stringify(source).slice(0, 40)}`, () => {
      const tok = new TextTokenizer(tokenizerJsonFixture(), { wordPattern: source });
      fc.assert(
        fc.property(texts, fc.nat(), fc.nat(), (text, a, b) => {
          const from = text.length ? a % (text.length + 1) : 0;
          const to = from + (text.length - from ? b % (text.length - from + 1) : 0);
          assert.deepEqual([...tok.wordSpans(text, from, to)], globalSearch(source, text, from, to));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('CompactTokensBuilder reused across texts', () => {
  it('gives each text what tokenize gives, past its first arrays, and leaves earlier results as they were', () => {
    const tok = patternTokenizer();
    const b = new CompactTokensBuilder(tok.unkId, 4);
    const flat = (c: CompactTokens): unknown[] => [
      c.words,
      [...c.wordStart],
      [...c.wordEnd],
      [...c.pieceFirst],
      [...c.pieceId],
      [...c.pieceStart],
      [...c.pieceEnd],
      [...c.pieceText],
    ];
    const texts = ['', "one word don't", 'Antidisestablishmentarianism and more. '.repeat(200), 'short again', 'x '.repeat(70)];
    const results: Array<{ c: CompactTokens; expected: unknown[] }> = [];
    for (const text of texts) {
      b.reset();
      for (const [s, e] of tok.wordSpans(text)) b.add(s, e, tok.wordPieces(text.slice(s, e)));
      const c = b.finish();
      const words = tokenizeWords(tok, text);
      assert.equal(c.words, words.length);
      words.forEach((w, i) => {
        const got = [];
        for (let p = c.pieceFirst[i]; p < c.pieceFirst[i + 1]; p++) got.push([c.pieceId[p], c.pieceStart[p], c.pieceEnd[p]]);
        const want = w.pieces.length ? w.pieces.slice(0, 4).map((p) => [p.id, p.start, p.end]) : [[tok.unkId, w.start, w.end]];
        assert.deepEqual(got, want, `word ${i} of a ${text.length}-character text`);
      });
      results.push({ c, expected: flat(c) });
    }
    assert.ok(results[2].c.words > 64 && results[2].c.pieceId.length > 256, 'the long text grows the arrays');
    for (const { c, expected } of results) assert.deepEqual(flat(c), expected);
  });
});
