import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cacheVariant, codeCacheDir } from './load-dist.js';

// The loader runs in child processes (its caches are written when a process exits), built as
// bin/ai-gateway.js requires it: dist/load-dist.js (npm test builds before the tests run).
const loader = resolve(import.meta.dirname, '../../dist/load-dist.js');
const isRoot = process.getuid?.() === 0;

/** A bundle shaped like rolldown's CommonJS output: an entry, a chunk that requires it back, a dynamic import. */
async function fixtureBundle(): Promise<{ dist: string; cacheDir: string; work: string }> {
  const work = await mkdtemp(join(tmpdir(), 'aigw-load-dist-'));
  const dist = join(work, 'dist');
  mkdirSync(join(dist, 'chunks'), { recursive: true });
  writeFileSync(
    join(dist, 'cli.js'),
    [
      'const chunk = require("./chunks/double-abc123.js");',
      'exports.self = this === exports;',
      'exports.main = async () => {',
      '  const { text } = await import("node:stream/consumers");',
      '  return [chunk.double(21), chunk.sawEntry, typeof text, require("node:path").basename(__filename), exports.self].join(" ");',
      '};',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dist, 'chunks', 'double-abc123.js'), 'const entry = require("../cli.js");\nexports.sawEntry = typeof entry;\nexports.double = (n) => n * 2;\n');
  return { dist, cacheDir: join(work, 'cache', 'v'), work };
}

const EXPECTED = '42 object function cli.js true';

