// setup's HTTPS answers: --tls-cert/--tls-key (copied into tls/ at 600), --tls self-signed (made
// once, kept while it fits), --hsts, --http-redirect-port, and every kind of bad input stopping
// setup with its code and exit code before anything is written.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { randomHighPort } from '../../core/ports.js';
import { EnvFile } from '../../gateway/env-file.js';
import { privateCa, selfSigned, type TestPair } from '../../testing/certificates.js';
import { createTestContext, fakeClock, seededRandom, tempDir, type TestContext } from '../../testing/context.js';
import type { SetupProbes } from './answers/resolver.js';
import { optionsSchema, render, run, type SetupResult } from './setup.handler.js';

const plainStyle = { bold: (s: string) => s, cyan: (s: string) => s, dim: (s: string) => s, green: (s: string) => s, red: (s: string) => s, yellow: (s: string) => s } as never;

function probes(busy: number[] = []): SetupProbes {
  return {
    probePort: async (port) => (busy.includes(port) ? 'busy' : 'free'),
    findFreePort: async ({ preferred }) => preferred,
    randomHighPort: (options) => randomHighPort({ ...options, isFree: async () => true }),
    totalMemoryMb: () => 16_384,
    hostIdentity: () => ({ hostname: 'gw-host', addresses: ['192.0.2.10', '2001:db8::10'] }),
  };
}

async function setup(dir: string, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, busy: number[] = []): Promise<{ result: SetupResult; ctx: TestContext }> {
  const ctx = createTestContext({ dir, env, yes: true, random: seededRandom(3), clock: fakeClock(Date.now()) });
  return { result: await run(ctx, optionsSchema.parse(options), probes(busy)), ctx };
}

async function failure(dir: string, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}, busy: number[] = []) {
  const ctx = createTestContext({ dir, env, yes: true, random: seededRandom(3), clock: fakeClock(Date.now()) });
  try {
    await run(ctx, optionsSchema.parse(options), probes(busy));
  } catch (error) {
    return { error: error as { code: string; exitCode: number; message: string; hint?: string }, ctx };
  }
  throw new Error('setup was expected to fail');
}

async function pairFiles(pair: TestPair): Promise<{ cert: string; key: string; dir: string }> {
  const dir = await tempDir('aigw-tls-in-');
  await writeFile(join(dir, 'cert.pem'), pair.certPem);
  await writeFile(join(dir, 'key.pem'), pair.keyPem, { mode: 0o600 });
  return { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), dir };
}

const newDir = async () => join(await tempDir('aigw-tls-'), 'gw');
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const exists = (path: string) => stat(path).then(() => true, () => false);

