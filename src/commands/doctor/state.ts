/**
 * What the checks share, computed lazily and once: the `.env` document and settings, the engine
 * (daemon, Compose, `docker info`), the stack's containers, and LiteLLM clients. A getter that
 * fails keeps failing the same way (the promise is cached), so nothing is fetched twice and every
 * check that needs a broken piece sees the same error. `invalidate()` forgets everything after a repair.
 */
import { join } from 'node:path';
import type { Context } from '../../core/context.js';
import { EnvError } from '../../core/errors.js';
import { byService, projectContainers, type ContainerInfo } from '../../docker/containers.js';
import { checkDaemon, detectCompose, type ComposeCli } from '../../docker/engine.js';
import { loadStack, type Stack } from '../../docker/stack.js';
import { EnvFile } from '../../gateway/env-file.js';
import { FILES } from '../../gateway/layout.js';
import { SECRET_ENV_KEYS, SERVICES, settingsFromEnv, type GatewaySettings } from '../../gateway/settings.js';
import { skip } from './skip.js';

export interface EngineInfo {
  cpus: number | null;
  memoryBytes: number | null;
  rootDir: string | null;
  serverVersion: string | null;
  operatingSystem: string | null;
}

export class DoctorState {
  private memo = new Map<string, Promise<unknown>>();

  constructor(readonly ctx: Context) {}

  /** Forget every computed value (after a repair changed files). */
  invalidate(): void {
    this.memo.clear();
  }

  private once<T>(key: string, compute: () => Promise<T>): Promise<T> {
    let promise = this.memo.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = compute();
      promise.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
      this.memo.set(key, promise);
    }
    return promise;
  }

  path(file: string): string {
    return join(this.ctx.dir, file);
  }

  /** The raw `.env` text, or null when there is none. */
  envText(): Promise<string | null> {
    return this.once('envText', () => this.ctx.fs.readText(this.path(FILES.env)));
  }

  /** The parsed `.env` (its secrets registered with the output's redactor). Skips the check when there is no `.env`. */
  envFile(): Promise<EnvFile> {
    return this.once('envFile', async () => {
      const text = await this.envText();
      if (text === null) skip(`there is no ${FILES.env} in ${this.ctx.dir}`);
      const env = EnvFile.parse(text, this.path(FILES.env));
      for (const key of SECRET_ENV_KEYS) this.ctx.out.addSecret(env.get(key));
      return env;
    });
  }

  settings(): Promise<GatewaySettings> {
    return this.once('settings', async () => settingsFromEnv(await this.envFile(), this.path(FILES.env)));
  }

  /** The gateway as `start` sees it: files present, compose YAML parsed, services defined. */
  stack(): Promise<Stack> {
    return this.once('stack', () => loadStack(this.ctx));
  }

  daemonVersion(): Promise<string> {
    return this.once('daemon', () => checkDaemon(this.ctx));
  }

  compose(): Promise<ComposeCli> {
    return this.once('compose', () => detectCompose(this.ctx));
  }

  engineInfo(): Promise<EngineInfo> {
    return this.once('engineInfo', async () => {
      const result = await this.ctx.docker.docker(['info', '--format', '{{json .}}'], { timeoutMs: 20_000 });
      if (result.exitCode !== 0) {
        throw new EnvError('DOCKER_INFO_FAILED', `"docker info" failed: ${(result.stderr || result.stdout).trim().split('\n')[0] ?? ''}`, {
          hint: 'Run "docker info" to see what the engine says.',
        });
      }
      return parseEngineInfo(result.stdout);
    });
  }

  /** The project's containers by service (the newest per service). */
  containers(): Promise<Map<string, ContainerInfo>> {
    return this.once('containers', async () => {
      const settings = await this.settings();
      return byService(await projectContainers(this.ctx, settings.projectName));
    });
  }

  /** Services the stack should run: from the compose files when readable, else from `.env`. */
  expectedServices(): Promise<string[]> {
    return this.once('expectedServices', async () => {
      try {
        return (await this.stack()).services;
      } catch {
        const settings = await this.settings();
        return [SERVICES.postgres, SERVICES.litellm, SERVICES.openWebui, ...(settings.nginx ? [SERVICES.nginx] : [])];
      }
    });
  }

  /** The running container of `service`; skips the calling check when it is not running. */
  async running(service: string): Promise<ContainerInfo> {
    const container = (await this.containers()).get(service);
    if (!container) skip(`${service} has no container (the stack is not started: "ai-gateway start")`);
    if (container.state !== 'running') skip(`${service} is ${container.state}`);
    return container;
  }
}

export function parseEngineInfo(json: string): EngineInfo {
  let raw: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed && typeof parsed === 'object') raw = parsed as Record<string, unknown>;
  } catch {
    // a foreign answer: every field stays unknown
  }
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : null);
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  return {
    cpus: num(raw.NCPU),
    memoryBytes: num(raw.MemTotal),
    rootDir: str(raw.DockerRootDir),
    serverVersion: str(raw.ServerVersion),
    operatingSystem: str(raw.OperatingSystem),
  };
}
