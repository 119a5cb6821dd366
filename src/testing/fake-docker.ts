/**
 * A fake Docker engine + Compose for handler and driver tests: it answers the exact commands
 * src/docker/ runs (`version`, `ps`, `inspect`, `logs`, `volume ls`, compose `up/down/...`)
 * from an in-memory list of containers that a test changes over time (`onPoll`).
 */
import { appendFile } from 'node:fs/promises';
import type { DockerClient, DockerProgram, ExecResult, RunOptions } from '../core/docker-client.js';

export interface FakeContainer {
  id: string;
  name: string;
  project: string;
  service: string;
  state: 'created' | 'running' | 'restarting' | 'exited' | 'paused' | 'dead';
  /** undefined: no healthcheck. */
  health?: 'starting' | 'healthy' | 'unhealthy';
  healthOutput?: string;
  /** When its last healthcheck passed (ISO time; the check's End in `docker inspect`). */
  healthPassedAt?: string;
  exitCode?: number;
  restartCount?: number;
  image?: string;
  created?: string;
  startedAt?: string;
  finishedAt?: string;
  ports?: { containerPort: number; hostIp: string; hostPort: number }[];
  logs?: string[];
  oneOff?: boolean;
  /** State.OOMKilled: its last run was killed for exceeding its memory limit. */
  oomKilled?: boolean;
  /** HostConfig.Memory in bytes (0 or undefined: no limit). */
  memoryLimitBytes?: number;
  /** HostConfig.LogConfig; undefined: json-file rotated at 20m x 5, as the gateway's compose file sets it. */
  logConfig?: { Type: string; Config: Record<string, string> };
  /** LogPath (a real file in tests that read its size). */
  logPath?: string;
  /** Mounts, as `docker inspect` lists them (named volumes: Type volume, Name, Destination). */
  mounts?: { Type: string; Name?: string; Destination: string }[];
}

export interface FakeCall {
  program: DockerProgram;
  args: string[];
  options: RunOptions;
}

export interface FakeDockerOptions {
  daemon?: 'up' | 'down' | 'denied' | 'missing';
  /** Which Compose is installed: the v2 plugin, the v1 binary, or none. */
  compose?: { kind: 'plugin' | 'standalone'; version: string } | null;
  containers?: FakeContainer[];
  volumes?: string[];
  /** Images the engine has; undefined: it has every image asked about. */
  images?: string[];
}

/** What `docker pull IMAGE` does in the fake: the lines it prints, then its exit. */
export interface FakePull {
  lines?: string[];
  stderr?: string;
  exitCode?: number;
  sizeBytes?: number;
  /** Runs between the lines and the exit (advance a clock, abort a signal, wait for cancellation). */
  during?: (options: RunOptions) => void | Promise<void>;
}

export type DockerHandler = (args: string[], engine: FakeDocker, options: RunOptions) => ExecResult | Promise<ExecResult> | undefined;

export type ComposeHandler = (subcommand: string, args: string[], engine: FakeDocker, options: RunOptions) => ExecResult | Promise<ExecResult> | undefined;

const ok = (stdout = ''): ExecResult => ({ stdout, stderr: '', exitCode: 0 });
const fail = (stderr: string, exitCode = 1): ExecResult => ({ stdout: '', stderr, exitCode });

export class FakeDocker implements DockerClient {
  daemon: NonNullable<FakeDockerOptions['daemon']>;
  compose: FakeDockerOptions['compose'];
  containers: FakeContainer[];
  volumes: string[];
  /** null: every image is present. */
  images: Map<string, number> | null;
  /** `docker pull` behaviour per image; an image not listed pulls at once (two layers). */
  pulls = new Map<string, FakePull>();
  calls: FakeCall[] = [];
  /** Called before every listing of a project's containers: move the stack forward in time. */
  onPoll: ((engine: FakeDocker, poll: number) => void) | undefined;
  polls = 0;
  private listedJustNow = false;
  private readonly eventSinks = new Set<(chunk: string) => void>();
  /** Custom Compose behaviour; return undefined to fall back to the default (success). */
  onCompose: ComposeHandler | undefined;
  /** Docker commands the fake does not model (exec, cp, run, pause, stop, ...); undefined: "unexpected" (exit 1). */
  onDocker: DockerHandler | undefined;

  constructor(options: FakeDockerOptions = {}) {
    this.daemon = options.daemon ?? 'up';
    this.compose = options.compose === undefined ? { kind: 'standalone', version: '1.29.2' } : options.compose;
    this.containers = options.containers ?? [];
    this.volumes = options.volumes ?? [];
    this.images = options.images ? new Map(options.images.map((i) => [i, 1_000_000])) : null;
  }

