// The analysis panel's data shaping: document scores averaged over windows weighted by length,
// the weights the controls select, hiding [CLS]/[SEP] with renormalisation (after rollout, which
// runs on the full window), piece layout, word ranges, capability notes, and the message checks.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { rollout, tokenAttention, tokenWeights, type WindowAttention } from '../../src/core/attention';
import { clsWeights } from '../oracles/attention';
import { averageSequence, type WindowResult } from '../../src/core/labeler';
import {
  capabilityNotes,
  selectWeights,
  spaceBefore,
  tokenDetail,
  visibleWeights,
  wordRange,
  type TokenAttentionGrid,
  type PanelToken,
} from '../../src/core/panel_data';
import { parseHostMessage, parseWebviewMessage } from '../../src/panel/protocol';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, eps = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < eps, `[${i}] ${a[i]} != ${b[i]}`);
};

const win = (pieces: number, scores: Record<string, number>): WindowResult => ({
  start: 0,
  end: 0,
  pieces,
  sequence: Object.entries(scores).map(([label, score]) => ({ label, score })),
});

test('document scores: windows averaged weighted by their length, sorted best first', () => {
  // 30 pieces of "news" at 0.9 and 10 pieces of "fiction" at 0.8:
  // news = (30·0.9 + 10·0.2) / 40 = 0.725, fiction = (30·0.1 + 10·0.8) / 40 = 0.275
  const doc = averageSequence([win(30, { news: 0.9, fiction: 0.1 }), win(10, { fiction: 0.8, news: 0.2 })], ['fiction', 'news']);
  assert.deepEqual(
    doc.map((r) => r.label),
    ['news', 'fiction'],
  );
  close(
    doc.map((r) => r.score),
    [0.725, 0.275],
  );
  // an unweighted mean would give 0.55 / 0.45: the length weighting is what is tested
  assert.ok(Math.abs(doc[0].score - 0.55) > 0.1);
});

test('document scores: a model without a sequence head gives none', () => {
  assert.deepEqual(averageSequence([win(5, {})], ['a', 'b']), []);
  assert.deepEqual(averageSequence([win(5, { a: 1 })], []), []);
  assert.deepEqual(averageSequence([], ['a']), []);
});

test('document scores stay a distribution (property)', () => {
  const labels = ['a', 'b', 'c'];
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.integer({ min: 1, max: 510 }),
          fc.array(fc.float({ min: Math.fround(0.01), max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        ),
        { minLength: 1, maxLength: 8 },
      ),
      (ws) => {
        const windows = ws.map(([pieces, raw]) => {
          const sum = raw.reduce((s, x) => s + x, 0);
          return win(pieces, Object.fromEntries(labels.map((l, i) => [l, raw[i] / sum])));
        });
        const doc = averageSequence(windows, labels);
        assert.ok(Math.abs(doc.reduce((s, r) => s + r.score, 0) - 1) < 1e-6);
        for (let i = 1; i < doc.length; i++) assert.ok(doc[i - 1].score >= doc[i].score);
        // each label's score lies between the windows' smallest and largest for it
        for (const r of doc) {
          const per = windows.map((w) => w.sequence.find((s) => s.label === r.label)!.score);
          assert.ok(r.score >= Math.min(...per) - 1e-9 && r.score <= Math.max(...per) + 1e-9);
        }
      },
    ),
  );
});

// 2 layers x 2 heads over [CLS] a b [SEP]
const tokens: PanelToken[] = [
  { text: '[CLS]', start: -1, end: -1, special: true, word: -1 },
  { text: 'walk', start: 10, end: 14, special: false, word: 0 },
  { text: '##ing', start: 14, end: 17, special: false, word: 0 },
  { text: 'home', start: 18, end: 22, special: false, word: 1 },
  { text: ',', start: 22, end: 23, special: false, word: 2 },
  { text: '[SEP]', start: -1, end: -1, special: true, word: -1 },
];
const grid: TokenAttentionGrid = {
  layers: 2,
  heads: 2,
  from: [
    [
      [0.4, 0.1, 0.1, 0.2, 0.1, 0.1],
      [0.2, 0.2, 0.2, 0.2, 0.1, 0.1],
    ],
    [
      [0.0, 0.5, 0.1, 0.1, 0.1, 0.2],
      [0.6, 0.0, 0.0, 0.0, 0.0, 0.4],
    ],
  ],
  to: [
    [
      [1, 0.5, 0.5, 0.5, 0.5, 0.5],
      [1, 0, 0, 0, 0, 0],
    ],
    [
      [1, 1, 1, 1, 1, 1],
      [1, 0.25, 0.25, 0.25, 0.25, 0.25],
    ],
  ],
  rolloutFrom: [0.3, 0.2, 0.1, 0.1, 0.1, 0.2],
  rolloutTo: [0.9, 0.4, 0.4, 0.4, 0.4, 0.4],
};

