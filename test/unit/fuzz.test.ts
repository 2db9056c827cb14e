// Fuzzing the pure core with thousands of random cases each (fast-check): tokenizer offsets,
// softmax and sub-word aggregation, BIO/BIOES span decoding, windowing, and re-anchoring of
// cached segment labels after edits. One seed per run is printed; a failure prints fast-check's
// seed and path and the shrunk counterexample. Reproduce with FUZZ_SEED=<seed>; more cases
// with FUZZ_RUNS=<n>.
import * as assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import fc from 'fast-check';
import { softmax, topK, type AggregationStrategy } from '../../src/core/aggregate';
import { aggregatePieces, argmax } from '../oracles/aggregate';
import type { LabelScheme } from '../../src/core/bundle';
import type { WordLabel, WindowResult } from '../../src/core/labeler';
import { fillViews, iterateSegments, placeSegment, SegmentCache, type SegmentLabels } from '../../src/core/segments';
import { allocateTable } from '../../src/core/word_table';
import { decodeSpans, splitTag, type LabeledUnit } from '../../src/core/spans';
import type { TextTokenizer } from '../../src/core/tokenize';
import { tokenizeWords, type TokenizedWord } from '../oracles/tokenize';
import { planWindows } from '../oracles/windows';
import { bertTokenizer, patternTokenizer } from './fixtures';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;

/** fc.assert with this run's seed; on failure the error names the seed, path and counterexample. */
function check<Ts extends unknown[]>(prop: fc.IProperty<Ts>, runs = RUNS): void {
  fc.assert(prop, { seed: SEED, numRuns: runs, verbose: 1 });
}

before(() => {
  console.log(`  fuzz seed ${SEED} (FUZZ_SEED=${SEED} reproduces this run), ${RUNS} cases per property`);
});

// --- text arbitraries: words of many scripts, odd characters, all of Unicode ---

const PIECES = [
  'the',
  'cat',
  "don't",
  'café',
  'naïve',
  'İstanbul',
  'straße',
  'ﬁne',
  '東京',
  '😀',
  '👩‍💻',
  'e\u0301',
  '[MASK]',
  '[CLS]',
  'مرحبا',
  'שלום',
  '3.5%',
  '1,000',
  '--',
  '...',
  '\u200B',
  '\uFEFF',
  '\0',
  '\t',
  '\x85',
  '\u2028',
  '\uD800',
  '\uDFFF',
  'a'.repeat(120),
  'Ǆ',
  'ǅ',
  'ﬀ',
  '\u0301',
  '\u{10FFFD}',
  '\u{E0041}',
  '\u{1D400}',
];
const SEPS = [' ', '  ', '\n', '\r\n', '\r', '\n\n', '. ', '! ', '? ', ', ', '\u00A0', '\u3000', ''];
const wordyText = fc
  .array(fc.tuple(fc.constantFrom(...PIECES), fc.constantFrom(...SEPS)), { maxLength: 40 })
  .map((parts) => parts.map(([w, s]) => w + s).join(''));
const anyText = fc.oneof(
  wordyText,
  fc.string({ unit: 'binary', maxLength: 60 }), // any UTF-16 code unit: lone surrogates included
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
);

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;
const insidePair = (t: string, i: number): boolean => i > 0 && i < t.length && isHigh(t.charCodeAt(i - 1)) && isLow(t.charCodeAt(i));

function assertOffsets(tok: TextTokenizer, text: string): TokenizedWord[] {
  const words = tokenizeWords(tok, text);
  let prev = 0;
  for (const w of words) {
    assert.ok(
      w.start >= prev && w.start < w.end && w.end <= text.length,
      `word [${w.start}, ${w.end}) out of order in ${JSON.stringify(text)}`,
    );
    assert.ok(!insidePair(text, w.start) && !insidePair(text, w.end), 'a word cuts a surrogate pair');
    assert.ok(!/\s/u.test(text.slice(w.start, w.end)), `word ${JSON.stringify(text.slice(w.start, w.end))} holds white space`);
    for (const p of w.pieces) {
      assert.ok(p.start >= w.start && p.end <= w.end && p.start <= p.end, 'a piece is outside its word');
      assert.ok(Number.isInteger(p.id) && p.id >= 0 && p.id < 30522, `piece id ${p.id}`);
    }
    prev = w.end;
  }
  return words;
}

