// Batch labeling of many files into one JSON Lines output per run: one record per file with the
// model's word labels and the sequence scores, or the reason the file was skipped (binary, too
// large, not UTF-8, unreadable). Resumable: files already in the output are not labeled again,
// and a record cut off by a crash is dropped before appending. Several files are labeled at
// once (two per inference worker: a file shorter than a window keeps only one worker busy), their
// records written in the files' order, so the output's bytes are those of one file at a time.
// Shared by the CLI and the editor's Batch Label command (which finds its files with VS Code's
// own glob search).
import { createHash } from 'node:crypto';
import { constants as fsConstants, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { describeFsError, isFsError } from './fs_errors';
import { acquireLock, lockFileOf } from './output_lock';

export const BATCH_SCHEMA = 'bert-lstm-batch';
export const BATCH_VERSION = 1;
/** The first line of every batch output (no timestamp: two runs over the same inputs write the same bytes). */
export const BATCH_HEADER_LINE = JSON.stringify({ schema: BATCH_SCHEMA, version: BATCH_VERSION, offsets: 'utf-16' });
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
  | {
      readonly file: string;
      readonly sha256: string;
      readonly chars: number;
      readonly sequence: readonly BatchLabel[];
      readonly words: readonly BatchWord[];
    }
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
      if (v.schema !== BATCH_SCHEMA)
        throw new BatchOutputError(`${output} is not a batch output (its first line has no "schema": "${BATCH_SCHEMA}")`);
      return;
    }
    if (typeof v.file !== 'string') throw new BatchOutputError(`${output} line ${i + 1} has no "file"`);
    done.add(v.file);
  });
  return { done, droppedPartialLine };
}