  /** `docker pull` calls, as image names in call order. */
  pullCalls(): string[] {
    return this.calls.filter((c) => c.program === 'docker' && c.args[0] === 'pull').map((c) => c.args[1] ?? '');
  }

  docker(args: string[], options: RunOptions = {}): Promise<ExecResult> {
    return this.exec('docker', args, options);
  }

  async exec(program: DockerProgram, args: string[], options: RunOptions = {}): Promise<ExecResult> {
    this.calls.push({ program, args, options });
    if (program === 'docker' && this.daemon === 'missing') return { stdout: '', stderr: '', exitCode: -1, notFound: true };
    if (program === 'docker' && args[0] === 'compose') {
      if (this.compose?.kind !== 'plugin') return fail("docker: 'compose' is not a docker command.");
      if (args[1] === 'version') return ok(this.compose.version);
      return this.composeCall(args.slice(1), options);
    }
    if (program === 'docker-compose') {
      if (this.compose?.kind !== 'standalone') return { stdout: '', stderr: '', exitCode: -1, notFound: true };
      if (args[0] === 'version') return ok(this.compose.version);
      return this.composeCall(args, options);
    }
    const result = await this.dockerCall(args, options);
    if (options.stdoutFile !== undefined) {
      // As a real child's output: appended to the file the caller made, not kept in the result.
      await appendFile(options.stdoutFile, result.stdout);
      return { ...result, stdout: '' };
    }
    if (!options.stdoutStream) return result;
    // As a real child's output: written to the stream, which ends with it, and not kept in the result.
    const stream = options.stdoutStream;
    await new Promise<void>((resolve) => stream.end(result.stdout, () => resolve()));
    return { ...result, stdout: '' };
  }

  /** Compose calls, as `sub` + its arguments (the project arguments are checked and stripped). */
  composeCalls(): { sub: string; args: string[] }[] {
    return this.calls
      .filter((c) => c.program === 'docker-compose' || c.args[0] === 'compose')
      .map((c) => stripProjectArgs(c.program === 'docker' ? c.args.slice(1) : c.args))
      .filter((c): c is { sub: string; args: string[] } => c !== null);
  }

  /** Sends a raw line to `docker events` listeners (format: Action|ContainerID|exitCode). */
  emitEvent(line: string): void {
    for (const sink of this.eventSinks) sink(`${line}\n`);
  }

  /** Runs a change to the containers and reports it to `docker events` listeners. */
  private observe(change: () => void): void {
    const before = new Set(this.containers.map((c) => c.id));
    change();
    const after = new Set(this.containers.map((c) => c.id));
    const lines = [...[...after].filter((id) => !before.has(id)).map(() => 'create'), ...[...before].filter((id) => !after.has(id)).map(() => 'destroy')];
    if (lines.length > 0) for (const sink of this.eventSinks) sink(`${lines.join('\n')}\n`);
  }

  private daemonFailure(): ExecResult | null {
    if (this.daemon === 'down') return fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
    if (this.daemon === 'denied') {
      return fail('permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "http://%2Fvar%2Frun%2Fdocker.sock/v1.24/version": dial unix /var/run/docker.sock: connect: permission denied');
    }
    return null;
  }

