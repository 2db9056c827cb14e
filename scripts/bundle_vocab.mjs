// A bundle's vocabulary as the benchmark scripts need it: how many pieces, and the ids of
// [CLS] and [SEP]. Synthetic windows must use the bundle's own ids: a model with a learned
// vocabulary (the default, 16,000 pieces) has neither bert-base-uncased's size nor its 101/102.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** { size, cls, sep } from the bundle's vocab.txt, else its tokenizer.json's WordPiece vocabulary. */
export function bundleVocab(dir) {
  let ids;
  const txt = path.join(dir, 'vocab.txt');
  if (existsSync(txt)) {
    const lines = readFileSync(txt, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    ids = new Map(lines.map((t, i) => [t, i]));
  } else {
    ids = new Map(Object.entries(JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')).model?.vocab ?? {}));
  }
  if (!ids.size) throw new Error(`${dir}: no vocabulary (vocab.txt or tokenizer.json's model.vocab)`);
  return { size: ids.size, cls: ids.get('[CLS]') ?? 0, sep: ids.get('[SEP]') ?? 0 };
}

/** A window of `length` ids: [CLS], pieces spread over the vocabulary by `next()` in [0, 1), [SEP]. */
export function syntheticWindow(vocab, length, next) {
  const first = Math.min(1000, Math.floor(vocab.size / 2));
  return Array.from({ length }, (_, i) =>
    i === 0 ? vocab.cls : i === length - 1 ? vocab.sep : first + Math.floor(next(i) * (vocab.size - first)),
  );
}
