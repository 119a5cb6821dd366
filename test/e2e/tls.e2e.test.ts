/**
 * HTTPS at Nginx (issue 14) on the real engine and the real Nginx: setup with a certificate from
 * a private CA (--tls-cert/--tls-key) and an HTTP redirect port, then start (whose route checks
 * go over https). HTTPS answers with that certificate (TLS 1.2+ only), streams still arrive
 * chunk by chunk, plain HTTP redirects, admin paths are still 403, and smoke/models/status/doctor
 * work against the https URL with NODE_EXTRA_CA_CERTS naming the CA.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, type PeerCertificate } from 'node:tls';
import getPort from 'get-port';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { privateCa } from '../../src/testing/certificates.js';
import { MOCK_MODEL, setupStack, startStack, type TestStack } from '../reliability/stack.js';
import { describeResult, destroyStack, engineOrSkipReason, readEnv, testImages } from './helpers.js';

const skipReason = await engineOrSkipReason('e2e/tls');
const describeEngine = skipReason === null ? describe : describe.skip;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** When each piece of the body arrived (ms, performance.now()). */
  arrivals: number[];
}

/** One request over https trusting only `ca`, the body read piece by piece. */
function httpsAsk(url: string, ca: string, init: { method?: string; key?: string; body?: unknown } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      {
        method: init.method ?? 'GET',
        ca,
        servername: 'localhost',
        headers: { 'content-type': 'application/json', ...(init.key ? { authorization: `Bearer ${init.key}` } : {}) },
        timeout: 30_000,
      },
      (response) => {
        const arrivals: number[] = [];
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (piece: string) => {
          arrivals.push(performance.now());
          body += piece;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body, arrivals }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(init.body === undefined ? undefined : JSON.stringify(init.body));
  });
}

function httpAsk(url: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'GET', timeout: 10_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location }));
    });
    request.on('error', reject);
    request.end();
  });
}

/** The TLS handshake alone: which certificate and protocol Nginx offers (or the error). */
function handshake(port: number, ca: string, options: { maxVersion?: 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3' } = {}): Promise<{ cert: PeerCertificate; protocol: string | null } | { error: string }> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...(options.maxVersion ? { maxVersion: options.maxVersion, minVersion: 'TLSv1' } : {}) }, () => {
      resolve({ cert: socket.getPeerCertificate(), protocol: socket.getProtocol() });
      socket.end();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
  });
}

