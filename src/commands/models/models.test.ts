import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/context.js';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema, render, run } from './models.handler.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

const errorOf = (p: Promise<unknown>) => p.then(() => null, (e: { code: string; hint?: string }) => e);

describe('models', () => {
  it('without VIRTUAL_KEY: a clear error naming key create --save', async () => {
    const error = await errorOf(run(fx.context(), optionsSchema.parse({})));
    expect(error?.code).toBe('NO_VIRTUAL_KEY');
    expect(error?.hint).toContain('ai-gateway key create --alias app --save');
  });

  it('--master lists every model the proxy serves', async () => {
    const ctx = fx.context();
    const result = await run(ctx, optionsSchema.parse({ master: true }));
    expect(result.models.map((m) => m.id)).toEqual(['gpt-4o-mini', 'claude-haiku']);
    expect(result.keySource).toBe('LITELLM_MASTER_KEY in .env');
  });

  it('lists what VIRTUAL_KEY may use (table and JSON), never printing the key', async () => {
    const created = await fx.createKey({ key_alias: 'app', models: ['claude-haiku'] }, { save: true });
    for (const json of [false, true]) {
      const ctx = fx.context({ json });
      const result = await run(ctx, optionsSchema.parse({}));
      expect(result).toMatchObject({ models: [{ id: 'claude-haiku', ownedBy: 'openai' }], count: 1, keySource: 'VIRTUAL_KEY in .env', baseUrl: fx.standin.url });
      ctx.out.result('models', result, render);
      const out = ctx.captured.all();
      expect(out).not.toContain(created.key);
      expect(out).not.toContain(TEST_MASTER_KEY);
      if (json) expect(JSON.parse(out).models).toEqual([{ id: 'claude-haiku', ownedBy: 'openai' }]);
      else expect(out).toMatch(/MODEL\s+OWNED BY\nclaude-haiku\s+openai/);
    }
    const last = fx.standin.requests.filter((r) => r.path === '/v1/models').at(-1);
    expect(last?.status).toBe(200);
  });

  it('--details adds the upstream model from /model/info', async () => {
    const result = await run(fx.context(), optionsSchema.parse({ master: true, details: true }));
    expect(result.models).toEqual([
      { id: 'gpt-4o-mini', ownedBy: 'openai', upstream: 'openai/gpt-4o-mini' },
      { id: 'claude-haiku', ownedBy: 'openai', upstream: 'anthropic/claude-3-haiku' },
    ]);
    expect(render(result, fx.context().out.style)).toMatch(/gpt-4o-mini\s+openai\/gpt-4o-mini\s+openai/);
  });

  it('--details with a key piped to --api-key - reads stdin once and uses that key for both calls', async () => {
    let reads = 0;
    const ctx = fx.context({ readStdin: async () => (reads++ === 0 ? `${TEST_MASTER_KEY}\n` : '') });
    const result = await run(ctx, optionsSchema.parse({ details: true, apiKey: '-' }));
    expect(reads).toBe(1);
    expect(result.keySource).toBe('--api-key (stdin)');
    expect(result.models.map((m) => m.upstream)).toEqual(['openai/gpt-4o-mini', 'anthropic/claude-3-haiku']);
  });

  it('a revoked VIRTUAL_KEY is VIRTUAL_KEY_REJECTED with the fix', async () => {
    const created = await fx.createKey({ key_alias: 'gone' }, { save: true });
    await fetch(`${fx.standin.url}/key/delete`, { method: 'POST', headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ keys: [created.token] }) });
    const ctx = fx.context();
    const error = await errorOf(run(ctx, optionsSchema.parse({})));
    expect(error?.code).toBe('VIRTUAL_KEY_REJECTED');
    expect(error?.hint).toContain('ai-gateway key create');
    expect(JSON.stringify(error)).not.toContain(created.key);
  });

  it('AI_GATEWAY_API_KEY + --base-url work without a gateway directory', async () => {
    const created = await fx.createKey({ models: ['gpt-4o-mini'] });
    const ctx = fx.context({ dir: await tempDir(), env: { AI_GATEWAY_API_KEY: created.key } });
    const result = await run(ctx, optionsSchema.parse({ baseUrl: `${fx.standin.url}/v1/` }));
    expect(result).toMatchObject({ models: [{ id: 'gpt-4o-mini' }], keySource: '$AI_GATEWAY_API_KEY', baseUrl: fx.standin.url });
  });
});