describe('fuzz: tokenizer offsets', () => {
  for (const [name, tok] of [
    ['word pattern', patternTokenizer],
    ['BERT words', bertTokenizer],
  ] as const) {
    it(`${name}: words are ordered, in the text, whole code points, no white space; pieces inside`, () => {
      check(
        fc.property(anyText, (text) => {
          assertOffsets(tok(), text);
        }),
      );
    });

    it(`${name}: words never cross a space, so text + " " + more tokenizes as the two parts`, () => {
      check(
        fc.property(anyText, anyText, (a, b) => {
          const t = tok();
          const whole = tokenizeWords(t, `${a} ${b}`);
          const parts = [
            ...tokenizeWords(t, a),
            ...tokenizeWords(t, b).map((w) => ({ ...w, start: w.start + a.length + 1, end: w.end + a.length + 1 })),
          ];
          assert.deepEqual(
            whole.map((w) => [w.start, w.end, w.pieces.map((p) => p.id)]),
            parts.map((w) => [w.start, w.end, w.pieces.map((p) => p.id)]),
          );
        }),
        Math.ceil(RUNS / 2),
      );
    });

    it(`${name}: countPieces agrees with tokenize, and wordSpans with the words`, () => {
      check(
        fc.property(anyText, (text) => {
          const t = tok();
          const words = tokenizeWords(t, text);
          assert.equal(
            t.countPieces(text),
            words.reduce((n, w) => n + Math.max(w.pieces.length, 1), 0),
          );
          assert.deepEqual(
            [...t.wordSpans(text)],
            words.map((w) => [w.start, w.end]),
          );
        }),
      );
    });
  }
});

// --- aggregation ---

const logitsArb = (n: number): fc.Arbitrary<Float32Array> =>
  fc
    .array(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), {
      minLength: n,
      maxLength: n,
    })
    .map((a) => Float32Array.from(a));
const piecesArb = fc.integer({ min: 1, max: 40 }).chain((n) => fc.array(logitsArb(n), { minLength: 1, maxLength: 8 }));

describe('fuzz: softmax and aggregation', () => {
  it('softmax: finite, in [0, 1], sums to 1, keeps the argmax (any finite float32 logits)', () => {
    check(
      fc.property(
        fc.integer({ min: 1, max: 64 }).chain((n) => logitsArb(n)),
        (logits) => {
          const p = softmax(logits, 0, logits.length);
          let sum = 0;
          for (const x of p) {
            assert.ok(Number.isFinite(x) && x >= 0 && x <= 1, `probability ${x}`);
            sum += x;
          }
          assert.ok(Math.abs(sum - 1) < 1e-5, `sum ${sum}`);
          // the largest logit has the largest probability (ties in float32 may pick another index)
          assert.equal(p[argmax(logits)], p[argmax(p)]);
        },
      ),
    );
  });

  it('first / average / max: a probability vector; first is the first piece, max one of the pieces, average between them', () => {
    check(
      fc.property(piecesArb, (logits) => {
        const probs = logits.map((l) => softmax(l, 0, l.length));
        const n = probs[0].length;
        const first = aggregatePieces(probs, 'first');
        assert.deepEqual(first, probs[0]);
        const max = aggregatePieces(probs, 'max');
        assert.ok(probs.includes(max), 'max is not one of the pieces');
        const best = Math.max(...probs.map((p) => p[argmax(p)]));
        assert.equal(max[argmax(max)], best);
        const avg = aggregatePieces(probs, 'average');
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const lo = Math.min(...probs.map((p) => p[i]));
          const hi = Math.max(...probs.map((p) => p[i]));
          assert.ok(avg[i] >= lo - 1e-6 && avg[i] <= hi + 1e-6, `average ${avg[i]} outside [${lo}, ${hi}]`);
          sum += avg[i];
        }
        assert.ok(Math.abs(sum - 1) < 1e-4);
        if (probs.length === 1)
          for (const s of ['first', 'average', 'max'] as AggregationStrategy[])
            assert.deepEqual(Array.from(aggregatePieces(probs, s)), Array.from(probs[0]));
      }),
    );
  });

  it('topK: at most k labels, best first, distinct, the best is the argmax', () => {
    check(
      fc.property(
        fc.integer({ min: 1, max: 40 }).chain((n) => fc.tuple(logitsArb(n), fc.integer({ min: 1, max: 50 }))),
        ([logits, k]) => {
          const p = softmax(logits, 0, logits.length);
          const labels = Array.from({ length: p.length }, (_, i) => `L${i}`);
          const top = topK(p, labels, k);
          assert.equal(top.length, Math.min(k, p.length));
          for (let i = 1; i < top.length; i++) assert.ok(top[i - 1].score >= top[i].score);
          assert.equal(new Set(top.map((t) => t.label)).size, top.length);
          assert.equal(top[0].score, p[argmax(p)]);
        },
      ),
    );
  });
});

