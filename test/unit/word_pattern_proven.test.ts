// The patterns that skip the proof at load must pass it, and must be the ones training writes.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { PROVEN_WORD_PATTERNS } from '../../src/core/proven_patterns';
import { wordPatternBacktrackingProblems, wordPatternShapeProblems } from '../../src/core/word_pattern';

const ROOT = path.resolve(__dirname, '../../..');

test('every pattern listed as proven passes the proof', () => {
  assert.ok(PROVEN_WORD_PATTERNS.size >= 1);
  // both halves of the proof (the shape, then backtracking), here in the test's thread
  for (const p of PROVEN_WORD_PATTERNS) {
    assert.deepEqual(wordPatternShapeProblems(p), [], p);
    assert.deepEqual(wordPatternBacktrackingProblems(p), [], p);
  }
});

test("the project's own patterns (training's fixture and the shipped bundle's) are the listed ones", () => {
  const fixture = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/word_pattern.json'), 'utf8'));
  assert.ok(PROVEN_WORD_PATTERNS.has(fixture.ud_word_pattern));
  assert.ok(PROVEN_WORD_PATTERNS.has(fixture.word_pattern));
  const shipped = JSON.parse(readFileSync(path.join(ROOT, 'models/default/config.json'), 'utf8'));
  assert.ok(PROVEN_WORD_PATTERNS.has(shipped.word_pattern));
});
