/**
 * Loads the bundle's CommonJS files (dist/cli.js and dist/chunks/) with a V8 code cache that is
 * made after the command has run, so it holds every function the command needed.
 *
 * Why not only Node's own compile cache (module.enableCompileCache, still on for everything else):
 * Node serialises a file's code right after compiling it, when V8 has compiled only the top level;
 * every function is then compiled again on each run when first called. For `setup` that is ~14 ms
 * of its ~105 ms (measured side by side, BENCHMARKS.md). node:vm's documented
 * `script.createCachedData()`, called after the run, includes the functions compiled meanwhile
 * (Node's vm docs show exactly this). No maintained package does that for CommonJS files
 * (v8-compile-cache also serialises at compile time), hence this small loader
 * (docs/architecture.md, "Written by hand").
 *
 * What it does not change: the files are the same CommonJS, run with the same five wrapper
 * arguments Node gives them; built-in modules and anything outside the bundle come from Node's own
 * require; with source maps on, Node's own loader runs the bundle (below). A missing, foreign,
 * stale or rejected cache only means compiling as Node would; a cache that cannot be written is
 * skipped. Caches are trusted code, so they are read only from a directory of the user's own (mode
 * 700) and only when the file is the user's and not writable by others; they are written at mode
 * 600 by rename, so a reader never sees half a file.
 *
 * Which source a cache belongs to is ours to check: V8 compares only the source's length (a
 * rebuild that changes a chunk name keeps it), and would then run the code the cache was made
 * from. Each cache starts with its file's stamp (size, inode, modification and change times in
 * nanoseconds: what git's index compares), taken before the file is read; a cache whose stamp
 * differs is not used. A hash of the content would cost loading node:crypto or node:zlib on every
 * run (2-4 ms, more than --help's whole budget).
 */
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { constants as vmConstants, Script } from 'node:vm';

export interface LoadDistOptions {
  /** Where the code caches live; null: Node's own loader runs the bundle. */
  cacheDir: string | null;
  /**
   * Which command this run is: each command keeps its own caches, holding the functions that
   * command ran (a cache made by `setup` would lack most of what `key create` needs).
   */
  variant: string;
}

interface LoadedModule {
  exports: unknown;
  id: string;
  filename: string;
}

interface PendingCache {
  file: string;
  script: Script;
  stamp: string;
}

type ModuleWrapper = (exports: unknown, require: (id: string) => unknown, module: LoadedModule, filename: string, dirname: string) => void;

/** Cache files kept per bundle file: one per command (variant); the oldest go beyond this. */
const MAX_VARIANTS = 32;
const CACHE_SUFFIX = '.v8cache';
/** What a cache file starts with, before its source's stamp (a new format gets a new prefix). */
const STAMP_PREFIX = 'ai-gateway code cache 1 ';

/**
 * Requires `entry` (a file of the bundle) and, through it, the bundle files it requires. Code
 * caches missing or rejected on this run are written when the process exits.
 */
