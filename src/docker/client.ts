/** The one module that spawns docker. execa is imported lazily to keep start-up light. */
import type { Output } from '../core/output.js';
import type { DockerClient, ExecResult } from './types.js';

export function createDockerClient(options: { env: NodeJS.ProcessEnv; out: Output }): DockerClient {
  return {
    async docker(args, runOptions = {}): Promise<ExecResult> {
      const { execa } = await import('execa');
      options.out.debug(`docker ${args.join(' ')}`);
      const result = await execa('docker', args, {
        env: options.env,
        reject: false,
        input: runOptions.input,
        timeout: runOptions.timeoutMs,
      });
      return { stdout: result.stdout ?? '', stderr: result.stderr ?? '', exitCode: result.exitCode ?? 1 };
    },
  };
}
