// nodeFetch against a real loopback server: what the LiteLLM client, readiness and smoke rely on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
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
