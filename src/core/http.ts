/**
 * HTTP for the CLI: the small part of `fetch` our commands use, as an HTTP/1.1 client over a
 * plain socket (node:net, or node:tls for https).
 *
 * Why not the global fetch: its first call loads undici (plus web streams, TLS, HTTP/2 and a
 * WebAssembly parser), about 70 ms of CPU on every run of `key create` or `models`. Why not
 * node:http: loading its client, agent and parser and building its first request cost ~10 ms
 * more than the socket itself, on every command that talks to LiteLLM (BENCHMARKS.md, keys).
 * What we need is small: one request per call, a status line and headers, a body framed by
 * Content-Length, chunked encoding or the end of the connection, and streaming for event
 * streams. The interface is a structural subset of fetch's, so tests can still pass
 * `globalThis.fetch` or return `new Response(...)`.
 *
 * Keep-alive: a connection whose response was read to the end goes back to a per-origin pool
 * (unref'd, so it never holds the process open) and the next call to that origin reuses it.
 */
import type { Socket } from 'node:net';

export interface HttpRequestInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the request and the body read; errors carry name "AbortError" like fetch's. */
  signal?: AbortSignal;
  /**
   * https only: trust exactly these certificates (PEM: the leaf, or the leaf and its chain) and
   * skip the host-name check. For the gateway's own Nginx, whose certificate setup wrote: the
   * route checks prove routing, and doctor checks the names on their own.
   */
  pinnedCertificate?: string;
}

export interface HttpResponse {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  /** The body as it arrives, chunk by chunk (for event streams). Read it or `text()`, not both. */
  body: AsyncIterable<Uint8Array> | null;
}

export type HttpFetch = (url: string | URL, init?: HttpRequestInit) => Promise<HttpResponse>;

export interface HttpClient {
  fetch: HttpFetch;
}

/** Refuse a response head larger than this (a misbehaving server must not fill our memory). */
const MAX_HEAD_BYTES = 64 * 1024;

export const nodeFetch: HttpFetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? new URL(input) : input;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol} in ${url.origin}`);
  init.signal?.throwIfAborted();
  const head = requestHead(url, init);
  // A pinned connection is pooled apart: it was verified against other certificates.
  const poolKey = init.pinnedCertificate === undefined || url.protocol !== 'https:' ? url.origin : `${url.origin}#pinned:${init.pinnedCertificate}`;
  const pooled = takeIdle(poolKey);
  try {
    return await exchange(pooled ?? (await connect(url, init.signal, init.pinnedCertificate)), poolKey, head, init);
  } catch (error) {
    // A kept-alive connection the server closed meanwhile fails before any answer: a GET is
    // safe to send again on a new one (a POST is not: the server may have acted on it).
    if (pooled && (init.method ?? 'GET') === 'GET' && error instanceof StaleConnectionError) {
      return exchange(await connect(url, init.signal, init.pinnedCertificate), poolKey, head, init);
    }
    throw error instanceof StaleConnectionError ? error.cause : error;
  }
};

