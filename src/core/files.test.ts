import { chmod, mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from './files.js';

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
