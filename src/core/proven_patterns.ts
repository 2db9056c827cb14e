// Word patterns already proven to backtrack within bounds: the patterns this project's own
// training writes into its bundles (training/ud_words.py, test/fixtures/word_pattern.json). A
// bundle whose pattern is one of these, character for character, skips the proof at load (it
// costs the first labels most of a second, and more memory than a small-heap process gives);
// test/unit/word_pattern_proven.test.ts runs the proof on each, so a pattern is listed here only
// while it passes. Any other pattern is proven when its bundle loads.
export const PROVEN_WORD_PATTERNS: ReadonlySet<string> = new Set([
  // UD English words (training/ud_words.py UD_WORD_PATTERN)
  "(?:[hH][tT][tT][pP][sS]?://|[wW][wW][wW]\\.)(?:[^\\s\\p{Z}\\p{Cc}\\p{Cf}<>\"'.,;:!?)\\]}]|[.,;:!?)\\]}']+(?=[^\\s\\p{Z}\\p{Cc}\\p{Cf}<>\"'.,;:!?)\\]}]))+|(?<![\\p{L}\\p{N}\\p{M}])[:;][\\-'^]?[)(\\]\\[DPpOo/\\\\|*]+(?![\\p{L}\\p{N}\\p{M}])|(?<![\\p{L}\\p{N}\\p{M}])(?:[cC][aA][nN](?=[nN][oO][tT](?![\\p{L}\\p{N}\\p{M}]))|[gG][oO][nN](?=[nN][aA](?![\\p{L}\\p{N}\\p{M}]))|[wW][aA][nN](?=[nN][aA](?![\\p{L}\\p{N}\\p{M}]))|[gG][oO][tT](?=[tT][aA](?![\\p{L}\\p{N}\\p{M}])))|[nN]['\u2019][tT](?![\\p{L}\\p{N}\\p{M}])|['\u2019](?:[sSmMdD]|[rR][eE]|[vV][eE]|[lL][lL])(?![\\p{L}\\p{N}\\p{M}])|(?:(?![nN]['\u2019][tT](?![\\p{L}\\p{N}\\p{M}]))[\\p{L}\\p{N}\\p{M}])+(?:(?:(?!['\u2019](?:[sSmMdD]|[rR][eE]|[vV][eE]|[lL][lL])(?![\\p{L}\\p{N}\\p{M}]))['\u2019]|[.\\-]|,(?=\\p{N}))(?:(?![nN]['\u2019][tT](?![\\p{L}\\p{N}\\p{M}]))[\\p{L}\\p{N}\\p{M}])+)*(?:@[\\p{L}\\p{N}]+(?:[.\\-][\\p{L}\\p{N}]+)+)?|([\\p{P}\\p{S}])\\1*|[^\\s\\p{Z}\\p{Cc}\\p{Cf}]",
  // Brown's words (training/ud_words.py BROWN_WORD_PATTERN)
  "[\\p{L}\\p{N}\\p{M}]+(?:(?:['\\u2019.\\-]|,(?=\\p{N}))[\\p{L}\\p{N}\\p{M}]+)*|([\\p{P}\\p{S}])\\1*|[^\\s\\p{Z}\\p{Cc}\\p{Cf}]",
]);
