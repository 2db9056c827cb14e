// A plain BERT token-classification bundle (a 3-D `logits` output, `token_type_ids` input, no
// sequence head), exported by the training code without the LSTM
// (`python3 -m training export --no-lstm`, then `quantize`; test/fixtures/plain-bert-bundle),
// loads and labels through the same core.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { Labeler } from '../../src/core/labeler';
import { FIXTURES, REPO } from './fixtures';

test('a plain BERT token-classification export is accepted and labels words', async () => {
  const opened = await Labeler.open(path.join(FIXTURES, 'plain-bert-bundle'), {
    workerPath: path.join(REPO, 'out/src/core/engine_worker.js'),
  });
  assert.ok(opened.ok, !opened.ok ? opened.problems.join('; ') : '');
  const labeler = opened.value;
  try {
    assert.equal(labeler.roles.tokenLogits, 'logits');
    assert.equal(labeler.roles.sequenceLogits, undefined);
    assert.equal(labeler.roles.hasTokenTypeIds, true);
    const text = "Don't panic: it's 3.5 km.";
    const r = await labeler.label(text);
    // the training code writes its word pattern into every bundle it exports
    assert.deepEqual(
      r.words.map((w) => w.text),
      ["Don't", 'panic', ':', "it's", '3.5', 'km', '.'],
    );
    for (const w of r.words) assert.ok(labeler.labels.includes(w.label));
    assert.deepEqual(r.sequence, []);
  } finally {
    await labeler.dispose();
  }
});
