/**
 * Faults while files are written, against the BUILT CLI:
 * - `setup` killed with SIGKILL at random points, many times: every file is the old or the new
 *   version (never torn, never missing), mode 600, and the next run leaves no temporary file;
 * - two setups at once: one waits or fails clearly (DIRECTORY_LOCKED / CONCURRENT_CHANGE), and
 *   the directory is wholly one version, never a mix.
 * No Docker needed: setup only writes files.
 */
import { spawn } from 'node:child_process';
import { existsSync, watch } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordFigures } from './figures.js';
import { assertBuilt, BIN, cleanEnv, jsonDoc, runCli } from './harness.js';

const FILES = ['.env', 'config.yaml', 'docker-compose.yml', 'docker-compose.override.yml', 'nginx/nginx.conf', '.gitignore'];
const REPEAT = Number(process.env.AI_GATEWAY_FAULT_REPEAT ?? 40);
const ROUNDS = 12;

/** Two settings that change .env, config.yaml and the override (profile → workers, budget → config). */
const VARIANTS = {
  a: ['--profile', 'small', '--budget', 'test'],
  b: ['--profile', 'large', '--budget', 'prod'],
} as const;
type Variant = keyof typeof VARIANTS;

type Snapshot = Record<string, string | null>;

async function snapshot(dir: string): Promise<Snapshot> {
  const result: Snapshot = {};
  for (const file of FILES) result[file] = existsSync(join(dir, file)) ? await readFile(join(dir, file), 'utf8') : null;
  return result;
}

async function modes(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const file of FILES) if (existsSync(join(dir, file))) result[file] = ((await stat(join(dir, file))).mode & 0o777).toString(8);
  return result;
}

async function leftovers(dir: string): Promise<string[]> {
  const names = [...(await readdir(dir)), ...(existsSync(join(dir, 'nginx')) ? (await readdir(join(dir, 'nginx'))).map((n) => `nginx/${n}`) : [])];
  return names.filter((n) => n.includes('.ai-gateway-tmp'));
}

async function setup(dir: string, variant: Variant, extra: string[] = []) {
  return runCli(['setup', '--yes', ...VARIANTS[variant], ...extra, '--dir', dir, '--json']);
}

/**
 * Start setup and SIGKILL it: either after `delayMs` from the spawn, or `delayMs` after the
 * directory lock appears (the write phase). Resolves with whether it was killed while holding the lock.
 */
function killedSetup(dir: string, variant: Variant, mode: 'spawn' | 'lock', delayMs: number): Promise<{ killed: boolean; duringWrite: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'setup', '--yes', ...VARIANTS[variant], '--dir', dir], { env: cleanEnv(), stdio: 'ignore' });
    let duringWrite = false;
    let timer: NodeJS.Timeout | undefined;
    const kill = () => {
      duringWrite = existsSync(join(dir, '.ai-gateway.lock'));
      child.kill('SIGKILL');
    };
    const watcher =
      mode === 'lock'
        ? watch(dir, (_event, name) => {
            if (name === '.ai-gateway.lock' && timer === undefined) timer = setTimeout(kill, delayMs);
          })
        : undefined;
    if (mode === 'spawn') timer = setTimeout(kill, delayMs);
    child.on('exit', (_code, signal) => {
      watcher?.close();
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', duringWrite });
    });
  });
}

let states: Record<Variant, Snapshot>;
let fullRunMs = 0;

beforeAll(async () => {
  assertBuilt();
  // Learn what each version of every file looks like (same secrets and ports: they are kept).
  const dir = await mkdtemp(join(tmpdir(), 'aigw-faults-versions-'));
  const started = Date.now();
  const first = await setup(dir, 'a', ['--ports', 'random']);
  fullRunMs = Date.now() - started;
  expect(first.exitCode, first.stderr).toBe(0);
  const a = await snapshot(dir);
  // The killed runs change an existing gateway, which is quicker than the first run: time one of them.
  const rerunStarted = Date.now();
  expect((await setup(dir, 'b')).exitCode).toBe(0);
  fullRunMs = Math.min(fullRunMs, Date.now() - rerunStarted);
  const b = await snapshot(dir);
  expect((await setup(dir, 'a')).exitCode).toBe(0);
  expect(await snapshot(dir), 'setup renders the same files for the same settings').toEqual(a);
  for (const file of ['.env', 'config.yaml', 'docker-compose.override.yml']) expect(a[file], `${file} differs between the versions`).not.toEqual(b[file]);
  states = { a, b };
  template = dir;
}, 120_000);

