import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../../litellm/errors.js';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema as createOptions, run as create } from './create.handler.js';
import { optionsSchema, render, run } from './info.handler.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

describe('key info', () => {
  it('finds a key by alias, by raw key and by hash, and never echoes the raw key', async () => {
    const created = await create(fx.context(), createOptions.parse({ alias: 'lookup', models: 'claude-haiku', rpm: '7', metadata: ['team=ml'] }));
    for (const ref of ['lookup', created.key, hashKey(created.key)]) {
      const ctx = fx.context({ verbose: true });
      const result = await run(ctx, optionsSchema.parse({ args: [ref] }));
      expect(result.info).toMatchObject({ alias: 'lookup', token: hashKey(created.key), models: ['claude-haiku'], rpmLimit: 7, metadata: { created_by: 'ai-gateway', team: 'ml' } });
      ctx.out.result('key info', result, render);
      const out = ctx.captured.all();
      expect(out).not.toContain(created.key);
      expect(out).not.toContain(TEST_MASTER_KEY);
      expect(out).toMatch(/alias\s+lookup/);
      expect(out).toMatch(/limits\s+7 rpm/);
    }
    // The raw key went over the wire only as its hash.
    for (const r of fx.standin.requests) expect(JSON.stringify(r.query)).not.toContain(created.key);
  });

  it('an unknown alias or key is KEY_NOT_FOUND pointing at key list', async () => {
    for (const ref of ['nobody', 'sk-unknownunknownunknown']) {
      const error = await run(fx.context(), optionsSchema.parse({ args: [ref] })).then(
        () => null,
        (e: { code: string; hint: string }) => e,
      );
      expect(error?.code).toBe('KEY_NOT_FOUND');
      expect(error?.hint).toContain('ai-gateway key list');
    }
  });

  it('"-" reads the key from stdin, so it is never in argv; a raw key in argv works with a warning', async () => {
    const created = await create(fx.context(), createOptions.parse({ alias: 'piped' }));
    const piped = fx.context({ readStdin: async () => `${created.key}\n` });
    const result = await run(piped, optionsSchema.parse({ args: ['-'] }));
    expect(result.info).toMatchObject({ alias: 'piped', token: hashKey(created.key) });
    expect(piped.captured.all()).not.toMatch(/command line/);

    const typed = fx.context();
    await run(typed, optionsSchema.parse({ args: [created.key] }));
    expect(typed.captured.all()).toMatch(/A key on the command line shows in "ps"/);
    expect(typed.captured.all()).not.toContain(created.key);

    const both = await run(fx.context({ readStdin: async () => created.key }), optionsSchema.parse({ args: ['-'], apiKey: '-' })).then(() => null, (e: { code: string }) => e);
    expect(both?.code).toBe('STDIN_TWICE');
    const terminal = await run(fx.context(), optionsSchema.parse({ args: ['-'] })).then(() => null, (e: { code: string }) => e);
    expect(terminal?.code).toBe('KEY_STDIN_IS_TERMINAL');
  });

  it('never sends the master key over plain http:// to another machine without --insecure', async () => {
    const error = await run(fx.context(), optionsSchema.parse({ args: ['x'], baseUrl: 'http://192.0.2.10:4000' })).then(() => null, (e: { code: string; exitCode: number; hint: string }) => e);
    expect(error).toMatchObject({ code: 'MASTER_KEY_IN_CLEAR', exitCode: 2 });
    expect(error?.hint).toContain('--insecure');
    expect(fx.standin.requests.filter((r) => JSON.stringify(r).includes('192.0.2.10'))).toEqual([]);
  });
});
