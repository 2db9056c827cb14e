// Load in the real extension host: 1,000 random edits in a row (WorkspaceEdit, as fast as the
// host applies them) on a 20,000-word document with live labeling on. When the labels settle
// they must equal a full run of the final text; nothing may have leaked (decoration types,
// event subscriptions, runs, timers, inference requests: counted through the exported API);
// and the extension host's memory growth must stay under the bound below.
import * as assert from 'node:assert/strict';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import * as vscode from 'vscode';
import { MAX_RANGES_PER_CALL } from '../../src/display/decorations';
import { api, closeAllEditors, openText, setLive, waitFor } from './helpers';
import { rng } from '../shared/rng';
import { NEWS_WORDS, pick } from '../shared/words';

const WORDS = 20_000;
const EDITS = 1_000;
/** Bound on the growth of the extension host's JS heap after the edits (the segment cache holds
 * the labels of old segment texts; 20k words of labels take ~30 MB). */
const HEAP_GROWTH_BOUND_MB = 150;

const VOCAB = [...NEWS_WORDS, 'she', 'laughed', 'river', 'ran', 'quickly', 'to', 'sea', 'prices', 'rose', '1961'];

function document(rand: () => number): string {
  const out: string[] = [];
  for (let i = 0; i < WORDS; i++) {
    out.push(pick(rand, VOCAB));
    const r = rand();
    out.push(r < 0.06 ? '. ' : r < 0.07 ? '.\n\n' : r < 0.1 ? ', ' : ' ');
  }
  return out.join('');
}

const mb = (bytes: number): number => bytes / 2 ** 20;

/** V8's full collection, exposed for this measurement: heap use without it counts garbage not
 * yet collected, which depends on when V8 last ran, not on what the extension keeps. */
function collectGarbage(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

/** The extension host's heap after two full collections (the second frees what finalizers of the first let go). */
function retainedHeap(gc: () => void): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}

suite('Load: 1,000 random edits with live labeling', () => {
  suiteTeardown(async () => {
    await setLive(undefined);
    await closeAllEditors();
  });

  test('labels settle to a full run, nothing leaks, memory growth stays bounded', async function () {
    this.timeout(900_000);
    const a = await api();
    await setLive(true);
    const seed = Number(process.env.LOAD_SEED ?? Date.now() % 1_000_000);
    console.log(`  load test seed ${seed} (LOAD_SEED=${seed} reproduces it)`);
    const rand = rng(seed);
    const editor = await openText(document(rand));
    const doc = editor.document;
    await waitFor('first labels', () => a.labelsFor(doc), 300_000);
    const before = a.resources();
    const gc = collectGarbage();
    const heap0 = retainedHeap(gc);

    const t0 = Date.now();
    for (let i = 0; i < EDITS; i++) {
      const len = doc.getText().length;
      const at = Math.floor(rand() * len);
      const del = Math.min(len - at, Math.floor(rand() * 12));
      const r = rand();
      const insert = r < 0.5 ? ` ${pick(rand, VOCAB)}` : r < 0.6 ? '. ' : r < 0.65 ? '\n\n' : r < 0.8 ? '' : pick(rand, VOCAB);
      const edit = new vscode.WorkspaceEdit();
      edit.replace(doc.uri, new vscode.Range(doc.positionAt(at), doc.positionAt(at + del)), insert);
      assert.ok(await vscode.workspace.applyEdit(edit), `edit ${i} was not applied`);
    }
    const editMs = Date.now() - t0;
    const settled = await waitFor('labels of the final text', () => a.labelsFor(doc), 300_000);
    await waitFor(
      'no run or timer left',
      () => {
        const r = a.resources();
        return r.runs === 0 && r.liveTimers === 0 && r.pendingInference === 0;
      },
      60_000,
    );

    const full = await a.labelText(doc.getText());
    assert.ok(full);
    assert.equal(settled.length, full.words.length, 'word count differs from a full run');
    settled.forEach((w, i) => {
      const f = full.words[i];
      assert.deepEqual([w.start, w.end, w.label], [f.start, f.end, f.label], `word ${i} ${JSON.stringify(w.text)}`);
      assert.ok(Math.abs(w.score - f.score) < 1e-4, `word ${i} score ${w.score} vs ${f.score}`);
    });

    const after = a.resources();
    const heap1 = retainedHeap(gc);
    const growth = mb(heap1.heapUsed - heap0.heapUsed);
    console.log(`  ${EDITS} edits applied in ${(editMs / 1000).toFixed(1)} s; ${settled.length} words labeled`);
    console.log(`  resources before ${JSON.stringify(before)}`);
    console.log(`  resources after  ${JSON.stringify(after)}`);
    console.log(
      `  heap used ${mb(heap0.heapUsed).toFixed(0)} -> ${mb(heap1.heapUsed).toFixed(0)} MB (growth ${growth.toFixed(0)} MB, bound ${HEAP_GROWTH_BOUND_MB}), ` +
        `rss ${mb(heap0.rss).toFixed(0)} -> ${mb(heap1.rss).toFixed(0)} MB, external ${mb(heap0.external).toFixed(0)} -> ${mb(heap1.external).toFixed(0)} MB, after full collections`,
    );
    assert.equal(after.disposables, before.disposables, 'event subscriptions or disposables leaked');
    // no new types per edit: the edits may bring labels (or confidence buckets) not drawn before,
    // at most one type each per (label, bucket) of this model, and parts of a label's ranges
    // (one type per MAX_RANGES_PER_CALL ranges); types made for other models or looks by
    // earlier suites are counted in `before`
    const bound = 2 * (await a.model())!.labels.length + Math.ceil(settled.length / MAX_RANGES_PER_CALL);
    assert.ok(
      after.decorationTypes - before.decorationTypes <= bound,
      `${after.decorationTypes} decoration types (before ${before.decorationTypes})`,
    );
    assert.equal(after.workerRestarts, before.workerRestarts);
    assert.ok(growth < HEAP_GROWTH_BOUND_MB, `heap grew ${growth.toFixed(0)} MB`);
  });
});
