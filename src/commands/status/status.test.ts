import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Output } from '../../core/output.js';
import { writeStartRecord, fingerprintFiles } from '../../docker/start-record.js';
import { createTestContext, fakeClock } from '../../testing/context.js';
import { FakeDocker, fakeContainer } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { lanIPv4, stackUrls } from '../shared/status-view.js';
import { outcome, render, run, shellQuote } from './status.handler.js';
import type { HttpFetch } from '../../core/http.js';

const VIRTUAL_KEY = 'sk-virtual0123456789abcd';
const MASTER_KEY = 'sk-master0123456789abcdefghij';

function healthyStack() {
  return [
    fakeContainer('postgres', { image: 'postgres:16' }),
    fakeContainer('litellm', { ports: [{ containerPort: 4000, hostIp: '127.0.0.1', hostPort: 54000 }] }),
    fakeContainer('open-webui', { health: undefined }),
    fakeContainer('nginx', { ports: [{ containerPort: 80, hostIp: '127.0.0.1', hostPort: 53000 }] }),
  ];
}

const ready = (async () => new Response(JSON.stringify({ status: 'healthy', db: 'connected' }), { status: 200 })) as HttpFetch;

async function setup(containers = healthyStack(), env: Record<string, string> = { VIRTUAL_KEY }) {
  const { dir } = await writeGatewayFixture({ env });
  const docker = new FakeDocker({ containers });
  const ctx = createTestContext({ dir, docker, clock: fakeClock(), http: { fetch: ready } });
  return { ctx, dir, docker };
}

