import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptedPrompts } from '../../testing/prompts.js';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema as createOptions, run as create } from './create.handler.js';
import { optionsSchema, render, run } from './revoke.handler.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: { code: string; hint?: string }) => e);

describe('key revoke', () => {
  it('asks first (prompt confirm-revoke); "no" changes nothing', async () => {
    const created = await create(fx.context(), createOptions.parse({ alias: 'keep-me' }));
    const prompts = scriptedPrompts([{ id: 'confirm-revoke', answer: false }]);
    const error = await errorOf(run(fx.context({ prompts }), optionsSchema.parse({ args: ['keep-me'] })));
    expect(error?.code).toBe('CANCELLED');
    prompts.assertDone();
    const check = await fetch(`${fx.standin.url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } });
    expect(check.status).toBe(200);
  });

  it('without a TTY it needs --yes, and names it', async () => {
    await create(fx.context(), createOptions.parse({ alias: 'needs-yes' }));
    const error = await errorOf(run(fx.context(), optionsSchema.parse({ args: ['needs-yes'] })));
    expect(error?.code).toBe('PROMPT_NEEDS_TTY');
    expect(error?.hint).toContain('--yes');
  });

  it('revokes after "yes": the key gets 401, and VIRTUAL_KEY leaves .env when it was that key', async () => {
    const created = await create(fx.context(), createOptions.parse({ alias: 'doomed', save: true }));
    expect(await fx.readEnv()).toContain(`VIRTUAL_KEY=${created.key}`);
    const prompts = scriptedPrompts([{ id: 'confirm-revoke', answer: true }]);
    const ctx = fx.context({ prompts });
    const result = await run(ctx, optionsSchema.parse({ args: ['doomed'] }));
    expect(result).toMatchObject({ revoked: { alias: 'doomed', token: created.token }, removedFromEnv: true });
    expect(await fx.readEnv()).not.toContain('VIRTUAL_KEY=');
    expect(ctx.captured.all()).toMatch(/ai-gateway start/);
    const check = await fetch(`${fx.standin.url}/v1/models`, { headers: { authorization: `Bearer ${created.key}` } });
    expect(check.status).toBe(401);
    ctx.out.result('key revoke', result, render);
    expect(ctx.captured.all()).not.toContain(created.key);
    expect(ctx.captured.all()).not.toContain(TEST_MASTER_KEY);
  });

  it('--yes revokes by raw key without asking and leaves another VIRTUAL_KEY alone', async () => {
    const inEnv = await create(fx.context(), createOptions.parse({ alias: 'stays', save: true }));
    const other = await create(fx.context(), createOptions.parse({}));
    const ctx = fx.context({ yes: true });
    const result = await run(ctx, optionsSchema.parse({ args: [other.key] }));
    expect(result.removedFromEnv).toBe(false);
    expect(await fx.readEnv()).toContain(`VIRTUAL_KEY=${inEnv.key}`);
    expect(ctx.captured.all()).not.toContain(other.key);
    const error = await errorOf(run(fx.context({ yes: true }), optionsSchema.parse({ args: [other.key] })));
    expect(error?.code).toBe('KEY_NOT_FOUND');
  });
});
