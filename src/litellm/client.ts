/**
 * The one module that talks HTTP to the LiteLLM proxy (docs/litellm-contract.md).
 *
 * - HTTP through `ctx.http.fetch` (core/http.ts: undici, proxies from the environment, keep-alive), so a command's several
 *   calls share one TCP connection and tests can inject a fake.
 * - Every request has its own timeout (AbortSignal), 10 s by default and never more than what is
 *   left of the wait budget, so `--timeout` bounds a command even against a proxy that hangs.
 * - While the proxy boots, failures that go away by themselves (connection refused, 502/503/504,
 *   "DB not connected") are retried with backoff (250 ms doubling to 2 s) until the wait budget
 *   (`--timeout`) is spent, with a spinner line saying what we wait for. A 4xx that will not change
 *   is reported at once. A POST is repeated only when it surely never reached LiteLLM (connection
 *   refused, 503, no database): a 502/504 from a proxy in between may hide a key that was made.
 *   Time comes from `ctx.clock`, so tests never sleep.
 * - Responses are validated with zod (schemas.ts); errors are mapped by errors.ts.
 * - The key travels only in the Authorization header. Raw keys never go in a URL: lookups use
 *   the sha256 hash, which LiteLLM accepts everywhere a key is expected.
 */
import { z } from '../core/schema.js';
import type { Clock } from '../core/clock.js';
import { describeNetworkError, type HttpFetch, type HttpResponse, type NetworkFailure, type NetworkFailureKind } from '../core/http.js';
import { RemoteError } from '../core/errors.js';
import type { Output, Spinner } from '../core/output.js';
import {
  isBootTimeFailure,
  isNoDatabaseMessage,
  parseErrorBody,
  toRemoteError,
  unreachableError,
  type KeyRole,
  type ParsedRemoteError,
} from './errors.js';
import {
  deleteKeyRequestSchema,
  generateKeyRequestSchema,
  generateKeyResponseSchema,
  keyDeleteResponseSchema,
  keyInfoResponseSchema,
  keyListResponseSchema,
  keyUpdateResponseSchema,
  modelInfoResponseSchema,
  modelListResponseSchema,
  openApiSchema,
  readinessResponseSchema,
  updateKeyRequestSchema,
  type DeleteKeyRequest,
  type GenerateKeyRequest,
  type GeneratedKey,
  type KeyListPage,
  type KeyRecord,
  type ModelEntry,
  type ModelInfoEntry,
  type OpenApiSummary,
  type Readiness,
  type UpdateKeyRequest,
} from './schemas.js';
import { judgeReadiness, type ReadinessVerdict } from './readiness.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;
export const KEY_LIST_PAGE_SIZE = 100; // LiteLLM's maximum (422 above it)
const FIRST_BACKOFF_MS = 250;
const MAX_BACKOFF_MS = 2_000;
/** The shortest time an attempt gets, even when the wait budget is nearly spent. */
const MIN_ATTEMPT_TIMEOUT_MS = 1_000;

export interface LiteLLMClientOptions {
  /** Root of the proxy, e.g. http://127.0.0.1:4000 or http://127.0.0.1:3000/api/litellm (no trailing slash). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; undefined for public routes only. */
  apiKey: string | undefined;
  keyRole: KeyRole;
  fetch: HttpFetch;
  clock: Clock;
  out: Output;
  /** How long to keep retrying boot-time failures (connection refused, 503, DB not connected). */
  waitTimeoutMs: number;
  /**
   * Called once, before the first wait: may throw to end the wait at once (the gateway's stack is
   * not running, so nothing will come up; src/docker/stack-state.ts).
   */
  beforeWaiting?: () => Promise<void>;
  /** The hint for a certificate this machine does not trust, when we know which file to trust (the gateway's self-signed one). */
  trustHint?: string;
  requestTimeoutMs?: number;
}

