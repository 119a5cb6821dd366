/**
 * Fixtures for doctor and smoke tests: a complete gateway directory (rendered by the real
 * renderers) pointing at the in-process LiteLLM stand-in, and a fake engine whose containers
 * publish the ports `.env` names. `docker info` and `docker network` are answered here, on top
 * of FakeDocker.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DockerClient, DockerProgram, ExecResult, RunOptions } from '../core/docker-client.js';
import { renderCompose, renderOverride } from '../gateway/render/compose.js';
import { renderEnv } from '../gateway/render/env.js';
import { renderNginxConf } from '../gateway/render/nginx.js';
import { DEFAULT_IMAGES, ENV, INTERNAL_PORTS, settingsToEnv, type GatewaySettings } from '../gateway/settings.js';
import { tempDir } from './context.js';
import { FakeDocker, fakeContainer, type FakeContainer } from './fake-docker.js';
import { TEST_MASTER_KEY, TEST_SALT_KEY } from './litellm.js';

export const TEST_POSTGRES_PASSWORD = 'pgpass0123456789abcdefghijklmnop';
export const TEST_UI_PASSWORD = 'uipass0123456789abcd';
export const TEST_WEBUI_SECRET = 'webuisecret0123456789abcdefghijklmnopqrstuvwxyz01';

export interface GatewayFixtureOptions {
  project?: string;
  litellmPort: number;
  nginxPort?: number;
  webuiPort?: number;
  bind?: string;
  exposePostgres?: boolean;
  postgresPort?: number;
  virtualKey?: string;
  /** Extra or replacing `.env` values. */
  env?: Record<string, string>;
  configYaml?: string;
}

export function fixtureSettings(options: GatewayFixtureOptions): GatewaySettings {
  const nginx = options.nginxPort !== undefined;
  return {
    projectName: options.project ?? 'gw',
    resourceProfile: 'small',
    budgetProfile: 'test',
    nginx,
    bind: options.bind ?? '127.0.0.1',
    exposePostgres: options.exposePostgres ?? false,
    ports: {
      litellm: options.litellmPort,
      ...(nginx ? { nginx: options.nginxPort } : { webui: options.webuiPort ?? 3999 }),
      ...(options.exposePostgres ? { postgres: options.postgresPort ?? 5432 } : {}),
    },
    images: { ...DEFAULT_IMAGES },
  };
}

/** A gateway directory as setup writes it: every file present, mode 600. */
export async function writeGatewayFixture(options: GatewayFixtureOptions, dir?: string): Promise<string> {
  const target = dir ?? (await tempDir('aigw-doctor-'));
  const settings = fixtureSettings(options);
  const values: Record<string, string> = {
    ...settingsToEnv(settings),
    [ENV.masterKey]: TEST_MASTER_KEY,
    [ENV.saltKey]: TEST_SALT_KEY,
    [ENV.postgresUser]: 'litellm',
    [ENV.postgresPassword]: TEST_POSTGRES_PASSWORD,
    [ENV.postgresDb]: 'litellm',
    [ENV.uiUsername]: 'admin',
    [ENV.uiPassword]: TEST_UI_PASSWORD,
    [ENV.webuiSecret]: TEST_WEBUI_SECRET,
    ...options.env,
  };
  let env = renderEnv(null, values).toString();
  if (options.virtualKey) env += `${ENV.virtualKey}=${options.virtualKey}\n`;
  await writeFile(join(target, '.env'), env, { mode: 0o600 });
  await writeFile(join(target, 'config.yaml'), options.configYaml ?? 'model_list: []\ngeneral_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n', { mode: 0o600 });
  await writeFile(join(target, 'docker-compose.yml'), renderCompose(settings), { mode: 0o600 });
  await writeFile(join(target, 'docker-compose.override.yml'), renderOverride(settings), { mode: 0o600 });
  if (settings.nginx) {
    await mkdir(join(target, 'nginx'), { recursive: true });
    await writeFile(join(target, 'nginx', 'nginx.conf'), renderNginxConf(), { mode: 0o600 });
  }
  return target;
}

