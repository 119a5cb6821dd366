import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { HttpFetch } from '../core/http.js';
import { nodeFetch } from '../core/http.js';
import { fakeClock } from '../testing/context.js';
import { writeGatewayFixture } from '../testing/gateway-fixture.js';
import { nginxImageTooOld, versionAtLeast } from './nginx-version.js';
import { nginxRoutes, probeRoute, routeFailure, waitForRoutes } from './routes.js';

const answering = (status: number, body: string): HttpFetch => (async () => new Response(body, { status })) as HttpFetch;
const api = { route: 'api' as const, url: 'http://127.0.0.1:53000/api/litellm/v1/models', service: 'litellm' };
const webui = { route: 'open-webui' as const, url: 'http://127.0.0.1:53000/', service: 'open-webui' };

describe('routes through Nginx', () => {
  it('are the API base and / with Nginx, none without it', async () => {
    const { settings } = await writeGatewayFixture({});
    expect(nginxRoutes(settings)).toEqual([api, webui]);
    const { settings: bare } = await writeGatewayFixture({ env: { USE_NGINX: 'no', WEBUI_PORT: '53001' } });
    expect(nginxRoutes(bare)).toBeNull();
  });

  it("pass only on LiteLLM's own JSON answer for the API and an Open WebUI page for /", async () => {
    const litellm401 = '{"error":{"message":"Authentication Error, No api key passed in.","type":"auth_error","param":"None","code":"401"}}';
    expect(await probeRoute(answering(401, litellm401), api)).toMatchObject({ ok: true, status: 401, detail: '401 from LiteLLM' });
    expect(await probeRoute(answering(502, '<html>502 Bad Gateway</html>'), api)).toMatchObject({ ok: false, status: 502, detail: '502 Bad Gateway: Nginx cannot reach litellm' });
    expect(await probeRoute(answering(504, '<html>504</html>'), webui)).toMatchObject({ ok: false, detail: '504 Gateway Timeout: Nginx cannot reach open-webui' });
    // Nginx's own 403 for a path its policy does not allow, or a page that is not LiteLLM's, is not LiteLLM answering.
    expect(await probeRoute(answering(403, '{"error":{"message":"Forbidden"}}'), api)).toMatchObject({ ok: false, status: 403 });
    expect(await probeRoute(answering(401, '<html>login</html>'), api)).toMatchObject({ ok: false, detail: "401 (not JSON), not LiteLLM's answer (401 without a key)" });
    expect(await probeRoute(answering(200, '<html>Open WebUI</html>'), webui)).toMatchObject({ ok: true, detail: '200 from Open WebUI' });
    expect(await probeRoute(answering(404, 'nope'), webui)).toMatchObject({ ok: false, status: 404 });
  });

  it('name a closed port as such', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise((resolve) => server.close(resolve));
    const probe = await probeRoute(nodeFetch, { ...webui, url: `http://127.0.0.1:${port}/` });
    expect(probe).toMatchObject({ ok: false, status: null });
    expect(probe.detail).toMatch(/refused/i);
  });

  it('are asked again while they fail, up to the settle time, and the failure names every failed route', async () => {
    const { settings, dir } = await writeGatewayFixture({});
    const clock = fakeClock();
    let calls = 0;
    const fetcher = (async (url: string | URL) => {
      calls++;
      return String(url).endsWith('/models') ? new Response('{"error":{}}', { status: 401 }) : new Response('bad gateway', { status: 502 });
    }) as HttpFetch;
    const started = clock.now();
    const probes = await waitForRoutes({ fetch: fetcher, clock }, settings, 3_000);
    expect(clock.now() - started).toBeGreaterThanOrEqual(3_000);
    expect(calls).toBeGreaterThan(4);
    const error = routeFailure(probes, dir);
    expect(error.code).toBe('NGINX_ROUTE_FAILED');
    expect(error.message).toBe('Every container is healthy, but through Nginx http://127.0.0.1:53000/ gives 502 Bad Gateway: Nginx cannot reach open-webui.');
    expect(error.hint).toContain('ai-gateway logs nginx open-webui');
  });
});

describe('the Nginx version floor', () => {
  it('compares versions numerically', () => {
    expect(versionAtLeast('1.27.3', '1.27.3')).toBe(true);
    expect(versionAtLeast('1.27.10', '1.27.3')).toBe(true);
    expect(versionAtLeast('1.30.6', '1.27.3')).toBe(true);
    expect(versionAtLeast('1.27.2', '1.27.3')).toBe(false);
    expect(versionAtLeast('1.22.1', '1.27.3')).toBe(false);
  });

  it('knows an official image too old for upstream resolve by its tag, and claims nothing it cannot know', () => {
    for (const image of ['nginx:1.25-alpine', 'nginx:1.26.3', 'docker.io/library/nginx:1.22', 'nginx:1.27.2-alpine-slim', 'nginxinc/nginx-unprivileged:1.24-alpine']) {
      expect(nginxImageTooOld(image), image).not.toBeNull();
    }
    expect(nginxImageTooOld('nginx:1.25-alpine')).toBe('1.25');
    for (const image of ['nginx:alpine', 'nginx', 'nginx:stable-alpine', 'nginx:mainline', 'nginx:1.27', 'nginx:1.27.3-alpine', 'nginx:1.29.1', 'nginx@sha256:abc', 'registry.example.com/mirror/nginx:1.20', 'ai-gateway-test/nginx:latest']) {
      expect(nginxImageTooOld(image), image).toBeNull();
    }
  });
});
