// The CLI behind a corporate network: a CONNECT proxy that alone knows the gateway's host name,
// and a gateway whose TLS certificate comes from a private CA. Real child processes, so the
// environment (HTTPS_PROXY, NO_PROXY, NODE_EXTRA_CA_CERTS) is read the way a user's shell sets it.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandin, TEST_MASTER_KEY, TEST_MODELS, type Standin } from '../src/testing/litellm.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'ai-gateway.js');

/** A private CA and a certificate it signed for gateway.test. */
function makeCertificates(dir: string): { ca: string; key: Buffer; cert: Buffer } {
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=ai-gateway test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
  openssl('req', ...ec, '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', '/CN=gateway.test');
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:gateway.test\nbasicConstraints=CA:FALSE\n');
  openssl('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '1', '-extfile', 'leaf.ext');
  return { ca: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'leaf.key')), cert: readFileSync(join(dir, 'leaf.pem')) };
}

interface Proxy {
  url: string;
  /** CONNECT targets and absolute-form request URLs, in order. */
  seen: string[];
  close(): Promise<void>;
}

/** An HTTP proxy that resolves *.test names to 127.0.0.1 (nothing else on the machine knows them). */
async function startProxy(options: { credentials?: string } = {}): Promise<Proxy> {
  const seen: string[] = [];
  const open = new Set<Socket>();
  const toLocal = (host: string) => (host.endsWith('.test') ? '127.0.0.1' : host);
  const authorized = (header: string | undefined) => !options.credentials || header === `Basic ${Buffer.from(options.credentials).toString('base64')}`;
  const server: HttpServer = createHttpServer((req, res) => {
    // absolute-form requests (plain http through the proxy)
    seen.push(req.url ?? '');
    if (!authorized(req.headers['proxy-authorization'])) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="corp"' }).end();
      return;
    }
    res.writeHead(502).end('this test proxy only tunnels');
  });
  server.on('connection', (socket: Socket) => open.add(socket));
  server.on('connect', (req, client: Socket, head: Buffer) => {
    seen.push(`CONNECT ${req.url}`);
    if (!authorized(req.headers['proxy-authorization'])) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="corp"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const [host = '', port = '443'] = (req.url ?? '').split(/:(?=\d+$)/);
    const upstream = connect(Number(port), toLocal(host), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    open.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://${options.credentials ? `${options.credentials}@` : ''}127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

/** TLS in front of the LiteLLM stand-in, with the private CA's certificate. */
async function startTlsFront(certificates: { key: Buffer; cert: Buffer }, backendPort: number): Promise<{ port: number; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server: TlsServer = createTlsServer({ key: certificates.key, cert: certificates.cert }, (socket) => {
    const backend = connect(backendPort, '127.0.0.1');
    open.add(socket).add(backend);
    socket.pipe(backend).pipe(socket);
    socket.on('error', () => backend.destroy());
    backend.on('error', () => socket.destroy());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((done) => server.close(done));
    },
  };
}

/** `models --api-key -` with the key on stdin, in an environment without any inherited proxy settings. */
async function models(baseUrl: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; doc: { ok: boolean; error?: { code: string; message: string; hint?: string }; models?: { id: string }[] }; stderr: string }> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(https?_proxy|no_proxy|all_proxy|node_extra_ca_certs)$/i.test(name)));
  const child = spawn(process.execPath, [bin, 'models', '--api-key', '-', '--base-url', baseUrl, '--timeout', '2', '--json'], {
    cwd: tmpdir(),
    env: { ...clean, NO_COLOR: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(`${TEST_MASTER_KEY}\n`);
  const code = await new Promise<number | null>((done) => child.on('close', done));
  return { code, doc: JSON.parse(stdout) as never, stderr };
}

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// Skipped only outside CI (.ci/run installs openssl): in CI a missing openssl fails the suite.
describe.skipIf(!hasOpenssl() && !process.env.CI)('HTTP through a proxy to a gateway with a private CA', () => {
  let standin: Standin;
  let front: { port: number; close(): Promise<void> };
  let proxy: Proxy;
  let ca: string;
  let gateway: string;

  beforeAll(async () => {
    const certificates = makeCertificates(mkdtempSync(join(tmpdir(), 'aigw-ca-')));
    ca = certificates.ca;
    standin = await startStandin({ masterKey: TEST_MASTER_KEY, models: TEST_MODELS });
    front = await startTlsFront(certificates, Number(new URL(standin.url).port));
    proxy = await startProxy();
    gateway = `https://gateway.test:${front.port}`;
  });
  afterAll(async () => {
    await proxy?.close();
    await front?.close();
    await standin?.close();
  });

  it('reaches the gateway through HTTPS_PROXY, trusting the CA named by NODE_EXTRA_CA_CERTS', async () => {
    const before = proxy.seen.length;
    const result = await models(gateway, { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: ca });
    expect(result.code, result.stderr).toBe(0);
    expect(result.doc.models?.map((m) => m.id)).toEqual(['gpt-4o-mini', 'claude-haiku']);
    expect(proxy.seen.slice(before)).toEqual([`CONNECT gateway.test:${front.port}`]);
  });

  it('honours the lower-case https_proxy too', async () => {
    const result = await models(gateway, { https_proxy: proxy.url, NODE_EXTRA_CA_CERTS: ca });
    expect(result.code, result.stderr).toBe(0);
  });

  it('without the CA: its own error code (exit 3) and a hint naming NODE_EXTRA_CA_CERTS, not "cannot reach LiteLLM"', async () => {
    const result = await models(gateway, { HTTPS_PROXY: proxy.url });
    expect(result.code).toBe(3);
    expect(result.doc.error).toMatchObject({ code: 'TLS_CERTIFICATE_REJECTED' });
    expect(result.doc.error?.message).toMatch(/not signed by a CA this machine trusts \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    expect(result.doc.error?.hint).toMatch(/NODE_EXTRA_CA_CERTS/);
    expect(result.doc.error?.hint).not.toMatch(/ai-gateway status/);
  });

  it('a certificate for another host name is the same error, saying so', async () => {
    const result = await models(`https://other.test:${front.port}`, { HTTPS_PROXY: proxy.url, NODE_EXTRA_CA_CERTS: ca });
    expect(result.code).toBe(3);
    expect(result.doc.error).toMatchObject({ code: 'TLS_CERTIFICATE_REJECTED' });
    expect(result.doc.error?.message).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('NO_PROXY sends the host direct (where the name does not resolve: only the proxy knows it)', async () => {
    const before = proxy.seen.length;
    const result = await models(gateway, { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com,.test', NODE_EXTRA_CA_CERTS: ca });
    expect(result.code).toBe(4);
    expect(result.doc.error).toMatchObject({ code: 'PROXY_UNREACHABLE' });
    expect(result.doc.error?.message).toMatch(/host name not found/);
    expect(proxy.seen.length).toBe(before);
  });

  it('loopback always goes direct, even with a proxy and no NO_PROXY (the proxy\'s 127.0.0.1 is not ours)', async () => {
    const before = proxy.seen.length;
    const result = await models(standin.url, { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url });
    expect(result.code, result.stderr).toBe(0);
    expect(proxy.seen.length).toBe(before);
  });

  it('a proxy that wants credentials (407) is named as the problem; credentials in the proxy URL pass it', async () => {
    const locked = await startProxy({ credentials: 'corp:s3cret-pass' });
    try {
      const anonymous = locked.url.replace('corp:s3cret-pass@', '');
      const refused = await models(gateway, { HTTPS_PROXY: anonymous, NODE_EXTRA_CA_CERTS: ca });
      expect(refused.code).toBe(3);
      expect(refused.doc.error).toMatchObject({ code: 'HTTP_PROXY_FAILED' });
      expect(refused.doc.error?.message).toMatch(/HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+ asks for credentials \(407/);
      expect(refused.doc.error?.hint).toMatch(/user:password@/);

      const plain = await models(`http://gateway.test:${front.port}`, { HTTP_PROXY: anonymous });
      expect(plain.doc.error).toMatchObject({ code: 'HTTP_PROXY_FAILED' });
      expect(plain.doc.error?.message).toMatch(/407/);

      const allowed = await models(gateway, { HTTPS_PROXY: locked.url, NODE_EXTRA_CA_CERTS: ca });
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(JSON.stringify(refused.doc) + refused.stderr + allowed.stderr).not.toContain('s3cret-pass');
    } finally {
      await locked.close();
    }
  });

  it('a proxy that is not there is named as the problem, not the gateway', async () => {
    const gone = await startProxy();
    await gone.close();
    const result = await models(gateway, { HTTPS_PROXY: gone.url, NODE_EXTRA_CA_CERTS: ca });
    expect(result.code).toBe(3);
    expect(result.doc.error).toMatchObject({ code: 'HTTP_PROXY_FAILED' });
    expect(result.doc.error?.message).toMatch(/cannot reach the proxy HTTPS_PROXY=http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  });
});
