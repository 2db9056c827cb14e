// The token head's files: the bundle's `token_head.json` (the shipped head, written by
// `python3 -m training features`) and an adapted head (`adapted_head.json` in a bundle written
// by `adapt`, or the workspace's head file written by Learn from Corrections).
//
// Why an adapted head is stamped with its base model: a head is only meaningful for the features
// of the very model it was trained on; the same labels and dimension are not enough (a retrained
// model has other features). So an adapted head names the SHA-256 of its base `model.onnx`, and a
// head whose stamp, labels or dimension disagree with the model is refused in words (the base head
// is used). The file is small JSON, one row of weights per label, numbers rounded to seven
// significant digits (float32 holds about seven): readable, diffable, git-friendly.
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Result } from '../bundle';
import { describeFsError } from '../fs_errors';
import { headProblems, type TokenHead } from './head';

export const BASE_HEAD_FORMAT = 'bert-lstm-token-head/1';
export const ADAPTED_HEAD_FORMAT = 'bert-lstm-adapted-head/1';
export const BASE_HEAD_FILE = 'token_head.json';
export const ADAPTED_HEAD_FILE = 'adapted_head.json';
/** Files larger than this are not read (a head of 4,096 labels × 1,024 features is about 50 MB). */
const MAX_HEAD_BYTES = 64 * 1024 * 1024;

/** What an adapted head was learned from and how it scored (shown by the CLI and the editor). */
export interface AdaptedHeadInfo {
  /** SHA-256 (hex) of the base bundle's model.onnx. */
  readonly baseModel: string;
  readonly baseName: string;
  readonly tokens: number;
  readonly documents: number;
  readonly labels: number;
  /** Held-out accuracy of the base head and of the adapted one (cross-validation), if measured. */
  readonly before?: number;
  readonly after?: number;
  readonly created: string;
}

export interface AdaptedHead {
  readonly head: TokenHead;
  readonly info: AdaptedHeadInfo;
}

/** SHA-256 of a file, hex (streamed: a model is tens of megabytes). */
export function fileSha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => h.update(c))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}

const isNumberRow = (v: unknown, n: number): v is number[] =>
  Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));

/** A head from parsed JSON (either format); problems in words, naming `what`. */
export function headFromJson(v: unknown, what: string): Result<TokenHead> {
  const o = v as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || Array.isArray(o)) return { ok: false, problems: [`${what} is not a JSON object`] };
  if (o.format !== BASE_HEAD_FORMAT && o.format !== ADAPTED_HEAD_FORMAT) {
    return {
      ok: false,
      problems: [`${what} has format ${JSON.stringify(o.format)}; expected "${BASE_HEAD_FORMAT}" or "${ADAPTED_HEAD_FORMAT}"`],
    };
  }
  const labels = o.labels;
  const dim = o.dim;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string'))
    return { ok: false, problems: [`${what}: "labels" must be a list of strings`] };
  if (typeof dim !== 'number' || !Number.isInteger(dim) || dim <= 0)
    return { ok: false, problems: [`${what}: "dim" must be a positive whole number`] };
  const weight = o.weight;
  if (!Array.isArray(weight) || weight.length !== labels.length || !weight.every((r) => isNumberRow(r, dim))) {
    return { ok: false, problems: [`${what}: "weight" must be ${labels.length} rows (one per label) of ${dim} finite numbers`] };
  }
  if (!isNumberRow(o.bias, labels.length))
    return { ok: false, problems: [`${what}: "bias" must be ${labels.length} finite numbers (one per label)`] };
  const w = new Float32Array(labels.length * dim);
  (weight as number[][]).forEach((row, l) => w.set(row, l * dim));
  const head: TokenHead = { labels: labels as string[], dim, weight: w, bias: Float32Array.from(o.bias) };
  const problems = headProblems(head);
  return problems.length ? { ok: false, problems: problems.map((p) => `${what}: ${p}`) } : { ok: true, value: head };
}

/**
 * A JSON file of a bundle or workspace, parsed; undefined when it does not exist. Problems in
 * words, naming `what`; files over `limit` bytes (`kind` says what such a file is) are not read.
 */
