// Words for generated test documents: ordinary news-like English that the tokenizer splits into
// whole words and the model labels with its usual classes. Each test adds the words its case
// needs (a long one, a one-letter one, a number) after these, so its documents stay its own.
export const NEWS_WORDS: readonly string[] = [
  'the',
  'committee',
  'approved',
  'a',
  'budget',
  'on',
  'Monday',
  'and',
  'nobody',
  'was',
  'surprised',
  'by',
  'news',
  'from',
  'capital',
  'week',
];

/** One of `words`, drawn with `rand`. */
export const pick = (rand: () => number, words: readonly string[]): string => words[Math.floor(rand() * words.length)];
