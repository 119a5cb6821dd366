/**
 * HTTP for the CLI: the small part of `fetch` our commands use, implemented on node:http.
 *
 * Why not the global fetch: its first call loads undici (plus web streams, TLS, HTTP/2 and a
 * WebAssembly parser), about 70 ms of CPU on every run of `key create` or `models`, more than
 * the request itself. node:http is already half-loaded at startup. The interface is a structural
 * subset of fetch's, so tests can still pass `globalThis.fetch` or return `new Response(...)`.
 *
 * Keep-alive: Node's global agent keeps sockets alive (a command's several calls share one
 * connection) and unrefs idle ones, so they never hold the process open.
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';

export interface HttpRequestInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the request and the body read; errors carry name "AbortError" like fetch's. */
  signal?: AbortSignal;
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

export const nodeFetch: HttpFetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? new URL(input) : input;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol} in ${url.origin}`);
  // getBuiltinModule, not import(): an ESM import of node:http evaluates all of its exports,
  // including the lazy ones that load undici, which is the very cost this module avoids.
  // https only when a user points --base-url at one: its TLS stack is not loaded otherwise.
  const transport = url.protocol === 'https:' ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined) headers['content-length'] = String(Buffer.byteLength(init.body));
  const options: RequestOptions = { method: init.method ?? 'GET', headers };
  if (init.signal) options.signal = init.signal;
  init.signal?.throwIfAborted();
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request: ClientRequest = transport.request(url, options, resolve);
    request.on('error', reject);
    request.end(init.body);
  });
  return toHttpResponse(response, init.signal);
};

function toHttpResponse(response: IncomingMessage, signal: AbortSignal | undefined): HttpResponse {
  const status = response.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    headers: {
      get(name) {
        const value = response.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    async text() {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of response) chunks.push(chunk as Buffer);
      } catch (error) {
        // An abort mid-body surfaces as a socket error; report it as the abort it was, as fetch does.
        if (signal?.aborted) throw new DOMException('The operation was aborted', { name: 'AbortError', cause: signal.reason });
        throw error;
      }
      return Buffer.concat(chunks).toString('utf8');
    },
    body: response,
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

