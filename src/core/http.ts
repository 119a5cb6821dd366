/**
 * HTTP for the CLI: undici's `request` (the HTTP/1.1 client Node's own fetch is built on), with
 * the environment's proxy settings. The interface is the small part of fetch our commands use
 * (a structural subset), so tests can still pass `globalThis.fetch` or return `new Response(...)`.
 *
 * - Proxies: `EnvHttpProxyAgent` reads HTTPS_PROXY / HTTP_PROXY / NO_PROXY (lower case first, as
 *   curl does). Loopback hosts always go direct: a proxy's `localhost` is the proxy's own host, so
 *   a gateway on 127.0.0.1 reached "through" a corporate proxy would be some other machine or an
 *   error, and most NO_PROXY lists forget 127.0.0.1.
 * - A private CA: Node adds NODE_EXTRA_CA_CERTS to every TLS connection's trust store, undici's
 *   included; a certificate it still refuses is a `tls` failure with its own error (tlsOrProxyError).
 * - Keep-alive: undici pools connections per origin and unrefs idle ones, so a command's several
 *   calls share one connection and an idle one never holds the process open.
 * - Redirects are not followed (undici's request does not): the caller reports them, because a
 *   redirect would carry the key to an address nobody configured.
 * - undici is loaded on the first request, so commands that never talk HTTP do not pay for it.
 */
import type { Dispatcher } from 'undici';
import { EnvError } from './errors.js';

export interface HttpRequestInit {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Aborts the request and the body read; errors carry name "AbortError" or "TimeoutError" like fetch's. */
  signal?: AbortSignal;
  /**
   * https only: trust exactly these certificates (PEM: the leaf, or the leaf and its chain) and
   * skip the host-name check, connecting directly. For the gateway's own Nginx, whose
   * certificate setup wrote: the route checks prove routing; doctor checks names and trust.
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

let dispatchers: Promise<{ direct: Dispatcher; fromEnvironment: Dispatcher }> | undefined;

function loadDispatchers() {
  dispatchers ??= import('undici').then(({ Agent, EnvHttpProxyAgent }) => ({ direct: new Agent(), fromEnvironment: new EnvHttpProxyAgent() }));
  return dispatchers;
}

/** One direct agent per pinned certificate (its connections were verified against it alone). */
const pinnedAgents = new Map<string, Promise<Dispatcher>>();

function pinnedAgent(pem: string): Promise<Dispatcher> {
  let agent = pinnedAgents.get(pem);
  if (!agent) {
    // allowPartialTrustChain: an intermediate in the file is an anchor too (the file may hold a chain without its root).
    agent = import('undici').then(({ Agent }) => new Agent({ connect: { ca: pem, allowPartialTrustChain: true, checkServerIdentity: () => undefined } as object }));
    pinnedAgents.set(pem, agent);
  }
  return agent;
}

export const nodeFetch: HttpFetch = async (input, init = {}) => {
  const url = typeof input === 'string' ? new URL(input) : input;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`unsupported protocol ${url.protocol} in ${url.origin}`);
  init.signal?.throwIfAborted();
  const { direct, fromEnvironment } = await loadDispatchers();
  const dispatcher =
    init.pinnedCertificate !== undefined && url.protocol === 'https:' ? await pinnedAgent(init.pinnedCertificate) : isLoopback(url.hostname) ? direct : fromEnvironment;
  let answer: Dispatcher.ResponseData;
  try {
    answer = await dispatcher.request({
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: init.method ?? 'GET',
      headers: init.headers ?? {},
      body: init.body,
      signal: init.signal,
    });
  } catch (error) {
    throw proxyFailure(error, url, dispatcher === fromEnvironment) ?? error;
  }
  const { statusCode, headers, body } = answer;
  if (statusCode === 407) {
    // Only a proxy answers 407 (an origin server says 401): the proxy wants credentials.
    body.resume();
    const proxy = proxySetting(url);
    throw new ProxyFailure(`the proxy ${proxy ? `${proxy.variable}=${redactUrl(proxy.value)} ` : ''}asks for credentials (407 Proxy Authentication Required)`);
  }
  return {
    status: statusCode,
    ok: statusCode >= 200 && statusCode < 300,
    headers: {
      get: (name) => {
        const value = headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
      },
    },
    text: () => body.text(),
    body,
  };
};

