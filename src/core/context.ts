/**
 * The context every handler receives: prompts, docker, http, fs, clock, output.
 * Tests build one with fakes (src/testing/context.ts) instead of mocking modules.
 */
import { resolve } from 'node:path';
import type { DockerClient } from './docker-client.js';
import type { SystemdHost } from './systemd-host.js';
import { systemClock, type Clock } from './clock.js';
import { nodeFetch, type HttpClient } from './http.js';
import { UserError } from './errors.js';
import { createFileSystem, type FileSystem } from './files.js';
import { Output, type Writable } from './output.js';
import { currentPlatform, type Platform } from './platform.js';
import { NonInteractivePrompts, TerminalPrompts, type Prompts } from './prompts.js';
import { cryptoRandom, type RandomSource } from './random.js';

export type { HttpClient } from './http.js';

export interface Context {
  /** The gateway directory (--dir, default: the current directory), absolute. */
  dir: string;
  /** The current directory: printed commands carry --dir when `dir` is not this one (core/shell.ts). */
  cwd: string;
  env: NodeJS.ProcessEnv;
  out: Output;
  prompts: Prompts;
  fs: FileSystem;
  clock: Clock;
  random: RandomSource;
  platform: Platform;
  docker: DockerClient;
  /** systemd on this host (service install|uninstall|status). */
  systemd: SystemdHost;
  http: HttpClient;
  /** --yes: accept defaults and confirm non-destructive questions. */
  yes: boolean;
  /** All of stdin as text (for `--api-key -`); null when stdin is a terminal. */
  readStdin(): Promise<string | null>;
  /** Asks the engine whether a gateway's stack is up (src/docker/stack-state.ts), for the LiteLLM client's fail-fast. */
  stackState: StackStateProbe;
}

/** A gateway's Compose stack and the services a command's URL goes through. */
export interface StackTarget {
  dir: string;
  project: string;
  services: readonly string[];
}

export interface StackStateProbe {
  /** Resolves when the services run or are coming up (or the engine cannot tell in time); throws GATEWAY_NOT_RUNNING otherwise. */
  assertRunning(target: StackTarget): Promise<void>;
}

export interface GlobalOptions {
  dir?: string;
  json?: boolean;
  yes?: boolean;
  color?: boolean;
  verbose?: boolean;
}

export interface ProcessIo {
  env: NodeJS.ProcessEnv;
  cwd: string;
  stdout: Writable;
  stderr: Writable;
  stdinIsTTY: boolean;
  /** All of stdin; null when it is a terminal. Optional: defaults to reading process.stdin. */
  readStdin?: () => Promise<string | null>;
}

/** Prompts only when a person can answer: a TTY, no --yes/--json, not CI. */
export function isInteractive(globals: GlobalOptions, io: ProcessIo): boolean {
  // The TTY question last: answering it loads node:tty, which --yes, --json and CI never need.
  return !globals.yes && !globals.json && !isTruthy(io.env.CI) && io.stdinIsTTY;
}

/** Colour on stderr: never with --no-color, --json or NO_COLOR; FORCE_COLOR=1|2|3|true forces it, 0|false forbids it; else a TTY that is not TERM=dumb. */
export function colorEnabled(globals: GlobalOptions, io: ProcessIo): boolean {
  if (globals.color === false || globals.json) return false;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force.toLowerCase() === 'false') return false;
    if (force === '' || ['1', '2', '3', 'true'].includes(force.toLowerCase())) return true;
  }
  return Boolean(io.stderr.isTTY) && io.env.TERM !== 'dumb';
}

export function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ['1', 'true', 'yes', 'on'].includes(value.trim().toLowerCase());
}

/** The parts of a context that live above core; the composition root (src/context.ts) supplies them. */
export interface ContextDrivers {
  docker(options: { env: NodeJS.ProcessEnv; out: Output }): DockerClient;
  systemd(env: NodeJS.ProcessEnv): SystemdHost;
  /** Is the gateway's stack up (GATEWAY_NOT_RUNNING otherwise)? Asked once a request to the gateway failed. */
  stackState(ctx: Context, target: StackTarget): Promise<void>;
}

export async function createContext(globals: GlobalOptions, io: ProcessIo, drivers: ContextDrivers): Promise<Context> {
  if (globals.dir !== undefined && globals.dir.trim() === '') {
    // resolve(cwd, '') is the current directory: an empty --dir (an unset shell variable) must not mean "here".
    throw new UserError('INVALID_DIR', '--dir is empty.', { hint: 'Pass --dir with a directory path, e.g. --dir ./gateway (or leave --dir out to use the current directory).' });
  }
  const interactive = isInteractive(globals, io);
  const out = new Output({
    json: Boolean(globals.json),
    color: colorEnabled(globals, io),
    verbose: Boolean(globals.verbose),
    stdout: io.stdout,
    stderr: io.stderr,
    spinners: Boolean(io.stderr.isTTY) && !isTruthy(io.env.CI),
  });
  const ctx: Context = {
    dir: resolve(io.cwd, globals.dir ?? io.env.AI_GATEWAY_DIR ?? '.'),
    cwd: resolve(io.cwd),
    env: io.env,
    out,
    prompts: interactive ? new TerminalPrompts() : new NonInteractivePrompts(),
    fs: createFileSystem(currentPlatform),
    clock: systemClock,
    random: cryptoRandom,
    platform: currentPlatform,
    docker: drivers.docker({ env: io.env, out }),
    systemd: drivers.systemd(io.env),
    http: { fetch: nodeFetch },
    yes: Boolean(globals.yes),
    readStdin: io.readStdin ?? (() => readProcessStdin(io.stdinIsTTY)),
    stackState: { assertRunning: (target) => drivers.stackState(ctx, target) },
  };
  return ctx;
}

async function readProcessStdin(isTTY: boolean): Promise<string | null> {
  if (isTTY) return null;
  const { text } = await import('node:stream/consumers');
  return text(process.stdin);
}
