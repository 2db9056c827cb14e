// Finds prose ranges off the extension host's thread: parsing a long Markdown document or
// tokenizing a long code file takes far longer than the 20 ms the host's thread may be held.
// One request at a time; the ranges go back as one transferred Int32Array of start/end pairs.
import { parentPort } from 'node:worker_threads';
import { findProse, type ProseSpec } from './prose_spec';

parentPort!.on('message', ({ id, text, spec }: { id: number; text: string; spec: ProseSpec }) => {
  findProse(text, spec).then(
    (r) => {
      if (!r.ok) return parentPort!.postMessage({ id, problems: r.problems });
      const pairs = new Int32Array(r.ranges.length * 2);
      r.ranges.forEach((x, i) => {
        pairs[2 * i] = x.start;
        pairs[2 * i + 1] = x.end;
      });
      parentPort!.postMessage({ id, pairs }, [pairs.buffer]);
    },
    (e: unknown) => parentPort!.postMessage({ id, problems: [`finding the prose failed: ${(e as Error).message}`] }),
  );
});
