// Runs a word pattern's backtracking proof (word_pattern.ts) off the extension host's thread:
// on a hostile pattern it can take seconds, and the host must keep answering meanwhile.
import { parentPort } from 'node:worker_threads';
import { wordPatternBacktrackingProblems } from './word_pattern';

parentPort!.once('message', ({ pattern, timeoutMs }: { pattern: string; timeoutMs: number }) => {
  parentPort!.postMessage(wordPatternBacktrackingProblems(pattern, timeoutMs));
});
