import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../litellm/errors.js';
import { rejection, tempDir } from '../../testing/context.js';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema, render, run } from './create.handler.js';

const parse = (raw: Record<string, unknown>) => optionsSchema.parse(raw);

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture({ extraEnv: ['', '# keep me: a user comment', 'CUSTOM_SETTING=untouched'] });
});
afterAll(() => fx.close());


describe('key create', () => {
  it('sends every flag as the LiteLLM field it means, and prints the key once', async () => {
    const ctx = fx.context();
    const result = await run(
      ctx,
      parse({
        alias: 'ci-bot',
        models: 'gpt-4o-mini, claude-haiku',
        maxBudget: '10',
        budgetDuration: '30d',
        duration: '90d',
        rpm: '60',
        tpm: '10000',
        maxParallel: '4',
        team: 'team-a',
        user: 'alice',
        metadata: ['owner=cli', 'purpose=a=b'],
      }),
    );
    const sent = fx.standin.requests.filter((r) => r.path === '/key/generate').at(-1)?.body;
    expect(sent).toEqual({
      key_alias: 'ci-bot',
      models: ['gpt-4o-mini', 'claude-haiku'],
      max_budget: 10,
      budget_duration: '30d',
      duration: '90d',
      rpm_limit: 60,
      tpm_limit: 10000,
      max_parallel_requests: 4,
      team_id: 'team-a',
      user_id: 'alice',
      metadata: { created_by: 'ai-gateway', owner: 'cli', purpose: 'a=b' },
    });
    expect(result).toMatchObject({
      key_alias: 'ci-bot',
      models: ['gpt-4o-mini', 'claude-haiku'],
      max_budget: 10,
      rpm_limit: 60,
      saved: false,
      envFile: null,
    });
    expect(result.token).toBe(hashKey(result.key));
    expect(result.expires).toMatch(/^\d{4}-\d\d-\d\dT/);
    const text = render(result, ctx.out.style);
    expect(text).toContain(result.key);
    expect(text).toContain('shown only once');
    expect(text.split(result.key)).toHaveLength(2); // exactly once
  });

  it('--save writes VIRTUAL_KEY keeping comments, order and unknown keys, at mode 600', async () => {
    const before = await fx.readEnv();
    const ctx = fx.context();
    const result = await run(ctx, parse({ alias: 'saved-app', save: true }));
    const after = await fx.readEnv();
    expect(after.startsWith(before)).toBe(true);
    expect(after).toContain(`VIRTUAL_KEY=${result.key}`);
    expect(after).toContain('# keep me: a user comment\nCUSTOM_SETTING=untouched');
    expect((await stat(join(fx.dir, '.env'))).mode & 0o777).toBe(0o600);
    expect(result).toMatchObject({ saved: true, envFile: join(fx.dir, '.env'), replacedEnvKey: false });
    expect(render(result, ctx.out.style)).toContain('(VIRTUAL_KEY)');

    // A second --save replaces the line in place and warns that the old key still works.
    const ctx2 = fx.context();
    const second = await run(ctx2, parse({ alias: 'saved-app-2', save: true }));
    const again = await fx.readEnv();
    expect(again.match(/^VIRTUAL_KEY=/gm)).toHaveLength(1);
    expect(again).toContain(`VIRTUAL_KEY=${second.key}`);
    expect(second.replacedEnvKey).toBe(true);
    expect(ctx2.captured.all()).toMatch(/held another key, which still works/);
    expect(ctx2.captured.all()).not.toContain(result.key); // the old key is masked in the warning path
  });

  it('an existing alias is a clear KEY_ALIAS_EXISTS with the rotate command, and no second key is requested', async () => {
    await run(fx.context(), parse({ alias: 'taken' }));
    const generates = fx.standin.requests.filter((r) => r.path === '/key/generate').length;
    const error = await rejection(run(fx.context(), parse({ alias: 'taken', save: true })));
    expect(error.code).toBe('KEY_ALIAS_EXISTS');
    expect(error.hint).toContain('ai-gateway key rotate taken');
    expect(fx.standin.requests.filter((r) => r.path === '/key/generate').length).toBe(generates);
  });

  it('validates values before any request', () => {
    const bad: Record<string, unknown>[] = [
      { maxBudget: '-1' },
      { maxBudget: 'lots' },
      { duration: '30 days' },
      { budgetDuration: '0d' },
      { rpm: '0' },
      { tpm: '1.5' },
      { maxParallel: 'x' },
      { metadata: ['novalue'] },
      { metadata: ['=v'] },
      { alias: 'sk-looks-like-a-key' },
      { alias: 'a'.repeat(64).replace(/a/g, 'f') },
      { alias: '   ' },
      { models: ' , ' },
      { timeout: '0' },
    ];
    for (const raw of bad) expect(() => parse(raw), JSON.stringify(raw)).toThrow();
    expect(parse({ duration: '30s', budgetDuration: '12h', maxBudget: '0' })).toMatchObject({ duration: '30s', budgetDuration: '12h', maxBudget: 0, timeout: 60 });
  });

  it('works against another proxy from LITELLM_PROXY_URL + LITELLM_PROXY_API_KEY without a gateway directory', async () => {
    const elsewhere = await tempDir();
    const ctx = fx.context({ dir: elsewhere, env: { LITELLM_PROXY_URL: fx.standin.url, LITELLM_PROXY_API_KEY: TEST_MASTER_KEY } });
    const result = await run(ctx, parse({ alias: 'remote' }));
    expect(result.baseUrl).toBe(fx.standin.url);
    const noDir = await rejection(run(ctx, parse({ alias: 'remote-2', save: true })));
    expect(noDir.code).toBe('NOT_SET_UP');
  });

  it('--json passes on the contract\'s GenerateKeyResponse fields, with ours added', async () => {
    const ctx = fx.context({ json: true });
    const result = await run(ctx, parse({ alias: 'json-fields', models: 'gpt-4o-mini' }));
    ctx.out.result('key create', result, render);
    const doc = JSON.parse(ctx.captured.stdout.join('')) as Record<string, unknown>;
    // contract §4.1 fields we do not model ourselves arrive untouched
    expect(doc).toMatchObject({ token_id: result.token, created_by: 'default_user_id', spend: 0, allowed_routes: [], duration: null, key_name: expect.stringMatching(/^sk-\.\.\./) });
    // and ours
    expect(doc).toMatchObject({ schemaVersion: 1, ok: true, key: result.key, token: hashKey(result.key), saved: false, replacedEnvKey: false, baseUrl: result.baseUrl });
  });

  it('the master key never shows, in human or --json output', async () => {
    for (const json of [false, true]) {
      const ctx = fx.context({ json, verbose: true });
      const result = await run(ctx, parse({ alias: `quiet-${json}` }));
      ctx.out.result('key create', result, render);
      const all = ctx.captured.all();
      expect(all).not.toContain(TEST_MASTER_KEY);
      expect(all).toContain(result.key);
      if (json) expect(JSON.parse(ctx.captured.stdout.join('')).key).toBe(result.key);
    }
  });
});
