// Three-way merge of a sidecar changed outside the editor (core/sidecar_merge.ts): one-sided
// changes are taken, both-sided different changes and overlapping new ranges are conflicts,
// agreeing changes are not; settling takes one side for the conflicts only; and a property:
// with no outside change the merge is the editor's corrections, with no editor change the file's.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { Annotation } from '../../src/core/annotations';
import { describeConflict, mergeSidecar, settleConflicts } from '../../src/core/sidecar_merge';

const TEXT = 'The cat sat on the mat with a dog.';
const at = (word: string, label: string, extra: Partial<Annotation> = {}): Annotation => {
  const start = TEXT.indexOf(word);
  return { start, end: start + word.length, text: word, label, source: 'corrected', ...extra };
};
const labels = (list: readonly Annotation[]): string[] => list.map((a) => `${a.text}/${a.label}`);

test('one-sided changes are taken from either side; the same change on both sides is no conflict', () => {
  const base = [at('cat', 'NOUN'), at('sat', 'VERB'), at('mat', 'NOUN')];
  const ours = [at('cat', 'PROPN'), at('sat', 'VERB'), at('mat', 'NOUN'), at('dog', 'NOUN')]; // relabel + add
  const theirs = [at('cat', 'NOUN'), at('mat', 'X'), at('The', 'DET'), at('dog', 'NOUN')]; // remove sat, relabel mat, add The, same add dog
  const r = mergeSidecar(base, ours, theirs);
  assert.deepEqual(r.conflicts, []);
  assert.deepEqual(labels(r.merged), ['The/DET', 'cat/PROPN', 'mat/X', 'dog/NOUN']);
  assert.ok(r.tookTheirs && r.keptOurs);
});

test('the same range changed differently on both sides is a conflict, asked about and settled either way', () => {
  const base = [at('cat', 'NOUN'), at('mat', 'NOUN')];
  const ours = [at('cat', 'PROPN'), at('mat', 'NOUN')];
  const theirs = [at('cat', 'VERB'), at('mat', 'NOUN')];
  const r = mergeSidecar(base, ours, theirs);
  assert.equal(r.conflicts.length, 1);
  assert.equal(describeConflict(r.conflicts[0]), '"cat" (here: PROPN; in the file: VERB)');
  assert.deepEqual(labels(r.merged), ['mat/NOUN']);
  assert.deepEqual(labels(settleConflicts(r, 'ours')), ['cat/PROPN', 'mat/NOUN']);
  assert.deepEqual(labels(settleConflicts(r, 'theirs')), ['cat/VERB', 'mat/NOUN']);
  // removed there, relabeled here
  const r2 = mergeSidecar(base, ours, [at('mat', 'NOUN')]);
  assert.equal(describeConflict(r2.conflicts[0]), '"cat" (here: PROPN; in the file: no label)');
  assert.deepEqual(labels(settleConflicts(r2, 'theirs')), ['mat/NOUN']);
});

test("a review flag or a source change counts as a change; a score equal after the file's rounding does not", () => {
  const base = [at('cat', 'NOUN', { source: 'model', score: 0.123456789 })];
  const same = [at('cat', 'NOUN', { source: 'model', score: 0.1234568 })];
  assert.deepEqual(mergeSidecar(base, base, same), { merged: base, conflicts: [], tookTheirs: false, keptOurs: false });
  const reviewed = [at('cat', 'NOUN', { source: 'reviewed' })];
  const flagged = [at('cat', 'NOUN', { source: 'model', score: 0.123456789, needsReview: true })];
  assert.equal(mergeSidecar(base, reviewed, flagged).conflicts.length, 1);
  assert.deepEqual(mergeSidecar(base, base, flagged).merged, flagged);
});

test('overlapping new ranges from the two sides are a conflict (corrections never overlap)', () => {
  const span = (from: string, to: string, label: string): Annotation => {
    const start = TEXT.indexOf(from);
    const end = TEXT.indexOf(to) + to.length;
    return { start, end, text: TEXT.slice(start, end), label, source: 'corrected' };
  };
  const base: Annotation[] = [];
  const ours = [span('The', 'cat', 'ANIMAL')];
  const theirs = [span('cat', 'sat', 'EVENT'), at('dog', 'NOUN')];
  const r = mergeSidecar(base, ours, theirs);
  assert.equal(r.conflicts.length, 1);
  assert.deepEqual(labels(r.merged), ['dog/NOUN']);
  assert.deepEqual(labels(settleConflicts(r, 'ours')), ['The cat/ANIMAL', 'dog/NOUN']);
  assert.deepEqual(labels(settleConflicts(r, 'theirs')), ['cat sat/EVENT', 'dog/NOUN']);
});

test('property: no change on one side gives the other side exactly', () => {
  const words = ['The', 'cat', 'sat', 'on', 'mat', 'with', 'dog'];
  const ann = fc
    .uniqueArray(fc.record({ w: fc.constantFrom(...words), label: fc.constantFrom('NOUN', 'VERB', 'X') }), { selector: (x) => x.w })
    .map((xs) => xs.map((x) => at(x.w, x.label)));
  const sorted = (l: readonly Annotation[]): string[] => labels([...l].sort((a, b) => a.start - b.start));
  fc.assert(
    fc.property(ann, ann, (base, other) => {
      const a = mergeSidecar(base, base, other);
      assert.deepEqual(a.conflicts, []);
      assert.deepEqual(sorted(a.merged), sorted(other));
      const b = mergeSidecar(base, other, base);
      assert.deepEqual(b.conflicts, []);
      assert.deepEqual(sorted(b.merged), sorted(other));
    }),
    { numRuns: 500 },
  );
});
