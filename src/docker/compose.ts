/**
 * Compose for one gateway directory. Every invocation names the project, both compose files and
 * the `.env` explicitly and runs from the gateway directory, so the result never depends on the
 * caller's working directory or on stray COMPOSE_* variables. Secrets reach Compose only
 * through `.env`: the variables `.env` defines are removed from the child's environment, so an
 * exported shell variable cannot silently override the file.
 */
import { join } from 'node:path';
import type { Context } from '../core/context.js';
import { FILES } from '../gateway/layout.js';
import type { ComposeCli } from './engine.js';
import type { ExecResult, RunOptions } from '../core/docker-client.js';

export interface ComposeTarget {
  dir: string;
  projectName: string;
  /** Keys defined in `.env` (removed from the child's environment so the file wins). */
  envKeys: readonly string[];
  /** The env file Compose reads (default: the directory's `.env`). */
  envFile?: string;
}

export class ComposeProject {
  constructor(
    private readonly ctx: Context,
    readonly cli: ComposeCli,
    readonly target: ComposeTarget,
  ) {}

  get projectName(): string {
    return this.target.projectName;
  }

  /** The global arguments every Compose call gets. */
  baseArgs(): string[] {
    const { dir, projectName } = this.target;
    return [
      ...this.cli.prefix,
      '-p',
      projectName,
      '--project-directory',
      dir,
      '-f',
      join(dir, FILES.compose),
      '-f',
      join(dir, FILES.override),
      '--env-file',
      this.target.envFile ?? join(dir, FILES.env),
    ];
  }

  run(args: string[], options: RunOptions = {}): Promise<ExecResult> {
    return this.ctx.docker.exec(this.cli.program, [...this.baseArgs(), ...args], {
      ...options,
      cwd: this.target.dir,
      unsetEnv: [...(options.unsetEnv ?? []), ...this.target.envKeys, ...COMPOSE_OVERRIDES],
    });
  }

  /** `up -d`; the caller waits for health itself (v1 has no `--wait`). */
  up(options: { services?: string[]; noDeps?: boolean; forceRecreate?: boolean; signal?: AbortSignal } = {}): Promise<ExecResult> {
    const args = ['up', '-d', '--remove-orphans'];
    if (options.noDeps) args.push('--no-deps');
    if (options.forceRecreate) args.push('--force-recreate');
    return this.run([...args, ...(options.services ?? [])], options.signal ? { signal: options.signal } : {});
  }

  down(options: { volumes: boolean }): Promise<ExecResult> {
    return this.run(['down', '--remove-orphans', ...(options.volumes ? ['-v'] : [])]);
  }

  restart(services: string[]): Promise<ExecResult> {
    return this.run(['restart', ...services]);
  }

  /** Validates the files the way `up` will read them (`config -q`). */
  validate(): Promise<ExecResult> {
    return this.run(['config', '-q']);
  }
}

/** Variables that would redirect Compose away from the files we name. */
const COMPOSE_OVERRIDES = ['COMPOSE_FILE', 'COMPOSE_PROJECT_NAME', 'COMPOSE_PATH_SEPARATOR', 'COMPOSE_PROFILES'];
