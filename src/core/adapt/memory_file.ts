// The memory of an adapted bundle (`adapted_memory.json`, written by `adapt` next to the adapted
// head): the examples it learned from, each with its word's features, so that labeling with the
// bundle (the CLI's `--model`, Select Model) blends them in as the editor blends the user's
// corrections (memory.ts). Without it a bundle would carry only the retrained head, and the
// per-word conventions a head pulled toward the shipped weights does not learn (`that`, `to`,
// `there` in another treebank's use) would be lost between `adapt` and labeling.
//
// Why int8 vectors in base64: the memory compares unit-length vectors by their dot product, and
// a component rounded to 1/127 moves a cosine by far less than the match threshold's resolution;
// 10,000 examples of 256 features are 2.5 MB this way (10 MB as float32, ~25 MB as JSON numbers).
// Like the adapted head, the file is stamped with its base model (a memory is meaningful only for
// the features of the model it was made with) and refused in words otherwise.
import type { Result } from '../bundle';
import { readJsonIfExists, type HeadTarget } from './head_file';
import { CorrectionMemory, type ExampleSource } from './memory';

export const MEMORY_FORMAT = 'bert-lstm-adapted-memory/1';
export const ADAPTED_MEMORY_FILE = 'adapted_memory.json';
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const KINDS = new Set(['correction', 'accepted']);

/** The file's content: the memory's examples for the model `base`. */
export function serializeMemory(memory: CorrectionMemory, base: { readonly name: string; readonly sha256: string }): string {
  const { vectors, labels, sources } = memory.snapshot();
  const bytes = new Int8Array(vectors.length);
  for (let i = 0; i < vectors.length; i++) bytes[i] = Math.max(-127, Math.min(127, Math.round(vectors[i] * 127)));
  const o = {
    format: MEMORY_FORMAT,
    base_model: base,
    dim: memory.dim,
    count: labels.length,
    // label, word, file, line, kind: one row per example, in the vectors' order
    examples: labels.map((l, i) => [l, sources[i].word, sources[i].file, sources[i].line, sources[i].kind]),
    vectors: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  };
  return JSON.stringify(o) + '\n';
}

/** A memory from the parsed file, checked against the model it is loaded for; problems in words. */
export function memoryFromJson(v: unknown, what: string, target: HeadTarget, threshold: number): Result<CorrectionMemory> {
  const o = v as Record<string, unknown> | null;
  const bad = (p: string): Result<CorrectionMemory> => ({ ok: false, problems: [`${what}: ${p}`] });
  if (!o || typeof o !== 'object' || Array.isArray(o)) return bad('not a JSON object');
  if (o.format !== MEMORY_FORMAT) return bad(`format ${JSON.stringify(o.format)}; expected "${MEMORY_FORMAT}"`);
  const base = o.base_model as Record<string, unknown> | undefined;
  const sha = typeof base?.sha256 === 'string' ? base.sha256 : undefined;
  if (sha !== target.modelSha256) {
    const name = typeof base?.name === 'string' ? `"${base.name}"` : 'another model';
    return bad(
      `made for ${name}${sha ? ` (model.onnx ${sha.slice(0, 12)}…)` : ''}, not for the model in use ("${target.modelName}"); it is not used`,
    );
  }
  if (o.dim !== target.dim) return bad(`its examples have ${String(o.dim)} features; the model gives ${target.dim}`);
  const count = o.count;
  const examples = o.examples;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) return bad('"count" must be a whole number');
  if (!Array.isArray(examples) || examples.length !== count) return bad(`"examples" must list ${count} examples`);
  const labels = new Set(target.labels);
  const sources: ExampleSource[] = [];
  const exampleLabels: string[] = [];
  for (const [i, e] of examples.entries()) {
    const [label, word, file, line, kind] = Array.isArray(e) ? (e as unknown[]) : [];
    if (typeof label !== 'string' || !labels.has(label))
      return bad(`example ${i + 1} has the label ${JSON.stringify(label)}, which the model does not have`);
    if (typeof word !== 'string' || typeof file !== 'string' || typeof line !== 'number' || typeof kind !== 'string' || !KINDS.has(kind))
      return bad(`example ${i + 1} must be [label, word, file, line, "correction" or "accepted"]`);
    exampleLabels.push(label);
    sources.push({ word, file, line, kind: kind as ExampleSource['kind'] });
  }
  const bytes = typeof o.vectors === 'string' ? Buffer.from(o.vectors, 'base64') : undefined;
  if (!bytes || bytes.length !== count * target.dim) return bad(`"vectors" must hold ${count} × ${target.dim} bytes (base64)`);
  const row = new Float32Array(target.dim);
  const memory = new CorrectionMemory(target.dim, threshold);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < target.dim; j++) row[j] = bytes.readInt8(i * target.dim + j) / 127;
    memory.add(row, 0, exampleLabels[i], sources[i]);
  }
  return { ok: true, value: memory };
}

/**
 * Reads a bundle's memory file for a model; undefined when the file does not exist. `target` is
 * asked for only when there is a file (it hashes model.onnx).
 */
export async function readMemoryFile(
  file: string,
  target: () => Promise<HeadTarget>,
  threshold: number,
  what = ADAPTED_MEMORY_FILE,
): Promise<Result<CorrectionMemory> | undefined> {
  const json = await readJsonIfExists(file, what, MAX_MEMORY_BYTES, 'a memory file');
  return json?.ok ? memoryFromJson(json.value, what, await target(), threshold) : json;
}
