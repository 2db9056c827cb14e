// `bert-lstm-label adapt`: the token head retrained on annotation files from a terminal, written
// as a bundle (the base model's files, the adapted head and the memory of the examples) that
// --model and Select Model load. The same core as the editor's Learn from Corrections:
// collectExamples, then learnHead (core/adapt/learn.ts); here training runs on the CLI's own
// thread, which has nothing else to do. What the bundle holds is chosen by held-out accuracy on
// the same folds: the retrained head, the memory, or both (bestParts).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ADAPTED_HEAD_FILE, serializeAdaptedHead } from './core/adapt/head_file';
import { adaptedHeadInfo, bestParts, collectExamples, learnHead, rememberExamples, type TrainingDocument } from './core/adapt/learn';
import { DEFAULT_MEMORY_THRESHOLD, wordForm } from './core/adapt/memory';
import { ADAPTED_MEMORY_FILE, serializeMemory } from './core/adapt/memory_file';
import { readTrainingFile } from './core/adapt/training_files';
import { writeFileAtomic } from './core/atomic_write';
import { describeFsError } from './core/fs_errors';
import { Labeler } from './core/labeler';
import { cannotUse, parseCommandLine } from './cli_args';

export const ADAPT_USAGE = `usage: bert-lstm-label adapt [--model DIR] --train FILE [--train FILE...] --out DIR [--force]
Retrains the model's token head on the labels of annotation files and writes a bundle that
--model and Select Model load: the model's files, and what is better on held-out words of the
files (cross-validation): the retrained head (adapted_head.json), the memory of the labeled
words with their features (adapted_memory.json: a word near a remembered one takes its label),
or both.
  --train FILE   CoNLL-U (.conllu: UPOS, or MISC NE=), CoNLL-2003 (.conll/.iob/.bio), JSON Lines
                 spans (.jsonl: Prodigy/doccano) or a sidecar (.labels.jsonl, next to its document)
  --out DIR      the new bundle's folder (created; not the model's own folder)
  --force        write the bundle (head and memory) even when neither is better on held-out words
  --l2 X         pull toward the model's own weights (default: the best of 0.001, 0.01 and 0.1
                 on the held-out folds)
  --steps N      optimiser steps (default 300)
  --folds N      cross-validation folds (default 3)`;

/** The pulls toward the shipped weights `adapt` chooses from when --l2 is not given. */
const L2_CHOICES = [0.001, 0.01, 0.1];

const say = (s: string): void => void process.stderr.write(`bert-lstm-label adapt: ${s}\n`);

