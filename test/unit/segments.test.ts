// Segments and the segment cache: every character in one segment, segments fit the model,
// boundaries are local (an edit changes few segments), and incremental labels equal a full
// run's after random edits (with the shipped model through the worker).
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { Labeler } from '../../src/core/labeler';
import { SegmentCache, type SegmentLabels } from '../../src/core/segments';
import { segmentText } from '../oracles/segments';
import { allocateTable } from '../../src/core/word_table';
import { openShippedModel, patternTokenizer } from './fixtures';

const SENTENCES = [
  'The council met on Monday.',
  'It voted on the plan!',
  'Was anyone surprised?',
  'Nobody said a word…',
  '"We will see," she said.',
  'Prices rose 3.5% in 1961.',
  "Don't stop now.",
  'He left (quietly).',
  'A very long sentence follows, with many words that go on and on and on, clause after clause, until it ends.',
];
const docArb = fc
  .array(fc.record({ s: fc.constantFrom(...SENTENCES), sep: fc.constantFrom(' ', ' ', ' ', '\n', '\n\n') }), {
    minLength: 0,
    maxLength: 60,
  })
  .map((parts) => parts.map((p) => p.s + p.sep).join(''));

const tok = patternTokenizer();
const count = (s: string): number => tok.countPieces(s, 30);

describe('segmentText', () => {
  test('covers every character once, in order, and segments fit the budget', () => {
    fc.assert(
      fc.property(docArb, fc.integer({ min: 20, max: 126 }), (text, budget) => {
        const segs = segmentText(text, { budget, countPieces: count });
        let pos = 0;
        for (const s of segs) {
          assert.equal(s.start, pos);
          assert.ok(s.end > s.start);
          assert.equal(s.text, text.slice(s.start, s.end));
          pos = s.end;
          // only a single sentence longer than the budget makes a segment over budget
          if (count(s.text) > budget) {
            assert.equal(segmentText(s.text, { budget: Infinity, countPieces: count, cutEvery: 1 }).length, 1, `"${s.text}"`);
          }
        }
        assert.equal(pos, text.length);
      }),
      { numRuns: 300 },
    );
  });

  test('counting that stops past the budget gives the same cuts (the labeler counts that way)', () => {
    fc.assert(
      fc.property(docArb, fc.integer({ min: 10, max: 80 }), (text, budget) => {
        const full = segmentText(text, { budget, countPieces: count });
        const capped = segmentText(text, { budget, countPieces: (s) => tok.countPieces(s, 30, budget) });
        assert.deepEqual(capped, full);
      }),
      { numRuns: 300 },
    );
  });

  test('paragraph breaks always end a segment', () => {
    const segs = segmentText('One two.\n\nThree four.', { budget: 100, countPieces: count });
    assert.deepEqual(
      segs.map((s) => s.text),
      ['One two.\n\n', 'Three four.'],
    );
  });

  test('boundaries are local: an edit inside one sentence changes few segments', () => {
    fc.assert(
      fc.property(docArb, fc.nat(), (text, at) => {
        fc.pre(text.length > 0);
        const pos = at % text.length;
        const edited = text.slice(0, pos) + 'inserted words ' + text.slice(pos);
        const before = new Set(segmentText(text, { budget: 60, countPieces: count }).map((s) => s.text));
        const after = segmentText(edited, { budget: 60, countPieces: count });
        const changed = after.filter((s) => !before.has(s.text)).length;
        assert.ok(changed <= 4, `${changed} segments changed`);
      }),
      { numRuns: 300 },
    );
  });
});

