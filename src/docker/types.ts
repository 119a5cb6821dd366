/**
 * The Docker driver's interface, as handlers see it through `ctx.docker`.
 * src/docker/ is the only place that spawns `docker` or `docker-compose`.
 */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface DockerClient {
  /** Run `docker <args>`; never throws on a non-zero exit (callers decide). */
  docker(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<ExecResult>;
}
