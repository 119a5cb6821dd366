import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../testing/context.js';
import { keysFixture, type KeysFixture } from '../../testing/litellm.js';
import { optionsSchema, render, run } from './openapi.handler.js';
import type { HttpFetch } from '../../core/http.js';

let fx: KeysFixture;
beforeAll(async () => {
  fx = await keysFixture();
});
afterAll(() => fx.close());

describe('openapi', () => {
  it('prints version, title and path count, without sending any key', async () => {
    const ctx = fx.context();
    const result = await run(ctx, optionsSchema.parse({}));
    expect(result).toMatchObject({ title: 'LiteLLM API', output: null });
    expect(result.openapi).toMatch(/^3\./);
    expect(result.pathCount).toBeGreaterThanOrEqual(8);
    expect(render(result, ctx.out.style)).toMatch(new RegExp(`LiteLLM API ${result.version.replace(/[.+]/g, '\\$&')}\\n  OpenAPI 3\\.\\S+, ${result.pathCount} paths`));
    const request = fx.standin.requests.filter((r) => r.path === '/openapi.json').at(-1);
    expect(request?.headers.authorization).toBeUndefined();
  });

  it('-o writes the spec atomically at mode 600; --json carries counts, not the spec', async () => {
    const dir = await tempDir();
    const file = join(dir, 'openapi.json');
    const ctx = fx.context({ json: true });
    const result = await run(ctx, optionsSchema.parse({ output: file }));
    ctx.out.result('openapi', result, render);
    const written = JSON.parse(await readFile(file, 'utf8')) as { openapi: string; paths: object };
    expect(written.openapi).toBe(result.openapi);
    expect(Object.keys(written.paths)).toHaveLength(result.pathCount);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(ctx.captured.stdout.join('')) as Record<string, unknown>;
    expect(doc).toMatchObject({ command: 'openapi', ok: true, output: file, pathCount: result.pathCount });
    expect(doc).not.toHaveProperty('spec');
  });

  it('-o - puts the spec itself on stdout (human) or in the document (--json)', async () => {
    const human = fx.context();
    const result = await run(human, optionsSchema.parse({ output: '-' }));
    human.out.result('openapi', result, render);
    expect(JSON.parse(human.captured.stdout.join('')).info.title).toBe('LiteLLM API');
    expect(human.captured.stderr.join('')).toMatch(/LiteLLM API .* paths/);

    const json = fx.context({ json: true });
    json.out.result('openapi', await run(json, optionsSchema.parse({ output: '-' })), render);
    const doc = JSON.parse(json.captured.stdout.join('')) as { spec: { info: { title: string } }; specText?: string };
    expect(doc.spec.info.title).toBe('LiteLLM API');
    expect(doc).not.toHaveProperty('specText');
  });

  it('a document that is not OpenAPI 3.x is refused with OPENAPI_INVALID', async () => {
    const fakeFetch: HttpFetch = async () => new Response(JSON.stringify({ swagger: '2.0', info: { title: 't', version: '1' }, paths: {} }));
    const error = await run(fx.context({ http: { fetch: fakeFetch } }), optionsSchema.parse({})).then(() => null, (e: { code: string; message: string }) => e);
    expect(error?.code).toBe('OPENAPI_INVALID');
    expect(error?.message).toMatch(/openapi/);
  });

  it('an unwritable -o is OUTPUT_NOT_WRITABLE', async () => {
    const error = await run(fx.context(), optionsSchema.parse({ output: '/nonexistent-dir/x/openapi.json' })).then(() => null, (e: { code: string }) => e);
    expect(error?.code).toBe('OUTPUT_NOT_WRITABLE');
  });
});
