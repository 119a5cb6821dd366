// The LiteLLM stand-in must behave like the real proxy (docs/litellm-contract.md §0-§6, §12), or the
// tests that use it prove nothing. These run in-process against the memory store: no Docker.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiteLLMStandin, pyRepr } from './litellm.mjs';
import { call, sleep } from './helpers.js';

const MASTER = 'sk-master-test-0123456789abcdef';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const MODELS = [
  { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_key: 'sk-provider-secret', api_base: 'https://api.example.test/v1', mock_response: 'Hello from the stand-in proxy' } },
  { model_name: 'claude-haiku', litellm_params: { model: 'anthropic/claude-3-haiku', api_key: 'sk-ant-secret', mock_response: 'Bonjour' } },
  { model_name: 'no-mock', litellm_params: { model: 'openai/gpt-4o' } },
];

type Gateway = Awaited<ReturnType<typeof startLiteLLMStandin>>;
const started: Gateway[] = [];
async function start(options: Parameters<typeof startLiteLLMStandin>[0] = {}): Promise<Gateway> {
  const gw = await startLiteLLMStandin({ masterKey: MASTER, models: MODELS, streamIntervalMs: 60, ...options });
  started.push(gw);
  return gw;
}
afterAll(async () => {
  await Promise.all(started.map((gw) => gw.close()));
});

let gw: Gateway;
let url: string;
beforeAll(async () => {
  gw = await start();
  url = gw.url;
});

async function generate(body: Record<string, unknown> = {}, key = MASTER) {
  const res = await call(url, '/key/generate', { key, body });
  if (res.status !== 200) throw new Error(`generate failed: ${res.status} ${res.text}`);
  return res.json as { key: string; token: string; key_name: string; expires: string | null; [k: string]: unknown };
}

describe('health endpoints', () => {
  it('answers liveliness and liveness with the JSON string "I\'m alive!" without auth', async () => {
    for (const path of ['/health/liveliness', '/health/liveness']) {
      const res = await call(url, path, { headers: { authorization: 'garbage' } });
      expect(res.status).toBe(200);
      expect(res.text).toBe(`"I'm alive!"`);
    }
  });

  it('offers the three readiness generations and 503s on a lost DB where newer versions do', async () => {
    const legacy = await start({ readinessVariant: 'legacy', version: '1.74.0' });
    const modern = await start({ readinessVariant: 'modern' });
    const db = await start({ readinessVariant: 'db' });

    const l = await call(legacy.url, '/health/readiness');
    expect(l.status).toBe(200);
    expect(l.json).toMatchObject({ status: 'healthy', db: 'connected', cache: null, litellm_version: '1.74.0' });
    expect((await call(modern.url, '/health/readiness')).json).toEqual({ status: 'healthy' });
    expect((await call(db.url, '/health/readiness')).json).toEqual({ status: 'healthy', db: 'connected' });

    for (const g of [legacy, modern, db]) g.setDbUp(false);
    const l2 = await call(legacy.url, '/health/readiness');
    expect([l2.status, l2.json.db]).toEqual([200, 'disconnected']); // legacy never 503s for the DB
    expect((await call(modern.url, '/health/readiness')).status).toBe(503);
    const d2 = await call(db.url, '/health/readiness');
    expect([d2.status, d2.json]).toEqual([503, { status: 'healthy', db: 'disconnected' }]);

    db.setDbUp(true);
    expect((await call(db.url, '/health/readiness')).status).toBe(200);
  });

  it('reports db "Not connected" when no database is configured', async () => {
    const none = await start({ store: 'none' });
    const res = await call(none.url, '/health/readiness');
    expect([res.status, res.json]).toEqual([200, { status: 'healthy', db: 'Not connected' }]);
  });

  it('keeps the port closed during the boot delay (connection refused), then serves', async () => {
    const booting = await startLiteLLMStandin({ masterKey: MASTER, bootDelayMs: 400 });
    started.push(booting);
    const error = await fetch(`${booting.url}/health/liveliness`).then(() => null, (e: Error & { cause?: { code?: string } }) => e);
    expect(error?.cause?.code).toBe('ECONNREFUSED');
    await booting.ready;
    expect((await call(booting.url, '/health/liveliness')).status).toBe(200);
  });

  it('requires a key for /health and /health/readiness/details', async () => {
    expect((await call(url, '/health')).status).toBe(401);
    const health = await call(url, '/health', { key: MASTER });
    expect(health.status).toBe(200);
    expect(health.json).toMatchObject({ healthy_count: 2, unhealthy_count: 1 });
    expect(JSON.stringify(health.json)).not.toContain('secret');
    const details = await call(url, '/health/readiness/details', { key: MASTER });
    expect(details.json).toMatchObject({ status: 'healthy', db: 'connected', litellm_version: '1.80.0-standin' });
  });

  it('gives the bare FastAPI detail when /health has no models', async () => {
    const empty = await start({ models: [] });
    const res = await call(empty.url, '/health', { key: MASTER });
    expect([res.status, res.json]).toEqual([500, { detail: { error: 'Model list not initialized' } }]);
  });
});