test('one layer and head: that row, unchanged', () => {
  close(selectWeights(grid, { direction: 'from', layer: 1, head: 0, rollout: false }), [0.0, 0.5, 0.1, 0.1, 0.1, 0.2]);
  close(selectWeights(grid, { direction: 'to', layer: 0, head: 1, rollout: false }), [1, 0, 0, 0, 0, 0]);
});

test('mean over heads, and over all layers', () => {
  close(selectWeights(grid, { direction: 'from', layer: 0, head: 'mean', rollout: false }), [0.3, 0.15, 0.15, 0.2, 0.1, 0.1]);
  close(selectWeights(grid, { direction: 'from', layer: 'all', head: 1, rollout: false }), [0.4, 0.1, 0.1, 0.1, 0.05, 0.25]);
  close(selectWeights(grid, { direction: 'to', layer: 'all', head: 'mean', rollout: false }), [1, 0.4375, 0.4375, 0.4375, 0.4375, 0.4375]);
});

test("rollout: the host's rollout vector for the direction, not a mean of rows", () => {
  close(selectWeights(grid, { direction: 'from', layer: 0, head: 0, rollout: true }), grid.rolloutFrom);
  close(selectWeights(grid, { direction: 'to', layer: 'all', head: 'mean', rollout: true }), grid.rolloutTo);
});

test("any token's row and column: tokenAttention reads the window's matrices, [CLS]'s being clsWeights", () => {
  // 3 tokens, 1 layer, 2 heads
  const h0 = [0.5, 0.25, 0.25, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6];
  const h1 = [0.2, 0.4, 0.4, 0.3, 0.3, 0.4, 0.5, 0.0, 0.5];
  const att: WindowAttention = { layers: 1, heads: 2, n: 3, data: Float32Array.from([...h0, ...h1]) };
  const r = rollout(att);
  const t1 = tokenAttention(att, r, 1);
  close(t1.from[0][0], [0.1, 0.6, 0.3]);
  close(t1.to[0][0], [0.25, 0.6, 0.2]);
  close(t1.from[0][1], [0.3, 0.3, 0.4]);
  close(t1.to[0][1], [0.4, 0.3, 0.0]);
  close(t1.rolloutFrom, [r[3], r[4], r[5]]);
  close(t1.rolloutTo, [r[1], r[4], r[7]]);
  const t0 = tokenAttention(att, r, 0);
  close(t0.from[0][0], clsWeights(att.data.subarray(0, 9), 3, 'fromCls'));
  close(t0.to[0][1], clsWeights(att.data.subarray(9, 18), 3, 'toCls'));
  close(tokenWeights(r, 3, 2, 'from'), [r[6], r[7], r[8]]);
  assert.throws(() => tokenWeights(r, 3, 3, 'from'), /no token 3/);
});

test('a layer or head the data does not have is an error, not a silent zero', () => {
  assert.throws(() => selectWeights(grid, { direction: 'from', layer: 2, head: 0, rollout: false }), /layer 2/);
});

test('hiding [CLS]/[SEP] drops them and renormalises the rest to 1', () => {
  const w = selectWeights(grid, { direction: 'from', layer: 0, head: 0, rollout: false });
  const shown = visibleWeights(tokens, w, true);
  assert.deepEqual(
    shown.map((s) => s.index),
    [1, 2, 3, 4],
  );
  close(
    shown.map((s) => s.weight),
    [0.2, 0.2, 0.4, 0.2],
  );
  const all = visibleWeights(tokens, w, false);
  assert.deepEqual(
    all.map((s) => s.index),
    [0, 1, 2, 3, 4, 5],
  );
  close(
    all.map((s) => s.weight),
    w,
  );
  // all of [CLS]'s attention on specials: nothing to spread, all zero (no NaN)
  close(
    visibleWeights(tokens, grid.from[1][1], true).map((s) => s.weight),
    [0, 0, 0, 0],
  );
  assert.throws(() => visibleWeights(tokens, [1, 2], true), /2 weights for 6 tokens/);
});

