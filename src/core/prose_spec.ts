// What "prose" is for one document, as data that can cross to the prose worker: Markdown's
// (prose_markdown.ts), a TextMate grammar's (prose_textmate.ts, with the grammars it may embed), or the
// whole text. `findProse` is the one function both the worker and the tests call.
import type { OffsetRange } from './ranges';
import { markdownProse } from './prose_markdown';
import { Grammars, grammarProse, IncrementalGrammarProse, type GrammarSource } from './prose_textmate';

export type ProseSpec =
  | { readonly kind: 'markdown' }
  | {
      readonly kind: 'grammar';
      readonly scopeName: string;
      readonly grammars: readonly GrammarSource[];
      /** The document's key (its URI): its last version's tokens are kept, and an edit re-tokenizes only what changed. */
      readonly key?: string;
    }
  | { readonly kind: 'whole' };

export type ProseResult = { ok: true; ranges: OffsetRange[] } | { ok: false; problems: string[] };

/** Documents whose last tokens are kept (the most recently used). */
const KEPT_DOCUMENTS = 16;
const documents = new Map<string, IncrementalGrammarProse>();

/** Grammar sets by their sources (a worker keeps the grammars it loaded for the next document). */
const grammarSets = new Map<string, Grammars>();

/** The prose ranges of a text (sorted, disjoint); `whole`: the whole text. */
export async function findProse(text: string, spec: ProseSpec): Promise<ProseResult> {
  if (spec.kind === 'whole') return { ok: true, ranges: text.length ? [{ start: 0, end: text.length }] : [] };
  if (spec.kind === 'markdown') return { ok: true, ranges: markdownProse(text) };
  const setKey = JSON.stringify(spec.grammars);
  let set = grammarSets.get(setKey);
  if (!set) {
    set = new Grammars(spec.grammars);
    grammarSets.clear(); // one set at a time: the installed extensions
    documents.clear();
    grammarSets.set(setKey, set);
  }
  const g = await set.grammar(spec.scopeName);
  if (!g.ok) return g;
  if (spec.key === undefined) return { ok: true, ranges: grammarProse(g.value, text) };
  const docKey = `${spec.scopeName} ${spec.key}`;
  let doc = documents.get(docKey);
  documents.delete(docKey);
  if (!doc) doc = new IncrementalGrammarProse(g.value);
  documents.set(docKey, doc); // most recent last
  while (documents.size > KEPT_DOCUMENTS) documents.delete(documents.keys().next().value as string);
  return { ok: true, ranges: doc.prose(text) };
}
