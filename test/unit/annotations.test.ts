// Re-anchoring labels through edits (examples and random edits against a naive reference that
// edits a list of characters, each knowing which labels it belongs to), and merging.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  anchorToText,
  annotationAt,
  mergeAnnotations,
  reanchor,
  replaceCorrections,
  uncovered,
  type Annotation,
  type TextChange,
} from '../../src/core/annotations';

const TEXT = 'The cat sat on the mat.';
function ann(text: string, word: string, label = 'NOUN', nth = 0): Annotation {
  let at = -1;
  for (let k = 0; k <= nth; k++) at = text.indexOf(word, at + 1);
  assert.ok(at >= 0);
  return { start: at, end: at + word.length, text: word, label, source: 'corrected' };
}
const edit = (offset: number, deletedLength: number, insertedText: string): TextChange => ({ offset, deletedLength, insertedText });
function applyEdits(text: string, changes: readonly TextChange[]): string {
  for (const c of changes) text = text.slice(0, c.offset) + c.insertedText + text.slice(c.offset + c.deletedLength);
  return text;
}

test('an edit before a label shifts it; after it leaves it; next to it does not extend it', () => {
  const cat = ann(TEXT, 'cat');
  assert.deepEqual(reanchor([cat], [edit(0, 3, 'A')]), [{ ...cat, start: 2, end: 5 }]);
  assert.deepEqual(reanchor([cat], [edit(10, 5, '')]), [cat]);
  assert.deepEqual(reanchor([cat], [edit(4, 0, 'big ')]), [{ ...cat, start: 8, end: 11 }]);
  assert.deepEqual(reanchor([cat], [edit(7, 0, 's')]), [cat]);
});

test('a label whose text was deleted is dropped, one whose text changed is flagged', () => {
  const cat = ann(TEXT, 'cat');
  assert.deepEqual(reanchor([cat], [edit(3, 5, ' ')]), []);
  assert.deepEqual(reanchor([cat], [edit(4, 3, 'dog')]), []);
  const [inside] = reanchor([cat], [edit(5, 1, 'oa')]);
  assert.deepEqual(inside, { ...cat, end: 8, text: 'coat', needsReview: true });
  const [cut] = reanchor([cat], [edit(6, 3, '')]);
  assert.deepEqual(cut, { ...cat, end: 6, text: 'ca', needsReview: true });
  const [front] = reanchor([cat], [edit(2, 3, 'XY')]);
  assert.deepEqual(front, { ...cat, start: 4, end: 6, text: 'at', needsReview: true });
  // the same character typed over itself: unchanged text, no flag
  assert.deepEqual(reanchor([cat], [edit(5, 1, 'a')]), [cat]);
});

test('an event with several changes is applied in order (multi-cursor edits)', () => {
  const labels = [ann(TEXT, 'cat'), ann(TEXT, 'mat')];
  const changes = [edit(19, 0, 'red '), edit(4, 0, 'fat ')];
  const after = applyEdits(TEXT, changes);
  const out = reanchor(labels, changes);
  for (const a of out) assert.equal(after.slice(a.start, a.end), a.text);
  assert.deepEqual(
    out.map((a) => a.text),
    ['cat', 'mat'],
  );
});

// The reference: each character carries the set of labels it belongs to. Deleted characters
// take their labels with them; an inserted character belongs to a label when the characters on
// both sides of it do.
function reference(text: string, labels: readonly Annotation[], changes: readonly TextChange[]): Array<Annotation | undefined> {
  let chars =
    [...text].length === text.length
      ? text.split('').map((ch, i) => ({ ch, of: new Set(labels.flatMap((a, k) => (a.start <= i && i < a.end ? [k] : []))) }))
      : [];
  for (const c of changes) {
    const left = chars.slice(0, c.offset);
    const right = chars.slice(c.offset + c.deletedLength);
    const l = left[left.length - 1]?.of ?? new Set<number>();
    const r = right[0]?.of ?? new Set<number>();
    const both = new Set([...l].filter((k) => r.has(k)));
    chars = [...left, ...c.insertedText.split('').map((ch) => ({ ch, of: new Set(both) })), ...right];
  }
  const final = chars.map((c) => c.ch).join('');
  return labels.map((a, k) => {
    const at = chars.flatMap((c, i) => (c.of.has(k) ? [i] : []));
    if (!at.length) return undefined;
    const start = at[0];
    const end = at[at.length - 1] + 1;
    const covered = final.slice(start, end);
    return { ...a, start, end, text: covered, ...(covered !== a.text ? { needsReview: true } : {}) };
  });
}

const textArb = fc.string({ unit: fc.constantFrom('a', 'b', ' ', 'é', '\n'), minLength: 1, maxLength: 30 });

