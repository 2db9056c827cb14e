// runBatch with several files labeled at once: the output's bytes are those of one file at a
// time whatever order the labels come back in, the files really are in flight together, and a
// cancel or a labeling failure leaves a whole output with nothing still running.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { batchFilesAtOnce, runBatch, type BatchResult, type LabelText } from '../../src/core/batch';

const FILES = 40;

function corpus(): { dir: string; files: string[] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'batch-at-once-'));
  const files: string[] = [];
  for (let i = 0; i < FILES; i++) {
    const f = path.join(dir, `doc-${String(i).padStart(2, '0')}.txt`);
    writeFileSync(f, `Document ${i} says ${'so '.repeat(i % 7)}much.\n`);
    files.push(f);
  }
  // one file that cannot be labeled, recorded in its place
  writeFileSync(files[13], Buffer.from([0x00, 0x01]));
  return { dir, files };
}

/** Labels each word by its length after a delay that differs from text to text (so answers come back out of order). */
function slowLabeler(): { labelText: LabelText; maxInFlight: () => number; inFlight: () => number; calls: () => number } {
  let inFlight = 0;
  let max = 0;
  let calls = 0;
  const labelText: LabelText = async (text, signal) => {
    calls++;
    inFlight++;
    max = Math.max(max, inFlight);
    try {
      const delay = (text.length * 7919) % 23;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, delay);
        signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
      if (text.includes('Document 29')) throw new TypeError('the model failed on this text');
      const words: BatchResult['words'] = [...text.matchAll(/\S+/g)].map((m) => ({
        start: m.index,
        end: m.index + m[0].length,
        text: m[0],
        label: `L${m[0].length}`,
        score: 1 / m[0].length,
      }));
      return { words, sequence: [{ label: 'ODD', score: text.length % 2 }] };
    } finally {
      inFlight--;
    }
  };
  return { labelText, maxInFlight: () => max, inFlight: () => inFlight, calls: () => calls };
}

/** The corpus without the file whose labeling fails. */
function labelable(files: string[]): string[] {
  return files.filter((f) => !readFileSync(f, 'latin1').includes('Document 29'));
}

test('files at once: the output is byte for byte that of one file at a time, and that many files are in flight', async () => {
  const { dir, files } = corpus();
  const inputs = labelable(files);
  const one = slowLabeler();
  await runBatch(inputs, path.join(dir, 'one.jsonl'), one.labelText, { filesAtOnce: 1 });
  assert.equal(one.maxInFlight(), 1);
  const six = slowLabeler();
  const order: string[] = [];
  const summary = await runBatch(inputs, path.join(dir, 'six.jsonl'), six.labelText, {
    filesAtOnce: 6,
    onProgress: (p) => order.push(p.file),
  });
  assert.equal(six.maxInFlight(), 6, 'six files were labeled at once');
  assert.equal(summary.labeled + summary.skipped, inputs.length);
  assert.equal(summary.skipped, 1);
  assert.deepEqual(order, [...inputs].sort(), 'progress comes in the files’ order');
  assert.equal(readFileSync(path.join(dir, 'six.jsonl'), 'utf8'), readFileSync(path.join(dir, 'one.jsonl'), 'utf8'));
});

test('files at once: a cancel leaves a whole output with nothing running, and resuming it gives the same bytes', async () => {
  const { dir, files } = corpus();
  const inputs = labelable(files);
  const whole = path.join(dir, 'whole.jsonl');
  await runBatch(inputs, whole, slowLabeler().labelText, { filesAtOnce: 1 });
  const out = path.join(dir, 'cancelled.jsonl');
  const controller = new AbortController();
  const first = slowLabeler();
  let written = 0;
  const summary = await runBatch(inputs, out, first.labelText, {
    filesAtOnce: 8,
    signal: controller.signal,
    onProgress: () => {
      if (++written === 10) controller.abort();
    },
  });
  assert.ok(summary.cancelled);
  assert.equal(first.inFlight(), 0, 'no file is still being labeled once the run has returned');
  const kept = readFileSync(out, 'utf8');
  assert.ok(kept.endsWith('\n'));
  assert.equal(kept.split('\n').length - 2, 10, 'the ten records written before the cancel, and only them');
  assert.ok(readFileSync(whole, 'utf8').startsWith(kept), 'the records written are the first files’, in order');
  const resumed = await runBatch(inputs, out, slowLabeler().labelText, { filesAtOnce: 8 });
  assert.equal(resumed.resumed, 10);
  assert.equal(readFileSync(out, 'utf8'), readFileSync(whole, 'utf8'));
});

test('files at once: a labeling failure stops the run with its error; the files before it are written, nothing is left running', async () => {
  const { dir, files } = corpus();
  const out = path.join(dir, 'failed.jsonl');
  const labeler = slowLabeler();
  await assert.rejects(runBatch(files, out, labeler.labelText, { filesAtOnce: 8 }), /the model failed on this text/);
  assert.equal(labeler.inFlight(), 0);
  const written = readFileSync(out, 'utf8').trim().split('\n').slice(1);
  const sorted = [...files].sort();
  assert.deepEqual(
    written.map((l) => (JSON.parse(l) as { file: string }).file),
    sorted.slice(
      0,
      sorted.findIndex((f) => f.endsWith('doc-29.txt')),
    ),
  );
  assert.ok(labeler.calls() <= 29 + 8, 'no more than eight files were started past the one being written');
});

test('files at once for N workers: two per worker, at least two', () => {
  assert.equal(batchFilesAtOnce(1), 2);
  assert.equal(batchFilesAtOnce(3), 6);
  assert.equal(batchFilesAtOnce(0), 2);
});
