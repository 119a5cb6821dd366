/**
 * Runs a program and collects what it printed: node:child_process `spawn`, no shell, never throws
 * for a failed run (the caller decides what an exit code means). The one place a child process is
 * started; src/docker/client.ts (docker, docker-compose) and src/host/systemd.ts build on it.
 *
 * node:child_process rather than execa: the few things we need (a timeout that reports itself,
 * cancellation, a file as stdin or stdout, streamed output) are a page of Node, and execa cost
 * every Docker-using command ~15 ms of start-up (docs/architecture.md, "Written by hand").
 */
import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';

export interface ProcessResult {
  /** Everything printed on stdout (final newline stripped); empty when streamed or sent to a file. */
  stdout: string;
  /** Everything printed on stderr (final newline stripped); empty when streamed. */
  stderr: string;
  /** The exit code; -1 when the program never ran or was killed by a signal. */
  exitCode: number;
  /** The program is not installed (spawn ENOENT). */
  notFound?: boolean;
  /** Killed because `timeoutMs` passed. */
  timedOut?: boolean;
  /** Killed through `signal` (the caller cancelled it). */
  cancelled?: boolean;
}

export interface ProcessOptions {
  /** The child's whole environment (nothing is inherited beyond it). */
  env: NodeJS.ProcessEnv;
  cwd?: string | undefined;
  /** Written to the child's stdin, which is then closed. */
  input?: string | undefined;
  /** Binary-safe: the child's stdin is this file. */
  stdinFile?: string | undefined;
  /** Binary-safe: the child's stdout is appended to this file (which the caller made, at 600). */
  stdoutFile?: string | undefined;
  /**
   * Binary-safe: the child's stdout is piped into this stream (ended with the output), not kept. A
   * failed write (disk full) is reported as exit -1 with the error in `stderr`.
   */
  stdoutStream?: NodeJS.WritableStream | undefined;
  timeoutMs?: number | undefined;
  /** Aborting kills the child; the result then has `cancelled: true`. */
  signal?: AbortSignal | undefined;
  /** Output handed over as it arrives and not kept (a follow stream can run for days). */
  onStdout?: ((chunk: string) => void) | undefined;
  onStderr?: ((chunk: string) => void) | undefined;
}

/** After SIGTERM, how long a child may take to exit before SIGKILL. */
const KILL_GRACE_MS = 5_000;

export async function runProcess(program: string, args: readonly string[], options: ProcessOptions): Promise<ProcessResult> {
  if (options.signal?.aborted) return { stdout: '', stderr: '', exitCode: -1, cancelled: true };
  // Opened synchronously (microseconds): the child starts in this turn of the event loop, ahead of
  // whatever the caller starts next (backup launches pg_dump first because it is the long pole).
  const fds: number[] = [];
  try {
    let stdin: number | 'pipe' | 'ignore';
    let stdout: number | 'pipe';
    try {
      stdin = options.stdinFile !== undefined ? keep(fds, openSync(options.stdinFile, 'r')) : options.input !== undefined ? 'pipe' : 'ignore';
      stdout = options.stdoutFile !== undefined ? keep(fds, openSync(options.stdoutFile, 'a')) : 'pipe';
    } catch (error) {
      // A file that cannot be opened is a run that failed, not a throw (the callers' contract).
      return { stdout: '', stderr: (error as Error).message, exitCode: -1 };
    }
    return await new Promise<ProcessResult>((resolve) => {
      const stdio: StdioOptions = [stdin, stdout, 'pipe'];
      const child = spawn(program, args, { env: options.env, cwd: options.cwd, stdio, windowsHide: true });
      const piped = options.stdoutStream && child.stdout ? pipeline(child.stdout, options.stdoutStream).then(() => null, (error: Error) => error) : null;
      const out = piped ? () => '' : collect(child.stdout, options.onStdout);
      const err = collect(child.stderr, options.onStderr);
      let timedOut = false;
      let cancelled = false;
      let forceKill: NodeJS.Timeout | undefined;
      const stop = () => {
        child.kill('SIGTERM');
        forceKill ??= setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS);
      };
      const timer = options.timeoutMs !== undefined ? setTimeout(() => ((timedOut = true), stop()), options.timeoutMs) : undefined;
      const onAbort = () => ((cancelled = true), stop());
      options.signal?.addEventListener('abort', onAbort, { once: true });
      if (child.stdin) {
        child.stdin.on('error', () => {}); // a child that exits without reading its input is not our failure
        child.stdin.end(options.input);
      }
      let settled = false;
      const finish = (result: ProcessResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(forceKill);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ ...result, ...(timedOut ? { timedOut: true } : {}), ...(cancelled ? { cancelled: true } : {}) });
      };
      child.once('error', (error: NodeJS.ErrnoException) => {
        // Spawning failed (not installed, not executable): no 'close' follows for a child that never ran.
        if (child.pid === undefined) finish({ stdout: '', stderr: error.message, exitCode: -1, ...(error.code === 'ENOENT' ? { notFound: true } : {}) });
      });
      child.once('close', (code) => {
        if (!piped) return finish({ stdout: out(), stderr: err(), exitCode: code ?? -1 });
        // The stream may still be flushing (a gzip): the run is over when it is.
        void piped.then((pipeError) => {
          const stderr = err();
          finish(pipeError ? { stdout: '', stderr: `${stderr}\nwriting the output failed: ${pipeError.message}`.trim(), exitCode: -1 } : { stdout: '', stderr, exitCode: code ?? -1 });
        });
      });
    });
  } finally {
    // The child holds its own copies of the descriptors.
    for (const fd of fds) closeSync(fd);
  }
}

function keep(fds: number[], fd: number): number {
  fds.push(fd);
  return fd;
}

/** Keeps a stream's text (or hands it to `sink` and keeps nothing); returns the text without its final newline. */
function collect(stream: NodeJS.ReadableStream | null, sink?: (chunk: string) => void): () => string {
  if (!stream) return () => '';
  stream.setEncoding('utf8'); // a multi-byte character split across chunks stays whole
  const chunks: string[] = [];
  stream.on('data', (chunk: string) => (sink ? sink(chunk) : chunks.push(chunk)));
  return () => chunks.join('').replace(/\r?\n$/, '');
}
