/**
 * Changing an existing gateway (issue 14), on the real engine and real Compose: setup re-run with a
 * flag changes one setting, and `start` applies it touching only the service it concerns. A new
 * budget (config.yaml) restarts LiteLLM alone, same container; a new Nginx port recreates Nginx
 * alone, and the API answers on the new port. Secrets stay as they were.
 */
import { createServer } from 'node:net';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import { describeResult, destroyStack, docker, engineOrSkipReason, http, readEnv, testImages } from './helpers.js';
import { serviceContainer, setupStack, startStack, type TestStack } from '../reliability/stack.js';

const skipReason = await engineOrSkipReason('e2e/reconfigure');
const describeEngine = skipReason === null ? describe : describe.skip;
const SERVICES = ['postgres', 'litellm', 'open-webui', 'nginx'];

/** Container id and start time of every service. */
async function snapshot(project: string): Promise<Record<string, { id: string; startedAt: string }>> {
  const out: Record<string, { id: string; startedAt: string }> = {};
  for (const service of SERVICES) {
    const id = await serviceContainer(project, service);
    out[service] = { id, startedAt: await docker('inspect', '-f', '{{.State.StartedAt}}', id) };
  }
  return out;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

describeEngine('changing an existing gateway, then start', () => {
  let images: TestImages;
  let stack: TestStack;

  beforeAll(async () => {
    images = await testImages();
    stack = await setupStack(images);
    await startStack(stack);
  }, 900_000);

  afterAll(async () => {
    if (stack) await destroyStack(stack.dir, stack.project);
  });

  it('a new budget restarts LiteLLM only (same container); a new Nginx port recreates Nginx only', async () => {
    const secretsBefore = await readEnv(stack.dir);
    const before = await snapshot(stack.project);

    const budget = await stack.run(['setup', '--yes', '--budget', 'prod']);
    expect(budget.exitCode, describeResult(budget)).toBe(0);
    expect(await readFile(join(stack.dir, 'config.yaml'), 'utf8')).toMatch(/max_budget: 200\b/);
    const applyBudget = await stack.run(['start', '--timeout', '400']);
    expect(applyBudget.exitCode, describeResult(applyBudget)).toBe(0);
    const afterBudget = await snapshot(stack.project);
    for (const service of SERVICES) expect(afterBudget[service]?.id, service).toBe(before[service]?.id);
    expect(afterBudget.litellm?.startedAt).not.toBe(before.litellm?.startedAt);
    for (const service of ['postgres', 'open-webui', 'nginx']) expect(afterBudget[service]?.startedAt, service).toBe(before[service]?.startedAt);

    const port = await freePort();
    const move = await stack.run(['setup', '--yes', '--nginx-port', String(port)]);
    expect(move.exitCode, describeResult(move)).toBe(0);
    const applyPort = await stack.run(['start', '--timeout', '400']);
    expect(applyPort.exitCode, describeResult(applyPort)).toBe(0);
    const afterPort = await snapshot(stack.project);
    expect(afterPort.nginx?.id).not.toBe(afterBudget.nginx?.id);
    for (const service of ['postgres', 'litellm', 'open-webui']) expect(afterPort[service], service).toEqual(afterBudget[service]);
    expect((await http(`http://127.0.0.1:${port}/api/litellm/v1/models`)).status).toBe(401);

    const secretsAfter = await readEnv(stack.dir);
    for (const key of ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY']) expect(secretsAfter.get(key), key).toBe(secretsBefore.get(key));
  }, 900_000);
});
