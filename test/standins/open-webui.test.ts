// The Open WebUI stand-in: health, the OpenAI connection through to a LiteLLM stand-in, and
// WebSockets (handshake + echo), all in-process.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiteLLMStandin } from './litellm.mjs';
import { encodeFrame, readFrame, startOpenWebUIStandin } from './open-webui.mjs';
import { call } from './helpers.js';

const MASTER = 'sk-master-owui-0123456789abcdef';

let litellm: Awaited<ReturnType<typeof startLiteLLMStandin>>;
let webui: Awaited<ReturnType<typeof startOpenWebUIStandin>>;
let virtualKey: string;
let dataDir: string;

beforeAll(async () => {
  litellm = await startLiteLLMStandin({
    masterKey: MASTER,
    models: [
      { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', mock_response: 'hi' } },
      { model_name: 'other', litellm_params: { model: 'openai/other', mock_response: 'hi' } },
    ],
  });
  virtualKey = (await call(litellm.url, '/key/generate', { key: MASTER, body: { key_alias: 'open-webui', models: ['gpt-4o-mini'] } })).json.key;
  dataDir = mkdtempSync(join(tmpdir(), 'owui-data-'));
  webui = await startOpenWebUIStandin({ port: 0, host: '127.0.0.1', openaiApiBaseUrl: `${litellm.url}/v1`, openaiApiKey: virtualKey, webuiSecretKey: 's3cret', dataDir });
});

afterAll(async () => {
  await webui?.close();
  await litellm?.close();
});

describe('Open WebUI stand-in', () => {
  it('answers /health like Open WebUI and serves a page at /', async () => {
    expect((await call(webui.url, '/health')).json).toEqual({ status: true });
    const page = await call(webui.url, '/');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('Open WebUI');
  });

  it('reports its configuration without leaking secrets', async () => {
    const res = await call(webui.url, '/api/config');
    expect(res.json).toMatchObject({ name: 'Open WebUI (stand-in)', openai_api_base_url: `${litellm.url}/v1`, has_openai_api_key: true, webui_secret_key_set: true });
    expect(res.text).not.toContain(virtualKey);
    expect(res.text).not.toContain('s3cret');
  });

  it('lists the models its key can see through LiteLLM', async () => {
    const res = await call(webui.url, '/api/models');
    expect(res.status).toBe(200);
    expect(res.json.data.map((m: { id: string }) => m.id)).toEqual(['gpt-4o-mini']);
    const seen = litellm.requests.filter((r: { path: string }) => r.path === '/v1/models').at(-1);
    expect(seen?.auth?.token).toBe(createHash('sha256').update(virtualKey).digest('hex'));
  });

  it('passes the upstream error through when its key is wrong', async () => {
    const broken = await startOpenWebUIStandin({ port: 0, host: '127.0.0.1', openaiApiBaseUrl: `${litellm.url}/v1`, openaiApiKey: 'sk-wrong', dataDir: null });
    try {
      const res = await call(broken.url, '/api/models');
      expect(res.status).toBe(401);
      expect(res.json.error.type).toBe('token_not_found_in_db');
    } finally {
      await broken.close();
    }
  });

  it('makes the first account its administrator, then turns sign-up off, as upstream does; users survive a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'owui-users-'));
    let owui = await startOpenWebUIStandin({ port: 0, host: '127.0.0.1', dataDir: dir });
    try {
      const first = await call(owui.url, '/api/v1/auths/signup', { body: { name: 'Ada', email: 'Ada@example.com', password: 'correct horse' } });
      expect(first.status).toBe(200);
      expect(first.json).toMatchObject({ token_type: 'Bearer', email: 'ada@example.com', name: 'Ada', role: 'admin' });
      expect(first.text).not.toContain('correct horse');
      expect((await call(owui.url, '/api/v1/auths/', { key: first.json.token })).json.role).toBe('admin');

      const second = await call(owui.url, '/api/v1/auths/signup', { body: { name: 'Eve', email: 'eve@example.com', password: 'pw' } });
      expect(second).toMatchObject({ status: 403, json: { detail: 'You do not have permission to access this resource. Please contact your administrator for assistance.' } });

      // Only an admin may turn sign-up back on; then new accounts wait for approval (DEFAULT_USER_ROLE).
      expect((await call(owui.url, '/api/v1/auths/admin/config', { body: { ENABLE_SIGNUP: true } })).status).toBe(401);
      const config = await call(owui.url, '/api/v1/auths/admin/config', { key: first.json.token, body: { ENABLE_SIGNUP: true } });
      expect(config.json).toEqual({ ENABLE_SIGNUP: true, DEFAULT_USER_ROLE: 'pending' });
      const third = await call(owui.url, '/api/v1/auths/signup', { body: { name: 'Bob', email: 'bob@example.com', password: 'pw' } });
      expect(third.json.role).toBe('pending');
      expect((await call(owui.url, '/api/v1/auths/signup', { body: { name: 'Bob', email: 'BOB@example.com', password: 'pw' } })).json.detail).toMatch(/already registered/);
      expect((await call(owui.url, '/api/v1/auths/signup', { body: { name: 'X', email: 'not-an-email', password: 'pw' } })).status).toBe(400);

      await owui.close();
      owui = await startOpenWebUIStandin({ port: 0, host: '127.0.0.1', dataDir: dir });
      const afterRestart = await call(owui.url, '/api/v1/auths/signup', { body: { name: 'Mal', email: 'mal@example.com', password: 'pw' } });
      expect(afterRestart.json.role).toBe('pending'); // the users (and the setting) are in the data volume
    } finally {
      await owui.close();
    }
    const fresh = await startOpenWebUIStandin({ port: 0, host: '127.0.0.1', dataDir: null });
    try {
      expect((await call(fresh.url, '/api/v1/auths/signup', { body: { name: 'New', email: 'new@example.com', password: 'pw' } })).json.role).toBe('admin');
    } finally {
      await fresh.close();
    }
  });

  it('writes a marker into its data directory at boot', () => {
    expect(existsSync(join(dataDir, 'standin-boot.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, 'standin-boot.json'), 'utf8')).boots).toBe(1);
  });

  it('completes the WebSocket handshake on /ws/socket.io/ and echoes text frames', async () => {
    const key = randomBytes(16).toString('base64');
    const socket = net.connect(webui.port, '127.0.0.1');
    const received: Buffer[] = [];
    const waitFor = (predicate: (b: Buffer) => boolean) =>
      new Promise<Buffer>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('timeout')), 2000);
        const check = () => {
          const all = Buffer.concat(received);
          if (predicate(all)) {
            clearTimeout(timer);
            socket.off('data', check);
            resolve(all);
          }
        };
        socket.on('data', (d: Buffer) => {
          received.push(d);
          check();
        });
      });
    await new Promise((r) => socket.once('connect', r));
    const handshake = waitFor((b) => b.includes('\r\n\r\n'));
    socket.write(
      [`GET /ws/socket.io/?EIO=4&transport=websocket HTTP/1.1`, `Host: 127.0.0.1:${webui.port}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`, 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'),
    );
    const head = (await handshake).toString('latin1');
    expect(head).toMatch(/^HTTP\/1\.1 101 /);
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    expect(head).toContain(`Sec-WebSocket-Accept: ${accept}`);

    received.length = 0;
    const echo = waitFor((b) => readFrame(b) !== null);
    socket.write(encodeFrame(0x1, Buffer.from('hello through the gateway'), true));
    const frame = readFrame(await echo);
    expect(frame?.opcode).toBe(0x1);
    expect(frame?.payload.toString()).toBe('hello through the gateway');
    socket.destroy();
  });
});