test('rollout input: rollout runs on the full window, specials are hidden only afterwards', () => {
  // [CLS] a b [SEP], two layers, one head; [CLS] and [SEP] carry attention.
  const n = 4;
  const m = [0.4, 0.1, 0.2, 0.3, 0.3, 0.3, 0.2, 0.2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.1, 0.1, 0.3];
  const att: WindowAttention = { layers: 2, heads: 1, n, data: Float32Array.from([...m, ...m]) };
  const full = clsWeights(rollout(att), n, 'fromCls');
  const col = (k: number): number[] => [m[k], m[4 + k], m[8 + k], m[12 + k]];
  const msgGrid: TokenAttentionGrid = {
    layers: 2,
    heads: 1,
    from: [[m.slice(0, 4)], [m.slice(0, 4)]],
    to: [[col(0)], [col(0)]],
    rolloutFrom: Array.from(full),
    rolloutTo: Array.from(clsWeights(rollout(att), n, 'toCls')),
  };
  const toks: PanelToken[] = [tokens[0], tokens[3], tokens[4], tokens[5]];
  const view = { direction: 'from', layer: 'all', head: 'mean', rollout: true } as const;
  const shown = visibleWeights(toks, selectWeights(msgGrid, view), true);
  assert.deepEqual(
    shown.map((s) => s.index),
    [1, 2],
  );
  const inner = full[1] + full[2];
  close(
    shown.map((s) => s.weight),
    [full[1] / inner, full[2] / inner],
  );
  // hiding first (rollout of the 2x2 text-only block, rows renormalised) gives another answer
  const textOnly = [m[5], m[6], m[9], m[10]];
  const rs = (i: number): number => textOnly[i * 2] + textOnly[i * 2 + 1];
  const t2 = Float32Array.from([textOnly[0] / rs(0), textOnly[1] / rs(0), textOnly[2] / rs(1), textOnly[3] / rs(1)]);
  const early = clsWeights(rollout({ layers: 2, heads: 1, n: 2, data: Float32Array.from([...t2, ...t2]) }), 2, 'fromCls');
  assert.ok(Math.abs(early[0] - shown[0].weight) > 1e-3, 'hiding before the rollout would change the weights');
  close(
    visibleWeights(toks, selectWeights(msgGrid, view), false).map((s) => s.weight),
    full,
  );
  assert.ok(Math.abs(full.reduce((s, x) => s + x, 0) - 1) < 1e-6, 'the full-window rollout row is a distribution');
});

