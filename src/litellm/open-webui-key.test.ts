import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { acquireLock } from '../core/lock.js';
import { loadGateway } from '../gateway/layout.js';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture, type StandinOptions } from '../testing/litellm.js';
import { hashKey } from './errors.js';
import { ensureOpenWebuiKey, OPEN_WEBUI_KEY_ALIAS } from './open-webui-key.js';

const fixtures: KeysFixture[] = [];
async function fixture(options: StandinOptions & { extraEnv?: string[] } = {}) {
  const fx = await keysFixture(options);
  fixtures.push(fx);
  return fx;
}
afterEach(async () => {
  await Promise.all(fixtures.splice(0).map((fx) => fx.close()));
});

async function ensure(fx: KeysFixture, overrides: Parameters<KeysFixture['context']>[0] = {}) {
  const ctx = fx.context(overrides);
  const gateway = await loadGateway(ctx);
  const result = await ensureOpenWebuiKey(ctx, gateway, { timeoutMs: 10_000 });
  return { result, ctx };
}

const virtualKeyIn = (env: string) => /^VIRTUAL_KEY=(.*)$/m.exec(env)?.[1];
const status = async (fx: KeysFixture, key: string) => (await fetch(`${fx.standin.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status;
const block = (fx: KeysFixture, key: string) =>
  fetch(`${fx.standin.url}/key/block`, { method: 'POST', headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: hashKey(key) }) });
/** A management route called with `key`: the status and the refusal's detail (if any). */
async function generateWith(fx: KeysFixture, key: string): Promise<{ status: number; detail?: string }> {
  const res = await fetch(`${fx.standin.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: '{}' });
  const body = (await res.json()) as { detail?: string };
  return typeof body.detail === 'string' ? { status: res.status, detail: body.detail } : { status: res.status };
}
const generateCount = (fx: KeysFixture) => fx.standin.requests.filter((r) => r.path === '/key/generate').length;

