// nodeFetch against a real loopback server: what the LiteLLM client, readiness and smoke rely on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeNetworkError, nodeFetch, tlsOrProxyError } from './http.js';

let server: Server;
let base: string;
const sockets = new Set<Socket>();
const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string; socket: Socket }[] = [];

function route(req: IncomingMessage, res: ServerResponse, body: string) {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socket: req.socket });
  if (req.url === '/json') {
    res.writeHead(201, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
    res.end(JSON.stringify({ echo: body, unicode: 'ü—✓' }));
  } else if (req.url === '/stream') {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let n = 0;
    const timer = setInterval(() => {
      res.write(`data: ${n}\n\n`);
      if (++n === 3) {
        clearInterval(timer);
        res.end();
      }
    }, 30);
  } else if (req.url === '/slow-headers') {
    setTimeout(() => res.end('late'), 2_000);
  } else if (req.url === '/slow-body') {
    res.writeHead(200);
    res.write('part');
    setTimeout(() => res.end('rest'), 2_000);
  } else {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"detail":"Not Found"}');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => route(req, res, body));
  });
  server.on('connection', (s) => sockets.add(s));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

describe('nodeFetch', () => {
  it('sends method, headers and body, and reads status, headers and text', async () => {
    const response = await nodeFetch(`${base}/json`, { method: 'POST', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, body: '{"a":"é"}' });
    expect(response.status).toBe(201);
    expect(response.ok).toBe(true);
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('set-cookie')).toBe('a=1, b=2');
    expect(response.headers.get('x-missing')).toBeNull();
    expect(JSON.parse(await response.text())).toEqual({ echo: '{"a":"é"}', unicode: 'ü—✓' });
    const request = seen.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.headers.authorization).toBe('Bearer x');
    expect(request.headers['content-length']).toBe(String(Buffer.byteLength('{"a":"é"}')));
  });

  it('reports non-2xx answers as responses, not errors', async () => {
    const response = await nodeFetch(new URL(`${base}/nowhere?x=1`));
    expect(response.status).toBe(404);
    expect(response.ok).toBe(false);
    expect(await response.text()).toBe('{"detail":"Not Found"}');
    expect(seen.at(-1)!.url).toBe('/nowhere?x=1');
  });

  it('delivers an event stream chunk by chunk as it arrives', async () => {
    const response = await nodeFetch(`${base}/stream`);
    const chunks: string[] = [];
    for await (const chunk of response.body!) chunks.push(Buffer.from(chunk).toString());
    expect(chunks).toEqual(['data: 0\n\n', 'data: 1\n\n', 'data: 2\n\n']);
  });

  it('keeps an idle connection alive for the next call', async () => {
    await (await nodeFetch(`${base}/json`)).text();
    const opened = sockets.size;
    // undici hands the connection back to its pool a moment after the body's end
    await new Promise((resolve) => setImmediate(resolve));
    await (await nodeFetch(`${base}/json`)).text();
    expect(sockets.size).toBe(opened);
  });

  it('ends with the signal\'s reason (TimeoutError) when no headers arrive in time', async () => {
    const error = await nodeFetch(`${base}/slow-headers`, { signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
    expect(describeNetworkError(error, 100)).toMatchObject({ kind: 'timeout', retryable: true });
  });

  it('ends with the signal\'s reason when the body stalls', async () => {
    const response = await nodeFetch(`${base}/slow-body`, { signal: AbortSignal.timeout(150) });
    const error = await response.text().catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });

  it('does not send a request whose signal is already aborted', async () => {
    const before = seen.length;
    const error = await nodeFetch(`${base}/json`, { signal: AbortSignal.abort() }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(seen.length).toBe(before);
  });

  it('fails with the errno when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await nodeFetch(`http://127.0.0.1:${port}/`).catch((e: NodeJS.ErrnoException) => e);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses protocols other than http and https', async () => {
    await expect(nodeFetch('ftp://127.0.0.1/x')).rejects.toThrow(/unsupported protocol ftp:/);
  });
});

/** A server that answers with raw bytes: each request gets the next script entry. */
async function rawServer(script: ((socket: Socket, request: string) => void)[]): Promise<{ base: string; close(): Promise<void> }> {
  const open = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    open.add(socket);
    let pending = '';
    socket.on('data', (data) => {
      pending += data.toString('latin1');
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/content-length: (\d+)/i.exec(pending.slice(0, end))?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      const request = pending.slice(0, end + 4 + length);
      pending = pending.slice(end + 4 + length);
      const next = script.shift();
      if (next) next(socket, request);
      else socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
describe('nodeFetch against odd servers', () => {
  it('a body cut short is an error (a reset connection), not a short answer', async () => {
    const raw = await rawServer([(socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort')]);
    try {
      const response = await nodeFetch(`${raw.base}/`);
      const error = await response.text().catch((e: Error) => e);
      expect(describeNetworkError(error, 1000)).toMatchObject({ kind: 'reset', reachedServer: true });
    } finally {
      await raw.close();
    }
  });

  it('refuses what is not HTTP, and header values with line breaks (no header injection)', async () => {
    const raw = await rawServer([(socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n')]);
    try {
      await expect(nodeFetch(`${raw.base}/`)).rejects.toThrow(/does not match the HTTP\/1.1 protocol/);
      await expect(nodeFetch(`${raw.base}/`, { headers: { authorization: 'Bearer x\r\nX-Evil: 1' } })).rejects.toThrow(/invalid authorization header/);
    } finally {
      await raw.close();
    }
  });

  it('stops reading a stream the caller leaves early, and the process is not held open by idle connections', async () => {
    const response = await nodeFetch(`${base}/stream`);
    for await (const chunk of response.body!) {
      expect(Buffer.from(chunk).toString()).toBe('data: 0\n\n');
      break;
    }
    await (await nodeFetch(`${base}/json`)).text(); // the early exit did not break the pool
  });

  it.skipIf(!hasOpenssl())('https: speaks TLS and verifies the certificate (a self-signed one is refused)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const server = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => socket.end('HTTP/1.1 200 OK\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const error = await nodeFetch(`https://localhost:${(server.address() as AddressInfo).port}/`).catch((e: NodeJS.ErrnoException) => e);
      expect(error).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('describeNetworkError: certificates and proxies', () => {
  const failed = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error(code), { code }) });

  it('every way a certificate is refused is a tls failure, never retried', () => {
    for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_WRONG_VERSION_NUMBER']) {
      const failure = describeNetworkError(failed(code), 1000);
      expect(failure, code).toMatchObject({ kind: 'tls', retryable: false });
      expect(failure.reason, code).toContain(code);
    }
    expect(describeNetworkError(failed('CERT_HAS_EXPIRED'), 1000).reason).toMatch(/outside its validity dates/);
  });

  it('tlsOrProxyError: exit 3 with a hint naming NODE_EXTRA_CA_CERTS or the proxy variables; null for other failures', () => {
    const tls = tlsOrProxyError(describeNetworkError(failed('CERT_HAS_EXPIRED'), 1000), 'https://gw.example:8443');
    expect(tls).toMatchObject({ code: 'TLS_CERTIFICATE_REJECTED', exitCode: 3 });
    expect(tls?.hint).toMatch(/NODE_EXTRA_CA_CERTS=.*openssl s_client -connect gw\.example:8443/);
    expect(tlsOrProxyError({ kind: 'proxy', reason: 'the proxy ... asks for credentials' }, 'https://gw.example')).toMatchObject({ code: 'HTTP_PROXY_FAILED', exitCode: 3 });
    expect(tlsOrProxyError(describeNetworkError(failed('ECONNREFUSED'), 1000), 'http://127.0.0.1:4000')).toBeNull();
  });
});
