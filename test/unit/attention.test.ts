import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { meanHeads, rollout, windowAttention, withoutTokens, type WindowAttention } from '../../src/core/attention';
import { clsAttention } from '../oracles/attention';

const close = (a: ArrayLike<number>, b: number[], eps = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < eps, `[${i}] ${a[i]} != ${b[i]}`);
};

// 2 layers, 2 heads, 3 tokens; rows sum to 1.
const L0H0 = [0.5, 0.25, 0.25, 0.1, 0.8, 0.1, 0.2, 0.2, 0.6];
const L0H1 = [0.1, 0.6, 0.3, 0.3, 0.3, 0.4, 0.0, 0.5, 0.5];
const L1H0 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
const L1H1 = [0, 1, 0, 0, 0, 1, 1, 0, 0];
const att: WindowAttention = { layers: 2, heads: 2, n: 3, data: Float32Array.from([...L0H0, ...L0H1, ...L1H0, ...L1H1]) };

test('from [CLS] is row 0, to [CLS] is column 0', () => {
  close(clsAttention(att, 0, 0, 'fromCls'), [0.5, 0.25, 0.25]);
  close(clsAttention(att, 0, 0, 'toCls'), [0.5, 0.1, 0.2]);
  close(clsAttention(att, 0, 1, 'toCls'), [0.1, 0.3, 0.0]);
});

test('mean over heads', () => {
  close(meanHeads(att, 0), [0.3, 0.425, 0.275, 0.2, 0.55, 0.25, 0.1, 0.35, 0.55]);
  close(clsAttention(att, 1, 'mean', 'fromCls'), [0.5, 0.5, 0]);
});

test('rollout of one layer is 0.5·mean + 0.5·I, rows renormalised', () => {
  close(rollout(att, 0), [0.65, 0.2125, 0.1375, 0.1, 0.775, 0.125, 0.05, 0.175, 0.775]);
});

test('rollout multiplies the layers (upper layer on the left)', () => {
  // layer 1: mean heads = [[.5,.5,0],[0,.5,.5],[.5,0,.5]] -> 0.5 m + 0.5 I
  const a1 = [0.75, 0.25, 0, 0, 0.75, 0.25, 0.25, 0, 0.75];
  const a0 = [0.65, 0.2125, 0.1375, 0.1, 0.775, 0.125, 0.05, 0.175, 0.775];
  const expected: number[] = [];
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += a1[i * 3 + k] * a0[k * 3 + j];
      expected.push(s);
    }
  const r = rollout(att);
  close(r, expected);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(r[i * 3] + r[i * 3 + 1] + r[i * 3 + 2] - 1) < 1e-6, 'rows stay distributions');
});

test('dropping [CLS] and [SEP] renormalises the rest', () => {
  close(withoutTokens(Float32Array.from([0.5, 0.3, 0.1, 0.1]), new Set([0, 3])), [0.75, 0.25]);
  close(withoutTokens(Float32Array.from([1, 0, 0]), new Set([0])), [0, 0]);
});

test('one window is cut out of a padded batch output', () => {
  // batch 2, 1 layer, 1 head, seq 3; row 1 has 2 real tokens
  const data = Float32Array.from([...Array(9).fill(9), 0.7, 0.3, -1, 0.4, 0.6, -1, -1, -1, -1]);
  const w = windowAttention([2, 1, 1, 3, 3], data, 1, 2);
  close(w.data, [0.7, 0.3, 0.4, 0.6]);
  assert.equal(w.n, 2);
});