test('property: re-anchoring agrees with the character-by-character reference', () => {
  fc.assert(
    fc.property(
      textArb,
      fc.array(fc.tuple(fc.nat(), fc.nat(6)), { minLength: 1, maxLength: 5 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(6), fc.string({ unit: fc.constantFrom('x', 'a', ' '), maxLength: 4 })), { maxLength: 6 }),
      (text, rawLabels, rawChanges) => {
        const labels: Annotation[] = rawLabels.map(([s, len]) => {
          const start = s % text.length;
          const end = Math.min(text.length, start + 1 + len);
          return { start, end, text: text.slice(start, end), label: 'L', source: 'model' };
        });
        let current = text;
        const changes: TextChange[] = rawChanges.map(([o, d, ins]) => {
          const offset = o % (current.length + 1);
          const deletedLength = Math.min(d, current.length - offset);
          const c = { offset, deletedLength, insertedText: ins };
          current = applyEdits(current, [c]);
          return c;
        });
        const expected = reference(text, labels, changes).filter((a): a is Annotation => a !== undefined);
        const actual = reanchor(labels, changes);
        assert.deepEqual(actual, expected);
        for (const a of actual) assert.equal(current.slice(a.start, a.end), a.text);
      },
    ),
    { numRuns: 2000 },
  );
});

test('property: edits applied one event at a time put labels where all at once does', () => {
  fc.assert(
    fc.property(
      textArb,
      fc.array(fc.tuple(fc.nat(), fc.nat(4), fc.string({ unit: fc.constantFrom('x', ' '), maxLength: 3 })), { maxLength: 6 }),
      (text, rawChanges) => {
        const labels: Annotation[] = [{ start: 0, end: text.length, text, label: 'L', source: 'corrected' }];
        let current = text;
        const changes = rawChanges.map(([o, d, ins]) => {
          const offset = o % (current.length + 1);
          const c = { offset, deletedLength: Math.min(d, current.length - offset), insertedText: ins };
          current = applyEdits(current, [c]);
          return c;
        });
        let stepwise: Annotation[] = labels;
        for (const c of changes) stepwise = reanchor(stepwise, [c]);
        const atOnce = reanchor(labels, changes);
        // Same places and text; a flag, once set by an event, stays even if a later event
        // puts the text back, so stepwise may be flagged where all-at-once is not.
        const place = (a: Annotation): string => `${a.start}-${a.end}:${a.text}`;
        assert.deepEqual(stepwise.map(place), atOnce.map(place));
        atOnce.forEach((a, i) => assert.ok(!a.needsReview || stepwise[i].needsReview));
      },
    ),
    { numRuns: 1000 },
  );
});

test('merge: corrections win over the model labels they overlap; removals hide them', () => {
  const model = ['The', 'cat', 'sat', 'mat'].map((w) => ({ ...ann(TEXT, w, 'X'), source: 'model' as const, score: 0.5 }));
  const corrections: Annotation[] = [
    { ...ann(TEXT, 'cat', 'NOUN'), source: 'corrected' },
    { ...ann(TEXT, 'sat', 'O'), source: 'corrected' },
    { start: 15, end: 22, text: 'the mat', label: 'LOC', source: 'corrected' },
  ];
  const merged = mergeAnnotations(model, corrections);
  assert.deepEqual(
    merged.map((a) => `${a.text}:${a.label}:${a.source}`),
    ['The:X:model', 'cat:NOUN:corrected', 'the mat:LOC:corrected'],
  );
  assert.equal(annotationAt(merged, 5)?.label, 'NOUN');
  assert.equal(annotationAt(merged, 3), undefined);
});

test('uncovered: the model labels no correction overlaps, in order, the same as checking every pair', () => {
  const span = fc.tuple(fc.nat(200), fc.integer({ min: 1, max: 12 })).map(([start, len]) => ({ start, end: start + len }));
  fc.assert(
    fc.property(fc.array(span, { maxLength: 40 }), fc.array(span, { maxLength: 12 }), (model, corr) => {
      const corrections: Annotation[] = corr.map((c) => ({ ...c, text: 'x', label: 'C', source: 'corrected' }));
      const expected = model
        .filter((m) => !corrections.some((c) => c.start < m.end && m.start < c.end))
        .sort((a, b) => a.start - b.start || a.end - b.end);
      assert.deepEqual(uncovered(model, corrections), expected);
    }),
    { numRuns: 1000 },
  );
  // a document's worth of labels (more than a spread into push() takes as arguments) in one call
  const many = Array.from({ length: 300_000 }, (_, k) => ({ start: 2 * k, end: 2 * k + 1 }));
  assert.equal(uncovered(many, [{ start: 0, end: 10, text: 'x', label: 'C', source: 'corrected' }]).length, 300_000 - 5);
});

test('replaceCorrections drops the corrections in the range and adds the new ones', () => {
  const c = [ann(TEXT, 'cat', 'A'), ann(TEXT, 'mat', 'B')];
  const out = replaceCorrections(c, { start: 4, end: 7 }, [ann(TEXT, 'cat', 'C')]);
  assert.deepEqual(
    out.map((a) => a.label),
    ['C', 'B'],
  );
});

test('anchorToText: labels that no longer fit are moved to their text nearby, or flagged', () => {
  const labels = [ann(TEXT, 'cat'), ann(TEXT, 'mat'), { ...ann(TEXT, 'sat'), text: 'sit' }];
  const edited = 'A ' + TEXT; // changed outside the editor
  const r = anchorToText(labels, edited);
  assert.equal(r.moved, 2);
  assert.equal(r.lost, 1);
  for (const a of r.annotations) assert.ok(a.needsReview);
  assert.deepEqual(
    r.annotations.map((a) => edited.slice(a.start, a.end)),
    ['cat', 't s', 'mat'],
  );
});
