/**
 * A lock file per gateway directory, so two `setup` runs (or setup and `key create --save`)
 * never interleave their writes. A lock left by a dead process is taken over.
 */
import { constants } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
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
    try {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      await handle.writeFile(JSON.stringify({ pid: process.pid, purpose: options.purpose, since: new Date().toISOString() }));
      await handle.close();
      return { release: () => rm(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
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
