// bert-lstm-label: label text files (or stdin) from a terminal with a model bundle, using the
// core alone (no VS Code).
//   bert-lstm-label [--model DIR] [--format text|jsonl] [--strategy first|average|max|simple] [FILE...]
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { AggregationStrategy } from './core/aggregate';
import { Labeler, type LabeledText } from './core/labeler';

const USAGE = `usage: bert-lstm-label [--model DIR] [--format text|jsonl] [--strategy first|average|max|simple] [FILE...]
Labels each FILE (or standard input when none is given) with a BERT+LSTM model bundle.
  --model DIR      model bundle folder (default: the bundled models/default)
  --format text    word/LABEL per word, the text's spacing kept (default)
  --format jsonl   one JSON object per word {start, end, text, label, score} (UTF-16 offsets),
                   then {"sequence": [{label, score}, ...]}
  --strategy S     sub-word aggregation: first (default), average, max, or simple (each piece
                   labeled on its own, no merging into words)
  --threads N      ONNX Runtime threads (default 1)`;

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

export function formatText(text: string, result: LabeledText): string {
  let out = '';
  let pos = 0;
  for (const w of result.words) {
    out += text.slice(pos, w.start) + `${w.text}/${w.label}`;
    pos = w.end;
  }
  return out + text.slice(pos);
}

export function formatJsonl(result: LabeledText): string {
  const lines = result.words.map((w) => JSON.stringify({ start: w.start, end: w.end, text: w.text, label: w.label, score: round(w.score) }));
  lines.push(JSON.stringify({ sequence: result.sequence.map((s) => ({ label: s.label, score: round(s.score) })) }));
  return lines.join('\n') + '\n';
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

export async function main(argv: string[]): Promise<number> {
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
        help: { type: 'boolean', short: 'h' },
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
  if (values.format !== 'text' && values.format !== 'jsonl') {
    process.stderr.write(`bert-lstm-label: --format must be text or jsonl, not ${values.format}\n`);
    return 2;
  }
  if (!['first', 'average', 'max', 'simple'].includes(values.strategy!)) {
    process.stderr.write(`bert-lstm-label: --strategy must be first, average, max or simple, not ${values.strategy}\n`);
    return 2;
  }
  const threads = Number(values.threads);
  if (!Number.isInteger(threads) || threads < 1) {
    process.stderr.write(`bert-lstm-label: --threads must be a positive whole number\n`);
    return 2;
  }
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
  const opened = await Labeler.open(values.model ?? defaultModelDir(), { threads });
  if (!opened.ok) {
    process.stderr.write(`bert-lstm-label: the model cannot be used:\n${opened.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  }
  const labeler = opened.value;
  try {
    for (const input of inputs) {
      const result = await labeler.label(input.text, { strategy: values.strategy as AggregationStrategy });
      if (inputs.length > 1 && values.format === 'text') process.stdout.write(`==> ${input.name} <==\n`);
      process.stdout.write(values.format === 'jsonl' ? formatJsonl(result) : formatText(input.text, result) + (input.text.endsWith('\n') ? '' : '\n'));
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
      process.stderr.write(`bert-lstm-label: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
