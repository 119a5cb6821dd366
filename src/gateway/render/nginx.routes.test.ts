/**
 * The rendered nginx.conf, run for real: Nginx >= 1.27.3 (the test bed's forky nginx, chroot), a
 * stand-in for Docker's DNS on 127.0.0.11 and recording upstreams in a private network and mount
 * namespace (so port 80 and 127.0.0.11:53 are ours), then requests through it. Proves the route
 * policy, streaming, WebSocket upgrade, that Nginx follows a container to a new address and starts
 * before a name resolves, keeps its upstream keep-alive, and hands Open WebUI only normalised
 * paths. Not just the syntax.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/context.js';
import { capableNginx, hasCommand, nginxMounts } from '../../testing/nginx-check.js';
import { renderNginxConf } from './nginx.js';

interface Reached {
  service: string;
  method: string;
  url: string;
  forwardedFor: string | null;
  connection: string | null;
  peer: number;
  via: string | null;
}

interface Reply {
  status: number;
  type: string | null;
  body: string;
  reached: Reached[];
}

function available(): { root: string } | { skip: string } {
  const found = capableNginx();
  if ('skip' in found) return found;
  if (!hasCommand('ip')) return { skip: 'ip is not installed (iproute2)' };
  return found;
}

const nginx = available();
const skipReason = 'skip' in nginx ? nginx.skip : null;

describe('nginx.conf routes (real nginx)', () => {
  if (skipReason) it.skip(`skipped: ${skipReason}`, () => {});

  it.skipIf(skipReason !== null)('proxies the public API, blocks admin paths with a JSON 403, streams, and upgrades WebSockets', async () => {
    if ('skip' in nginx) return;
    const dir = await tempDir('aigw-nginx-run-');
    await writeFile(join(dir, 'nginx.conf'), renderNginxConf());
    // Docker's DNS knows litellm; open-webui is not up yet when Nginx starts.
    await writeFile(join(dir, 'dns.json'), JSON.stringify({ litellm: '127.0.0.2' }));
    const { lines, inner, nginx: run } = await nginxMounts(nginx.root, dir);
    const root = nginx.root === '/' ? '' : nginx.root;
    for (const sub of ['run', 'var/log/nginx', 'var/lib/nginx']) await mkdir(join(root || '/', sub), { recursive: true });
    const harness = join(import.meta.dirname, '__fixtures__', 'nginx-harness.mjs');
    const script = `
      set -e
      ip link set lo up
      ${lines.join('\n      ')}
      mount -t tmpfs tmpfs "$R/run"
      mount -t tmpfs tmpfs "$R/var/log/nginx"
      mount -t tmpfs tmpfs "$R/var/lib/nginx"
      "$NODE" "$H" upstreams "$D" & UPSTREAMS=$!
      trap '${run} -c "$I/nginx.conf" -p "$I" -e stderr -s stop 2>/dev/null || true; kill $UPSTREAMS 2>/dev/null || true' EXIT
      for i in $(seq 100); do [ -f "$D/ready" ] && break; sleep 0.05; done
      ${run} -c "$I/nginx.conf" -p "$I" -e stderr
      "$NODE" "$H" direct "$D" > "$D/direct.json"
      "$NODE" "$H" client "$D"
    `;
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile('unshare', ['-m', '-n', 'sh', '-c', script], { env: { ...process.env, D: dir, I: inner, R: root, NODE: process.execPath, H: harness }, timeout: 100_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out }),
      );
    });
    const r = JSON.parse(stdout) as Record<string, Reply> & {
      stream: { status: number; arrivals: { line: string; at: number }[] };
      websocket: string;
      appeared: { ms: number | null; statuses: number[] };
      moved: { ms: number | null; statuses: number[] };
      keepalive: { peers: number; requests: number };
    };

    // Nginx started although open-webui did not resolve (502 for /, not a failed start), then
    // found it once Docker's DNS knew the name, without a reload.
    expect(r.unresolved?.status).toBe(502);
    expect(r.appeared.ms, JSON.stringify(r.appeared)).not.toBeNull();
    expect(r.appeared.ms).toBeLessThan(15_000);

    expect(r['GET /health']).toMatchObject({ status: 200, body: 'ok\n', reached: [] });

    // Allowed API paths reach LiteLLM under /v1, over keep-alive connections, with forwarded headers.
    const toLitellm = (key: string, url: string) => {
      expect(r[key]?.status, key).toBe(200);
      expect(r[key]?.reached, key).toEqual([expect.objectContaining({ service: 'litellm', url, forwardedFor: '127.0.0.1', connection: null })]);
    };
    toLitellm('GET /api/litellm/v1/models', '/v1/models');
    toLitellm('GET /api/litellm/v1/models/openai/gpt-4o', '/v1/models/openai/gpt-4o');
    toLitellm('POST /api/litellm/v1/chat/completions?x=1', '/v1/chat/completions?x=1');
    toLitellm('POST /api/litellm/v1/messages', '/v1/messages');
    toLitellm('POST /api/litellm/v1/openai/deployments/gpt-4o/chat/completions', '/openai/deployments/gpt-4o/chat/completions');
    toLitellm('GET /api/litellm/health/liveliness', '/health/liveliness');
    toLitellm('GET /api/litellm/health/readiness', '/health/readiness');

    // Admin paths (and anything not allowlisted) never reach LiteLLM.
    for (const key of [
      'GET /api/litellm/key/generate',
      'GET /api/litellm/v1/key/generate',
      'GET /api/litellm/team/new',
      'GET /api/litellm/user/new',
      'GET /api/litellm/spend/logs',
      'GET /api/litellm/config/update',
      'GET /api/litellm/model/new',
      'POST /api/litellm/model/new',
      'GET /api/litellm/ui',
      'GET /api/litellm/metrics',
      'GET /api/litellm/openapi.json',
      'GET /api/litellm/v1/chat/completions/../../key/list',
      'GET /api/litellm',
      'GET /api/litellm/health',
    ]) {
      expect(r[key]?.status, key).toBe(403);
      expect(r[key]?.type, key).toBe('application/json');
      expect(JSON.parse(r[key]?.body ?? '{}'), key).toEqual({
        error: { message: 'Forbidden: admin endpoints are not exposed through the gateway; use the LiteLLM port directly', type: 'forbidden', code: '403' },
      });
      expect(r[key]?.reached, key).toEqual([]);
    }

    // Open WebUI at /.
    expect(r['GET /']).toMatchObject({ status: 200, body: '<html>open-webui</html>', reached: [expect.objectContaining({ service: 'open-webui', url: '/' })] });
    expect(r.websocket).toBe('HTTP/1.1 101 Switching Protocols');

    // Open WebUI's /openai/{path} proxy, reached directly, does walk out of /v1 on a raw "%2e%2e"...
    const direct = JSON.parse(await readFile(join(dir, 'direct.json'), 'utf8')) as { status: number; body: string };
    expect(direct).toMatchObject({ status: 200, body: expect.stringContaining('"url":"/key/generate"') });
    // ...so through Nginx no traversal may reach LiteLLM outside /v1/, in any spelling.
    expect(r['RAW /openai/models']).toMatchObject({ status: 200, reached: [expect.objectContaining({ service: 'open-webui', url: '/openai/models' }), expect.objectContaining({ service: 'litellm', url: '/v1/models', via: 'open-webui' })] });
    const traversals = Object.keys(r).filter((key) => key.startsWith('RAW /openai/') && key !== 'RAW /openai/models');
    expect(traversals).toHaveLength(9);
    for (const key of traversals) {
      const reply = r[key];
      expect(reply?.reached.filter((hop) => hop.service.startsWith('litellm')), key).toEqual([]);
      // Nginx refuses it (400) or Open WebUI gets a path with nothing left to resolve or decode.
      for (const hop of reply?.reached ?? []) expect(hop.url, key).not.toMatch(/\.\.|%2e|%2f|%5c|\\/i);
      expect([400, 200], key).toContain(reply?.status);
    }
    expect(r['RAW /openai/%252e%252e/%252e%252e/key/generate']?.status).toBe(400);
    // Query strings pass untouched.
    expect(r['RAW /api/v1/chats/?q=a%2Fb']).toMatchObject({ status: 200, reached: [expect.objectContaining({ service: 'open-webui', url: '/api/v1/chats/?q=a%2Fb' })] });

    // The upstream keep-alive pool survives `resolve`: five requests, one connection to LiteLLM per
    // Nginx worker that served them (each worker keeps its own pool; on a busy machine the second
    // worker may take one). Without the pool every request would open its own: five.
    expect(r.keepalive.requests).toBe(5);
    expect(r.keepalive.peers).toBeLessThanOrEqual(2);

    // LiteLLM came back on another address: Nginx followed within its resolver validity (5 s) plus a poll.
    expect(r.moved.ms, JSON.stringify(r.moved)).not.toBeNull();
    expect(r.moved.ms).toBeLessThan(15_000);

    // The upstream sends a chunk every 150 ms; unbuffered, they arrive spread out, not in one burst.
    expect(r.stream.status).toBe(200);
    expect(r.stream.arrivals.map((a) => a.line)).toEqual(['data: {"chunk":0}', 'data: {"chunk":1}', 'data: {"chunk":2}', 'data: {"chunk":3}', 'data: [DONE]']);
    const first = r.stream.arrivals[0]?.at ?? 0;
    const last = r.stream.arrivals.at(-1)?.at ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(300);
  }, 120_000);
});
