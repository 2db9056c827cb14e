// bert-lstm-label: label text files (or stdin) from a terminal with a model bundle, using the
// core alone (no VS Code).
//   bert-lstm-label [--model DIR] [--format text|jsonl|conll|conllu|spans] [--strategy first|average|max|simple]
//                   [--prose auto|markdown|code|whole] [--grammars DIR] [FILE...]
//   bert-lstm-label --batch OUTPUT.jsonl [--max-bytes N] FOLDER|GLOB|FILE...
//   bert-lstm-label --batch SHARD_OUT.jsonl --shard I/N ... ; bert-lstm-label --merge MERGED.jsonl SHARD_OUT...
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { AGGREGATION_STRATEGIES, type AggregationStrategy } from './core/aggregate';
import { modelAnnotations } from './core/annotations';
import {
  batchFilesAtOnce,
  BatchOutputError,
  DEFAULT_MAX_BYTES,
  expandInputs,
  runBatch,
  type BatchOptions,
  type BatchProgress,
  type LabelText,
  type SkippedInput,
} from './core/batch';
import { exportAs, type ExportFormat } from './core/formats';
import { Labeler, type LabeledText } from './core/labeler';
import { streamLabels, type OutputFormat } from './core/stream_output';
import { describeFsError, isFsError } from './core/fs_errors';
import { bundleFiles, parseShard, planShard, runShard, shardInputs, shardName, type ShardSpec } from './core/shard';
import { mergeShards } from './core/shard_merge';
import { contributionsIn, languageOfFile, scopeOfLanguage, type Contributions } from './core/prose_extensions';
import { codePointRanges } from './core/prose_mask';
import { findProse, type ProseSpec } from './core/prose_spec';
import type { OffsetRange } from './core/ranges';
import { adaptMain } from './cli_adapt';
import { cannotUse, parseCommandLine } from './cli_args';

const USAGE = `usage: bert-lstm-label [--model DIR] [--format text|jsonl|conll|conllu|spans] [--strategy first|average|max|simple]
                       [--prose auto|markdown|code|whole] [--grammars DIR] [FILE...]
       bert-lstm-label --batch OUTPUT.jsonl [--max-bytes N] [--shard I/N] FOLDER|GLOB|FILE...
       bert-lstm-label --merge MERGED.jsonl SHARD_OUTPUT.jsonl...
       bert-lstm-label adapt --train FILE... --out DIR   (adapt --help says more)
Labels each FILE (or standard input when none is given) with a BERT+LSTM model bundle.
  --model DIR      model bundle folder (default: the bundled models/default)
  --format text    word/LABEL per word, the text's spacing kept, words that touch
                   (ca n't) one space apart (default)
  --format jsonl   one JSON object per word {start, end, text, label, score} (UTF-16 offsets),
                   then {"sequence": [{label, score}, ...]}
  --format conll   CoNLL-2003 token-per-line (IOB2 tags for span models, plain tags otherwise)
  --format conllu  CoNLL-U, the label in the UPOS column (span models: MISC NE=)
  --format spans   one JSON line {text, spans: [{start, end, label}]} (code point offsets, Prodigy/doccano)
  --batch OUT      label every file of the FOLDERs / GLOBs / FILEs into OUT, one JSON line per file
                   with its word labels and sequence scores; a second run with the same OUT skips
                   the files already in it (resume); binary, non-UTF-8 and huge files are skipped
                   with the reason recorded
  --max-bytes N    --batch skips files larger than N bytes (default ${DEFAULT_MAX_BYTES})
  --shard I/N      --batch labels only shard I (0 to N-1) of N: a share of the inputs balanced
                   by size, the same in every shard's run; OUT gets a manifest beside it
                   (OUT.manifest.json). Default: JOB_COMPLETION_INDEX / JOB_COMPLETION_COUNT
                   (a Kubernetes Indexed Job); see deploy/README.md
  --merge MERGED   checks the shard outputs given after it (every shard once, finished, of one
                   run, checksums intact) and joins them into MERGED: the file one --batch run
                   over the same inputs writes
  --strategy S     sub-word aggregation: first (default), average, max, or simple (each piece
                   labeled on its own, no merging into words)
  --prose auto     label only the prose (default): Markdown files (.md, .markdown, or the language
                   the --grammars extensions give the file) their paragraphs, headings, lists,
                   quotes and tables; files whose language has a grammar in --grammars their
                   comments, docstrings and strings; other files and standard input whole
  --prose markdown every input read as Markdown; --prose code: by its file's grammar (needs
                   --grammars); --prose whole: everything. Outputs say which ranges were labeled
                   (jsonl and spans: "labeled_ranges"; CoNLL-U: a "# labeled_ranges" comment)
  --grammars DIR   a folder of VS Code extensions whose TextMate grammars and languages are used
                   (e.g. VS Code's resources/app/extensions)
  --threads N      ONNX Runtime threads per worker (default 1)
  --workers N      inference workers, each with its own session (default: one per core);
                   the labels are the same for any number`;

