// The sidecar file: round trip, problems with line numbers, and atomic writes (a write that
// fails part way, and a folder that cannot be written, leave the old file whole).
import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Annotation } from '../../src/core/annotations';
import { NODE_WRITE_OPS, parseSidecar, readSidecar, serializeSidecar, sidecarPath, writeFileAtomic } from '../../src/core/sidecar';

const ANNOTATIONS: Annotation[] = [
  { start: 0, end: 5, text: 'Maria', label: 'PER', source: 'corrected' },
  { start: 6, end: 8, text: '😀', label: 'SYM', source: 'model', score: 0.25, needsReview: true },
  { start: 9, end: 13, text: 'café', label: 'NOUN', source: 'reviewed', score: 0.9 },
];

test('serialize then parse gives the same annotations; the header carries schema and version', () => {
  const content = serializeSidecar(ANNOTATIONS, 'doc.txt');
  const lines = content.trimEnd().split('\n');
  assert.deepEqual(JSON.parse(lines[0]), { schema: 'bert-lstm-annotations', version: 1, offsets: 'utf-16', document: 'doc.txt' });
  assert.equal(lines.length, 4);
  const parsed = parseSidecar(content);
  assert.ok(parsed.ok);
  assert.deepEqual(parsed.annotations, ANNOTATIONS);
});

test('problems are reported with their line numbers, and the whole file is refused', () => {
  const header = '{"schema":"bert-lstm-annotations","version":1}';
  const cases: Array<[string, number, RegExp]> = [
    ['', 0, /empty/],
    ['{"start":0}', 1, /first line must be the header/],
    ['{"schema":"bert-lstm-annotations","version":7}', 1, /version 7 is not supported/],
    [`${header}\n{"start":0,"end":5,"text":"Maria","label":"PER","source":"corrected"}\n{oops`, 3, /not JSON/],
    [`${header}\n\n{"start":3,"end":2,"text":"x","label":"A","source":"model"}`, 3, /"end" must be/],
    [`${header}\n{"start":0,"end":2,"text":"abc","label":"A","source":"model"}`, 2, /"text" has 3 UTF-16 units but end - start is 2/],
    [`${header}\n{"start":0,"end":1,"text":"a","label":"A","source":"robot"}`, 2, /"source" must be one of/],
    [`${header}\n{"start":0,"end":1,"text":"a","label":"","source":"model"}`, 2, /"label"/],
    [`${header}\n[1,2]`, 2, /JSON object/],
  ];
  for (const [content, line, message] of cases) {
    const r = parseSidecar(content);
    assert.ok(!r.ok, content);
    assert.equal(r.problems[0].line, line, content);
    assert.match(r.problems[0].message, message);
  }
});

test('sidecar paths: next to the document by default, or in a folder relative to it', () => {
  assert.equal(sidecarPath('/w/docs/a.txt'), '/w/docs/a.txt.labels.jsonl');
  assert.equal(sidecarPath('/w/docs/a.txt', { folder: '.labels', suffix: '.ann.jsonl' }), '/w/docs/.labels/a.txt.ann.jsonl');
  assert.equal(sidecarPath('/w/docs/a.txt', { folder: '/store', suffix: '' }), '/store/a.txt.labels.jsonl');
});

test('readSidecar: missing, ok, and unreadable (problems kept, file untouched)', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sidecar-'));
  const file = path.join(dir, 'a.txt.labels.jsonl');
  assert.deepEqual(await readSidecar(file), { kind: 'missing' });
  await writeFileAtomic(file, serializeSidecar(ANNOTATIONS));
  const ok = await readSidecar(file);
  assert.ok(ok.kind === 'ok');
  assert.deepEqual(ok.annotations, ANNOTATIONS);
  writeFileSync(file, 'garbage\n');
  const bad = await readSidecar(file);
  assert.ok(bad.kind === 'unreadable');
  assert.equal(bad.problems[0].line, 1);
  assert.equal(readFileSync(file, 'utf8'), 'garbage\n');
});

test('atomic write: a write that fails part way leaves the old file whole and no temporary file', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'sidecar-'));
  const file = path.join(dir, 'a.txt.labels.jsonl');
  const old = serializeSidecar(ANNOTATIONS.slice(0, 1));
  writeFileSync(file, old);
  const next = serializeSidecar(ANNOTATIONS);
  let wrote = '';
  const failing = {
    ...NODE_WRITE_OPS,
    write: async (handle: Parameters<typeof NODE_WRITE_OPS.write>[0], data: string) => {
      // half the data reaches the disk, then the disk is full
      wrote = data.slice(0, data.length >> 1);
      await handle.writeFile(wrote);
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    },
  };
  await assert.rejects(writeFileAtomic(file, next, failing), /ENOSPC/);
  assert.ok(wrote.length > 0);
  assert.equal(readFileSync(file, 'utf8'), old);
  assert.deepEqual(readdirSync(dir), ['a.txt.labels.jsonl']);
  const failingRename = {
    ...NODE_WRITE_OPS,
    rename: async () => {
      throw new Error('EXDEV');
    },
  };
  await assert.rejects(writeFileAtomic(file, next, failingRename), /EXDEV/);
  assert.equal(readFileSync(file, 'utf8'), old);
  assert.deepEqual(readdirSync(dir), ['a.txt.labels.jsonl']);
  await writeFileAtomic(file, next);
  assert.equal(readFileSync(file, 'utf8'), next);
  assert.deepEqual(readdirSync(dir), ['a.txt.labels.jsonl']);
});

test('atomic write into a read-only folder fails and leaves the old file whole', async (t) => {
  if (process.getuid?.() === 0) {
    // root writes through directory permissions: the injected failures above cover this machine
    t.diagnostic('running as root: the folder permission cannot stop the write; checked with an open that fails instead');
    const dir = mkdtempSync(path.join(tmpdir(), 'sidecar-'));
    const file = path.join(dir, 'a.txt.labels.jsonl');
    writeFileSync(file, 'old\n');
    const eacces = {
      ...NODE_WRITE_OPS,
      open: async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
      },
    };
    await assert.rejects(writeFileAtomic(file, 'new\n', eacces), /EACCES/);
    assert.equal(readFileSync(file, 'utf8'), 'old\n');
    return;
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'sidecar-'));
  const file = path.join(dir, 'a.txt.labels.jsonl');
  writeFileSync(file, 'old\n');
  chmodSync(dir, 0o555);
  try {
    await assert.rejects(writeFileAtomic(file, 'new\n'), /EACCES/);
    assert.equal(readFileSync(file, 'utf8'), 'old\n');
  } finally {
    chmodSync(dir, 0o755);
  }
});