describe('setup --tls-cert / --tls-key', () => {
  it('copies the pair into tls/ at 600, serves HTTPS on the Nginx port and never prints the key', async () => {
    const ca = await privateCa(['127.0.0.1', 'localhost']);
    const files = await pairFiles(ca.leaf);
    const dir = await newDir();
    const { result, ctx } = await setup(dir, { tlsCert: files.cert, tlsKey: files.key, httpRedirectPort: '18080' });
    expect(await readFile(join(dir, 'tls/cert.pem'), 'utf8')).toBe(ca.leaf.certPem);
    expect(await readFile(join(dir, 'tls/key.pem'), 'utf8')).toBe(ca.leaf.keyPem);
    expect(await modeOf(join(dir, 'tls/key.pem'))).toBe(0o600);
    expect(await modeOf(join(dir, 'tls/cert.pem'))).toBe(0o600);
    const env = EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
    expect([env.get('TLS'), env.get('HSTS'), env.get('HTTP_REDIRECT_PORT')]).toEqual(['files', 'no', '18080']);
    expect(result.urls.api).toBe(`https://127.0.0.1:${result.settings.ports.nginx}/api/litellm/v1`);
    expect(result.tls).toMatchObject({ mode: 'files', hsts: false, httpRedirectPort: 18080, written: true, trust: [], certificate: { names: ['127.0.0.1', 'localhost'], chainLength: 2, selfSigned: false } });
    const conf = await readFile(join(dir, 'nginx/nginx.conf'), 'utf8');
    expect(conf).toContain('listen 443 ssl default_server;');
    expect(conf).not.toContain('Strict-Transport-Security');
    const override = parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')) as { services: { nginx: { ports: string[]; volumes: string[] } } };
    expect(override.services.nginx.volumes).toEqual(['./tls:/etc/nginx/tls:ro']);
    const keyBody = ca.leaf.keyPem.split('\n')[1] as string;
    const printed = ctx.captured.all() + render(result, plainStyle) + JSON.stringify(result);
    expect(printed).not.toContain(keyBody);
    expect(render(result, plainStyle)).toMatch(/HTTPS\s+your certificate \(copied to tls\/\) for 127\.0\.0\.1, localhost/);
  });

  it('takes the paths from AI_GATEWAY_TLS_CERT / AI_GATEWAY_TLS_KEY, and a re-run without them keeps the files', async () => {
    const files = await pairFiles((await privateCa(['localhost', '127.0.0.1'])).leaf);
    const dir = await newDir();
    await setup(dir, {}, { AI_GATEWAY_TLS_CERT: files.cert, AI_GATEWAY_TLS_KEY: files.key, AI_GATEWAY_HSTS: 'yes' });
    expect(await readFile(join(dir, 'nginx/nginx.conf'), 'utf8')).toContain('Strict-Transport-Security');
    const again = await setup(dir, {});
    expect(again.result.files.filter((f) => f.action !== 'unchanged')).toEqual([]);
    expect(again.result.tls).toMatchObject({ mode: 'files', hsts: true, written: false });
  });

  it('a dry run shows the certificate diff but never the key', async () => {
    const pair = (await privateCa(['localhost', '127.0.0.1'])).leaf;
    const files = await pairFiles(pair);
    const dir = await newDir();
    const { result, ctx } = await setup(dir, { tlsCert: files.cert, tlsKey: files.key, dryRun: true });
    expect(await exists(dir)).toBe(false);
    const key = result.files.find((f) => f.file === 'tls/key.pem');
    expect(key?.diff).toMatch(/private key, not shown/);
    expect(render(result, plainStyle) + ctx.captured.all()).not.toContain(pair.keyPem.split('\n')[1] as string);
    expect(result.files.find((f) => f.file === 'tls/cert.pem')?.diff).toContain('BEGIN CERTIFICATE');
  });

  describe('bad input stops setup before anything is written', () => {
    const cases: [string, () => Promise<{ options: Record<string, unknown>; env?: NodeJS.ProcessEnv }>, string, number, RegExp][] = [
      ['a missing certificate file', async () => ({ options: { tlsCert: '/nonexistent/cert.pem', tlsKey: '/nonexistent/key.pem' } }), 'TLS_FILE_MISSING', 2, /--tls-cert \/nonexistent\/cert\.pem: no such file/],
      [
        'a directory instead of the key file',
        async () => {
          const files = await pairFiles(await selfSigned());
          return { options: { tlsCert: files.cert, tlsKey: files.dir } };
        },
        'TLS_FILE_NOT_A_FILE',
        2,
        /--tls-key .* is a directory/,
      ],
      [
        'a key that does not match the certificate',
        async () => {
          const one = await pairFiles(await selfSigned());
          const other = await pairFiles(await selfSigned());
          return { options: { tlsCert: one.cert, tlsKey: other.key } };
        },
        'TLS_KEY_MISMATCH',
        2,
        /does not belong to the certificate/,
      ],
      [
        'an expired certificate',
        async () => {
          const files = await pairFiles(await selfSigned(['localhost'], 400));
          return { options: { tlsCert: files.cert, tlsKey: files.key } };
        },
        'TLS_CERT_EXPIRED',
        2,
        /expired on/,
      ],
      [
        'a file that is not PEM',
        async () => {
          const files = await pairFiles(await selfSigned());
          await writeFile(files.cert, 'hello\n');
          return { options: { tlsCert: files.cert, tlsKey: files.key } };
        },
        'TLS_CERT_INVALID',
        2,
        /no "-----BEGIN CERTIFICATE-----" block/,
      ],
      [
        'a key encrypted with a passphrase',
        async () => {
          const pair = await selfSigned();
          const encrypted = createPrivateKey(pair.keyPem).export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }) as string;
          const files = await pairFiles({ certPem: pair.certPem, keyPem: encrypted });
          return { options: { tlsCert: files.cert, tlsKey: files.key } };
        },
        'TLS_KEY_ENCRYPTED',
        2,
        /passphrase/,
      ],
      [
        'a chain in the wrong order',
        async () => {
          const { leaf, caPem } = await privateCa(['localhost']);
          const leafOnly = leaf.certPem.replace(caPem, '');
          const other = await privateCa(['localhost']);
          const files = await pairFiles({ certPem: `${leafOnly}${other.caPem}`, keyPem: leaf.keyPem });
          return { options: { tlsCert: files.cert, tlsKey: files.key } };
        },
        'TLS_CHAIN_BROKEN',
        2,
        /did not sign certificate 1/,
      ],
      ['only the certificate', async () => ({ options: {}, env: { AI_GATEWAY_TLS_CERT: '/some/cert.pem' } }), 'TLS_PAIR_INCOMPLETE', 2, /AI_GATEWAY_TLS_CERT was given without --tls-key/],
      ['an unknown --tls mode', async () => ({ options: { tls: 'letsencrypt' } }), 'INVALID_OPTION', 2, /Unknown TLS mode "letsencrypt"/],
      ['HTTPS without Nginx', async () => ({ options: { tls: 'self-signed', nginx: false } }), 'TLS_NEEDS_NGINX', 2, /served by Nginx/],
      ['--tls self-signed with --tls-cert', async () => ({ options: { tls: 'self-signed', tlsCert: '/a', tlsKey: '/b' } }), 'TLS_CONFLICT', 2, /different certificates/],
      ['a redirect port the Nginx port already has', async () => ({ options: { tls: 'self-signed', nginxPort: '3443', httpRedirectPort: '3443' } }), 'PORT_CONFLICT', 2, /port 3443/],
      ['a redirect port that is not a port', async () => ({ options: { tls: 'self-signed', httpRedirectPort: 'eighty' } }), 'INVALID_PORT', 2, /whole number/],
      ['a busy redirect port', async () => ({ options: { tls: 'self-signed', httpRedirectPort: '18081' } }), 'PORT_IN_USE', 3, /Port 18081 .* already in use/],
    ];
    for (const [what, make, code, exitCode, message] of cases) {
      it(`${what}: ${code}, exit ${exitCode}`, async () => {
        const { options, env } = await make();
        const dir = await newDir();
        const { error, ctx } = await failure(dir, options, env ?? {}, [18081]);
        expect(error).toMatchObject({ code, exitCode });
        expect(error.message).toMatch(message);
        expect(error.hint).toBeTruthy();
        expect(await exists(dir)).toBe(false);
        expect(ctx.captured.all()).not.toMatch(/PRIVATE KEY/);
      });
    }
  });
});

