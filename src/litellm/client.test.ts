// The LiteLLM client against the in-process contract stand-in, plus fake-fetch tests of the retry logic.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { isAppError } from '../core/errors.js';
import { createTestContext, fakeClock, rejection } from '../testing/context.js';
import { LITELLM_REQUEST_FIELDS, startStandin, TEST_MASTER_KEY, TEST_MODELS, type Standin, type StandinOptions } from '../testing/litellm.js';
import { LiteLLMClient, type LiteLLMClientOptions } from './client.js';
import { hashKey, type KeyRole } from './errors.js';
import { describeNetworkError, nodeFetch, type HttpFetch } from '../core/http.js';


const standins: Standin[] = [];
async function standin(options: StandinOptions = {}): Promise<Standin> {
  const s = await startStandin({ masterKey: TEST_MASTER_KEY, models: TEST_MODELS, ...options });
  standins.push(s);
  return s;
}
afterAll(async () => {
  await Promise.all(standins.map((s) => s.close()));
});

function client(baseUrl: string, overrides: Partial<LiteLLMClientOptions> & { keyRole?: KeyRole } = {}) {
  const ctx = createTestContext();
  const c = new LiteLLMClient({
    baseUrl,
    apiKey: TEST_MASTER_KEY,
    keyRole: 'master',
    fetch: nodeFetch,
    clock: fakeClock(),
    out: ctx.out,
    waitTimeoutMs: 5_000,
    ...overrides,
  });
  return { client: c, ctx };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}


let s: Standin;
beforeAll(async () => {
  s = await standin();
});

