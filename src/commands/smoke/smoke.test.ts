import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../core/errors.js';
import { createTestContext } from '../../testing/context.js';
import { writeGatewayFixture } from '../../testing/doctor-fixtures.js';
import { startStandin, TEST_MASTER_KEY, TEST_MODELS, type Standin } from '../../testing/litellm.js';
import { optionsSchema, outcome, readStream, render, run, SMOKE_PROMPT } from './smoke.handler.js';

let standin: Standin;
let virtualKey: string;

async function generateKey(body: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${standin.url}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return ((await response.json()) as { key: string }).key;
}

beforeAll(async () => {
  standin = await startStandin({ masterKey: TEST_MASTER_KEY, models: [...TEST_MODELS, { model_name: 'openai/*', litellm_params: { model: 'openai/*' } }], streamIntervalMs: 20 });
  virtualKey = await generateKey({ key_alias: 'smoke' });
});
afterAll(() => standin.close());

async function context(options: { virtualKey?: string; env?: NodeJS.ProcessEnv; json?: boolean } = {}) {
  const dir = await writeGatewayFixture({ litellmPort: standin.port, virtualKey: options.virtualKey ?? virtualKey });
  return createTestContext({ dir, env: options.env ?? {}, json: options.json ?? false });
}

describe('smoke', () => {
  it('lists models, then a chat completion and a stream in several chunks ending with [DONE]', async () => {
    const ctx = await context();
    const result = await run(ctx, optionsSchema.parse({}));
    expect(result).toMatchObject({ baseUrl: standin.url, keySource: 'VIRTUAL_KEY in .env', model: 'gpt-4o-mini', summary: { ok: 3, fail: 0, skipped: 0 } });
    expect(result.steps.map((s) => [s.id, s.status])).toEqual([['models', 'ok'], ['chat', 'ok'], ['stream', 'ok']]);
    expect(result.steps[1]?.finding).toBe('gpt-4o-mini answered "Hello"');
    const stream = result.steps[2];
    expect(stream?.details).toMatchObject({ done: true, answer: 'Hello' });
    expect(stream?.details?.chunks as number).toBeGreaterThanOrEqual(2);
    for (const step of result.steps) expect(typeof step.ms).toBe('number');
    expect(outcome(result)).toEqual({ ok: true, exitCode: 0 });
    const chats = standin.requests.filter((r) => r.path === '/v1/chat/completions').slice(-2);
    expect(chats.map((r) => (r.body as { stream?: boolean }).stream ?? false)).toEqual([false, true]);
    expect((chats[0]?.body as { messages: { content: string }[] }).messages[0]?.content).toBe(SMOKE_PROMPT);
    ctx.out.result('smoke', result, render);
    const printed = ctx.captured.all();
    expect(printed).toContain('✔ 3 passed, 0 failed, 0 skipped.');
    expect(printed).not.toContain(virtualKey);
  });

  it('--model picks the model; the wildcard route is never picked by default', async () => {
    const result = await run(await context(), optionsSchema.parse({ model: 'claude-haiku' }));
    expect(result.model).toBe('claude-haiku');
    expect(result.steps[1]?.finding).toBe('claude-haiku answered "Bonjour"');
  });

  it('a key limited to wildcard routes: models ok, completions skipped with the reason, exit 0', async () => {
    const key = await generateKey({ key_alias: 'wild', models: ['openai/*'] });
    const result = await run(await context({ virtualKey: key }), optionsSchema.parse({}));
    expect(result.steps.map((s) => s.status)).toEqual(['ok', 'skipped', 'skipped']);
    expect(result.steps[1]?.finding).toContain('only wildcard routes are offered (openai/*)');
    expect(result.steps[1]?.finding).toContain('--model <id>');
    expect(outcome(result).exitCode).toBe(0);
  });

  it('a model the provider cannot reach fails both completion steps with LiteLLM\'s error, exit 6', async () => {
    const result = await run(await context(), optionsSchema.parse({ model: 'openai/gpt-4o' }));
    expect(result.steps.map((s) => s.status)).toEqual(['ok', 'fail', 'fail']);
    expect(result.steps[1]).toMatchObject({ finding: expect.stringContaining('APIConnectionError'), details: { code: 'LITELLM_ERROR' } });
    expect(outcome(result)).toEqual({ ok: false, exitCode: ExitCode.checksFailed });
  });

  it('a revoked key fails the model list with VIRTUAL_KEY_REJECTED and skips the rest', async () => {
    const result = await run(await context({ virtualKey: 'sk-revoked-or-never-existed-000000' }), optionsSchema.parse({}));
    expect(result.steps.map((s) => s.status)).toEqual(['fail', 'skipped', 'skipped']);
    expect(result.steps[0]).toMatchObject({ details: { code: 'VIRTUAL_KEY_REJECTED' }, fix: expect.stringContaining('ai-gateway key create') });
  });

  it('AI_GATEWAY_API_KEY overrides VIRTUAL_KEY (and is never printed)', async () => {
    const key = await generateKey({ key_alias: 'override' });
    const ctx = await context({ virtualKey: 'sk-revoked-or-never-existed-000000', env: { AI_GATEWAY_API_KEY: key }, json: true });
    const result = await run(ctx, optionsSchema.parse({}));
    expect(result).toMatchObject({ keySource: '$AI_GATEWAY_API_KEY', summary: { fail: 0 } });
    ctx.out.result('smoke', result, render);
    expect(ctx.captured.all()).not.toContain(key);
    expect(JSON.parse(ctx.captured.stdout.join(''))).toMatchObject({ schemaVersion: 1, command: 'smoke', ok: true, steps: [{ id: 'models' }, { id: 'chat' }, { id: 'stream' }] });
  });

  it('without any key: NO_VIRTUAL_KEY naming the commands that create one', async () => {
    await expect(run(await context({ virtualKey: '' }), optionsSchema.parse({}))).rejects.toMatchObject({ code: 'NO_VIRTUAL_KEY', exitCode: ExitCode.usage, hint: expect.stringContaining('ai-gateway start') });
  });

  describe('behind a proxy that buffers the stream', () => {
    let proxy: Server;
    let proxyUrl: string;
    beforeAll(async () => {
      // Collects the whole upstream answer, then sends it in one write: what proxy_buffering does.
      proxy = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          void fetch(`${standin.url}${req.url ?? ''}`, { method: req.method, headers: { authorization: String(req.headers.authorization ?? ''), 'content-type': 'application/json' }, body: req.method === 'GET' ? undefined : Buffer.concat(chunks) }).then(async (upstream) => {
            const body = await upstream.text();
            res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json', 'content-length': Buffer.byteLength(body) });
            res.end(body);
          });
        });
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    });
    afterAll(() => new Promise<void>((resolve) => proxy.close(() => resolve())));

    it('the stream step fails: one piece, with the buffering fix', async () => {
      const result = await run(await context(), optionsSchema.parse({ baseUrl: proxyUrl }));
      expect(result.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'fail']);
      expect(result.steps[2]).toMatchObject({ finding: expect.stringContaining('arrived in 1 piece'), fix: expect.stringContaining('proxy_buffering off'), details: { done: true } });
    });
  });
});

