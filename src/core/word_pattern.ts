// A bundle's `word_pattern` is untrusted input that runs on the extension host's thread (V8's
// backtracking engine: the default pattern needs a backreference and a lookahead, which no
// linear-time engine runs). So it is accepted only when it is proven harmless at load:
//   - it cannot match an empty string (no word) nor any whitespace or line break (a word with a
//     space or a tab breaks every column format);
//   - its worst-case backtracking is bounded (redos-detector walks every pair of paths the
//     backtracker could take over the same text: nested or overlapping repetition such as
//     `(\w+\s?)*` is refused; `[a-z]+(?:-[a-z]+)*` is not).
// The proof itself can be slow on a hostile pattern, so it runs in a worker thread with a time
// limit (word_pattern_worker.ts); a worker that cannot start leaves it to run here, bounded by
// the detector's own time limit.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import { RegExpParser, type AST } from '@eslint-community/regexpp';
import { isSafePattern } from 'redos-detector';
import { PROVEN_WORD_PATTERNS } from './proven_patterns';

/** Longest pattern accepted: a real word pattern is a few hundred characters. */
export const MAX_WORD_PATTERN_LENGTH = 4000;
/** Heap of the worker that proves a pattern (MB). */
const PROOF_HEAP_MB = 512;
/** How long the proof may take before the pattern is refused (ms). */
export const WORD_PATTERN_CHECK_MS = 10_000;

// Whitespace a column format splits on: JavaScript's \s, Unicode's separators, and what
// Python's str.split() adds (the information separators U+001C-U+001F and NEL).
export const isColumnWhitespace = (cp: number): boolean =>
  (cp >= 0x1c && cp <= 0x1f) || cp === 0x85 || /[\s\p{Z}]/u.test(String.fromCodePoint(cp));

const WHITESPACE: readonly number[] = (() => {
  const out: number[] = [];
  for (let cp = 0; cp <= 0x3000; cp++) if (isColumnWhitespace(cp)) out.push(cp);
  out.push(0xfeff);
  return out;
})();

const codePointName = (cp: number): string => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;

type Element = AST.Element | AST.Alternative | AST.Pattern;

/** Whether a node can match without consuming a character (assertions and lookarounds can). */
function nullable(node: Element): boolean {
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      return node.alternatives.some(nullable);
    case 'Alternative':
      return node.elements.every(nullable);
    case 'Quantifier':
      return node.min === 0 || nullable(node.element);
    case 'Assertion':
    case 'Backreference':
      return true;
    default:
      return false;
  }
}

/** The first consuming atom (outside lookarounds) that can match a whitespace character. */
function whitespaceAtom(node: Element): { raw: string; cp: number; at: number } | undefined {
  switch (node.type) {
    case 'Pattern':
    case 'Group':
    case 'CapturingGroup':
      for (const a of node.alternatives) {
        const hit = whitespaceAtom(a);
        if (hit) return hit;
      }
      return undefined;
    case 'Alternative':
      for (const e of node.elements) {
        const hit = whitespaceAtom(e);
        if (hit) return hit;
      }
      return undefined;
    case 'Quantifier':
      return whitespaceAtom(node.element);
    case 'Assertion':
    case 'Backreference': // repeats what its group matched, checked there
      return undefined;
    case 'Character': {
      const cp = WHITESPACE.includes(node.value) ? node.value : undefined;
      return cp === undefined ? undefined : { raw: node.raw, cp, at: node.start + 1 };
    }
    case 'CharacterSet':
    case 'CharacterClass':
    case 'ExpressionCharacterClass': {
      const re = new RegExp(`^(?:${node.raw})$`, 'u');
      const cp = WHITESPACE.find((c) => re.test(String.fromCodePoint(c)));
      return cp === undefined ? undefined : { raw: node.raw, cp, at: node.start + 1 };
    }
    default:
      return undefined;
  }
}

