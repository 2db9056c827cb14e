// Sharding one batch run over many processes or machines (a Kubernetes Indexed Job): shard I of
// N labels a share of the inputs into its own batch output, next to a manifest that says what
// the share was and checksums what was written; shard_merge.ts checks the manifests and joins
// the outputs into the file one unsharded run writes.
//
// The share is computed by every shard on its own, from the inputs alone (no coordinator, no
// shared state): the inputs in the batch's order (batchOrder: sorted paths), each weighed by the
// bytes it will have labeled, assigned greedily heaviest first to the least loaded shard (LPT;
// ties by position and by shard index). Labeling time grows with the text's length, so shards
// of equal bytes finish together, which a hash of the path (balanced by count) does not give on
// a corpus of mixed sizes; LPT is within 4/3 of the best split. The price is that the shares
// depend on the whole input list: so the manifest carries the list's digest (paths and sizes),
// a shard resumed over changed inputs is refused in words, and a merge of shards that saw
// different inputs names them.
//
// A shard's output is an ordinary batch output (batch.ts), so a killed shard resumes like any
// batch run; the manifest is written before the first record (with `complete: false`) and again
// at the end with the checksums, under a lock of its own, so that it always describes the run.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic_write';
import {
  BATCH_HEADER_LINE,
  BatchOutputError,
  batchOrder,
  runBatch,
  type BatchOptions,
  type BatchSummary,
  type LabelText,
  type SkippedInput,
} from './batch';
import { describeFsError, isFsError } from './fs_errors';
import { acquireLock } from './output_lock';

export const SHARD_SCHEMA = 'bert-lstm-batch-shard';
export const SHARD_VERSION = 1;
/** The assignment rule, named in the manifest: a merge refuses shards assigned by another rule. */
export const SHARD_ASSIGNMENT = 'lpt-bytes/1';
/**
 * What one input costs besides its bytes (opening, a record written), in bytes of text: spreads
 * many small or skipped files over the shards instead of counting them as nothing.
 */
export const FILE_OVERHEAD_BYTES = 1024;

export interface ShardSpec {
  /** From 0 to count - 1 (JOB_COMPLETION_INDEX is 0-based). */
  readonly index: number;
  readonly count: number;
}

export const shardName = (s: ShardSpec): string => `shard ${s.index}/${s.count}`;

/**
 * The shard a run is, from `--shard I/N` or else Kubernetes' JOB_COMPLETION_INDEX with
 * JOB_COMPLETION_COUNT (the Job manifest sets the count; Kubernetes sets only the index).
 * Undefined: not sharded.
 */
export function parseShard(
  arg: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): { ok: true; value: ShardSpec | undefined } | { ok: false; message: string } {
  const whole = (s: string): number | undefined => (/^\d{1,9}$/.test(s) ? Number(s) : undefined);
  let index: number | undefined;
  let count: number | undefined;
  let from: string;
  if (arg !== undefined) {
    const m = /^\s*(\S+?)\s*\/\s*(\S+)\s*$/.exec(arg);
    index = m ? whole(m[1]) : undefined;
    count = m ? whole(m[2]) : undefined;
    if (index === undefined || count === undefined)
      return { ok: false, message: `--shard must be I/N with whole numbers, I from 0 to N-1 (e.g. --shard 0/4), not "${arg}"` };
    from = '--shard';
  } else {
    const i = env.JOB_COMPLETION_INDEX;
    const n = env.JOB_COMPLETION_COUNT;
    if (i === undefined || i === '') return { ok: true, value: undefined };
    if (n === undefined || n === '')
      return {
        ok: false,
        message:
          'JOB_COMPLETION_INDEX is set (an Indexed Job) but JOB_COMPLETION_COUNT is not: set it to the Job\'s "completions" in the manifest, or pass --shard I/N',
      };
    index = whole(i.trim());
    count = whole(n.trim());
    if (index === undefined || count === undefined)
      return { ok: false, message: `JOB_COMPLETION_INDEX and JOB_COMPLETION_COUNT must be whole numbers, not "${i}" and "${n}"` };
    from = 'JOB_COMPLETION_INDEX/JOB_COMPLETION_COUNT';
  }
  if (count < 1) return { ok: false, message: `${from}: the number of shards must be at least 1, not ${count}` };
  if (index >= count)
    return { ok: false, message: `${from}: shard ${index} does not exist among ${count} shards (they are numbered 0 to ${count - 1})` };
  return { ok: true, value: { index, count } };
}

