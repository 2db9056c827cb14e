// A lock on a file that one process at a time appends to (a batch output): `OUTPUT.lock` next to
// it, created exclusively (O_EXCL), holding the owner's pid, host and process start time.
//
// Node has no flock(2), so the lock is a file, and a process killed while it holds one leaves it
// behind. Such a lock is stale when its owner is on this host and no longer runs (kill(pid, 0)
// says ESRCH, or the pid now belongs to a process started at another time: pids are reused);
// a stale lock is taken over at once, so a killed run never blocks the next one. Many processes
// may find the same stale lock at once; only the one holding the breaker (`OUTPUT.lock.break`,
// also created exclusively) removes a lock, and only after reading it again and finding the
// same stale content, so no process ever removes a lock another one has just taken. The others
// wait for the breaker to go and try again. The breaker is held for two file operations; one
// left by a process killed in between is removed once it is older than a few seconds. A lock
// from another host (a shared file system) cannot be checked and is never broken: the message
// says which file to remove.
import { promises as fs, readFileSync } from 'node:fs';
import * as os from 'node:os';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** The owner's start time in clock ticks since boot (Linux /proc/PID/stat), when known. */
  readonly start?: number;
  readonly since: string;
}

export type Lock =
  | { readonly ok: true; readonly file: string; release(): Promise<void> }
  | { readonly ok: false; readonly message: string };

export const lockFileOf = (file: string): string => `${file}.lock`;

/** A process's start time (field 22 of /proc/PID/stat), or undefined where there is no /proc. */
export function processStart(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // the command name (field 2) is in parentheses and may hold spaces and parentheses itself
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : undefined;
  } catch {
    return undefined;
  }
}

function parseOwner(content: string): LockOwner | undefined {
  try {
    const v = JSON.parse(content) as Partial<LockOwner>;
    if (Number.isInteger(v.pid) && typeof v.host === 'string' && typeof v.since === 'string') return v as LockOwner;
  } catch {
    // not a lock this module wrote (or one cut off while it was written)
  }
  return undefined;
}

/** Whether the owner of a lock still runs; undefined when this host cannot tell (another host). */
export function ownerAlive(owner: LockOwner): boolean | undefined {
  if (owner.host !== os.hostname()) return undefined;
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    // EPERM: it runs, as another user
  }
  if (owner.start !== undefined) {
    const start = processStart(owner.pid);
    if (start !== undefined && start !== owner.start) return false;
  }
  return true;
}

/** A lock file too young to judge when it cannot be read (its owner may be writing it). */
const UNREADABLE_GRACE_MS = 10_000;

/** A breaker older than this was left by a process killed while it held it. */
const BREAKER_STALE_MS = 5_000;
/** Tries before giving up on a lock that keeps changing hands; each waits a little when busy. */
const MAX_ATTEMPTS = 200;
const BUSY_WAIT_MS = 10;

const pause = (ms: number): Promise<void> => new Promise((res) => setTimeout(res, ms));

/** A lock file as read: the same file when all three match (an inode number alone is reused). */
interface LockSeen {
  readonly content: string;
  readonly ino: number;
  readonly mtimeMs: number;
}

/**
 * Removes `lockFile` if it is still the stale one that was `seen`, under the breaker; returns
 * when this process has done so, or when another holds the breaker (after a short wait), or when
 * the lock has changed meanwhile. The caller then tries to create the lock again.
 */
async function breakStale(lockFile: string, seen: LockSeen): Promise<void> {
  const breaker = `${lockFile}.break`;
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(breaker, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const age = await fs.stat(breaker).then(
      (st) => Date.now() - st.mtimeMs,
      () => 0,
    );
    if (age > BREAKER_STALE_MS) await fs.rm(breaker, { force: true });
    else await pause(BUSY_WAIT_MS);
    return;
  }
  try {
    await handle.close();
    const [content, st] = await Promise.all([fs.readFile(lockFile, 'utf8'), fs.stat(lockFile)]).catch(() => [undefined, undefined]);
    if (content === seen.content && st?.ino === seen.ino && st.mtimeMs === seen.mtimeMs) await fs.rm(lockFile, { force: true });
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

async function tryCreate(lockFile: string, owner: LockOwner): Promise<boolean> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(lockFile, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    await handle.writeFile(JSON.stringify(owner) + '\n');
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * Takes the lock on `file` for this process, or says in words who holds it. `what` names the
 * file for the message ("the batch output"). File system errors other than an existing lock are
 * thrown (the caller words them).
 */
export async function acquireLock(file: string, what = 'the file'): Promise<Lock> {
  const lockFile = lockFileOf(file);
  const start = processStart(process.pid);
  const me: LockOwner = {
    pid: process.pid,
    host: os.hostname(),
    ...(start !== undefined ? { start } : {}),
    since: new Date().toISOString(),
  };
  const release = async (): Promise<void> => {
    // only our own lock is removed (a lock broken as stale and taken by another stays)
    const now = await fs.readFile(lockFile, 'utf8').catch(() => '');
    if (parseOwner(now)?.pid === me.pid && parseOwner(now)?.since === me.since) await fs.rm(lockFile, { force: true });
  };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (await tryCreate(lockFile, me)) return { ok: true, file: lockFile, release };
    let content: string;
    let seen: LockSeen;
    try {
      content = await fs.readFile(lockFile, 'utf8');
      const st = await fs.stat(lockFile);
      seen = { content, ino: st.ino, mtimeMs: st.mtimeMs };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw e;
    }
    const owner = parseOwner(content);
    const alive = owner ? ownerAlive(owner) : Date.now() - seen.mtimeMs < UNREADABLE_GRACE_MS;
    if (alive === undefined) {
      return {
        ok: false,
        message: `${what} ${file} is locked by a run on another computer (${owner!.host}, process ${owner!.pid}, since ${owner!.since}); if that run is over, remove ${lockFile}`,
      };
    }
    if (alive) {
      const who = owner ? `process ${owner.pid}, since ${owner.since}` : 'a process that is starting';
      return {
        ok: false,
        message: `${what} ${file} is being written by another run (${who}); wait for it to finish, or stop it, then run again`,
      };
    }
    await breakStale(lockFile, seen);
  }
  return { ok: false, message: `${what} ${file} is locked (${lockFile}) and the lock keeps changing hands; run again` };
}
