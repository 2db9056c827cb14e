// Batch labeling of many files into one JSON Lines output per run: one record per file with the
// model's word labels and the sequence scores, or the reason the file was skipped (binary, too
// large, not UTF-8, unreadable). Resumable: files already in the output are not labeled again,
// and a record cut off by a crash is dropped before appending. Shared by the CLI and the
// editor's Batch Label command (which finds its files with VS Code's own glob search).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const BATCH_SCHEMA = 'bert-lstm-batch';
export const BATCH_VERSION = 1;
/** Files larger than this are skipped unless the caller says otherwise (the live labeling limit). */
export const DEFAULT_MAX_BYTES = 2_000_000;

export interface BatchWord {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly label: string;
  readonly score: number;
}

export interface BatchLabel {
  readonly label: string;
  readonly score: number;
}

/** What labeling one text gives (the Labeler's result, narrowed to what is written). */
export interface BatchResult {
  readonly words: readonly BatchWord[];
  readonly sequence: readonly BatchLabel[];
}

export type BatchRecord =
  | { readonly file: string; readonly sha256: string; readonly chars: number; readonly sequence: readonly BatchLabel[]; readonly words: readonly BatchWord[] }
  | { readonly file: string; readonly skipped: string };

export type LabelText = (text: string, signal?: AbortSignal) => Promise<BatchResult>;

export interface BatchProgress {
  readonly done: number;
  readonly total: number;
  readonly file: string;
  readonly record?: BatchRecord;
}

export interface BatchOptions {
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: BatchProgress) => void;
}

export interface BatchSummary {
  readonly labeled: number;
  readonly skipped: number;
  /** Files already in the output from an earlier run. */
  readonly resumed: number;
  readonly cancelled: boolean;
  /** A record at the end of the output cut off by an interrupted run, removed. */
  readonly droppedPartialLine: boolean;
}

export class BatchOutputError extends Error {}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Why a file's bytes are not labeled, if they are not. */
export function skipReason(bytes: Uint8Array, maxBytes: number): string | undefined {
  if (bytes.length > maxBytes) return `too large (${bytes.length} bytes, the limit is ${maxBytes})`;
  if (bytes.includes(0)) return 'binary (contains NUL bytes)';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return 'not UTF-8 text';
  }
  return undefined;
}

/**
 * The files an earlier run already wrote to `output` (by path). A last line without its line
 * break (a run killed while writing) is cut off; any other line that is not a record is an
 * error: the output is not ours to overwrite.
 */
