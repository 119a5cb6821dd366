/**
 * A lock file per gateway directory, so two `setup` runs (or setup and `key create --save`)
 * never interleave their writes. A lock left by a dead process is taken over.
 */
import { constants, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvError } from './errors.js';
import type { Clock } from './clock.js';

export const LOCK_FILE = '.ai-gateway.lock';

/**
 * A lock we cannot read (empty, garbage) is stale once it is this old: ours are written whole
 * before they appear (link), so an unreadable one is never a run in progress for long.
 */
export const UNREADABLE_LOCK_STALE_MS = 10_000;
/**
 * A lock naming a live process that is not ai-gateway (its pid was reused after a crash) is stale
 * once it is this old. Where we cannot tell whose the process is (no /proc), a lock is trusted
 * for the longest a holder works under it (start: pulls and a health wait).
 */
export const FOREIGN_LOCK_STALE_MS = 60_000;
export const UNKNOWN_LOCK_STALE_MS = 2 * 60 * 60_000;

export interface Lock {
  release(): Promise<void>;
}

export async function acquireLock(
  dir: string,
  options: { clock: Clock; waitMs?: number; purpose: string },
): Promise<Lock> {
  const path = join(dir, LOCK_FILE);
  const deadline = options.clock.now() + (options.waitMs ?? 10_000);
  for (;;) {
    // Written in full under a temp name, then link()ed into place: link fails when the lock exists,
    // and a process killed at any point never leaves an empty lock file that nobody can judge.
    const temp = join(dir, `${LOCK_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.ai-gateway-tmp`);
    try {
      const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(JSON.stringify({ pid: process.pid, purpose: options.purpose, since: new Date().toISOString() }));
      } finally {
        await handle.close();
      }
      await link(temp, path).catch(async (error: NodeJS.ErrnoException) => {
        // A filesystem without hard links (FAT, some network mounts): create it in place instead.
        if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(error.code ?? '')) throw error;
        const direct = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
        try {
          await direct.writeFile(await readFile(temp));
        } finally {
          await direct.close();
        }
      });
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // ENOENT: our temp file was swept by a concurrent holder cleaning stale temp files; try again.
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new EnvError('DISK_FULL', `No space left to create the lock file in ${dir} (${code}). Nothing was changed.`, { hint: 'Free some disk space, then run the command again.', cause: error });
      }
      if (code !== 'EEXIST' && code !== 'ENOENT') throw error;
    } finally {
      await rm(temp, { force: true });
    }
    const holder = await readHolder(path);
    if (await isStale(path, holder)) {
      await rm(path, { force: true }); // the holder died (or never was ours): its lock means nothing
      continue;
    }
    if (options.clock.now() >= deadline) {
      throw new EnvError(
        'DIRECTORY_LOCKED',
        `Another ai-gateway process${holder ? ` (pid ${holder.pid}, ${holder.purpose})` : ''} is changing ${dir}.`,
        { hint: `Wait for it to finish, or if no such process exists remove ${path}.` },
      );
    }
    await options.clock.sleep(100);
  }
}

/** Stale: its process is gone, or by its age (unreadable, or naming a live process that is not ours). */
async function isStale(path: string, holder: { pid: number } | null): Promise<boolean> {
  if (holder && !isAlive(holder.pid)) return true;
  const age = await lockAge(path);
  if (age === null) return false; // gone already: the next attempt takes it
  if (!holder) return age > UNREADABLE_LOCK_STALE_MS;
  const ours = isOurProcess(holder.pid);
  if (ours === false) return age > FOREIGN_LOCK_STALE_MS;
  return ours === null && age > UNKNOWN_LOCK_STALE_MS;
}

/** Wall-clock age from the file's mtime: both sides are the filesystem's time, not the (injectable) run clock. */
async function lockAge(path: string): Promise<number | null> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return null;
  }
}

/** Is `pid` an ai-gateway (node) process? null where the platform cannot say (no /proc). */
function isOurProcess(pid: number): boolean | null {
  if (pid === process.pid) return true;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // Our own entry script (however the package is installed or named), or any ai-gateway.
    const entry = process.argv[1];
    return /ai-gateway|dist\/cli\.js/.test(cmdline) || (entry !== undefined && entry !== '' && cmdline.includes(entry));
  } catch {
    return null;
  }
}

async function readHolder(path: string): Promise<{ pid: number; purpose: string } | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as { pid?: unknown; purpose?: unknown };
    return typeof parsed.pid === 'number' ? { pid: parsed.pid, purpose: String(parsed.purpose ?? 'unknown') } : null;
  } catch {
    return null; // being written right now, or garbage: wait and look again
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
