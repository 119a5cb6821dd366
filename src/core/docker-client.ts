/**
 * The Docker driver's interface, as handlers see it through `ctx.docker`. Only the interface lives
 * in core (the context carries it); the driver is src/docker/client.ts, plugged in by the composition
 * root (src/context.ts). src/docker/ is the only place that spawns `docker` or `docker-compose`.
 */
import type { ProcessResult } from './process.js';

/** What a docker or docker-compose run gave back: a child process's result (core/process.ts). */
export type ExecResult = ProcessResult;

/** Binaries this driver runs. `docker compose` (v2) is `docker` with `compose` as first argument. */
export type DockerProgram = 'docker' | 'docker-compose';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  /** Working directory of the child (Compose runs from the gateway directory). */
  cwd?: string;
  /**
   * Variables removed from the child's environment. Compose lets the shell override `.env`;
   * we remove `.env`'s own keys so the file stays the single source of truth.
   */
  unsetEnv?: readonly string[];
  /** Variables added to the child's environment (non-secret values only: `docker stack deploy` interpolation). */
  extraEnv?: Readonly<Record<string, string>>;
  /** Called with output as it arrives (logs --follow); that stream is then not kept in the result. */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  /** Aborting kills the child (SIGTERM); the result then has `cancelled: true`. */
  signal?: AbortSignal;
  /**
   * Binary-safe: the child writes its stdout straight into this file (created beforehand by the
   * caller, at 600; appended to), not to `stdout`. The bytes never pass through Node.
   */
  stdoutFile?: string;
  /**
   * Binary-safe: the child's stdout is piped into this stream (ended with the output), not kept in
   * `stdout`. The caller owns what is behind it (a file at 600, a gzip, a hash). A failed write
   * (disk full) kills the child's output and is reported as a non-zero exit with the error in `stderr`.
   */
  stdoutStream?: NodeJS.WritableStream;
  /** Binary-safe: the child reads its stdin straight from this file (never through Node). */
  stdinFile?: string;
}

export interface DockerClient {
  /** Run `docker <args>`; never throws on a non-zero exit (callers decide). */
  docker(args: string[], options?: RunOptions): Promise<ExecResult>;
  /** Run `docker` or `docker-compose`; never throws on a non-zero exit or a missing binary. */
  exec(program: DockerProgram, args: string[], options?: RunOptions): Promise<ExecResult>;
  /**
   * GET a read-only Engine API path (`/volumes?filters=...`) straight from the local engine's socket:
   * the parsed JSON answer, or null when that way does not apply or fails (then ask the CLI).
   * Absent in fakes: callers always have the CLI way.
   */
  engineGet?(path: string, options?: { timeoutMs?: number }): Promise<unknown>;
}