describe('against the stand-in', () => {
  it('lists models (master key: all) and a restricted key sees only its own', async () => {
    const { client: admin } = client(s.url);
    expect((await admin.listModels()).map((m) => m.id)).toEqual(['gpt-4o-mini', 'claude-haiku']);
    const generated = await admin.generateKey({ models: ['claude-haiku'] });
    const { client: app } = client(s.url, { apiKey: generated.key, keyRole: 'virtual' });
    expect(await app.listModels()).toEqual([{ id: 'claude-haiku', object: 'model', created: 1677610602, owned_by: 'openai' }]);
  });

  it('reads /model/info without provider secrets', async () => {
    const { client: admin } = client(s.url);
    const info = await admin.modelInfo();
    expect(info.map((d) => d.model_name)).toEqual(['gpt-4o-mini', 'claude-haiku']);
    expect(info[0]?.litellm_params?.model).toBe('openai/gpt-4o-mini');
    expect(JSON.stringify(info)).not.toContain('sk-provider-secret');
  });

  it('generates a key (raw key + sha256 token), reads it back by hash, updates and deletes it', async () => {
    const { client: admin } = client(s.url);
    const generated = await admin.generateKey({ key_alias: 'client-roundtrip', max_budget: 5, budget_duration: '30d', metadata: { owner: 'test' } });
    expect(generated.key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(generated.token).toBe(hashKey(generated.key));
    const info = await admin.keyInfo(hashKey(generated.key));
    expect(info).toMatchObject({ key_alias: 'client-roundtrip', max_budget: 5, budget_duration: '30d', metadata: { owner: 'test' }, token: hashKey(generated.key) });
    // /key/update answers dict columns as JSON strings: parsed back.
    const updated = await admin.updateKey({ key: info.token, key_alias: 'client-renamed', metadata: { owner: 'other' } });
    expect(updated.metadata).toEqual({ owner: 'other' });
    expect(await admin.findKeyByAlias('client-roundtrip')).toBeNull();
    expect((await admin.findKeyByAlias('client-renamed'))?.token).toBe(info.token);
    expect(await admin.deleteKeys({ keys: [info.token] })).toEqual([info.token]);
    const gone = await rejection(admin.keyInfo(info.token));
    expect(gone.code).toBe('KEY_NOT_FOUND');
    expect((await rejection(admin.deleteKeys({ keys: [info.token] }))).code).toBe('KEY_NOT_FOUND');
  });

  it('refuses a duplicate alias with KEY_ALIAS_EXISTS naming the rotate command', async () => {
    const { client: admin } = client(s.url);
    await admin.generateKey({ key_alias: 'dup' });
    const error = await rejection(admin.generateKey({ key_alias: 'dup' }));
    expect(error.code).toBe('KEY_ALIAS_EXISTS');
    expect(error.hint).toContain('ai-gateway key rotate dup');
  });

  it('fetches every page of /key/list (size 100) with full objects', async () => {
    const own = await standin();
    const { client: admin } = client(own.url);
    for (let i = 0; i < 205; i++) await admin.generateKey({ key_alias: `bulk-${i}` });
    const all = await admin.listAllKeys();
    expect(all).toHaveLength(205);
    expect(new Set(all.map((k) => k.key_alias)).size).toBe(205);
    const pages = own.requests.filter((r) => r.path === '/key/list');
    expect(pages.map((r) => r.query.page)).toEqual(['1', '2', '3']);
    expect(pages.every((r) => r.query.size === '100' && r.query.return_full_object === 'true')).toBe(true);
  });

  it('copes with versions that return bare hashes from /key/list', async () => {
    const { client: admin } = client(s.url);
    const generated = await admin.generateKey({ key_alias: 'hash-only' });
    const fetchHashesOnly: HttpFetch = (input, init) => {
      const url = new URL(String(input));
      if (url.pathname === '/key/list') url.searchParams.set('return_full_object', 'false');
      return nodeFetch(url, init);
    };
    const { client: old } = client(s.url, { fetch: fetchHashesOnly });
    const found = await old.findKeyByAlias('hash-only');
    expect(found?.token).toBe(generated.token);
  });

  it('sends only fields LiteLLM defines, and the key only in the Authorization header', async () => {
    const own = await standin();
    const { client: admin } = client(own.url);
    await admin.generateKey({ key_alias: 'fields', models: ['gpt-4o-mini'], max_budget: 1, budget_duration: '1d', duration: '2h', rpm_limit: 5, tpm_limit: 50, max_parallel_requests: 2, team_id: 't', user_id: 'u', metadata: { a: 'b' } });
    // @ts-expect-error: an unknown field is refused before anything is sent
    await expect(admin.generateKey({ key_alias: 'x', spend_limit: 3 })).rejects.toThrow();
    const generate = own.requests.filter((r) => r.path === '/key/generate');
    expect(generate).toHaveLength(1);
    const token = (await admin.findKeyByAlias('fields'))?.token as string;
    await admin.updateKey({ key: token, key_alias: 'fields-2', metadata: { a: 'c' } });
    await admin.deleteKeys({ keys: [token] });
    await admin.deleteKeys({ key_aliases: ['nothing-here'] }).catch(() => undefined);
    for (const request of own.requests.filter((r) => r.method === 'POST')) {
      const allowed = LITELLM_REQUEST_FIELDS[request.path as keyof typeof LITELLM_REQUEST_FIELDS];
      expect(allowed, request.path).toBeDefined();
      for (const field of Object.keys(request.body as object)) expect(allowed.has(field), `${request.path}: ${field}`).toBe(true);
    }
    expect(new Set(own.requests.filter((r) => r.method === 'POST').map((r) => r.path))).toEqual(new Set(['/key/generate', '/key/update', '/key/delete']));
    for (const request of own.requests) {
      expect(JSON.stringify(request.query)).not.toContain(TEST_MASTER_KEY);
      expect(request.path).not.toContain('sk-');
    }
  });

  it('reads the OpenAPI document', async () => {
    const { client: anon } = client(s.url, { apiKey: undefined, keyRole: 'none' });
    const { summary } = await anon.openapi();
    expect(summary.openapi).toMatch(/^3\./);
    expect(summary.info.title).toBe('LiteLLM API');
    expect(Object.keys(summary.paths)).toEqual(expect.arrayContaining(['/key/generate', '/key/info', '/key/list', '/v1/models']));
  });

  it('a wrong master key is MASTER_KEY_REJECTED at once (a 4xx is not retried)', async () => {
    const own = await standin();
    const { client: wrong } = client(own.url, { apiKey: 'sk-not-the-master-key-000000000000' });
    const error = await rejection(wrong.generateKey({}));
    expect(error.code).toBe('MASTER_KEY_REJECTED');
    expect(own.requests.filter((r) => r.path === '/key/generate')).toHaveLength(1);
  });

  it('readiness: legacy, modern and db variants are ready; a lost database is not', async () => {
    for (const readinessVariant of ['legacy', 'modern', 'db'] as const) {
      const own = await standin({ readinessVariant });
      const { client: c } = client(own.url);
      expect((await c.readiness()).ready).toBe(true);
      expect((await c.waitUntilReady()).status).toBe('healthy');
      if (readinessVariant !== 'modern') {
        own.setDbUp(false);
        const probe = await c.readiness();
        expect(probe.ready).toBe(false);
        expect(probe.reason).toMatch(/HTTP 503|database disconnected/);
      }
    }
  });
});

describe('boot-time waiting', () => {
  it('waits through connection refused while the proxy boots, saying what it waits for', async () => {
    const booting = await standin({ bootDelayMs: 600 });
    const { client: c, ctx } = client(booting.url, { clock: systemClock, waitTimeoutMs: 15_000 });
    const started = Date.now();
    expect((await c.listModels()).length).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(ctx.captured.all()).toContain(`Waiting for LiteLLM at ${booting.url}: the proxy to accept connections`);
  });

  it('waits for readiness through boot', async () => {
    const booting = await standin({ bootDelayMs: 500 });
    const { client: c, ctx } = client(booting.url, { clock: systemClock, waitTimeoutMs: 15_000 });
    expect((await c.waitUntilReady()).status).toBe('healthy');
    expect(ctx.captured.all()).toMatch(/Waiting for LiteLLM at .*: readiness \(connection refused\)/);
  });

  it('waits while the database is away, then succeeds (POST /key/generate included)', async () => {
    const own = await standin();
    own.setDbUp(false);
    const { client: c, ctx } = client(own.url, { clock: systemClock, waitTimeoutMs: 15_000 });
    setTimeout(() => own.setDbUp(true), 700);
    const generated = await c.generateKey({ key_alias: 'after-db' });
    expect(generated.key_alias).toBe('after-db');
    expect(ctx.captured.all()).toContain('its database connection');
    expect((await c.findKeyByAlias('after-db'))?.token).toBe(generated.token);
  });

  it('gives up with PROXY_UNREACHABLE when nothing listens, after the wait budget', async () => {
    const port = await freePort();
    const { client: c } = client(`http://127.0.0.1:${port}`, { clock: systemClock, waitTimeoutMs: 600 });
    const started = Date.now();
    const error = await rejection(c.listModels());
    expect(error.code).toBe('PROXY_UNREACHABLE');
    expect(error.message).toContain('connection refused');
    expect(error.hint).toMatch(/ai-gateway status/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('--timeout bounds the whole call, even against a proxy that accepts connections and never answers', async () => {
    const hung = createServer(() => undefined); // accepts, reads nothing, answers nothing
    await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
    try {
      const { client: c } = client(`http://127.0.0.1:${(hung.address() as AddressInfo).port}`, { clock: systemClock, waitTimeoutMs: 1_000 });
      const started = Date.now();
      const error = await rejection(c.listModels());
      expect(error.code).toBe('PROXY_UNREACHABLE');
      expect(error.message).toMatch(/no answer within 1 s/);
      expect(Date.now() - started).toBeLessThan(4_000); // not the 10 s per-request default
    } finally {
      hung.close();
    }
  });

  it('does not wait on a proxy that has no database configured: DATABASE_NOT_CONNECTED at once, with every readiness body', async () => {
    // db: "Not connected" (legacy, newest) and no `db` field at all (PR #26912)
    for (const readinessVariant of ['db', 'legacy', 'modern'] as const) {
      const dbless = await standin({ store: 'none', readinessVariant });
      const clock = fakeClock();
      const { client: c } = client(dbless.url, { clock, waitTimeoutMs: 60_000 });
      const before = clock.now();
      const error = await rejection(c.generateKey({}));
      expect(error.code, readinessVariant).toBe('DATABASE_NOT_CONNECTED');
      expect(error.message).toMatch(/runs without a database/);
      expect(clock.now() - before, readinessVariant).toBe(0);
    }
  });
});

describe('retry policy (fake fetch, fake clock)', () => {
  type Step = { status: number; body: unknown } | { error: Error };
  function scripted(steps: Step[]) {
    const calls: { method: string; url: string }[] = [];
    const fetchFake: HttpFetch = async (input, init) => {
      calls.push({ method: init?.method ?? 'GET', url: String(input) });
      const step = steps.shift();
      if (!step) throw new Error('no more scripted responses');
      if ('error' in step) throw step.error;
      return new Response(typeof step.body === 'string' ? step.body : JSON.stringify(step.body), { status: step.status });
    };
    return { fetchFake, calls };
  }
  const refused = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:4000'), { code: 'ECONNREFUSED' }) });
  const reset = () => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
  const models = { data: [{ id: 'm', object: 'model', created: 1, owned_by: 'openai' }], object: 'list' };

  it('backs off 250 ms doubling to 2 s through refused connections and 503s', async () => {
    const clock = fakeClock();
    const sleeps: number[] = [];
    const sleepSpy = { now: clock.now, sleep: async (ms: number) => { sleeps.push(ms); await clock.sleep(ms); } };
    const { fetchFake, calls } = scripted([{ error: refused() }, { error: refused() }, { status: 503, body: { detail: 'Service Unhealthy' } }, { status: 502, body: '<html>bad gateway</html>' }, { error: refused() }, { error: refused() }, { status: 200, body: models }]);
    const { client: c } = client('http://proxy.test:4000', { fetch: fetchFake, clock: sleepSpy, waitTimeoutMs: 60_000 });
    expect((await c.listModels())[0]?.id).toBe('m');
    expect(calls).toHaveLength(7);
    expect(sleeps).toEqual([250, 500, 1000, 2000, 2000, 2000]);
  });

  it('reports a 4xx at once, without sleeping', async () => {
    const clock = fakeClock();
    const { fetchFake, calls } = scripted([{ status: 400, body: { error: { message: "{'error': 'max_budget cannot be negative. Received: -1.0'}", type: 'internal_server_error', param: 'None', code: '400' } } }]);
    const { client: c } = client('http://proxy.test:4000', { fetch: fetchFake, clock });
    const before = clock.now();
    const error = await rejection(c.generateKey({ max_budget: -1 }));
    expect(error.code).toBe('LITELLM_REJECTED_REQUEST');
    expect(error.message).toContain('max_budget cannot be negative');
    expect(calls).toHaveLength(1);
    expect(clock.now()).toBe(before);
  });

  it('does not follow a redirect (the key would go along) and names where it points', async () => {
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(301, { location: 'https://gateway.example/v1/models' });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { client: c } = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { fetch: nodeFetch });
      const error = await rejection(c.listModels());
      expect(error.code).toBe('LITELLM_REDIRECTED');
      expect(error.message).toMatch(/\/v1\/models redirects to https:\/\/gateway\.example\/v1\/models \(HTTP 301\)/);
      expect(error.hint).toMatch(/--base-url/);
      expect(seen).toEqual(['/v1/models']);
    } finally {
      server.close();
    }
  });

  it('stops at the wait budget with the last failure (PROXY_NOT_READY for 503)', async () => {
    const clock = fakeClock();
    const steps: Step[] = Array.from({ length: 50 }, () => ({ status: 503, body: { detail: 'Service Unhealthy (db)' } }));
    const { fetchFake, calls } = scripted(steps);
    const { client: c } = client('http://proxy.test:4000', { fetch: fetchFake, clock, waitTimeoutMs: 5_000 });
    const before = clock.now();
    const error = await rejection(c.listModels());
    expect(error.code).toBe('PROXY_NOT_READY');
    expect(clock.now() - before).toBeLessThanOrEqual(5_000);
    expect(calls.length).toBeGreaterThan(3);
  });

  it('does not repeat a POST that may have reached the server (reset), but repeats a GET', async () => {
    const post = scripted([{ error: reset() }, { status: 200, body: {} }]);
    const { client: c1 } = client('http://proxy.test:4000', { fetch: post.fetchFake });
    const error = await rejection(c1.generateKey({ key_alias: 'once' }));
    expect(error.code).toBe('PROXY_UNREACHABLE');
    expect(post.calls).toHaveLength(1);

    const get = scripted([{ error: reset() }, { status: 200, body: models }]);
    const { client: c2 } = client('http://proxy.test:4000', { fetch: get.fetchFake });
    expect(await c2.listModels()).toHaveLength(1);
    expect(get.calls).toHaveLength(2);
  });

  it('repeats a POST whose connection was refused (it never reached the server)', async () => {
    const generated = { key: 'sk-abcdefghijklmnopqrstuv', token: 'f'.repeat(64), key_alias: null };
    const { fetchFake, calls } = scripted([{ error: refused() }, { status: 200, body: generated }]);
    const { client: c } = client('http://proxy.test:4000', { fetch: fetchFake });
    expect((await c.generateKey({})).key).toBe(generated.key);
    expect(calls.map((call) => call.method)).toEqual(['POST', 'POST']);
  });

  it('does not repeat a POST after a 502 or 504 (a proxy in between may have passed it on), but repeats a GET', async () => {
    for (const status of [502, 504]) {
      const post = scripted([{ status, body: '<html><title>Gateway Time-out</title></html>' }, { status: 200, body: {} }]);
      const { client: c } = client('http://proxy.test:4000', { fetch: post.fetchFake });
      const error = await rejection(c.generateKey({ key_alias: 'once' }));
      expect(error.code).toBe('PROXY_NOT_READY');
      expect(post.calls).toHaveLength(1);
      const get = scripted([{ status, body: '' }, { status: 200, body: models }]);
      const { client: g } = client('http://proxy.test:4000', { fetch: get.fetchFake });
      expect(await g.listModels()).toHaveLength(1);
      expect(get.calls).toHaveLength(2);
    }
  });

  it('repeats a POST after a 503 and a "DB not connected" answer (LiteLLM did nothing)', async () => {
    const generated = { key: 'sk-abcdefghijklmnopqrstuv', token: 'f'.repeat(64), key_alias: null };
    const prisma = { error: { message: "Can't reach database server at `db`:`5432`", type: 'internal_server_error', param: 'None', code: '500' } };
    const { fetchFake, calls } = scripted([{ status: 503, body: { detail: 'Service Unhealthy' } }, { status: 500, body: prisma }, { status: 200, body: generated }]);
    const { client: c } = client('http://proxy.test:4000', { fetch: fetchFake });
    expect((await c.generateKey({})).key).toBe(generated.key);
    expect(calls).toHaveLength(3);
  });

  it('a full /key/list entry without `token` is found by its `api_key` hash; with neither it is UNEXPECTED_RESPONSE, never dropped', async () => {
    const hash = 'a'.repeat(64);
    const page = (entry: object) => ({ status: 200, body: { keys: [entry], total_count: 1, current_page: 1, total_pages: 1 } });
    const withApiKey = scripted([page({ api_key: hash, key_alias: 'ci' })]);
    const { client: c1 } = client('http://proxy.test:4000', { fetch: withApiKey.fetchFake });
    expect((await c1.listAllKeys()).map((k) => k.token)).toEqual([hash]);
    const without = scripted([page({ key_alias: 'ci', key_name: 'sk-...abcd' })]);
    const { client: c2 } = client('http://proxy.test:4000', { fetch: without.fetchFake });
    const error = await rejection(c2.listAllKeys());
    expect(error.code).toBe('UNEXPECTED_RESPONSE');
    expect(error.message).toContain('"ci"');
  });

  it('an unexpected body is UNEXPECTED_RESPONSE, not a crash', async () => {
    const { fetchFake } = scripted([{ status: 200, body: { models: [] } }]);
    const { client: c } = client('http://proxy.test:4000', { fetch: fetchFake });
    const error = await rejection(c.listModels());
    expect(isAppError(error) && error.code).toBe('UNEXPECTED_RESPONSE');
  });
});

describe('describeNetworkError', () => {
  it('finds the errno in nested causes and AggregateErrors', () => {
    const aggregate = Object.assign(new TypeError('fetch failed'), { cause: new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })]) });
    expect(describeNetworkError(aggregate, 10_000)).toEqual({ reason: 'connection refused', retryable: true, reachedServer: false, kind: 'refused' });
    const dns = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }) });
    expect(describeNetworkError(dns, 10_000).retryable).toBe(false);
    const timeout = Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    expect(describeNetworkError(timeout, 10_000)).toEqual({ reason: 'no answer within 10 s', retryable: true, reachedServer: true, kind: 'timeout' });
  });
});
