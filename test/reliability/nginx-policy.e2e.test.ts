/**
 * The Nginx policy, on a real stack (real Nginx, the rendered nginx.conf): every admin path
 * family answers 403 (even with the master key), the standard API paths are proxied to LiteLLM,
 * Open WebUI's WebSocket upgrade passes (101, then an echo through Nginx), and request bodies up
 * to client_max_body_size pass while a larger one gets 413.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import { destroyStack, engineOrSkipReason, readEnv, testImages } from '../e2e/helpers.js';
import { encodeFrame, readFrame } from '../standins/open-webui.mjs';
import { MOCK_MODEL, setupStack, startStack, type TestStack } from './stack.js';
import { recordFigures } from './figures.js';

const skipReason = await engineOrSkipReason('reliability/nginx-policy.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

/** Nginx's own refusal (the body it returns for the admin API), as opposed to anything LiteLLM says. */
const REFUSAL = 'admin endpoints are not exposed through the gateway';

/** One or more paths of every admin family LiteLLM has, under the API prefix. */
const ADMIN_PATHS = [
  '/key/generate', '/key/list', '/key/info', '/key/update', '/key/delete', '/key/regenerate', '/v2/key/info',
  '/team/new', '/team/list', '/team/info',
  '/user/new', '/user/list', '/user/info',
  '/spend/logs', '/spend/calculate', '/global/spend', '/global/spend/report',
  '/config/update', '/config/yaml', '/get/config/callbacks',
  '/model/new', '/model/update', '/model/delete', '/model/info', '/v1/model/info',
  '/ui', '/ui/', '/login', '/sso/key/generate',
  '/metrics', '/openapi.json', '/docs', '/redoc', '/routes',
  '/organization/new', '/organization/list',
  '/customer/new', '/customer/info', '/end_user/info',
  '/budget/new', '/budget/list',
  '/credentials', '/credentials/list',
  '/health', '/health/readiness/details', '/cache/ping', '/guardrails/list',
  '', '/',
];

/** The standard API paths and the health probes: proxied to LiteLLM. */
const API_PATHS: { method: 'GET' | 'POST'; path: string; body?: unknown }[] = [
  { method: 'GET', path: '/v1/models' },
  { method: 'GET', path: `/v1/models/${MOCK_MODEL}` },
  { method: 'POST', path: '/v1/chat/completions', body: { model: MOCK_MODEL, messages: [{ role: 'user', content: 'hi' }] } },
  { method: 'POST', path: '/v1/completions', body: { model: MOCK_MODEL, prompt: 'hi' } },
  { method: 'POST', path: '/v1/embeddings', body: { model: MOCK_MODEL, input: 'hi' } },
  { method: 'POST', path: '/v1/messages', body: { model: MOCK_MODEL, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] } },
  { method: 'POST', path: '/v1/messages/count_tokens', body: { model: MOCK_MODEL, messages: [{ role: 'user', content: 'hi' }] } },
  { method: 'POST', path: '/v1/responses', body: { model: MOCK_MODEL, input: 'hi' } },
  { method: 'POST', path: '/v1/audio/speech', body: { model: MOCK_MODEL, input: 'hi', voice: 'alloy' } },
  { method: 'POST', path: '/v1/audio/transcriptions' },
  { method: 'POST', path: '/v1/images/generations', body: { model: MOCK_MODEL, prompt: 'a cat' } },
  { method: 'POST', path: '/v1/moderations', body: { input: 'hi' } },
  { method: 'GET', path: '/v1/files' },
  { method: 'GET', path: '/v1/batches' },
  { method: 'POST', path: '/v1/rerank', body: { model: MOCK_MODEL, query: 'q', documents: ['a'] } },
  { method: 'POST', path: '/v1/openai/deployments/smoke/chat/completions', body: { messages: [{ role: 'user', content: 'hi' }] } },
  { method: 'GET', path: '/health/liveliness' },
  { method: 'GET', path: '/health/readiness' },
];

