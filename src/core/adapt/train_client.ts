// learnHead in a worker thread (train_worker.ts), for the editor: a thread per training, which
// ends when it has answered. An abort signal terminates it (it runs no native code, so ending it
// mid-run is safe, unlike the inference worker).
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { HeadExamples, TokenHead } from './head';
import type { Learned, LearnOptions } from './learn';
import type { TrainRequest, TrainResponse } from './train_protocol';

/** Retrains `base` on the examples in a worker thread; rejects with the reason in words. */
export function learnInWorker(
  base: TokenHead,
  examples: HeadExamples,
  options: LearnOptions = {},
  signal?: AbortSignal,
  workerPath = path.join(__dirname, 'train_worker.js'),
): Promise<Learned> {
  return new Promise((resolve, reject) => {
    const workerData: TrainRequest = { base, examples, options };
    let worker: Worker;
    try {
      worker = new Worker(workerPath, { workerData });
    } catch (e) {
      reject(new Error(`the training worker could not start: ${(e as Error).message}`));
      return;
    }
    let settled = false;
    const onAbort = (): void => {
      settle(() => reject(new Error('learning was cancelled')));
      void worker.terminate();
    };
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.once('message', (m: TrainResponse) =>
      settle(() => (m.ok ? resolve(m.learned) : reject(new Error(`training failed: ${m.message}`)))),
    );
    worker.once('error', (e) => settle(() => reject(new Error(`the training worker crashed: ${e.message}`))));
    worker.once('exit', (code) => settle(() => reject(new Error(`the training worker stopped (exit code ${code})`))));
  });
}