function defaultModelDir(): string {
  // dist/cli.js -> ../models/default; out/src/cli.js -> ../../models/default
  for (const rel of ['../models/default', '../../models/default']) {
    const dir = path.resolve(__dirname, rel);
    if (existsSync(dir)) return dir;
  }
  return path.resolve(__dirname, '../models/default');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const EXPORT_FORMATS: readonly string[] = ['conll', 'conllu', 'spans'];
const OUTPUT_FORMATS: readonly string[] = ['text', 'jsonl', ...EXPORT_FORMATS];

/** What runs on from one input to the next in a training-format output: CoNLL-U's sent_id. */
export interface ExportRunState {
  nextSentenceId: number;
}

/**
 * The model's labels in a training format (docs/WORKFLOW.md), from the word splitter's words.
 * CoNLL-U marks each input with `# newdoc id = NAME` and numbers sentences across the run (one
 * output of several files has each sent_id once). Every export warning goes to stderr.
 */
export function formatExport(
  format: ExportFormat,
  text: string,
  result: LabeledText,
  labeler: Labeler,
  name = '<stdin>',
  state: ExportRunState = { nextSentenceId: 1 },
  newdoc = true,
  labeledRanges?: ReadonlyArray<readonly [number, number]>,
): string {
  const scheme = labeler.bundle.config.labelScheme;
  const out = exportAs(
    format,
    text,
    labeler.tokenizer.wordSpans(text),
    modelAnnotations(text, result.words, scheme),
    scheme === 'plain' ? 'plain' : 'iob2',
    {
      documentName: !newdoc ? undefined : name === '<stdin>' ? 'stdin' : name,
      firstSentenceId: state.nextSentenceId,
      labeledRanges: newdoc ? labeledRanges : undefined,
    },
  );
  state.nextSentenceId += out.sentences;
  for (const w of out.warnings) process.stderr.write(`bert-lstm-label: ${name}: ${w.line ? `line ${w.line}: ` : ''}${w.message}\n`);
  return out.content;
}

/** Writes to standard output, resolving once the data is handed on (a slow reader holds the labeling back). */
function writeStdout(s: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(s, (e) => (e ? reject(e) : resolve())));
}

/**
 * One input's labels in `format`, written to standard output as the document is labeled
 * (core/stream_output.ts: a chunk of paragraphs at a time), so a big document's output is never
 * held whole. The CoNLL formats are formatExport's per chunk, CoNLL-U sentence ids running on
 * across chunks.
 */
async function writeLabels(
  text: string,
  format: OutputFormat,
  labeler: Labeler,
  strategy: AggregationStrategy,
  name: string,
  state: ExportRunState,
  ranges?: readonly OffsetRange[],
): Promise<void> {
  const scheme = labeler.bundle.config.labelScheme;
  const cpRanges = ranges && codePointRanges(text, ranges);
  const { sentences } = await streamLabels(labeler, text, writeStdout, {
    format,
    labelOptions: { strategy, ranges },
    annotate: (chunk) => modelAnnotations(chunk.text, chunk.result.words, scheme),
    // the document's `# newdoc` comes with its first chunk; sentence ids run on across chunks
    exportChunk: (chunk, firstSentenceId) => {
      const st = { nextSentenceId: firstSentenceId };
      const content = formatExport(format as ExportFormat, chunk.text, chunk.result, labeler, name, st, chunk.first, cpRanges);
      return { content, sentences: st.nextSentenceId - firstSentenceId };
    },
    firstSentenceId: state.nextSentenceId,
  });
  state.nextSentenceId += sentences;
}

