// The places of a word's identical twins in a document, for Apply to All Identical Words: the
// same text at word boundaries (a match inside a longer word is not the word), exactly or in
// any case. Case folding is the regular expression engine's simple folding (the `i` and `u`
// flags), which maps one UTF-16 unit to one: offsets stay those of the document's text.
// Pure, no `vscode`.

/** A place in the text (UTF-16 offsets, start < end). */
export interface Place {
  readonly start: number;
  readonly end: number;
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Every occurrence of `word` in `text` that starts where a word starts and ends where a word
 * ends (`words`: the document's words, in order), in document order; with `matchCase` false,
 * "The" also finds "the" and "THE".
 */
export function identicalPlaces(text: string, word: string, words: readonly Place[], matchCase: boolean): Place[] {
  if (!word.length) return [];
  const starts = new Set(words.map((w) => w.start));
  const ends = new Set(words.map((w) => w.end));
  const re = new RegExp(escapeRegExp(word), matchCase ? 'gu' : 'giu');
  const out: Place[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const end = m.index + m[0].length;
    if (starts.has(m.index) && ends.has(end)) out.push({ start: m.index, end });
    // overlapping occurrences ("aa" in "aaa") are looked for too
    re.lastIndex = m.index + 1;
  }
  return out;
}