describe('SegmentCache', () => {
  const labels = (settings: string): SegmentLabels => ({ table: allocateTable('', ['X'], 0, 0, 1, []), windows: [], settings });

  test('keeps the most recently used entries within its capacity', () => {
    const c = new SegmentCache(2);
    const r = labels('s');
    c.set('a', r);
    c.set('b', r);
    c.get('a', 's');
    c.set('c', r);
    assert.ok(c.get('a', 's') && c.get('c', 's'));
    assert.equal(c.get('b', 's'), undefined);
    assert.equal(c.size, 2);
  });

  test('an entry made with other settings (strategy, stride, ...) is not reused', () => {
    const c = new SegmentCache();
    c.set('a', labels('first'));
    assert.equal(c.get('a', 'average'), undefined);
    assert.equal(c.get('a', 'first')?.settings, 'first');
  });

  test('segmenting an edited text counts only the changed sentences, with the same cuts', () => {
    fc.assert(
      fc.property(docArb, fc.nat(), fc.constantFrom(' And so it goes.', 'x', '\n\n'), (doc, at, insert) => {
        const tok = { id: 'tokenizer' };
        const cache = new SegmentCache();
        const counted: string[] = [];
        const count = (s: string): number => (counted.push(s), s.split(/\s+/).length);
        const cuts = (text: string, countPieces: (s: string) => number) =>
          segmentText(text, { budget: 24, countPieces }).map((g) => [g.start, g.end]);
        cuts(doc, cache.pieceCounter(tok, count));
        const i = doc.length ? at % doc.length : 0;
        const edited = doc.slice(0, i) + insert + doc.slice(i);
        counted.length = 0;
        const reused = cuts(edited, cache.pieceCounter(tok, count));
        const sentencesCounted = counted.length;
        counted.length = 0;
        assert.deepEqual(reused, cuts(edited, count));
        // a sentence is counted again only if the edit touched it (at most the two around it, and the inserted ones)
        assert.ok(sentencesCounted <= 4, `${sentencesCounted} sentences counted again`);
        // another counter (another tokenizer) reads none of these counts
        counted.length = 0;
        cuts(edited, count);
        const all = counted.length;
        counted.length = 0;
        cuts(edited, cache.pieceCounter({ id: 'other' }, count));
        assert.equal(counted.length, all);
      }),
    );
  });

  test("keeps no version of a document alive through its keys (a key is not a slice of the document's text)", () => {
    const script = `
      const { SegmentCache } = require(${JSON.stringify(require.resolve('../../src/core/segments'))});
      const { allocateTable } = require(${JSON.stringify(require.resolve('../../src/core/word_table'))});
      const used = () => { gc(); gc(); return process.memoryUsage().heapUsed; };
      const cache = new SegmentCache();
      const base = used();
      for (let v = 0; v < 40; v++) {
        const text = ('Version ' + v + ' of a long document. ').repeat(50_000); // ~1.5 MB each
        cache.set(text.slice(1000, 1400), { table: allocateTable('', ['X'], 0, 0, 1, []), windows: [], settings: 's' });
      }
      console.log(JSON.stringify({ grownMB: (used() - base) / 2 ** 20, size: cache.size }));
    `;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const m = JSON.parse(r.stdout.trim()) as { grownMB: number; size: number };
    assert.equal(m.size, 40);
    // 40 versions of ~1.5 MB would be ~60 MB (~120 MB as two-byte strings) if the keys were slices
    assert.ok(m.grownMB < 10, `the cache kept ${m.grownMB.toFixed(1)} MiB after 40 versions`);
  });
});

describe('incremental labeling (shipped model)', () => {
  let labeler: Labeler;
  before(async () => {
    labeler = await openShippedModel();
  });
  after(async () => labeler?.dispose());

  const editArb = fc.record({
    at: fc.nat(),
    del: fc.nat({ max: 30 }),
    ins: fc.constantFrom('', 'x', ' new words ', '. Then ', '\n\n', 'é😀', "isn't"),
  });

  test('after random edits, labels from the cache equal a fresh full run', async () => {
    await fc.assert(
      fc.asyncProperty(docArb, fc.array(editArb, { minLength: 1, maxLength: 6 }), async (doc, edits) => {
        const cache = new SegmentCache();
        let text = doc;
        await labeler.label(text, { cache });
        for (const e of edits) {
          const at = text.length ? e.at % (text.length + 1) : 0;
          text = text.slice(0, at) + e.ins + text.slice(Math.min(text.length, at + e.del));
          const inc = await labeler.label(text, { cache });
          const full = await labeler.label(text);
          const key = (r: typeof inc): string[] => r.words.map((w) => `${w.start}-${w.end}:${w.label}:${w.score.toFixed(6)}`);
          assert.deepEqual(key(inc), key(full));
          assert.deepEqual(
            inc.sequence.map((s) => s.label),
            full.sequence.map((s) => s.label),
          );
          assert.ok(inc.segments.run <= full.segments.total);
        }
      }),
      { numRuns: 40 },
    );
  });
});
