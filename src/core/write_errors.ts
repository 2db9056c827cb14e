// File system errors met while writing (a batch output, an export, a sidecar) in words a user
// understands, with the code kept for the log. Reading errors are bundle.ts's describeFsError;
// this adds the codes that only writing meets (a full disk, a read-only file system).
import { describeFsError } from './bundle';

const WRITE_WORDS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'the file is larger than its file system allows',
  EROFS: 'the folder is on a read-only file system',
  EPERM: 'the system does not permit writing there (the file or folder may be immutable)',
  EACCES: 'permission denied: the file or its folder is not writable',
  EIO: 'an input/output error of the disk',
};

export function describeWriteError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code && WRITE_WORDS[code] ? `${WRITE_WORDS[code]} (${code})` : describeFsError(e);
}

/** Whether an error is a file system error (it has an errno code) rather than a bug. */
export const isFsError = (e: unknown): e is NodeJS.ErrnoException => typeof (e as NodeJS.ErrnoException)?.code === 'string' && /^E[A-Z0-9]+$/.test((e as NodeJS.ErrnoException).code!);
