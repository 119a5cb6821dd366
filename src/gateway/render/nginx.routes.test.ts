/**
 * The rendered nginx.conf, run for real: Debian's nginx and two recording upstreams in a private
 * network and mount namespace (so upstream names resolve and port 80 is ours), then requests
 * through it. Proves the route policy, streaming and WebSocket upgrade, not just the syntax.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/context.js';
import { hasCommand } from '../../testing/nginx-check.js';
import { renderNginxConf } from './nginx.js';

interface Reply {
  status: number;
  type: string | null;
  body: string;
  reached: { service: string; method: string; url: string; forwardedFor: string | null; connection: string | null }[];
}

function available(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for private network and mount namespaces';
  for (const tool of ['nginx', 'unshare', 'ip']) if (!hasCommand(tool)) return `${tool} is not installed`;
  return null;
}

const skipReason = available();

describe('nginx.conf routes (real nginx)', () => {
  if (skipReason) it.skip(`skipped: ${skipReason}`, () => {});

  it.skipIf(skipReason !== null)('proxies the public API, blocks admin paths with a JSON 403, streams, and upgrades WebSockets', async () => {
    const dir = await tempDir('aigw-nginx-run-');
    const conf = join(dir, 'nginx.conf');
    await writeFile(conf, renderNginxConf());
    await writeFile(join(dir, 'hosts'), '127.0.0.1 localhost litellm open-webui\n');
    const passwd = await readFile('/etc/passwd', 'utf8');
    const group = await readFile('/etc/group', 'utf8');
    await writeFile(join(dir, 'passwd'), /^nginx:/m.test(passwd) ? passwd : `${passwd}nginx:x:101:101:nginx:/nonexistent:/usr/sbin/nologin\n`);
    await writeFile(join(dir, 'group'), /^nginx:/m.test(group) ? group : `${group}nginx:x:101:\n`);
    const harness = join(import.meta.dirname, '__fixtures__', 'nginx-harness.mjs');
    const script = `
      set -e
      ip link set lo up
      mount --bind "$D/hosts" /etc/hosts
      mount --bind "$D/passwd" /etc/passwd
      mount --bind "$D/group" /etc/group
      mount -t tmpfs tmpfs /run
      mkdir -p /var/log/nginx && mount -t tmpfs tmpfs /var/log/nginx
      "$NODE" "$H" upstreams "$D" & UPSTREAMS=$!
      trap 'nginx -c "$D/nginx.conf" -p "$D" -e stderr -s stop 2>/dev/null || true; kill $UPSTREAMS 2>/dev/null || true' EXIT
      for i in $(seq 100); do [ -f "$D/ready" ] && break; sleep 0.05; done
      nginx -c "$D/nginx.conf" -p "$D" -e stderr
      "$NODE" "$H" client "$D"
    `;
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
      execFile('unshare', ['-m', '-n', 'sh', '-c', script], { env: { ...process.env, D: dir, NODE: process.execPath, H: harness }, timeout: 60_000 }, (error, out, err) =>
        error ? reject(new Error(`${error.message}\n${err}`)) : resolve({ stdout: out }),
      );
    });
    const r = JSON.parse(stdout) as Record<string, Reply> & { stream: { status: number; arrivals: { line: string; at: number }[] }; websocket: string };

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

    // The upstream sends a chunk every 150 ms; unbuffered, they arrive spread out, not in one burst.
    expect(r.stream.status).toBe(200);
    expect(r.stream.arrivals.map((a) => a.line)).toEqual(['data: {"chunk":0}', 'data: {"chunk":1}', 'data: {"chunk":2}', 'data: {"chunk":3}', 'data: [DONE]']);
    const first = r.stream.arrivals[0]?.at ?? 0;
    const last = r.stream.arrivals.at(-1)?.at ?? 0;
    expect(last - first).toBeGreaterThanOrEqual(300);
  }, 90_000);
});
