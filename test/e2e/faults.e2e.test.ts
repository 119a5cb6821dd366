// What start does when things go wrong, on a real engine: a LiteLLM that never answers, one that
// exits during boot, a port someone else holds, and a Docker daemon that is not there. Each
// ends with a clear error, the right exit code, and (where containers exist) the containers kept.
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import { cli, describeResult, destroyStack, engineOrSkipReason, imageEnv, projectContainerIds, readEnv, setupGateway, testImages } from './helpers.js';

const skipReason = await engineOrSkipReason('faults.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

describeEngine('start on a broken stack (real engine, docker-compose v1)', () => {
  let images: TestImages;
  const stacks: { dir: string; project: string }[] = [];
  let server: Server | undefined;

  beforeAll(async () => {
    images = await testImages();
  });

  afterEach(() => {
    server?.close();
    server = undefined;
  });

  afterAll(async () => {
    for (const stack of stacks) await destroyStack(stack.dir, stack.project);
  });

  it('a LiteLLM that never answers: fails fast, long before --timeout, naming litellm with its logs (exit 4)', async () => {
    const gateway = await setupGateway(images, { litellm: images.litellmNeverReady });
    stacks.push(gateway);
    // The wait gives up on a LiteLLM that accepts connections but never answers after a third of
    // the timeout (at least a minute): here 80 s, where the healthcheck alone would take 180 s
    // (start_period) + 20 retries before Docker calls it unhealthy.
    const result = await cli(gateway.dir, ['start', '--timeout', '240'], imageEnv(images, { litellm: images.litellmNeverReady }));
    expect(result.exitCode, describeResult(result)).toBe(4);
    expect(result.durationMs).toBeLessThan(200_000);
    expect(result.stderr).toMatch(/✖ litellm accepts connections but has not answered HTTP for \d+ s \(no answer within 5 s\)/);
    expect(result.stderr).toMatch(/Last \d+ log lines of litellm:/);
    expect(result.stderr).toContain('ai-gateway logs litellm');
    expect(result.stderr).toContain('ai-gateway start --timeout 480');
    expect(result.stderr).not.toContain(gateway.env.get('LITELLM_MASTER_KEY'));
    expect((await projectContainerIds(gateway.project)).length).toBeGreaterThan(0); // kept for inspection
  });

  it('a LiteLLM that exits during boot: fails fast naming the exit code and its last log lines (exit 4)', async () => {
    const gateway = await setupGateway(images, { litellm: images.litellmExitAfterBoot });
    stacks.push(gateway);
    const result = await cli(gateway.dir, ['start', '--json', '--timeout', '600'], imageEnv(images, { litellm: images.litellmExitAfterBoot }));
    expect(result.exitCode, describeResult(result)).toBe(4);
    expect(result.durationMs).toBeLessThan(120_000);
    const doc = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; message: string; details: { service: string; exitCode: number; logs: string[] } } };
    expect(doc.ok).toBe(false);
    expect(['SERVICE_EXITED', 'SERVICE_RESTART_LOOP']).toContain(doc.error.code);
    expect(doc.error.details).toMatchObject({ service: 'litellm', exitCode: 3 });
    expect(doc.error.message).toMatch(/^litellm .*(exit code 3|code 3)/);
    expect(doc.error.details.logs.join('\n')).toContain("P1001: Can't reach database server");
  });

  it('a busy port: a clear error naming the port and its holder before Compose creates anything (exit 3)', async () => {
    const gateway = await setupGateway(images);
    stacks.push(gateway);
    const port = Number((await readEnv(gateway.dir)).get('NGINX_PORT'));
    server = createServer();
    await new Promise<void>((resolve) => server?.listen(port, '127.0.0.1', resolve));
    const result = await cli(gateway.dir, ['start'], imageEnv(images));
    expect(result.exitCode, describeResult(result)).toBe(3);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 (API and Open WebUI (Nginx)) is in use by process ${process.pid}`);
    expect(result.stderr).toMatch(/ai-gateway setup --dir \S+ --yes --nginx-port \d+/);
    expect(result.durationMs).toBeLessThan(15_000);
    expect(await projectContainerIds(gateway.project)).toEqual([]);
  });

  it('the Docker daemon unreachable: a clear error naming where we looked (exit 3)', async () => {
    const gateway = await setupGateway(images);
    stacks.push(gateway);
    const dead = { ...imageEnv(images), DOCKER_HOST: 'unix:///tmp/ai-gateway-e2e-no-such-docker.sock' };
    for (const command of [['start'], ['status'], ['stop']]) {
      const result = await cli(gateway.dir, command, dead);
      expect(result.exitCode, describeResult(result)).toBe(3);
      expect(result.stderr).toContain('The Docker daemon at unix:///tmp/ai-gateway-e2e-no-such-docker.sock is not running or not reachable');
      expect(result.stderr).toContain('DOCKER_HOST is set to unix:///tmp/ai-gateway-e2e-no-such-docker.sock');
    }
    expect(await projectContainerIds(gateway.project)).toEqual([]);
  });
});
