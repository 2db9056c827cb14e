// The UD word splitter (training/ud_words.py UD_WORD_PATTERN, what the next default model is
// trained with) run by the extension's TextTokenizer must find exactly the words Python's
// `regex` finds, at the same UTF-16 offsets: the committed cases (test/fixtures/word_pattern.json,
// written by make_ud_fixtures.py) and, as a property, random text run through Python itself.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { TextTokenizer } from '../../src/core/tokenize';
import { readFixtureJson, REPO, tokenizerJsonFixture } from './fixtures';

interface PatternFixture {
  word_pattern: string;
  ud_word_pattern: string;
  ud_cases: Array<{ text: string; words: Array<[number, number]> }>;
}

const fixture = readFixtureJson<PatternFixture>('word_pattern.json');
const tok = new TextTokenizer(tokenizerJsonFixture(), { wordPattern: fixture.ud_word_pattern });
const spans = (text: string): Array<[number, number]> => [...tok.wordSpans(text)];
const words = (text: string): string[] => spans(text).map(([s, e]) => text.slice(s, e));

/**
 * Python's spans (UTF-16) of each text, from training/ud_words.py itself; null for a text with
 * a character Python's Unicode tables do not know (unassigned there, category Cn): Node's
 * tables are newer, and a character assigned since is a letter to one and not to the other.
 */
function pythonSpans(texts: string[]): Array<Array<[number, number]> | null> {
  const script = [
    'import json, sys, unicodedata',
    'import regex',
    'from training.ud_words import UD_SPLITTER, utf16_spans',
    'texts = json.loads(sys.stdin.read())',
    'unknown = regex.compile(r"\\p{Cn}")',
    'def known(t): return not unknown.search(t) and all(unicodedata.category(c) != "Cn" for c in t)',
    'print(json.dumps([utf16_spans(t, UD_SPLITTER.spans(t)) if known(t) else None for t in texts]))',
  ].join('\n');
  // JSON with \u escapes only: lone surrogates survive the trip (Python reads them as such)
  const input = JSON.stringify(texts).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const r = spawnSync('/usr/bin/python3', ['-c', script], { input, cwd: REPO, encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `Python's splitter did not run: ${r.error?.message ?? r.stderr}`);
  return JSON.parse(r.stdout) as Array<Array<[number, number]>>;
}

describe('UD word splitter: the extension and the training code agree', () => {
  it('the fixture is the UD pattern, with enough cases, and differs from the shipped pattern', () => {
    assert.notEqual(fixture.ud_word_pattern, fixture.word_pattern);
    assert.ok(fixture.ud_cases.length >= 40, `only ${fixture.ud_cases.length} cases`);
  });

  it('clitics are words of their own, as in UD English', () => {
    assert.deepEqual(words("It's John's dog; I'm sure we'll see, let's go."), [
      'It',
      "'s",
      'John',
      "'s",
      'dog',
      ';',
      'I',
      "'m",
      'sure',
      'we',
      "'ll",
      'see',
      ',',
      'let',
      "'s",
      'go',
      '.',
    ]);
    assert.deepEqual(words("don't can't won't cannot gonna isn't"), [
      'do',
      "n't",
      'ca',
      "n't",
      'wo',
      "n't",
      'can',
      'not',
      'gon',
      'na',
      'is',
      "n't",
    ]);
    assert.deepEqual(words("DON'T Jones' it\u2019s"), ['DO', "N'T", 'Jones', "'", 'it', '\u2019s']);
    assert.deepEqual(words("O'Neill's rock'n'roll o'clock term-end 3.5 1,000 --"), [
      "O'Neill",
      "'s",
      "rock'n'roll",
      "o'clock",
      'term-end',
      '3.5',
      '1,000',
      '--',
    ]);
    assert.deepEqual(spans("it's"), [
      [0, 2],
      [2, 4],
    ]);
  });

  for (const { text, words: expected } of fixture.ud_cases) {
    it(`same words as Python in ${JSON.stringify(text.length > 50 ? `${text.slice(0, 50)}…` : text)}`, () => {
      assert.deepEqual(spans(text), expected);
    });
  }

  it('property: on random text, the same spans as Python', () => {
    // Text made of what the pattern looks at (apostrophes, clitic letters in both cases,
    // joiners, marks, punctuation runs, spaces, astral characters) and any other characters.
    const unit = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.constantFrom('n', 'N', 't', 'T', 's', 'S', 'm', 'd', 'D', 'r', 'e', 'v', 'l', 'L', 'c', 'a', 'o', 'g', 'w', 'x'),
      },
      { weight: 4, arbitrary: fc.constantFrom("'", '\u2019', ' ', '-', '.', ',', '1', '9', "''", '--', '"', '!', '$') },
      { weight: 2, arbitrary: fc.constantFrom("n't", "'s", "'ll", "'re", "'ve", 'cannot', 'gonna', 'gotta', 'wanna', "N'T", "'S") },
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          'e\u0301',
          '\u0301',
          '\u200b',
          '\u00a0',
          '\u3000',
          '\u{1f600}',
          '\u{1d400}',
          '\u6771',
          '\ufeff',
          '\t',
          '\r\n',
          '\u0663',
          '\u00df',
          '\u0130',
        ),
      },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 2 }) },
    );
    const texts = fc.sample(fc.string({ unit, maxLength: 40 }), { numRuns: 1500, seed: 20261201 });
    const expected = pythonSpans(texts);
    let compared = 0;
    texts.forEach((text, i) => {
      const want = expected[i];
      if (want === null) return;
      compared++;
      assert.deepEqual(spans(text), want, `text ${JSON.stringify(text)}`);
    });
    assert.ok(compared >= texts.length * 0.6, `only ${compared} of ${texts.length} texts could be compared`);
  });
});