function runLoader(dist: string, cacheDir: string | null, extraArgs: string[] = []): Promise<{ code: number; stdout: string; stderr: string }> {
  const script = `const { loadDist } = require(${JSON.stringify(loader)});
const cli = loadDist(${JSON.stringify(join(dist, 'cli.js'))}, { cacheDir: ${JSON.stringify(cacheDir)}, variant: 'setup' });
cli.main().then((out) => console.log(out));`;
  return new Promise((done) => {
    execFile(process.execPath, [...extraArgs, '-e', script], (error, stdout, stderr) => done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
  });
}

const cacheFiles = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
const mode = (path: string) => statSync(path).mode & 0o777;

describe('loadDist (the bundle loaded with code caches made after the run)', () => {
  beforeAll(() => {
    if (!existsSync(loader)) throw new Error('dist/load-dist.js is missing: run "npm run build" (npm test does it)');
  });

  it('runs the bundle as Node would, then keeps one cache per file and command: directory 700, files 600', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    const first = await runLoader(dist, cacheDir);
    expect(first).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
    expect(cacheFiles(cacheDir)).toEqual(['cli.js.setup.v8cache', 'double-abc123.js.setup.v8cache']);
    expect(mode(cacheDir)).toBe(0o700);
    for (const file of cacheFiles(cacheDir)) expect(mode(join(cacheDir, file)), file).toBe(0o600);
  });

  it('uses an accepted cache without rewriting it', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    await runLoader(dist, cacheDir);
    const cache = join(cacheDir, 'cli.js.setup.v8cache');
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000); // whole seconds: mtimeMs compares exactly
    utimesSync(cache, past, past);
    const again = await runLoader(dist, cacheDir);
    expect(again).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
    expect(statSync(cache).mtimeMs).toBe(past.getTime());
  });

  it('never runs a cache made for another version of the file, even of the same length and modification time', async () => {
    // V8 itself compares only the length: a rebuild that renames a chunk (same length) would run the old code.
    const { dist, cacheDir } = await fixtureBundle();
    expect((await runLoader(dist, cacheDir)).stdout).toBe(`${EXPECTED}\n`);
    const chunk = join(dist, 'chunks', 'double-abc123.js');
    const { mtime } = statSync(chunk);
    const edited = readFileSync(chunk, 'utf8').replace('n * 2', 'n * 3');
    expect(edited.length).toBe(readFileSync(chunk, 'utf8').length);
    writeFileSync(chunk, edited);
    utimesSync(chunk, mtime, mtime); // as npm leaves every packed file: the same time for all
    expect((await runLoader(dist, cacheDir)).stdout).toBe(`${EXPECTED.replace('42', '63')}\n`);
    // ... and the cache now belongs to the new version
    expect((await runLoader(dist, cacheDir)).stdout).toBe(`${EXPECTED.replace('42', '63')}\n`);
  });

  it('replaces a cache V8 rejects (garbage, or made for other code) and still runs', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    await runLoader(dist, cacheDir);
    const cache = join(cacheDir, 'cli.js.setup.v8cache');
    writeFileSync(cache, Buffer.alloc(512, 7), { mode: 0o600 });
    const again = await runLoader(dist, cacheDir);
    expect(again).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
    expect(readFileSync(cache).equals(Buffer.alloc(512, 7))).toBe(false);
    expect(mode(cache)).toBe(0o600);
  });

  it('never reads a cache others can write; replaces it with its own at 600', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    await runLoader(dist, cacheDir);
    const cache = join(cacheDir, 'cli.js.setup.v8cache');
    writeFileSync(cache, Buffer.alloc(512, 7));
    chmodSync(cache, 0o666);
    expect(await runLoader(dist, cacheDir)).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
    expect(mode(cache)).toBe(0o600);
    expect(readFileSync(cache).equals(Buffer.alloc(512, 7))).toBe(false);
  });

  it('a cache directory open to others is not used: Node loads the bundle and nothing is written', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    mkdirSync(cacheDir, { recursive: true });
    chmodSync(cacheDir, 0o755);
    expect(await runLoader(dist, cacheDir)).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('with source maps on, Node loads the bundle (its stack traces map to src/) and no cache is written', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    expect(await runLoader(dist, cacheDir, ['--enable-source-maps'])).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
    expect(cacheFiles(cacheDir)).toEqual([]);
  });

  it('without a cache directory, Node loads the bundle', async () => {
    const { dist } = await fixtureBundle();
    expect(await runLoader(dist, null)).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
  });

  it('a file that throws while loading fails the run with its own error, naming the file', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    writeFileSync(join(dist, 'chunks', 'double-abc123.js'), 'throw new Error("chunk failed to load");\n');
    const failed = await runLoader(dist, cacheDir);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('chunk failed to load');
    expect(failed.stderr).toContain(join(dist, 'chunks', 'double-abc123.js'));
  });

  it('prunes caches of files no longer in the bundle and temporary files left by a killed run', async () => {
    const { dist, cacheDir } = await fixtureBundle();
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(cacheDir, 'double-old999.js.setup.v8cache'), 'x', { mode: 0o600 });
    const stale = join(cacheDir, 'cli.js.setup.v8cache.123.tmp');
    writeFileSync(stale, 'x', { mode: 0o600 });
    const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(stale, hoursAgo, hoursAgo);
    const fresh = join(cacheDir, 'cli.js.setup.v8cache.456.tmp');
    writeFileSync(fresh, 'x', { mode: 0o600 });
    expect(await runLoader(dist, cacheDir)).toMatchObject({ code: 0 });
    expect(cacheFiles(cacheDir)).toEqual(['cli.js.setup.v8cache', 'cli.js.setup.v8cache.456.tmp', 'double-abc123.js.setup.v8cache']);
  });

  it.skipIf(!isRoot)("as root, never reads a cache owned by another user (it could hold another user's code)", async () => {
    const { dist, cacheDir } = await fixtureBundle();
    await runLoader(dist, cacheDir);
    const cache = join(cacheDir, 'cli.js.setup.v8cache');
    writeFileSync(cache, Buffer.alloc(512, 7), { mode: 0o600 });
    const { chownSync } = await import('node:fs');
    chownSync(cache, 65534, 65534);
    expect(await runLoader(dist, cacheDir)).toMatchObject({ code: 0, stdout: `${EXPECTED}\n` });
    expect(statSync(cache).uid).toBe(0); // replaced by root's own
  });
});

describe('codeCacheDir and cacheVariant', () => {
  it('lives under XDG_CACHE_HOME, else ~/.cache, per Node version and CPU', () => {
    const tail = join('ai-gateway', 'code-cache', `${process.version}-${process.arch}`);
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x/cache', HOME: '/home/u' })).toBe(join('/x/cache', tail));
    expect(codeCacheDir({ HOME: '/home/u' })).toBe(join('/home/u', '.cache', tail));
  });

  it("is off with Node's NODE_DISABLE_COMPILE_CACHE or AI_GATEWAY_CODE_CACHE=0", () => {
    expect(codeCacheDir({ HOME: '/home/u', NODE_DISABLE_COMPILE_CACHE: '1' })).toBeNull();
    expect(codeCacheDir({ HOME: '/home/u', AI_GATEWAY_CODE_CACHE: '0' })).toBeNull();
  });

  it("names the command word, 'default' for anything else (a path, an option, nothing)", () => {
    expect(cacheVariant(['setup', '--yes'])).toBe('setup');
    expect(cacheVariant(['--json', 'key', 'create'])).toBe('key');
    expect(cacheVariant(['--help'])).toBe('default');
    expect(cacheVariant([])).toBe('default');
    expect(cacheVariant(['--dir', '/srv/gw', 'status'])).toBe('default');
    expect(cacheVariant(['../evil'])).toBe('default');
  });
});
