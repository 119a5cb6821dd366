import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import { EnvError } from './errors.js';
import { acquireLock, FOREIGN_LOCK_STALE_MS, LOCK_FILE, UNKNOWN_LOCK_STALE_MS, UNREADABLE_LOCK_STALE_MS } from './lock.js';

describe('acquireLock', () => {
  it('lets one holder in at a time and fails clearly after the wait', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
    const first = await acquireLock(dir, { clock: systemClock, purpose: 'setup' });
    const second = acquireLock(dir, { clock: systemClock, purpose: 'setup', waitMs: 300 });
    await expect(second).rejects.toBeInstanceOf(EnvError);
    await expect(second).rejects.toThrow(new RegExp(`pid ${process.pid}, setup`));
    await first.release();
    const third = await acquireLock(dir, { clock: systemClock, purpose: 'setup' });
    await third.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('waits for the holder to finish', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
    const first = await acquireLock(dir, { clock: systemClock, purpose: 'a' });
    setTimeout(() => void first.release(), 200);
    const second = await acquireLock(dir, { clock: systemClock, purpose: 'b', waitMs: 5_000 });
    await second.release();
  });

  it('takes over a lock whose process is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 22 + 12345, purpose: 'dead' }));
    const lock = await acquireLock(dir, { clock: systemClock, purpose: 'setup', waitMs: 100 });
    await lock.release();
  });
});

describe('acquireLock: stale locks by their age', () => {
  const old = async (path: string, ms: number) => {
    const then = new Date(Date.now() - ms);
    await utimes(path, then, then);
  };

  for (const [what, content] of [
    ['empty', ''],
    ['garbage', 'not json {'],
  ] as const) {
    it(`takes over an ${what} lock file once it is older than a few seconds, and waits on a fresh one`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
      await writeFile(join(dir, LOCK_FILE), content);
      await expect(acquireLock(dir, { clock: systemClock, purpose: 'setup', waitMs: 200 })).rejects.toMatchObject({ code: 'DIRECTORY_LOCKED' });
      await old(join(dir, LOCK_FILE), UNREADABLE_LOCK_STALE_MS + 1_000);
      const lock = await acquireLock(dir, { clock: systemClock, purpose: 'setup', waitMs: 200 });
      await lock.release();
    });
  }

  it.skipIf(!existsSync('/proc/self/cmdline'))('takes over an old lock naming a live process that is not ai-gateway (a reused pid)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: sleeper.pid, purpose: 'setup', since: new Date().toISOString() }));
      await expect(acquireLock(dir, { clock: systemClock, purpose: 'setup', waitMs: 200 })).rejects.toMatchObject({ code: 'DIRECTORY_LOCKED' });
      await old(join(dir, LOCK_FILE), FOREIGN_LOCK_STALE_MS + 1_000);
      const lock = await acquireLock(dir, { clock: systemClock, purpose: 'setup', waitMs: 200 });
      await lock.release();
    } finally {
      sleeper.kill();
    }
  });

  it('never takes over an old lock held by this very process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, purpose: 'start' }));
    await old(join(dir, LOCK_FILE), UNKNOWN_LOCK_STALE_MS + 1_000);
    await expect(acquireLock(dir, { clock: systemClock, purpose: 'setup', waitMs: 200 })).rejects.toMatchObject({ code: 'DIRECTORY_LOCKED' });
  });
});
