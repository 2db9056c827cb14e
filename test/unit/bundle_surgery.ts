// Surgery on real bundles for the bad-bundle tests (unit and extension host): copies of
// models/default or test/fixtures/plain-bert-bundle with files removed or replaced, and ONNX
// graphs edited through a minimal protobuf reader/writer. Not a test file itself.
import * as assert from 'node:assert/strict';
import { promises as fs, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO } from './fixtures';

export const DEFAULT = path.join(REPO, 'models/default');
export const PLAIN = path.join(REPO, 'test/fixtures/plain-bert-bundle');
const BUNDLE_FILES = ['model.onnx', 'tokenizer.json', 'tokenizer_config.json', 'config.json'];

// --- a minimal protobuf reader/writer, enough to edit an ONNX graph's declared inputs/outputs ---

interface Field {
  readonly no: number;
  readonly wire: number;
  /** Varints as bigint; fixed and length-delimited fields as their bytes. */
  readonly value: bigint | Buffer;
}

function readVarint(buf: Buffer, pos: number): [bigint, number] {
  let result = 0n;
  let shift = 0n;
  for (;;) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++];
    result |= BigInt(b & 0x7f) << shift;
    if (!(b & 0x80)) return [result, pos];
    shift += 7n;
  }
}

function varint(v: bigint): Buffer {
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}

function decode(buf: Buffer): Field[] {
  const fields: Field[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, p] = readVarint(buf, pos);
    pos = p;
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [v, q] = readVarint(buf, pos);
      fields.push({ no, wire, value: v });
      pos = q;
    } else if (wire === 2) {
      const [len, q] = readVarint(buf, pos);
      fields.push({ no, wire, value: buf.subarray(q, q + Number(len)) });
      pos = q + Number(len);
    } else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      fields.push({ no, wire, value: buf.subarray(pos, pos + n) });
      pos += n;
    } else throw new Error(`wire type ${wire} not handled`);
  }
  return fields;
}

function encode(fields: readonly Field[]): Buffer {
  const parts: Buffer[] = [];
  for (const f of fields) {
    parts.push(varint(BigInt((f.no << 3) | f.wire)));
    if (f.wire === 0) parts.push(varint(f.value as bigint));
    else if (f.wire === 2) parts.push(varint(BigInt((f.value as Buffer).length)), f.value as Buffer);
    else parts.push(f.value as Buffer);
  }
  return Buffer.concat(parts);
}

/** Rewrites the submessage(s) with field number `no` for which `edit` returns a new value. */
function editField(buf: Buffer, no: number, edit: (sub: Buffer) => Buffer | undefined): Buffer {
  return encode(
    decode(buf).map((f) => {
      if (f.no !== no || f.wire !== 2) return f;
      const v = edit(f.value as Buffer);
      return v ? { ...f, value: v } : f;
    }),
  );
}

// ONNX: ModelProto.graph = 7; GraphProto.output = 12; ValueInfoProto.name = 1, .type = 2;
// TypeProto.tensor_type = 1; TypeProto.Tensor.shape = 2; TensorShapeProto.dim = 1.
const valueInfoName = (vi: Buffer): string => {
  const f = decode(vi).find((x) => x.no === 1 && x.wire === 2);
  return f ? (f.value as Buffer).toString('utf8') : '';
};

/** The model with the declared shape of output `name` cut to its first `rank` dimensions. */
export function withOutputRank(model: Buffer, name: string, rank: number): Buffer {
  let found = false;
  const out = editField(model, 7, (graph) =>
    editField(graph, 12, (vi) => {
      if (valueInfoName(vi) !== name) return undefined;
      found = true;
      return editField(vi, 2, (type) =>
        editField(type, 1, (tensor) =>
          editField(tensor, 2, (shape) => {
            const dims = decode(shape).filter((d) => d.no === 1);
            return encode(dims.slice(0, rank));
          }),
        ),
      );
    }),
  );
  assert.ok(found, `output ${name} not found in the model`);
  return out;
}

const str = (no: number, text: string): Field => ({ no, wire: 2, value: Buffer.from(text) });

/**
 * The model with output `name` computed 2-D: the node that made it now writes `<name>_orig`,
 * and an added Flatten node ([batch, sequence, labels] -> [batch, sequence * labels]) makes
 * `name`; its declared shape is cut to 2 dimensions. NodeProto: input = 1, output = 2,
 * name = 3, op_type = 4; GraphProto.node = 1.
 */
export function withFlattenedOutput(model: Buffer, name: string): Buffer {
  let found = false;
  const flattened = editField(model, 7, (graph) => {
    const fields = decode(graph).map((f) => {
      if (f.no !== 1 || f.wire !== 2) return f;
      const node = decode(f.value as Buffer);
      if (!node.some((x) => x.no === 2 && (x.value as Buffer).toString() === name)) return f;
      found = true;
      return { ...f, value: encode(node.map((x) => (x.no === 2 && (x.value as Buffer).toString() === name ? str(2, `${name}_orig`) : x))) };
    });
    const flatten = encode([str(1, `${name}_orig`), str(2, name), str(3, `flatten_${name}`), str(4, 'Flatten')]);
    const lastNode = fields.map((f) => f.no).lastIndexOf(1);
    fields.splice(lastNode + 1, 0, { no: 1, wire: 2, value: flatten });
    return encode(fields);
  });
  assert.ok(found, `no node makes ${name}`);
  return withOutputRank(flattened, name, 2);
}

/** Every occurrence of a name replaced by another of the same length (protobuf stays valid). */
export function renamed(model: Buffer, from: string, to: string): Buffer {
  assert.equal(from.length, to.length);
  const out = Buffer.from(model);
  const a = Buffer.from(from);
  let n = 0;
  for (let i = out.indexOf(a); i >= 0; i = out.indexOf(a, i + 1)) {
    out.write(to, i);
    n++;
  }
  assert.ok(n > 0, `${from} not found`);
  return out;
}

/** A copy of a bundle; `files` replaces (Buffer/string/object) or removes (null) files. */
export async function makeBundle(root: string, from: string, files: Record<string, Buffer | string | object | null> = {}): Promise<string> {
  const dir = await fs.mkdtemp(path.join(root, 'bundle-'));
  for (const f of BUNDLE_FILES) {
    if (f in files) continue;
    await fs.copyFile(path.join(from, f), path.join(dir, f)).catch(() => undefined);
  }
  for (const [name, content] of Object.entries(files)) {
    if (content === null) continue;
    const data = Buffer.isBuffer(content) || typeof content === 'string' ? content : JSON.stringify(content);
    await fs.writeFile(path.join(dir, name), data);
  }
  return dir;
}

export const readModel = (from: string): Buffer => readFileSync(path.join(from, 'model.onnx'));
export const readConfig = (from: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(from, 'config.json'), 'utf8'));
