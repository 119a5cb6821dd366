/**
 * Changing an existing gateway (issue 14), on the real engine and real Compose: setup re-run with a
 * flag changes one setting, and `start` applies it touching only the service it concerns. A new
 * budget (config.yaml) restarts LiteLLM alone, same container; a new Nginx port recreates Nginx
 * alone, and the API answers on the new port. Turning HTTPS on (self-signed, with a redirect port)
 * recreates Nginx alone and the API answers over https with the certificate setup made; turning it
 * off again brings plain HTTP back. Secrets stay as they were.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
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

/** Status code (and Location) of one request; over https trusting only `ca`. */
function ask(url: string, ca?: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const done = (res: import('node:http').IncomingMessage) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, ...(res.headers.location ? { location: res.headers.location } : {}) });
    };
    const req = url.startsWith('https:') ? httpsRequest(url, { ca, timeout: 10_000 }, done) : httpRequest(url, { timeout: 10_000 }, done);
    req.on('error', reject);
    req.end();
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

  it('HTTPS turned on by setup recreates Nginx only and answers with the certificate setup made; turned off, plain HTTP is back', async () => {
    const secretsBefore = await readEnv(stack.dir);
    const port = Number(secretsBefore.get('NGINX_PORT'));
    const redirect = await freePort();
    const before = await snapshot(stack.project);

    const on = await stack.run(['setup', '--yes', '--tls', 'self-signed', '--http-redirect-port', String(redirect)]);
    expect(on.exitCode, describeResult(on)).toBe(0);
    const applyOn = await stack.run(['start', '--timeout', '400']);
    expect(applyOn.exitCode, describeResult(applyOn)).toBe(0);
    const afterOn = await snapshot(stack.project);
    expect(afterOn.nginx?.id).not.toBe(before.nginx?.id);
    for (const service of ['postgres', 'open-webui']) expect(afterOn[service], service).toEqual(before[service]);
    expect(afterOn.litellm?.id).toBe(before.litellm?.id);
    const cert = await readFile(join(stack.dir, 'tls', 'cert.pem'), 'utf8');
    expect(await ask(`https://127.0.0.1:${port}/api/litellm/v1/models`, cert)).toEqual({ status: 401 });
    expect(await ask(`http://127.0.0.1:${redirect}/api/litellm/v1/models`)).toEqual({ status: 308, location: `https://127.0.0.1:${port}/api/litellm/v1/models` });
    await expect(ask(`https://127.0.0.1:${port}/api/litellm/v1/models`)).rejects.toThrow(/self.signed|certificate/i); // not trusted without the certificate

    const off = await stack.run(['setup', '--yes', '--tls', 'off']);
    expect(off.exitCode, describeResult(off)).toBe(0);
    const applyOff = await stack.run(['start', '--timeout', '400']);
    expect(applyOff.exitCode, describeResult(applyOff)).toBe(0);
    expect((await ask(`http://127.0.0.1:${port}/api/litellm/v1/models`)).status).toBe(401);
    await expect(ask(`http://127.0.0.1:${redirect}/`)).rejects.toThrow(/ECONNREFUSED|ECONNRESET|socket hang up/);

    const secretsAfter = await readEnv(stack.dir);
    for (const key of ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY']) expect(secretsAfter.get(key), key).toBe(secretsBefore.get(key));
  }, 900_000);
});
