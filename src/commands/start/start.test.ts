import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { createTestContext, fakeClock, tempDir } from '../../testing/context.js';
import { FakeDocker, fakeContainer, type FakeContainer } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { render, run, type StartDeps } from './start.handler.js';
import type { HttpFetch } from '../../core/http.js';

const SERVICES = ['postgres', 'litellm', 'open-webui', 'nginx'];

function readinessFetch(body: unknown = { status: 'healthy', db: 'connected' }, status = 200): HttpFetch {
  return (async () => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })) as HttpFetch;
}

function keptKey(): StartDeps & { calls: number } {
  const deps = {
    calls: 0,
    async ensureOpenWebuiKey() {
      deps.calls++;
      return { action: 'kept' as const, changed: false };
    },
  };
  return deps;
}

/** Compose `up` that creates the stack as "starting"; it turns healthy after `healthyAfterPolls` polls. */
function composeThatStarts(docker: FakeDocker, options: { healthyAfterPolls?: number; mutate?: (c: FakeContainer[], poll: number) => void } = {}) {
  let upAtPoll = -1;
  docker.onCompose = (sub, _args, engine) => {
    if (sub === 'up') {
      upAtPoll = engine.polls;
      engine.containers = SERVICES.map((s) => fakeContainer(s, { health: 'starting', startedAt: `2026-01-01T00:02:0${engine.polls % 10}Z` }));
      return { stdout: '', stderr: '', exitCode: 0 };
    }
    return undefined;
  };
  docker.onPoll = (engine, poll) => {
    if (upAtPoll >= 0 && poll >= upAtPoll + (options.healthyAfterPolls ?? 2)) for (const c of engine.containers) if (c.health === 'starting') c.health = 'healthy';
    options.mutate?.(engine.containers, poll);
  };
}

async function context(docker: FakeDocker, env: Record<string, string> = {}) {
  const { dir, settings } = await writeGatewayFixture({ env });
  const ctx = createTestContext({ dir, docker, clock: fakeClock(), http: { fetch: readinessFetch() } });
  return { ctx, dir, settings };
}