  private async dockerCall(args: string[], options: RunOptions): Promise<ExecResult> {
    const down = this.daemonFailure();
    if (down) return args[0] === 'version' ? { ...down, stdout: '' } : down;
    const [command, ...rest] = args;
    switch (command) {
      case 'version':
        return ok('24.0.7');
      case 'ps': {
        const filter = rest[rest.indexOf('--filter') + 1] ?? '';
        const all = rest.includes('-a');
        if (filter.startsWith('label=com.docker.compose.project=')) {
          const project = filter.slice('label=com.docker.compose.project='.length);
          this.polls++;
          this.observe(() => this.onPoll?.(this, this.polls));
          this.listedJustNow = true;
          return ok(this.containers.filter((c) => c.project === project && (all || c.state === 'running')).map((c) => c.id).join('\n'));
        }
        if (filter.startsWith('publish=')) {
          const port = Number(filter.slice('publish='.length));
          return ok(this.containers.filter((c) => c.state === 'running' && (c.ports ?? []).some((p) => p.hostPort === port)).map((c) => c.id).join('\n'));
        }
        return ok(this.containers.map((c) => c.id).join('\n'));
      }
      case 'inspect': {
        // A wait that knows its container ids inspects them without listing: still a poll.
        if (!this.listedJustNow) {
          this.polls++;
          this.observe(() => this.onPoll?.(this, this.polls));
        }
        this.listedJustNow = false;
        const found = rest.map((id) => this.containers.find((c) => c.id === id)).filter((c): c is FakeContainer => c !== undefined);
        const missing = rest.filter((id) => !this.containers.some((c) => c.id === id));
        return { stdout: JSON.stringify(found.map(inspectJson)), stderr: missing.map((id) => `Error: No such object: ${id}`).join('\n'), exitCode: missing.length > 0 ? 1 : 0 };
      }
      case 'logs': {
        const id = rest[rest.length - 1];
        const container = this.containers.find((c) => c.id === id);
        if (!container) return fail(`Error: No such container: ${id}`);
        const tail = rest.includes('--tail') ? Number(rest[rest.indexOf('--tail') + 1]) : Infinity;
        const lines = (container.logs ?? []).slice(-tail);
        const stamped = rest.includes('--timestamps') ? lines.map((l, i) => `2026-01-01T00:00:${String(i).padStart(2, '0')}.000000000Z ${l}`) : lines;
        const text = stamped.map((l) => `${l}\n`).join('');
        if (options.onStdout) {
          options.onStdout(text);
          return ok();
        }
        return ok(text.trimEnd());
      }
      case 'events': {
        // Live until the caller aborts, like the real stream; it reports containers created and
        // destroyed by the test (health changes are left to the poll interval).
        const sink = options.onStdout;
        if (!sink || options.signal?.aborted) return ok();
        this.eventSinks.add(sink);
        return new Promise((resolve) =>
          options.signal?.addEventListener('abort', () => {
            this.eventSinks.delete(sink);
            resolve({ stdout: '', stderr: '', exitCode: -1, cancelled: true });
          }),
        );
      }
      case 'image': {
        if (rest[0] !== 'inspect') return fail(`unexpected: docker ${args.join(' ')}`);
        const format = rest[rest.indexOf('--format') + 1] ?? '';
        const names = rest.slice(rest.indexOf('--format') + 2);
        const found = names.filter((n) => this.images === null || this.images.has(n));
        const missing = names.filter((n) => !found.includes(n));
        const id = (n: string) => `sha256:${n.length.toString(16).padStart(64, '0')}`;
        // RepoDigests: the repository (the reference without its tag) at a digest made from the name.
        const repoDigest = (n: string) => `${n.replace(/:[^:/]*$/, '')}@sha256:${Buffer.from(n).toString('hex').slice(0, 64).padEnd(64, '0')}`;
        const value = (n: string) =>
          format.includes('Size')
            ? String(this.images?.get(n) ?? 1_000_000)
            : format.startsWith('{{json .Id}}')
              ? `${JSON.stringify(id(n))} ${JSON.stringify([repoDigest(n)])}`
              : format.includes('RepoDigests')
                ? `${JSON.stringify([repoDigest(n)])} ${id(n)}`
                : id(n);
        return {
          stdout: found.map(value).join('\n'),
          stderr: missing.map((n) => `Error response from daemon: no such image: ${n}: No such image: ${n}`).join('\n'),
          exitCode: missing.length > 0 ? 1 : 0,
        };
      }
      case 'pull': {
        const image = rest[0] ?? '';
        const pull = this.pulls.get(image) ?? {};
        const lines = pull.lines ?? [`latest: Pulling from ${image}`, 'aaaaaaaaaaaa: Pulling fs layer', 'bbbbbbbbbbbb: Pulling fs layer', 'aaaaaaaaaaaa: Pull complete', 'bbbbbbbbbbbb: Pull complete', `Status: Downloaded newer image for ${image}`];
        for (const line of lines) options.onStdout?.(`${line}\n`);
        await pull.during?.(options);
        if (options.signal?.aborted) return { stdout: '', stderr: '', exitCode: -1, cancelled: true };
        const exitCode = pull.exitCode ?? 0;
        if (exitCode === 0) this.images?.set(image, pull.sizeBytes ?? 1_000_000);
        if (pull.stderr) options.onStderr?.(pull.stderr);
        return { stdout: '', stderr: '', exitCode };
      }
      case 'volume':
        if (rest[0] === 'ls') {
          const filter = rest[rest.indexOf('--filter') + 1] ?? '';
          const project = filter.replace('label=com.docker.compose.project=', '');
          return ok(this.volumes.filter((v) => v.startsWith(`${project}_`)).join('\n'));
        }
        return fail(`unexpected: docker ${args.join(' ')}`);
      default:
        return (await this.onDocker?.(args, this, options)) ?? fail(`unexpected: docker ${args.join(' ')}`);
    }
  }