/** localhost, *.localhost, 127.0.0.0/8 and ::1: names that mean "this machine" wherever they are resolved. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return host === 'localhost' || host.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1';
}

/** The proxy variable undici's EnvHttpProxyAgent uses for this URL's scheme (ignoring NO_PROXY). */
function proxySetting(url: URL): { variable: string; value: string } | null {
  const names = url.protocol === 'https:' ? ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY'] : ['http_proxy', 'HTTP_PROXY'];
  for (const variable of names) {
    const value = process.env[variable];
    if (value) return { variable, value };
  }
  return null;
}

/** Proxy credentials never reach a message. */
function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.username || url.password) {
      url.username = '***';
      url.password = '';
    }
    return url.href.replace(/\/$/, '');
  } catch {
    return value;
  }
}

/** A failure between us and the proxy (or of the proxy itself), not of the server behind it. */
export class ProxyFailure extends Error {
  readonly code = 'PROXY_FAILED';
}

/**
 * undici reports a proxy that cannot be reached with the socket's own error, and a proxy that
 * refuses the tunnel as "Proxy response (N) !== 200": name them, so the user looks at the proxy.
 */
function proxyFailure(error: unknown, url: URL, viaEnvironment: boolean): ProxyFailure | null {
  const proxy = viaEnvironment ? proxySetting(url) : null;
  if (!proxy || !(error instanceof Error)) return null;
  const where = `${proxy.variable}=${redactUrl(proxy.value)}`;
  const tunnel = /Proxy response \((\d+)\) !== 200/.exec(error.message);
  if (tunnel) {
    const status = Number(tunnel[1]);
    const why = status === 407 ? 'asks for credentials (407 Proxy Authentication Required)' : `refused the tunnel to ${url.host} (HTTP ${status})`;
    return new ProxyFailure(`the proxy ${where} ${why}`, { cause: error });
  }
  if ((error as { code?: string }).code === 'UND_ERR_PRX_TLS') return new ProxyFailure(`TLS to the proxy ${where} failed: ${error.message}`, { cause: error });
  let proxyUrl: URL;
  try {
    proxyUrl = new URL(proxy.value);
  } catch {
    return new ProxyFailure(`${proxy.variable} is not a URL: ${JSON.stringify(redactUrl(proxy.value))}`, { cause: error });
  }
  const { code, port, hostname } = error as { code?: string; port?: number; hostname?: string };
  const proxyPort = Number(proxyUrl.port) || (proxyUrl.protocol === 'https:' ? 443 : 80);
  const targetPort = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const atProxy = hostname !== undefined ? hostname === proxyUrl.hostname : port === proxyPort && port !== targetPort;
  if (atProxy && (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH')) {
    return new ProxyFailure(`cannot reach the proxy ${where} (${code})`, { cause: error });
  }
  return null;
}

export type NetworkFailureKind = 'timeout' | 'refused' | 'reset' | 'dns' | 'tls' | 'proxy' | 'other';

export interface NetworkFailure {
  reason: string;
  retryable: boolean;
  reachedServer: boolean;
  kind: NetworkFailureKind;
}

/** The server's certificate is not trusted: a private CA, a self-signed certificate. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * What a failed request means, for every caller's messages and retry decisions. The errno may sit
 * on the error, in its `cause` (fetch-compatible fakes, the global fetch: `UND_ERR_*` codes) or in
 * an AggregateError of per-address attempts (localhost resolving to ::1 and 127.0.0.1).
 */
export function describeNetworkError(error: unknown, timeoutMs: number): NetworkFailure {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { reason: `no answer within ${Math.round(timeoutMs / 1000)} s`, retryable: true, reachedServer: true, kind: 'timeout' };
  }
  const codes = new Set<string>();
  let proxy: ProxyFailure | undefined;
  const visit = (e: unknown, depth: number) => {
    if (!e || typeof e !== 'object' || depth > 4) return;
    if (e instanceof ProxyFailure) proxy ??= e;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.add(code);
    visit((e as { cause?: unknown }).cause, depth + 1);
    const errors = (e as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  // Neither a proxy nor a certificate fixes itself while we wait: not retryable.
  if (proxy) return { reason: proxy.message, retryable: false, reachedServer: false, kind: 'proxy' };
  const untrusted = [...codes].find((c) => UNTRUSTED_CERTIFICATE.has(c));
  if (untrusted) return { reason: `the server's TLS certificate is not signed by a CA this machine trusts (${untrusted})`, retryable: false, reachedServer: false, kind: 'tls' };
  if (codes.has('CERT_HAS_EXPIRED') || codes.has('CERT_NOT_YET_VALID')) {
    return { reason: `the server's TLS certificate is outside its validity dates (${codes.has('CERT_HAS_EXPIRED') ? 'CERT_HAS_EXPIRED' : 'CERT_NOT_YET_VALID'})`, retryable: false, reachedServer: false, kind: 'tls' };
  }
  if (codes.has('ERR_TLS_CERT_ALTNAME_INVALID')) {
    return { reason: `the server's TLS certificate is for another host name (ERR_TLS_CERT_ALTNAME_INVALID)`, retryable: false, reachedServer: false, kind: 'tls' };
  }
  const ssl = [...codes].find((c) => c.startsWith('ERR_SSL_'));
  if (ssl) return { reason: `TLS handshake failed; is it an https port? (${ssl})`, retryable: false, reachedServer: false, kind: 'tls' };
  if (codes.has('ECONNREFUSED')) return { reason: 'connection refused', retryable: true, reachedServer: false, kind: 'refused' };
  if (codes.has('UND_ERR_CONNECT_TIMEOUT')) return { reason: 'connection timed out', retryable: true, reachedServer: false, kind: 'timeout' };
  if (codes.has('ECONNRESET') || codes.has('UND_ERR_SOCKET')) return { reason: 'connection reset', retryable: true, reachedServer: true, kind: 'reset' };
  // A wrong host name or protocol will not fix itself while we wait.
  if (codes.has('ENOTFOUND') || codes.has('EAI_AGAIN')) return { reason: 'host name not found', retryable: false, reachedServer: false, kind: 'dns' };
  const code = [...codes][0];
  const message = error instanceof Error ? error.message : String(error);
  return { reason: code ? `${message} (${code})` : message, retryable: false, reachedServer: false, kind: 'other' };
}

/**
 * The error for a certificate or proxy failure talking to `target`, or null for other failures
 * (the caller's own "cannot reach" error fits those). Exit 3: the machine's setup, not the server.
 */
export function tlsOrProxyError(failure: Pick<NetworkFailure, 'kind' | 'reason'>, target: string): EnvError | null {
  if (failure.kind === 'tls') {
    return new EnvError('TLS_CERTIFICATE_REJECTED', `TLS to ${target} failed: ${failure.reason}.`, {
      hint:
        'If the server uses a private CA, point NODE_EXTRA_CA_CERTS at that CA\'s PEM file (export NODE_EXTRA_CA_CERTS=/path/to/ca.pem) and run again; ' +
        `check the certificate's host name and dates with "openssl s_client -connect ${hostPort(target)}".`,
      details: { target, reason: failure.reason },
    });
  }
  if (failure.kind === 'proxy') {
    return new EnvError('HTTP_PROXY_FAILED', `Cannot reach ${target} through the proxy: ${failure.reason}.`, {
      hint: 'Check HTTPS_PROXY / HTTP_PROXY (credentials go in the URL: http://user:password@proxy:port), or add the host to NO_PROXY to connect directly.',
      details: { target, reason: failure.reason },
    });
  }
  return null;
}

function hostPort(target: string): string {
  try {
    const url = new URL(target);
    return `${url.hostname}:${url.port || (url.protocol === 'https:' ? 443 : 80)}`;
  } catch {
    return target;
  }
}