/** What is wrong with a word pattern's shape (empty when nothing), without the backtracking proof. */
export function wordPatternShapeProblems(pattern: string): string[] {
  if (pattern.length > MAX_WORD_PATTERN_LENGTH)
    return [`is ${pattern.length} characters long; at most ${MAX_WORD_PATTERN_LENGTH} are accepted`];
  let ast: AST.Pattern;
  try {
    new RegExp(pattern, 'gu');
    ast = new RegExpParser({ ecmaVersion: 2025 }).parsePattern(pattern, 0, pattern.length, { unicode: true });
  } catch (e) {
    return [`is not a valid regular expression (${(e as Error).message})`];
  }
  const problems: string[] = [];
  if (nullable(ast)) problems.push('can match an empty string, which is no word');
  const ws = whitespaceAtom(ast);
  if (ws) {
    problems.push(
      `can match whitespace (${codePointName(ws.cp)}, through \`${ws.raw}\` at character ${ws.at}); a word holds no spaces, tabs or line breaks, which would break the CoNLL columns`,
    );
  }
  return problems;
}

/** The backtracking proof (slow on hostile patterns: run it in the worker). */
export function wordPatternBacktrackingProblems(pattern: string, timeoutMs = WORD_PATTERN_CHECK_MS): string[] {
  let result;
  try {
    result = isSafePattern(pattern, { unicode: true, timeout: timeoutMs });
  } catch (e) {
    return [`cannot be checked for runaway backtracking (${(e as Error).message})`];
  }
  if (result.safe) return [];
  if (result.error === 'timedOut' || result.error === 'hitMaxSteps') {
    return [
      `could not be shown to finish quickly on every text within the check's limits; a pattern that may backtrack without bound would freeze the editor`,
    ];
  }
  const score = result.score.infinite ? 'without bound' : `up to ${result.score.value} times per character`;
  return [`can backtrack ${score} on some texts (nested or overlapping repetition, as in \`(\\w+\\s?)*\`); it would freeze the editor`];
}

/**
 * Patterns whose check finished, with its problems: a bundle is loaded again on every model
 * reload (a settings change), and the proof of one pattern gives the same answer each time.
 * A check that ran out of time is not remembered. At most `CHECKED_MAX` patterns are kept.
 */
const checked = new Map<string, string[]>();
const CHECKED_MAX = 32;

export interface WordPatternCheckOptions {
  readonly timeoutMs?: number;
  readonly workerPath?: string;
}

/**
 * Every problem of a word pattern (empty: accepted), the proof run in a worker thread that is
 * stopped after `timeoutMs`: a pattern whose check does not finish is refused.
 */
export async function checkWordPattern(pattern: string, options: WordPatternCheckOptions = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? WORD_PATTERN_CHECK_MS;
  const shape = wordPatternShapeProblems(pattern);
  if (shape.length) return shape;
  if (PROVEN_WORD_PATTERNS.has(pattern)) return [];
  const known = checked.get(pattern);
  if (known) return [...known];
  const workerPath = options.workerPath ?? path.join(__dirname, 'word_pattern_worker.js');
  let worker: Worker;
  try {
    // its own heap limit: the proof of a long pattern needs more memory than a process started
    // with a small heap (`--max-old-space-size`) would give a worker that inherits it
    worker = new Worker(workerPath, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: PROOF_HEAP_MB, maxYoungGenerationSizeMb: 64 },
    });
  } catch {
    return wordPatternBacktrackingProblems(pattern, timeoutMs);
  }
  return new Promise<string[]>((resolve) => {
    let settled = false;
    const settle = (problems: string[] | undefined, finished = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (finished && problems) {
        if (checked.size >= CHECKED_MAX) checked.delete(checked.keys().next().value!);
        checked.set(pattern, problems);
      }
      resolve(problems ? [...problems] : wordPatternBacktrackingProblems(pattern, timeoutMs));
    };
    const timer = setTimeout(
      () =>
        settle([`was still being checked for runaway backtracking after ${timeoutMs / 1000} s; a pattern that slow to check is refused`]),
      timeoutMs + 2000,
    );
    worker.once('message', (problems: string[]) => settle(problems, true));
    // a worker that cannot load (no built file next to this one) leaves the check to this thread;
    // one that ran out of memory refuses the pattern (the same proof here would stop the process)
    worker.once('error', (e: NodeJS.ErrnoException) =>
      settle(
        e.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? [`needed more than ${PROOF_HEAP_MB} MB to be checked for runaway backtracking; a pattern that costly to check is refused`]
          : undefined,
        e.code === 'ERR_WORKER_OUT_OF_MEMORY',
      ),
    );
    worker.once('exit', () => settle(undefined));
    worker.postMessage({ pattern, timeoutMs });
  });
}
