import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../litellm/errors.js';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema as createOptions, run as create } from './create.handler.js';
import { run as info, optionsSchema as infoOptions } from './info.handler.js';
import { optionsSchema, render, run } from './rotate.handler.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

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
    expect(await fx.readEnv()).toContain(`VIRTUAL_KEY=${result.key}`);
    expect(await status(old.key)).toBe(401);
    expect(await status(result.key)).toBe(200);
    const now = await info(fx.context(), infoOptions.parse({ args: ['svc'] }));
    expect(now.info.token).toBe(hashKey(result.key));
    expect(ctx.captured.all()).toMatch(/ai-gateway start/);
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
});
