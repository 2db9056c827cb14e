// Reading a bundle's tokenizer.json without stalling the thread that asks. Its JSON is parsed
// in a short-lived worker thread, which sends the vocabulary back as flat arrays
// (`TokenVocab`); `TextTokenizer.load` then fills the tokenizer's vocabulary in slices.
// A worker that cannot start is not an error: the text is then parsed here.
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';

/** A vocabulary as parallel arrays: token `tokens[i]` has id `ids[i]`. */
export interface TokenVocab {
  readonly tokens: readonly string[];
  readonly ids: Int32Array;
}

/** The parsed file; with `vocab`, `model.vocab` in `value` is an empty object. */
export type TokenizerFileReply = { ok: true; value: unknown; vocab?: TokenVocab } | { ok: false; message: string };

/** Files smaller than this are parsed in place (a worker costs more than they do). */
const OFF_THREAD_BYTES = 64 * 1024;

/** Parses the text of a tokenizer.json; a syntax error comes back as `ok: false`. */
export async function parseTokenizerFile(
  text: string,
  workerPath = path.join(__dirname, 'tokenizer_file_worker.js'),
): Promise<TokenizerFileReply> {
  if (text.length >= OFF_THREAD_BYTES) {
    const reply = await inWorker(text, workerPath).catch(() => undefined);
    if (reply) return reply;
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (e) {
    return { ok: false, message: (e as Error).message };
  }
}

function inWorker(text: string, workerPath: string): Promise<TokenizerFileReply> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerPath);
    worker.once('message', (reply: TokenizerFileReply) => {
      resolve(reply);
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the tokenizer file's worker stopped (${code})`)));
    worker.postMessage(text);
  });
}
