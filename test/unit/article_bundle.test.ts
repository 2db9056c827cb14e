// A bundle made from the seed article's own `BertLSTM` (its state dict: Hugging Face BERT names,
// `lstm.*`, `fc.*`) by `python3 -m training import-article` (test/fixtures/make_article_bundle.py
// writes test/fixtures/article-bundle) passes the bundle checks and labels through the same core:
// its sequence scores are the article's own forward, computed in PyTorch (expected.json).
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Labeler } from '../../src/core/labeler';
import { FIXTURES, REPO } from './fixtures';
import { tokenizeWords } from '../oracles/tokenize';

interface Expected {
  readonly text: string;
  readonly input_ids: number[];
  readonly sequence: Record<string, number>;
}

const BUNDLE = path.join(FIXTURES, 'article-bundle');

test("the article's BertLSTM, imported, is a sequence-head bundle whose scores are the article's forward", async () => {
  const opened = await Labeler.open(BUNDLE, { workerPath: path.join(REPO, 'out/src/core/engine_worker.js') });
  assert.ok(opened.ok, !opened.ok ? opened.problems.join('; ') : '');
  const labeler = opened.value;
  try {
    assert.equal(labeler.roles.sequenceLogits, 'sequence_logits');
    assert.equal(labeler.roles.tokenLogits, undefined);
    assert.ok(labeler.roles.attentions);
    const expected = JSON.parse(readFileSync(path.join(BUNDLE, 'expected.json'), 'utf8')) as Expected[];
    for (const e of expected) {
      const ids = [
        labeler.tokenizer.clsId,
        ...tokenizeWords(labeler.tokenizer, e.text).flatMap((w) => w.pieces.map((p) => p.id)),
        labeler.tokenizer.sepId,
      ];
      assert.deepEqual(ids, e.input_ids, `the extension's pieces of ${JSON.stringify(e.text)} are the ones the reference ran on`);
      const r = await labeler.label(e.text);
      assert.equal(r.sequence.length, 3);
      for (const s of r.sequence)
        assert.ok(Math.abs(s.score - e.sequence[s.label]) < 1e-4, `${e.text}: ${s.label} ${s.score} vs ${e.sequence[s.label]}`);
      const best = Object.entries(e.sequence).sort((a, b) => b[1] - a[1])[0][0];
      assert.equal(r.sequence[0].label, best);
    }
  } finally {
    await labeler.dispose();
  }
});