let template = '';
/** Every directory this file made, removed at the end. */
const made: string[] = [];
afterAll(async () => {
  for (const dir of [template, ...made]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe('setup killed with SIGKILL at random points', () => {
  it(`leaves every file old or new, mode 600, nothing lost, no temp file after the next run (${REPEAT} kills)`, async () => {
    const { execFile } = await import('node:child_process');
    const dir = await mkdtemp(join(tmpdir(), 'aigw-faults-kill-'));
    made.push(dir);
    await new Promise<void>((resolve, reject) => execFile('cp', ['-a', `${template}/.`, dir], (e) => (e ? reject(e) : resolve())));
    let current: Variant = 'a';
    const tally = { kills: 0, duringWrite: 0, finishedFirst: 0 };
    for (let i = 0; i < REPEAT; i++) {
      const next: Variant = current === 'a' ? 'b' : 'a';
      // Half the kills at a random moment of the whole run, half inside the write phase.
      const mode = i % 2 === 0 ? 'spawn' : 'lock';
      // Inside the write phase: it lasts a few milliseconds, so the kill follows the lock within 0-5 ms.
      const delay = mode === 'spawn' ? Math.floor(Math.random() * fullRunMs * 0.9) : Math.floor(Math.random() * 6);
      const outcome = await killedSetup(dir, next, mode, delay);
      if (outcome.killed) tally.kills++;
      else tally.finishedFirst++;
      if (outcome.duringWrite) tally.duringWrite++;

      const after = await snapshot(dir);
      for (const file of FILES) {
        const allowed = [states[current][file], states[next][file]];
        expect(after[file], `kill ${i}: ${file} is neither the old nor the new version`).not.toBeNull();
        expect(allowed, `kill ${i} (${mode} +${delay} ms): ${file} is neither the old nor the new version`).toContain(after[file]);
      }
      expect(Object.values(await modes(dir)).every((m) => m === '600'), `kill ${i}: a file is not mode 600`).toBe(true);

      // The next run completes the change and leaves nothing behind (a stale lock of a dead process is taken over).
      const rerun = await setup(dir, next);
      expect(rerun.exitCode, `rerun after kill ${i}: ${rerun.stderr}`).toBe(0);
      expect(await snapshot(dir)).toEqual(states[next]);
      expect(await leftovers(dir), `kill ${i}: temporary files survived the next run`).toEqual([]);
      expect(existsSync(join(dir, '.ai-gateway.lock'))).toBe(false);
      current = next;
    }
    console.log(`[faults] setup SIGKILLed ${tally.kills} times (${tally.duringWrite} while holding the lock, i.e. writing; ${tally.finishedFirst} runs finished before the kill): 0 torn files, 0 files lost`);
    expect(tally.kills, 'most runs were killed').toBeGreaterThanOrEqual(REPEAT * 0.5);
    expect(tally.duringWrite).toBeGreaterThan(0);
    // Reached only when every kill left old-or-new files: nothing torn, nothing lost.
    await recordFigures('setup-kills', import.meta.filename, { runs: REPEAT, killed: tally.kills, killedWhileWriting: tally.duringWrite, finishedFirst: tally.finishedFirst, tornFiles: 0 });
  }, 600_000);
});

describe('two setups at once', () => {
  it('one waits or fails clearly, and the directory is wholly one version, never a mix', async () => {
    const { execFile } = await import('node:child_process');
    const results: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const dir = await mkdtemp(join(tmpdir(), 'aigw-faults-race-'));
      made.push(dir);
      if (round % 2 === 1) await new Promise<void>((resolve, reject) => execFile('cp', ['-a', `${template}/.`, dir], (e) => (e ? reject(e) : resolve())));
      const fresh = round % 2 === 0;
      const extra = fresh ? ['--ports', 'random'] : [];
      const [one, two] = await Promise.all([setup(dir, 'a', extra), setup(dir, 'b', extra)]);
      const outcomes = [one, two].map((r) => (r.exitCode === 0 ? 'ok' : (jsonDoc(r) as { error: { code: string } }).error.code));
      results.push(outcomes.join('+'));
      for (const r of [one, two]) {
        if (r.exitCode === 0) continue;
        const doc = jsonDoc(r) as { error: { code: string; message: string; hint: string } };
        expect(r.exitCode).toBe(3);
        expect(['DIRECTORY_LOCKED', 'CONCURRENT_CHANGE']).toContain(doc.error.code);
        expect(doc.error.message).toMatch(/Another ai-gateway process|changed while setup was running; nothing was written/);
        expect(doc.error.hint).toMatch(/setup again|Wait for it to finish/);
      }
      expect(outcomes).toContain('ok');
      const final = await snapshot(dir);
      // Wholly one version: every file of the same setup run.
      const env = final['.env'] ?? '';
      const profile = /^RESOURCE_PROFILE=(\w+)$/m.exec(env)?.[1];
      expect(['small', 'large']).toContain(profile);
      // (the comment names the profile: its worker count depends on this machine's CPUs, which cap it)
      expect(final['docker-compose.override.yml']).toContain(`resource profile: ${profile} (`);
      expect(final['config.yaml']).toContain(profile === 'small' ? 'max_budget: 15' : 'max_budget: 200');
      if (!fresh) expect(final).toEqual(profile === 'small' ? states.a : states.b);
      expect(Object.values(await modes(dir)).every((m) => m === '600')).toBe(true);
      expect(await leftovers(dir)).toEqual([]);
    }
    console.log(`[faults] two setups at once, ${ROUNDS} rounds: ${results.join(', ')}; 0 mixed directories`);
    await recordFigures('setup-races', import.meta.filename, { rounds: ROUNDS, mixedDirectories: 0 });
  }, 300_000);
});
