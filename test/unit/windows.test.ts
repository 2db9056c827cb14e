// planWindows: long documents cut into overlapping windows of whole words, each word owned by the
// window where it has the most context on both sides.
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planWindowSteps, type WindowPlan } from '../../src/core/windows';
import { tokenizeCompact, tokenizeWords, type TokenizedWord } from '../oracles/tokenize';
import { planWindows, planWindowsByCounts, wordPieceCount } from '../oracles/windows';
import { patternTokenizer } from './fixtures';
import { rng } from '../shared/rng';

/** Words with the given numbers of pieces (offsets are synthetic). */
function words(counts: readonly number[]): TokenizedWord[] {
  return counts.map((n, i) => ({
    start: i * 10,
    end: i * 10 + 5,
    pieces: Array.from({ length: n }, (_, k) => ({ id: 1000 + k, text: `p${k}`, start: i * 10, end: i * 10 + 5 })),
  }));
}

function spans(plan: WindowPlan): Array<[number, number, number]> {
  return plan.windows.map((w) => [w.firstWord, w.endWord, w.pieces]);
}

/** Checks every invariant of a plan; the owner by brute force over all windows. */
function checkPlan(ws: readonly TokenizedWord[], maxLength: number, stride: number, plan: WindowPlan): void {
  const budget = maxLength - 2;
  const counts = ws.map((w) => wordPieceCount(w, budget));
  const sum = (a: number, b: number): number => counts.slice(a, b).reduce((x, y) => x + y, 0);
  const overlap = Math.max(0, Math.min(stride, Math.floor(budget / 2)));
  const W = plan.windows;
  if (ws.length === 0) {
    assert.equal(W.length, 0);
    assert.equal(plan.owner.length, 0);
    return;
  }
  assert.equal(W[0].firstWord, 0, 'the first window starts at the first word');
  assert.equal(W[W.length - 1].endWord, ws.length, 'the last window ends at the last word');
  for (let k = 0; k < W.length; k++) {
    const w = W[k];
    assert.ok(w.endWord > w.firstWord, `window ${k} is empty`);
    assert.equal(w.pieces, sum(w.firstWord, w.endWord), `window ${k}: wrong piece count`);
    assert.ok(w.pieces <= budget, `window ${k}: ${w.pieces} pieces > ${budget}`);
    // greedy: the window could not take one more word
    if (w.endWord < ws.length) assert.ok(w.pieces + counts[w.endWord] > budget, `window ${k} could take word ${w.endWord}`);
    if (k === 0) continue;
    const p = W[k - 1];
    assert.ok(w.firstWord > p.firstWord && w.endWord > p.endWord, `window ${k} does not move forward (or repeats window ${k - 1})`);
    assert.ok(w.firstWord <= p.endWord, `a gap between windows ${k - 1} and ${k}`);
    // overlap: at most `stride` pieces, and as many as whole words allow
    const shared = sum(w.firstWord, p.endWord);
    assert.ok(shared <= overlap, `windows ${k - 1}/${k} share ${shared} pieces > ${overlap}`);
    const s = w.firstWord;
    const couldStartEarlier =
      s - 1 > p.firstWord && shared + counts[s - 1] <= overlap && shared + counts[s - 1] + counts[p.endWord] <= budget;
    assert.ok(!couldStartEarlier, `window ${k} could share one more word with window ${k - 1}`);
  }
  assert.equal(plan.owner.length, ws.length);
  for (let i = 0; i < ws.length; i++) {
    const ctx = (k: number): number => Math.min(sum(W[k].firstWord, i), sum(i + 1, W[k].endWord));
    const containing = W.map((_, k) => k).filter((k) => W[k].firstWord <= i && i < W[k].endWord);
    assert.ok(containing.length >= 1, `word ${i} is in no window`);
    const o = plan.owner[i];
    assert.ok(containing.includes(o), `word ${i}: owner ${o} does not contain it`);
    const best = Math.max(...containing.map(ctx));
    assert.equal(ctx(o), best, `word ${i}: owner ${o} has context ${ctx(o)}, window(s) with ${best} exist`);
  }
}

describe('wordPieceCount', () => {
  it('is the number of pieces, at least 1, at most the budget', () => {
    assert.equal(wordPieceCount(words([3])[0], 8), 3);
    assert.equal(wordPieceCount(words([0])[0], 8), 1); // a word without pieces still takes a slot ([UNK])
    assert.equal(wordPieceCount(words([20])[0], 8), 8);
    assert.equal(wordPieceCount(words([8])[0], 8), 8);
  });
});

