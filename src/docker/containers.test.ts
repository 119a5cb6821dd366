import { describe, expect, it } from 'vitest';
import { createTestContext } from '../testing/context.js';
import { FakeDocker, fakeContainer } from '../testing/fake-docker.js';
import { byService, inspectContainers, parseInspect, projectContainers } from './containers.js';

// Trimmed from real `docker inspect` output: a Compose v1 container (project_service_1, v1 labels)
// with a healthcheck and a published port, and a Compose v2 one (project-service-1) without
// a healthcheck, never started (Ports null, zero times).
const v1Container = {
  Id: 'a1'.repeat(32),
  Created: '2026-03-01T10:00:00.123456789Z',
  Path: 'docker-entrypoint.sh',
  Args: ['postgres'],
  State: {
    Status: 'running',
    Running: true,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    Dead: false,
    Pid: 4242,
    ExitCode: 0,
    Error: '',
    StartedAt: '2026-03-01T10:00:01.5Z',
    FinishedAt: '0001-01-01T00:00:00Z',
    Health: {
      Status: 'healthy',
      FailingStreak: 0,
      Log: [{ Start: '2026-03-01T10:00:03Z', End: '2026-03-01T10:00:03Z', ExitCode: 0, Output: '127.0.0.1:5432 - accepting connections\n' }],
    },
  },
  Image: 'sha256:' + 'f'.repeat(64),
  Name: '/gw_postgres_1',
  RestartCount: 0,
  HostConfig: { RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 } },
  Config: {
    Image: 'postgres:16',
    Labels: {
      'com.docker.compose.config-hash': 'abc',
      'com.docker.compose.container-number': '1',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.project': 'gw',
      'com.docker.compose.project.config_files': '/srv/gw/docker-compose.yml,/srv/gw/docker-compose.override.yml',
      'com.docker.compose.project.working_dir': '/srv/gw',
      'com.docker.compose.service': 'postgres',
      'com.docker.compose.version': '1.29.2',
    },
  },
  NetworkSettings: {
    Ports: {
      '5432/tcp': [
        { HostIp: '127.0.0.1', HostPort: '55432' },
      ],
      '5433/tcp': null,
    },
  },
};

const v2Container = {
  Id: 'b2'.repeat(32),
  Created: '2026-03-01T10:00:05Z',
  State: { Status: 'created', Running: false, ExitCode: 0, StartedAt: '0001-01-01T00:00:00Z', FinishedAt: '0001-01-01T00:00:00Z' },
  Name: '/gw-nginx-1',
  RestartCount: 0,
  Config: {
    Image: 'nginx:alpine',
    Labels: {
      'com.docker.compose.depends_on': 'litellm:service_healthy:false',
      'com.docker.compose.oneoff': 'False',
      'com.docker.compose.project': 'gw',
      'com.docker.compose.service': 'nginx',
      'com.docker.compose.version': '2.29.1',
    },
  },
  NetworkSettings: { Ports: null },
};

describe('parseInspect', () => {
  it('reads a Compose v1 container with health and ports', () => {
    const [c] = parseInspect(JSON.stringify([v1Container]));
    expect(c).toMatchObject({
      name: 'gw_postgres_1',
      project: 'gw',
      service: 'postgres',
      state: 'running',
      health: 'healthy',
      lastHealthOutput: '127.0.0.1:5432 - accepting connections',
      lastHealthPassedAt: '2026-03-01T10:00:03Z',
      exitCode: 0,
      restartCount: 0,
      image: 'postgres:16',
      startedAt: '2026-03-01T10:00:01.5Z',
      finishedAt: null,
      oneOff: false,
      ports: [{ containerPort: 5432, protocol: 'tcp', hostIp: '127.0.0.1', hostPort: 55432 }],
    });
  });

  it('reads a Compose v2 container without a healthcheck that never started', () => {
    const [c] = parseInspect(JSON.stringify([v2Container]));
    expect(c).toMatchObject({ name: 'gw-nginx-1', service: 'nginx', state: 'created', health: null, startedAt: null, ports: [] });
  });

  it('tolerates null labels, a null health log and missing network settings', () => {
    const bare = { Id: 'c3', State: { Status: 'exited', ExitCode: 137, Health: { Status: 'unhealthy', Log: null } }, Config: { Image: 'x', Labels: null } };
    const [c] = parseInspect(JSON.stringify([bare]));
    expect(c).toMatchObject({ project: null, service: null, state: 'exited', exitCode: 137, health: 'unhealthy', lastHealthOutput: null, lastHealthPassedAt: null, ports: [] });
  });

  it('reads OOMKilled, the memory limit, the log configuration and the log path', () => {
    const [killed] = parseInspect(
      JSON.stringify([
        {
          Id: 'abc',
          State: { Status: 'exited', ExitCode: 137, OOMKilled: true },
          Config: { Image: 'litellm', Labels: {} },
          HostConfig: { Memory: 100663296, LogConfig: { Type: 'json-file', Config: { 'max-size': '10k', 'max-file': '2' } } },
          LogPath: '/var/lib/docker/containers/abc/abc-json.log',
        },
      ]),
    );
    expect(killed).toMatchObject({ oomKilled: true, memoryLimitBytes: 100663296, logConfig: { driver: 'json-file', options: { 'max-size': '10k', 'max-file': '2' } }, logPath: '/var/lib/docker/containers/abc/abc-json.log' });
    // Memory 0 is "no limit"; an engine that omits HostConfig gives nulls, never an error.
    const [plain] = parseInspect(JSON.stringify([{ Id: 'def', State: { Status: 'running' }, Config: {}, HostConfig: { Memory: 0, LogConfig: { Type: 'json-file', Config: null } } }]));
    expect(plain).toMatchObject({ oomKilled: false, memoryLimitBytes: null, logConfig: { driver: 'json-file', options: {} }, logPath: null });
    expect(parseInspect(JSON.stringify([{ Id: 'g', State: { Status: 'running' }, Config: {} }]))[0]).toMatchObject({ memoryLimitBytes: null, logConfig: null });
  });

  it('rejects something that is not docker inspect output', () => {
    expect(() => parseInspect('{"hello":1}')).toThrow();
  });
});