/** One input of the whole run, at its place in the batch's order. */
export interface ShardInput {
  readonly position: number;
  readonly file: string;
  /** Its size (links followed), or -1 when it is not a regular file or cannot be read. */
  readonly bytes: number;
}

/** Every input of the run in the batch's order, with its size; skipped inputs keep -1 unless they are files. */
export async function shardInputs(files: readonly string[], skipped: readonly SkippedInput[] = []): Promise<ShardInput[]> {
  const order = batchOrder(files, skipped);
  const out: ShardInput[] = [];
  for (let position = 0; position < order.length; position++) {
    const file = order[position];
    const bytes = await fs.stat(file).then(
      (st) => (st.isFile() ? st.size : -1),
      () => -1,
    );
    out.push({ position, file, bytes });
  }
  return out;
}

/** The digest of the whole input list (paths and sizes, in order): equal for shards that saw the same inputs. */
export function inputsDigest(inputs: readonly ShardInput[]): string {
  const h = createHash('sha256');
  for (const x of inputs) h.update(JSON.stringify([x.file, x.bytes]) + '\n');
  return h.digest('hex');
}

/** What an input weighs: the bytes labeling reads (none for a file the run skips by its size), plus the per-file overhead. */
export function inputWeight(x: ShardInput, maxBytes: number, skipped: ReadonlySet<string> = new Set()): number {
  const labeled = x.bytes >= 0 && x.bytes <= maxBytes && !skipped.has(x.file) ? x.bytes : 0;
  return labeled + FILE_OVERHEAD_BYTES;
}

/**
 * The shard of each input (by position), by LPT: heaviest first (ties: earlier position first),
 * each to the least loaded shard (ties: the lowest index). Deterministic in the list alone.
 */