describe('planWindows: hand-computed plans', () => {
  it('no words: no windows', () => {
    const plan = planWindows([], 128, 32);
    assert.deepEqual(plan.windows, []);
    assert.equal(plan.owner.length, 0);
  });

  it('a maximum length without room for pieces is an error', () => {
    assert.throws(() => planWindows(words([1]), 2, 0), /no room/);
  });

  it('a text that fits is one window', () => {
    const ws = words([1, 2, 3, 2]);
    const plan = planWindows(ws, 10, 2); // 8 pieces of 8
    assert.deepEqual(spans(plan), [[0, 4, 8]]);
    assert.deepEqual([...plan.owner], [0, 0, 0, 0]);
  });

  it('20 one-piece words, 8 pieces a window, stride 2: windows 0-8, 6-14, 12-20; owners by context', () => {
    const ws = words(Array(20).fill(1));
    const plan = planWindows(ws, 10, 2);
    assert.deepEqual(spans(plan), [
      [0, 8, 8],
      [6, 14, 8],
      [12, 20, 8],
    ]);
    // word 6: 1 piece after it in window 0 vs 0 before it in window 1 -> window 0;
    // word 7: 0 after it in window 0 vs 1 before and 6 after in window 1 -> window 1; same at 12/13
    assert.deepEqual([...plan.owner], [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2]);
    checkPlan(ws, 10, 2, plan);
  });

  it('stride 0: consecutive windows do not overlap', () => {
    const plan = planWindows(words(Array(20).fill(1)), 10, 0);
    assert.deepEqual(spans(plan), [
      [0, 8, 8],
      [8, 16, 8],
      [16, 20, 4],
    ]);
  });

  it('a stride over half the window is limited to half the window', () => {
    const ws = words(Array(20).fill(1));
    const plan = planWindows(ws, 10, 100);
    assert.deepEqual(spans(plan), [
      [0, 8, 8],
      [4, 12, 8],
      [8, 16, 8],
      [12, 20, 8],
    ]);
    checkPlan(ws, 10, 100, plan);
  });

  it('multi-piece words: windows hold whole words, the overlap is whole words of at most stride pieces', () => {
    const ws = words([3, 3, 3, 3, 3, 3]);
    const plan = planWindows(ws, 12, 4); // 10 pieces a window
    assert.deepEqual(spans(plan), [
      [0, 3, 9],
      [2, 5, 9],
      [4, 6, 6],
    ]);
    checkPlan(ws, 12, 4, plan);
  });

  it('a word longer than the window is truncated to the window and gets a window of its own', () => {
    const ws = words([3, 20, 3]);
    const plan = planWindows(ws, 10, 2);
    assert.deepEqual(spans(plan), [
      [0, 1, 3],
      [1, 2, 8],
      [2, 3, 3],
    ]);
    assert.deepEqual([...plan.owner], [0, 1, 2]);
    checkPlan(ws, 10, 2, plan);
  });

  it('no window repeats only words of the one before (the overlap gives way to the next word)', () => {
    // 10 pieces a window, stride 5: after [5, 5] the 10-piece word cannot share a window with the
    // second 5-piece word, so starting the next window there would only repeat it
    const ws = words([5, 5, 10]);
    const plan = planWindows(ws, 12, 5);
    assert.deepEqual(spans(plan), [
      [0, 2, 10],
      [2, 3, 10],
    ]);
    checkPlan(ws, 12, 5, plan);
  });

  it('maximum length 3 (one piece a window): one word a window', () => {
    const ws = words([1, 2, 1]);
    const plan = planWindows(ws, 3, 5);
    assert.deepEqual(spans(plan), [
      [0, 1, 1],
      [1, 2, 1],
      [2, 3, 1],
    ]);
    checkPlan(ws, 3, 5, plan);
  });
});

