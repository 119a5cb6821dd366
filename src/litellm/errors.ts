/**
 * LiteLLM's error envelope (docs/litellm-contract.md §1, §4) turned into our typed errors.
 *
 * Every variant the proxy is known to send is tolerated:
 * - `{"error": {"message", "type", "param", "code"}}` with `code` a string and `param` "None" or null;
 * - a message that is a Python repr of a dict, `{'error': '...'}` (older code paths);
 * - `{"detail": "..."}` / `{"detail": {...}}` (bare HTTPException) and `{"detail": [...]}` (422);
 * - anything else (an HTML page from Nginx, an empty body).
 * The HTTP status is preferred over `error.code`, which is a string and sometimes disagrees.
 */
import { sha256Hex } from '../core/crypto.js';
import { EnvError, HealthError, RemoteError, type AppError } from '../core/errors.js';
import { tlsOrProxyError, type NetworkFailureKind } from '../core/http.js';
import { maskSecret } from '../core/output.js';

export interface ParsedRemoteError {
  status: number;
  message: string;
  /** `error.type` (e.g. "auth_error", "no_db_connection"); null when the body had none. */
  type: string | null;
  param: string | null;
  /** `error.code` as sent (a string), kept only for details. */
  code: string | null;
  /** What the body was: LiteLLM's envelope, FastAPI's `detail`, other text (an HTML page, a plain line), or nothing. */
  body?: 'envelope' | 'detail' | 'text' | 'empty';
}

/** Which credential a request carried: decides what a 401 means. */
export type KeyRole = 'master' | 'virtual' | 'override' | 'none';

export interface RequestDescription {
  method: string;
  path: string;
  baseUrl: string;
  keyRole: KeyRole;
  /** The alias involved, when there is one: names it in KEY_ALIAS_EXISTS. */
  alias?: string | undefined;
  /** false when readiness said the proxy has no database configured at all. */
  databaseConfigured?: boolean | undefined;
}

const PY_REPR = /^\{\s*['"]error['"]\s*:\s*(['"])([\s\S]*)\1\s*\}$/;

const PY_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', "'": "'", '"': '"', '\\': '\\' };