function requestHead(url: URL, init: HttpRequestInit): string {
  const headers: Record<string, string> = { host: url.host };
  for (const [name, value] of Object.entries(init.headers ?? {})) headers[name.toLowerCase()] = value;
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  let head = `${init.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) throw new TypeError(`invalid header ${JSON.stringify(name)}: line breaks are not allowed`);
    head += `${name}: ${value}\r\n`;
  }
  return `${head}\r\n`;
}

function connect(url: URL, signal: AbortSignal | undefined, pinned?: string): Promise<Socket> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  return new Promise((resolve, reject) => {
    // node:tls only for a --base-url that asks for it: its TLS stack is not loaded otherwise.
    const socket: Socket =
      url.protocol === 'https:'
        ? process.getBuiltinModule('node:tls').connect({
            host,
            port,
            servername: /^[\d.]+$|:/.test(host) ? undefined : host,
            ALPNProtocols: ['http/1.1'],
            // Pinned: these certificates are the only trust anchors (an intermediate counts as one), names aside.
            ...(pinned === undefined ? {} : { ca: pinned, allowPartialTrustChain: true, checkServerIdentity: () => undefined }),
          })
        : process.getBuiltinModule('node:net').connect({ host, port });
    const onAbort = () => socket.destroy(abortError(signal));
    const onError = (error: Error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
      signal?.removeEventListener('abort', onAbort);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/** Idle connections by origin, each with the listener that drops it when the server closes it. */
const idle = new Map<string, { socket: Socket; drop: () => void }[]>();

function takeIdle(origin: string): Socket | undefined {
  const entry = idle.get(origin)?.pop();
  if (!entry) return undefined;
  const { socket, drop } = entry;
  for (const event of ['close', 'error', 'data']) socket.off(event, drop);
  socket.ref();
  return socket;
}

function release(origin: string, socket: Socket): void {
  const drop = () => {
    idle.set(origin, (idle.get(origin) ?? []).filter((e) => e.socket !== socket));
    for (const event of ['close', 'error', 'data']) socket.off(event, drop);
    socket.destroy();
  };
  // Closed by the server, failed, or sent bytes nobody asked for: not reusable.
  for (const event of ['close', 'error', 'data']) socket.on(event, drop);
  socket.unref();
  idle.set(origin, [...(idle.get(origin) ?? []), { socket, drop }]);
}

/** A reused connection failed before any byte of the answer: the caller may retry a GET. */
class StaleConnectionError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

function abortError(signal: AbortSignal | undefined): DOMException {
  return new DOMException('The operation was aborted', { name: 'AbortError', cause: signal?.reason });
}

function connectionClosed(): Error {
  return Object.assign(new Error('socket hang up: the server closed the connection'), { code: 'ECONNRESET' });
}

interface Head {
  status: number;
  headers: Map<string, string>;
  keepAlive: boolean;
}

/** One request on `socket`: resolves with the response once its head has arrived. */
function exchange(socket: Socket, poolKey: string, head: string, init: HttpRequestInit): Promise<HttpResponse> {
  const signal = init.signal;
  return new Promise((resolve, reject) => {
    const body = new BodyStream(socket, signal);
    let buffered: Buffer = Buffer.alloc(0);
    let response: Head | null = null;
    let framing: BodyFraming | null = null;
    let received = false;
    const fail = (error: Error) => {
      cleanup();
      socket.destroy();
      if (response) body.fail(error);
      else reject(received || signal?.aborted ? error : new StaleConnectionError(error));
    };
    const onAbort = () => fail(abortError(signal));
    const onError = (error: Error) => fail(error);
    const onEnd = () => {
      if (framing?.kind === 'until-close') {
        cleanup();
        body.end();
      } else fail(connectionClosed());
    };
    const onData = (chunk: Buffer) => {
      received = true;
      try {
        if (!response) {
          buffered = Buffer.concat([buffered, chunk]);
          const parsed = parseHead(buffered);
          if (!parsed) {
            if (buffered.length > MAX_HEAD_BYTES) throw new Error(`the response head is larger than ${MAX_HEAD_BYTES} bytes`);
            return;
          }
          if (parsed.head.status >= 100 && parsed.head.status < 200) {
            buffered = buffered.subarray(parsed.length); // 100 Continue and friends: the real answer follows
            return onData(Buffer.alloc(0));
          }
          response = parsed.head;
          framing = bodyFraming(response, init.method ?? 'GET');
          resolve(toResponse(response, body));
          chunk = buffered.subarray(parsed.length);
          buffered = Buffer.alloc(0);
        }
        const done = (framing as BodyFraming).feed(chunk, (data) => body.push(data));
        if (done) {
          cleanup();
          body.end();
          if (response.keepAlive && (framing as BodyFraming).kind !== 'until-close' && !(framing as BodyFraming).overrun) release(poolKey, socket);
          else socket.end();
        }
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
      }
    };
    const cleanup = () => {
      signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    if (signal?.aborted) return fail(abortError(signal));
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.write(init.body === undefined ? head : head + init.body);
  });
}

function parseHead(buffer: Buffer): { head: Head; length: number } | null {
  const end = buffer.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(statusLine);
  if (!match) throw new Error(`not an HTTP/1.x response: ${JSON.stringify(statusLine.slice(0, 60))}`);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed response header: ${JSON.stringify(line.slice(0, 60))}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  const connection = (headers.get('connection') ?? '').toLowerCase();
  const keepAlive = match[1] === '1' ? !connection.includes('close') : connection.includes('keep-alive');
  return { head: { status: Number(match[2]), headers, keepAlive }, length: end + 4 };
}

interface BodyFraming {
  kind: 'none' | 'length' | 'chunked' | 'until-close';
  /** Takes the next bytes, passes on body data; true once the body is complete. */
  feed(chunk: Buffer, emit: (data: Buffer) => void): boolean;
  /** Bytes came after the end of the body: the connection cannot carry another answer. */
  overrun?: boolean;
}

function bodyFraming(head: Head, method: string): BodyFraming {
  if (method === 'HEAD' || head.status === 204 || head.status === 304) return { kind: 'none', feed: () => true };
  if (/\bchunked\b/i.test(head.headers.get('transfer-encoding') ?? '')) return chunkedBody();
  const length = head.headers.get('content-length');
  if (length !== undefined) {
    let left = Number(length);
    if (!Number.isSafeInteger(left) || left < 0) throw new Error(`invalid Content-Length: ${JSON.stringify(length)}`);
    return {
      kind: 'length',
      feed(chunk, emit) {
        const data = chunk.subarray(0, left);
        left -= data.length;
        if (data.length > 0) emit(data);
        if (chunk.length > data.length) this.overrun = true;
        return left === 0;
      },
    };
  }
  return { kind: 'until-close', feed: (chunk, emit) => (chunk.length > 0 && emit(chunk), false) };
}

/** Transfer-Encoding: chunked: `<hex size>[;ext]\r\n<data>\r\n` ... `0\r\n[trailers]\r\n`. */
function chunkedBody(): BodyFraming {
  let pending: Buffer = Buffer.alloc(0);
  let left = -1; // bytes of the current chunk still to come; -1: a size line is next
  let trailers = false;
  return {
    kind: 'chunked',
    feed(chunk, emit) {
      pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (trailers) {
          const end = pending.indexOf('\r\n');
          if (end < 0) return false;
          const line = pending.subarray(0, end);
          pending = pending.subarray(end + 2);
          if (line.length === 0) {
            if (pending.length > 0) this.overrun = true;
            return true; // the empty line after the trailers
          }
          continue;
        }
        if (left < 0) {
          const end = pending.indexOf('\r\n');
          if (end < 0) {
            if (pending.length > 1024) throw new Error('malformed chunked body: no chunk size line');
            return false;
          }
          const size = Number.parseInt(pending.subarray(0, end).toString('latin1').split(';')[0] as string, 16);
          if (!Number.isSafeInteger(size) || size < 0) throw new Error('malformed chunked body: bad chunk size');
          pending = pending.subarray(end + 2);
          if (size === 0) {
            trailers = true;
            continue;
          }
          left = size;
        }
        if (left > 0) {
          if (pending.length === 0) return false;
          const data = pending.subarray(0, left);
          left -= data.length;
          pending = pending.subarray(data.length);
          emit(data);
          if (left > 0) return false;
        }
        if (pending.length < 2) return false; // the CRLF after the chunk's data
        if (pending[0] !== 0x0d || pending[1] !== 0x0a) throw new Error('malformed chunked body: no CRLF after a chunk');
        pending = pending.subarray(2);
        left = -1;
      }
    },
  };
}

/** The response body, readable once: as an async iterable of chunks, or whole by text(). */
class BodyStream implements AsyncIterable<Uint8Array> {
  private readonly chunks: Buffer[] = [];
  private done = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly socket: Socket,
    private readonly signal: AbortSignal | undefined,
  ) {}

  push(data: Buffer): void {
    this.chunks.push(data);
    this.notify();
  }

  end(): void {
    this.done = true;
    this.notify();
  }

  fail(error: Error): void {
    this.error = error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for (;;) {
        const chunk = this.chunks.shift();
        if (chunk) yield chunk;
        else if (this.error) throw this.error;
        else if (this.done) return;
        else await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      // The reader stopped early (a break out of the loop): the rest of the answer is not wanted.
      if (!this.done && !this.error) this.socket.destroy();
    }
  }

  async text(): Promise<string> {
    const parts: Buffer[] = [];
    try {
      for await (const chunk of this) parts.push(chunk as Buffer);
    } catch (error) {
      if (this.signal?.aborted) throw abortError(this.signal);
      throw error;
    }
    return Buffer.concat(parts).toString('utf8');
  }
}

function toResponse(head: Head, body: BodyStream): HttpResponse {
  return {
    status: head.status,
    ok: head.status >= 200 && head.status < 300,
    headers: { get: (name) => head.headers.get(name.toLowerCase()) ?? null },
    text: () => body.text(),
    body,
  };
}

/**
 * What a failed request means, for every caller's messages and retry decisions. The errno may sit
 * on the error, in its `cause` (fetch-compatible fakes, the global fetch: `UND_ERR_*` codes) or in
 * an AggregateError of per-address attempts (localhost resolving to ::1 and 127.0.0.1).
 */
export function describeNetworkError(error: unknown, timeoutMs: number): { reason: string; retryable: boolean; reachedServer: boolean } {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { reason: `no answer within ${Math.round(timeoutMs / 1000)} s`, retryable: true, reachedServer: true };
  }
  const codes = new Set<string>();
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 4) return;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.add(code);
    visit((e as { cause?: unknown }).cause, depth + 1);
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  if (codes.has('ECONNREFUSED')) return { reason: 'connection refused', retryable: true, reachedServer: false };
  if (codes.has('UND_ERR_CONNECT_TIMEOUT')) return { reason: 'connection timed out', retryable: true, reachedServer: false };
  if (codes.has('ECONNRESET') || codes.has('UND_ERR_SOCKET')) return { reason: 'connection reset', retryable: true, reachedServer: true };
  // A wrong host name or protocol will not fix itself while we wait.
  if (codes.has('ENOTFOUND') || codes.has('EAI_AGAIN')) return { reason: 'host name not found', retryable: false, reachedServer: false };
  const code = [...codes][0];
  const message = error instanceof Error ? error.message : String(error);
  return { reason: code ? `${message} (${code})` : message, retryable: false, reachedServer: false };
}