export interface RequestSpec<S extends z.ZodMiniType> {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema: S;
  /** Public routes (health, openapi) are called without a key. */
  auth?: boolean;
  /** For KEY_ALIAS_EXISTS messages. */
  alias?: string | undefined;
}

type Attempt =
  | { kind: 'ok'; status: number; body: unknown; text: string }
  | { kind: 'http'; error: ParsedRemoteError }
  | ({ kind: 'network'; failure: NetworkFailureKind } & Omit<NetworkFailure, 'kind'>);

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface KeyFilter {
  keyAlias?: string;
  userId?: string;
  teamId?: string;
}

export class LiteLLMClient {
  readonly baseUrl: string;
  private readonly requestTimeoutMs: number;
  private noDatabaseConfigured: boolean | undefined;
  private askedBeforeWaiting = false;

  constructor(private readonly options: LiteLLMClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.requestTimeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }

  get keyRole(): KeyRole {
    return this.options.keyRole;
  }

  /** One liveness probe, no retry: true when the process answers at all. */
  async isAlive(): Promise<boolean> {
    const attempt = await this.attempt({ method: 'GET', path: '/health/liveliness', schema: z.unknown(), auth: false });
    return attempt.kind === 'ok';
  }

  /** One readiness probe, no retry, judged by readiness.ts (contract §3's recommended logic). */
  async readiness(timeoutMs = this.requestTimeoutMs): Promise<ReadinessVerdict & { failure?: NetworkFailureKind }> {
    const attempt = await this.attempt({ method: 'GET', path: '/health/readiness', schema: readinessResponseSchema(), auth: false }, timeoutMs);
    if (attempt.kind === 'network') return { ready: false, reason: attempt.reason, body: null, failure: attempt.failure };
    if (attempt.kind === 'http') return { ready: false, reason: `HTTP ${attempt.error.status}${attempt.error.message ? `: ${attempt.error.message}` : ''}`, body: null };
    return judgeReadiness(attempt.body);
  }