describe('ensureOpenWebuiKey', () => {
  it('creates the key on the first start (alias open-webui, the budget profile), saves it, and keeps it on the second', async () => {
    const fx = await fixture();
    const first = await ensure(fx);
    expect(first.result).toEqual({ action: 'created', changed: true });
    const key = virtualKeyIn(await fx.readEnv());
    expect(key).toMatch(/^sk-/);
    const sent = fx.standin.requests.find((r) => r.path === '/key/generate')?.body;
    expect(sent).toEqual({ key_alias: OPEN_WEBUI_KEY_ALIAS, metadata: { created_by: 'ai-gateway' }, max_budget: 15, budget_duration: '30d', allowed_routes: ['llm_api_routes'] });
    expect(await status(fx, key as string)).toBe(200);
    // Nothing secret reached the output.
    expect(first.ctx.captured.all()).not.toContain(key);
    expect(first.ctx.captured.all()).not.toContain(TEST_MASTER_KEY);

    const second = await ensure(fx);
    expect(second.result).toEqual({ action: 'kept', changed: false });
    expect(generateCount(fx)).toBe(1);
    expect(virtualKeyIn(await fx.readEnv())).toBe(key);
    // Only LLM API routes: a management route is refused with LiteLLM's route-check text.
    expect(await generateWith(fx, key as string)).toEqual({ status: 403, detail: "Virtual key is not allowed to call this route. Only allowed to call routes: ['llm_api_routes']. Tried to call route: /key/generate" });
  });

  it('rotates when .env lost the key but the alias exists: same settings, old key deleted', async () => {
    const fx = await fixture();
    await ensure(fx);
    const lost = virtualKeyIn(await fx.readEnv()) as string;
    await writeFile(join(fx.dir, '.env'), (await fx.readEnv()).replace(/^VIRTUAL_KEY=.*$/m, ''), { mode: 0o600 });

    const { result, ctx } = await ensure(fx);
    expect(result).toEqual({ action: 'rotated', changed: true });
    const fresh = virtualKeyIn(await fx.readEnv()) as string;
    expect(fresh).toMatch(/^sk-/);
    expect(fresh).not.toBe(lost);
    expect(await status(fx, lost)).toBe(401);
    expect(await status(fx, fresh)).toBe(200);
    const rotatedBody = fx.standin.requests.filter((r) => r.path === '/key/generate').at(-1)?.body;
    expect(rotatedBody).toMatchObject({ key_alias: OPEN_WEBUI_KEY_ALIAS, max_budget: 15, budget_duration: '30d', metadata: { created_by: 'ai-gateway' } });
    expect(ctx.captured.all()).not.toContain(fresh);

    expect((await ensure(fx)).result.action).toBe('kept');
    expect((await generateWith(fx, fresh)).status).toBe(403); // the rotation kept the restriction
  });

  it('limits a key made by an older version (no allowed_routes) to the LLM API routes on start, keeping the key', async () => {
    const fx = await fixture();
    const res = await fetch(`${fx.standin.url}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ key_alias: OPEN_WEBUI_KEY_ALIAS, metadata: { created_by: 'ai-gateway' } }),
    });
    const old = ((await res.json()) as { key: string }).key;
    await writeFile(join(fx.dir, '.env'), `${await fx.readEnv()}\nVIRTUAL_KEY=${old}\n`, { mode: 0o600 });
    const keyInfo = async () => (await fetch(`${fx.standin.url}/key/info`, { headers: { authorization: `Bearer ${old}` } })).status;
    expect(await keyInfo()).toBe(200); // unrestricted: it reaches routes beyond the LLM API
    const { result, ctx } = await ensure(fx);
    expect(result).toEqual({ action: 'kept', changed: false });
    expect(virtualKeyIn(await fx.readEnv())).toBe(old);
    expect(fx.standin.requests.filter((r) => r.path === '/key/update').at(-1)?.body).toEqual({ key: hashKey(old), allowed_routes: ['llm_api_routes'] });
    expect(ctx.captured.all()).toMatch(/Limited the Open WebUI key/);
    expect(await keyInfo()).toBe(403);
    expect((await generateWith(fx, old)).status).toBe(403);
    expect(await status(fx, old)).toBe(200);
    // Corrected once: the next start changes nothing.
    const updates = fx.standin.requests.filter((r) => r.path === '/key/update').length;
    await ensure(fx);
    expect(fx.standin.requests.filter((r) => r.path === '/key/update').length).toBe(updates);
  });

  it('leaves a route list an admin narrowed further alone', async () => {
    const fx = await fixture();
    await ensure(fx);
    const key = virtualKeyIn(await fx.readEnv()) as string;
    await fetch(`${fx.standin.url}/key/update`, { method: 'POST', headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ key: hashKey(key), allowed_routes: ['/v1/chat/completions'] }) });
    const updates = fx.standin.requests.filter((r) => r.path === '/key/update').length;
    expect((await ensure(fx)).result.action).toBe('kept');
    expect(fx.standin.requests.filter((r) => r.path === '/key/update').length).toBe(updates);
    expect(await status(fx, key)).toBe(403); // /v1/models is outside what the admin allowed
  });

  it('rotates when VIRTUAL_KEY is not known to the proxy (e.g. its database was reset) and the alias exists', async () => {
    const fx = await fixture();
    await ensure(fx);
    await writeFile(join(fx.dir, '.env'), (await fx.readEnv()).replace(/^VIRTUAL_KEY=.*$/m, 'VIRTUAL_KEY=sk-unknownunknownunknown1'), { mode: 0o600 });
    expect((await ensure(fx)).result.action).toBe('rotated');
  });

  it('creates when VIRTUAL_KEY is unknown and no alias exists; keeps a user key that is valid', async () => {
    const fx = await fixture({ extraEnv: ['VIRTUAL_KEY=sk-stalestalestalestale12'] });
    expect((await ensure(fx)).result.action).toBe('created');

    const other = await fixture();
    const userKey = (await (await fetch(`${other.standin.url}/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ key_alias: 'mine' }) })).json()) as { key: string };
    await writeFile(join(other.dir, '.env'), `${await other.readEnv()}VIRTUAL_KEY=${userKey.key}\n`, { mode: 0o600 });
    const kept = await ensure(other);
    expect(kept.result).toEqual({ action: 'kept', changed: false });
    expect(generateCount(other)).toBe(1); // only the one made above
    // The user's key is theirs: not changed, but the warning says what it allows and the way out.
    expect(other.standin.requests.filter((r) => r.path === '/key/update')).toEqual([]);
    expect(kept.ctx.captured.all()).toMatch(/VIRTUAL_KEY in \.env \(Open WebUI's key, "mine"\) is not limited to LiteLLM's LLM API routes[\s\S]*remove VIRTUAL_KEY from \.env and run "ai-gateway start"/);
  });

  it('a blocked VIRTUAL_KEY is kept with a warning, never rotated into another key on every start', async () => {
    const fx = await fixture();
    await ensure(fx);
    const key = virtualKeyIn(await fx.readEnv()) as string;
    await block(fx, key);
    const second = await ensure(fx);
    expect(second.result).toEqual({ action: 'kept', changed: false });
    expect(second.ctx.captured.all()).toMatch(/is blocked on the proxy[\s\S]*ai-gateway key revoke open-webui --yes/);
    expect((await ensure(fx)).result).toEqual({ action: 'kept', changed: false });
    expect(virtualKeyIn(await fx.readEnv())).toBe(key);
    expect(generateCount(fx)).toBe(1);
  });

  it('.env lost the key of a blocked alias: the replacement stays blocked (a block is not undone) and the next start keeps it', async () => {
    const fx = await fixture();
    await ensure(fx);
    await block(fx, virtualKeyIn(await fx.readEnv()) as string);
    await writeFile(join(fx.dir, '.env'), (await fx.readEnv()).replace(/^VIRTUAL_KEY=.*\n/m, ''));
    const rotated = await ensure(fx);
    expect(rotated.result.action).toBe('rotated');
    expect(rotated.ctx.captured.all()).toMatch(/was blocked, and so is Open WebUI's new key/);
    const replacement = virtualKeyIn(await fx.readEnv()) as string;
    expect(await status(fx, replacement)).toBe(401);
    expect((await ensure(fx)).result).toEqual({ action: 'kept', changed: false });
    expect(generateCount(fx)).toBe(2);
  });

  it('ignores LITELLM_PROXY_URL and API key overrides in the shell: the key is made on this gateway, with its master key', async () => {
    const fx = await fixture();
    const elsewhere = await fixture();
    const { result } = await ensure(fx, { env: { LITELLM_PROXY_URL: elsewhere.standin.url, LITELLM_PROXY_API_KEY: 'sk-other-proxy-key-0123456789', AI_GATEWAY_API_KEY: 'sk-other-proxy-key-0123456789' } });
    expect(result.action).toBe('created');
    expect(elsewhere.standin.requests).toHaveLength(0);
    expect(await status(fx, virtualKeyIn(await fx.readEnv()) as string)).toBe(200);
  });

  it('waits for a booting proxy instead of sleeping a fixed time', async () => {
    const fx = await fixture({ bootDelayMs: 700 });
    const started = Date.now();
    const { result, ctx } = await ensure(fx, { clock: systemClock });
    expect(result.action).toBe('created');
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(ctx.captured.all()).toMatch(/Waiting for LiteLLM/);
  });

  it('works while the caller (start) holds the directory lock', async () => {
    const fx = await fixture();
    const ctx = fx.context();
    const lock = await acquireLock(fx.dir, { clock: ctx.clock, purpose: 'start' });
    try {
      const result = await ensureOpenWebuiKey(ctx, await loadGateway(ctx), { timeoutMs: 5_000 });
      expect(result.action).toBe('created');
    } finally {
      await lock.release();
    }
  });

  it('fails with PROXY_UNREACHABLE after timeoutMs when LiteLLM never comes up', async () => {
    const fx = await fixture();
    await fx.close();
    const ctx = fx.context({ clock: systemClock });
    const error = await ensureOpenWebuiKey(ctx, await loadGateway(ctx), { timeoutMs: 500 }).then(() => null, (e: { code: string }) => e);
    expect(error?.code).toBe('PROXY_UNREACHABLE');
  });
});
