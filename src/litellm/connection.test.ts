// Where keys go: overrides, the rule that the gateway's own keys stay with the gateway, and `--api-key -`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../testing/context.js';
import { scriptedPrompts } from '../testing/prompts.js';
import { keysFixture, TEST_MASTER_KEY, type KeysFixture } from '../testing/litellm.js';
import { connect, type ConnectOptions, type GatewayKeyName } from './connection.js';

let gw: KeysFixture;
let other: KeysFixture;
beforeAll(async () => {
  gw = await keysFixture({ extraEnv: ['VIRTUAL_KEY=sk-app-virtual-key-0123456789abcdef'] });
  other = await keysFixture();
});
afterAll(async () => {
  await Promise.all([gw.close(), other.close()]);
});


const admin = <K extends GatewayKeyName = 'master'>(extra: Partial<ConnectOptions<K>> = {}) =>
  ({ timeout: 5, audience: 'admin', key: 'master', ...extra }) as ConnectOptions<K>;

describe('connect', () => {
  it('by default: the gateway LiteLLM, its master key from .env', async () => {
    const connection = await connect(gw.context(), admin());
    expect(connection.baseUrl).toBe(`http://127.0.0.1:${new URL(gw.standin.url).port}`);
    expect(connection.keySource).toBe('LITELLM_MASTER_KEY in .env');
    expect(connection.apiKey).toBe(TEST_MASTER_KEY);
  });

  it('LITELLM_PROXY_URL naming another proxy without a key: the master key is not sent there', async () => {
    const ctx = gw.context({ env: { LITELLM_PROXY_URL: other.standin.url } });
    const error = await rejection(connect(ctx, admin()));
    expect(error.code).toBe('GATEWAY_KEY_NOT_SENT');
    expect(error.hint).toMatch(/LITELLM_PROXY_API_KEY/);
    expect(error.message).not.toContain(TEST_MASTER_KEY);
    // nor the app key
    expect((await rejection(connect(ctx, { timeout: 5, audience: 'app', key: 'virtual' }))).code).toBe('GATEWAY_KEY_NOT_SENT');
  });

  it('LITELLM_PROXY_URL naming this gateway itself (loopback, its port) is fine', async () => {
    const port = new URL(gw.standin.url).port;
    for (const host of ['127.0.0.1', 'localhost']) {
      const connection = await connect(gw.context({ env: { LITELLM_PROXY_URL: `http://${host}:${port}` } }), admin());
      expect(connection.keySource).toBe('LITELLM_MASTER_KEY in .env');
      expect((await connection.client.listAllKeys()).length).toBeGreaterThanOrEqual(0);
    }
  });

  it('LITELLM_PROXY_URL with LITELLM_PROXY_API_KEY: that key, at that URL', async () => {
    const ctx = gw.context({ env: { LITELLM_PROXY_URL: other.standin.url, LITELLM_PROXY_API_KEY: 'sk-other-proxy-0123456789abcdef' } });
    const connection = await connect(ctx, admin());
    expect(connection.baseUrl).toBe(other.standin.url);
    expect(connection.keySource).toBe('$LITELLM_PROXY_API_KEY');
    expect(connection.keyRole).toBe('override');
  });

  it('--base-url is a choice made for this run: the gateway key goes there', async () => {
    const connection = await connect(gw.context(), admin({ baseUrl: other.standin.url }));
    expect(connection.baseUrl).toBe(other.standin.url);
    expect(connection.keySource).toBe('LITELLM_MASTER_KEY in .env');
  });

  it('--api-key - reads the key from stdin, trimmed, and registers it as a secret', async () => {
    const ctx = gw.context({ readStdin: async () => 'sk-piped-key-0123456789abcdef\n' });
    const connection = await connect(ctx, admin({ apiKey: '-' }));
    expect(connection.apiKey).toBe('sk-piped-key-0123456789abcdef');
    expect(connection.keySource).toBe('--api-key (stdin)');
    ctx.out.info('using sk-piped-key-0123456789abcdef');
    expect(ctx.captured.all()).not.toContain('sk-piped-key-0123456789abcdef');
  });

  it('--api-key - in a terminal asks with a hidden prompt', async () => {
    const prompts = scriptedPrompts([{ id: 'api-key', answer: 'sk-typed-key-0123456789abcdef', kind: 'password' }]);
    const connection = await connect(gw.context({ prompts }), admin({ apiKey: '-' }));
    expect(connection.apiKey).toBe('sk-typed-key-0123456789abcdef');
    prompts.assertDone();
  });

  it('--api-key with the key itself is refused without echoing it; empty or multi-word stdin too', async () => {
    const literal = await rejection(connect(gw.context(), admin({ apiKey: 'sk-literal-in-argv-0123456789' })));
    expect(literal.code).toBe('API_KEY_IN_ARGUMENTS');
    expect(`${literal.message} ${literal.hint}`).not.toContain('sk-literal-in-argv');
    expect(literal.hint).toMatch(/--api-key -/);
    expect((await rejection(connect(gw.context({ readStdin: async () => '  \n' }), admin({ apiKey: '-' })))).code).toBe('API_KEY_INVALID');
    expect((await rejection(connect(gw.context({ readStdin: async () => 'sk-a\nsk-b' }), admin({ apiKey: '-' })))).code).toBe('API_KEY_INVALID');
    expect((await rejection(connect(gw.context({ readStdin: async () => null }), admin({ apiKey: '-' })))).code).toBe('API_KEY_STDIN_IS_TERMINAL');
  });

  it('a public route at a URL given for this run needs no gateway directory, and no key is sent', async () => {
    const connection = await connect(other.context({ dir: '/nonexistent-dir' }), { timeout: 5, audience: 'admin', key: 'none', baseUrl: gw.standin.url });
    expect(connection.apiKey).toBeUndefined();
    expect(connection.gateway).toBeNull();
  });
});
