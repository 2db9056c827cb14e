// The analysis panel's one state (webview/state.ts): the reported disagreements between what
// the panel's controls say and what it shows, as steps of `reduce`. A grid cell sets the layer
// and head the dropdowns show; a chosen layer stays through new data; the detail line follows
// the controls; attention for another document or version is dropped and a new document clears
// the old one's; the token-to-token view's focus; saved controls are checked.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttentionMessage, DocStamp, ScoresMessage } from '../../src/panel/protocol';
import {
  DEFAULT_CONTROLS,
  DETAIL_HINT,
  detailLine,
  directionOptions,
  focusOf,
  initialState,
  reduce,
  restoreControls,
  shownWeights,
  WAITING,
  type PanelEvent,
  type PanelState,
} from '../../webview/state';

const A: DocStamp = { uri: 'file:///a.txt', version: 1 };
const B: DocStamp = { uri: 'file:///b.txt', version: 7 };

const scores = (doc: DocStamp, file = doc.uri.slice(8)): ScoresMessage => ({
  type: 'scores',
  doc,
  model: 'm',
  file,
  document: [{ label: 'press', score: 1 }],
  segment: [],
  selection: [],
  selectionLength: 0,
  sequenceLabels: ['press'],
  capabilities: { sequenceHead: true, tokenHead: true, attentions: true },
});

/** Attention over [CLS] w0 w1 [SEP] with 2 layers x 2 heads; each (layer, head) row differs. */
function attention(doc: DocStamp, focus = 0, words = ['alpha', 'beta'], windowStart = 0): AttentionMessage {
  const n = words.length + 2;
  const row = (l: number, h: number, k: number): number[] => {
    const raw = Array.from({ length: n }, (_, j) => 1 + ((j + l * 3 + h * 5 + k * 7) % n));
    const sum = raw.reduce((a, b) => a + b, 0);
    return raw.map((x) => x / sum);
  };
  const grid = (k: number): number[][][] => [0, 1].map((l) => [0, 1].map((h) => row(l, h, k + focus)));
  return {
    type: 'attention',
    doc,
    file: doc.uri.slice(8),
    windowStart,
    focus,
    tokens: [
      { text: '[CLS]', start: -1, end: -1, special: true, word: -1 },
      ...words.map((w, i) => ({
        text: w,
        start: windowStart + i * 6,
        end: windowStart + i * 6 + w.length,
        special: false,
        word: i,
        label: 'NOUN',
      })),
      { text: '[SEP]', start: -1, end: -1, special: true, word: -1 },
    ],
    layers: 2,
    heads: 2,
    from: grid(0),
    to: grid(1),
    rolloutFrom: row(0, 0, 9),
    rolloutTo: row(1, 1, 9),
  };
}

const run = (s: PanelState, ...events: PanelEvent[]): PanelState => events.reduce(reduce, s);
const host = (message: ScoresMessage | AttentionMessage | { type: 'noAttention'; doc: DocStamp; reason: string }): PanelEvent => ({
  type: 'host',
  message,
});

test('clicking the grid cell for layer 1 / head 1: the controls say layer 1, head 1 (not "all layers")', () => {
  const s = run(initialState(undefined), host(scores(A)), host(attention(A)), { type: 'pickCell', layer: 1, head: 1 });
  assert.deepEqual([s.controls.layer, s.controls.head, s.controls.rollout], [1, 1, false]);
  // what is drawn is that layer and head's row
  const a = (s.attention as { message: AttentionMessage }).message;
  assert.deepEqual(
    shownWeights(a, { ...s.controls, hideSpecial: false }).map((r) => r.weight),
    a.from[1][1],
  );
  // a cell picked while the rollout was on turns the rollout off
  const r = run(s, { type: 'controls', change: { rollout: true } }, { type: 'pickCell', layer: 0, head: 1 });
  assert.deepEqual([r.controls.layer, r.controls.head, r.controls.rollout], [0, 1, false]);
});

test('a chosen layer stays: through new scores, new attention for the document and another window', () => {
  let s = run(initialState(undefined), host(scores(A)), host(attention(A)), { type: 'controls', change: { layer: 1 } });
  s = run(s, host(scores(A)), host(attention(A)), host(attention(A, 0, ['gamma', 'delta', 'eps'], 40)));
  assert.equal(s.controls.layer, 1);
  assert.equal(s.controls.head, 'mean');
  // a model with fewer layers brings it back to "all" (the layer does not exist), not silently to 0
  const one: AttentionMessage = { ...attention(A), layers: 1, from: [attention(A).from[0]], to: [attention(A).to[0]] };
  assert.equal(run(s, host(one)).controls.layer, 'all');
});