/** Running, healthy containers for the fixture's services, publishing what `.env` says. */
export function healthyContainers(options: GatewayFixtureOptions): FakeContainer[] {
  const settings = fixtureSettings(options);
  const project = settings.projectName;
  const hostIp = settings.bind;
  const list = [
    fakeContainer('postgres', { project, ports: settings.exposePostgres ? [{ containerPort: INTERNAL_PORTS.postgres, hostIp, hostPort: settings.ports.postgres ?? 5432 }] : [] }),
    // Behind Nginx, LiteLLM's admin port is published on 127.0.0.1 only (EXPOSE_ADMIN=no).
    fakeContainer('litellm', { project, ports: [{ containerPort: INTERNAL_PORTS.litellm, hostIp: settings.nginx ? '127.0.0.1' : hostIp, hostPort: settings.ports.litellm }] }),
    fakeContainer('open-webui', { project, ports: settings.nginx ? [] : [{ containerPort: INTERNAL_PORTS.openWebui, hostIp, hostPort: settings.ports.webui ?? 3999 }] }),
  ];
  if (settings.nginx) list.push(fakeContainer('nginx', { project, ports: [{ containerPort: INTERNAL_PORTS.nginx, hostIp, hostPort: settings.ports.nginx ?? 3000 }] }));
  return list;
}

export interface EngineFacts {
  cpus?: number;
  memoryBytes?: number;
  rootDir?: string;
  /** Networks of the project; default: one holding every running container. */
  networks?: { name: string; containers: string[] }[] | null;
}

/** FakeDocker plus `docker info` and `docker network ls|inspect`. */
export class DoctorDocker implements DockerClient {
  constructor(
    readonly engine: FakeDocker,
    readonly facts: EngineFacts = {},
  ) {}

  docker(args: string[], options?: RunOptions): Promise<ExecResult> {
    return this.exec('docker', args, options);
  }

  async exec(program: DockerProgram, args: string[], options: RunOptions = {}): Promise<ExecResult> {
    if (program === 'docker' && (args[0] === 'info' || args[0] === 'network')) {
      if (this.engine.daemon === 'missing') return { stdout: '', stderr: '', exitCode: -1, notFound: true };
      if (this.engine.daemon !== 'up') return { stdout: '', stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.', exitCode: 1 };
      this.engine.calls.push({ program, args, options });
      return args[0] === 'info' ? this.info() : this.network(args.slice(1));
    }
    return this.engine.exec(program, args, options);
  }

  private info(): ExecResult {
    const info = {
      NCPU: this.facts.cpus ?? 4,
      MemTotal: this.facts.memoryBytes ?? 8 * 1024 ** 3,
      DockerRootDir: this.facts.rootDir ?? '/nonexistent-docker-root',
      ServerVersion: '24.0.7',
      OperatingSystem: 'Fake Linux',
    };
    return { stdout: JSON.stringify(info), stderr: '', exitCode: 0 };
  }

  private networks(): { name: string; containers: string[] }[] {
    if (this.facts.networks !== undefined) return this.facts.networks ?? [];
    const projects = [...new Set(this.engine.containers.map((c) => c.project))];
    return projects.map((p) => ({ name: `${p}_gateway`, containers: this.engine.containers.filter((c) => c.project === p && c.state === 'running').map((c) => c.name) }));
  }

  private network(args: string[]): ExecResult {
    const networks = this.networks();
    if (args[0] === 'ls') {
      const filter = args[args.indexOf('--filter') + 1] ?? '';
      const project = filter.replace('label=com.docker.compose.project=', '');
      return { stdout: networks.filter((n) => n.name.startsWith(`${project}_`)).map((n) => n.name).join('\n'), stderr: '', exitCode: 0 };
    }
    if (args[0] === 'inspect') {
      const wanted = networks.filter((n) => args.slice(1).includes(n.name));
      const json = wanted.map((n) => ({ Name: n.name, Containers: Object.fromEntries(n.containers.map((name, i) => [`id${i}`, { Name: name }])) }));
      return { stdout: JSON.stringify(json), stderr: '', exitCode: wanted.length > 0 ? 0 : 1 };
    }
    return { stdout: '', stderr: `unexpected: docker network ${args.join(' ')}`, exitCode: 1 };
  }
}