test('hidden specials: the visible weights sum to 1 whenever any text token has weight (property)', () => {
  fc.assert(
    fc.property(fc.array(fc.float({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 40 }), (w) => {
      const toks: PanelToken[] = w.map((_, i) => ({
        text: 't',
        start: i * 2,
        end: i * 2 + 1,
        special: i === 0 || i === w.length - 1,
        word: i,
      }));
      const shown = visibleWeights(toks, w, true);
      assert.equal(shown.length, w.length - 2);
      const inner = w.slice(1, -1).reduce((s, x) => s + Math.fround(x), 0);
      const sum = shown.reduce((s, x) => s + x.weight, 0);
      if (inner > 1e-6) assert.ok(Math.abs(sum - 1) < 1e-4, `sum ${sum}`);
      // order is kept: the largest raw weight stays the largest shown
      if (inner > 1e-6) {
        const iMax = w.slice(1, -1).indexOf(Math.max(...w.slice(1, -1)));
        assert.equal(Math.max(...shown.map((s) => s.weight)), shown[iMax].weight);
      }
    }),
  );
});

test('pieces that touch in the document are joined, others spaced', () => {
  const spaced = tokens.map((t, i) => spaceBefore(tokens[i - 1], t));
  // [CLS] walk##ing home, [SEP]  ->  "[CLS] walking home, [SEP]"
  assert.deepEqual(spaced, [false, true, false, true, false, true]);
  let s = '';
  tokens.forEach((t, i) => (s += (spaced[i] ? ' ' : '') + (t.special ? t.text : t.text.replace(/^##/, ''))));
  assert.equal(s, '[CLS] walking home, [SEP]');
});

test('clicking a piece selects its whole word', () => {
  assert.deepEqual(wordRange(tokens, 2), { start: 10, end: 17 });
  assert.deepEqual(wordRange(tokens, 1), { start: 10, end: 17 });
  assert.deepEqual(wordRange(tokens, 3), { start: 18, end: 22 });
  assert.equal(wordRange(tokens, 0), undefined);
  assert.equal(wordRange(tokens, 99), undefined);
});

test('token detail: exact weight and the label in force (a correction says so, with the model label)', () => {
  assert.equal(tokenDetail('home', 0.123456789, 'NOUN'), 'home: weight 0.123457 (12.35%) · label NOUN');
  assert.equal(tokenDetail('[CLS]', 0.5, undefined), '[CLS]: weight 0.500000 (50.00%)');
  assert.equal(tokenDetail('home', 0.5, 'ADV', 'corrected', 'NOUN'), 'home: weight 0.500000 (50.00%) · label ADV (corrected; model: NOUN)');
  assert.equal(tokenDetail('home', 0.5, 'NOUN', 'reviewed', 'NOUN'), 'home: weight 0.500000 (50.00%) · label NOUN (reviewed)');
});

test('capability notes say what is missing and what can still be shown', () => {
  assert.deepEqual(capabilityNotes({ sequenceHead: true, tokenHead: true, attentions: true }), []);
  const plain = capabilityNotes({ sequenceHead: false, tokenHead: true, attentions: false }).join(' ');
  assert.match(plain, /no sequence head/);
  assert.match(plain, /no "attentions" output/);
  assert.match(plain, /can still show its per-word labels/);
  const noAtt = capabilityNotes({ sequenceHead: true, tokenHead: false, attentions: false }).join(' ');
  assert.doesNotMatch(noAtt, /sequence head/);
  assert.match(noAtt, /can still show its classification scores/);
});

test('host messages are validated: well-formed accepted, malformed dropped', () => {
  const doc = { uri: 'file:///f', version: 3 };
  const scores = {
    type: 'scores',
    doc,
    model: 'm',
    file: 'f',
    document: [
      { label: 'a', score: 0.6 },
      { label: 'b', score: 0.4 },
    ],
    segment: [],
    selection: [],
    selectionLength: 0,
    sequenceLabels: ['a', 'b'],
    capabilities: { sequenceHead: true, tokenHead: true, attentions: false },
  };
  assert.deepEqual(parseHostMessage(scores), scores);
  assert.equal(parseHostMessage({ ...scores, document: [{ label: 'a', score: Number.NaN }] }), undefined);
  assert.equal(parseHostMessage({ ...scores, capabilities: { sequenceHead: 'yes' } }), undefined);
  assert.equal(parseHostMessage({ ...scores, selectionLength: -1 }), undefined);
  const { capabilities: _dropped, ...noModel } = scores;
  assert.ok(parseHostMessage(noModel), 'no capabilities while no model is loaded');
  const att = { type: 'attention', doc, file: 'f', windowStart: 0, focus: 0, tokens, ...grid };
  assert.ok(parseHostMessage(att));
  assert.equal(parseHostMessage({ ...att, rolloutFrom: [0.1] }), undefined, 'rollout of the wrong length');
  assert.equal(parseHostMessage({ ...att, doc: undefined }), undefined, 'no document stamp');
  assert.equal(parseHostMessage({ ...att, doc: { uri: 'file:///f', version: -1 } }), undefined, 'a bad version');
  assert.equal(parseHostMessage({ ...att, focus: tokens.length }), undefined, 'a focus token past the window');
  assert.equal(parseHostMessage({ ...scores, doc: undefined }), undefined, 'scores without a document stamp');
  assert.equal(parseHostMessage({ ...att, from: grid.from.slice(1) }), undefined, 'fewer layers than announced');
  assert.equal(parseHostMessage({ type: 'nope' }), undefined);
  assert.equal(parseHostMessage(null), undefined);
});

test('webview messages are validated: reveal needs a non-negative integer range', () => {
  assert.deepEqual(parseWebviewMessage({ type: 'reveal', start: 3, end: 7 }), { type: 'reveal', start: 3, end: 7 });
  assert.deepEqual(parseWebviewMessage({ type: 'ready', extra: 1 }), { type: 'ready' });
  for (const bad of [
    { type: 'reveal', start: -1, end: 2 },
    { type: 'reveal', start: 5, end: 2 },
    { type: 'reveal', start: 1.5, end: 2 },
    { type: 'reveal', start: '1', end: 2 },
    { type: 'run', command: 'x' },
    'reveal',
    undefined,
  ]) {
    assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  }
});