describe('projectContainers', () => {
  it('lists the project with ps -a -q + inspect, without one-off containers', async () => {
    const docker = new FakeDocker({
      containers: [fakeContainer('postgres'), fakeContainer('litellm', { oneOff: true }), fakeContainer('nginx', { project: 'other' })],
    });
    const ctx = createTestContext({ docker });
    const containers = await projectContainers(ctx, 'gw');
    expect(containers.map((c) => c.service)).toEqual(['postgres']);
    expect(docker.calls[0]?.args).toEqual(['ps', '-a', '-q', '--no-trunc', '--filter', 'label=com.docker.compose.project=gw']);
  });

  it('keeps what docker printed when a container vanished between ps and inspect', async () => {
    const docker = new FakeDocker({ containers: [fakeContainer('postgres')] });
    const ctx = createTestContext({ docker });
    const [only] = docker.containers;
    const containers = await inspectContainers(ctx, [only?.id ?? '', 'gone']);
    expect(containers).toHaveLength(1);
  });

  it('byService keeps the newest container of a service', () => {
    const old = parseInspect(JSON.stringify([{ ...v1Container, Id: 'old', Created: '2026-03-01T10:00:00.9Z' }]));
    const fresh = parseInspect(JSON.stringify([{ ...v1Container, Id: 'new', Created: '2026-03-01T10:00:01.05Z' }]));
    expect(byService([...fresh, ...old]).get('postgres')?.id).toBe('new');
    expect(byService([...old, ...fresh]).get('postgres')?.id).toBe('new');
  });
});

describe('over the engine socket', () => {
  /** A FakeDocker whose engine also answers GETs, as the real client does on a local socket. */
  function withSocket(answers: (path: string) => unknown) {
    const docker = new FakeDocker({ containers: [fakeContainer('postgres', { health: 'healthy' })] });
    const asked: string[] = [];
    const client = Object.assign(docker, { engineGet: async (path: string) => (asked.push(path), answers(path)) });
    return { ctx: createTestContext({ docker: client }), docker, asked };
  }

  it('lists and inspects through the socket: no docker CLI run, the same containers', async () => {
    const { ctx, docker, asked } = withSocket((path) => (path.startsWith('/containers/json') ? [{ Id: v1Container.Id }, { Id: v2Container.Id }] : path.includes(v1Container.Id) ? v1Container : v2Container));
    const containers = await projectContainers(ctx, 'gw');
    expect(containers.map((c) => c.name)).toEqual(['gw_postgres_1', 'gw-nginx-1']);
    expect(containers[0]).toMatchObject({ service: 'postgres', health: 'healthy', ports: [{ containerPort: 5432, hostIp: '127.0.0.1', hostPort: 55432, protocol: 'tcp' }] });
    expect(docker.calls).toEqual([]);
    expect(decodeURIComponent(asked[0] as string)).toBe('/containers/json?all=1&filters={"label":["com.docker.compose.project=gw"]}');
  });

  it('falls back to the CLI when a request fails or a container went away between list and inspect', async () => {
    const { ctx, docker } = withSocket((path) => (path.startsWith('/containers/json') ? [{ Id: 'gone' }] : null));
    const containers = await projectContainers(ctx, docker.containers[0]?.project ?? 'gw');
    expect(docker.calls.map((c) => c.args[0])).toEqual(['inspect']);
    expect(containers).toHaveLength(0); // the CLI says "no such container" for the id the socket listed
    const down = withSocket(() => null);
    await projectContainers(down.ctx, 'gw');
    expect(down.docker.calls.map((c) => c.args[0])).toEqual(['ps', 'inspect']);
  });
});
