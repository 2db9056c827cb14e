// The atomic write on real links and modes (core/atomic_write.ts): a symbolic link (also a chain
// of links, a relative one, a dangling one) stays a link and its target gets the content; the
// mode and owner are kept; a hard link keeps sharing the file; a failure keeps the old content
// and leaves no temporary file; content in pieces.
import * as assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { NODE_WRITE_OPS, writeFileAtomic, writeTarget } from '../../src/core/atomic_write';

const fresh = (): string => mkdtempSync(path.join(tmpdir(), 'atomic-'));
const tmpLeft = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

test('a symbolic link stays a link and its target gets the content (absolute, relative, chained)', async () => {
  const dir = fresh();
  const shared = path.join(dir, 'shared');
  mkdirSync(shared);
  const target = path.join(shared, 'doc.txt.labels.jsonl');
  writeFileSync(target, 'old\n');
  const abs = path.join(dir, 'abs.jsonl');
  symlinkSync(target, abs);
  const rel = path.join(dir, 'rel.jsonl');
  symlinkSync('shared/doc.txt.labels.jsonl', rel);
  const chain = path.join(dir, 'chain.jsonl');
  symlinkSync('rel.jsonl', chain);
  for (const [link, content] of [
    [abs, 'one\n'],
    [rel, 'two\n'],
    [chain, 'three\n'],
  ] as const) {
    await writeFileAtomic(link, content);
    assert.ok(lstatSync(link).isSymbolicLink(), `${path.basename(link)} is no longer a link`);
    assert.equal(readFileSync(target, 'utf8'), content);
    assert.equal(readFileSync(link, 'utf8'), content);
  }
  assert.equal(readlinkSync(rel), 'shared/doc.txt.labels.jsonl');
  assert.deepEqual(tmpLeft(dir), []);
  assert.deepEqual(tmpLeft(shared), []);
  assert.equal(await writeTarget(chain), target);
});

test('a dangling link creates its target; a link loop is an error and writes nothing', async () => {
  const dir = fresh();
  const link = path.join(dir, 'x.jsonl');
  symlinkSync(path.join(dir, 'sub', 'real.jsonl'), link);
  await writeFileAtomic(link, 'new\n');
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(path.join(dir, 'sub', 'real.jsonl'), 'utf8'), 'new\n');
  symlinkSync('b', path.join(dir, 'a'));
  symlinkSync('a', path.join(dir, 'b'));
  await assert.rejects(writeFileAtomic(path.join(dir, 'a'), 'x'), { code: 'ELOOP' });
  assert.deepEqual(tmpLeft(dir), []);
});

test('the mode (0600, 0640, setgid, 0444) is kept; a new file gets the default mode', async () => {
  const dir = fresh();
  for (const mode of [0o600, 0o640, 0o2644, 0o444]) {
    const file = path.join(dir, `m${mode.toString(8)}.jsonl`);
    writeFileSync(file, 'old\n');
    chmodSync(file, mode);
    await writeFileAtomic(file, 'new\n');
    assert.equal(statSync(file).mode & 0o7777, mode, `mode ${mode.toString(8)}`);
    assert.equal(readFileSync(file, 'utf8'), 'new\n');
  }
  const created = path.join(dir, 'created.jsonl');
  await writeFileAtomic(created, 'x\n');
  assert.equal(statSync(created).mode & 0o777, 0o666 & ~process.umask());
});

test('the owner of a file owned by another user is kept (where this process may give files away)', async (t) => {
  const file = path.join(fresh(), 'owned.jsonl');
  writeFileSync(file, 'old\n');
  try {
    chownSync(file, 1234, 5678);
  } catch (e) {
    // not root, or a user namespace without those ids (the offline level's unshare -r)
    t.skip(`cannot give a file to uid 1234 here (${(e as NodeJS.ErrnoException).code})`);
    return;
  }
  await writeFileAtomic(file, 'new\n');
  assert.deepEqual([statSync(file).uid, statSync(file).gid], [1234, 5678]);
  assert.equal(readFileSync(file, 'utf8'), 'new\n');
});

test('a hard link keeps sharing the file: it is written in place, the inode kept, no temporary file left', async () => {
  const dir = fresh();
  const file = path.join(dir, 'a.jsonl');
  const other = path.join(dir, 'b.jsonl');
  writeFileSync(file, 'a longer old content\n');
  chmodSync(file, 0o600);
  linkSync(file, other);
  const ino = statSync(file).ino;
  await writeFileAtomic(file, 'new\n');
  assert.equal(readFileSync(other, 'utf8'), 'new\n');
  assert.equal(statSync(file).ino, ino);
  assert.equal(statSync(file).nlink, 2);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  await writeFileAtomic(other, 'and a longer new content than before\n');
  assert.equal(readFileSync(file, 'utf8'), 'and a longer new content than before\n');
  assert.deepEqual(tmpLeft(dir), []);
});

test('a failing write keeps the old content, the link and the mode, and leaves no temporary file', async () => {
  const dir = fresh();
  const target = path.join(dir, 'real.jsonl');
  writeFileSync(target, 'old\n');
  chmodSync(target, 0o600);
  const link = path.join(dir, 'link.jsonl');
  symlinkSync(target, link);
  const failing = {
    ...NODE_WRITE_OPS,
    write: async () => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    },
  };
  await assert.rejects(writeFileAtomic(link, 'new\n', failing), { code: 'ENOSPC' });
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.equal(readFileSync(target, 'utf8'), 'old\n');
  assert.equal(statSync(target).mode & 0o777, 0o600);
  assert.deepEqual(tmpLeft(dir), []);
});

test('content in pieces (a sync or async iterable) is written whole', async () => {
  const dir = fresh();
  const file = path.join(dir, 'export.conllu');
  await writeFileAtomic(file, ['a', '', 'b', 'c\n']);
  assert.equal(readFileSync(file, 'utf8'), 'abc\n');
  async function* pieces(): AsyncGenerator<string> {
    for (let i = 0; i < 1000; i++) yield `line ${i}\n`;
  }
  await writeFileAtomic(file, pieces());
  assert.equal(readFileSync(file, 'utf8').split('\n').length, 1001);
});