export function loadDist(entry: string, options: LoadDistOptions): unknown {
  // Node's own loader runs the bundle when there is no cache to keep (it still has Node's compile
  // cache), and with --enable-source-maps: Node maps stack traces (a bug report's, pointing at
  // src/) only for the files its loader compiled.
  const cacheDir = options.cacheDir !== null && !process.sourceMapsEnabled && ownPrivateDirectory(options.cacheDir) ? options.cacheDir : null;
  if (cacheDir === null) return createRequire(resolve(entry))(resolve(entry));
  const modules = new Map<string, LoadedModule>();
  const toWrite: PendingCache[] = [];

  const load = (filename: string): unknown => {
    const known = modules.get(filename);
    if (known) return known.exports; // also a cycle's half-built exports, as Node does
    const module: LoadedModule = { exports: {}, id: filename, filename };
    modules.set(filename, module);
    // Stamped before it is read: a file changed in between gets a stamp its next run will not match.
    const stamp = sourceStamp(filename);
    const source = readFileSync(filename, 'utf8');
    const cacheFile = join(cacheDir, `${basename(filename)}.${options.variant}${CACHE_SUFFIX}`);
    const cachedData = cacheFor(readOwnFile(cacheFile), stamp);
    // The wrapper keeps line numbers (and so stack traces) as they are in the file.
    const script = new Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n})`, {
      filename,
      cachedData,
      // `import()` inside the bundle (node:stream/consumers) goes to Node's own loader.
      importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    if (cachedData === undefined || script.cachedDataRejected === true) toWrite.push({ file: cacheFile, script, stamp });
    let nodeRequire: NodeJS.Require | undefined;
    const require = (id: string): unknown => {
      // Bundle files name each other by relative path with their extension; everything else is Node's.
      if ((id.startsWith('./') || id.startsWith('../')) && id.endsWith('.js')) return load(resolve(dirname(filename), id));
      nodeRequire ??= createRequire(filename);
      return nodeRequire(id);
    };
    try {
      (script.runInThisContext() as ModuleWrapper).call(module.exports, module.exports, require, module, filename, dirname(filename));
    } catch (error) {
      modules.delete(filename); // as Node does: a file that failed is loaded afresh when required again
      throw error;
    }
    return module.exports;
  };

  process.once('exit', () => {
    if (toWrite.length > 0) writeCaches(cacheDir, toWrite, dirname(entry));
  });
  return load(resolve(entry));
}

/**
 * The directory for this Node's code caches: under $XDG_CACHE_HOME (or ~/.cache; %LOCALAPPDATA% on
 * Windows), per Node version and CPU (V8 rejects another version's cache anyway; apart, two Nodes
 * used in turn do not overwrite each other's). Null when caching is off: NODE_DISABLE_COMPILE_CACHE
 * (Node's own switch) or AI_GATEWAY_CODE_CACHE=0, or no home directory.
 */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | null {
  if (env.NODE_DISABLE_COMPILE_CACHE || env.AI_GATEWAY_CODE_CACHE === '0') return null;
  let base = env.XDG_CACHE_HOME?.trim() || (process.platform === 'win32' ? env.LOCALAPPDATA?.trim() : undefined);
  if (!base) {
    let home: string;
    try {
      home = env.HOME?.trim() || homedir();
    } catch {
      return null;
    }
    if (!home) return null;
    base = join(home, '.cache');
  }
  return join(base, 'ai-gateway', 'code-cache', `${process.version}-${process.arch}`);
}

/** The run's command word (`setup`, `key`, ...) as a cache variant; `default` for anything else. */
export function cacheVariant(args: readonly string[]): string {
  const word = args.find((arg) => !arg.startsWith('-'));
  return word !== undefined && /^[a-z][a-z0-9-]{0,31}$/.test(word) ? word : 'default';
}

/** Creates the directory (700) when missing; true only when it is the user's own and closed to others. */
function ownPrivateDirectory(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const stat = statSync(dir);
    if (!stat.isDirectory()) return false;
    if (process.platform === 'win32') return true; // per-user profile directory; no POSIX modes
    return stat.uid === process.geteuid?.() && (stat.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

/** The file's bytes, when it is a regular file of this user that nobody else can write; else undefined. */
function readOwnFile(file: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return undefined;
    if (process.platform !== 'win32' && (stat.uid !== process.geteuid?.() || (stat.mode & 0o022) !== 0)) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** The file's identity for its cache: size, inode, modification and change times (ns). */
function sourceStamp(file: string): string {
  const stat = statSync(file, { bigint: true });
  return `${STAMP_PREFIX}${stat.size}:${stat.ino}:${stat.mtimeNs}:${stat.ctimeNs}\n`;
}

/** The V8 data of a cache file made for the file with this stamp; undefined for any other. */
function cacheFor(cache: Buffer | undefined, stamp: string): Buffer | undefined {
  if (cache === undefined || cache.length <= stamp.length || cache.toString('latin1', 0, stamp.length) !== stamp) return undefined;
  return cache.subarray(stamp.length);
}

/** Writes each cache whole (temporary file, then rename) and prunes caches of files no longer in the bundle. */
function writeCaches(dir: string, caches: readonly PendingCache[], distDir: string): void {
  for (const { file, script, stamp } of caches) {
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, Buffer.concat([Buffer.from(stamp, 'latin1'), script.createCachedData()]), { mode: 0o600, flag: 'wx' });
      renameSync(temporary, file);
    } catch {
      rmSync(temporary, { force: true }); // a full disk or a lost race costs only the speed-up
    }
  }
  prune(dir, distDir);
}

/** Caches of bundle files that no longer exist (an upgrade renames every changed chunk) go; so do variants beyond MAX_VARIANTS per file. */
function prune(dir: string, distDir: string): void {
  try {
    const present = new Set([...readdirSync(distDir), ...readdirSync(join(distDir, 'chunks'))]);
    const variants = new Map<string, { name: string; mtimeMs: number }[]>();
    for (const name of readdirSync(dir)) {
      // A temporary file left by a run that was killed while writing (an hour is far beyond any write).
      if (name.endsWith('.tmp') && Date.now() - statSync(join(dir, name)).mtimeMs > 3_600_000) rmSync(join(dir, name), { force: true });
      const match = /^(.+\.js)\.[a-z0-9-]+\.v8cache$/.exec(name);
      if (!match) continue;
      const source = match[1] as string;
      if (!present.has(source)) {
        rmSync(join(dir, name), { force: true });
        continue;
      }
      variants.set(source, [...(variants.get(source) ?? []), { name, mtimeMs: statSync(join(dir, name)).mtimeMs }]);
    }
    for (const list of variants.values()) {
      for (const old of list.sort((a, b) => b.mtimeMs - a.mtimeMs).slice(MAX_VARIANTS)) rmSync(join(dir, old.name), { force: true });
    }
  } catch {
    // pruning is housekeeping: never a reason to fail a command
  }
}
