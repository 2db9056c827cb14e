// File system errors in words: one table from error code to what it means to the user, for
// reading and for writing (a write refused by EACCES is about the folder, not the file). Every
// message names the code too, for the log (`EISDIR` alone says little to a user, the words alone
// little to a developer). No `vscode` import.

type Words = string | { readonly read: string; readonly write: string };

const WORDS: Readonly<Record<string, Words>> = {
  ENOENT: 'it does not exist (or is a symbolic link to nothing)',
  EISDIR: 'it is a folder, not a file',
  ELOOP: 'it is a symbolic link that loops back on itself',
  EACCES: { read: 'permission denied', write: 'permission denied: the folder is not writable' },
  EPERM: { read: 'permission denied', write: 'the system does not permit writing in the folder (it may be immutable)' },
  ENOTDIR: 'a part of its path is not a folder',
  EMFILE: 'too many open files',
  EIO: 'an input/output error of the disk',
  EROFS: 'the folder is on a read-only file system',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than its file system allows',
};

/** Errors only a write meets; a read that meets one says what any unknown code says. */
const WRITE_ONLY = new Set(['EROFS', 'ENOSPC', 'EDQUOT', 'EFBIG']);

/** A file system error in words, with its code; `action` is what failed (reading by default). */
export function describeFsError(e: unknown, action: 'read' | 'write' = 'read'): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (!code) return String((e as Error | undefined)?.message ?? e);
  const w = action === 'read' && WRITE_ONLY.has(code) ? undefined : WORDS[code];
  const words = w === undefined ? 'the system refused' : typeof w === 'string' ? w : w[action];
  return `${words} (${code})`;
}

/** Whether an error is a file system error (it has an errno code such as ENOSPC) rather than a bug. */
export const isFsError = (e: unknown): e is NodeJS.ErrnoException =>
  /^E[A-Z0-9]+$/.test(String((e as NodeJS.ErrnoException | undefined)?.code ?? ''));