/** --batch: label folders, globs and files into one JSON Lines output, resuming an earlier run. */
async function batchMain(
  output: string,
  inputs: readonly string[],
  maxBytesArg: string | undefined,
  options: { model?: string; threads: number; workers: number; strategy: AggregationStrategy; shard?: ShardSpec },
): Promise<number> {
  const maxBytes = maxBytesArg === undefined ? DEFAULT_MAX_BYTES : Number(maxBytesArg);
  if (!Number.isInteger(maxBytes) || maxBytes < 1) {
    process.stderr.write('bert-lstm-label: --max-bytes must be a positive whole number\n');
    return 2;
  }
  if (inputs.length === 0) {
    process.stderr.write('bert-lstm-label: --batch needs at least one FOLDER, GLOB or FILE\n');
    return 2;
  }
  const { files, missing, skipped } = await expandInputs(inputs);
  for (const m of missing) process.stderr.write(`bert-lstm-label: ${m}: no such file or folder (or no file matches)\n`);
  if (missing.length) return 1;
  if (files.length === 0 && skipped.length === 0) {
    process.stderr.write(`bert-lstm-label: no files in ${inputs.join(', ')}: nothing to label\n`);
    return 1;
  }
  const opened = await Labeler.open(options.model ?? defaultModelDir(), { threads: options.threads, workers: options.workers });
  if (!opened.ok) {
    process.stderr.write(`bert-lstm-label: ${cannotUse(opened.problems)}\n`);
    return 1;
  }
  const labeler = opened.value;
  // Ctrl+C (or SIGTERM: a pod being stopped) stops between files; the output so far is whole
  // and a later run resumes it.
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigint);
  try {
    const labelText: LabelText = (text, signal) => labeler.label(text, { strategy: options.strategy, signal });
    const batchOptions = {
      maxBytes,
      skipped,
      signal: controller.signal,
      filesAtOnce: batchFilesAtOnce(labeler.engine.workers),
      onProgress: (p: BatchProgress) => {
        const note = p.record && 'skipped' in p.record ? ` skipped: ${p.record.skipped}` : '';
        process.stderr.write(`[${p.done}/${p.total}] ${p.file}${note}\n`);
      },
    };
    const summary = options.shard
      ? await shardRun(options.shard, files, skipped, output, labeler, labelText, { ...batchOptions, strategy: options.strategy })
      : await runBatch(files, output, labelText, batchOptions);
    if (summary.droppedPartialLine)
      process.stderr.write(
        `bert-lstm-label: the last record of ${output} was cut off by an interrupted run; it was removed and its file labeled again\n`,
      );
    process.stderr.write(
      `bert-lstm-label: ${summary.labeled} labeled, ${summary.skipped} skipped, ${summary.resumed} already in ${output}` +
        (summary.cancelled ? ' (interrupted: run again to resume)' : '') +
        '\n',
    );
    if (summary.cancelled) return 130;
    if (options.shard) return 0; // a shard's share may be empty or all skipped: the merge has its records
    if (summary.labeled === 0 && summary.resumed === 0) {
      process.stderr.write(`bert-lstm-label: nothing could be labeled: every input was skipped (the reasons are above and in ${output})\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof BatchOutputError) {
      process.stderr.write(`bert-lstm-label: ${e.message}\n`);
      return 1;
    }
    if (isFsError(e)) {
      process.stderr.write(`bert-lstm-label: ${e.path ?? output}: ${describeFsError(e, 'write')}\n`);
      return 1;
    }
    throw e;
  } finally {
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigint);
    await labeler.dispose();
  }
}

// ---- sharding (--shard, --merge): core/shard.ts and core/shard_merge.ts; deploy/README.md

/** --batch with --shard: this shard's share of the inputs into OUT, with its manifest. */
async function shardRun(
  spec: ShardSpec,
  files: readonly string[],
  skipped: readonly SkippedInput[],
  output: string,
  labeler: Labeler,
  labelText: LabelText,
  options: BatchOptions & { maxBytes: number; strategy: AggregationStrategy },
): Promise<Awaited<ReturnType<typeof runShard>>> {
  const inputs = await shardInputs(files, skipped);
  const bundle = { name: labeler.bundle.config.name, files: await bundleFiles(labeler.bundle.dir) };
  const plan = planShard(
    inputs,
    skipped,
    spec,
    { bundle, options: { strategy: options.strategy, max_bytes: options.maxBytes } },
    options.maxBytes,
  );
  const bytes = plan.manifest.files.reduce((n, f) => n + Math.max(0, f.bytes), 0);
  process.stderr.write(`bert-lstm-label: ${shardName(spec)}: ${plan.files.length} of ${inputs.length} inputs (${bytes} bytes)\n`);
  const summary = await runShard(plan, output, labelText, options);
  if (summary.complete) process.stderr.write(`bert-lstm-label: ${shardName(spec)} complete; manifest ${summary.manifest}\n`);
  return summary;
}

/** --merge MERGED SHARD_OUT...: checks the shards and joins them. */
async function mergeMain(merged: string, outputs: readonly string[]): Promise<number> {
  if (outputs.length === 0) {
    process.stderr.write('bert-lstm-label: --merge MERGED needs the shard outputs after it (every shard of the run, once)\n');
    return 2;
  }
  const r = await mergeShards(merged, outputs);
  if (!r.ok) {
    process.stderr.write(`bert-lstm-label: the shards cannot be merged into ${merged}:\n${r.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  process.stderr.write(
    `bert-lstm-label: ${r.value.shards} shards merged into ${merged}: ${r.value.records} records, ${r.value.bytes} bytes\n`,
  );
  return 0;
}

type ProseMode = 'auto' | 'markdown' | 'code' | 'whole';
const PROSE_MODES: readonly string[] = ['auto', 'markdown', 'code', 'whole'];
const MARKDOWN_FILE = /\.(md|markdown|mdown|mkd|mkdn)$/i;

/**
 * How an input's prose is found (`--prose`, the file's name and the --grammars extensions'
 * languages); undefined: it is labeled whole.
 */
export function proseSpec(
  name: string,
  mode: ProseMode,
  contributions: Contributions | undefined,
): { ok: true; value: ProseSpec | undefined } | { ok: false; problem: string } {
  if (mode === 'whole') return { ok: true, value: undefined };
  if (mode === 'markdown') return { ok: true, value: { kind: 'markdown' } };
  const stdin = name === '<stdin>';
  const language = stdin || !contributions ? undefined : languageOfFile(name, contributions.languages);
  if (mode === 'auto' && (language === 'markdown' || (!language && !stdin && MARKDOWN_FILE.test(name)))) {
    return { ok: true, value: { kind: 'markdown' } };
  }
  const scopeName = language && contributions ? scopeOfLanguage(language, contributions.grammars) : undefined;
  if (scopeName && contributions) return { ok: true, value: { kind: 'grammar', scopeName, grammars: contributions.grammars } };
  if (mode === 'code') {
    return {
      ok: false,
      problem: `--prose code: no grammar in --grammars for ${stdin ? 'standard input' : `this file's language (${language ?? 'unknown'})`}`,
    };
  }
  return { ok: true, value: undefined };
}

export async function main(argv: string[]): Promise<number> {
  // `adapt`: learning from annotation files (cli_adapt.ts)
  if (argv[0] === 'adapt') return adaptMain(argv.slice(1), defaultModelDir());
  const args = parseCommandLine(
    argv,
    {
      model: { type: 'string' },
      format: { type: 'string', default: 'text' },
      strategy: { type: 'string', default: 'first' },
      threads: { type: 'string', default: '1' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      batch: { type: 'string' },
      'max-bytes': { type: 'string' },
      shard: { type: 'string' },
      merge: { type: 'string' },
      prose: { type: 'string', default: 'auto' },
      grammars: { type: 'string' },
    },
    USAGE,
    (line) => void process.stderr.write(`bert-lstm-label: ${line}\n`),
  );
  if (typeof args === 'number') return args;
  const { values, positionals } = args;
  if (!OUTPUT_FORMATS.includes(values.format!)) {
    process.stderr.write(`bert-lstm-label: --format must be text or jsonl (or conll, conllu, spans), not ${values.format}\n`);
    return 2;
  }
  if (!(AGGREGATION_STRATEGIES as readonly string[]).includes(values.strategy!)) {
    process.stderr.write(`bert-lstm-label: --strategy must be first, average, max or simple, not ${values.strategy}\n`);
    return 2;
  }
  if (!PROSE_MODES.includes(values.prose!)) {
    process.stderr.write(`bert-lstm-label: --prose must be auto, markdown, code or whole, not ${values.prose}\n`);
    return 2;
  }
  if (values.prose === 'code' && !values.grammars) {
    process.stderr.write('bert-lstm-label: --prose code needs --grammars DIR (a folder of VS Code extensions)\n');
    return 2;
  }
  const contributions = values.grammars ? contributionsIn(values.grammars) : undefined;
  if (values.grammars && !contributions!.grammars.length) {
    process.stderr.write(`bert-lstm-label: --grammars ${values.grammars}: no extension there contributes a grammar\n`);
    return 2;
  }
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) {
    process.stderr.write(`bert-lstm-label: --threads must be a positive whole number\n`);
    return 2;
  }
  const workers = values.workers === undefined ? availableParallelism() : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1) {
    process.stderr.write(`bert-lstm-label: --workers must be a positive whole number\n`);
    return 2;
  }
  // sharding: --merge joins shard outputs; --shard (or an Indexed Job's environment) splits --batch
  if (values.merge !== undefined) {
    if (values.batch !== undefined) {
      process.stderr.write('bert-lstm-label: --merge and --batch are two steps: label with --batch (and --shard), then --merge\n');
      return 2;
    }
    return mergeMain(values.merge, positionals);
  }
  if (values.shard !== undefined && values.batch === undefined) {
    process.stderr.write('bert-lstm-label: --shard splits a --batch run: give --batch OUT too\n');
    return 2;
  }
  const shard = values.batch !== undefined ? parseShard(values.shard, process.env) : undefined;
  if (shard && !shard.ok) {
    process.stderr.write(`bert-lstm-label: ${shard.message}\n`);
    return 2;
  }
  if (values.batch !== undefined)
    return batchMain(values.batch, positionals, values['max-bytes'], {
      model: values.model,
      threads,
      workers,
      strategy: values.strategy as AggregationStrategy,
      shard: shard?.ok ? shard.value : undefined,
    });
  // Read every input first: a missing file is reported before the model loads.
  const inputs: Array<{ name: string; text: string; ranges?: OffsetRange[] }> = [];
  if (positionals.length === 0) inputs.push({ name: '<stdin>', text: await readStdin() });
  for (const file of positionals) {
    try {
      const buf = await fs.readFile(file);
      if (buf.includes(0)) {
        process.stderr.write(`bert-lstm-label: ${file} looks binary (it contains NUL bytes); not labeled\n`);
        return 1;
      }
      inputs.push({ name: file, text: buf.toString('utf8') });
    } catch (e) {
      process.stderr.write(`bert-lstm-label: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? e}\n`);
      return 1;
    }
  }
  for (const input of inputs) {
    const spec = proseSpec(input.name, values.prose as ProseMode, contributions);
    if (!spec.ok) {
      process.stderr.write(`bert-lstm-label: ${input.name}: ${spec.problem}\n`);
      return 1;
    }
    if (!spec.value) continue;
    const found = await findProse(input.text, spec.value);
    if (!found.ok) {
      process.stderr.write(`bert-lstm-label: ${input.name}: ${found.problems.join('; ')}\n`);
      return 1;
    }
    input.ranges = found.ranges;
  }
  const opened = await Labeler.open(values.model ?? defaultModelDir(), { threads, workers });
  if (!opened.ok) {
    process.stderr.write(`bert-lstm-label: ${cannotUse(opened.problems)}\n`);
    return 1;
  }
  const labeler = opened.value;
  const exportState: ExportRunState = { nextSentenceId: 1 };
  try {
    for (const input of inputs) {
      if (inputs.length > 1 && values.format === 'text')
        await writeStdout(`==> ${input.name} <==
`);
      await writeLabels(
        input.text,
        values.format as OutputFormat,
        labeler,
        values.strategy as AggregationStrategy,
        input.name,
        exportState,
        input.ranges,
      );
    }
  } finally {
    await labeler.dispose();
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      // a file system error (a full disk, a closed pipe) is the user's to fix: words, no stack
      process.stderr.write(
        `bert-lstm-label: ${isFsError(e) ? `${e.path ? `${e.path}: ` : ''}${describeFsError(e, 'write')}` : ((e as Error).stack ?? e)}\n`,
      );
      process.exit(1);
    },
  );
}
