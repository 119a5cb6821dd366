/** `start`'s pull phase: before `up`, outside the health timeout, cancellable, from the compose files' images. */
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { HttpFetch } from '../../core/http.js';
import { createTestContext, fakeClock, rejection } from '../../testing/context.js';
import { FakeDocker, fakeContainer } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { DEFAULT_IMAGES } from '../../gateway/settings.js';
import { render, run, type StartDeps } from './start.handler.js';
import { containerUser } from '../../gateway/container-access.js';

/** Who LiteLLM runs as in an override setup writes (start checks it before up). */
const LITELLM_USER = containerUser(process.getuid?.() ?? null);

const SERVICES = ['postgres', 'litellm', 'open-webui', 'nginx'];

const readiness: HttpFetch = (async () =>
  new Response(JSON.stringify({ status: 'healthy', db: 'connected' }), { status: 200, headers: { 'content-type': 'application/json' } })) as HttpFetch;

function deps(interrupt = new AbortController()): StartDeps {
  return {
    ensureOpenWebuiKey: async () => ({ action: 'kept', changed: false }),
    interrupts: () => ({ signal: interrupt.signal, dispose: () => {} }),
  };
}

/** `up` creates the stack as starting; two polls later it is healthy. Records when `up` ran. */
function stackThatStarts(docker: FakeDocker, clock: { now(): number }) {
  const seen = { upAt: -1 };
  let upPoll = -1;
  docker.onCompose = (sub, _args, engine) => {
    if (sub !== 'up') return undefined;
    seen.upAt = clock.now();
    upPoll = engine.polls;
    engine.containers = SERVICES.map((s) => fakeContainer(s, { health: 'starting' }));
    return { stdout: '', stderr: '', exitCode: 0 };
  };
  docker.onPoll = (engine, poll) => {
    if (upPoll >= 0 && poll >= upPoll + 2) for (const c of engine.containers) c.health = 'healthy';
  };
  return seen;
}

async function setup(options: { present?: string[]; env?: Record<string, string> } = {}) {
  const { dir } = await writeGatewayFixture(options.env ? { env: options.env } : {});
  const docker = new FakeDocker({ images: options.present ?? [] });
  const clock = fakeClock();
  const ctx = createTestContext({ dir, docker, clock, http: { fetch: readiness } });
  return { dir, docker, clock, ctx };
}

