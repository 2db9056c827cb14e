// Writing a file so that a failure part way leaves the old file whole, without changing what
// the file is: a temporary file in the same folder as the file's real target (a rename across
// file systems is not atomic), written, given the old file's mode (and owner, where the process
// may), flushed to disk, then renamed over the target.
//
// - A symbolic link (a shared annotation file) is written through: the link's final target is
//   replaced and the link stays a link. A dangling link creates its target.
// - A file with more than one hard link cannot be replaced by a rename without cutting it off
//   from its other names, so it is written in place, as safely as in place allows: the new
//   content goes to the temporary file and is flushed first (a crash during the in-place write
//   leaves the whole new content there, next to the file), the old content is kept in memory,
//   and if the in-place write fails (a full disk) the old content is written back.
// - The content may come in pieces (an export of a big document), each written as it comes.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

/** The file operations an atomic write uses (tests inject failing ones). */
export interface AtomicWriteOps {
  open(file: string, flags: string): Promise<fs.FileHandle>;
  write(handle: fs.FileHandle, data: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
}

export const NODE_WRITE_OPS: AtomicWriteOps = {
  open: (file, flags) => fs.open(file, flags),
  write: async (handle, data) => {
    await handle.writeFile(data, 'utf8');
  },
  rename: (from, to) => fs.rename(from, to),
};

export type Content = string | Iterable<string> | AsyncIterable<string>;

/** The path a write to `file` lands on: symbolic links followed to their last target (which may not exist yet). */
export async function writeTarget(file: string): Promise<string> {
  let p = path.resolve(file);
  for (let hops = 0; hops < 40; hops++) {
    let stat;
    try {
      stat = await fs.lstat(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return p;
      throw e;
    }
    if (!stat.isSymbolicLink()) return p;
    p = path.resolve(path.dirname(p), await fs.readlink(p));
  }
  throw Object.assign(new Error(`${file}: too many levels of symbolic links`), { code: 'ELOOP', path: file });
}

async function writeAll(handle: fs.FileHandle, content: Content, ops: AtomicWriteOps): Promise<void> {
  if (typeof content === 'string') await ops.write(handle, content);
  else for await (const piece of content) if (piece) await ops.write(handle, piece);
}

/**
 * Writes `content` to `file` (see the file comment). On any failure the temporary file is
 * removed and the error thrown; `file` is as it was.
 */
export async function writeFileAtomic(file: string, content: Content, ops: AtomicWriteOps = NODE_WRITE_OPS): Promise<void> {
  const target = await writeTarget(file);
  const dir = path.dirname(target);
  await fs.mkdir(dir, { recursive: true });
  const old = await fs.stat(target).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await ops.open(tmp, 'wx');
    await writeAll(handle, content, ops);
    if (old) {
      await handle.chmod(old.mode & 0o7777);
      if (old.uid !== process.getuid?.() || old.gid !== process.getgid?.()) await handle.chown(old.uid, old.gid).catch(() => undefined);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    if (old && old.isFile() && old.nlink > 1) {
      // the whole new content stays next to the file (a crash leaves it there) until it is in place
      await writeInPlace(target, tmp);
      await fs.rm(tmp, { force: true });
    } else {
      await ops.rename(tmp, target);
    }
  } catch (e) {
    await handle?.close().catch(() => undefined);
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** Copies `from` over `target` in place (its inode, and so its other hard links, kept); the old content is put back on failure. */
async function writeInPlace(target: string, from: string): Promise<void> {
  const data = await fs.readFile(from);
  const handle = await fs.open(target, 'r+');
  try {
    const before = await handle.readFile();
    try {
      await handle.write(data, 0, data.length, 0);
      await handle.truncate(data.length);
      await handle.sync();
    } catch (e) {
      await handle.write(before, 0, before.length, 0).catch(() => undefined);
      await handle.truncate(before.length).catch(() => undefined);
      await handle.sync().catch(() => undefined);
      throw e;
    }
  } finally {
    await handle.close();
  }
}
