// Joining the outputs of a sharded batch run (shard.ts) into the one file an unsharded `--batch`
// run over the same inputs writes, byte for byte: the batch header line, then every input's
// record line in the batch's order (the manifests' positions), each line as its shard wrote it.
// Batch records carry no timestamp or run-specific field, and the labels do not depend on the
// number of workers, so the joined file is that run's.
//
// Nothing is joined until every shard checks out, and every problem found is named: a shard
// given twice, one missing, one not finished, one of another run (other inputs, bundle or
// options), an output whose bytes or records do not match its manifest's checksums. The join
// streams each shard's output once, in order (a shard writes its records in the batch's order),
// so no output is held in memory, and the merged file appears whole or not at all.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic_write';
import { BATCH_HEADER_LINE } from './batch';
import { describeFsError } from './fs_errors';
import {
  fileLines,
  inputsDigest,
  manifestFileOf,
  planDifference,
  readManifest,
  sha256,
  shardName,
  SHARD_ASSIGNMENT,
  type ShardManifest,
} from './shard';

export interface MergeSummary {
  readonly shards: number;
  readonly records: number;
  readonly bytes: number;
}

export type MergeResult = { ok: true; value: MergeSummary } | { ok: false; problems: string[] };

interface Shard {
  readonly output: string;
  readonly manifest: ShardManifest;
}

const label = (s: Shard): string => `${shardName(s.manifest.shard)} (${s.output})`;

/** Whether a shard's output is the one its manifest describes: its header, every record's checksum, its bytes. */
async function checkOutput(s: Shard): Promise<string | undefined> {
  const m = s.manifest;
  let n = 0;
  const h = createHash('sha256');
  let bytes = 0;
  try {
    for await (const line of fileLines(s.output)) {
      h.update(line);
      h.update('\n');
      bytes += line.length + 1;
      if (n === 0) {
        if (line.toString('utf8') !== BATCH_HEADER_LINE)
          return `${label(s)}: the output does not begin with a batch output's first line (corrupt)`;
      } else {
        const f = m.files[n - 1];
        if (!f)
          return `${label(s)}: the output has more records than its manifest lists (${m.files.length}): it is corrupt or was written to after the shard finished`;
        if (sha256(line) !== f.record_sha256) {
          let file: unknown;
          try {
            file = (JSON.parse(line.toString('utf8')) as { file?: unknown }).file;
          } catch {
            file = undefined;
          }
          return file === f.file
            ? `${label(s)}: the record of ${f.file} (line ${n + 1}) does not match its checksum in the manifest: the output is corrupt; remove it and its manifest and run the shard again`
            : `${label(s)}: line ${n + 1} should be the record of ${f.file} but is ${typeof file === 'string' ? `that of ${file}` : 'not a record'}: the output is corrupt; remove it and its manifest and run the shard again`;
        }
      }
      n++;
    }
  } catch (e) {
    return `${label(s)}: the output cannot be read: ${describeFsError(e)}`;
  }
  if (n - 1 < m.files.length)
    return `${label(s)}: the output has ${Math.max(0, n - 1)} records and its manifest ${m.files.length}: it is cut off (corrupt); run the shard again`;
  if (h.digest('hex') !== m.output!.sha256 || bytes !== m.output!.bytes)
    return `${label(s)}: the output's bytes do not match its manifest's checksum (the records do: its last line break is missing or it was changed); run the shard again`;
  return undefined;
}

