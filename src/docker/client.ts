/**
 * The one module that spawns docker and docker-compose (through core/process.ts). Arguments never
 * carry secrets (Compose reads them from `.env`), so the verbose log of each command line is safe;
 * it still goes through the output's redactor.
 */
import type { Output } from '../core/output.js';
import type { DockerClient, DockerProgram, ExecResult, RunOptions } from '../core/docker-client.js';

export function createDockerClient(options: { env: NodeJS.ProcessEnv; out: Output }): DockerClient {
  const exec = async (program: DockerProgram, args: string[], run: RunOptions = {}): Promise<ExecResult> => {
    // Loaded on the first call: node:child_process costs ~6 ms, and the key and model commands
    // reach this client without ever spawning docker.
    const { runProcess } = await import('../core/process.js');
    const started = Date.now();
    options.out.debug(`${program} ${args.join(' ')}`);
    const env = { ...options.env };
    for (const key of run.unsetEnv ?? []) delete env[key];
    Object.assign(env, run.extraEnv);
    const outcome = await runProcess(program, args, {
      env,
      cwd: run.cwd,
      input: run.input,
      stdinFile: run.stdinFile,
      stdoutFile: run.stdoutFile,
      stdoutStream: run.stdoutStream,
      timeoutMs: run.timeoutMs,
      signal: run.signal,
      onStdout: run.onStdout,
      onStderr: run.onStderr,
    });
    options.out.debug(`  → exit ${outcome.exitCode}${outcome.notFound ? ' (not installed)' : ''} in ${Date.now() - started} ms`);
    return outcome;
  };
  let socket: string | null | undefined;
  const engineGet = async (path: string, run: { timeoutMs?: number } = {}): Promise<unknown> => {
    const { engineGet: get, localEngineSocket } = await import('./engine-socket.js');
    const at = socket === undefined ? (socket = localEngineSocket(options.env)) : socket;
    if (at === null) return null;
    const started = Date.now();
    const answer = await get(at, path, run.timeoutMs ?? 5_000);
    options.out.debug(`GET ${path} on ${at} → ${answer === null ? 'no answer (the docker CLI is asked instead)' : 'ok'} in ${Date.now() - started} ms`);
    return answer;
  };
  return {
    exec,
    docker: (args, run) => exec('docker', args, run),
    engineGet,
  };
}
