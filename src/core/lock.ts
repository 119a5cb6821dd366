/**
 * A lock file per gateway directory, so two `setup` runs (or setup and `key create --save`)
 * never interleave their writes. A lock left by a dead process is taken over.
 */
import { constants } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EnvError } from './errors.js';
import type { Clock } from './clock.js';

export const LOCK_FILE = '.ai-gateway.lock';

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
      if (code !== 'EEXIST' && code !== 'ENOENT') throw error;
    } finally {
      await rm(temp, { force: true });
    }
    const holder = await readHolder(path);
    if (holder && !isAlive(holder.pid)) {
      await rm(path, { force: true }); // the holder died: its lock means nothing
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