export async function adaptMain(argv: string[], defaultModel: string): Promise<number> {
  const args = parseCommandLine(
    argv,
    {
      model: { type: 'string' },
      train: { type: 'string', multiple: true },
      out: { type: 'string' },
      force: { type: 'boolean' },
      l2: { type: 'string' },
      steps: { type: 'string' },
      folds: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    ADAPT_USAGE,
    say,
  );
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  const trainFiles = [...(values.train ?? []), ...positionals];
  if (!trainFiles.length || !values.out) {
    say(`--train FILE and --out DIR are needed\n${ADAPT_USAGE}`);
    return 2;
  }
  const num = (v: string | undefined, name: string, int: boolean): number | undefined | null => {
    if (v === undefined) return undefined;
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0 || (int && (!Number.isInteger(x) || x < 1))) {
      say(`--${name} must be ${int ? 'a positive whole number' : 'a number >= 0'}, not ${v}`);
      return null;
    }
    return x;
  };
  const l2 = num(values.l2, 'l2', false);
  const steps = num(values.steps, 'steps', true);
  const folds = num(values.folds, 'folds', true);
  if (l2 === null || steps === null || folds === null) return 2;
  const modelDir = path.resolve(values.model ?? defaultModel);
  const outDir = path.resolve(values.out);
  if (outDir === modelDir) {
    say('--out must be a new folder, not the model itself (the model is never changed)');
    return 2;
  }
  const docs: TrainingDocument[] = [];
  for (const f of trainFiles) {
    const read = await readTrainingFile(f);
    if (!read.ok) {
      for (const p of read.problems) say(p);
      return 1;
    }
    docs.push(...read.value);
  }
  const opened = await Labeler.open(modelDir, { threads: 1, workers: 1 });
  if (!opened.ok) {
    say(cannotUse(opened.problems));
    return 1;
  }
  const labeler = opened.value;
  try {
    for (const w of labeler.warnings) say(w);
    const base = labeler.adaptedHead ?? labeler.baseHead;
    if (!base || labeler.learningOff) {
      say(labeler.learningOff ?? 'the model has no token head to adapt');
      return 1;
    }
    const t0 = performance.now();
    const collected = await collectExamples(labeler, docs);
    if (!collected.ok) {
      for (const p of collected.problems) say(p);
      return 1;
    }
    const { examples, labelCounts, documents, skipped } = collected.value;
    if (skipped.length) say(`left out: ${skipped.join('; ')}`);
    if (!examples.count) {
      say('no word of the files has a label the model knows: nothing to learn from');
      return 1;
    }
    const featuresMs = performance.now() - t0;
    const forms = collected.value.sources.map((src) => wordForm(src.word));
    const l2Choices = l2 === undefined ? L2_CHOICES : undefined;
    const learned = learnHead(base, examples, { l2, l2Choices, steps, folds, forms, threshold: DEFAULT_MEMORY_THRESHOLD });
    say(
      `learned from ${examples.count} tokens, ${labelCounts.size} labels, ${documents} document${documents === 1 ? '' : 's'} ` +
        `in ${((featuresMs + learned.ms) / 1000).toFixed(1)} s (features ${(featuresMs / 1000).toFixed(1)} s, training and cross-validation ${(learned.ms / 1000).toFixed(1)} s)`,
    );
    say(learned.verdict);
    const parts = bestParts(learned) ?? (values.force ? { head: true, memory: true } : undefined);
    if (!parts) {
      say(
        'neither the retrained head nor the memory of the examples is better than the model on held-out words: no bundle written (--force writes both anyway)',
      );
      return 1;
    }
    const memory = labeler.newMemory(DEFAULT_MEMORY_THRESHOLD);
    rememberExamples(memory, collected.value, labeler.labels);
    const stamp = { name: labeler.bundle.config.name, sha256: await labeler.modelSha256() };
    await writeBundle(modelDir, outDir, {
      head: parts.head
        ? serializeAdaptedHead({ head: learned.head, info: await adaptedHeadInfo(labeler, collected.value, learned) })
        : undefined,
      memory: parts.memory ? serializeMemory(memory, stamp) : undefined,
    });
    const wrote = [
      ...(parts.head ? [`the retrained head (${ADAPTED_HEAD_FILE})`] : []),
      ...(parts.memory ? [`${memory.size} remembered words (${ADAPTED_MEMORY_FILE})`] : []),
    ];
    say(`wrote ${outDir}: the model's files and ${wrote.join(' and ')}`);
    return 0;
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code) {
      say(`${err.path ?? outDir}: ${describeFsError(e, 'write')}`);
      return 1;
    }
    throw e;
  } finally {
    await labeler.dispose();
  }
}

/**
 * The base bundle's files copied into `outDir`, then the new parts written atomically over
 * their copies (a part not written stays the base bundle's own, if it has one).
 */
async function writeBundle(modelDir: string, outDir: string, parts: { head?: string; memory?: string }): Promise<void> {
  await fs.mkdir(outDir, { recursive: true });
  for (const entry of await fs.readdir(modelDir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    await fs.copyFile(path.join(modelDir, entry.name), path.join(outDir, entry.name));
  }
  if (parts.head !== undefined) await writeFileAtomic(path.join(outDir, ADAPTED_HEAD_FILE), parts.head);
  if (parts.memory !== undefined) await writeFileAtomic(path.join(outDir, ADAPTED_MEMORY_FILE), parts.memory);
}