/** `{'error': 'DB not connected. …'}` → `DB not connected. …` (other text is returned as is). Python's escapes are undone. */
export function stripPythonRepr(message: string): string {
  const match = PY_REPR.exec(message.trim());
  if (!match) return message;
  return (match[2] as string).replace(/\\([ntr'"\\])/g, (_, c: string) => PY_ESCAPES[c] ?? c);
}

/** Keys in a server message (e.g. "User Key=sk-…") are masked: errors are printed and logged. */
export function maskKeysInText(text: string): string {
  return text.replace(/sk-[A-Za-z0-9_-]{6,}/g, (key) => maskSecret(key));
}

export function parseErrorBody(status: number, bodyText: string): ParsedRemoteError {
  let body: unknown;
  try {
    body = bodyText === '' ? undefined : JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  const result: ParsedRemoteError = { status, message: '', type: null, param: null, code: null, body: 'empty' };
  if (isRecord(body) && body.error !== undefined) {
    result.body = 'envelope';
    const error = body.error;
    if (isRecord(error)) {
      result.message = stringify(error.message);
      result.type = nullableString(error.type);
      result.param = nullableString(error.param);
      result.code = error.code === undefined || error.code === null ? null : String(error.code);
    } else {
      result.message = stringify(error);
    }
  } else if (isRecord(body) && body.detail !== undefined) {
    result.body = 'detail';
    result.message = detailMessage(body.detail);
  } else if (typeof body === 'string') {
    result.body = 'text';
    result.message = body;
  } else {
    if (bodyText.trim() !== '') result.body = 'text';
    result.message = textPreview(bodyText);
  }
  result.message = maskKeysInText(stripPythonRepr(result.message).trim());
  return result;
}

function detailMessage(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    // FastAPI's 422: [{type, loc: ["body", "models"], msg, input}]
    return detail
      .map((d) => {
        if (!isRecord(d)) return stringify(d);
        const loc = Array.isArray(d.loc) ? d.loc.filter((p) => p !== 'body').join('.') : '';
        return `${loc ? `${loc}: ` : ''}${stringify(d.msg)}`;
      })
      .join('; ');
  }
  if (isRecord(detail) && detail.error !== undefined) return stringify(detail.error);
  return stringify(detail);
}

function textPreview(text: string): string {
  // An HTML error page from Nginx or a proxy: keep the <title>, or a short first line.
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  if (title) return title.trim();
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function nullableString(value: unknown): string | null {
  if (value === undefined || value === null || value === 'None') return null;
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// LiteLLM's fixed messages for a proxy with no database client at all (contract §1.3, §4).
const NO_DATABASE = /DB not connected|No connected db|Database not connected|Not connected to DB/i;
// Prisma's P1001: a configured PostgreSQL that cannot be reached (gone away, or not up yet).
const DATABASE_UNREACHABLE = /Can't reach database server|\bP1001\b/i;

/** One of LiteLLM's "no database" messages: the proxy has no database client (yet, or at all). */
export function isNoDatabaseMessage(error: ParsedRemoteError): boolean {
  return error.type === 'no_db_connection' || NO_DATABASE.test(error.message);
}

export function isDatabaseNotConnected(error: ParsedRemoteError): boolean {
  return isNoDatabaseMessage(error) || DATABASE_UNREACHABLE.test(error.message);
}

/** Failures that go away by themselves while the proxy boots: worth waiting for. */
export function isBootTimeFailure(error: ParsedRemoteError): boolean {
  return error.status === 502 || error.status === 503 || error.status === 504 || isDatabaseNotConnected(error);
}

const RESTART_HINT = 'Run "ai-gateway start" (it restarts LiteLLM with the key in .env), then try again.';

/** Map a failed response to our error, with a hint naming the next command. Never includes a key. */
export function toRemoteError(error: ParsedRemoteError, request: RequestDescription): AppError {
  const where = `${request.method} ${request.path}`;
  const details = {
    status: error.status,
    type: error.type,
    param: error.param,
    code: error.code,
    request: where,
    baseUrl: request.baseUrl,
  };
  const server = error.message || `HTTP ${error.status}`;
  const type = error.type ?? '';
  const message = error.message;

  if (isDatabaseNotConnected(error) && request.databaseConfigured === false) {
    return new RemoteError('DATABASE_NOT_CONNECTED', `LiteLLM at ${request.baseUrl} runs without a database (${server}); virtual keys need PostgreSQL.`, {
      hint: 'The gateway\'s compose file gives LiteLLM its DATABASE_URL: run "ai-gateway setup" to render it again, then "ai-gateway start".',
      details,
    });
  }
  if (isDatabaseNotConnected(error)) {
    return new RemoteError('DATABASE_NOT_CONNECTED', `LiteLLM has no database connection (${server}); virtual keys live in PostgreSQL.`, {
      hint: 'Run "ai-gateway status" to see whether PostgreSQL is healthy, then "ai-gateway start"; "ai-gateway logs litellm" shows why it could not connect.',
      details,
    });
  }
  if (type === 'budget_exceeded' || /budget has been exceeded|exceeded budget|over budget/i.test(message)) {
    return new RemoteError('BUDGET_EXCEEDED', `The key's budget is exhausted: ${server}`, {
      hint: 'Raise the budget in the admin UI, or create a key with a larger --max-budget ("ai-gateway key create --max-budget <usd>").',
      details,
    });
  }
  if (/_model_access_denied$/.test(type) || /not allowed to access model/i.test(message)) {
    return new RemoteError('MODEL_NOT_ALLOWED', `The key may not use that model: ${server}`, {
      hint: 'Run "ai-gateway models" to list the models this key can use, or create a key with --models.',
      details,
    });
  }
  if (type === 'expired_key' || /key expired|expired key/i.test(message)) {
    return new RemoteError('KEY_EXPIRED', `The key has expired: ${server}`, {
      hint: 'Create a new one with "ai-gateway key rotate <alias>" or "ai-gateway key create --save".',
      details,
    });
  }
  if (/key is blocked/i.test(message)) {
    return new RemoteError('KEY_BLOCKED', `The key is blocked: ${server}`, {
      hint: 'Unblock it in the LiteLLM admin UI, or replace it with "ai-gateway key rotate <alias>".',
      details,
    });
  }
  // Only the uniqueness rule: the alias format check (contract §4.1) shares param "key_alias".
  if ((error.param === 'key_alias' && /already exists/i.test(message)) || /alias .* already exists/i.test(message)) {
    const alias = request.alias ?? /alias '([^']+)'/.exec(message)?.[1] ?? '<alias>';
    return keyAliasExists(alias, details);
  }
  if (/enterprise|premium/i.test(message) && (error.status === 500 || error.status === 400 || error.status === 403)) {
    return new RemoteError('ENTERPRISE_ONLY', `LiteLLM refused: this feature needs a LiteLLM Enterprise licence (${firstSentence(server)}).`, {
      hint: 'Leave that option out; ai-gateway implements rotation without it ("ai-gateway key rotate <alias>").',
      details,
    });
  }
  if (error.status === 403 && /master key has been set/i.test(message)) {
    return new RemoteError('MASTER_KEY_UNSAFE', `LiteLLM locked key management: its master key is unset or publicly known (${server}).`, {
      hint: 'Run "ai-gateway setup" to generate a strong LITELLM_MASTER_KEY, then "ai-gateway start".',
      details,
    });
  }
  if (error.status === 404 || type === 'not_found_error') {
    if (/^not found$/i.test(message.trim())) {
      return new RemoteError('LITELLM_ROUTE_NOT_FOUND', `${request.baseUrl} has no ${request.path} route: it does not look like a LiteLLM proxy.`, {
        hint: 'Check --base-url / LITELLM_PROXY_URL (the LiteLLM address, e.g. http://localhost:4000), or run "ai-gateway status".',
        details,
      });
    }
    return new RemoteError('KEY_NOT_FOUND', `LiteLLM does not know that key: ${server}`, {
      hint: 'Run "ai-gateway key list" to see the existing keys and aliases.',
      details,
    });
  }
  if (error.status === 401 && /user key does not exist/i.test(message)) {
    // /key/update answers 401 for an unknown key (contract §4.5)
    return new RemoteError('KEY_NOT_FOUND', `LiteLLM does not know that key: ${server}`, {
      hint: 'Run "ai-gateway key list" to see the existing keys and aliases.',
      details,
    });
  }
  if (error.status === 401 || error.status === 403) {
    // Nginx refusing an admin path, by design: our template's JSON (type "forbidden") or a plain 403 page.
    // A FastAPI `{"detail": …}` 403 is LiteLLM's own refusal, not Nginx's.
    const fromNginx = type === 'forbidden' || /not exposed through the gateway/i.test(message) || error.body === 'text' || error.body === 'empty';
    if (error.status === 403 && fromNginx) {
      if (isAdminPath(request.path)) {
        return new RemoteError('ADMIN_PATH_FORBIDDEN', `${request.baseUrl} refused ${request.path} (403): the admin API is not served through Nginx.`, {
          hint: 'Use the direct LiteLLM address (LITELLM_PORT), which is the default: drop --base-url / LITELLM_PROXY_URL.',
          details,
        });
      }
    }
    if (request.keyRole === 'master') {
      return new RemoteError('MASTER_KEY_REJECTED', `LiteLLM rejected the master key from .env (${error.status}: ${firstSentence(server)}).`, {
        hint: `The LITELLM_MASTER_KEY in .env differs from the one the running proxy was started with. ${RESTART_HINT}`,
        details,
      });
    }
    if (request.keyRole === 'virtual') {
      return new RemoteError('VIRTUAL_KEY_REJECTED', `LiteLLM rejected VIRTUAL_KEY from .env (${error.status}: ${firstSentence(server)}).`, {
        hint: 'The key was revoked or belongs to another proxy: create a new one with "ai-gateway key create --alias app --save".',
        details,
      });
    }
    return new RemoteError('API_KEY_REJECTED', `LiteLLM rejected the API key (${error.status}: ${firstSentence(server)}).`, {
      hint: 'Check AI_GATEWAY_API_KEY / LITELLM_PROXY_API_KEY, or unset them to use the keys in the gateway .env.',
      details,
    });
  }
  if (error.status >= 300 && error.status < 400) {
    return new RemoteError('LITELLM_REDIRECTED', `${request.baseUrl}${request.path} ${server} (HTTP ${error.status}).`, {
      hint: 'Pass the address it redirects to as --base-url (or LITELLM_PROXY_URL); ai-gateway does not follow redirects, so a key never goes to an address you did not name.',
      details,
    });
  }
  if (error.status === 429) {
    return new RemoteError('RATE_LIMITED', `LiteLLM is rate limiting this key: ${server}`, {
      hint: 'Wait and retry, or raise --rpm/--tpm on the key ("ai-gateway key rotate" keeps its settings).',
      details,
    });
  }
  if (error.status === 502 || error.status === 503 || error.status === 504) {
    return new HealthError('PROXY_NOT_READY', `LiteLLM at ${request.baseUrl} is not ready (${error.status}: ${firstSentence(server)}).`, {
      hint: 'Run "ai-gateway status" to see which service is unhealthy, or "ai-gateway start" to (re)start the stack.',
      details,
    });
  }
  if (error.status >= 400 && error.status < 500) {
    return new RemoteError('LITELLM_REJECTED_REQUEST', `LiteLLM rejected ${where} (${error.status}): ${server}`, {
      hint: 'Check the values you passed (see --help); "ai-gateway openapi" shows what this LiteLLM version accepts.',
      details,
    });
  }
  return new RemoteError('LITELLM_ERROR', `LiteLLM failed ${where} (${error.status}): ${server}`, {
    hint: 'Run "ai-gateway logs litellm" to see the proxy\'s side of it.',
    details,
  });
}

export function keyAliasExists(alias: string, details?: Record<string, unknown>): RemoteError {
  return new RemoteError('KEY_ALIAS_EXISTS', `A key with alias "${alias}" already exists; aliases are unique.`, {
    hint: `To replace it with a new key that has the same settings, run "ai-gateway key rotate ${alias}". To keep both, pick another --alias.`,
    details: { alias, ...details },
  });
}

/** Network failure (connection refused, DNS, reset, timeout) after the wait budget is spent. */
export function unreachableError(baseUrl: string, reason: string, waitedMs: number, kind?: NetworkFailureKind, trustHint?: string): HealthError | EnvError {
  const tlsOrProxy = kind ? tlsOrProxyError({ kind, reason }, baseUrl) : null;
  // The gateway's own self-signed certificate: name the file to trust rather than "a private CA".
  if (tlsOrProxy && kind === 'tls' && trustHint) return new EnvError(tlsOrProxy.code, tlsOrProxy.message, { hint: trustHint, ...(tlsOrProxy.details ? { details: tlsOrProxy.details } : {}) });
  if (tlsOrProxy) return tlsOrProxy;
  const waited = waitedMs >= 1000 ? ` for ${Math.round(waitedMs / 1000)} s` : '';
  return new HealthError('PROXY_UNREACHABLE', `Cannot reach LiteLLM at ${baseUrl} (${reason}); waited${waited || ' once'}.`, {
    hint: 'Run "ai-gateway status" to check the stack, "ai-gateway start" to start it, or pass --base-url if LiteLLM runs elsewhere.',
    details: { baseUrl, reason },
  });
}

const ADMIN_PREFIXES = ['/key/', '/model/', '/openapi.json', '/user/', '/team/', '/health/readiness/details'];
function isAdminPath(path: string): boolean {
  return ADMIN_PREFIXES.some((p) => path.startsWith(p));
}

function firstSentence(text: string): string {
  const cut = text.split(/(?<=\.)\s/)[0] ?? text;
  return cut.length > 240 ? `${cut.slice(0, 240)}…` : cut;
}

/** sha256 hex of a raw key: what LiteLLM stores as `token` (contract §4.1). */
export function hashKey(rawKey: string): string {
  return sha256Hex(rawKey);
}
