// A lock on a file that one process at a time appends to (a batch output): `OUTPUT.lock` next to
// it, created exclusively (O_EXCL), holding the owner's pid, host and process start time.
//
// Node has no flock(2), so the lock is a file, and a process killed while it holds one leaves it
// behind. Such a lock is stale when its owner is on this host and no longer runs (kill(pid, 0)
// says ESRCH, or the pid now belongs to a process started at another time: pids are reused);
// a stale lock is taken over at once, so a killed run never blocks the next one. Two processes
// that find the same stale lock both try to take it over; the takeover renames the lock to a
// name of its own first and checks that what it renamed is the stale lock it read, so only one
// wins and a fresh lock renamed by mistake is put back. A lock from another host (a shared
// file system) cannot be checked and is never broken: the message says which file to remove.
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
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await tryCreate(lockFile, me)) return { ok: true, file: lockFile, release };
    let content: string;
    let mtimeMs: number;
    try {
      content = await fs.readFile(lockFile, 'utf8');
      mtimeMs = (await fs.stat(lockFile)).mtimeMs;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // released meanwhile
      throw e;
    }
    const owner = parseOwner(content);
    const alive = owner ? ownerAlive(owner) : Date.now() - mtimeMs < UNREADABLE_GRACE_MS;
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
    // stale: take it over without removing a fresh lock that another process made meanwhile
    const aside = `${lockFile}.stale.${process.pid}.${Math.random().toString(36).slice(2, 10)}`;
    try {
      await fs.rename(lockFile, aside);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw e;
    }
    const moved = await fs.readFile(aside, 'utf8').catch(() => '');
    if (moved !== content) {
      // another process took the stale lock over first and this rename moved its fresh one: give it back
      await fs.link(aside, lockFile).catch(() => undefined);
    }
    await fs.rm(aside, { force: true });
  }
  return { ok: false, message: `${what} ${file} is locked (${lockFile}) and the lock keeps changing hands; run again` };
}
