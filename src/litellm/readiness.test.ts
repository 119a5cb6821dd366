import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewaySettings } from '../gateway/settings.js';
import { litellmProbeUrl, probeReadiness } from './readiness.js';
import type { HttpFetch } from '../core/http.js';

const answer = (status: number, body: unknown) => (async () => new Response(JSON.stringify(body), { status })) as HttpFetch;

describe('probeReadiness (docs/litellm-contract.md §3)', () => {
  it.each([
    [200, { status: 'healthy', db: 'connected', litellm_version: '1.74.0' }, 'ready', 'db connected'],
    [200, { status: 'healthy' }, 'ready', 'ready'],
    [200, { status: 'healthy', db: 'Not connected' }, 'ready', 'db Not connected'],
    [200, { status: 'healthy', db: 'disconnected' }, 'not-ready', 'database disconnected'],
    [200, { status: 'unhealthy' }, 'not-ready', 'status "unhealthy"'],
    [503, { detail: 'Service Unhealthy' }, 'not-ready', 'HTTP 503'],
  ])('HTTP %i %j → %s', async (status, body, state, detail) => {
    expect(await probeReadiness(answer(status, body), 'http://x/health/readiness', 1000)).toEqual({ state, ready: state === 'ready', detail });
  });

  let server: Server | undefined;
  afterEach(() => server?.close());

  it('tells a refused connection (booting) from a silent one (wedged)', async () => {
    server = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const silent = await probeReadiness(fetch, `http://127.0.0.1:${port}/health/readiness`, 300);
    expect(silent).toEqual({ state: 'no-answer', ready: false, detail: 'no answer within 300 ms' });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const refused = await probeReadiness(fetch, `http://127.0.0.1:${port}/health/readiness`, 1000);
    expect(refused).toEqual({ state: 'unreachable', ready: false, detail: 'connection refused' });
  });

  it('probes the published port on this machine', () => {
    const settings = { bind: '0.0.0.0', ports: { litellm: 4000 } } as GatewaySettings;
    expect(litellmProbeUrl(settings)).toBe('http://127.0.0.1:4000');
    expect(litellmProbeUrl({ ...settings, bind: '192.168.1.5' })).toBe('http://192.168.1.5:4000');
    expect(litellmProbeUrl({ ...settings, bind: '::1' })).toBe('http://[::1]:4000');
    // Behind Nginx the admin port is on loopback whatever the bind, unless EXPOSE_ADMIN=yes.
    expect(litellmProbeUrl({ ...settings, nginx: true, bind: '192.168.1.5' })).toBe('http://127.0.0.1:4000');
    expect(litellmProbeUrl({ ...settings, nginx: true, exposeAdmin: true, bind: '192.168.1.5' })).toBe('http://192.168.1.5:4000');
  });
});