test('the detail line follows the controls: the hovered token shows its weight in the layer chosen now', () => {
  let s = run(initialState(undefined), host(scores(A)), host(attention(A)), { type: 'hover', index: 1 });
  const a = (s.attention as { message: AttentionMessage }).message;
  const weightIn = (st: PanelState): number => shownWeights(a, st.controls).find((r) => r.index === 1)!.weight;
  const before = detailLine(s);
  assert.match(before, new RegExp(`^alpha: weight ${weightIn(s).toFixed(6)} `));
  s = run(s, { type: 'controls', change: { layer: 0 } });
  const after = detailLine(s);
  assert.match(after, new RegExp(`^alpha: weight ${weightIn(s).toFixed(6)} `));
  assert.notEqual(after, before, 'the layer change changed the weight: the line must change too');
  // no token pointed at: the hint, not a stale weight
  assert.equal(detailLine(run(s, { type: 'hover', index: undefined })), DETAIL_HINT);
});

test("switching documents: the attention row never shows another document's tokens under the current header", () => {
  let s = run(initialState(undefined), host(scores(A)), host(attention(A)));
  assert.equal(s.status, 'm · a.txt');
  // the user switches to b.txt: its scores arrive, then a late attention message for a.txt
  s = run(s, host(scores(B)));
  assert.equal(s.status, 'm · b.txt');
  assert.deepEqual(s.attention, { kind: 'waiting', note: WAITING }, "a.txt's attention is cleared with its header");
  s = run(s, host(attention(A)));
  assert.equal(s.attention.kind, 'waiting', 'a late attention message for a.txt is dropped');
  s = run(s, host(attention(B)));
  assert.equal(s.attention.kind, 'shown');
  assert.equal((s.attention as { message: AttentionMessage }).message.doc.uri, B.uri);
  // an edit (a new version) drops the old version's attention too
  const B2 = { ...B, version: 8 };
  s = run(s, host(scores(B2)), host(attention(B)));
  assert.equal(s.attention.kind, 'waiting');
  // and a no-attention note for another document is dropped
  s = run(s, host({ type: 'noAttention', doc: A, reason: 'no attentions' }));
  assert.equal(s.attention.kind, 'waiting');
  s = run(s, host({ type: 'noAttention', doc: B2, reason: 'no attentions' }));
  assert.deepEqual(s.attention, { kind: 'unavailable', reason: 'no attentions' });
});

test('attention before any scores has no document to belong to: dropped', () => {
  assert.equal(run(initialState(undefined), host(attention(A))).attention.kind, 'waiting');
});

test('the token-to-token view: [CLS] by default; a picked token stays picked until its attention arrives', () => {
  let s = run(initialState(undefined), host(scores(A)), host(attention(A)));
  assert.equal(focusOf(s), 0);
  assert.deepEqual(
    directionOptions((s.attention as { message: AttentionMessage }).message, 0).map(([, l]) => l),
    ['from [CLS] to every token', 'every token to [CLS]'],
  );
  s = run(s, { type: 'focus', index: 2 });
  assert.equal(focusOf(s), 2);
  // a labels-only resend for the same window, still for [CLS], does not undo the pick
  s = run(s, host(attention(A, 0)));
  assert.equal(focusOf(s), 2);
  s = run(s, host(attention(A, 2)));
  assert.equal(focusOf(s), 2);
  assert.equal(s.pendingFocus, undefined);
  const a = (s.attention as { message: AttentionMessage }).message;
  assert.deepEqual(
    directionOptions(a, 2).map(([, l]) => l),
    ['from "beta" (#2) to every token', 'every token to "beta" (#2)'],
  );
  // another window: the pick is over, the host's focus (the window's [CLS]) holds
  s = run(s, { type: 'focus', index: 1 }, host(attention(A, 0, ['x', 'y', 'z'], 50)));
  assert.equal(focusOf(s), 0);
});

test('hover survives new data for the same window, not a new window', () => {
  let s = run(initialState(undefined), host(scores(A)), host(attention(A)), { type: 'hover', index: 2 });
  s = run(s, host(attention(A)));
  assert.equal(s.hovered, 2);
  s = run(s, host(attention(A, 0, ['one', 'two'], 90)));
  assert.equal(s.hovered, undefined);
});

test('saved controls are checked field by field; old saved directions are understood', () => {
  assert.deepEqual(restoreControls(undefined), DEFAULT_CONTROLS);
  assert.deepEqual(restoreControls({ controls: { direction: 'toCls', layer: 2, head: 0, rollout: true, hideSpecial: false } }), {
    direction: 'to',
    layer: 2,
    head: 0,
    rollout: true,
    hideSpecial: false,
  });
  assert.deepEqual(restoreControls({ controls: { direction: '<script>', layer: -1, head: 1.5, rollout: 'yes' } }), DEFAULT_CONTROLS);
  assert.deepEqual(restoreControls('junk'), DEFAULT_CONTROLS);
});
