import { describe, expect, it } from 'vitest';
import { createTestContext, fakeClock, rejection } from '../src/testing/context.js';
import { FakeDocker, fakeContainer } from '../src/testing/fake-docker.js';
import { writeGatewayFixture } from '../src/testing/gateway-fixture.js';
import type { HttpFetch } from '../src/core/http.js';
import { run as keyList, optionsSchema as keyListOptions } from '../src/commands/key/list.handler.js';
import { run as models, optionsSchema as modelsOptions } from '../src/commands/models/models.handler.js';
import { run as openapi, optionsSchema as openapiOptions } from '../src/commands/openapi/openapi.handler.js';
import { run as smoke, optionsSchema as smokeOptions } from '../src/commands/smoke/smoke.handler.js';
import { assertStackRunning, dockerStackState } from '../src/docker/stack-state.js';

const target = (dir: string) => ({ dir, project: 'gw', services: ['nginx', 'litellm'] });

/** Every request is refused, as on a machine where nothing listens on the gateway's ports. */
const refused = (async () => {
  throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:54000'), { code: 'ECONNREFUSED' });
}) as HttpFetch;

async function context(docker: FakeDocker, options: { cwd?: string } = {}) {
  const { dir } = await writeGatewayFixture({ env: { VIRTUAL_KEY: 'sk-virtual0123456789abcd' } });
  const clock = fakeClock();
  const ctx = createTestContext({ dir, docker, clock, http: { fetch: refused }, ...options });
  ctx.stackState = dockerStackState(ctx);
  return { ctx, dir, clock };
}

describe('the engine check before waiting for the gateway', () => {
  it('names each way the stack is not running, with the start command for that directory', async () => {
    const cases: [FakeDocker, RegExp, string][] = [
      [new FakeDocker({ daemon: 'missing' }), /not running: Docker is not installed/, 'DOCKER_NOT_INSTALLED'],
      [new FakeDocker({ daemon: 'down' }), /not running: the Docker daemon is not running or not reachable/, 'DOCKER_DAEMON_UNREACHABLE'],
      [new FakeDocker({ containers: [] }), /not running: no container of project gw exists/, ''],
      [new FakeDocker({ containers: [fakeContainer('nginx'), fakeContainer('litellm', { state: 'exited', exitCode: 1 })] }), /not running: litellm is exited/, ''],
      [new FakeDocker({ containers: [fakeContainer('litellm')] }), /not running: nginx is not created/, ''],
    ];
    for (const [docker, message, engine] of cases) {
      const { ctx, dir } = await context(docker, { cwd: '/somewhere/else' });
      const error = await rejection(assertStackRunning(ctx, target(dir)));
      expect(error.code).toBe('GATEWAY_NOT_RUNNING');
      expect(error.message).toMatch(message);
      expect(error.message).toContain(`The gateway in ${dir} is not running`);
      expect(error.hint).toContain(`ai-gateway start --dir ${dir}`);
      if (engine) expect((error as unknown as { details: { engine: string } }).details.engine).toBe(engine);
    }
  });

  it('lets the wait go on for a stack that is coming up, or an engine that cannot tell', async () => {
    const coming = [
      new FakeDocker({ containers: [fakeContainer('nginx'), fakeContainer('litellm', { health: 'starting' })] }),
      new FakeDocker({ containers: [fakeContainer('nginx', { state: 'created' }), fakeContainer('litellm', { state: 'restarting' })] }),
      new FakeDocker({ daemon: 'denied' }), // it may run; this user may not ask
    ];
    for (const docker of coming) {
      const { ctx, dir } = await context(docker);
      await expect(assertStackRunning(ctx, target(dir))).resolves.toBeUndefined();
    }
  });

  it('key list, models, openapi and smoke fail in under 2 s against a stopped gateway, not after their 30-60 s wait', async () => {
    const runs: [string, (ctx: ReturnType<typeof createTestContext>) => Promise<unknown>][] = [
      ['key list', (ctx) => keyList(ctx, keyListOptions.parse({}))],
      ['models', (ctx) => models(ctx, modelsOptions.parse({}))],
      ['openapi', (ctx) => openapi(ctx, openapiOptions.parse({}))],
      ['smoke', (ctx) => smoke(ctx, smokeOptions.parse({}))],
    ];
    for (const [name, command] of runs) {
      for (const docker of [new FakeDocker({ containers: [] }), new FakeDocker({ daemon: 'missing' })]) {
        const { ctx, clock } = await context(docker);
        const started = clock.now();
        const error = await rejection(command(ctx));
        expect(error.code, name).toBe('GATEWAY_NOT_RUNNING');
        expect(error.hint, name).toContain('ai-gateway start');
        expect(clock.now() - started, name).toBeLessThan(2_000);
      }
    }
  });

  it('a starting stack keeps the retry (then PROXY_UNREACHABLE after the wait), and --base-url never asks Docker', async () => {
    const starting = await context(new FakeDocker({ containers: [fakeContainer('nginx'), fakeContainer('litellm', { health: 'starting' })] }));
    const waited = await rejection(models(starting.ctx, modelsOptions.parse({ timeout: '5' })));
    expect(waited.code).toBe('PROXY_UNREACHABLE');
    expect(starting.clock.now() - fakeClock().now()).toBeGreaterThanOrEqual(3_000);

    const docker = new FakeDocker({ daemon: 'missing' });
    const remote = await context(docker);
    const error = await rejection(openapi(remote.ctx, openapiOptions.parse({ baseUrl: 'http://127.0.0.1:54000', timeout: '2' })));
    expect(error.code).toBe('PROXY_UNREACHABLE');
    expect(docker.calls).toEqual([]);
  });
});