  private async composeCall(args: string[], options: RunOptions): Promise<ExecResult> {
    const parsed = stripProjectArgs(args);
    if (!parsed) return fail(`fake compose: missing project arguments in ${args.join(' ')}`);
    let pending: ReturnType<ComposeHandler> | undefined;
    this.observe(() => {
      pending = this.onCompose?.(parsed.sub, parsed.args, this, options);
    });
    const custom = await pending;
    if (custom) return custom;
    const down = this.daemonFailure();
    if (down) return down;
    if (parsed.sub === 'down') {
      const project = projectOf(args);
      this.containers = this.containers.filter((c) => c.project !== project);
      if (parsed.args.includes('-v')) this.volumes = this.volumes.filter((v) => !v.startsWith(`${project}_`));
      return ok();
    }
    return ok();
  }
}

function projectOf(args: string[]): string {
  return args[args.indexOf('-p') + 1] ?? '';
}

/** Checks that every Compose call names project, directory, both files and .env; returns the rest. */
export function stripProjectArgs(args: string[]): { sub: string; args: string[] } | null {
  const expected = ['-p', '--project-directory', '-f', '-f', '--env-file'];
  const seen: string[] = [];
  let i = 0;
  while (i < args.length && (args[i] ?? '').startsWith('-')) {
    seen.push(args[i] ?? '');
    i += 2;
  }
  if (seen.join(' ') !== expected.join(' ')) return null;
  const sub = args[i];
  if (sub === undefined) return null;
  return { sub, args: args.slice(i + 1) };
}

let counter = 0;

/** A container with sensible defaults: running, healthy, started now. */
export function fakeContainer(service: string, overrides: Partial<FakeContainer> = {}): FakeContainer {
  counter++;
  const project = overrides.project ?? 'gw';
  return {
    id: `${service.replace(/[^a-z]/g, '')}${String(counter).padStart(4, '0')}`.padEnd(64, '0'),
    name: `${project}_${service}_1`,
    project,
    service,
    state: 'running',
    health: 'healthy',
    exitCode: 0,
    restartCount: 0,
    image: `${service}:test`,
    created: `2026-01-01T00:00:${String(counter % 60).padStart(2, '0')}.000000000Z`,
    startedAt: '2026-01-01T00:01:00.000000000Z',
    finishedAt: '0001-01-01T00:00:00Z',
    ports: [],
    logs: [],
    ...overrides,
  };
}

export function inspectJson(c: FakeContainer): Record<string, unknown> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  if (c.state === 'running') for (const p of c.ports ?? []) ports[`${p.containerPort}/tcp`] = [{ HostIp: p.hostIp, HostPort: String(p.hostPort) }];
  return {
    Id: c.id,
    Created: c.created ?? '2026-01-01T00:00:00Z',
    Name: `/${c.name}`,
    RestartCount: c.restartCount ?? 0,
    State: {
      Status: c.state,
      Running: c.state === 'running',
      ExitCode: c.exitCode ?? 0,
      OOMKilled: c.oomKilled ?? false,
      StartedAt: c.startedAt ?? '0001-01-01T00:00:00Z',
      FinishedAt: c.finishedAt ?? '0001-01-01T00:00:00Z',
      ...(c.health
        ? {
            Health: {
              Status: c.health,
              FailingStreak: 0,
              Log: c.healthOutput ? [{ ExitCode: 1, Output: c.healthOutput }] : c.healthPassedAt ? [{ ExitCode: 0, Output: 'ok', End: c.healthPassedAt }] : [],
            },
          }
        : {}),
    },
    Config: {
      Image: c.image ?? 'image',
      Labels: {
        'com.docker.compose.project': c.project,
        'com.docker.compose.service': c.service,
        'com.docker.compose.oneoff': c.oneOff ? 'True' : 'False',
      },
    },
    NetworkSettings: { Ports: ports },
    HostConfig: { Memory: c.memoryLimitBytes ?? 0, LogConfig: c.logConfig ?? { Type: 'json-file', Config: { 'max-size': '20m', 'max-file': '5' } } },
    LogPath: c.logPath ?? `/var/lib/docker/containers/${c.id}/${c.id}-json.log`,
    Mounts: c.mounts ?? [],
  };
}