describe('readStream', () => {
  const body = (pieces: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const p of pieces) controller.enqueue(new TextEncoder().encode(p));
        controller.close();
      },
    });
  const delta = (content: string) => `data: ${JSON.stringify({ choices: [{ delta: { content } }] })}\n\n`;

  it('counts arrivals and events, joins events split across arrivals, notices [DONE]', async () => {
    const event = delta('Hel');
    const stats = await readStream(body([event.slice(0, 10), event.slice(10), delta('lo'), 'data: [DONE]\n\n']), () => 0);
    expect(stats).toMatchObject({ chunks: 4, events: 2, done: true, text: 'Hello' });
  });

  it('a stream cut before [DONE] says so; CRLF framing is read too', async () => {
    const stats = await readStream(body([delta('a').replace(/\n/g, '\r\n'), delta('b')]), () => 0);
    expect(stats).toMatchObject({ events: 2, done: false, text: 'ab' });
  });

  it('reads CR framing, comments (keep-alives), ids and a last event without its blank line', async () => {
    const stats = await readStream(body([': keep-alive\n\n', delta('x').replace(/\n/g, '\r'), `id: 7\n${delta('y')}`, 'data: [DONE]']), () => 0);
    expect(stats).toMatchObject({ chunks: 4, events: 2, done: true, text: 'xy' });
  });

  it('times the first arrival', async () => {
    let t = 100;
    const stats = await readStream(body([delta('a')]), () => (t += 5));
    expect(stats.firstChunkMs).toBe(5);
  });
});
