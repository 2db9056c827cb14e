// The prose of a code file, from the language's own TextMate grammar (the grammars VS Code
// ships and every language extension contributes), through vscode-textmate and its oniguruma
// regular expressions (the engine VS Code's own tokenizer uses): comments, docstrings and
// string literals, without their delimiters (`#`, `//`, quotes, string prefixes), escapes,
// placeholders and interpolated code, and never regular expressions. The same tokens as the
// editor's colouring, so what is labeled is what the user sees as a comment or a string.
//
// The rule is on scope names, TextMate's shared vocabulary, not on a list of languages:
// - a token is prose in a source grammar (`source.*`) when a `comment` or `string` scope holds
//   it and no scope in its stack marks it as code or syntax (punctuation, constant, storage,
//   keyword, variable, support, entity, regular expression, interpolation);
// - in a text grammar (`text.*`: HTML, LaTeX, reStructuredText, ...) the document's text is
//   prose except what such a scope marks, and strings (attribute values) and embedded code
//   (`source.*`, `meta.embedded`) are not.
// Lines longer than MAX_LINE are not tokenized (VS Code does not colour them either) and count
// as code: a minified line is not prose.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as oniguruma from 'vscode-oniguruma';
import { INITIAL, parseRawGrammar, Registry, type IGrammar, type StateStack } from 'vscode-textmate';
import type { OffsetRange } from './ranges';
import { normalizeRanges } from './prose_mask';

/** A grammar an extension contributes (package.json `contributes.grammars`), its path absolute. */
export interface GrammarSource {
  readonly scopeName: string;
  readonly path: string;
  readonly language?: string;
  /** Scopes this grammar is injected into (`injectTo`). */
  readonly injectTo?: readonly string[];
}

/** Lines longer than this (UTF-16 units) are not tokenized (VS Code's `editor.maxTokenizationLineLength`). */
export const MAX_LINE = 20_000;

const CODE_SCOPE =
  /^(punctuation|constant|storage|keyword|variable|support|entity|invalid)\.|^string\.regexp|^meta\.(template\.expression|interpolation|embedded\.line)/;
const SECTION_TITLE = /^entity\.name\.section/;
const TEXT_NOT_PROSE = /^(string|source|markup\.(raw|inline\.raw|fenced_code|underline\.link))(\.|$)|^meta\.embedded/;

/** Whether a token with these scopes (the grammar's own first) is prose. */
export function isProseToken(scopes: readonly string[]): boolean {
  const text = scopes[0]?.startsWith('text.') ?? false;
  let held = text;
  for (let i = 1; i < scopes.length; i++) {
    const s = scopes[i];
    if (CODE_SCOPE.test(s) && !(text && SECTION_TITLE.test(s))) return false;
    if (text && TEXT_NOT_PROSE.test(s)) return false;
    if (!text && (s.startsWith('comment') || s.startsWith('string'))) held = true;
  }
  return held;
}

let onig: Promise<void> | undefined;

/** The oniguruma WebAssembly module, loaded once from the file that ships with it (nothing is downloaded). */
function loadOniguruma(wasmPath?: string): Promise<void> {
  onig ??= (async () => {
    const file = wasmPath ?? findWasm();
    const bytes = readFileSync(file);
    await oniguruma.loadWASM(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  })();
  return onig;
}

/** onig.wasm beside the bundle (dist/, where the build copies it), else in the npm package above this file. */
function findWasm(): string {
  const beside = path.join(__dirname, 'onig.wasm');
  if (existsSync(beside)) return beside;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'node_modules', 'vscode-oniguruma', 'release', 'onig.wasm');
    if (existsSync(file)) return file;
    if (path.dirname(dir) === dir) return beside; // reading it says what is missing
  }
}

/** The grammars of a set of extensions, loaded on first use and kept. */
export class Grammars {
  private readonly byScope = new Map<string, GrammarSource>();
  private readonly injections = new Map<string, string[]>();
  private registry: Registry | undefined;
  private readonly loaded = new Map<string, Promise<IGrammar | null>>();

  constructor(
    sources: readonly GrammarSource[],
    private readonly wasmPath?: string,
  ) {
    for (const s of sources) {
      if (!this.byScope.has(s.scopeName)) this.byScope.set(s.scopeName, s);
      for (const target of s.injectTo ?? []) this.injections.set(target, [...(this.injections.get(target) ?? []), s.scopeName]);
    }
  }

  /** The grammar of a scope name, or a problem in words. */
  async grammar(scopeName: string): Promise<{ ok: true; value: IGrammar } | { ok: false; problems: string[] }> {
    if (!this.byScope.has(scopeName)) return { ok: false, problems: [`no grammar for ${scopeName}`] };
    let p = this.loaded.get(scopeName);
    if (!p) {
      p = this.load(scopeName);
      this.loaded.set(scopeName, p);
    }
    try {
      const g = await p;
      return g ? { ok: true, value: g } : { ok: false, problems: [`the grammar of ${scopeName} could not be loaded`] };
    } catch (e) {
      return { ok: false, problems: [`the grammar of ${scopeName} could not be read: ${(e as Error).message}`] };
    }
  }