export function assignShards(weights: readonly number[], count: number): number[] {
  const order = weights.map((_, i) => i).sort((a, b) => weights[b] - weights[a] || a - b);
  // a binary heap of [load, shard], least load (then lowest shard) on top
  const heap: Array<[number, number]> = Array.from({ length: count }, (_, s) => [0, s]);
  const less = (a: [number, number], b: [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  const owner = new Array<number>(weights.length);
  for (const i of order) {
    owner[i] = heap[0][1];
    heap[0][0] += weights[i];
    down(0);
  }
  return owner;
}

/** What makes two shards' records comparable: the model bundle's files and the labeling options. */
export interface ShardIdentity {
  readonly bundle: { readonly name: string; readonly files: Readonly<Record<string, string>> };
  readonly options: Readonly<Record<string, string | number>>;
}

/** sha256 of each regular file at the top of a bundle folder (the model, tokenizer, config, card). */
export async function bundleFiles(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const names = (await fs.readdir(dir, { withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
  for (const name of names.sort()) out[name] = (await hashFile(path.join(dir, name))).sha256;
  return out;
}

async function hashFile(file: string): Promise<{ sha256: string; bytes: number }> {
  const h = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), bytes };
}

export interface ShardFile {
  readonly position: number;
  readonly file: string;
  readonly bytes: number;
  /** sha256 of the file's record line (without its line break), once the shard is complete. */
  readonly record_sha256?: string;
}

export interface ShardManifest {
  readonly schema: typeof SHARD_SCHEMA;
  readonly version: number;
  readonly shard: ShardSpec;
  readonly complete: boolean;
  readonly assignment: string;
  /** The whole run's inputs: how many, and their digest (inputsDigest). */
  readonly inputs: { readonly count: number; readonly sha256: string };
  readonly bundle: ShardIdentity['bundle'];
  readonly options: ShardIdentity['options'];
  /** This shard's share, in the batch's order. */
  readonly files: readonly ShardFile[];
  /** The output as the shard left it, once complete. */
  readonly output?: { readonly bytes: number; readonly sha256: string; readonly records: number };
}

export const manifestFileOf = (output: string): string => `${output}.manifest.json`;

/** A shard's plan: its share of the inputs and the manifest it starts with. */
export interface ShardPlan {
  readonly spec: ShardSpec;
  readonly manifest: ShardManifest;
  /** The share's files (in order) and the skipped inputs among them, for runBatch. */
  readonly files: readonly string[];
  readonly skipped: readonly SkippedInput[];
  /** Every input of the run (not only the share's). */
  readonly inputs: readonly ShardInput[];
}

export function planShard(
  inputs: readonly ShardInput[],
  skipped: readonly SkippedInput[],
  spec: ShardSpec,
  identity: ShardIdentity,
  maxBytes: number,
): ShardPlan {
  const skippedFiles = new Set(skipped.map((s) => path.resolve(s.file)));
  const owner = assignShards(
    inputs.map((x) => inputWeight(x, maxBytes, skippedFiles)),
    spec.count,
  );
  const share = inputs.filter((x) => owner[x.position] === spec.index);
  const shareSet = new Set(share.map((x) => x.file));
  return {
    spec,
    inputs,
    files: share.map((x) => x.file),
    skipped: skipped.filter((s) => shareSet.has(path.resolve(s.file))),
    manifest: {
      schema: SHARD_SCHEMA,
      version: SHARD_VERSION,
      shard: { index: spec.index, count: spec.count },
      complete: false,
      assignment: SHARD_ASSIGNMENT,
      inputs: { count: inputs.length, sha256: inputsDigest(inputs) },
      bundle: identity.bundle,
      options: identity.options,
      files: share.map((x) => ({ position: x.position, file: x.file, bytes: x.bytes })),
    },
  };
}

/** The first way two manifests' plans differ, in words (undefined: the same plan). */
export function planDifference(a: ShardManifest, b: ShardManifest): string | undefined {
  if (a.assignment !== b.assignment) return `they assign inputs differently (${a.assignment} and ${b.assignment})`;
  if (a.shard.count !== b.shard.count) return `they split the run into ${a.shard.count} and ${b.shard.count} shards`;
  if (a.inputs.count !== b.inputs.count || a.inputs.sha256 !== b.inputs.sha256)
    return a.inputs.count !== b.inputs.count
      ? `they saw different inputs (${a.inputs.count} and ${b.inputs.count} files)`
      : `they saw different inputs (as many files, ${a.inputs.count}, but other paths or sizes)`;
  const names = [...new Set([...Object.keys(a.bundle.files), ...Object.keys(b.bundle.files)])].sort();
  const differ = names.filter((n) => a.bundle.files[n] !== b.bundle.files[n]);
  if (differ.length || a.bundle.name !== b.bundle.name)
    return `they used different model bundles (${differ.length ? `${differ.join(', ')} differ` : `${a.bundle.name} and ${b.bundle.name}`})`;
  const keys = [...new Set([...Object.keys(a.options), ...Object.keys(b.options)])].sort();
  const opt = keys.find((k) => a.options[k] !== b.options[k]);
  if (opt !== undefined) return `they labeled with different options (${opt}: ${a.options[opt]} and ${b.options[opt]})`;
  return undefined;
}

/** Reads a manifest; undefined when there is none, a problem in words when it is not one. */
export async function readManifest(file: string): Promise<{ manifest?: ShardManifest; problem?: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {};
    return { problem: `its manifest ${file} cannot be read: ${describeFsError(e)}` };
  }
  let v: Partial<ShardManifest>;
  try {
    v = JSON.parse(text) as Partial<ShardManifest>;
  } catch {
    return { problem: `its manifest ${file} is not JSON (cut off or corrupt)` };
  }
  if (v?.schema !== SHARD_SCHEMA) return { problem: `${file} is not a shard manifest (no "schema": "${SHARD_SCHEMA}")` };
  if (v.version !== SHARD_VERSION)
    return { problem: `${file} is a shard manifest of version ${v.version}; this labeler reads version ${SHARD_VERSION}` };
  const ok =
    Number.isInteger(v.shard?.index) &&
    Number.isInteger(v.shard?.count) &&
    typeof v.complete === 'boolean' &&
    typeof v.assignment === 'string' &&
    Number.isInteger(v.inputs?.count) &&
    typeof v.inputs?.sha256 === 'string' &&
    typeof v.bundle?.name === 'string' &&
    typeof v.bundle?.files === 'object' &&
    typeof v.options === 'object' &&
    Array.isArray(v.files) &&
    v.files.every((f) => Number.isInteger(f?.position) && typeof f?.file === 'string' && Number.isInteger(f?.bytes)) &&
    (!v.complete ||
      (typeof v.output?.sha256 === 'string' &&
        Number.isInteger(v.output?.bytes) &&
        Number.isInteger(v.output?.records) &&
        v.files.every((f) => typeof f.record_sha256 === 'string')));
  if (!ok) return { problem: `${file} is a shard manifest with missing or malformed fields (corrupt)` };
  return { manifest: v as ShardManifest };
}

/** A file's lines (the bytes between line breaks; a last line without one too), streamed. */
export async function* fileLines(file: string): AsyncGenerator<Buffer> {
  let rest: Buffer = Buffer.alloc(0);
  for await (const chunk of createReadStream(file)) {
    let buf = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let at: number;
    while ((at = buf.indexOf(0x0a)) >= 0) {
      yield buf.subarray(0, at);
      buf = buf.subarray(at + 1);
    }
    rest = Buffer.from(buf);
  }
  if (rest.length) yield rest;
}

export const sha256 = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/** The output's checksums and each record's, by file (a problem in words if it is not the share's output). */
async function checksumOutput(
  output: string,
  share: readonly ShardFile[],
): Promise<{ files: ShardFile[]; output: NonNullable<ShardManifest['output']> } | { problem: string }> {
  const whole = await hashFile(output);
  const byFile = new Map<string, string>();
  let n = 0;
  for await (const line of fileLines(output)) {
    n++;
    if (n === 1) {
      if (line.toString('utf8') !== BATCH_HEADER_LINE) return { problem: `${output} does not begin with a batch output's first line` };
      continue;
    }
    const file = (JSON.parse(line.toString('utf8')) as { file?: unknown }).file;
    if (typeof file !== 'string') return { problem: `${output} line ${n} has no "file"` };
    if (byFile.has(file)) return { problem: `${output} has two records of ${file}` };
    byFile.set(file, sha256(line));
  }
  const missing = share.filter((f) => !byFile.has(f.file));
  if (missing.length) return { problem: `${output} has no record of ${missing.length} file(s) of the shard, e.g. ${missing[0].file}` };
  if (byFile.size !== share.length) return { problem: `${output} has records of files that are not the shard's` };
  return {
    files: share.map((f) => ({ position: f.position, file: f.file, bytes: f.bytes, record_sha256: byFile.get(f.file)! })),
    output: { bytes: whole.bytes, sha256: whole.sha256, records: byFile.size },
  };
}

export interface ShardRunSummary extends BatchSummary {
  readonly manifest: string;
  readonly files: number;
  readonly complete: boolean;
}

/** A manifest as JSON, one field a line and one file a line (readable, and small for a big share). */
function manifestText(m: ShardManifest): string {
  const fields = Object.entries(m).map(([k, v]) =>
    k === 'files'
      ? `"files": [${(v as ShardFile[]).map((f) => `\n  ${JSON.stringify(f)}`).join(',')}${(v as ShardFile[]).length ? '\n ' : ''}]`
      : `${JSON.stringify(k)}: ${JSON.stringify(v)}`,
  );
  return `{\n ${fields.join(',\n ')}\n}\n`;
}

/**
 * Runs one shard: its share of the inputs into `output` (resuming an earlier run of the same
 * plan), then the manifest with the checksums. Refuses in words an output of another plan (other
 * inputs, bundle, options or shard) and an output without a manifest (not a shard's), and an
 * output folder among the inputs (the other shards' outputs would be inputs).
 */
export async function runShard(
  plan: ShardPlan,
  output: string,
  labelText: LabelText,
  options: BatchOptions = {},
): Promise<ShardRunSummary> {
  const outputAbs = path.resolve(output);
  const manifestFile = manifestFileOf(outputAbs);
  const outDir = path.dirname(outputAbs) + path.sep;
  const inside = plan.inputs.find((x) => x.file.startsWith(outDir));
  if (inside)
    throw new BatchOutputError(
      `${inside.file} is an input, but it is in the shards' output folder ${path.dirname(outputAbs)}: in a sharded run the outputs go to a folder outside the inputs (the other shards' outputs and manifests would be labeled)`,
    );
  try {
    await fs.mkdir(path.dirname(outputAbs), { recursive: true });
  } catch (e) {
    if (!isFsError(e)) throw e;
    throw new BatchOutputError(`cannot make the folder of ${output}: ${describeFsError(e, 'write')}`);
  }
  const lock = await acquireLock(manifestFile, 'the shard manifest');
  if (!lock.ok) throw new BatchOutputError(lock.message);
  try {
    const existing = await readManifest(manifestFile);
    if (existing.problem) throw new BatchOutputError(`${output}: ${existing.problem}; remove it and ${output} to start the shard again`);
    if (existing.manifest) {
      const other = existing.manifest;
      const diff =
        other.shard.index !== plan.spec.index
          ? `it is ${shardName(other.shard)}'s and this run is ${shardName(plan.spec)}`
          : planDifference(other, plan.manifest);
      if (diff)
        throw new BatchOutputError(
          `${output} was started by another sharded run than this one: ${diff}. Give this run another output, or remove ${output} and ${manifestFile} to start over`,
        );
    } else {
      const size = await fs.stat(outputAbs).then(
        (st) => st.size,
        () => 0,
      );
      if (size > 0)
        throw new BatchOutputError(
          `${output} exists but has no shard manifest (${manifestFile}): it is not a shard's output; give the shard another output`,
        );
    }
    await writeManifest(manifestFile, plan.manifest);
    const summary = await runBatch(plan.files, outputAbs, labelText, { ...options, skipped: plan.skipped });
    if (summary.cancelled) return { ...summary, manifest: manifestFile, files: plan.files.length, complete: false };
    const sums = await checksumOutput(outputAbs, plan.manifest.files);
    if ('problem' in sums) throw new BatchOutputError(`the shard's output is not whole: ${sums.problem}`);
    await writeManifest(manifestFile, { ...plan.manifest, complete: true, files: sums.files, output: sums.output });
    return { ...summary, manifest: manifestFile, files: plan.files.length, complete: true };
  } finally {
    await lock.release();
  }
}

async function writeManifest(file: string, m: ShardManifest): Promise<void> {
  try {
    await writeFileAtomic(file, manifestText(m));
  } catch (e) {
    if (!isFsError(e)) throw e;
    throw new BatchOutputError(`cannot write the shard manifest ${file}: ${describeFsError(e, 'write')}`);
  }
}