describe('status', () => {
  it('shows one row per service, the URLs, LiteLLM readiness, and reads only the engine', async () => {
    const { ctx, docker } = await setup();
    const result = await run(ctx, { output: 'table' });
    expect(result).toMatchObject({ project: 'gw', state: 'running', healthy: true, litellmReadiness: { ready: true, detail: 'db connected' } });
    expect(docker.calls.every((c) => c.program === 'docker' && ['version', 'ps', 'inspect'].includes(c.args[0] ?? ''))).toBe(true);
    const text = render(result, ctx.out.style);
    expect(text).toContain('gw is running and healthy');
    expect(text).toMatch(/litellm\s+running\s+healthy\s+127\.0\.0\.1:54000->4000\/tcp\s+litellm:test/);
    expect(text).toMatch(/open-webui\s+running\s+no healthcheck/);
    expect(text).toContain('http://127.0.0.1:53000/api/litellm/v1');
    expect(text).toContain('not compared');
    expect(result.images).toBeNull();
  });

  it('shows what each image reference resolved to at the last start (.ai-gateway/images.json), in --json too', async () => {
    const { ctx } = await setup();
    const digest = `litellm@sha256:${'e'.repeat(64)}`;
    await ctx.fs.mkdirp(join(ctx.dir, '.ai-gateway'));
    await writeFile(
      join(ctx.dir, '.ai-gateway', 'images.json'),
      JSON.stringify({ version: 1, recordedAt: '2026-01-01T00:00:00.000Z', images: [{ service: 'litellm', reference: 'litellm:test', digest, id: `sha256:${'f'.repeat(64)}` }, { service: 'nginx', reference: 'local/nginx:x', digest: null, id: `sha256:${'1'.repeat(64)}` }] }),
    );
    const result = await run(ctx, { output: 'table' });
    expect(result.images?.images[0]).toEqual({ service: 'litellm', reference: 'litellm:test', digest, id: `sha256:${'f'.repeat(64)}` });
    const text = render(result, ctx.out.style);
    expect(text).toContain('Images (resolved at the last start, 2026-01-01T00:00:00.000Z)');
    expect(text).toMatch(/litellm\s+litellm:test\s+sha256:eeeeeeeeeeee/);
    expect(text).toMatch(/nginx\s+local\/nginx:x\s+sha256:111111111111 \(local image, no registry digest\)/);
  });

  it('names a service killed for memory as OOM-killed, with the setting that gives it more', async () => {
    const containers = healthyStack().map((c) => (c.service === 'open-webui' ? { ...c, state: 'restarting' as const, exitCode: 137, oomKilled: true, memoryLimitBytes: 960 * 1024 * 1024 } : c));
    const { ctx } = await setup(containers);
    const result = await run(ctx, { output: 'table' });
    expect(result.healthy).toBe(false);
    expect(result.services.find((s) => s.service === 'open-webui')).toMatchObject({ oomKilled: true, exitCode: 137 });
    expect(result.oomKilled).toEqual([
      {
        service: 'open-webui',
        memoryLimitBytes: 960 * 1024 * 1024,
        message: 'open-webui was OOM-killed (it used all of its 960 MB memory limit).',
        hint: expect.stringContaining('"ai-gateway setup --no-limits" (every profile gives open-webui the same limit), then "ai-gateway start"'),
      },
    ]);
    const text = render(result, ctx.out.style);
    expect(text).toMatch(/open-webui\s+restarting \(137, OOM-killed\)/);
    expect(text).toContain('open-webui was OOM-killed');
  });

  it('reports a stopped and a partial stack', async () => {
    const stopped = await setup([]);
    const result = await run(stopped.ctx, { output: 'table' });
    expect(result.state).toBe('stopped');
    expect(render(result, stopped.ctx.out.style)).toContain('gw is stopped');

    const partial = await setup([fakeContainer('postgres'), fakeContainer('litellm', { state: 'exited', exitCode: 3, health: undefined })]);
    const partResult = await run(partial.ctx, { output: 'table' });
    expect(partResult).toMatchObject({ state: 'partial', healthy: false, litellmReadiness: null });
    const text = render(partResult, partial.ctx.out.style);
    expect(text).toMatch(/litellm\s+exited \(3\)/);
    expect(text).toMatch(/nginx\s+not created/);
  });

  it('a stopped stack, or no Docker at all: the configured URLs and every service stopped; exit 0, or 3 without Docker', async () => {
    for (const daemon of ['up', 'missing', 'down'] as const) {
      const { dir } = await writeGatewayFixture({ env: { VIRTUAL_KEY } });
      const ctx = createTestContext({ dir, cwd: '/elsewhere', docker: new FakeDocker({ daemon, containers: [] }), clock: fakeClock(), http: { fetch: ready } });
      const result = await run(ctx, { output: 'table' });
      expect(result).toMatchObject({ state: 'stopped', healthy: false, litellmReadiness: null, startCommand: `ai-gateway start --dir ${dir}` });
      expect(result.services.map((s) => s.state)).toEqual(['postgres', 'litellm', 'open-webui', 'nginx'].map(() => 'missing'));
      const text = render(result, ctx.out.style);
      expect(text).toContain(`Where it answers once started (ai-gateway start --dir ${dir}):`);
      expect(text).toContain('http://127.0.0.1:53000/api/litellm/v1');
      expect(text).toMatch(/litellm\s+stopped/);
      if (daemon === 'up') {
        expect(result.engine).toEqual({ available: true });
        expect(outcome(result)).toEqual({ ok: true, exitCode: 0 });
        expect(text).toContain(`gw is stopped ("ai-gateway start --dir ${dir}" starts it).`);
      } else {
        expect(result.engine).toMatchObject({ available: false, code: daemon === 'missing' ? 'DOCKER_NOT_INSTALLED' : 'DOCKER_DAEMON_UNREACHABLE' });
        expect(outcome(result)).toEqual({ ok: false, exitCode: 3 });
        expect(text).toMatch(daemon === 'missing' ? /gw is stopped: Docker is not installed/ : /gw is stopped: The Docker daemon is not running/);
      }
    }
  });

  it('without permission on the Docker socket it cannot say the stack is stopped: the error, exit 3', async () => {
    const { dir } = await writeGatewayFixture();
    const ctx = createTestContext({ dir, docker: new FakeDocker({ daemon: 'denied' }), clock: fakeClock(), http: { fetch: ready } });
    await expect(run(ctx, { output: 'table' })).rejects.toMatchObject({ code: 'DOCKER_PERMISSION_DENIED', exitCode: 3 });
  });

  it('says which files changed since the last start, and which containers were replaced', async () => {
    const { ctx, dir, docker } = await setup();
    const ids = Object.fromEntries(docker.containers.map((c) => [c.service, c.id]));
    await writeStartRecord(ctx, dir, { version: 1, project: 'gw', startedAt: 'x', files: await fingerprintFiles(ctx, dir), containers: { ...ids, nginx: 'someotherid' } });
    await writeFile(join(dir, 'config.yaml'), 'model_list: [changed]\n');
    const result = await run(ctx, { output: 'table' });
    expect(result.drift).toEqual({ known: true, changedFiles: ['config.yaml'], replacedContainers: ['nginx'] });
    const text = render(result, ctx.out.style);
    expect(text).toContain('Changed since the last start: config.yaml');
    expect(text).toContain('"ai-gateway start" applies them');
    expect(text).toContain('Not the containers "ai-gateway start" started: nginx');
  });

  it('-o env prints eval-able lines with the virtual key, never the master key', async () => {
    const { ctx } = await setup();
    ctx.out.addSecret(VIRTUAL_KEY); // as loadGateway does
    const result = await run(ctx, { output: 'env' });
    ctx.out.result('status', result, render);
    const printed = ctx.captured.stdout.join('');
    expect(printed).toContain(`OPENAI_API_KEY='${VIRTUAL_KEY}'`);
    expect(printed).toContain("OPENAI_BASE_URL='http://127.0.0.1:53000/api/litellm/v1'");
    expect(printed).toContain("AI_GATEWAY_ADMIN_URL='http://127.0.0.1:54000/ui'");
    expect(printed).not.toContain(MASTER_KEY);
    const evaluated = execFileSync('sh', ['-c', `${printed}\nprintf '%s|%s' "$OPENAI_API_KEY" "$AI_GATEWAY_WEBUI_URL"`], { encoding: 'utf8' });
    expect(evaluated).toBe(`${VIRTUAL_KEY}|http://127.0.0.1:53000/`);
  });

  it('--json is one versioned document without the virtual key', async () => {
    const { dir } = await writeGatewayFixture({ env: { VIRTUAL_KEY } });
    const stdout: string[] = [];
    const out = new Output({ json: true, color: false, verbose: false, stdout: { write: (s: string) => stdout.push(s) }, stderr: { write: () => {} }, spinners: false });
    const ctx = createTestContext({ dir, out, docker: new FakeDocker({ containers: healthyStack() }), clock: fakeClock(), http: { fetch: ready } });
    const result = await run(ctx, { output: 'json' });
    out.result('status', result, render);
    const doc = JSON.parse(stdout.join('')) as Record<string, unknown>;
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'status', ok: true, state: 'running', healthy: true });
    expect(Object.keys(doc)).toEqual(expect.arrayContaining(['services', 'urls', 'drift', 'litellmReadiness']));
    expect(stdout.join('')).not.toContain(VIRTUAL_KEY);
    expect(stdout.join('')).not.toContain(MASTER_KEY);
  });

  it('refuses -o env together with --json (the key must not end up in a JSON document)', async () => {
    const { dir } = await writeGatewayFixture({ env: { VIRTUAL_KEY } });
    const out = new Output({ json: true, color: false, verbose: false, stdout: { write: () => {} }, stderr: { write: () => {} }, spinners: false });
    const ctx = createTestContext({ dir, out, docker: new FakeDocker({ containers: healthyStack() }), clock: fakeClock(), http: { fetch: ready } });
    await expect(run(ctx, { output: 'env' })).rejects.toMatchObject({ code: 'CONFLICTING_OUTPUT', exitCode: 2 });
  });

  it('warns instead of printing an empty key when there is no virtual key yet', async () => {
    const { ctx } = await setup(healthyStack(), {});
    const result = await run(ctx, { output: 'env' });
    expect(result.env?.some(([k]) => k === 'OPENAI_API_KEY')).toBe(false);
    expect(ctx.captured.stderr.join('')).toContain('VIRTUAL_KEY is not set');
  });
});

