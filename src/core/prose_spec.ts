// What "prose" is for one document, as data that can cross to the prose worker: Markdown's
// (prose_markdown.ts), a TextMate grammar's (prose_textmate.ts, with the grammars it may embed), or the
// whole text. `findProse` is the one function both the worker and the tests call.
import type { OffsetRange } from './ranges';
import { markdownProse } from './prose_markdown';
import { Grammars, grammarProse, type GrammarSource } from './prose_textmate';

export type ProseSpec =
  | { readonly kind: 'markdown' }
  | { readonly kind: 'grammar'; readonly scopeName: string; readonly grammars: readonly GrammarSource[] }
  | { readonly kind: 'whole' };

export type ProseResult = { ok: true; ranges: OffsetRange[] } | { ok: false; problems: string[] };

/** Grammar sets by their sources (a worker keeps the grammars it loaded for the next document). */
const grammarSets = new Map<string, Grammars>();

/** The prose ranges of a text (sorted, disjoint); `whole`: the whole text. */
export async function findProse(text: string, spec: ProseSpec): Promise<ProseResult> {
  if (spec.kind === 'whole') return { ok: true, ranges: text.length ? [{ start: 0, end: text.length }] : [] };
  if (spec.kind === 'markdown') return { ok: true, ranges: markdownProse(text) };
  const key = JSON.stringify(spec.grammars);
  let set = grammarSets.get(key);
  if (!set) {
    set = new Grammars(spec.grammars);
    grammarSets.clear(); // one set at a time: the installed extensions
    grammarSets.set(key, set);
  }
  const g = await set.grammar(spec.scopeName);
  if (!g.ok) return g;
  return { ok: true, ranges: grammarProse(g.value, text) };
}