/** Labels one file's bytes into its record. */
export async function labelFile(
  file: string,
  bytes: Uint8Array,
  labelText: LabelText,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<BatchRecord> {
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

/** What a path is when it is not a regular file, in words. */
export function kindOf(stat: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a named pipe (FIFO)';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice()) return 'a character device';
  if (stat.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/**
 * A file's bytes, or why it is not read: it is not a regular file (opened without blocking, so a
 * FIFO or a device never hangs the run), or it is larger than `maxBytes` (known from its size,
 * so a huge or sparse file is not read at all).
 */
export async function readInput(file: string, maxBytes: number): Promise<{ bytes: Uint8Array } | { skipped: string }> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { skipped: `not a regular file: it is ${kindOf(stat)}` };
    if (stat.size > maxBytes) return { skipped: `too large (${stat.size} bytes, the limit is ${maxBytes})` };
    return { bytes: await handle.readFile() };
  } finally {
    await handle.close();
  }
}

/** An input left out when the inputs were expanded, with the reason (recorded in the output). */
export interface SkippedInput {
  readonly file: string;
  readonly reason: string;
}

export interface BatchRunOptions extends BatchOptions {
  /** Inputs known not to be labelable (a broken link, a FIFO, an unreadable folder): recorded as skipped with their reason. */
  readonly skipped?: readonly SkippedInput[];
  /**
   * Files read and labeled at once (default 1). Their records are still written in the files'
   * order, so the output's bytes do not depend on it; with N inference workers, a corpus of
   * files shorter than a window needs about 2N to keep every worker busy.
   */
  readonly filesAtOnce?: number;
}

/** Files at once for a labeler of `workers` inference workers: each worker's next file is read and tokenized while it runs one (docs/RELIABILITY.md). */
export function batchFilesAtOnce(workers: number): number {
  return 2 * Math.max(1, workers);
}

/** The real path of a file (its folder's, when it does not exist yet), links resolved. */
async function realPath(file: string): Promise<string> {
  try {
    return await fs.realpath(file);
  } catch {
    try {
      return path.join(await fs.realpath(path.dirname(file)), path.basename(file));
    } catch {
      return path.resolve(file);
    }
  }
}

/** Appends one record (one write: a crash leaves at most one partial line, dropped on resume). */
async function appendRecord(handle: fs.FileHandle, output: string, value: object): Promise<void> {
  await appendLine(handle, output, JSON.stringify(value));
}

async function appendLine(handle: fs.FileHandle, output: string, line: string): Promise<void> {
  try {
    await handle.appendFile(line + '\n');
  } catch (e) {
    if (!isFsError(e)) throw e;
    throw new BatchOutputError(
      `cannot write to ${output}: ${describeFsError(e, 'write')}. The records written before are kept; run again to resume`,
    );
  }
}

/**
 * The order a run labels its inputs in: `files` (resolved), then the inputs only `skipped`
 * names (a folder that cannot be read), each once. Sharding (shard.ts) numbers inputs by it.
 */
export function batchOrder(files: readonly string[], skipped: readonly SkippedInput[] = []): string[] {
  return [...new Set([...files.map((x) => path.resolve(x)), ...skipped.map((x) => path.resolve(x.file))])];
}

/**
 * Labels `files` (absolute paths) into `output`, appending one line per file, in the files'
 * order, as soon as it and the files before it are done, so that an interrupted run loses at
 * most the files it was on (`filesAtOnce`). Stops between files when `signal` is aborted. The
 * output is locked for the run (output_lock.ts): a second run on the same output is refused in
 * words, and only the lock's holder repairs a cut-off last record.
 * The output itself, its lock and anything that resolves to them (through links) are never
 * inputs.
 */
export async function runBatch(
  files: readonly string[],
  output: string,
  labelText: LabelText,
  options: BatchRunOptions = {},
): Promise<BatchSummary> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const outputAbs = path.resolve(output);
  try {
    await fs.mkdir(path.dirname(outputAbs), { recursive: true });
  } catch (e) {
    if (!isFsError(e)) throw e;
    throw new BatchOutputError(`cannot make the folder of ${output}: ${describeFsError(e, 'write')}`);
  }
  let lock;
  try {
    lock = await acquireLock(outputAbs, 'the batch output');
  } catch (e) {
    if (!isFsError(e)) throw e;
    throw new BatchOutputError(`cannot lock ${output} (${lockFileOf(output)}): ${describeFsError(e, 'write')}`);
  }
  if (!lock.ok) throw new BatchOutputError(lock.message);
  try {
    return await runLocked(files, output, outputAbs, labelText, maxBytes, options);
  } finally {
    await lock.release();
  }
}

async function runLocked(
  files: readonly string[],
  output: string,
  outputAbs: string,
  labelText: LabelText,
  maxBytes: number,
  options: BatchRunOptions,
): Promise<BatchSummary> {
  const { done, droppedPartialLine } = await readBatchOutput(outputAbs);
  const outputReal = await realPath(outputAbs);
  const lockReal = lockFileOf(outputReal);
  const isOwn = (real: string): boolean => real === outputReal || real === lockReal || real.startsWith(lockReal + '.stale.');
  const reasons = new Map((options.skipped ?? []).map((x) => [path.resolve(x.file), x.reason]));
  const todo: string[] = [];
  for (const f of batchOrder(files, options.skipped)) {
    if (!isOwn(await realPath(f))) todo.push(f);
  }
  const resumed = todo.filter((f) => done.has(f)).length;
  const pending = todo.filter((f) => !done.has(f));
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(outputAbs, 'a');
  } catch (e) {
    if (!isFsError(e)) throw e;
    throw new BatchOutputError(`cannot open ${output} for writing: ${describeFsError(e, 'write')}`);
  }
  let labeled = 0;
  let skipped = 0;
  let cancelled = false;
  let count = resumed;
  try {
    if ((await handle.stat()).size === 0) {
      await appendLine(handle, output, BATCH_HEADER_LINE);
    }
    // Files are labeled up to `filesAtOnce` ahead of the one written next; a failure or the
    // end of the run aborts those still going (their records are not written: a resumed run
    // labels them).
    const ahead = Math.max(1, Math.floor(options.filesAtOnce ?? 1));
    const stop = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
    const going: Promise<Outcome>[] = [];
    try {
      for (let i = 0; i < pending.length; i++) {
        if (options.signal?.aborted) {
          cancelled = true;
          break;
        }
        while (going.length < Math.min(pending.length, i + ahead))
          going.push(recordOf(pending[going.length], reasons, labelText, maxBytes, signal));
        const outcome = await going[i];
        if (outcome.kind === 'failed') throw outcome.error;
        if (outcome.kind === 'cancelled') {
          cancelled = true;
          break;
        }
        const record = outcome.record;
        await appendRecord(handle, output, record);
        if ('skipped' in record) skipped++;
        else labeled++;
        options.onProgress?.({ done: ++count, total: todo.length, file: record.file, record });
      }
    } finally {
      stop.abort();
      await Promise.all(going);
    }
  } finally {
    await handle.close().catch(() => undefined);
  }
  return { labeled, skipped, resumed, cancelled, droppedPartialLine };
}