describe('shellQuote', () => {
  it('survives quotes and shell syntax', () => {
    const value = `it's $(rm -rf /) "x"`;
    expect(execFileSync('sh', ['-c', `v=${shellQuote(value)}; printf '%s' "$v"`], { encoding: 'utf8' })).toBe(value);
  });
});

describe('URLs', () => {
  const interfaces = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
    docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false }],
    'br-1234': [{ address: '172.18.0.1', family: 'IPv4', internal: false }],
    veth12: [{ address: '169.254.1.1', family: 'IPv4', internal: false }],
    eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '192.168.1.20', family: 'IPv4', internal: false }],
  } as unknown as Parameters<typeof lanIPv4>[0];

  it('finds the LAN address, skipping loopback, docker, bridge and veth interfaces', () => {
    expect(lanIPv4(interfaces)).toBe('192.168.1.20');
  });

  it('adds LAN URLs only when published on all interfaces', async () => {
    const { settings } = await writeGatewayFixture({ env: { BIND_ADDRESS: '0.0.0.0' } });
    const urls = stackUrls(settings, interfaces);
    expect(urls.local.api).toBe('http://localhost:53000/api/litellm/v1');
    expect(urls.lan?.api).toBe('http://192.168.1.20:53000/api/litellm/v1');
    const local = await writeGatewayFixture();
    expect(stackUrls(local.settings, interfaces).lan).toBeNull();
  });
});