it('bad TLS input is exit 2 even when a port is busy too: the pair is checked before any port probe', async () => {
  const one = await pairFiles(await selfSigned());
  const other = await pairFiles(await selfSigned());
  const { error } = await failure(await newDir(), { tlsCert: one.cert, tlsKey: other.key }, {}, [3000, 4000]);
  expect(error).toMatchObject({ code: 'TLS_KEY_MISMATCH', exitCode: 2 });
});

describe('setup --tls self-signed', () => {
  it("makes a certificate for the host's names and addresses, says how to trust it, and keeps it on the next run", async () => {
    const dir = await newDir();
    const { result } = await setup(dir, { tls: 'self-signed', bind: '0.0.0.0' });
    const cert = new X509Certificate(await readFile(join(dir, 'tls/cert.pem')));
    for (const host of ['localhost', 'gw-host']) expect(cert.checkHost(host), host).toBe(host);
    for (const ip of ['127.0.0.1', '::1', '192.0.2.10', '2001:db8::10']) expect(cert.checkIP(ip), ip).toBeDefined();
    expect(cert.checkPrivateKey(createPrivateKey(await readFile(join(dir, 'tls/key.pem'))))).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    expect(await modeOf(join(dir, 'tls/key.pem'))).toBe(0o600);
    expect(result.tls).toMatchObject({ mode: 'self-signed', written: true, certificate: { selfSigned: true } });
    expect(result.tls?.trust.join('\n')).toContain(`NODE_EXTRA_CA_CERTS=${join(dir, 'tls/cert.pem')}`);
    expect(render(result, plainStyle)).toMatch(/Trust it/);
    expect(result.urls.openWebui).toBe(`https://localhost:${result.settings.ports.nginx}/`);

    const again = await setup(dir, {});
    expect(again.result.tls).toMatchObject({ mode: 'self-signed', written: false });
    expect(again.result.files.find((f) => f.file === 'tls/cert.pem')).toBeUndefined();
    expect(await readFile(join(dir, 'tls/cert.pem'), 'utf8')).toBe(cert.toString());
  });

  it('makes a new one when the bind address is no longer covered, with a warning', async () => {
    const dir = await newDir();
    await setup(dir, { tls: 'self-signed' });
    const before = await readFile(join(dir, 'tls/cert.pem'), 'utf8');
    const { result, ctx } = await setup(dir, { bind: '0.0.0.0' });
    expect(result.tls?.written).toBe(true);
    expect(await readFile(join(dir, 'tls/cert.pem'), 'utf8')).not.toBe(before);
    expect(ctx.captured.all()).toMatch(/does not cover 192\.0\.2\.10/);
  });

  it('--tls off goes back to plain HTTP; a gateway that never had HTTPS gets no TLS lines in its .env', async () => {
    const dir = await newDir();
    await setup(dir, { tls: 'self-signed', hsts: true });
    const { result } = await setup(dir, { tls: 'off' });
    expect(result.tls).toBeNull();
    expect(result.urls.api).toMatch(/^http:\/\//);
    expect(await readFile(join(dir, 'nginx/nginx.conf'), 'utf8')).not.toContain('ssl');
    expect(EnvFile.parse(await readFile(join(dir, '.env'), 'utf8')).get('TLS')).toBe('off');

    const plain = await newDir();
    await mkdir(plain, { recursive: true });
    await setup(plain, {});
    const env = await readFile(join(plain, '.env'), 'utf8');
    const withoutTls = env.replace(/# HTTPS at Nginx[^\n]*\n[^\n]*\nTLS=off\nHSTS=no\nHTTP_REDIRECT_PORT=\n\n/, '');
    expect(withoutTls).not.toContain('TLS=');
    await writeFile(join(plain, '.env'), withoutTls);
    await setup(plain, {});
    expect(await readFile(join(plain, '.env'), 'utf8')).toBe(withoutTls);
  });
});