export async function readBatchOutput(output: string): Promise<{ done: Set<string>; droppedPartialLine: boolean }> {
  let content: string;
  try {
    content = await fs.readFile(output, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { done: new Set(), droppedPartialLine: false };
    throw new BatchOutputError(`cannot read ${output}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let droppedPartialLine = false;
  if (content.length && !content.endsWith('\n')) {
    const keep = content.lastIndexOf('\n') + 1;
    await fs.truncate(output, Buffer.byteLength(content.slice(0, keep), 'utf8'));
    content = content.slice(0, keep);
    droppedPartialLine = true;
  }
  const done = new Set<string>();
  content.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let v: { schema?: unknown; file?: unknown };
    try {
      v = JSON.parse(line);
    } catch {
      throw new BatchOutputError(`${output} line ${i + 1} is not JSON: not a batch output this run can add to`);
    }
    if (i === 0) {
      if (v.schema !== BATCH_SCHEMA) throw new BatchOutputError(`${output} is not a batch output (its first line has no "schema": "${BATCH_SCHEMA}")`);
      return;
    }
    if (typeof v.file !== 'string') throw new BatchOutputError(`${output} line ${i + 1} has no "file"`);
    done.add(v.file);
  });
  return { done, droppedPartialLine };
}

/** Labels one file's bytes into its record. */
export async function labelFile(file: string, bytes: Uint8Array, labelText: LabelText, maxBytes: number, signal?: AbortSignal): Promise<BatchRecord> {
  const reason = skipReason(bytes, maxBytes);
  if (reason) return { file, skipped: reason };
  const text = new TextDecoder('utf-8').decode(bytes);
  const result = await labelText(text, signal);
  return {
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    chars: text.length,
    sequence: result.sequence.map((s) => ({ label: s.label, score: round(s.score) })),
    words: result.words.map((w) => ({ start: w.start, end: w.end, text: w.text, label: w.label, score: round(w.score) })),
  };
}

/**
 * Labels `files` (absolute paths) into `output`, appending one line per file as soon as it is
 * done, so that an interrupted run loses at most the file it was on. Stops between files when
 * `signal` is aborted.
 */
export async function runBatch(files: readonly string[], output: string, labelText: LabelText, options: BatchOptions = {}): Promise<BatchSummary> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const { done, droppedPartialLine } = await readBatchOutput(output);
  const outputAbs = path.resolve(output);
  const todo = [...new Set(files.map((f) => path.resolve(f)))].filter((f) => f !== outputAbs);
  const resumed = todo.filter((f) => done.has(f)).length;
  const pending = todo.filter((f) => !done.has(f));
  await fs.mkdir(path.dirname(outputAbs), { recursive: true });
  const handle = await fs.open(outputAbs, 'a');
  let labeled = 0;
  let skipped = 0;
  let cancelled = false;
  try {
    if ((await handle.stat()).size === 0) {
      await handle.appendFile(JSON.stringify({ schema: BATCH_SCHEMA, version: BATCH_VERSION, offsets: 'utf-16' }) + '\n');
    }
    for (let i = 0; i < pending.length; i++) {
      if (options.signal?.aborted) {
        cancelled = true;
        break;
      }
      const file = pending[i];
      let record: BatchRecord;
      try {
        record = await labelFile(file, await fs.readFile(file), labelText, maxBytes, options.signal);
      } catch (e) {
        if (options.signal?.aborted) {
          cancelled = true;
          break;
        }
        const code = (e as NodeJS.ErrnoException).code;
        if (!code) throw e; // a labeling failure, not a file problem: stop the run
        record = { file, skipped: `cannot read: ${code}` };
      }
      // One write per record: a crash leaves at most one partial line, dropped on resume.
      await handle.appendFile(JSON.stringify(record) + '\n');
      if ('skipped' in record) skipped++;
      else labeled++;
      options.onProgress?.({ done: resumed + i + 1, total: todo.length, file, record });
    }
  } finally {
    await handle.close();
  }
  return { labeled, skipped, resumed, cancelled, droppedPartialLine };
}

/** A glob's fixed folder part and a matcher for the paths under it (`*`, `?`, `**`, `{a,b}`, `[...]`). */
export function compileGlob(pattern: string): { base: string; matches: (relative: string) => boolean } {
  const parts = pattern.split(/[\\/]/);
  const fixed: string[] = [];
  while (parts.length > 1 && !/[*?[{]/.test(parts[0])) fixed.push(parts.shift()!);
  if (parts.length === 1 && !/[*?[{]/.test(parts[0])) return { base: pattern, matches: () => true };
  let re = '';
  const rest = parts.join('/');
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '*' && rest[i + 1] === '*') {
      const slash = rest[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = rest.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += '(?:' + rest.slice(i + 1, close).split(',').map((alt) => alt.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|') + ')';
        i = close;
      }
    } else if (c === '[') {
      const close = rest.indexOf(']', i);
      if (close < 0) re += '\\[';
      else {
        re += '[' + rest.slice(i + 1, close).replace(/^!/, '^') + ']';
        i = close;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  const regex = new RegExp(`^${re}$`);
  return { base: fixed.length ? fixed.join('/') || '/' : '.', matches: (relative) => regex.test(relative.split(path.sep).join('/')) };
}

/** Files under a folder (recursively, hidden folders and node_modules left out), sorted. */
async function walk(dir: string, out: string[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(p, out);
    } else if (e.isFile()) out.push(p);
  }
}

/** The files a list of folders, files and globs names (absolute, sorted, each once). */
export async function expandInputs(inputs: readonly string[]): Promise<{ files: string[]; missing: string[] }> {
  const files = new Set<string>();
  const missing: string[] = [];
  for (const input of inputs) {
    const glob = compileGlob(input);
    const base = path.resolve(glob.base);
    let stat;
    try {
      stat = await fs.stat(base);
    } catch {
      missing.push(input);
      continue;
    }
    if (stat.isFile()) {
      files.add(base);
      continue;
    }
    const found: string[] = [];
    await walk(base, found);
    const before = files.size;
    for (const f of found) if (glob.matches(path.relative(base, f))) files.add(f);
    if (files.size === before && /[*?[{]/.test(input)) missing.push(input);
  }
  return { files: [...files].sort(), missing };
}
