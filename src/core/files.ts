/**
 * Atomic, private file writes. The temp file is created with O_EXCL at mode 600 in the same
 * directory (so the rename is atomic and the content is never world-readable, not even for an
 * instant), flushed to disk, then renamed over the target. A crash at any point leaves the old
 * file or the new one, never a mix.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, link, lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { currentPlatform, type Platform } from './platform.js';

const TEMP_MARK = '.ai-gateway-tmp';

/** One file of a multi-file commit. Bytes are written as they are (a `.env` that is not UTF-8). */
export interface AtomicFile {
  path: string;
  content: string | Uint8Array;
  /** Default: the platform's secret mode (600). */
  mode?: number | undefined;
}

export interface FileSystem {
  readText(path: string): Promise<string | null>;
  /** The raw bytes, or null when the file does not exist. */
  readBytes(path: string): Promise<Uint8Array | null>;
  writeAtomic(path: string, content: string, options?: { mode?: number }): Promise<void>;
  /** Several files as one change: every file old, or every file new (see writeFilesAtomic). */
  writeAllAtomic(files: AtomicFile[]): Promise<void>;
  exists(path: string): Promise<boolean>;
  mode(path: string): Promise<number | null>;
  mkdirp(path: string): Promise<void>;
  remove(path: string): Promise<void>;
}

export function createFileSystem(platform: Platform = currentPlatform): FileSystem {
  return {
    readText: readTextIfExists,
    readBytes: async (path) => {
      try {
        return await readFile(path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    writeAtomic: (path, content, options) => writeFileAtomic(path, content, { platform, mode: options?.mode }),
    writeAllAtomic: (files) => writeFilesAtomic(files, { platform }),
    exists: async (path) => (await statOrNull(path)) !== null,
    mode: async (path) => {
      const s = await statOrNull(path);
      return s ? s.mode & 0o777 : null;
    },
    mkdirp: makePrivateDirectory,
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
  const temp = await writeTemp(path, content, options.mode ?? platform.secretFileMode ?? 0o600, platform, defaultSteps);
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** The file operations a multi-file commit makes, injectable so tests can fail each step in turn. */
export interface CommitSteps {
  open: typeof open;
  link: typeof link;
  copyFile: typeof copyFile;
  rename: typeof rename;
  rm: typeof rm;
}

const defaultSteps: CommitSteps = { open, link, copyFile, rename, rm };

function tempName(path: string, tag = ''): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}${tag}${TEMP_MARK}`);
}

/** A new temp file next to `path`, at `mode`, written and flushed. Returns its name. */
async function writeTemp(path: string, content: string | Uint8Array, mode: number, platform: Platform, steps: CommitSteps): Promise<string> {
  // O_EXCL: never follow or reuse a file someone planted at the temp name; a name taken (by chance
  // or on purpose) is skipped for another random one.
  for (let attempt = 1; ; attempt++) {
    const temp = tempName(path);
    let handle;
    try {
      handle = await steps.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 5) continue;
      throw error;
    }
    try {
      // The open() mode is filtered by the umask; chmod makes it exact before any byte is written.
      if (platform.secretFileMode !== null) await handle.chmod(mode);
      await (typeof content === 'string' ? handle.writeFile(content, 'utf8') : handle.writeFile(content));
      await handle.sync();
    } catch (error) {
      await handle.close().catch(() => {});
      await steps.rm(temp, { force: true });
      throw error;
    }
    await handle.close();
    return temp;
  }
}

/**
 * Several files as one change. Every new content is written to a temp file and flushed first;
 * only then is each old file kept under a temp name (a hard link: no copy, no window where the
 * path is missing) and each temp renamed into place. A failure at any step puts every file back as
 * it was (old content, old mode) and removes every temp file, so the directory holds all the old
 * files or all the new ones. (A process killed between two renames is the one case this cannot
 * undo; the window is a few renames long.)
 */
export async function writeFilesAtomic(files: AtomicFile[], options: { platform?: Platform; steps?: Partial<CommitSteps> } = {}): Promise<void> {
  const platform = options.platform ?? currentPlatform;
  const steps: CommitSteps = { ...defaultSteps, ...options.steps };
  const temps: string[] = [];
  const kept: (string | null)[] = [];
  let renamed = 0;
  try {
    // The temps are written concurrently: the filesystem journal commits their fsyncs together
    // instead of one after another (several times faster on a real disk).
    const written = await Promise.allSettled(files.map((file) => writeTemp(file.path, file.content, file.mode ?? platform.secretFileMode ?? 0o600, platform, steps)));
    for (const outcome of written) if (outcome.status === 'fulfilled') temps.push(outcome.value);
    const failed = written.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
    for (const file of files) kept.push(await keepOld(file.path, steps));
    for (const [i, file] of files.entries()) {
      await steps.rename(temps[i] as string, file.path);
      renamed++;
    }
  } catch (error) {
    // Undo in reverse: each renamed file gets its old self back (or goes, when it is new).
    for (let i = renamed - 1; i >= 0; i--) {
      const old = kept[i];
      const path = (files[i] as AtomicFile).path;
      await (old ? steps.rename(old, path) : steps.rm(path, { force: true })).catch(() => {});
    }
    for (const leftover of [...temps.slice(renamed), ...kept.slice(renamed)]) if (leftover) await steps.rm(leftover, { force: true }).catch(() => {});
    throw error;
  }
  for (const old of kept) if (old) await steps.rm(old, { force: true });
  for (const dir of new Set(files.map((f) => dirname(f.path)))) await syncDirectory(dir);
}

/** A second name for the current file (null when there is none), so a failed commit can restore it. */
async function keepOld(path: string, steps: CommitSteps): Promise<string | null> {
  const s = await lstatOrNull(path);
  if (s === null) return null;
  if (s.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, open '${path}'`), { code: 'EISDIR', path });
  const keep = tempName(path, '.old');
  try {
    await steps.link(path, keep);
  } catch (error) {
    // A filesystem without hard links (FAT, some network mounts): a copy (copyFile keeps the mode).
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    await steps.copyFile(path, keep, constants.COPYFILE_EXCL);
  }
  return keep;
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * mkdir -p where every directory created is 700 whatever the umask (directories that already
 * exist keep their mode).
 */
export async function makePrivateDirectory(path: string): Promise<void> {
  const first = await mkdir(path, { recursive: true, mode: 0o700 });
  if (first === undefined || process.platform === 'win32') return;
  // The mode given to mkdir is filtered by the umask: make each new level exact.
  for (let dir = path; ; dir = dirname(dir)) {
    await chmod(dir, 0o700);
    if (dir === first || dirname(dir) === dir) break;
  }
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
  const stale: string[] = [];
  for (const name of names.filter((n) => n.endsWith(TEMP_MARK))) {
    // Only files: a directory that happens to carry our mark is not ours to delete.
    const s = await lstatOrNull(join(dir, name)).catch(() => null);
    if (s === null || s.isDirectory()) continue;
    await rm(join(dir, name), { force: true });
    stale.push(name);
  }
  return stale;
}