type Outcome =
  | { readonly kind: 'record'; readonly record: BatchRecord }
  | { readonly kind: 'cancelled' }
  | { readonly kind: 'failed'; readonly error: unknown };

/**
 * One file's record: labeled, or skipped with the reason it cannot be read. Never rejects: a
 * labeling failure (not a file problem) is returned as 'failed', for the run to stop on.
 */
async function recordOf(
  file: string,
  reasons: ReadonlyMap<string, string>,
  labelText: LabelText,
  maxBytes: number,
  signal: AbortSignal,
): Promise<Outcome> {
  try {
    const reason = reasons.get(file);
    const read = reason !== undefined ? { skipped: reason } : await readInput(file, maxBytes);
    const record = 'skipped' in read ? { file, skipped: read.skipped } : await labelFile(file, read.bytes, labelText, maxBytes, signal);
    return { kind: 'record', record };
  } catch (e) {
    if (signal.aborted) return { kind: 'cancelled' };
    if (!isFsError(e)) return { kind: 'failed', error: e };
    return { kind: 'record', record: { file, skipped: `cannot read: ${describeFsError(e)}` } };
  }
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
        re +=
          '(?:' +
          rest
            .slice(i + 1, close)
            .split(',')
            .map((alt) => alt.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
            .join('|') +
          ')';
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

/**
 * Files under a folder (recursively, hidden folders and node_modules left out). A link to a file
 * is a file; a link to a folder is not followed (a loop would never end) and, like a broken link,
 * a FIFO, a device or a folder that cannot be read, is recorded in `skipped` with the reason.
 */
async function walk(dir: string, out: string[], skipped: SkippedInput[]): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (e) {
    skipped.push({ file: dir, reason: `cannot read the folder: ${describeFsError(e)}` });
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && e.name !== 'node_modules') await walk(p, out, skipped);
    } else if (e.isFile()) out.push(p);
    else if (e.isSymbolicLink()) {
      let target;
      try {
        target = await fs.stat(p);
      } catch (err) {
        out.push(p); // matched by the glob like a file, then recorded with its reason
        skipped.push({
          file: p,
          reason:
            (err as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'a broken symbolic link (its target does not exist)'
              : `cannot follow the symbolic link: ${describeFsError(err)}`,
        });
        continue;
      }
      out.push(p);
      if (!target.isFile())
        skipped.push({
          file: p,
          reason: target.isDirectory() ? 'a symbolic link to a folder (not followed)' : `not a regular file: it is ${kindOf(target)}`,
        });
    } else {
      out.push(p);
      skipped.push({ file: p, reason: `not a regular file: it is ${kindOf(e)}` });
    }
  }
}

/**
 * The files a list of folders, files and globs names (absolute, sorted, each once), and those
 * found that cannot be labeled (`skipped`, with the reason: they are in `files` too, so that
 * their record says why). An input that names a FIFO or a device is such a file.
 */
export async function expandInputs(inputs: readonly string[]): Promise<{ files: string[]; missing: string[]; skipped: SkippedInput[] }> {
  const files = new Set<string>();
  const missing: string[] = [];
  const skipped: SkippedInput[] = [];
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
    if (!stat.isDirectory()) {
      files.add(base);
      if (!stat.isFile()) skipped.push({ file: base, reason: `not a regular file: it is ${kindOf(stat)}` });
      continue;
    }
    const found: string[] = [];
    const foundSkipped: SkippedInput[] = [];
    await walk(base, found, foundSkipped);
    const before = files.size;
    const matched = new Set<string>();
    for (const f of found) {
      if (glob.matches(path.relative(base, f))) {
        files.add(f);
        matched.add(f);
      }
    }
    const foundSet = new Set(found);
    for (const s of foundSkipped) if (matched.has(s.file) || !foundSet.has(s.file)) skipped.push(s);
    if (files.size === before && /[*?[{]/.test(input)) missing.push(input);
  }
  const skippedOnce = [...new Map(skipped.map((s) => [s.file, s])).values()];
  return { files: [...files].sort(), missing, skipped: skippedOnce };
}
