/** A Context made of fakes and captured output, for handler tests. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Context, StackStateProbe } from '../core/context.js';
import { createFileSystem } from '../core/files.js';
import { nodeFetch } from '../core/http.js';
import { Output } from '../core/output.js';
import { currentPlatform } from '../core/platform.js';
import { NonInteractivePrompts, type Prompts } from '../core/prompts.js';
import type { RandomSource } from '../core/random.js';
import type { DockerClient } from '../core/docker-client.js';
import type { SystemdHost } from '../core/systemd-host.js';

export interface Captured {
  stdout: string[];
  stderr: string[];
  /** Everything printed, joined (for "no secret appears" assertions). */
  all(): string;
}

export interface TestContext extends Context {
  captured: Captured;
}

/** Deterministic bytes: the same seed always gives the same secrets (stable snapshots). */
export function seededRandom(seed = 1): RandomSource {
  let state = seed >>> 0 || 1;
  return {
    bytes(n) {
      const buf = Buffer.alloc(n);
      for (let i = 0; i < n; i++) {
        state ^= state << 13;
        state >>>= 0;
        state ^= state >>> 17;
        state ^= state << 5;
        state >>>= 0;
        buf[i] = state & 0xff;
      }
      return buf;
    },
  };
}

/** A clock that advances only when slept on: waits in tests take no real time. */
export function fakeClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void } {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms) => {
      now += ms;
      await Promise.resolve();
    },
    advance: (ms) => {
      now += ms;
    },
  };
}

export const unusedDocker: DockerClient = {
  docker: async (args) => {
    throw new Error(`Unexpected docker call in this test: docker ${args.join(' ')}`);
  },
  exec: async (program, args) => {
    throw new Error(`Unexpected docker call in this test: ${program} ${args.join(' ')}`);
  },
};

/** No systemd, as on a container or CI machine; a test that needs one passes its own. */
export const noSystemdHost: SystemdHost = {
  booted: async () => false,
  run: async (program, args) => {
    throw new Error(`Unexpected ${program} call in this test: ${args.join(' ')}`);
  },
  user: () => ({ uid: 1000, name: 'tester' }),
};

export const runningStack: StackStateProbe = { assertRunning: async () => {} };

export async function tempDir(prefix = 'aigw-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function createTestContext(overrides: Partial<Context> & { json?: boolean; verbose?: boolean } = {}): TestContext {
  const captured: Captured = {
    stdout: [],
    stderr: [],
    all() {
      return [...this.stdout, ...this.stderr].join('');
    },
  };
  const out =
    overrides.out ??
    new Output({
      json: overrides.json ?? false,
      color: false,
      verbose: overrides.verbose ?? false,
      stdout: { write: (s: string) => captured.stdout.push(s) },
      stderr: { write: (s: string) => captured.stderr.push(s) },
      spinners: false,
    });
  const prompts: Prompts = overrides.prompts ?? new NonInteractivePrompts();
  const dir = overrides.dir ?? process.cwd();
  return {
    dir,
    // The gateway is the current directory unless a test says otherwise.
    cwd: overrides.cwd ?? dir,
    env: overrides.env ?? {},
    out,
    prompts,
    fs: overrides.fs ?? createFileSystem(currentPlatform),
    clock: overrides.clock ?? fakeClock(),
    random: overrides.random ?? seededRandom(),
    platform: overrides.platform ?? currentPlatform,
    docker: overrides.docker ?? unusedDocker,
    systemd: overrides.systemd ?? noSystemdHost,
    http: overrides.http ?? { fetch: nodeFetch },
    yes: overrides.yes ?? false,
    readStdin: overrides.readStdin ?? (async () => null),
    // Asked only when a request failed: by default the engine says the stack is up (the usual retry).
    // Tests of the fail-fast pass dockerStackState(ctx) with a FakeDocker.
    stackState: overrides.stackState ?? runningStack,
    captured,
  };
}

/** The error a promise rejects with; fails the test when it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code: string; hint?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code: string; hint?: string };
  }
  throw new Error('expected a rejection');
}
