import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePrivateDirectory, removeStaleTempFiles, writeFileAtomic, writeFilesAtomic, type CommitSteps } from './files.js';

const posix = process.platform !== 'win32';
const modeOf = async (p: string) => (await stat(p)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('creates a file at mode 600 whatever the umask', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-files-'));
    const previous = process.umask(0o000);
    try {
      await writeFileAtomic(join(dir, '.env'), 'A=1\n');
    } finally {
      process.umask(previous);
    }
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=1\n');
    if (posix) expect(await modeOf(join(dir, '.env'))).toBe(0o600);
  });

  it('replaces a 644 file with a 600 one and leaves no temp file behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-files-'));
    const path = join(dir, 'config.yaml');
    await writeFile(path, 'old');
    await chmod(path, 0o644);
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    if (posix) expect(await modeOf(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['config.yaml']);
  });

  it.skipIf(!posix || process.getuid?.() === 0)('fails in a read-only directory and leaves the old file intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-files-'));
    const path = join(dir, '.env');
    await writeFile(path, 'old');
    await chmod(dir, 0o500);
    try {
      await expect(writeFileAtomic(path, 'new')).rejects.toMatchObject({ code: 'EACCES' });
    } finally {
      await chmod(dir, 0o700);
    }
    expect(await readFile(path, 'utf8')).toBe('old');
  });

  it('cleans temp files an interrupted run left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-files-'));
    await writeFile(join(dir, '.env.123.abcd.ai-gateway-tmp'), 'half');
    await writeFile(join(dir, 'keep.txt'), 'x');
    expect(await removeStaleTempFiles(dir)).toEqual(['.env.123.abcd.ai-gateway-tmp']);
    expect(await readdir(dir)).toEqual(['keep.txt']);
  });
});

describe('writeFilesAtomic: one change across several files', () => {
  const NAMES = ['.env', 'config.yaml', 'docker-compose.override.yml'];

  async function oldGateway(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-commit-'));
    for (const name of NAMES) await writeFile(join(dir, name), `old ${name}`, { mode: 0o600 });
    await chmod(join(dir, 'config.yaml'), 0o640); // a mode of its own, to be restored as it was
    return dir;
  }
  const newFiles = (dir: string) => [...NAMES, 'nginx.conf'].map((name) => ({ path: join(dir, name), content: `new ${name}` }));
  const state = async (dir: string) => Object.fromEntries(await Promise.all((await readdir(dir)).sort().map(async (n) => [n, `${await readFile(join(dir, n), 'utf8')} ${(await modeOf(join(dir, n))).toString(8)}`])));

  it('writes every file at 600 and leaves no temp file', async () => {
    const dir = await oldGateway();
    await writeFilesAtomic(newFiles(dir));
    expect(await readdir(dir)).toEqual(expect.arrayContaining([...NAMES, 'nginx.conf']));
    expect((await readdir(dir)).length).toBe(4);
    for (const name of [...NAMES, 'nginx.conf']) expect(await readFile(join(dir, name), 'utf8')).toBe(`new ${name}`);
    if (posix) expect(await modeOf(join(dir, 'config.yaml'))).toBe(0o600);
  });

  it('a failure at any step leaves every file old (content and mode) and no temp file behind', async () => {
    // Count the steps of a successful commit, then fail each one in turn.
    let total = 0;
    const counting = (name: keyof CommitSteps) => async (...args: unknown[]) => {
      total++;
      return (real[name] as (...a: unknown[]) => Promise<unknown>)(...args);
    };
    const real = await import('node:fs/promises');
    const stepNames: (keyof CommitSteps)[] = ['open', 'link', 'copyFile', 'rename'];
    await writeFilesAtomic(newFiles(await oldGateway()), { steps: Object.fromEntries(stepNames.map((n) => [n, counting(n)])) as Partial<CommitSteps> });
    expect(total).toBe(4 + 3 + 4); // 4 temps, 3 old files kept, 4 renames

    for (let failAt = 1; failAt <= total; failAt++) {
      const dir = await oldGateway();
      const before = await state(dir);
      let n = 0;
      const failing = (name: keyof CommitSteps) => async (...args: unknown[]) => {
        if (++n === failAt) throw Object.assign(new Error(`ENOSPC: no space left on device (step ${failAt}, ${name})`), { code: 'ENOSPC' });
        return (real[name] as (...a: unknown[]) => Promise<unknown>)(...args);
      };
      const steps = Object.fromEntries(stepNames.map((name) => [name, failing(name)])) as Partial<CommitSteps>;
      await expect(writeFilesAtomic(newFiles(dir), { steps }), `step ${failAt}`).rejects.toMatchObject({ code: 'ENOSPC' });
      expect(await state(dir), `failure at step ${failAt}`).toEqual(before);
    }
  });

  it('a target that turned into a directory fails before anything is renamed', async () => {
    const dir = await oldGateway();
    await rm(join(dir, 'config.yaml'));
    await mkdir(join(dir, 'config.yaml'));
    const before = await readdir(dir);
    await expect(writeFilesAtomic(newFiles(dir))).rejects.toMatchObject({ code: 'EISDIR' });
    expect((await readdir(dir)).sort()).toEqual(before.sort());
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('old .env');
  });

  it('skips a temp name that is already taken', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-commit-'));
    const real = await import('node:fs/promises');
    let first = true;
    const open: CommitSteps['open'] = async (path, flags, mode) => {
      if (first) {
        first = false;
        await writeFile(path, 'planted'); // someone took the name between our choice and the open
      }
      return real.open(path, flags, mode);
    };
    await writeFilesAtomic([{ path: join(dir, '.env'), content: 'A=1\n' }], { steps: { open } });
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe('A=1\n');
    const left = (await readdir(dir)).filter((n) => n !== '.env');
    expect(left).toHaveLength(1); // the planted file is not ours: left alone, never written through
    expect(await readFile(join(dir, left[0] as string), 'utf8')).toBe('planted');
  });
});

describe('makePrivateDirectory', () => {
  it.skipIf(!posix)('creates every missing level at 700 even under umask 000, and leaves existing ones alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-mkdir-'));
    await chmod(dir, 0o755);
    const previous = process.umask(0o000);
    try {
      await makePrivateDirectory(join(dir, 'a', 'b'));
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(join(dir, 'a'))).toBe(0o700);
    expect(await modeOf(join(dir, 'a', 'b'))).toBe(0o700);
    expect(await modeOf(dir)).toBe(0o755);
  });
});

describe('removeStaleTempFiles', () => {
  it('leaves a directory that carries the temp mark alone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-files-'));
    await mkdir(join(dir, '.env.1.abcd.ai-gateway-tmp'));
    expect(await removeStaleTempFiles(dir)).toEqual([]);
    expect(await readdir(dir)).toEqual(['.env.1.abcd.ai-gateway-tmp']);
  });
});