describe('start: the pull phase', () => {
  it('pulls the missing images before up; a pull longer than --timeout does not count against it', async () => {
    const { docker, clock, ctx } = await setup({ present: [DEFAULT_IMAGES.postgres, DEFAULT_IMAGES.nginx] });
    let pulledAt = 0;
    docker.pulls.set(DEFAULT_IMAGES.litellm, {
      sizeBytes: 2_000_000_000,
      during: () => {
        clock.advance(300_000); // five minutes of download, against a 60 s health timeout
        pulledAt = clock.now();
      },
    });
    const seen = stackThatStarts(docker, clock);
    const result = await run(ctx, { wait: true, timeout: 60 }, deps());
    expect(result.healthy).toBe(true);
    expect(seen.upAt).toBeGreaterThanOrEqual(pulledAt);
    const order = docker.calls.map((c) => (c.program === 'docker-compose' && c.args.includes('up') ? 'up' : c.args[0])).filter((c) => c === 'pull' || c === 'up');
    expect(order).toEqual(['pull', 'pull', 'up']);
    expect(docker.pullCalls().sort()).toEqual([DEFAULT_IMAGES.litellm, DEFAULT_IMAGES.openWebui].sort());
    expect(result.pull).toMatchObject({ policy: 'missing', pulled: 2 });
    expect(result.pull?.seconds).toBeGreaterThanOrEqual(300);
    expect(render(result, ctx.out.style)).toMatch(/Pulled 2 images \(2\.0 GB\) in 3\d\d s, before the health wait began\./);
  });

  it('a slow pull still fails a stack that is too slow after it: the timeout starts when the pull ends', async () => {
    const { docker, clock, ctx } = await setup();
    docker.pulls.set(DEFAULT_IMAGES.litellm, { during: () => clock.advance(300_000) });
    let upAt = -1;
    docker.onCompose = (sub, _args, engine) => {
      if (sub !== 'up') return undefined;
      upAt = clock.now();
      engine.containers = SERVICES.map((s) => fakeContainer(s, { health: 'starting' }));
      return { stdout: '', stderr: '', exitCode: 0 };
    };
    const error = await rejection(run(ctx, { wait: true, timeout: 60 }, deps()));
    expect(error.code).toBe('START_TIMEOUT');
    // It waited its 60 s after the pull, not 60 s from the beginning (which the pull used up).
    expect(clock.now() - upAt).toBeGreaterThanOrEqual(60_000);
  });

  it('Ctrl-C during the pull exits 130 and nothing is created (no compose call at all)', async () => {
    const { docker, ctx } = await setup();
    const interrupt = new AbortController();
    docker.pulls.set(DEFAULT_IMAGES.openWebui, {
      lines: ['main: Pulling from open-webui/open-webui', 'aaaaaaaaaaaa: Pulling fs layer'],
      during: () => interrupt.abort(),
    });
    const error = await rejection(run(ctx, { wait: true }, deps(interrupt)));
    expect(error.code).toBe('CANCELLED');
    expect((error as unknown as { exitCode: number }).exitCode).toBe(130);
    expect(docker.composeCalls()).toEqual([]);
  });

  it('--pull never with a missing image: the error names it, and nothing is created', async () => {
    const { docker, ctx, dir } = await setup({ present: [DEFAULT_IMAGES.postgres, DEFAULT_IMAGES.nginx, DEFAULT_IMAGES.openWebui] });
    const error = await rejection(run(ctx, { wait: true, pull: 'never' }, deps()));
    expect(error.code).toBe('IMAGE_MISSING');
    expect(error.message).toContain(DEFAULT_IMAGES.litellm);
    expect(error.hint).toContain(`ai-gateway start --dir ${dir} --pull missing`);
    expect(docker.pullCalls()).toEqual([]);
    expect(docker.composeCalls()).toEqual([]);
  });

  it('a failed pull stops start before up, with the pull error', async () => {
    const { docker, clock, ctx } = await setup({ present: [DEFAULT_IMAGES.postgres, DEFAULT_IMAGES.nginx, DEFAULT_IMAGES.openWebui] });
    docker.pulls.set(DEFAULT_IMAGES.litellm, { lines: [], stderr: 'Error response from daemon: Get "https://docker.litellm.ai/v2/": dial tcp: lookup docker.litellm.ai: no such host\n', exitCode: 1 });
    stackThatStarts(docker, clock);
    const error = await rejection(run(ctx, { wait: true }, deps()));
    expect(error.code).toBe('IMAGE_PULL_NETWORK');
    expect(error.message).toContain(DEFAULT_IMAGES.litellm);
    expect(docker.composeCalls()).toEqual([]);
  });

  it('takes the images from the compose files as Compose reads them: .env values, the override file winning', async () => {
    const { docker, clock, ctx, dir } = await setup({ env: { LITELLM_IMAGE: '127.0.0.1:5000/mirror/litellm:1.80' } });
    await appendFile(join(dir, 'docker-compose.override.yml'), '');
    const override = `services:\n  litellm:\n    user: "${LITELLM_USER}"\n  nginx:\n    image: \${NGINX_MIRROR:-127.0.0.1:5000/nginx:alpine}\n`;
    await writeFile(join(dir, 'docker-compose.override.yml'), override);
    stackThatStarts(docker, clock);
    await run(ctx, { wait: true }, deps());
    expect(docker.pullCalls().sort()).toEqual(['127.0.0.1:5000/mirror/litellm:1.80', '127.0.0.1:5000/nginx:alpine', DEFAULT_IMAGES.openWebui, DEFAULT_IMAGES.postgres].sort());
  });

  it('leaves an interpolation it does not know to "compose config"', async () => {
    const { docker, clock, ctx, dir } = await setup({ present: [DEFAULT_IMAGES.postgres, DEFAULT_IMAGES.litellm, DEFAULT_IMAGES.openWebui] });
    await writeFile(join(dir, 'docker-compose.override.yml'), `services:\n  litellm:\n    user: "${LITELLM_USER}"\n  nginx:\n    image: \${NGINX_IMAGE:?set NGINX_IMAGE}\n`);
    const seen = stackThatStarts(docker, clock);
    const up = docker.onCompose;
    docker.onCompose = (sub, args, engine, options) => {
      if (sub === 'config') return { stdout: `services:\n  postgres:\n    image: ${DEFAULT_IMAGES.postgres}\n  nginx:\n    image: nginx:1.27\n`, stderr: '', exitCode: 0 };
      return up?.(sub, args, engine, options);
    };
    await run(ctx, { wait: true }, deps());
    expect(seen.upAt).toBeGreaterThan(0);
    expect(docker.composeCalls().map((c) => c.sub)).toEqual(['config', 'up']);
    expect(docker.pullCalls()).toEqual(['nginx:1.27']);
  });

  it('--pull always refreshes the images of a running stack instead of returning "already running"', async () => {
    const { docker, clock, ctx } = await setup({ present: Object.values(DEFAULT_IMAGES) });
    stackThatStarts(docker, clock);
    await run(ctx, { wait: true }, deps());
    expect(docker.pullCalls()).toEqual([]);
    const again = await run(ctx, { wait: true }, deps());
    expect(again.alreadyRunning).toBe(true);
    expect(again.pull).toBeNull();
    const refreshed = await run(ctx, { wait: true, pull: 'always' }, deps());
    expect(refreshed.alreadyRunning).toBe(false);
    expect(docker.pullCalls().sort()).toEqual(Object.values(DEFAULT_IMAGES).sort());
  });
});
