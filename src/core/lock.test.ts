import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from './clock.js';
import { EnvError } from './errors.js';
import { acquireLock, LOCK_FILE } from './lock.js';

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
