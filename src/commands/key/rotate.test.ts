import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../litellm/errors.js';
import { rotationWarnings, sameSettings, settingsNotCarried } from '../../litellm/keys.js';
import { keysFixture, LITELLM_REQUEST_FIELDS, TEST_MASTER_KEY, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema as createOptions, run as create } from './create.handler.js';
import { run as info, optionsSchema as infoOptions } from './info.handler.js';
import { optionsSchema, render, run } from './rotate.handler.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

const admin = (path: string, body: unknown) =>
  fetch(`${fx.standin.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(
    async (r) => (await r.json()) as Record<string, unknown>,
  );
const lastGenerateBody = () => fx.standin.requests.filter((r) => r.path === '/key/generate').at(-1)?.body as Record<string, unknown>;
const status = async (key: string) => (await fetch(`${fx.standin.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status;

describe('key rotate', () => {
  it('creates a key with the same settings (not the spend), switches .env, then deletes the old key', async () => {
    const old = await create(
      fx.context(),
      createOptions.parse({ alias: 'svc', models: 'gpt-4o-mini', maxBudget: '20', budgetDuration: '30d', duration: '10d', rpm: '30', tpm: '3000', maxParallel: '3', team: 'tm', user: 'u1', metadata: ['owner=ops'], save: true }),
    );
    const ctx = fx.context();
    const result = await run(ctx, optionsSchema.parse({ args: ['svc'] }));
    expect(result.key).not.toBe(old.key);
    expect(result).toMatchObject({ key_alias: 'svc', models: ['gpt-4o-mini'], max_budget: 20, budget_duration: '30d', rpm_limit: 30, tpm_limit: 3000, saved: true, replaced: { token: old.token, deleted: true } });
    // Expiry kept: the new key expires (within a few seconds) when the old one would have.
    expect(Math.abs(Date.parse(result.expires ?? '') - Date.parse(old.expires ?? ''))).toBeLessThan(5_000);
    const sent = fx.standin.requests.filter((r) => r.path === '/key/generate').at(-1)?.body as Record<string, unknown>;
    expect(sent).toMatchObject({ key_alias: 'svc', team_id: 'tm', user_id: 'u1', max_parallel_requests: 3, metadata: { created_by: 'ai-gateway', owner: 'ops' } });
    expect(sent).not.toHaveProperty('spend');
    // --json reports the new key like `key create` does: the same fields, team, user, metadata and creation time included.
    expect(result).toMatchObject({ team_id: 'tm', user_id: 'u1', max_parallel_requests: 3, metadata: { created_by: 'ai-gateway', owner: 'ops' } });
    expect(typeof result.created_at).toBe('string');
    const reportFields = (r: object) => Object.keys(r).filter((k) => !['saved', 'envFile', 'replacedEnvKey', 'baseUrl', 'replaced'].includes(k)).sort();
    expect(reportFields(result)).toEqual(reportFields(old));
    expect(await fx.readEnv()).toContain(`VIRTUAL_KEY=${result.key}`);
    expect(await status(old.key)).toBe(401);
    expect(await status(result.key)).toBe(200);
    const now = await info(fx.context(), infoOptions.parse({ args: ['svc'] }));
    expect(now.info.token).toBe(hashKey(result.key));
    expect(ctx.captured.all()).toMatch(/ai-gateway start/);
    // A connection key saved in Open WebUI would still win over the new VIRTUAL_KEY: said, with where to paste it.
    expect(ctx.captured.all()).toContain('(Admin Panel > Settings > Connections), Open WebUI keeps using the key saved in its database');
    const text = render(result, ctx.out.style);
    expect(text).toContain(result.key);
    expect(text).not.toContain(old.key);
    expect(text).not.toContain(TEST_MASTER_KEY);
  });

  it('leaves .env alone when it held another key; --no-expiry and --duration set the new expiry', async () => {
    const inEnv = await create(fx.context(), createOptions.parse({ alias: 'env-key', save: true }));
    await create(fx.context(), createOptions.parse({ alias: 'other', duration: '1d' }));
    const forever = await run(fx.context(), optionsSchema.parse({ args: ['other'], expiry: false }));
    expect(forever).toMatchObject({ saved: false, expires: null });
    const month = await run(fx.context(), optionsSchema.parse({ args: ['other'], duration: '30d' }));
    expect(Date.parse(month.expires ?? '') - Date.now()).toBeGreaterThan(29 * 86_400_000);
    expect(await fx.readEnv()).toContain(`VIRTUAL_KEY=${inEnv.key}`);
    expect(() => optionsSchema.parse({ args: ['other'], duration: '1d', expiry: false })).toThrow(/contradict/);
  });

  it('an unknown alias is KEY_NOT_FOUND and creates nothing', async () => {
    const before = fx.standin.requests.filter((r) => r.path === '/key/generate').length;
    const error = await run(fx.context(), optionsSchema.parse({ args: ['ghost'] })).then(() => null, (e: { code: string }) => e);
    expect(error?.code).toBe('KEY_NOT_FOUND');
    expect(fx.standin.requests.filter((r) => r.path === '/key/generate').length).toBe(before);
  });

  it('carries the settings a key made elsewhere (the admin UI, the API) has: config, permissions, budget, organization, routes, aliases', async () => {
    const settings = {
      config: { fallback: 'x' },
      permissions: { get_spend_routes: true },
      budget_id: 'budget-7',
      organization_id: 'org-1',
      allowed_routes: ['llm_api_routes'],
      aliases: { fast: 'gpt-4o-mini' },
      allowed_cache_controls: ['no-cache'],
    };
    await admin('/key/generate', { key_alias: 'ui-made', ...settings });
    const result = await run(fx.context(), optionsSchema.parse({ args: ['ui-made'] }));
    expect(result.replaced.deleted).toBe(true);
    expect(lastGenerateBody()).toMatchObject({ key_alias: 'ui-made', ...settings });
  });

  it('resumes a rotation that was cut off after the old key was parked (no key has the alias any more)', async () => {
    const old = await create(fx.context(), createOptions.parse({ alias: 'half', models: 'gpt-4o-mini' }));
    await admin('/key/update', { key: old.token, key_alias: 'half.rotating-1700000000000' }); // what a killed rotation leaves
    const ctx = fx.context();
    const result = await run(ctx, optionsSchema.parse({ args: ['half'] }));
    expect(ctx.captured.all()).toMatch(/"half.rotating-1700000000000" does: a rotation of "half" was interrupted/);
    expect(result).toMatchObject({ key_alias: 'half', models: ['gpt-4o-mini'], replaced: { token: old.token, deleted: true } });
    const aliases = ((await (await fetch(`${fx.standin.url}/key/list?return_full_object=true&size=100`, { headers: { authorization: `Bearer ${TEST_MASTER_KEY}` } })).json()) as { keys: { key_alias: string | null }[] }).keys.map((k) => k.key_alias);
    expect(aliases.filter((a) => a?.startsWith('half'))).toEqual(['half']);
  });

  it('a blocked key stays blocked in its replacement (rotation does not undo a block), and says so', async () => {
    const old = await create(fx.context(), createOptions.parse({ alias: 'blocked-one' }));
    await admin('/key/block', { key: old.token });
    const ctx = fx.context();
    const result = await run(ctx, optionsSchema.parse({ args: ['blocked-one'] }));
    expect(lastGenerateBody()).toMatchObject({ blocked: true });
    expect(await status(result.key)).toBe(401);
    expect(ctx.captured.all()).toMatch(/blocked, and so is the new one/);
  });

  it('names what a rotation cannot carry (object permissions live in their own table)', () => {
    expect(settingsNotCarried({ object_permission_id: 'op-1' })).toEqual(['object permissions (MCP servers, vector stores, agents)']);
    expect(settingsNotCarried({})).toEqual([]);
    expect(rotationWarnings({ old: { token: 't', blocked: true }, notCarried: settingsNotCarried({ object_permission_id: 'op-1' }) }, 'the new one')).toEqual([
      'The old key was blocked, and so is the new one: unblock it in the LiteLLM admin UI when it should work.',
      "The new one does not have the old one's object permissions (MCP servers, vector stores, agents): /key/generate cannot copy them; set them again in the LiteLLM admin UI.",
    ]);
    // a blocked flag is the caller's decision (rotateKey's `blocked`), not a setting copied blindly
    expect(sameSettings({ blocked: true, models: ['m'] })).toEqual({ models: ['m'] });
  });

  it('every POST the rotations above made carries only fields LiteLLM defines', () => {
    const posts = fx.standin.requests.filter((r) => r.method === 'POST' && r.path !== '/key/block');
    expect(new Set(posts.map((r) => r.path))).toEqual(new Set(['/key/generate', '/key/update', '/key/delete']));
    for (const request of posts) {
      const allowed = LITELLM_REQUEST_FIELDS[request.path as keyof typeof LITELLM_REQUEST_FIELDS];
      for (const field of Object.keys(request.body as object)) expect(allowed.has(field), `${request.path}: ${field}`).toBe(true);
    }
  });
});