async function errorOf(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe('start', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  it('refuses with the setup command when setup has not run, before touching Docker', async () => {
    const dir = await tempDir();
    const docker = new FakeDocker();
    const error = await errorOf(run(createTestContext({ dir, docker }), { wait: true }, keptKey()));
    expect(error.code).toBe('NOT_SET_UP');
    expect(error.hint).toContain('ai-gateway setup');
    expect(docker.calls).toEqual([]);
  });

  it('refuses when a generated file is missing or invalid', async () => {
    const { dir } = await writeGatewayFixture({ omit: ['config.yaml'] });
    const error = await errorOf(run(createTestContext({ dir, docker: new FakeDocker() }), { wait: true }, keptKey()));
    expect(error.code).toBe('NOT_SET_UP');
    expect(error.message).toContain('config.yaml');

    const broken = await writeGatewayFixture();
    await writeFile(join(broken.dir, 'docker-compose.yml'), 'services:\n  postgres: [\n');
    const invalid = await errorOf(run(createTestContext({ dir: broken.dir, docker: new FakeDocker() }), { wait: true }, keptKey()));
    expect(invalid.code).toBe('COMPOSE_FILE_INVALID');
    expect(invalid.message).toContain('docker-compose.yml');
  });

  it('runs up -d, waits until every service is healthy and LiteLLM ready, records what it started, and prints the URLs', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 3 });
    const { ctx, dir } = await context(docker);
    const keys = keptKey();
    const result = await run(ctx, { wait: true }, keys);
    expect(docker.composeCalls()).toEqual([{ sub: 'up', args: ['-d', '--remove-orphans'] }]);
    expect(result).toMatchObject({ project: 'gw', alreadyRunning: false, waited: true, healthy: true, openWebuiKey: 'kept', compose: 'docker-compose 1.29.2' });
    expect(result.changed).toEqual(['litellm', 'nginx', 'open-webui', 'postgres']);
    expect(result.services.map((s) => `${s.service}:${s.state}:${s.health}`)).toEqual(SERVICES.map((s) => `${s}:running:healthy`));
    expect(result.urls.local).toMatchObject({ api: 'http://127.0.0.1:53000/api/litellm/v1', openWebui: 'http://127.0.0.1:53000/', adminUi: 'http://127.0.0.1:54000/ui' });
    expect(keys.calls).toBe(1);
    const record = JSON.parse(await readFile(join(dir, '.ai-gateway', 'state.json'), 'utf8')) as { containers: Record<string, string>; files: Record<string, string> };
    expect(Object.keys(record.containers).sort()).toEqual([...SERVICES].sort());
    expect(record.files['config.yaml']).toMatch(/^[0-9a-f]{64}$/);
    const images = JSON.parse(await readFile(join(dir, '.ai-gateway', 'images.json'), 'utf8')) as { images: { service: string; reference: string; digest: string | null }[] };
    expect(images.images.map((i) => i.service).sort()).toEqual([...SERVICES].sort());
    for (const entry of images.images) expect(entry.digest).toMatch(new RegExp(`^${entry.reference.replace(/:[^:/]*$/, '')}@sha256:[0-9a-f]{64}$`));
    expect((await stat(join(dir, '.ai-gateway', 'images.json'))).mode & 0o777).toBe(0o600);
    const text = render(result, ctx.out.style);
    expect(text).toContain('gw is running and healthy');
    expect(text).toContain('http://127.0.0.1:53000/api/litellm/v1');
    expect(text).toContain('http://127.0.0.1:54000/ui');
  });

  it('with overrides (upgrade): Compose reads a 600 copy of .env with them, pulls the overridden image, never the "already running" shortcut; .env untouched, the copy removed', async () => {
    const docker = new FakeDocker({ containers: SERVICES.map((s) => fakeContainer(s)) });
    composeThatStarts(docker);
    const { ctx, dir } = await context(docker);
    docker.images = new Map(SERVICES.map((s) => [`${s}:test`, 1]));
    const envBefore = await readFile(join(dir, '.env'), 'utf8');
    const seen: { file: string; text: string; mode: number }[] = [];
    const up = docker.onCompose;
    docker.onCompose = (sub, args, engine, options) => {
      const full = engine.calls.at(-1)?.args ?? [];
      const file = full[full.indexOf('--env-file') + 1] ?? '';
      if (sub === 'up') seen.push({ file, text: readFileSync(file, 'utf8'), mode: statSync(file).mode & 0o777 });
      return up?.(sub, args, engine, options);
    };
    await run(ctx, { wait: true }, keptKey(), { env: { LITELLM_IMAGE: 'registry.example/litellm:next' } });
    expect(docker.pullCalls()).toContain('registry.example/litellm:next');
    expect(seen).toHaveLength(1);
    expect(seen[0]?.file).toBe(join(dir, '.ai-gateway', 'compose-upgrade.env'));
    expect(seen[0]?.text).toContain('LITELLM_IMAGE=registry.example/litellm:next');
    expect(seen[0]?.mode).toBe(0o600);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(envBefore);
    expect(existsSync(join(dir, '.ai-gateway', 'compose-upgrade.env'))).toBe(false);
    // Recorded as started from the copy: until .env says the same, the next start applies .env.
    const record = JSON.parse(await readFile(join(dir, '.ai-gateway', 'state.json'), 'utf8')) as { files: Record<string, string> };
    expect(record.files['.env']).toBe(createHash('sha256').update(seen[0]?.text ?? '').digest('hex'));
    expect(record.files['.env']).not.toBe(createHash('sha256').update(envBefore).digest('hex'));
  });

  it('checks Open WebUI\'s key as soon as LiteLLM is ready, while the services after it still start', async () => {
    const docker = new FakeDocker();
    let upAtPoll = -1;
    docker.onCompose = (sub, _args, engine) => {
      if (sub !== 'up') return undefined;
      upAtPoll = engine.polls;
      engine.containers = [fakeContainer('postgres'), fakeContainer('litellm'), fakeContainer('open-webui', { health: 'starting' }), fakeContainer('nginx', { health: 'starting' })];
      return { stdout: '', stderr: '', exitCode: 0 };
    };
    docker.onPoll = (engine, poll) => {
      if (upAtPoll >= 0 && poll >= upAtPoll + 6) for (const c of engine.containers) c.health = 'healthy';
    };
    const { ctx } = await context(docker);
    let calledAtPoll = -1;
    const deps: StartDeps = {
      ensureOpenWebuiKey: async () => {
        calledAtPoll = docker.polls;
        return { action: 'kept', changed: false };
      },
    };
    await run(ctx, { wait: true }, deps);
    expect(calledAtPoll).toBeGreaterThan(upAtPoll);
    expect(calledAtPoll).toBeLessThan(upAtPoll + 6);
  });

  it('says so and restarts nothing when the stack is already running and healthy with unchanged files', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 1 });
    const { ctx } = await context(docker);
    await run(ctx, { wait: true }, keptKey());
    const callsBefore = docker.composeCalls().length;
    const keys = keptKey();
    const again = await run(ctx, { wait: true }, keys);
    expect(again.alreadyRunning).toBe(true);
    expect(docker.composeCalls().length).toBe(callsBefore);
    expect(keys.calls).toBe(0);
    expect(render(again, ctx.out.style)).toContain('already running and healthy; nothing was restarted');
    expect(render(again, ctx.out.style)).toContain('SERVICE');
  });

  /** LiteLLM's readiness on its own port; through Nginx (port 53000) a 502 while `nginxDown()` says so. */
  function routesFetch(nginxDown: () => boolean): HttpFetch & { nginxCalls: string[] } {
    const nginxCalls: string[] = [];
    const fetcher = (async (url: string | URL) => {
      const target = String(url);
      if (target.includes(':53000')) {
        nginxCalls.push(target);
        if (nginxDown()) return new Response('<html><center><h1>502 Bad Gateway</h1></center></html>', { status: 502, headers: { 'content-type': 'text/html' } });
        return target.includes('/api/litellm/')
          ? new Response('{"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None","code":"401"}}', { status: 401 })
          : new Response('<html>Open WebUI</html>', { status: 200 });
      }
      return new Response(JSON.stringify({ status: 'healthy', db: 'connected' }), { status: 200 });
    }) as unknown as HttpFetch & { nginxCalls: string[] };
    fetcher.nginxCalls = nginxCalls;
    return fetcher;
  }

  it('checks the API and / through Nginx once healthy: a 502 there that does not go away is a failed start, named as such', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 1 });
    const { dir } = await writeGatewayFixture({});
    const fetcher = routesFetch(() => true);
    const ctx = createTestContext({ dir, docker, clock: fakeClock(), http: { fetch: fetcher } });
    const error = await errorOf(run(ctx, { wait: true }, keptKey()));
    expect(error.code).toBe('NGINX_ROUTE_FAILED');
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain('http://127.0.0.1:53000/api/litellm/v1/models gives 502 Bad Gateway: Nginx cannot reach litellm');
    expect(error.message).toContain('http://127.0.0.1:53000/ gives 502 Bad Gateway: Nginx cannot reach open-webui');
    expect(error.hint).toContain(`ai-gateway logs nginx litellm open-webui --dir ${dir}`);
    expect(fetcher.nginxCalls.length).toBeGreaterThan(2); // it asked again while Nginx could still re-resolve
  });

  it('waits while Nginx follows a recreated container (502 for a few seconds), then reports healthy', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 1 });
    const { dir } = await writeGatewayFixture({});
    const clock = fakeClock();
    let firstRouteProbeAt: number | null = null;
    const fetcher = routesFetch(() => {
      firstRouteProbeAt ??= clock.now();
      return clock.now() - firstRouteProbeAt < 4_000;
    });
    const ctx = createTestContext({ dir, docker, clock, http: { fetch: fetcher } });
    const result = await run(ctx, { wait: true }, keptKey());
    expect(result.healthy).toBe(true);
    expect(fetcher.nginxCalls).toContain('http://127.0.0.1:53000/api/litellm/v1/models');
    expect(fetcher.nginxCalls).toContain('http://127.0.0.1:53000/');
  });

  it('is not "already running" when Nginx cannot reach its containers: it runs up and checks again', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 1 });
    const { dir } = await writeGatewayFixture({});
    let down = false;
    const ctx = createTestContext({ dir, docker, clock: fakeClock(), http: { fetch: routesFetch(() => down) } });
    await run(ctx, { wait: true }, keptKey());
    down = true;
    const error = await errorOf(run(ctx, { wait: true }, keptKey()));
    expect(error.code).toBe('NGINX_ROUTE_FAILED');
    expect(docker.composeCalls().filter((c) => c.sub === 'up')).toHaveLength(2);
  });

  it('applies a changed config.yaml: up -d, then a restart of litellm only', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 1 });
    const { ctx, dir } = await context(docker);
    await run(ctx, { wait: true }, keptKey());
    await writeFile(join(dir, 'config.yaml'), 'model_list: [{model_name: gpt}]\n');
    docker.onCompose = (sub, _args, engine) => {
      if (sub === 'restart') {
        const litellm = engine.containers.find((c) => c.service === 'litellm');
        if (litellm) Object.assign(litellm, { health: 'healthy', startedAt: '2026-01-01T00:09:00Z' });
      }
      return undefined; // up: nothing changed for Compose
    };
    const result = await run(ctx, { wait: true }, keptKey());
    expect(result.alreadyRunning).toBe(false);
    expect(docker.composeCalls().slice(-2)).toEqual([
      { sub: 'up', args: ['-d', '--remove-orphans'] },
      { sub: 'restart', args: ['litellm'] },
    ]);
    expect(result.changed).toEqual(['litellm']);
  });

  it('recreates only open-webui when its virtual key changed, and waits for health again', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 1 });
    const { ctx } = await context(docker);
    const deps: StartDeps = { ensureOpenWebuiKey: async () => ({ action: 'created', changed: true }) };
    const result = await run(ctx, { wait: true }, deps);
    expect(docker.composeCalls()).toEqual([
      { sub: 'up', args: ['-d', '--remove-orphans'] },
      { sub: 'up', args: ['-d', '--remove-orphans', '--no-deps', '--force-recreate', 'open-webui'] },
    ]);
    expect(result.openWebuiKey).toBe('created');
    expect(render(result, ctx.out.style)).toContain("Open WebUI's virtual key was created");
  });

  it('fails fast when a service exits: names it with its exit code and logs, keeps the containers, stops waiting on Compose', async () => {
    const docker = new FakeDocker();
    let upSignal: AbortSignal | undefined;
    docker.onCompose = (sub, _args, engine, options) => {
      if (sub !== 'up') return undefined;
      upSignal = options.signal;
      engine.containers = [fakeContainer('postgres'), fakeContainer('litellm', { state: 'exited', health: undefined, exitCode: 1, logs: ['prisma: migration failed'] })];
      // Compose v1 blocks in `up` while it waits for litellm to be healthy: only the abort ends it.
      return new Promise((resolve) => options.signal?.addEventListener('abort', () => resolve({ stdout: '', stderr: '', exitCode: -1, cancelled: true })));
    };
    const { ctx } = await context(docker);
    const started = ctx.clock.now();
    const error = await errorOf(run(ctx, { wait: true, timeout: 600 }, keptKey()));
    expect(error.code).toBe('SERVICE_EXITED');
    expect(error.exitCode).toBe(4);
    expect(error.message).toContain('litellm exited with code 1');
    expect(error.message).toContain('prisma: migration failed');
    expect(error.hint).toContain('ai-gateway logs litellm');
    expect(error.hint).toContain('ai-gateway start --timeout 1200');
    expect(ctx.clock.now() - started).toBeLessThan(2_000);
    expect(upSignal?.aborted).toBe(true);
    expect(docker.composeCalls().map((c) => c.sub)).toEqual(['up']); // no down: kept for inspection
  });

  it('reports a service killed for memory as OOM-killed, with the profile that gives it more', async () => {
    const docker = new FakeDocker();
    docker.onCompose = (sub, _args, engine, options) => {
      if (sub !== 'up') return undefined;
      engine.containers = [
        fakeContainer('postgres'),
        fakeContainer('litellm', { state: 'restarting', health: undefined, exitCode: 137, restartCount: 2, oomKilled: true, memoryLimitBytes: 1920 * 1024 * 1024, logs: ['Started server process'] }),
      ];
      return new Promise((resolve) => options.signal?.addEventListener('abort', () => resolve({ stdout: '', stderr: '', exitCode: -1, cancelled: true })));
    };
    const { ctx } = await context(docker);
    const error = await errorOf(run(ctx, { wait: true, timeout: 600 }, keptKey()));
    expect(error.code).toBe('SERVICE_OOM_KILLED');
    expect(error.exitCode).toBe(4);
    expect(error.message).toMatch(/^litellm was OOM-killed \(it used all of its 1920 MB memory limit\); it keeps restarting/);
    // Whether a bigger profile helps depends on this host's CPUs (src/gateway/limits.test.ts pins them); --no-limits always does.
    expect(error.hint).toMatch(/"ai-gateway setup --no-limits", then "ai-gateway start"\.$/);
  });

  it('refuses a busy port before Compose runs, naming the holder', async () => {
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const docker = new FakeDocker();
    const { ctx } = await context(docker, { NGINX_PORT: String(port) });
    const error = await errorOf(run(ctx, { wait: true }, keptKey()));
    expect(error.code).toBe('PORT_IN_USE');
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain(`port ${port} on 127.0.0.1`);
    if (process.platform === 'linux') expect(error.message).toContain(`process ${process.pid}`);
    expect(error.hint).toMatch(/--nginx-port \d+/);
    expect(docker.composeCalls()).toEqual([]);
  });

  it('turns a Compose "port is already allocated" race into PORT_IN_USE', async () => {
    const docker = new FakeDocker();
    docker.onCompose = (sub) =>
      sub === 'up' ? { stdout: '', stderr: 'ERROR: for nginx  Cannot start service nginx: driver failed programming external connectivity on endpoint gw_nginx_1: Bind for 127.0.0.1:53000 failed: port is already allocated', exitCode: 1 } : undefined;
    const { ctx } = await context(docker);
    const error = await errorOf(run(ctx, { wait: true }, keptKey()));
    expect(error.code).toBe('PORT_IN_USE');
    expect(error.message).toContain('Port 53000');
  });

  it('--no-wait returns once the containers are created', async () => {
    const docker = new FakeDocker();
    composeThatStarts(docker, { healthyAfterPolls: 100 });
    const { ctx } = await context(docker);
    const keys = keptKey();
    const result = await run(ctx, { wait: false }, keys);
    expect(result).toMatchObject({ waited: false, healthy: false, openWebuiKey: 'skipped' });
    expect(keys.calls).toBe(0);
    expect(render(result, ctx.out.style)).toContain('not waiting for health');
  });

  it('reports Docker problems before anything else happens', async () => {
    const { ctx } = await context(new FakeDocker({ daemon: 'down' }));
    const error = await errorOf(run(ctx, { wait: true }, keptKey()));
    expect(error.code).toBe('DOCKER_DAEMON_UNREACHABLE');
    expect(error.exitCode).toBe(3);
  });
});