describe('authentication (contract §2, §12.2)', () => {
  it('rejects a request without a key with the exact envelope', async () => {
    const res = await call(url, '/v1/models');
    expect(res.status).toBe(401);
    expect(res.json).toEqual({ error: { message: 'Authentication Error, No api key passed in.', type: 'auth_error', param: 'None', code: '401' } });
  });

  it('rejects an Authorization header without a known prefix as malformed', async () => {
    const res = await call(url, '/v1/models', { headers: { authorization: MASTER } });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toBe('Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.');
  });

  it('accepts the master key through every supported header form', async () => {
    const forms: Record<string, string>[] = [
      { authorization: `Bearer ${MASTER}` },
      { authorization: `bearer ${MASTER}` },
      { authorization: `Basic ${MASTER}` },
      { authorization: `AWS4-HMAC-SHA256 Credential=Bearer ${MASTER}/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc` },
      { 'x-litellm-api-key': MASTER },
      { 'x-litellm-api-key': `Bearer ${MASTER}` },
      { 'api-key': MASTER },
      { 'x-api-key': MASTER },
      { 'x-goog-api-key': MASTER },
      { 'ocp-apim-subscription-key': MASTER },
    ];
    for (const headers of forms) {
      const res = await call(url, '/v1/models', { headers });
      expect(res.status, JSON.stringify(headers)).toBe(200);
    }
  });

  it('prefers x-litellm-api-key over Authorization', async () => {
    const res = await call(url, '/v1/models', { headers: { authorization: 'Bearer sk-wrong', 'x-litellm-api-key': MASTER } });
    expect(res.status).toBe(200);
    const other = await call(url, '/v1/models', { headers: { authorization: `Bearer ${MASTER}`, 'x-litellm-api-key': 'sk-wrong' } });
    expect(other.status).toBe(401);
  });

  it('skips auth on public routes even with a bad key', async () => {
    for (const path of ['/health/readiness', '/openapi.json', '/', '/routes']) {
      expect((await call(url, path, { key: 'not-a-key' })).status, path).toBe(200);
    }
  });

  it('rejects a virtual key without the sk- prefix, masking it', async () => {
    const res = await call(url, '/v1/models', { key: 'd204abcdefghfd5c' });
    expect(res.json).toEqual({
      error: { message: "Authentication Error, LiteLLM Virtual Key expected. Received=d204****fd5c, expected to start with 'sk-'.", type: 'auth_error', param: 'None', code: '401' },
    });
  });

  it('rejects an unknown sk- key with token_not_found_in_db and the hash', async () => {
    const key = 'sk-unknown-key-ITlA';
    const res = await call(url, '/v1/models', { key });
    expect(res.status).toBe(401);
    expect(res.json).toEqual({
      error: {
        message: `Authentication Error, Invalid proxy server token passed. Received API Key = sk-...ITlA, Key Hash (Token) =${sha256(key)}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
        type: 'token_not_found_in_db',
        param: 'key',
        code: '401',
      },
    });
  });

  it('refuses admin routes to virtual keys', async () => {
    const { key } = await generate();
    const res = await call(url, '/key/generate', { key, body: {} });
    expect(res.status).toBe(401);
    expect(res.json.error.message).toBe(
      'Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=/key/generate. Your role=internal_user. Your user_id=None',
    );
  });

  it('rejects blocked keys and accepts them again after unblock', async () => {
    const { key, token } = await generate();
    const blocked = await call(url, '/key/block', { key: MASTER, body: { key } });
    expect(blocked.status).toBe(200);
    expect(blocked.json).toMatchObject({ token, blocked: true });
    const denied = await call(url, '/v1/models', { key });
    expect(denied.json).toEqual({
      error: { message: "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.", type: 'auth_error', param: 'None', code: '401' },
    });
    const unblocked = await call(url, '/key/unblock', { key: MASTER, body: { key: token } });
    expect(unblocked.json.blocked).toBe(false);
    expect((await call(url, '/v1/models', { key })).status).toBe(200);
    const bad = await call(url, '/key/block', { key: MASTER, body: { key: 'nonsense' } });
    expect([bad.status, bad.json.error]).toEqual([400, { message: 'Invalid key format.', type: 'bad_request_error', param: 'key', code: '400' }]);
  });

  it('rejects expired keys with type expired_key', async () => {
    const { key, token } = await generate({ duration: '1h' });
    await gw.store.update(token, { expires: new Date(Date.now() - 60_000) });
    const res = await call(url, '/v1/models', { key });
    expect(res.status).toBe(401);
    expect(res.json.error.type).toBe('expired_key');
    expect(res.json.error.message).toMatch(/^Authentication Error - Expired Key\. Key Expiry time /);
  });

  it('accepts anything in no-auth mode (no master key)', async () => {
    const open = await start({ masterKey: null });
    expect((await call(open.url, '/v1/models')).status).toBe(200);
    expect((await call(open.url, '/v1/models', { key: 'whatever' })).status).toBe(200);
    expect((await call(open.url, '/key/generate', { body: {} })).status).toBe(200);
  });
});

describe('virtual keys (contract §4)', () => {
  it('generates keys in the documented format and echoes the request', async () => {
    const before = Date.now();
    const res = await generate({ key_alias: 'ci-bot', duration: '30d', models: ['gpt-4o-mini'], max_budget: 10, budget_duration: '30d', tpm_limit: 10000, rpm_limit: 60, metadata: { owner: 'cli' }, not_a_field: 1 });
    expect(res.key).toMatch(/^sk-[A-Za-z0-9_-]{22}$/);
    expect(res.token).toBe(sha256(res.key));
    expect(res.token_id).toBe(res.token);
    expect(res.key_name).toBe(`sk-...${res.key.slice(-4)}`);
    expect(res).toMatchObject({ key_alias: 'ci-bot', duration: null, models: ['gpt-4o-mini'], max_budget: 10, spend: 0, metadata: { owner: 'cli' }, created_by: 'default_user_id', updated_by: 'default_user_id', budget_duration: '30d', tpm_limit: 10000, rpm_limit: 60 });
    expect(res).not.toHaveProperty('not_a_field');
    expect(res).not.toHaveProperty('soft_budget');
    const expires = Date.parse(res.expires!);
    expect(expires - before).toBeGreaterThanOrEqual(30 * 86400e3 - 1000);
    expect(expires - before).toBeLessThan(30 * 86400e3 + 5000);
  });

  it('400s a duplicate alias with the exact message', async () => {
    await generate({ key_alias: 'dup-alias' });
    const res = await call(url, '/key/generate', { key: MASTER, body: { key_alias: 'dup-alias' } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      error: { message: "Key with alias 'dup-alias' already exists. Unique key aliases across all keys are required.", type: 'bad_request_error', param: 'key_alias', code: '400' },
    });
  });

  it('validates budgets, custom keys and enterprise-only fields', async () => {
    const neg = await call(url, '/key/generate', { key: MASTER, body: { max_budget: -1 } });
    expect([neg.status, neg.json.error.message, neg.json.error.type]).toEqual([400, "{'error': 'max_budget cannot be negative. Received: -1.0'}", 'internal_server_error']);

    const custom = await call(url, '/key/generate', { key: MASTER, body: { key: 'abcd-my-key-wxyz' } });
    expect(custom.status).toBe(400);
    expect(custom.json.error.message).toBe(`{'error': "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****wxyz"}`);
    const ok = await generate({ key: 'sk-my-custom-key-000001' });
    expect([ok.key, ok.token]).toEqual(['sk-my-custom-key-000001', sha256('sk-my-custom-key-000001')]);

    const tags = await call(url, '/key/generate', { key: MASTER, body: { tags: ['a'] } });
    expect([tags.status, tags.json.error.code]).toEqual([500, '500']);
    expect(tags.json.error.message).toMatch(/^Only premium users can add tags to keys\. You must be a LiteLLM Enterprise user/);
    const mmb = await call(url, '/key/generate', { key: MASTER, body: { model_max_budget: { 'gpt-4o-mini': { budget_limit: 1 } } } });
    expect(mmb.status).toBe(500);
    expect(mmb.json.error.message).toMatch(/^Invalid model_max_budget: You must have an enterprise license/);
    expect((await call(url, '/key/generate', { key: MASTER, body: { model_max_budget: {} } })).status).toBe(200);

    const premium = await start({ premium: true });
    expect((await call(premium.url, '/key/generate', { key: MASTER, body: { tags: ['team-a'] } })).json.metadata).toEqual({ tags: ['team-a'] });
  });

  it('returns FastAPI 422 lists for wrong types and bad JSON', async () => {
    const res = await call(url, '/key/generate', { key: MASTER, body: { models: 'x', max_budget: 'lots', key_type: 'admin' } });
    expect(res.status).toBe(422);
    expect(res.json.detail).toEqual([
      { type: 'list_type', loc: ['body', 'models'], msg: 'Input should be a valid list', input: 'x' },
      { type: 'float_parsing', loc: ['body', 'max_budget'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'lots' },
      { type: 'literal_error', loc: ['body', 'key_type'], msg: "Input should be 'llm_api', 'management', 'read_only' or 'default'", input: 'admin', ctx: { expected: "'llm_api', 'management', 'read_only' or 'default'" } },
    ]);
    const coerced = await generate({ tpm_limit: '100', max_budget: '2.5' });
    expect([coerced.tpm_limit, coerced.max_budget]).toEqual([100, 2.5]);
    const bad = await call(url, '/key/generate', { key: MASTER, raw: '{"models": [' });
    expect(bad.status).toBe(422);
    expect(bad.json.detail[0]).toMatchObject({ type: 'json_invalid', msg: 'JSON decode error' });
  });

  it('shows key info by raw key or hash, without the token', async () => {
    const { key, token } = await generate({ key_alias: 'info-me', metadata: { a: 1 } });
    for (const asked of [key, token]) {
      const res = await call(url, `/key/info?key=${asked}`, { key: MASTER });
      expect(res.status).toBe(200);
      expect(res.json.key).toBe(asked);
      expect(res.json.info).toMatchObject({ key_alias: 'info-me', key_name: `sk-...${key.slice(-4)}`, metadata: { a: 1 }, spend: 0 });
      expect(res.json.info).not.toHaveProperty('token');
    }
    expect((await call(url, '/key/info', { key })).json.info.key_alias).toBe('info-me'); // a key reads itself
    const missing = await call(url, '/key/info?key=sk-does-not-exist', { key: MASTER });
    expect(missing.json).toEqual({ error: { message: 'Key not found in database', type: 'not_found_error', param: 'key', code: '404' } });
    expect((await call(url, '/key/info', { key: MASTER })).status).toBe(404); // the master key is not in the DB
  });

  it("limits a key to its allowed_routes (contract §13): LLM API routes pass, anything else is a bare 403 detail, checked before the admin-only rule", async () => {
    const { key } = await generate({ allowed_routes: ['llm_api_routes'], models: ['gpt-4o-mini'] });
    expect((await call(url, '/v1/models', { key })).status).toBe(200);
    const chat = await call(url, '/v1/chat/completions', { key, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } });
    expect(chat.status).toBe(200);
    for (const [path, body] of [['/key/generate', {}], ['/key/info', undefined], ['/key/list', undefined]] as const) {
      const res = await call(url, path, { key, ...(body ? { body } : {}) });
      expect(res.status, path).toBe(403);
      expect(res.json, path).toEqual({ detail: `Virtual key is not allowed to call this route. Only allowed to call routes: ['llm_api_routes']. Tried to call route: ${path}` });
    }
    // key_type llm_api is the same restriction; an explicit list or a prefix* entry is honoured as written.
    const typed = await generate({ key_type: 'llm_api' });
    expect(typed.allowed_routes).toEqual(['llm_api_routes']);
    const explicit = await generate({ allowed_routes: ['/v1/models'] });
    expect((await call(url, '/v1/models', { key: explicit.key })).status).toBe(200);
    expect((await call(url, '/models', { key: explicit.key })).status).toBe(403);
    // /key/update changes the restriction (ai-gateway corrects keys made before it set one).
    const open = await generate();
    expect((await call(url, '/key/info', { key: open.key })).status).toBe(200);
    expect((await call(url, '/key/update', { key: MASTER, body: { key: open.token, allowed_routes: ['llm_api_routes'] } })).status).toBe(200);
    expect((await call(url, '/key/info', { key: open.key })).status).toBe(403);
  });

  it('forbids one virtual key from reading another', async () => {
    const a = await generate();
    const b = await generate();
    const res = await call(url, `/key/info?key=${b.key}`, { key: a.key });
    expect(res.status).toBe(403);
    expect(res.json.error.message).toBe(`{'error': "You are not allowed to access this key's info. Your role=internal_user"}`);
  });

  it('updates only the given fields and stringifies dict columns in the answer', async () => {
    const { key, token } = await generate({ key_alias: 'upd', metadata: { owner: 'cli' } });
    const res = await call(url, '/key/update', { key: MASTER, body: { key, max_budget: 20, metadata: { owner: 'ops', n: 1 } } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ key, max_budget: 20, metadata: '{"owner": "ops", "n": 1}', token });
    const info = await call(url, `/key/info?key=${token}`, { key: MASTER });
    expect(info.json.info).toMatchObject({ max_budget: 20, metadata: { owner: 'ops', n: 1 }, key_alias: 'upd' });

    const keepAlias = await call(url, '/key/update', { key: MASTER, body: { key, key_alias: 'upd' } });
    expect(keepAlias.status).toBe(200);
    await generate({ key_alias: 'taken' });
    const collide = await call(url, '/key/update', { key: MASTER, body: { key, key_alias: 'taken' } });
    expect([collide.status, collide.json.error.type]).toEqual([400, 'bad_request_error']);

    const withDuration = await call(url, '/key/update', { key: MASTER, body: { key, duration: '1h' } });
    expect(Date.parse(withDuration.json.expires) - Date.now()).toBeGreaterThan(3500e3);
    const never = await call(url, '/key/update', { key: MASTER, body: { key, duration: '-1' } });
    expect(never.json.expires).toBeNull();
  });

  it('401s an update of an unknown key and 422s a missing key field', async () => {
    const res = await call(url, '/key/update', { key: MASTER, body: { key: 'sk-ghost', max_budget: 1 } });
    expect(res.json).toEqual({
      error: { message: 'Authentication Error: invalid user key - user key does not exist in db. User Key=sk-ghost', type: 'auth_error', param: 'None', code: '401' },
    });
    const missing = await call(url, '/key/update', { key: MASTER, body: { max_budget: 1 } });
    expect(missing.status).toBe(422);
    expect(missing.json.detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'key'] });
  });

  it('deletes by key or alias, echoing the input', async () => {
    const a = await generate({ key_alias: 'del-a' });
    const b = await generate();
    const c = await generate();
    expect((await call(url, '/key/delete', { key: MASTER, body: { key_aliases: ['del-a'] } })).json).toEqual({ deleted_keys: ['del-a'] });
    expect((await call(url, '/key/delete', { key: MASTER, body: { keys: [b.key, c.token] } })).json).toEqual({ deleted_keys: [b.key, c.token] });
    for (const k of [a, b, c]) expect((await call(url, `/key/info?key=${k.token}`, { key: MASTER })).status).toBe(404);
    expect((await call(url, '/v1/models', { key: a.key })).status).toBe(401);

    const none = await call(url, '/key/delete', { key: MASTER, body: { keys: [b.key] } });
    expect(none.json).toEqual({ error: { message: "{'error': 'No keys found'}", type: 'internal_server_error', param: 'None', code: '404' } });
    const neither = await call(url, '/key/delete', { key: MASTER, body: {} });
    expect(neither.status).toBe(422);
    expect(neither.json.detail[0].msg).toBe("Value error, At least one of 'keys' or 'key_aliases' must be provided.");
  });

  it('treats /key/regenerate as enterprise-only unless premium', async () => {
    const { key } = await generate();
    for (const path of ['/key/regenerate', `/key/${key}/regenerate`]) {
      const res = await call(url, path, { key: MASTER, body: { key } });
      expect(res.status).toBe(500);
      expect(res.json.error.message).toMatch(/^Regenerating Virtual Keys is an Enterprise feature, You must be a LiteLLM Enterprise user/);
    }
    const premium = await start({ premium: true });
    const old = (await call(premium.url, '/key/generate', { key: MASTER, body: { key_alias: 'rot' } })).json;
    const res = await call(premium.url, `/key/${old.key}/regenerate`, { key: MASTER, body: {} });
    expect(res.status).toBe(200);
    expect(res.json.key).not.toBe(old.key);
    expect(res.json.token).toBe(sha256(res.json.key));
    expect(res.json.key_alias).toBe('rot');
    expect((await call(premium.url, '/v1/models', { key: old.key })).status).toBe(401);
    expect((await call(premium.url, '/v1/models', { key: res.json.key })).status).toBe(200);
  });
});

describe('/key/list (contract §4.3)', () => {
  let lister: Gateway;
  beforeAll(async () => {
    lister = await start();
    for (let i = 0; i < 25; i++) {
      const res = await call(lister.url, '/key/generate', { key: MASTER, body: { key_alias: `bulk-${i}`, user_id: i % 2 ? 'odd-user' : 'even-user', team_id: i < 5 ? 'team-a' : null } });
      expect(res.status).toBe(200);
    }
  });

  it('paginates 25 keys into 3 pages of hashes', async () => {
    const seen = new Set<string>();
    for (const [page, count] of [[1, 10], [2, 10], [3, 5]] as const) {
      const res = await call(lister.url, `/key/list?page=${page}&size=10`, { key: MASTER });
      expect(res.json).toMatchObject({ total_count: 25, current_page: page, total_pages: 3 });
      expect(res.json.keys).toHaveLength(count);
      for (const k of res.json.keys) {
        expect(k).toMatch(/^[0-9a-f]{64}$/);
        seen.add(k);
      }
    }
    expect(seen.size).toBe(25);
  });

  it('sorts by created_at desc by default and returns full objects on request', async () => {
    const res = await call(lister.url, '/key/list?size=100&return_full_object=true', { key: MASTER });
    const created = res.json.keys.map((k: { created_at: string }) => Date.parse(k.created_at));
    expect([...created].sort((a, b) => b - a)).toEqual(created);
    expect(res.json.keys[0]).toMatchObject({ token: expect.stringMatching(/^[0-9a-f]{64}$/), key_name: expect.stringMatching(/^sk-\.\.\./) });
    expect(JSON.stringify(res.json)).not.toMatch(/"key":"sk-/);
  });

  it('filters by key_alias, user_id and team_id', async () => {
    expect((await call(lister.url, '/key/list?key_alias=bulk-3', { key: MASTER })).json.total_count).toBe(1);
    expect((await call(lister.url, '/key/list?user_id=odd-user&size=100', { key: MASTER })).json.total_count).toBe(12);
    expect((await call(lister.url, '/key/list?team_id=team-a', { key: MASTER })).json.total_count).toBe(5);
  });

  it('422s page sizes over 100 and pages under 1', async () => {
    const big = await call(lister.url, '/key/list?size=101', { key: MASTER });
    expect(big.json).toEqual({ detail: [{ type: 'less_than_equal', loc: ['query', 'size'], msg: 'Input should be less than or equal to 100', input: '101', ctx: { le: 100 } }] });
    expect((await call(lister.url, '/key/list?page=0', { key: MASTER })).status).toBe(422);
    expect((await call(lister.url, '/key/list?sort_by=bogus', { key: MASTER })).status).toBe(400);
  });
});

describe('models (contract §5)', () => {
  it('lists models in the OpenAI shape on /v1/models and /models', async () => {
    for (const path of ['/v1/models', '/models']) {
      const res = await call(url, path, { key: MASTER });
      expect(res.json).toEqual({
        data: MODELS.map((m) => ({ id: m.model_name, object: 'model', created: 1677610602, owned_by: 'openai' })),
        object: 'list',
      });
    }
    expect((await call(url, '/v1/models?scope=bad', { key: MASTER })).json).toEqual({ detail: "Invalid scope parameter. Only 'expand' is currently supported." });
  });

  it('shows a restricted key only its own models', async () => {
    const { key } = await generate({ models: ['claude-haiku'] });
    expect((await call(url, '/v1/models', { key })).json.data.map((m: { id: string }) => m.id)).toEqual(['claude-haiku']);
    expect((await call(url, '/model/info', { key })).json.data.map((m: { model_name: string }) => m.model_name)).toEqual(['claude-haiku']);
  });

  it('strips api_key from /model/info but keeps api_base', async () => {
    for (const path of ['/model/info', '/v1/model/info']) {
      const res = await call(url, path, { key: MASTER });
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('secret');
      expect(res.json.data[0]).toMatchObject({ model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_base: 'https://api.example.test/v1' }, model_info: { id: expect.any(String) } });
    }
  });
});

describe('LLM routes', () => {
  const chat = (key: string, body: Record<string, unknown>) => call(url, '/v1/chat/completions', { key, body: { messages: [{ role: 'user', content: 'Say hello' }], ...body } });

  it('answers mock_response models with an OpenAI chat.completion', async () => {
    const res = await chat(MASTER, { model: 'gpt-4o-mini' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ object: 'chat.completion', model: 'gpt-4o-mini', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content: 'Hello from the stand-in proxy' } }] });
    expect(res.json.id).toMatch(/^chatcmpl-/);
    expect(res.json.usage.total_tokens).toBe(res.json.usage.prompt_tokens + res.json.usage.completion_tokens);
    expect((await call(url, '/chat/completions', { key: MASTER, body: { model: 'gpt-4o-mini', messages: [] } })).status).toBe(200);
  });

  it('returns both generations of the invalid-model 400', async () => {
    const message = '/chat/completions: Invalid model name passed in model=foo. Call `/v1/models` to view available models for your key.';
    const res = await chat(MASTER, { model: 'foo' });
    expect(res.json).toEqual({ error: { message, type: 'None', param: 'None', code: '400', provider_specific_fields: { error: message } } });
    const old = await start({ errorVariant: 'old' });
    const res2 = await call(old.url, '/v1/chat/completions', { key: MASTER, body: { model: 'foo', messages: [] } });
    expect(res2.json).toEqual({ error: { message: pyRepr({ error: message }), type: 'None', param: 'None', code: '400' } });
    expect(res2.json.error.message.startsWith("{'error': '/chat/completions: Invalid model name")).toBe(true);
  });

  it('fails like a provider connection error when a model has no mock_response', async () => {
    const res = await chat(MASTER, { model: 'no-mock' });
    expect(res.status).toBe(500);
    expect(res.json.error.message).toMatch(/^litellm\.APIConnectionError: APIConnectionError: OpenAIException - Connection error/);
  });

  it('denies a key the models it is not allowed', async () => {
    const { key } = await generate({ models: ['gpt-4o-mini'] });
    const res = await chat(key, { model: 'claude-haiku' });
    expect(res.json).toEqual({
      error: { message: "key not allowed to access model. This key can only access models=['gpt-4o-mini']. Tried to access claude-haiku", type: 'key_model_access_denied', param: 'model', code: '401' },
    });
  });

  it('streams one chunk per word, the first at once, about streamIntervalMs apart', async () => {
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const t0 = Date.now();
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    const arrivals: { at: number; text: string }[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arrivals.push({ at: Date.now() - t0, text: decoder.decode(value) });
    }
    const events = arrivals.flatMap((a) => a.text.split('\n\n').filter(Boolean));
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.replace(/^data: /, '')));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0].delta.content ?? '').join('')).toBe('Hello from the stand-in proxy');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
    expect(arrivals.length).toBeGreaterThanOrEqual(5); // separate network reads, not one buffered blob
    expect(arrivals[0]!.at).toBeLessThan(50);
    const gaps = arrivals.slice(1).map((a, i) => a.at - arrivals[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(40);
  });

  it('adds spend per completion and enforces max_budget', async () => {
    const { key, token } = await generate({ max_budget: 0.0001 });
    expect((await chat(key, { model: 'gpt-4o-mini' })).status).toBe(200);
    const spend = (await call(url, `/key/info?key=${token}`, { key: MASTER })).json.info.spend;
    expect(spend).toBeGreaterThan(0);
    await gw.store.update(token, { spend: 0.0002 });
    const res = await chat(key, { model: 'gpt-4o-mini' });
    expect([res.status, res.json.error.type, res.json.error.code]).toEqual([400, 'budget_exceeded', '400']);
    expect(res.json.error.message).toBe('Budget has been exceeded! Current cost: 0.0002, Max budget: 0.0001');
  });

  it('serves completions, embeddings and Anthropic messages', async () => {
    const text = await call(url, '/v1/completions', { key: MASTER, body: { model: 'gpt-4o-mini', prompt: 'hi' } });
    expect(text.json).toMatchObject({ object: 'text_completion', choices: [{ text: 'Hello from the stand-in proxy', finish_reason: 'stop' }] });
    const emb = await call(url, '/v1/embeddings', { key: MASTER, body: { model: 'gpt-4o-mini', input: ['a', 'b'] } });
    expect(emb.json.object).toBe('list');
    expect(emb.json.data).toHaveLength(2);
    expect(emb.json.data[0]).toMatchObject({ object: 'embedding', index: 0 });
    expect(emb.json.data[0].embedding.length).toBeGreaterThan(0);
    const msg = await call(url, '/v1/messages', { headers: { 'x-api-key': MASTER }, body: { model: 'claude-haiku', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } });
    expect(msg.json).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Bonjour' }], stop_reason: 'end_turn' });
  });

  it('records requests, with auth headers redacted, for tests to inspect', async () => {
    await chat(MASTER, { model: 'gpt-4o-mini', temperature: 0.2, user: 'alice' });
    const last = gw.requests.filter((r: { path: string }) => r.path === '/v1/chat/completions').at(-1);
    expect(last).toMatchObject({ method: 'POST', status: 200, body: { model: 'gpt-4o-mini', temperature: 0.2, user: 'alice' }, auth: { role: 'proxy_admin', via: 'authorization' } });
    expect(last!.headers.authorization).toBe('[redacted]');
  });

  it('keeps no request log with recordRequests: false (load benchmarks), and still answers', async () => {
    const quiet = await start({ recordRequests: false });
    const res = await call(quiet.url, '/v1/chat/completions', { key: MASTER, body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.status).toBe(200);
    expect(quiet.requests).toHaveLength(0);
  });
});

describe('without a database (store "none")', () => {
  let none: Gateway;
  beforeAll(async () => {
    none = await start({ store: 'none' });
  });

  it('500s key generation with the repr\'d "DB not connected" message', async () => {
    const res = await call(none.url, '/key/generate', { key: MASTER, body: {} });
    expect(res.json).toEqual({
      error: { message: "{'error': 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys'}", type: 'internal_server_error', param: 'None', code: '500' },
    });
  });

  it('400s any non-master key with "No connected db." and a null param', async () => {
    const res = await call(none.url, '/v1/models', { key: 'sk-some-virtual-key' });
    expect(res.json).toEqual({ error: { message: 'No connected db.', type: 'no_db_connection', param: null, code: '400' } });
  });

  it('fails the other key routes with their own messages', async () => {
    expect((await call(none.url, '/key/list', { key: MASTER })).json.error).toEqual({ message: 'Authentication Error, Database not connected', type: 'internal_server_error', param: 'None', code: '500' });
    expect((await call(none.url, '/key/info?key=sk-x', { key: MASTER })).status).toBe(500);
    expect((await call(none.url, '/key/delete', { key: MASTER, body: { keys: ['sk-x'] } })).json.error.message).toBe('Not connected to DB!');
    expect((await call(none.url, '/key/update', { key: MASTER, body: { key: 'sk-x' } })).json.error).toEqual({ message: 'Authentication Error, Not connected to DB!', type: 'auth_error', param: 'None', code: '400' });
  });

  it('still serves models and completions with the master key', async () => {
    expect((await call(none.url, '/v1/models', { key: MASTER })).json.data).toHaveLength(3);
    expect((await call(none.url, '/v1/chat/completions', { key: MASTER, body: { model: 'gpt-4o-mini', messages: [] } })).status).toBe(200);
  });
});

describe('docs, UI and config', () => {
  it('publishes an OpenAPI 3.1 schema that lists every implemented route', async () => {
    const res = await call(url, '/openapi.json');
    expect(res.json).toMatchObject({ openapi: '3.1.0', info: { title: 'LiteLLM API', version: '1.80.0-standin' } });
    for (const path of ['/key/generate', '/key/info', '/key/list', '/key/delete', '/key/update', '/key/regenerate', '/key/{key}/regenerate', '/key/block', '/key/unblock', '/v1/models', '/models', '/model/info', '/health/liveliness', '/health/readiness', '/health', '/v1/chat/completions', '/v1/embeddings', '/v1/messages']) {
      expect(res.json.paths, path).toHaveProperty([path]);
    }
    expect(res.json.paths['/key/generate'].post.requestBody.content['application/json'].schema.properties.models).toEqual({ type: 'array', items: {} });
  });

  it('serves Swagger-ish HTML at / and the admin UI at /ui', async () => {
    const root = await call(url, '/');
    expect(root.headers.get('content-type')).toMatch(/text\/html/);
    expect(root.text).toContain('LiteLLM API');
    const ui = await call(url, '/ui');
    expect(ui.status).toBe(200);
    expect(ui.text).toMatch(/<form/);
  });

  it('logs in to the UI with UI_USERNAME / UI_PASSWORD (default: the master key)', async () => {
    const form = (u: string, p: string) => call(url, '/login', { raw: `username=${u}&password=${encodeURIComponent(p)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const ok = await fetch(`${url}/login`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `username=admin&password=${encodeURIComponent(MASTER)}` });
    expect(ok.status).toBe(303);
    expect((await form('admin', 'wrong')).status).toBe(401);
  });

  it('answers unknown paths and wrong methods like FastAPI', async () => {
    expect((await call(url, '/nope')).json).toEqual({ detail: 'Not Found' });
    expect((await call(url, '/key/generate', { key: MASTER })).json).toEqual({ detail: 'Method Not Allowed' });
  });

  it('reads a config.yaml, resolving os.environ/ references', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'standin-config-'));
    const file = join(dir, 'config.yaml');
    process.env.STANDIN_TEST_PROVIDER_KEY = 'sk-provider-from-env';
    process.env.STANDIN_TEST_MASTER = 'sk-master-from-config-000000';
    writeFileSync(file, [
      'model_list:',
      '  - model_name: from-config',
      '    litellm_params:',
      '      model: openai/gpt-4o-mini',
      '      api_key: os.environ/STANDIN_TEST_PROVIDER_KEY',
      '      mock_response: configured',
      'general_settings:',
      '  master_key: os.environ/STANDIN_TEST_MASTER',
    ].join('\n'));
    const fromConfig = await startLiteLLMStandin({ configPath: file });
    started.push(fromConfig);
    expect(fromConfig.options.masterKey).toBe('sk-master-from-config-000000');
    expect(fromConfig.options.models[0]!.litellm_params.api_key).toBe('sk-provider-from-env');
    const res = await call(fromConfig.url, '/v1/chat/completions', { key: 'sk-master-from-config-000000', body: { model: 'from-config', messages: [] } });
    expect(res.json.choices[0].message.content).toBe('configured');
    await sleep(0);
  });
});

describe('the litellm server command', () => {
  it("stops the boot with upstream's message when the config file cannot be read", async () => {
    const standin = join(import.meta.dirname, 'litellm.mjs');
    const env = { ...process.env, LITELLM_MASTER_KEY: MASTER, STANDIN_BOOT_DELAY_MS: '0' };
    for (const [path, errno] of [[join(tmpdir(), 'aigw-no-such-config.yaml'), '[Errno 2] No such file or directory'], [tmpdir(), '[Errno 21] Is a directory']] as const) {
      const failure = await promisify(execFile)(process.execPath, [standin, '--config', path, '--port', '0'], { env }).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      expect(failure?.code, path).toBe(1);
      expect(failure?.stderr, path).toContain(`Config file ${path} could not be read: ${errno}`);
    }
    // EACCES ("[Errno 13] Permission denied") needs a non-root reader: test/e2e/least-privilege.e2e.test.ts.
  });
});
