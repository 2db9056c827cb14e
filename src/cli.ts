// bert-lstm-label: label text files (or stdin) from a terminal with a model bundle, using the
// core alone (no VS Code).
//   bert-lstm-label [--model DIR] [--format text|jsonl|conll|conllu|spans] [--strategy first|average|max|simple] [FILE...]
//   bert-lstm-label --batch OUTPUT.jsonl [--max-bytes N] FOLDER|GLOB|FILE...
import { existsSync, promises as fs } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { AGGREGATION_STRATEGIES, type AggregationStrategy } from './core/aggregate';
import { modelAnnotations } from './core/annotations';
import { BatchOutputError, DEFAULT_MAX_BYTES, expandInputs, runBatch } from './core/batch';
import { exportAs, type ExportFormat } from './core/formats';
import { Labeler, type LabeledText } from './core/labeler';
import { streamLabels, type OutputFormat } from './core/stream_output';
import { describeFsError, isFsError } from './core/fs_errors';
import { adaptMain } from './cli_adapt';

const USAGE = `usage: bert-lstm-label [--model DIR] [--format text|jsonl|conll|conllu|spans] [--strategy first|average|max|simple] [FILE...]
       bert-lstm-label --batch OUTPUT.jsonl [--max-bytes N] FOLDER|GLOB|FILE...
       bert-lstm-label adapt --train FILE... --out DIR   (adapt --help says more)
Labels each FILE (or standard input when none is given) with a BERT+LSTM model bundle.
  --model DIR      model bundle folder (default: the bundled models/default)
  --format text    word/LABEL per word, the text's spacing kept (default)
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
  --strategy S     sub-word aggregation: first (default), average, max, or simple (each piece
                   labeled on its own, no merging into words)
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
): Promise<void> {
  const scheme = labeler.bundle.config.labelScheme;
  const { sentences } = await streamLabels(labeler, text, writeStdout, {
    format,
    labelOptions: { strategy },
    annotate: (chunk) => modelAnnotations(chunk.text, chunk.result.words, scheme),
    // the document's `# newdoc` comes with its first chunk; sentence ids run on across chunks
    exportChunk: (chunk, firstSentenceId) => {
      const st = { nextSentenceId: firstSentenceId };
      const content = formatExport(format as ExportFormat, chunk.text, chunk.result, labeler, name, st, chunk.first);
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
  options: { model?: string; threads: number; workers: number; strategy: AggregationStrategy },
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
    process.stderr.write(`bert-lstm-label: the model cannot be used:\n${opened.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  const labeler = opened.value;
  // Ctrl+C stops between files; the output so far is whole and a later run resumes it.
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const summary = await runBatch(files, output, (text, signal) => labeler.label(text, { strategy: options.strategy, signal }), {
      maxBytes,
      skipped,
      signal: controller.signal,
      onProgress: (p) => {
        const note = p.record && 'skipped' in p.record ? ` skipped: ${p.record.skipped}` : '';
        process.stderr.write(`[${p.done}/${p.total}] ${p.file}${note}\n`);
      },
    });
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
    await labeler.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  // `adapt`: learning from annotation files (cli_adapt.ts)
  if (argv[0] === 'adapt') return adaptMain(argv.slice(1), defaultModelDir());
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        format: { type: 'string', default: 'text' },
        strategy: { type: 'string', default: 'first' },
        threads: { type: 'string', default: '1' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        batch: { type: 'string' },
        'max-bytes': { type: 'string' },
      },
    });
  } catch (e) {
    process.stderr.write(`bert-lstm-label: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (!OUTPUT_FORMATS.includes(values.format!)) {
    process.stderr.write(`bert-lstm-label: --format must be text or jsonl (or conll, conllu, spans), not ${values.format}\n`);
    return 2;
  }
  if (!(AGGREGATION_STRATEGIES as readonly string[]).includes(values.strategy!)) {
    process.stderr.write(`bert-lstm-label: --strategy must be first, average, max or simple, not ${values.strategy}\n`);
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
  if (values.batch !== undefined)
    return batchMain(values.batch, positionals, values['max-bytes'], {
      model: values.model,
      threads,
      workers,
      strategy: values.strategy as AggregationStrategy,
    });
  // Read every input first: a missing file is reported before the model loads.
  const inputs: Array<{ name: string; text: string }> = [];
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
  const opened = await Labeler.open(values.model ?? defaultModelDir(), { threads, workers });
  if (!opened.ok) {
    process.stderr.write(`bert-lstm-label: the model cannot be used:\n${opened.problems.map((p) => `  - ${p}`).join('\n')}\n`);
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