/** Reads and checks every shard; the shards in index order, or every problem found. */
async function checkShards(outputs: readonly string[]): Promise<{ shards: Shard[] } | { problems: string[] }> {
  const problems: string[] = [];
  const shards: Shard[] = [];
  const seenOutputs = new Map<string, string>();
  for (const given of outputs) {
    const output = path.resolve(given);
    if (seenOutputs.has(output)) {
      problems.push(`${given} is given twice`);
      continue;
    }
    seenOutputs.set(output, given);
    const r = await readManifest(manifestFileOf(output));
    if (r.problem) problems.push(`${given}: ${r.problem}`);
    else if (!r.manifest)
      problems.push(
        (await fs.stat(output).then(
          () => true,
          () => false,
        ))
          ? `${given} has no shard manifest (${manifestFileOf(given)}): it is not a shard's output, or its manifest was lost`
          : `${given} does not exist (nor its manifest)`,
      );
    else shards.push({ output, manifest: r.manifest });
  }
  if (!shards.length) return { problems: problems.length ? problems : ['no shard outputs given'] };
  const first = shards[0];
  if (first.manifest.assignment !== SHARD_ASSIGNMENT)
    problems.push(`${label(first)} assigns inputs by ${first.manifest.assignment}; this labeler merges ${SHARD_ASSIGNMENT}`);
  for (const s of shards.slice(1)) {
    const diff = planDifference(first.manifest, s.manifest);
    if (diff) problems.push(`${label(first)} and ${label(s)} are not of one run: ${diff}`);
  }
  const count = first.manifest.shard.count;
  const byIndex = new Map<number, Shard[]>();
  for (const s of shards) byIndex.set(s.manifest.shard.index, [...(byIndex.get(s.manifest.shard.index) ?? []), s]);
  for (const [index, same] of [...byIndex].sort((a, b) => a[0] - b[0]))
    if (same.length > 1)
      problems.push(
        `shard ${index}/${count} is given ${same.length} times: ${same.map((s) => s.output).join(' and ')} (a shard run twice into two outputs?)`,
      );
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length)
    problems.push(
      `${missing.length === 1 ? 'shard' : 'shards'} ${missing.map((i) => `${i}/${count}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: no output given is ${missing.length === 1 ? 'it' : 'one of them'}`,
    );
  for (const s of shards)
    if (!s.manifest.complete) problems.push(`${label(s)} has not finished (its manifest says so): run it again (it resumes), then merge`);
  if (problems.length) return { problems };
  // the shares, together, are the whole input list exactly once (else the manifests lie)
  const inputs = new Array<{ position: number; file: string; bytes: number } | undefined>(first.manifest.inputs.count);
  for (const s of shards)
    for (const f of s.manifest.files) {
      if (f.position < 0 || f.position >= inputs.length || inputs[f.position])
        problems.push(
          `${label(s)}: its manifest lists input ${f.position} (${f.file}), which another shard also has or which does not exist: corrupt`,
        );
      else inputs[f.position] = f;
    }
  if (
    !problems.length &&
    (inputs.some((x) => !x) || inputsDigest(inputs as NonNullable<(typeof inputs)[number]>[]) !== first.manifest.inputs.sha256)
  )
    problems.push(
      `the shards' lists of inputs do not add up to the run's inputs (${first.manifest.inputs.count} files): a manifest is corrupt`,
    );
  if (problems.length) return { problems };
  for (const s of shards) {
    const p = await checkOutput(s);
    if (p) problems.push(p);
  }
  return problems.length ? { problems } : { shards: shards.sort((a, b) => a.manifest.shard.index - b.manifest.shard.index) };
}

/** The merged file's lines: the header, then the records in the batch's order, each shard's output read once. */
async function* mergedLines(shards: readonly Shard[], total: number): AsyncGenerator<string> {
  yield BATCH_HEADER_LINE + '\n';
  const owner = new Array<number>(total);
  shards.forEach((s, i) => s.manifest.files.forEach((f) => (owner[f.position] = i)));
  const readers = shards.map((s) => fileLines(s.output));
  for (const r of readers) await r.next(); // the header, checked
  const next = shards.map(() => 0);
  let batch = '';
  for (let p = 0; p < total; p++) {
    const i = owner[p];
    const s = shards[i];
    const f = s.manifest.files[next[i]++];
    const line = await readers[i].next();
    // the shard's records come in its manifest's order, which is the batch's order
    if (line.done || f.position !== p || sha256(line.value) !== f.record_sha256)
      throw new Error(`${label(s)} changed while it was merged (the record of ${f.file}); merge again`);
    batch += line.value.toString('utf8') + '\n';
    if (batch.length > 1 << 20) {
      yield batch;
      batch = '';
    }
  }
  if (batch) yield batch;
  for (const r of readers) await r.return(undefined);
}

/**
 * Checks the shard outputs (and their manifests) and joins them into `merged`, which must not
 * exist yet (a merge never overwrites) nor be one of the shards.
 */
export async function mergeShards(merged: string, outputs: readonly string[]): Promise<MergeResult> {
  const target = path.resolve(merged);
  if (outputs.some((o) => path.resolve(o) === target))
    return { ok: false, problems: [`${merged} is one of the shard outputs: the merged file needs a name of its own`] };
  const exists = await fs.lstat(target).then(
    () => true,
    () => false,
  );
  if (exists) return { ok: false, problems: [`${merged} exists: the merge never overwrites a file; remove it or name another`] };
  const checked = await checkShards(outputs);
  if ('problems' in checked) return { ok: false, problems: checked.problems };
  const total = checked.shards[0].manifest.inputs.count;
  try {
    await writeFileAtomic(target, mergedLines(checked.shards, total));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { ok: false, problems: [code ? `cannot write ${merged}: ${describeFsError(e, 'write')}` : (e as Error).message] };
  }
  const st = await fs.stat(target);
  return { ok: true, value: { shards: checked.shards.length, records: total, bytes: st.size } };
}