describeEngine('HTTPS at Nginx on the real engine', () => {
  let stack: TestStack;
  let ca: string;
  let caFile: string;
  let leafPem: string;
  let port: number;
  let redirectPort: number;
  let base: string;

  beforeAll(async () => {
    const images = await testImages();
    const certs = await mkdtemp(join(tmpdir(), 'aigw-tls-e2e-'));
    const made = await privateCa(['localhost', '127.0.0.1'], 60);
    ca = made.caPem;
    leafPem = made.leaf.certPem;
    caFile = join(certs, 'ca.pem');
    await writeFile(caFile, made.caPem);
    await writeFile(join(certs, 'cert.pem'), made.leaf.certPem);
    await writeFile(join(certs, 'key.pem'), made.leaf.keyPem, { mode: 0o600 });
    redirectPort = await getPort();
    stack = await setupStack(images, { setupArgs: ['--tls-cert', join(certs, 'cert.pem'), '--tls-key', join(certs, 'key.pem'), '--http-redirect-port', String(redirectPort)] });
    await startStack(stack);
    port = Number((await readEnv(stack.dir)).get('NGINX_PORT'));
    base = `https://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    if (stack) await destroyStack(stack.dir, stack.project);
  });

  it("answers with the gateway's certificate, over TLS 1.2 or 1.3 only", async () => {
    const shake = await handshake(port, ca);
    if ('error' in shake) throw new Error(`handshake failed: ${shake.error}`);
    expect(shake.cert.fingerprint256).toBe(new X509Certificate(leafPem).fingerprint256);
    expect(shake.protocol).toBe('TLSv1.3');
    expect(await handshake(port, ca, { maxVersion: 'TLSv1.2' })).toMatchObject({ protocol: 'TLSv1.2' });
    expect(await handshake(port, ca, { maxVersion: 'TLSv1.1' })).toHaveProperty('error');
    // The key setup copied stays private.
    expect((await import('node:fs/promises').then((fs) => fs.stat(join(stack.dir, 'tls', 'key.pem')))).mode & 0o777).toBe(0o600);
  });

  it('serves the API and Open WebUI over https; admin paths are still 403', async () => {
    const api = await httpsAsk(`${base}/api/litellm/v1/models`, ca);
    expect(api.status).toBe(401);
    const page = await httpsAsk(`${base}/`, ca);
    expect(page.status).toBe(200);
    expect(page.body.toLowerCase()).toContain('open webui');
    const master = (await readEnv(stack.dir)).get('LITELLM_MASTER_KEY') ?? '';
    for (const path of ['/api/litellm/key/generate', '/api/litellm/v1/key/generate', '/api/litellm/ui', '/api/litellm/spend/logs']) {
      expect((await httpsAsk(`${base}${path}`, ca, { method: 'POST', key: master, body: {} })).status, path).toBe(403);
    }
    expect(page.headers['strict-transport-security']).toBeUndefined(); // HSTS only with --hsts
  });

  it('a streamed chat completion over https arrives chunk by chunk', async () => {
    const key = (await readEnv(stack.dir)).get('VIRTUAL_KEY') ?? '';
    const answer = await httpsAsk(`${base}/api/litellm/v1/chat/completions`, ca, { method: 'POST', key, body: { model: MOCK_MODEL, stream: true, messages: [{ role: 'user', content: 'count' }] } });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('data: [DONE]');
    const events = answer.body.split('\n').filter((line) => line.startsWith('data: ')).length;
    expect(events).toBeGreaterThanOrEqual(3);
    // The stand-in sends its events apart in time: buffered, they would arrive in one piece.
    expect(answer.arrivals.length).toBeGreaterThanOrEqual(3);
    expect((answer.arrivals.at(-1) as number) - (answer.arrivals[0] as number)).toBeGreaterThan(100);
  });

  it('plain HTTP redirects to HTTPS, on the redirect port and on the HTTPS port itself', async () => {
    expect(await httpAsk(`http://127.0.0.1:${redirectPort}/api/litellm/v1/models?x=1`)).toEqual({ status: 308, location: `https://127.0.0.1:${port}/api/litellm/v1/models?x=1` });
    expect(await httpAsk(`http://127.0.0.1:${port}/`)).toEqual({ status: 308, location: `https://127.0.0.1:${port}/` });
  });

  it('smoke, models, status -o env and doctor work against the https URL with NODE_EXTRA_CA_CERTS', async () => {
    const trusted = { NODE_EXTRA_CA_CERTS: caFile };
    const smoke = await stack.run(['smoke', '--json'], trusted);
    expect(smoke.exitCode, describeResult(smoke)).toBe(0);
    expect(JSON.parse(smoke.stdout)).toMatchObject({ baseUrl: `${base}/api/litellm` });
    const models = await stack.run(['models', '--json'], trusted);
    expect(models.exitCode, describeResult(models)).toBe(0);
    const untrusted = await stack.run(['models', '--json']);
    expect(untrusted.exitCode, describeResult(untrusted)).toBe(3);
    expect(JSON.parse(untrusted.stdout)).toMatchObject({ ok: false, error: { code: 'TLS_CERTIFICATE_REJECTED' } });
    const status = await stack.run(['status', '-o', 'env']);
    expect(status.stdout).toContain(`${base}/api/litellm/v1`);
    const doctor = await stack.run(['doctor', '--check', 'files.tls-certificate,api.routes-nginx', '--json']);
    expect(doctor.exitCode, describeResult(doctor)).toBe(0);
    expect(doctor.stdout).toContain('issued by CN=ai-gateway test CA');
    const readme = await readFile(join(stack.dir, 'nginx', 'nginx.conf'), 'utf8');
    expect(readme).toContain('listen 443 ssl');
  });
});
