// nodeFetch against a real loopback server: what the LiteLLM client, readiness and smoke rely on.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from './http.js';

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

  it('keeps the connection alive between calls', async () => {
    await (await nodeFetch(`${base}/json`)).text();
    const first = seen.at(-1)!.socket;
    await (await nodeFetch(`${base}/json`)).text();
    expect(seen.at(-1)!.socket).toBe(first);
  });

  it('aborts with an AbortError when no headers arrive in time', async () => {
    const error = await nodeFetch(`${base}/slow-headers`, { signal: AbortSignal.timeout(100) }).catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
  });

  it('aborts with an AbortError when the body stalls', async () => {
    const response = await nodeFetch(`${base}/slow-body`, { signal: AbortSignal.timeout(150) });
    const error = await response.text().catch((e: Error) => e);
    expect(error).toMatchObject({ name: 'AbortError' });
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

/** A server that answers with raw bytes: each request gets the next script entry, written in the pieces given. */
async function rawServer(script: ((socket: Socket, request: string) => void)[]): Promise<{ base: string; connections: () => number; close(): Promise<void> }> {
  let connections = 0;
  const open = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    connections++;
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
    connections: () => connections,
    close: async () => {
      for (const socket of open) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
const pieces = (...parts: string[]) => (socket: Socket) => {
  let delay = 0;
  for (const part of parts) setTimeout(() => socket.write(part), (delay += 5));
};

describe('nodeFetch on the wire', () => {
  it('decodes a chunked body split at every awkward place (sizes, CRLFs, extensions, trailers)', async () => {
    const raw = await rawServer([
      pieces('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n', '\r\n', '5', ';ext=1\r\nhel', 'lo\r', '\n6\r\n wor', 'ld\r\n0\r\nX-Trailer: 1\r\n', '\r\n'),
      (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'),
    ]);
    try {
      expect(await (await nodeFetch(`${raw.base}/a`)).text()).toBe('hello world');
      expect(await (await nodeFetch(`${raw.base}/b`)).text()).toBe('ok');
      expect(raw.connections()).toBe(1); // the chunked answer ended cleanly, so its connection was reused
    } finally {
      await raw.close();
    }
  });

  it('reads to the end of the connection without a length; 204 and 100 Continue have no body of their own', async () => {
    const raw = await rawServer([
      (socket) => socket.end('HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end'),
      (socket) => socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n'),
      (socket) => socket.write('HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!'),
    ]);
    try {
      expect(await (await nodeFetch(`${raw.base}/close`)).text()).toBe('until the end');
      const empty = await nodeFetch(`${raw.base}/empty`);
      expect(empty.status).toBe(204);
      expect(await empty.text()).toBe('');
      expect(await (await nodeFetch(`${raw.base}/http10`)).text()).toBe('old!');
      expect(raw.connections()).toBe(2); // "Connection: close" was honoured; the 204 connection was reused for the HTTP/1.0 answer
    } finally {
      await raw.close();
    }
  });

  it('a kept-alive connection the server dropped: a GET goes out again on a new one, a POST fails (it may have been acted on)', async () => {
    const drop = (socket: Socket) => socket.destroy();
    const ok = (socket: Socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    const raw = await rawServer([ok, drop, ok, ok, drop]);
    try {
      await (await nodeFetch(`${raw.base}/1`)).text();
      expect(await (await nodeFetch(`${raw.base}/2`)).text()).toBe('ok'); // dropped on the old connection, answered on a new one
      expect(raw.connections()).toBe(2);
      await (await nodeFetch(`${raw.base}/3`)).text();
      const error = await nodeFetch(`${raw.base}/4`, { method: 'POST', body: '{}' }).catch((e: NodeJS.ErrnoException) => e);
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      expect(raw.connections()).toBe(2);
    } finally {
      await raw.close();
    }
  });

  it('a body cut short is an ECONNRESET error, not a short answer', async () => {
    const raw = await rawServer([(socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort')]);
    try {
      const response = await nodeFetch(`${raw.base}/`);
      await expect(response.text()).rejects.toMatchObject({ code: 'ECONNRESET' });
    } finally {
      await raw.close();
    }
  });

  it('refuses what is not HTTP, and header values with line breaks (no header injection)', async () => {
    const raw = await rawServer([(socket) => socket.end('SSH-2.0-OpenSSH_9.2\r\n\r\n')]);
    try {
      await expect(nodeFetch(`${raw.base}/`)).rejects.toThrow(/not an HTTP\/1.x response/);
      await expect(nodeFetch(`${raw.base}/`, { headers: { authorization: 'Bearer x\r\nX-Evil: 1' } })).rejects.toThrow(/line breaks are not allowed/);
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