describe('planWindows: properties on random piece counts', () => {
  it('windows fit, cover all words in order, overlap by about stride, and owners have the most context', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 40 })), { maxLength: 150 }),
        fc.integer({ min: 3, max: 40 }),
        fc.integer({ min: 0, max: 50 }),
        (counts, maxLength, stride) => {
          const ws = words(counts);
          checkPlan(ws, maxLength, stride, planWindows(ws, maxLength, stride));
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('a 1,000,000-character document', () => {
  const sentences = [
    "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced no evidence that any irregularities took place.",
    "He didn't know -- or didn't care -- what they'd said; it's 3.5 percent of $1,000,000.",
    'Café naïve résumé: 東京 ΟΔΟΣ \u{1f600} unaffable!',
    'Fellow-Citizens of the Senate and House of Representatives: I embrace with great satisfaction the opportunity.',
  ];
  function document(n: number): string {
    const parts: string[] = [];
    let len = 0;
    for (let i = 0; len < n; i++) {
      const s = `${sentences[i % sentences.length]} item${i}${i % 20 === 19 ? '\r\n' : ' '}`;
      parts.push(s);
      len += s.length;
    }
    return parts.join('').slice(0, n);
  }

  function measure(name: string, text: string): { ms: number; heapMB: number; words: TokenizedWord[]; plan: WindowPlan } {
    const h0 = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    const ws = tokenizeWords(patternTokenizer(), text);
    const plan = planWindows(ws, 128, 32);
    const ms = performance.now() - t0;
    const heapMB = (process.memoryUsage().heapUsed - h0) / 2 ** 20;
    const pieces = ws.reduce((a, w) => a + w.pieces.length, 0);
    console.log(
      `# ${name}: ${text.length} chars, ${ws.length} words, ${pieces} pieces, ${plan.windows.length} windows: ${ms.toFixed(0)} ms, heap +${heapMB.toFixed(1)} MiB`,
    );
    return { ms, heapMB, words: ws, plan };
  }

  it('prose: tokenizes and plans in reasonable time with heap use proportional to the text', () => {
    const text = document(1_000_000);
    const { heapMB, words: ws, plan } = measure('prose', text);
    assert.ok(heapMB < 300, `heap grew by ${heapMB} MiB`);
    assert.ok(ws.length > 100_000);
    // words in order and inside the text; every window fits
    for (let i = 1; i < ws.length; i++) assert.ok(ws[i].start >= ws[i - 1].end);
    assert.ok(ws[ws.length - 1].end <= text.length);
    for (const w of plan.windows) assert.ok(w.pieces <= 126);
    assert.equal(plan.windows[plan.windows.length - 1].endWord, ws.length);
    for (let i = 0; i < ws.length; i++) {
      const w = plan.windows[plan.owner[i]];
      assert.ok(w.firstWord <= i && i < w.endWord);
    }
  });

  it('planWindowSteps plans a 166k-word segment in steps of a few thousand words, the every word in its window', () => {
    const rand = rng(5);
    const counts = Int32Array.from({ length: 166_774 }, () => 1 + Math.floor(rand() * 3));
    const steps = planWindowSteps(counts, 128, 32);
    let yields = 0;
    let step = steps.next();
    for (; !step.done; step = steps.next()) yields++;
    // at least one step per 16,384 words in each of its two passes
    assert.ok(yields >= 2 * Math.floor(counts.length / 16_384), `${yields} steps`);
    const plan = step.value;
    assert.equal(plan.windows[plan.windows.length - 1].endWord, counts.length);
    for (let i = 0; i < counts.length; i++) {
      const w = plan.windows[plan.owner[i]];
      assert.ok(w.firstWord <= i && i < w.endWord, `word ${i} is in its window`);
    }
  });

  it("the labeler's flat tokens (tokenizeCompact) of it take a fraction of the object tokens' memory, same windows", () => {
    const text = document(1_000_000);
    const tokens = tokenizeCompact(patternTokenizer(), text, 126);
    const counts = new Int32Array(tokens.words);
    for (let i = 0; i < tokens.words; i++) counts[i] = tokens.pieceFirst[i + 1] - tokens.pieceFirst[i];
    const plan = planWindowsByCounts(counts, 128, 32);
    const objects = tokenizeWords(patternTokenizer(), text);
    assert.equal(tokens.words, objects.length);
    const ref = planWindows(objects, 128, 32);
    assert.deepEqual(plan.windows, ref.windows);
    assert.deepEqual(plan.owner, ref.owner);
    // Memory retained by each form, measured after a full GC in a child process (--expose-gc).
    const script = `
      const { TextTokenizer } = require(${JSON.stringify(require.resolve('../../src/core/tokenize'))});
      const { tokenizeCompact, tokenizeWords } = require(${JSON.stringify(require.resolve('../oracles/tokenize'))});
      const { tokenizerJsonFixture, WORD_PATTERN } = require(${JSON.stringify(require.resolve('./fixtures'))});
      const text = require('node:fs').readFileSync(0, 'utf8');
      const tok = new TextTokenizer(tokenizerJsonFixture(), { wordPattern: WORD_PATTERN });
      tokenizeWords(tok, text); // fills the word cache, shared by both forms
      const used = () => { gc(); gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
      let base = used();
      const flat = tokenizeCompact(tok, text, 126);
      const flatBytes = used() - base;
      base = used();
      const objects = tokenizeWords(tok, text);
      const objectBytes = used() - base;
      console.log(JSON.stringify({ flatMB: flatBytes / 2 ** 20, objectMB: objectBytes / 2 ** 20, keep: flat.words + objects.length }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { input: text, encoding: 'utf8', maxBuffer: 1 << 20 });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout.trim()) as { flatMB: number; objectMB: number };
    console.log(`# flat tokens of 1M characters: ${m.flatMB.toFixed(1)} MiB retained; object tokens: ${m.objectMB.toFixed(1)} MiB`);
    assert.ok(m.flatMB < m.objectMB / 3, `flat ${m.flatMB} MiB vs objects ${m.objectMB} MiB`);
  });

  it('one line that is a single 1,000,000-character word: one [UNK] piece, one window', () => {
    const text = 'a'.repeat(1_000_000);
    const { heapMB, words: ws, plan } = measure('one word', text);
    assert.ok(heapMB < 300, `heap grew by ${heapMB} MiB`);
    assert.equal(ws.length, 1);
    assert.deepEqual(
      ws[0].pieces.map((p) => [p.text, p.start, p.end]),
      [['[UNK]', 0, 1_000_000]],
    );
    assert.deepEqual(spans(plan), [[0, 1, 1]]);
  });
});