// --- spans ---

const TYPES = ['PER', 'LOC', 'ORG', 'O'];
const tagArb = (scheme: LabelScheme): fc.Arbitrary<string> => {
  const prefixes = scheme === 'BIOES' ? ['B', 'I', 'E', 'S'] : scheme === 'BIO' ? ['B', 'I', 'E', 'S'] : [];
  return prefixes.length
    ? fc.oneof(
        fc.constant('O'),
        fc.tuple(fc.constantFrom(...prefixes), fc.constantFrom('PER', 'LOC', 'ORG')).map(([p, t]) => `${p}-${t}`),
      )
    : fc.constantFrom(...TYPES);
};
const unitsArb = (scheme: LabelScheme): fc.Arbitrary<LabeledUnit[]> =>
  fc
    .array(
      fc.tuple(tagArb(scheme), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 6 })),
      { maxLength: 60 },
    )
    .map((rows) => {
      let pos = 0;
      return rows.map(([label, score, gap, len]) => {
        const start = pos + gap;
        pos = start + len;
        return { start, end: pos, label, score };
      });
    });

describe('fuzz: span decoding', () => {
  for (const scheme of ['plain', 'BIO', 'BIOES'] as LabelScheme[]) {
    it(`${scheme}: spans are ordered and disjoint; every word not hidden is in exactly one span of its own type`, () => {
      check(
        fc.property(unitsArb(scheme), fc.boolean(), (words, hideO) => {
          const hidden = new Set(hideO ? ['O'] : []);
          const spans = decodeSpans(words, scheme, hidden);
          const inSpan = new Int32Array(words.length).fill(-1);
          let prevLast = -1;
          spans.forEach((s, k) => {
            assert.ok(s.first > prevLast && s.first <= s.last && s.last < words.length, 'spans out of order or overlapping');
            prevLast = s.last;
            assert.equal(s.start, words[s.first].start);
            assert.equal(s.end, words[s.last].end);
            assert.ok(!hidden.has(s.label), 'a hidden label got a span');
            let sum = 0;
            for (let i = s.first; i <= s.last; i++) {
              inSpan[i] = k;
              const [bi, type] = splitTag(words[i].label, scheme);
              assert.equal(type, s.label, `word ${i} (${words[i].label}) in a ${s.label} span`);
              if (i > s.first) assert.ok(bi !== 'B' && !(scheme === 'BIOES' && bi === 'S'), `a ${words[i].label} inside a span`);
              if (scheme === 'BIOES' && i < s.last) assert.ok(bi !== 'E' && bi !== 'S', `a span goes on after ${words[i].label}`);
              sum += words[i].score;
            }
            assert.ok(Math.abs(s.score - sum / (s.last - s.first + 1)) < 1e-9, 'span score is not the mean');
          });
          words.forEach((w, i) => {
            const type = splitTag(w.label, scheme)[1];
            assert.equal(inSpan[i] >= 0, !hidden.has(type), `word ${i} (${w.label}) ${inSpan[i] >= 0 ? 'in' : 'not in'} a span`);
          });
        }),
      );
    });
  }
});

// --- windows ---

function fakeWords(counts: readonly number[]): TokenizedWord[] {
  let pos = 0;
  return counts.map((c) => {
    const start = pos;
    const pieces = Array.from({ length: c }, (_, i) => ({ id: 1000 + i, text: 'x', start: start + i, end: start + i + 1 }));
    pos += Math.max(c, 1) + 1;
    return { start, end: start + Math.max(c, 1), pieces };
  });
}

describe('fuzz: windowing', () => {
  it('windows fit, cover every word in order, move forward, overlap at most by the stride; each word owned by a window holding it', () => {
    const arb = fc.tuple(
      fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 300 }),
      fc.integer({ min: 3, max: 40 }),
      fc.integer({ min: 0, max: 60 }),
    );
    check(
      fc.property(arb, ([counts, maxLength, stride]) => {
        const words = fakeWords(counts);
        const budget = maxLength - 2;
        const { windows, owner } = planWindows(words, maxLength, stride);
        if (!words.length) {
          assert.equal(windows.length, 0);
          return;
        }
        const per = words.map((w) => Math.min(Math.max(w.pieces.length, 1), budget));
        assert.equal(windows[0].firstWord, 0);
        assert.equal(windows[windows.length - 1].endWord, words.length);
        windows.forEach((w, k) => {
          assert.ok(w.endWord > w.firstWord, 'an empty window');
          assert.equal(
            w.pieces,
            per.slice(w.firstWord, w.endWord).reduce((a, b) => a + b, 0),
          );
          assert.ok(w.pieces <= budget, `window of ${w.pieces} pieces over ${budget}`);
          if (k > 0) {
            const prev = windows[k - 1];
            assert.ok(w.firstWord > prev.firstWord && w.endWord > prev.endWord, 'a window does not move forward');
            assert.ok(w.firstWord <= prev.endWord, 'a gap between windows');
            const shared = per.slice(w.firstWord, prev.endWord).reduce((a, b) => a + b, 0);
            assert.ok(shared <= Math.max(0, Math.min(stride, Math.floor(budget / 2))), `windows share ${shared} pieces, stride ${stride}`);
          }
        });
        let prevOwner = 0;
        owner.forEach((k, i) => {
          assert.ok(windows[k].firstWord <= i && i < windows[k].endWord, `word ${i} owned by window ${k} that lacks it`);
          assert.ok(k >= prevOwner, 'owners go backwards');
          prevOwner = k;
        });
      }),
    );
  });
});

