// The prose of a Markdown document: the text of paragraphs, headings, list items, block
// quotes, table cells and footnote definitions, and the words of link texts and image alt
// texts; never code (fenced, indented, inline), HTML, URLs (link destinations and titles,
// autolinks, bare www./http links), references, definitions, front matter (YAML, TOML) or the
// markers of the syntax (`#`, `>`, list bullets, `*` and `_`, table pipes, task boxes,
// backslashes of escapes, character references such as `&amp;`).
//
// micromark (the CommonMark parser under remark, with the GFM and front matter extensions) is
// used rather than markdown-it because its tokens carry exact offsets down to each run of
// text, in the document's own UTF-16 code units, with the syntax's markers as tokens of their
// own; markdown-it gives inline tokens no positions, and finding their text again in the source
// breaks on escapes, references and repeated words. The rule is an allow-list: a run of text
// counts when every token around it, up to a paragraph, heading text or table cell, is one
// that holds prose (emphasis, strong, strikethrough, a link's or an image's label).
import { parse, postprocess, preprocess } from 'micromark';
import { frontmatter } from 'micromark-extension-frontmatter';
import { gfm } from 'micromark-extension-gfm';
import type { OffsetRange } from './ranges';
import { normalizeRanges } from './prose_mask';

/** Tokens whose text runs are prose. */
const PROSE_BLOCKS = new Set(['paragraph', 'atxHeadingText', 'setextHeadingText', 'tableContent']);
/** Tokens between a run of text and its block that keep it prose. */
const PROSE_INLINE = new Set([
  'emphasis',
  'emphasisText',
  'strong',
  'strongText',
  'strikethrough',
  'strikethroughText',
  'link',
  'image',
  'label',
  'labelText',
  'characterEscape',
]);
/** Tokens that are runs of text (an escape's value is the character itself, without its backslash). */
const TEXT = new Set(['data', 'characterEscapeValue']);

/** The prose ranges of a Markdown text: sorted, disjoint [start, end) UTF-16 offsets. */
export function markdownProse(text: string): OffsetRange[] {
  const events = postprocess(
    parse({ extensions: [gfm(), frontmatter(['yaml', 'toml'])] })
      .document()
      .write(preprocess()(text, undefined, true)),
  );
  const stack: string[] = [];
  const ranges: OffsetRange[] = [];
  for (const [kind, token] of events) {
    if (kind === 'exit') {
      stack.pop();
      continue;
    }
    if (TEXT.has(token.type) && inProse(stack)) ranges.push({ start: token.start.offset, end: token.end.offset });
    stack.push(token.type);
  }
  return normalizeRanges(text, ranges);
}

function inProse(stack: readonly string[]): boolean {
  for (let i = stack.length - 1; i >= 0; i--) {
    if (PROSE_BLOCKS.has(stack[i])) return true;
    if (!PROSE_INLINE.has(stack[i])) return false;
  }
  return false;
}