  /** Poll readiness until it passes or the wait budget is spent (then PROXY_UNREACHABLE / PROXY_NOT_READY). */
  async waitUntilReady(): Promise<Readiness> {
    const started = this.options.clock.now();
    const deadline = started + this.options.waitTimeoutMs;
    let backoff = FIRST_BACKOFF_MS;
    let spinner: Spinner | undefined;
    for (;;) {
      const probe = await this.readiness(this.attemptTimeout(deadline));
      if (probe.ready && probe.body) {
        spinner?.succeed(`LiteLLM is ready at ${this.baseUrl}`);
        return probe.body;
      }
      const now = this.options.clock.now();
      if (now + backoff > deadline) {
        spinner?.stop();
        if (probe.body === null && !probe.reason.startsWith('HTTP')) throw unreachableError(this.baseUrl, probe.reason, now - started, probe.failure, this.options.trustHint);
        throw toRemoteError(
          { status: 503, message: `readiness: ${probe.reason}`, type: null, param: null, code: null },
          { method: 'GET', path: '/health/readiness', baseUrl: this.baseUrl, keyRole: 'none' },
        );
      }
      if (!spinner) await this.beforeFirstWait();
      spinner = await this.waitingSpinner(spinner, `readiness (${probe.reason})`);
      await this.options.clock.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  async listModels(): Promise<ModelEntry[]> {
    const body = await this.request({ method: 'GET', path: '/v1/models', schema: modelListResponseSchema() });
    return body.data;
  }

  async modelInfo(): Promise<ModelInfoEntry[]> {
    const body = await this.request({ method: 'GET', path: '/model/info', schema: modelInfoResponseSchema() });
    return body.data;
  }

  async generateKey(request: GenerateKeyRequest): Promise<GeneratedKey> {
    const body = generateKeyRequestSchema().parse(request);
    // The new key is not registered as a secret here: `key create` prints it once; other callers register it.
    return this.request({ method: 'POST', path: '/key/generate', body, schema: generateKeyResponseSchema(), alias: request.key_alias });
  }

  /** `/key/info` by raw key or sha256 hash (we always pass the hash). */
  async keyInfo(keyOrHash: string): Promise<KeyRecord & { token: string }> {
    const body = await this.request({ method: 'GET', path: '/key/info', query: { key: keyOrHash }, schema: keyInfoResponseSchema() });
    return { ...body.info, token: body.info.token ?? (/^[0-9a-f]{64}$/.test(keyOrHash) ? keyOrHash : (body.key ?? keyOrHash)) };
  }

  async listKeysPage(page: number, filter: KeyFilter = {}, size = KEY_LIST_PAGE_SIZE): Promise<KeyListPage> {
    return this.request({
      method: 'GET',
      path: '/key/list',
      query: {
        page,
        size,
        return_full_object: 'true', // LiteLLM's own client sends booleans as strings
        key_alias: filter.keyAlias,
        user_id: filter.userId,
        team_id: filter.teamId,
      },
      schema: keyListResponseSchema(),
    });
  }

  /** Every key (all pages). Versions that return bare hashes get each key's info fetched. */
  async listAllKeys(filter: KeyFilter = {}): Promise<(KeyRecord & { token: string })[]> {
    const keys: (KeyRecord & { token: string })[] = [];
    for (let page = 1; page <= 10_000; page++) {
      const result = await this.listKeysPage(page, filter);
      for (const entry of result.keys) {
        if (typeof entry === 'string') keys.push(await this.keyInfo(entry));
        else keys.push({ ...entry, token: this.listEntryToken(entry) });
      }
      const totalPages = result.total_pages ?? null;
      if (totalPages !== null ? page >= totalPages : result.keys.length < KEY_LIST_PAGE_SIZE) break;
      if (result.keys.length === 0) break;
    }
    // The alias filter is exact here whatever the server's matching rules are.
    return filter.keyAlias === undefined ? keys : keys.filter((k) => k.key_alias === filter.keyAlias);
  }

  /** A full list entry's hash: `token`, or `api_key` where a version puts the hash there instead. */
  private listEntryToken(entry: KeyListPage['keys'][number] & object): string {
    if (entry.token) return entry.token;
    if (entry.api_key && SHA256_HEX.test(entry.api_key)) return entry.api_key;
    throw new RemoteError('UNEXPECTED_RESPONSE', `LiteLLM listed a key without its hash (GET /key/list, key ${entry.key_alias ? `"${entry.key_alias}"` : (entry.key_name ?? '(unnamed)')}).`, {
      hint: 'This LiteLLM version may be newer than ai-gateway knows; run "ai-gateway openapi" and report the version.',
      details: { request: 'GET /key/list', baseUrl: this.baseUrl },
    });
  }

  async findKeyByAlias(alias: string): Promise<(KeyRecord & { token: string }) | null> {
    const matches = await this.listAllKeys({ keyAlias: alias });
    return matches[0] ?? null;
  }

  async updateKey(request: UpdateKeyRequest): Promise<z.infer<ReturnType<typeof keyUpdateResponseSchema>>> {
    const body = updateKeyRequestSchema().parse(request);
    return this.request({ method: 'POST', path: '/key/update', body, schema: keyUpdateResponseSchema(), alias: request.key_alias });
  }

  async deleteKeys(request: DeleteKeyRequest): Promise<unknown[]> {
    const body = deleteKeyRequestSchema().parse(request);
    const result = await this.request({ method: 'POST', path: '/key/delete', body, schema: keyDeleteResponseSchema() });
    return result.deleted_keys;
  }

  /** The OpenAPI document: the validated summary and the raw text (written as is by `openapi -o`). */
  async openapi(): Promise<{ summary: OpenApiSummary; document: unknown; text: string }> {
    const { body, text } = await this.requestRaw({ method: 'GET', path: '/openapi.json', schema: openApiSchema(), auth: false });
    const parsed = openApiSchema().safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
      throw new RemoteError('OPENAPI_INVALID', `${this.baseUrl}/openapi.json is not an OpenAPI 3.x document: ${problems}.`, {
        hint: 'Check that --base-url / LITELLM_PROXY_URL points at LiteLLM itself (not Nginx or Open WebUI).',
      });
    }
    return { summary: parsed.data, document: body, text };
  }

  /**
   * POST a request answered with server-sent events (a streamed completion) and hand back the body
   * unread, for the caller to consume as it arrives. One attempt, no retry: a completion is not
   * repeated. An HTTP error becomes our RemoteError; a network failure or the timeout is thrown as is.
   */
  async openStream(path: string, body: unknown, timeoutMs: number): Promise<{ body: AsyncIterable<Uint8Array>; contentType: string | null }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const response = await this.options.fetch(`${this.baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok || !response.body) {
      throw toRemoteError(parseErrorBody(response.status, await response.text()), { method: 'POST', path, baseUrl: this.baseUrl, keyRole: this.options.keyRole });
    }
    return { body: response.body, contentType: response.headers.get('content-type') };
  }

  /** A request with the boot-time retry and zod validation; throws our typed errors. */
  async request<S extends z.ZodMiniType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const { body } = await this.requestRaw(spec);
    const parsed = spec.schema.safeParse(body);
    if (!parsed.success) {
      const problems = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
      throw new RemoteError('UNEXPECTED_RESPONSE', `LiteLLM answered ${spec.method} ${spec.path} with a body we do not understand (${problems}).`, {
        hint: 'This LiteLLM version may be newer than ai-gateway knows; run "ai-gateway openapi" and report the version.',
        details: { request: `${spec.method} ${spec.path}`, baseUrl: this.baseUrl },
      });
    }
    return parsed.data;
  }

  private async requestRaw<S extends z.ZodMiniType>(spec: RequestSpec<S>): Promise<{ body: unknown; text: string }> {
    const started = this.options.clock.now();
    const deadline = started + this.options.waitTimeoutMs;
    let backoff = FIRST_BACKOFF_MS;
    let spinner: Spinner | undefined;
    for (;;) {
      const attempt = await this.attempt(spec, this.attemptTimeout(deadline));
      if (attempt.kind === 'ok') {
        spinner?.succeed(`LiteLLM answered at ${this.baseUrl}`);
        return { body: attempt.body, text: attempt.text };
      }
      let waitingFor = this.retryReason(attempt, spec.method);
      if (waitingFor !== null && attempt.kind === 'http' && isNoDatabaseMessage(attempt.error) && (await this.hasNoDatabaseConfigured(deadline))) {
        waitingFor = null; // no database configured at all: waiting will not bring one
      }
      const now = this.options.clock.now();
      if (waitingFor === null || now + backoff > deadline) {
        spinner?.stop();
        if (attempt.kind === 'network') throw unreachableError(this.baseUrl, attempt.reason, now - started, attempt.failure, this.options.trustHint);
        throw toRemoteError(attempt.error, {
          method: spec.method,
          path: spec.path,
          baseUrl: this.baseUrl,
          keyRole: this.keyRoleFor(spec),
          alias: spec.alias,
          databaseConfigured: this.noDatabaseConfigured === undefined ? undefined : !this.noDatabaseConfigured,
        });
      }
      if (!spinner) await this.beforeFirstWait();
      spinner = await this.waitingSpinner(spinner, waitingFor);
      await this.options.clock.sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  /** The injected "is there anything to wait for?" check, once per client. */
  private async beforeFirstWait(): Promise<void> {
    if (this.askedBeforeWaiting || !this.options.beforeWaiting) return;
    this.askedBeforeWaiting = true;
    await this.options.beforeWaiting();
  }

  /** What we are waiting for when the failure is worth retrying, or null to report it now. */
  private retryReason(attempt: Exclude<Attempt, { kind: 'ok' }>, method: string): string | null {
    if (attempt.kind === 'network') {
      if (!attempt.retryable) return null;
      // A POST that may have reached the server is not repeated (it could create a second key);
      // a refused connection never reached it.
      if (method !== 'GET' && attempt.reachedServer) return null;
      return attempt.reason === 'connection refused' ? 'the proxy to accept connections' : attempt.reason;
    }
    if (!isBootTimeFailure(attempt.error)) return null;
    const { status } = attempt.error;
    // Through a reverse proxy, 502/504 may come after LiteLLM acted on the request.
    if (method !== 'GET' && (status === 502 || status === 504)) return null;
    return status >= 502 && status <= 504 ? `the proxy to finish starting (HTTP ${status})` : 'its database connection';
  }

  /**
   * Does the proxy run without any DATABASE_URL? Asked only when LiteLLM sent one of its
   * "no database" messages (which it sends when it has no database client at all). Readiness
   * settles it (contract §3): `db: "Not connected"` (legacy and newest bodies), or a healthy 200
   * with no `db` field (PR #26912, which answers 503 for a configured database that is down).
   */
  private async hasNoDatabaseConfigured(deadline: number): Promise<boolean> {
    if (this.noDatabaseConfigured === undefined) {
      const probe = await this.readiness(this.attemptTimeout(deadline));
      this.noDatabaseConfigured = probe.ready && (probe.body?.db === 'Not connected' || probe.body?.db == null);
    }
    return this.noDatabaseConfigured;
  }

  /** An attempt's timeout: the usual one, cut to what is left of the wait budget (at least a second). */
  private attemptTimeout(deadline: number): number {
    const left = deadline - this.options.clock.now();
    return Math.min(this.requestTimeoutMs, Math.max(left, MIN_ATTEMPT_TIMEOUT_MS));
  }

  private async waitingSpinner(spinner: Spinner | undefined, waitingFor: string): Promise<Spinner> {
    const text = `Waiting for LiteLLM at ${this.baseUrl}: ${waitingFor}`;
    if (spinner) {
      spinner.update(text);
      return spinner;
    }
    return this.options.out.spinner(text);
  }

  private keyRoleFor(spec: RequestSpec<z.ZodMiniType>): KeyRole {
    return spec.auth === false ? 'none' : this.options.keyRole;
  }

  /** One HTTP exchange, classified. Never throws for HTTP or network failures. */
  private async attempt(spec: RequestSpec<z.ZodMiniType>, timeoutMs = this.requestTimeoutMs): Promise<Attempt> {
    const url = new URL(this.baseUrl + spec.path);
    for (const [name, value] of Object.entries(spec.query ?? {})) if (value !== undefined) url.searchParams.set(name, String(value));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (spec.auth !== false && this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    const started = Date.now();
    let response: HttpResponse;
    try {
      response = await this.options.fetch(url, {
        method: spec.method,
        headers,
        body: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      const { kind, ...failure } = describeNetworkError(error, timeoutMs);
      this.options.out.debug(`${spec.method} ${url.pathname} → ${failure.reason}`);
      return { kind: 'network', failure: kind, ...failure };
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      const { kind, ...failure } = describeNetworkError(error, timeoutMs);
      return { kind: 'network', failure: kind, ...failure, reachedServer: true };
    }
    this.options.out.debug(`${spec.method} ${url.pathname} → ${response.status} (${Date.now() - started} ms)`);
    if (response.status >= 300 && response.status < 400) {
      // Not followed: a redirect would carry the key to an address nobody configured.
      return { kind: 'http', error: { ...parseErrorBody(response.status, ''), message: `redirects to ${response.headers.get('location') ?? '(no Location header)'}` } };
    }
    if (!response.ok) return { kind: 'http', error: parseErrorBody(response.status, text) };
    try {
      return { kind: 'ok', status: response.status, body: JSON.parse(text) as unknown, text };
    } catch {
      return { kind: 'ok', status: response.status, body: text, text };
    }
  }
}
