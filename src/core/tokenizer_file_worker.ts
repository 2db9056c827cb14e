// Parses a tokenizer.json off the main thread (see tokenizer_file.ts): JSON.parse of a BERT
// tokenizer stops a thread for longer than the extension host's thread may stop.
// The vocabulary comes back as two flat arrays (cheap to pass between threads) instead of an
// object of 30,000 keys.
import { parentPort } from 'node:worker_threads';
import type { TokenizerFileReply } from './tokenizer_file';

parentPort!.once('message', (text: string) => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const reply: TokenizerFileReply = { ok: false, message: (e as Error).message };
    parentPort!.postMessage(reply);
    return;
  }
  const model = (value as { model?: { vocab?: unknown } } | null)?.model;
  const vocab = model?.vocab;
  if (vocab && typeof vocab === 'object' && !Array.isArray(vocab)) {
    const entries = Object.entries(vocab);
    // only a map of token -> whole-number id is split out; anything else is left for validation
    if (entries.every(([, id]) => Number.isInteger(id) && (id as number) >= 0 && (id as number) <= 0x7fffffff)) {
      const tokens = entries.map(([t]) => t);
      const ids = Int32Array.from(entries, ([, id]) => id as number);
      model!.vocab = {};
      const reply: TokenizerFileReply = { ok: true, value, vocab: { tokens, ids } };
      parentPort!.postMessage(reply, [ids.buffer]);
      return;
    }
  }
  const reply: TokenizerFileReply = { ok: true, value };
  parentPort!.postMessage(reply);
});
