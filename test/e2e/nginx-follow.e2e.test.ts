/**
 * Nginx follows its containers (issue 10 §4), on the real engine: LiteLLM and Open WebUI are
 * removed, two other containers take their old addresses on the project network (Docker hands out
 * the lowest free address), and `start` brings the services back on new ones. Nginx keeps running
 * (not restarted) and must reach them through its resolver; `start` succeeds only when `/` and
 * the API answer through Nginx. Before the resolver change this was a 502 behind a healthy start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import { describeResult, destroyStack, docker, engineOrSkipReason, http, readEnv, testImages } from './helpers.js';
import { serviceContainer, setupStack, startStack, type TestStack } from '../reliability/stack.js';

const skipReason = await engineOrSkipReason('e2e/nginx-follow');
const describeEngine = skipReason === null ? describe : describe.skip;

async function addressOf(container: string): Promise<{ network: string; ip: string }> {
  const [network, ip] = (await docker('inspect', '-f', '{{range $name, $n := .NetworkSettings.Networks}}{{$name}} {{$n.IPAddress}}{{end}}', container)).split(' ');
  if (!network || !ip) throw new Error(`no network address for ${container}`);
  return { network, ip };
}

describeEngine('Nginx follows containers that come back on other addresses', () => {
  let images: TestImages;
  let stack: TestStack;
  const squatters: string[] = [];

  beforeAll(async () => {
    images = await testImages();
    stack = await setupStack(images);
    await startStack(stack);
  });

  afterAll(async () => {
    for (const name of squatters) await docker('rm', '-f', name).catch(() => {});
    if (stack) await destroyStack(stack.dir, stack.project);
  });

  it('start recreates litellm and open-webui on new addresses; / and the API answer through the same Nginx', async () => {
    const port = Number((await readEnv(stack.dir)).get('NGINX_PORT'));
    const base = `http://127.0.0.1:${port}`;
    const nginx = await serviceContainer(stack.project, 'nginx');
    const nginxStarted = await docker('inspect', '-f', '{{.State.StartedAt}}', nginx);
    // Nginx has resolved both names and holds keep-alive connections to them.
    expect((await http(`${base}/`)).status).toBe(200);
    expect((await http(`${base}/api/litellm/v1/models`)).status).toBe(401);

    const old = new Map<string, { network: string; ip: string }>();
    for (const service of ['litellm', 'open-webui']) {
      const id = await serviceContainer(stack.project, service);
      old.set(service, await addressOf(id));
      await docker('rm', '-f', id);
    }
    const network = old.get('open-webui')?.network ?? '';
    // Something else now answers (or refuses) on the old addresses.
    for (const service of ['litellm', 'open-webui']) {
      const name = `${stack.project}-squatter-${service}`;
      await docker('run', '-d', '--name', name, '--network', network, images.nginx);
      squatters.push(name);
    }
    const taken = await Promise.all(squatters.map(async (name) => (await addressOf(name)).ip));
    expect(taken.sort(), 'the squatters took the old addresses').toEqual([...old.values()].map((a) => a.ip).sort());

    const start = await stack.run(['start', '--timeout', '400', '--json']);
    expect(start.exitCode, describeResult(start)).toBe(0);
    for (const service of ['litellm', 'open-webui']) {
      const now = await addressOf(await serviceContainer(stack.project, service));
      expect(now.ip, `${service} came back elsewhere`).not.toBe(old.get(service)?.ip);
    }
    // The same Nginx process, never restarted: it followed by re-resolving.
    expect(await serviceContainer(stack.project, 'nginx')).toBe(nginx);
    expect(await docker('inspect', '-f', '{{.State.StartedAt}}', nginx)).toBe(nginxStarted);

    const page = await http(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.text.toLowerCase()).toContain('open webui');
    const api = await http(`${base}/api/litellm/v1/models`);
    expect(api.status).toBe(401);
    expect(api.json).toMatchObject({ error: expect.objectContaining({ code: '401' }) });
    const key = (await readEnv(stack.dir)).get('VIRTUAL_KEY') ?? '';
    expect((await http(`${base}/api/litellm/v1/models`, { key })).status).toBe(200);
    // doctor agrees.
    const doctor = await stack.run(['doctor', '--check', 'api.routes-nginx,files.nginx-image', '--json']);
    expect(doctor.exitCode, describeResult(doctor)).toBe(0);
    expect(doctor.stdout).toContain('401 from LiteLLM');
  });
});
