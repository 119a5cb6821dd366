/**
 * The one module that spawns docker and docker-compose. execa is imported lazily to keep
 * start-up light. Arguments never carry secrets (Compose reads them from `.env`), so the
 * verbose log of each command line is safe; it still goes through the output's redactor.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Output } from '../core/output.js';
import type { DockerClient, DockerProgram, ExecResult, RunOptions } from '../core/docker-client.js';

export function createDockerClient(options: { env: NodeJS.ProcessEnv; out: Output }): DockerClient {
  const exec = async (program: DockerProgram, args: string[], run: RunOptions = {}): Promise<ExecResult> => {
    const { execa } = await import('execa');
    const started = Date.now();
    options.out.debug(`${program} ${args.join(' ')}`);
    const env = { ...options.env };
    for (const key of run.unsetEnv ?? []) delete env[key];
    Object.assign(env, run.extraEnv);
    const streaming = run.onStdout !== undefined || run.onStderr !== undefined;
    // Files are handed to the child as descriptors of its own: the bytes never pass through this
    // process (a 13 MiB dump copied through Node cost ~0.1 s on 2 busy cores: BENCHMARKS.md, backup).
    let files: { stdin: FileHandle | null; stdout: FileHandle | null };
    try {
      files = await openChildFiles(run);
    } catch (error) {
      options.out.debug(`  → not run: ${(error as Error).message}`);
      return { stdout: '', stderr: (error as Error).message, exitCode: -1 };
    }
    const child = execa(program, args, {
      env,
      extendEnv: false,
      cwd: run.cwd,
      reject: false,
      input: run.input,
      stdin: files.stdin ? descriptor(files.stdin) : run.input === undefined ? 'ignore' : 'pipe',
      ...(files.stdout ? { stdout: descriptor(files.stdout) } : {}),
      timeout: run.timeoutMs,
      cancelSignal: run.signal,
      // A follow stream can run for days: hand chunks over instead of keeping them all; a piped
      // stdout is not kept either (stderr still is, for the error message).
      buffer: streaming ? false : run.stdoutStream !== undefined ? { stdout: false, stderr: true } : true,
      stripFinalNewline: !streaming,
    });
    // execa takes only fd-backed streams as stdout, so a gzip or a hash is piped here.
    const piped = run.stdoutStream && child.stdout ? pipeline(child.stdout, run.stdoutStream).then(() => null, (error: Error) => error) : Promise.resolve(null);
    if (run.onStdout) {
      child.stdout?.setEncoding('utf8');
      child.stdout?.on('data', (chunk: string) => run.onStdout?.(chunk));
    }
    if (run.onStderr) {
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (chunk: string) => run.onStderr?.(chunk));
    }
    const [result, pipeError] = await Promise.all([child, piped]).finally(() => Promise.all([files.stdin?.close(), files.stdout?.close()]));
    const notFound = (result as { code?: string }).code === 'ENOENT';
    const stderr = typeof result.stderr === 'string' ? result.stderr : '';
    const exitCode = typeof result.exitCode === 'number' ? result.exitCode : -1;
    const outcome: ExecResult = {
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      stderr: pipeError ? `${stderr}\nwriting the output failed: ${pipeError.message}`.trim() : stderr,
      exitCode: pipeError && exitCode === 0 ? -1 : exitCode,
      ...(notFound ? { notFound: true } : {}),
      ...(result.timedOut ? { timedOut: true } : {}),
      ...(result.isCanceled ? { cancelled: true } : {}),
    };
    options.out.debug(`  → exit ${outcome.exitCode}${notFound ? ' (not installed)' : ''} in ${Date.now() - started} ms`);
    return outcome;
  };
  return {
    exec,
    docker: (args, run) => exec('docker', args, run),
  };
}

/**
 * execa hands a descriptor number to child_process.spawn as it is (its types list only 0-9); its
 * `{ file }` form instead copies the bytes through this process.
 */
const descriptor = (handle: FileHandle) => handle.fd as 3;

/** The files a child reads or writes itself: stdin read-only, stdout appended to (the caller made it at 600). */
async function openChildFiles(run: RunOptions): Promise<{ stdin: FileHandle | null; stdout: FileHandle | null }> {
  const stdin = run.stdinFile !== undefined ? await open(run.stdinFile, 'r') : null;
  try {
    const stdout = run.stdoutFile !== undefined ? await open(run.stdoutFile, constants.O_WRONLY | constants.O_APPEND) : null;
    return { stdin, stdout };
  } catch (error) {
    await stdin?.close();
    throw error;
  }
}
