// Apply to All Identical Words finds the word's twins at word boundaries, exactly or in any case.
import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { identicalPlaces, type Place } from '../../src/core/identical';

function wordsOf(text: string): Place[] {
  return [...text.matchAll(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu)].map((m) => ({ start: m.index, end: m.index + m[0].length }));
}
const at = (text: string, places: Place[]): string[] => places.map((p) => `${p.start}:${text.slice(p.start, p.end)}`);

test('exact case: whole words only, not inside longer words', () => {
  const text = 'The theme of the day: the end. Then THE end.';
  assert.deepEqual(at(text, identicalPlaces(text, 'the', wordsOf(text), true)), ['13:the', '22:the']);
});

test('any case: The, the and THE, offsets unchanged', () => {
  const text = 'The theme of the day: the end. Then THE end.';
  assert.deepEqual(at(text, identicalPlaces(text, 'the', wordsOf(text), false)), ['0:The', '13:the', '22:the', '36:THE']);
});

test('letters outside ASCII fold too, and astral characters keep their offsets', () => {
  const text = '𝒳 Élan élan ÉLAN éland';
  assert.deepEqual(at(text, identicalPlaces(text, 'élan', wordsOf(text), false)), ['3:Élan', '8:élan', '13:ÉLAN']);
  assert.deepEqual(at(text, identicalPlaces(text, 'élan', wordsOf(text), true)), ['8:élan']);
});

test('regular expression characters in the word are literal; an empty word finds nothing', () => {
  const text = 'a.b a+b a.b';
  const words: Place[] = [
    { start: 0, end: 3 },
    { start: 4, end: 7 },
    { start: 8, end: 11 },
  ];
  assert.deepEqual(at(text, identicalPlaces(text, 'a.b', words, true)), ['0:a.b', '8:a.b']);
  assert.deepEqual(identicalPlaces(text, '', words, true), []);
});
