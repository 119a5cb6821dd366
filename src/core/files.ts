/**
 * Atomic, private file writes. The temp file is created with O_EXCL at mode 600 in the same
 * directory (so the rename is atomic and the content is never world-readable, not even for an
 * instant), flushed to disk, then renamed over the target. A crash at any point leaves the old
 * file or the new one, never a mix.
 */
import { constants } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { currentPlatform, type Platform } from './platform.js';

const TEMP_MARK = '.ai-gateway-tmp';

export interface FileSystem {
  readText(path: string): Promise<string | null>;
  writeAtomic(path: string, content: string, options?: { mode?: number }): Promise<void>;
  exists(path: string): Promise<boolean>;
  mode(path: string): Promise<number | null>;
  mkdirp(path: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export function createFileSystem(platform: Platform = currentPlatform): FileSystem {
  return {
    readText: readTextIfExists,
    writeAtomic: (path, content, options) => writeFileAtomic(path, content, { platform, mode: options?.mode }),
    exists: async (path) => (await statOrNull(path)) !== null,
    mode: async (path) => {
      const s = await statOrNull(path);
      return s ? s.mode & 0o777 : null;
    },
    mkdirp: async (path) => {
      await mkdir(path, { recursive: true });
    },
    remove: (path) => rm(path, { force: true, recursive: true }),
  };
}

export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function statOrNull(path: string) {
  try {
    return await stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export async function writeFileAtomic(
  path: string,
  content: string,
  options: { platform?: Platform; mode?: number | undefined } = {},
): Promise<void> {
  const platform = options.platform ?? currentPlatform;
  const mode = options.mode ?? platform.secretFileMode ?? 0o600;
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${TEMP_MARK}`);
  // O_EXCL: never follow or reuse a file someone planted at the temp name.
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    // The open() mode is filtered by the umask; chmod makes it exact before any byte is written.
    if (platform.secretFileMode !== null) await handle.chmod(mode);
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/** Persist the rename itself (best effort: not every platform lets you fsync a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Windows and some filesystems refuse; the rename is still atomic.
  }
}

/** Remove temp files a killed earlier run may have left behind in `dir`. */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => n.endsWith(TEMP_MARK));
  await Promise.all(stale.map((n) => rm(join(dir, n), { force: true })));
  return stale;
}