  private async load(scopeName: string): Promise<IGrammar | null> {
    await loadOniguruma(this.wasmPath);
    this.registry ??= new Registry({
      onigLib: Promise.resolve({
        createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
        createOnigString: (s: string) => new oniguruma.OnigString(s),
      }),
      loadGrammar: async (scope: string) => {
        const source = this.byScope.get(scope);
        if (!source) return null; // an embedded language nobody contributes: its text stays code
        return parseRawGrammar(readFileSync(source.path, 'utf8'), source.path);
      },
      getInjections: (scope: string) => this.injections.get(scope),
    });
    return this.registry.loadGrammar(scopeName);
  }
}

const LINE = /\r\n|\r|\n/g;
const STAR_LEAD = /^\s*\*+(?=\s|$)/;

/** A text's lines: each line's text (without its line break) and where it starts. */
function splitLines(text: string): { lines: string[]; starts: number[] } {
  const lines: string[] = [];
  const starts: number[] = [];
  let lineStart = 0;
  for (;;) {
    LINE.lastIndex = lineStart;
    const m = LINE.exec(text);
    lines.push(text.slice(lineStart, m ? m.index : text.length));
    starts.push(lineStart);
    if (!m) return { lines, starts };
    lineStart = m.index + m[0].length;
  }
}

/** One line tokenized: its prose as [start, end) pairs relative to the line, and the state after it. */
function tokenizeProseLine(grammar: IGrammar, line: string, state: StateStack): { prose: number[]; state: StateStack } {
  const prose: number[] = [];
  if (line.length > MAX_LINE) return { prose, state };
  const r = grammar.tokenizeLine(line, state);
  for (const t of r.tokens) {
    const end = Math.min(t.endIndex, line.length); // the last token may count the line's end
    if (end <= t.startIndex || !isProseToken(t.scopes)) continue;
    let start = t.startIndex;
    // a block comment's line decoration (` * ` at the start of a line) is not prose
    if (t.scopes.some((sc) => sc.startsWith('comment.block'))) {
      const lead = STAR_LEAD.exec(line.slice(start, end));
      if (lead && !line.slice(0, start).trim()) start += lead[0].length;
    }
    if (end > start) prose.push(start, end);
  }
  return { prose, state: r.ruleStack };
}

/** The prose ranges of a text by a grammar: sorted, disjoint [start, end) UTF-16 offsets. */
export function grammarProse(grammar: IGrammar, text: string): OffsetRange[] {
  return new IncrementalGrammarProse(grammar).prose(text);
}

/**
 * `grammarProse` for successive versions of one document, as VS Code tokenizes: the lines
 * before the first changed line keep their tokens, and after the change tokenizing stops as
 * soon as a line of the old text's unchanged end is reached in the state it had then (the
 * rest is the same as before, shifted). A one-line edit re-tokenizes a few lines, not the file.
 */
export class IncrementalGrammarProse {
  private lines: string[] = [];
  /** The state after each line. */
  private states: StateStack[] = [];
  /** Each line's prose, relative to its start. */
  private prose_: number[][] = [];

  constructor(private readonly grammar: IGrammar) {}

  prose(text: string): OffsetRange[] {
    const { lines, starts } = splitLines(text);
    const old = this.lines;
    const n = lines.length;
    const m = old.length;
    let head = 0;
    while (head < n && head < m && lines[head] === old[head]) head++;
    let tail = 0;
    while (tail < n - head && tail < m - head && lines[n - 1 - tail] === old[m - 1 - tail]) tail++;
    const states: StateStack[] = this.states.slice(0, head);
    const prose: number[][] = this.prose_.slice(0, head);
    let state = head ? states[head - 1] : INITIAL;
    for (let i = head; i < n; i++) {
      const j = i - n + m; // the same line in the old text, in its unchanged end
      if (i >= n - tail && state.equals(j ? this.states[j - 1] : INITIAL)) {
        for (let k = i; k < n; k++) {
          states.push(this.states[k - n + m]);
          prose.push(this.prose_[k - n + m]);
        }
        break;
      }
      const r = tokenizeProseLine(this.grammar, lines[i], state);
      state = r.state;
      states.push(state);
      prose.push(r.prose);
    }
    this.lines = lines;
    this.states = states;
    this.prose_ = prose;
    const ranges: OffsetRange[] = [];
    for (let i = 0; i < n; i++) {
      const p = prose[i];
      for (let k = 0; k < p.length; k += 2) ranges.push({ start: starts[i] + p[k], end: starts[i] + p[k + 1] });
    }
    return normalizeRanges(text, ranges);
  }
}