describeEngine('the Nginx policy', () => {
  let images: TestImages;
  let stack: TestStack;
  let base = '';
  let port = 0;
  let virtualKey = '';
  let masterKey = '';

  beforeAll(async () => {
    images = await testImages();
    stack = await setupStack(images);
    await startStack(stack);
    const env = await readEnv(stack.dir);
    port = Number(env.get('NGINX_PORT'));
    base = `http://127.0.0.1:${port}`;
    virtualKey = env.get('VIRTUAL_KEY') ?? '';
    masterKey = env.get('LITELLM_MASTER_KEY') ?? '';
    expect(virtualKey).toMatch(/^sk-/);
  });

  const passed = { admin: false, api: false };
  afterAll(async () => {
    if (stack) await destroyStack(stack.dir, stack.project);
    if (passed.admin && passed.api) await recordFigures('nginx-policy', import.meta.filename, { adminPaths: ADMIN_PATHS.length, keys: 2, methods: 2, apiPaths: API_PATHS.length, leaks: 0 });
  });

  async function send(method: string, path: string, key: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? (method === 'POST' ? '{}' : undefined) : JSON.stringify(body),
      signal: AbortSignal.timeout(20_000),
    });
    return { status: response.status, text: await response.text() };
  }

  it(`refuses every admin path family (${ADMIN_PATHS.length} paths) with 403, with the virtual key and with the master key`, async () => {
    const leaks: string[] = [];
    for (const path of ADMIN_PATHS) {
      for (const [key, label] of [[virtualKey, 'virtual'], [masterKey, 'master']] as const) {
        for (const method of ['GET', 'POST']) {
          const answer = await send(method, `/api/litellm${path}`, key);
          if (answer.status !== 403 || !answer.text.includes(REFUSAL)) leaks.push(`${method} ${path} (${label} key) → ${answer.status}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    passed.admin = true;
  });

  it(`proxies the standard API paths to LiteLLM (${API_PATHS.length} paths)`, async () => {
    const refused: string[] = [];
    const answers: string[] = [];
    for (const { method, path, body } of API_PATHS) {
      const answer = await send(method, `/api/litellm${path}`, virtualKey, body);
      answers.push(`${method} ${path} → ${answer.status}`);
      if (answer.status === 403 || answer.text.includes(REFUSAL) || answer.status === 502 || answer.status === 504) refused.push(`${method} ${path} → ${answer.status}`);
    }
    expect(refused, answers.join('\n')).toEqual([]);
    // And it is LiteLLM answering: the model list and a completion carry its content.
    expect((await send('GET', '/api/litellm/v1/models', virtualKey)).text).toContain(MOCK_MODEL);
    const chat = await send('POST', '/api/litellm/v1/chat/completions', virtualKey, { model: MOCK_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect(chat.status).toBe(200);
    passed.api = true;
  });

  it("passes Open WebUI's WebSocket upgrade (101) and frames both ways", async () => {
    const key = randomBytes(16).toString('base64');
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    socket.on('data', (d: Buffer) => received.push(d));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.write(
      [
        'GET /ws/socket.io/?EIO=4&transport=websocket HTTP/1.1',
        `Host: 127.0.0.1:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${key}`,
        'Sec-WebSocket-Version: 13',
        '',
        '',
      ].join('\r\n'),
    );
    const waitFor = async (predicate: (all: Buffer) => boolean) => {
      for (let i = 0; i < 100; i++) {
        const all = Buffer.concat(received);
        if (predicate(all)) return all;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out; received: ${Buffer.concat(received).toString('latin1').slice(0, 300)}`);
    };
    const handshake = await waitFor((all) => all.includes('\r\n\r\n'));
    const head = handshake.subarray(0, handshake.indexOf('\r\n\r\n')).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    expect(head.toLowerCase()).toContain(`sec-websocket-accept: ${createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64')}`.toLowerCase());
    const headLength = handshake.indexOf('\r\n\r\n') + 4;
    socket.write(encodeFrame(0x1, Buffer.from('hello through nginx'), true));
    const all = await waitFor((buf) => readFrame(buf.subarray(headLength)) !== null);
    const frame = readFrame(all.subarray(headLength));
    expect(frame?.opcode).toBe(0x1);
    expect(frame?.payload.toString()).toBe('hello through nginx');
    socket.destroy();
  });

  it('passes request bodies up to client_max_body_size and answers 413 above it', async () => {
    const conf = await readFile(join(stack.dir, 'nginx', 'nginx.conf'), 'utf8');
    const match = /client_max_body_size\s+(\d+)([kKmMgG]?);/.exec(conf);
    expect(match).not.toBeNull();
    const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match?.[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
    const limit = Number(match?.[1]) * unit;
    const post = async (path: string, size: number) => {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${virtualKey}`, 'content-type': 'application/json' },
        body: Buffer.alloc(size, 0x20),
        signal: AbortSignal.timeout(120_000),
      });
      await response.body?.cancel();
      return response.status;
    };
    // Through to Open WebUI and to the API: whatever the upstream says, it is not Nginx's 413.
    expect(await post('/api/v1/chats/new', limit - 1024)).not.toBe(413);
    expect(await post('/api/litellm/v1/chat/completions', limit - 1024)).not.toBe(413);
    expect(await post('/api/v1/chats/new', limit + 1024 ** 2)).toBe(413);
    expect(await post('/api/litellm/v1/chat/completions', limit + 1024 ** 2)).toBe(413);
  });
});
