import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema as createOptions, run as create } from './create.handler.js';
import { optionsSchema, render, run } from './list.handler.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

describe('key list', () => {
  it('says how to create the first key when there is none', async () => {
    const ctx = fx.context();
    const result = await run(ctx, optionsSchema.parse({}));
    expect(result).toMatchObject({ keys: [], total: 0 });
    expect(render(result, ctx.out.style)).toContain('ai-gateway key create --alias app --save');
  });

  it('fetches all pages and shows alias, masked name, spend/budget, models, expiry, blocked; never a key', async () => {
    const created: string[] = [];
    for (let i = 0; i < 120; i++) {
      const r = await create(fx.context(), createOptions.parse({ alias: `k${String(i).padStart(3, '0')}`, ...(i === 0 ? { models: 'gpt-4o-mini', maxBudget: '10', budgetDuration: '30d', duration: '1d' } : {}) }));
      created.push(r.key);
    }
    const saved = await create(fx.context(), createOptions.parse({ alias: 'in-env', save: true }));
    created.push(saved.key);
    const ctx = fx.context();
    const result = await run(ctx, optionsSchema.parse({}));
    expect(result.total).toBe(121);
    const listCalls = fx.standin.requests.filter((r) => r.path === '/key/list' && r.query.key_alias === undefined);
    expect(listCalls.at(-1)?.query.page).toBe('2');

    const first = result.keys.find((k) => k.alias === 'k000');
    expect(first).toMatchObject({ models: ['gpt-4o-mini'], maxBudget: 10, budgetDuration: '30d', spend: 0, blocked: false, inEnv: false, expired: false });
    expect(first?.keyName).toMatch(/^sk-\.\.\..{4}$/);
    expect(result.keys.find((k) => k.alias === 'in-env')?.inEnv).toBe(true);

    const text = render(result, ctx.out.style);
    expect(text).toMatch(/ALIAS\s+KEY\s+SPEND \/ BUDGET\s+MODELS\s+EXPIRES\s+BLOCKED/);
    expect(text).toMatch(/k000\s+sk-\.\.\.\S{4}\s+\$0\.00 \/ \$10\.00 per 30d\s+gpt-4o-mini\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+no/);
    expect(text).toMatch(/in-env \*/);
    ctx.out.result('key list', result, render);
    const json = fx.context({ json: true });
    json.out.result('key list', await run(json, optionsSchema.parse({})), render);
    for (const output of [ctx.captured.all(), json.captured.all()]) {
      expect(output).not.toContain(TEST_MASTER_KEY);
      for (const key of created) expect(output).not.toContain(key);
    }
  });
});