export async function readJsonIfExists(
  file: string,
  what: string,
  limit = MAX_HEAD_BYTES,
  kind = 'a head file',
): Promise<Result<unknown> | undefined> {
  let text: string;
  try {
    const st = await fs.stat(file);
    if (st.size > limit) return { ok: false, problems: [`${what} is ${st.size} bytes; ${kind} is at most ${limit}`] };
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { ok: false, problems: [`${what} cannot be read: ${describeFsError(e)}`] };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (e) {
    return { ok: false, problems: [`${what} is not valid JSON (${(e as Error).message}); it may be cut off or edited by hand`] };
  }
}

/** The bundle's shipped head (`token_head.json`), or undefined when the bundle has none. */
export async function readBaseHead(bundleDir: string): Promise<Result<TokenHead> | undefined> {
  const json = await readJsonIfExists(path.join(bundleDir, BASE_HEAD_FILE), BASE_HEAD_FILE);
  return json?.ok ? headFromJson(json.value, BASE_HEAD_FILE) : json;
}

/** What an adapted head must fit: the base model's identity, labels and feature dimension. */
export interface HeadTarget {
  readonly modelSha256: string;
  readonly modelName: string;
  readonly labels: readonly string[];
  readonly dim: number;
}

/** Checks a parsed adapted head file against the model it is loaded for; problems in words. */
export function adaptedFromJson(v: unknown, what: string, target: HeadTarget): Result<AdaptedHead> {
  const head = headFromJson(v, what);
  if (!head.ok) return head;
  const o = v as Record<string, unknown>;
  if (o.format !== ADAPTED_HEAD_FORMAT) return { ok: false, problems: [`${what} is a shipped head, not an adapted one`] };
  const base = o.base_model as Record<string, unknown> | undefined;
  const sha = typeof base?.sha256 === 'string' ? base.sha256 : undefined;
  const baseName = typeof base?.name === 'string' ? base.name : 'another model';
  if (sha !== target.modelSha256) {
    return {
      ok: false,
      problems: [
        `${what} was learned for ${sha ? `the model "${baseName}" (model.onnx ${sha.slice(0, 12)}…)` : 'an unnamed model'}, not for the model in use ("${target.modelName}", model.onnx ${target.modelSha256.slice(0, 12)}…); it is not used`,
      ],
    };
  }
  const h = head.value;
  if (h.dim !== target.dim) return { ok: false, problems: [`${what} reads ${h.dim} features; the model gives ${target.dim}`] };
  if (h.labels.length !== target.labels.length || h.labels.some((l, i) => l !== target.labels[i])) {
    return { ok: false, problems: [`${what} has the labels ${h.labels.join(' ')}; the model's are ${target.labels.join(' ')}`] };
  }
  const t = (o.trained ?? {}) as Record<string, unknown>;
  const num = (x: unknown): number | undefined => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  return {
    ok: true,
    value: {
      head: h,
      info: {
        baseModel: sha,
        baseName,
        tokens: num(t.tokens) ?? 0,
        documents: num(t.documents) ?? 0,
        labels: num(t.labels) ?? 0,
        before: num(t.before),
        after: num(t.after),
        created: typeof t.created === 'string' ? t.created : '',
      },
    },
  };
}

/**
 * Reads an adapted head file for a model; undefined when the file does not exist. `target` is
 * asked for only when there is a file (it hashes model.onnx).
 */
export async function readAdaptedHead(
  file: string,
  target: () => Promise<HeadTarget>,
  what = path.basename(file),
): Promise<Result<AdaptedHead> | undefined> {
  const json = await readJsonIfExists(file, what);
  return json?.ok ? adaptedFromJson(json.value, what, await target()) : json;
}

const round7 = (x: number): number => Number(x.toPrecision(7));

/** The adapted head file's content. */
export function serializeAdaptedHead(a: AdaptedHead): string {
  const { head, info } = a;
  const rows: number[][] = [];
  for (let l = 0; l < head.labels.length; l++) rows.push(Array.from(head.weight.subarray(l * head.dim, (l + 1) * head.dim), round7));
  const o = {
    format: ADAPTED_HEAD_FORMAT,
    base_model: { name: info.baseName, sha256: info.baseModel },
    trained: {
      tokens: info.tokens,
      documents: info.documents,
      labels: info.labels,
      ...(info.before !== undefined ? { before: round7(info.before) } : {}),
      ...(info.after !== undefined ? { after: round7(info.after) } : {}),
      created: info.created,
    },
    labels: head.labels,
    dim: head.dim,
    bias: Array.from(head.bias, round7),
    weight: rows,
  };
  return JSON.stringify(o, null, 0).replace(/\],\[/g, '],\n[') + '\n';
}