// --- re-anchoring: cached segment labels shifted to new offsets after edits ---

/** A stand-in for the model: a word's label depends on its text only, so results are comparable. */
const STAND_IN_LABELS = ['L0', 'L1', 'L2', 'L3', 'L4', 'L5', 'L6'];
function labelSegment(tok: TextTokenizer, text: string): SegmentLabels {
  const found = tokenizeWords(tok, text);
  const pieces = found.flatMap((w) => w.pieces);
  const table = allocateTable(
    text,
    STAND_IN_LABELS,
    found.length,
    pieces.length,
    1,
    pieces.map((p) => p.text),
  );
  let pi = 0;
  found.forEach((w, i) => {
    const label = [...text.slice(w.start, w.end)].reduce((h, c) => (h * 31 + c.codePointAt(0)!) % 7, 0);
    table.start[i] = w.start;
    table.end[i] = w.end;
    table.top[i] = label;
    table.topScore[i] = 1;
    table.pieceFirst[i] = pi;
    for (const p of w.pieces) {
      table.pieceStart[pi] = p.start;
      table.pieceEnd[pi] = p.end;
      table.pieceLabel[pi] = label;
      table.pieceScore[pi++] = 1;
    }
  });
  table.pieceFirst[found.length] = pi;
  const windows: WindowResult[] = found.length
    ? [{ start: found[0].start, end: found[found.length - 1].end, pieces: pieces.length, sequence: [] }]
    : [];
  return { table, windows, settings: 'stand-in' };
}

/** The labeler's segment loop (labeler.ts `label`) over the stand-in. */
function labelDocument(tok: TextTokenizer, text: string, cache?: SegmentCache): { words: WordLabel[]; run: number } {
  const words: WordLabel[] = [];
  const windows: WindowResult[] = [];
  let run = 0;
  for (const seg of iterateSegments(text, { budget: 30, countPieces: (s) => tok.countPieces(s, 30) })) {
    let r = cache?.get(seg.text, 'stand-in');
    if (!r) {
      r = labelSegment(tok, seg.text);
      cache?.set(seg.text, r);
      run++;
    }
    // as Labeler.label places them (views kept for the next run when there is a cache)
    const p = placeSegment(seg, r, windows.length);
    if (!p.complete) {
      fillViews(p.placed, r.table, 0, r.table.size);
      if (cache) r.placed = p.placed;
    }
    words.push(...p.placed.words);
    windows.push(...p.placed.windows);
  }
  return { words, run };
}

describe('fuzz: re-anchoring', () => {
  it('after random edits, cached segments shifted to their new place equal a fresh run, and every word sits on its text', () => {
    const edit = fc.tuple(fc.nat(), fc.nat({ max: 20 }), wordyText);
    check(
      fc.property(wordyText, fc.array(edit, { minLength: 1, maxLength: 5 }), (doc, edits) => {
        const tok = patternTokenizer();
        const cache = new SegmentCache();
        let text = doc;
        labelDocument(tok, text, cache);
        for (const [at, del, ins] of edits) {
          const s = at % (text.length + 1);
          text = text.slice(0, s) + ins + text.slice(Math.min(text.length, s + del));
          const cached = labelDocument(tok, text, cache);
          const fresh = labelDocument(tok, text);
          const strip = (ws: WordLabel[]): unknown =>
            ws.map((w) => [w.start, w.end, w.text, w.label, w.pieces.map((p) => [p.start, p.end])]);
          assert.deepEqual(strip(cached.words), strip(fresh.words));
          for (const w of cached.words) assert.equal(text.slice(w.start, w.end), w.text, 'a shifted word is not on its text');
        }
      }),
      Math.ceil(RUNS / 2),
    );
  });
});
