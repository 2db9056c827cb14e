// The memory an adapted bundle ships (core/adapt/memory_file.ts): what is written is read back
// with the same answers, a file for another model or a damaged one is refused in words, and
// `bestParts` chooses what a bundle holds by held-out accuracy.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { bestParts, type Learned } from '../../src/core/adapt/learn';
import { CorrectionMemory } from '../../src/core/adapt/memory';
import { memoryFromJson, readMemoryFile, serializeMemory } from '../../src/core/adapt/memory_file';

const DIM = 16;
const TARGET = { modelSha256: 'a'.repeat(64), modelName: 'm', labels: ['NOUN', 'VERB', 'PRON'], dim: DIM };

/** A deterministic vector near direction `k` (noise of size `noise`). */
function vector(k: number, seed: number, noise = 0.1): Float32Array {
  const v = new Float32Array(DIM);
  let x = seed * 7919 + 13;
  for (let j = 0; j < DIM; j++) {
    x = (x * 48271) % 2147483647;
    v[j] = (j === k ? 1 : 0) + noise * ((x / 2147483647) * 2 - 1);
  }
  return v;
}

function sample(): CorrectionMemory {
  const m = new CorrectionMemory(DIM, 0.8);
  m.add(vector(0, 1), 0, 'PRON', { file: 'a.conllu', line: 3, word: 'That', kind: 'correction' });
  m.add(vector(1, 2), 0, 'NOUN', { file: 'a.conllu', line: 4, word: 'cat', kind: 'accepted' });
  m.add(vector(2, 3), 0, 'VERB', { file: 'b.conllu', line: 9, word: 'cat', kind: 'correction' });
  return m;
}

test('a written memory reads back with the same examples and the same nearest answers', () => {
  const m = sample();
  const text = serializeMemory(m, { name: 'm', sha256: TARGET.modelSha256 });
  const back = memoryFromJson(JSON.parse(text), 'adapted_memory.json', TARGET, 0.8);
  assert.ok(back.ok, back.ok ? '' : back.problems.join('; '));
  assert.deepEqual(back.value.examples(), m.examples());
  for (let seed = 10; seed < 40; seed++) {
    for (const [k, form] of [
      [0, 'that'],
      [1, 'cat'],
      [2, 'cat'],
    ] as const) {
      const q = vector(k, seed, 0.3);
      const a = m.nearest(q, 0, form);
      const b = back.value.nearest(q, 0, form);
      assert.equal(b?.label, a?.label);
      if (a && b) assert.ok(Math.abs(a.similarity - b.similarity) < 0.02, `${a.similarity} vs ${b.similarity}`);
    }
  }
});

test('a memory for another model, of another size, with an unknown label or cut off is refused in words', async () => {
  const good = JSON.parse(serializeMemory(sample(), { name: 'other', sha256: 'b'.repeat(64) }));
  const refused = (v: unknown): string => {
    const r = memoryFromJson(v, 'adapted_memory.json', TARGET, 0.8);
    assert.equal(r.ok, false);
    return r.ok ? '' : r.problems.join('; ');
  };
  assert.match(refused(good), /made for "other" \(model\.onnx bbbbbbbbbbbb…\), not for the model in use \("m"\); it is not used/);
  const mine = { ...good, base_model: { name: 'm', sha256: TARGET.modelSha256 } };
  assert.match(refused({ ...mine, dim: 8 }), /its examples have 8 features; the model gives 16/);
  assert.match(
    refused({ ...mine, examples: [['FOO', 'x', 'f', 1, 'correction'], ...mine.examples.slice(1)] }),
    /example 1 has the label "FOO", which the model does not have/,
  );
  assert.match(refused({ ...mine, vectors: mine.vectors.slice(0, 20) }), /"vectors" must hold 3 × 16 bytes/);
  assert.match(refused({ ...mine, format: 'x' }), /format "x"/);
  const dir = mkdtempSync(path.join(tmpdir(), 'memory-file-'));
  const file = path.join(dir, 'adapted_memory.json');
  assert.equal(await readMemoryFile(file, async () => TARGET, 0.8), undefined);
  writeFileSync(file, JSON.stringify(mine).slice(0, 100));
  const cut = await readMemoryFile(file, async () => TARGET, 0.8);
  assert.ok(cut && !cut.ok && /not valid JSON .*cut off/.test(cut.problems[0]), JSON.stringify(cut));
});

test('bestParts: the bundle holds what scores best held out, the simpler of equals, nothing when the model is best', () => {
  const learned = (before: number, after: number, memory?: number, both?: number): Learned =>
    ({
      cv: { before, after, folds: 3, scored: 100 },
      memoryCv: memory === undefined ? undefined : { memory, both: both! },
    }) as Learned;
  assert.deepEqual(bestParts(learned(0.8, 0.9, 0.85, 0.88)), { head: true, memory: false, accuracy: 0.9 });
  assert.deepEqual(bestParts(learned(0.8, 0.85, 0.9, 0.88)), { head: false, memory: true, accuracy: 0.9 });
  assert.deepEqual(bestParts(learned(0.8, 0.85, 0.86, 0.92)), { head: true, memory: true, accuracy: 0.92 });
  assert.deepEqual(bestParts(learned(0.8, 0.9, 0.9, 0.9)), { head: true, memory: false, accuracy: 0.9 });
  assert.equal(bestParts(learned(0.9, 0.85, 0.88, 0.87)), undefined);
  assert.deepEqual(bestParts(learned(0.8, 0.9)), { head: true, memory: false, accuracy: 0.9 });
  assert.equal(bestParts({ cv: undefined } as Learned), undefined);
});
