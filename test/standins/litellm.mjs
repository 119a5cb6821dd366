#!/usr/bin/env node
// A contract-faithful stand-in for the LiteLLM proxy (docs/litellm-contract.md: what it imitates, with the upstream sources).
//
// Two ways to use it:
//   - in-process from tests: `const gw = await startLiteLLMStandin({ masterKey: 'sk-…' })`
//   - as the `litellm` server inside the test image: `node litellm.mjs --config /app/config.yaml --port 4000`
//
// Plain ESM JavaScript so it runs unbuilt on Node 18 (Debian bookworm) and Node 24.
// Only `pg` and `yaml` may be imported, and only lazily (the memory store needs neither).

import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

// ---------------------------------------------------------------------------------------------
// Constants and fixed messages (contract §1.3, §2, §4, §5)
// ---------------------------------------------------------------------------------------------

export const DEFAULT_VERSION = '1.80.0-standin';
const MODEL_CREATED_AT = 1677610602; // DEFAULT_MODEL_CREATED_AT_TIME
const ADMIN_USER_ID = 'default_user_id'; // LITELLM_PROXY_ADMIN_NAME
const UNSAFE_MASTER_KEYS = new Set(['sk-1234']); // PUBLICLY_KNOWN_MASTER_KEYS

const MSG = {
  dbNotConnected: 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys',
  noLlmRouter: 'No models configured on proxy',
  notPremium:
    'You must be a LiteLLM Enterprise user to use this feature. If you have a license please set `LITELLM_LICENSE` in your env. Get a 7 day trial key here: https://www.litellm.ai/enterprise#trial. \nPricing: https://www.litellm.ai/#pricing',
  noApiKey: 'No api key passed in.',
  malformed: 'Malformed API Key passed in. Ensure Key has `Bearer ` prefix.',
  blocked: "Key is blocked. Update via `/key/unblock` if you're an admin.",
  noConnectedDb: 'No connected db.',
  keyInfoNoDb:
    'Database not connected. Connect a database to your proxy - https://docs.litellm.ai/docs/simple_proxy#managing-auth---virtual-keys',
};

/** Routes that skip auth entirely (LiteLLMRoutes.public_routes plus FastAPI's own docs routes). */
const PUBLIC_ROUTES = new Set([
  '/routes', '/', '/health/liveliness', '/health/liveness', '/health/readiness',
  '/litellm/.well-known/litellm-ui-config', '/.well-known/litellm-ui-config',
  '/openapi.json', '/ui', '/ui/', '/login',
]);

const LLM_ROUTES = new Set([
  '/v1/chat/completions', '/chat/completions', '/v1/completions', '/completions',
  '/v1/embeddings', '/embeddings', '/v1/messages',
]);
const MODEL_LIST_ROUTES = new Set(['/v1/models', '/models', '/v1/models/{model_id}', '/models/{model_id}']);
const INFO_ROUTES = new Set([
  '/key/info', '/v2/key/info', '/key/health', '/v1/models', '/models', '/v1/models/{model_id}', '/models/{model_id}',
  '/model/info', '/v1/model/info', '/health', '/health/readiness/details', '/test',
]);

// ---------------------------------------------------------------------------------------------
// Python-flavoured formatting: LiteLLM's messages often embed Python reprs and json.dumps output
// ---------------------------------------------------------------------------------------------

/** repr() of a Python str: single quotes unless the text contains a single quote and no double quote. */
export function pyStr(s) {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let body = s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
  if (quote === "'") body = body.replace(/'/g, "\\'");
  return quote + body + quote;
}

/** repr() of a JSON-ish value as Python would print it. */
export function pyRepr(value) {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return pyStr(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return '[' + value.map(pyRepr).join(', ') + ']';
  return '{' + Object.entries(value).map(([k, v]) => `${pyStr(k)}: ${pyRepr(v)}`).join(', ') + '}';
}

/** str(float) in Python: integers keep a trailing ".0". */
function pyFloat(n) {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** json.dumps() with Python's default separators (", " and ": "). */
export function pyJsonDumps(value) {
  if (Array.isArray(value)) return '[' + value.map(pyJsonDumps).join(', ') + ']';
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return '{' + Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${pyJsonDumps(v)}`).join(', ') + '}';
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  return JSON.stringify(value === undefined ? null : value);
}

/** Python datetime.isoformat() of an aware UTC datetime: microseconds and "+00:00". */
function isoPython(date) {
  return date ? date.toISOString().replace('Z', '000+00:00') : null;
}

/** Pydantic's JSON rendering of a UTC datetime: microseconds and "Z". */
function isoPydantic(date) {
  return date ? date.toISOString().replace('Z', '000Z') : null;
}

// ---------------------------------------------------------------------------------------------
// Errors: ProxyException envelope, FastAPI bare {"detail"} and 422 validation lists
// ---------------------------------------------------------------------------------------------

/** A LiteLLM ProxyException: HTTP status = int(code), body {"error": {message,type,param,code}}. */
export class ProxyError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   * @param {string|null} type
   * @param {string|null} [param]
   * @param {object} [extra] e.g. {provider_specific_fields}
   */
  constructor(status, message, type, param = 'None', extra = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
    this.extra = extra;
  }

  toBody() {
    const error = { message: this.message, type: this.type, param: this.param, code: String(this.status) };
    return { error: { ...error, ...this.extra } };
  }

  /** handle_exception_on_proxy(): everything becomes internal_server_error with the HTTP status kept. */
  static internal(status, message) {
    return new ProxyError(status, message, 'internal_server_error', 'None');
  }

  /** An HTTPException whose detail is {"error": msg}: ProxyException's str() turns it into a repr. */
  static detailDict(status, message, type = 'internal_server_error') {
    return new ProxyError(status, pyRepr({ error: message }), type, 'None');
  }

  /** The auth layer's catch-all: "Authentication Error, <msg>", 401 auth_error. */
  static auth(message, status = 401, type = 'auth_error', param = 'None') {
    return new ProxyError(status, `Authentication Error, ${message}`, type, param);
  }
}

/** A bare FastAPI HTTPException: body {"detail": …}. */
class DetailError extends Error {
  constructor(status, detail) {
    super(typeof detail === 'string' ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

/** FastAPI's RequestValidationError: 422 {"detail": [{type, loc, msg, input, ctx?}]}. */
class ValidationError extends Error {
  constructor(details) {
    super('validation error');
    this.status = 422;
    this.details = details;
  }
}

/** The database is configured but cannot be reached (Prisma P1001-style message). */
class DbUnavailableError extends Error {
  constructor(where) {
    super(`Can't reach database server at \`${where}\`\n\nPlease make sure your database server is running at \`${where}\`.`);
    this.code = 'P1001';
  }
}

// ---------------------------------------------------------------------------------------------
// Request-body validation in the style of Pydantic v2 lax mode
// ---------------------------------------------------------------------------------------------

const TRUE_WORDS = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE_WORDS = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

/**
 * Coerce one value to a field type. Returns {value} or {error: {type,msg,ctx?}}.
 * Types: str, float, int, bool, list, list[str], dict, literal:<a|b>, any.
 */
function coerce(type, value) {
  if (type === 'any') return { value };
  if (type.startsWith('literal:')) {
    const options = type.slice(8).split('|');
    if (options.includes(value)) return { value };
    const expected = options.map((o) => `'${o}'`).join(', ').replace(/, ([^,]*)$/, ' or $1');
    return { error: { type: 'literal_error', msg: `Input should be ${expected}`, ctx: { expected } } };
  }
  switch (type) {
    case 'str':
      return typeof value === 'string' ? { value } : { error: { type: 'string_type', msg: 'Input should be a valid string' } };
    case 'float':
      if (typeof value === 'number') return { value };
      if (typeof value === 'boolean') return { value: value ? 1 : 0 };
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return { value: Number(value) };
      if (typeof value === 'string') return { error: { type: 'float_parsing', msg: 'Input should be a valid number, unable to parse string as a number' } };
      return { error: { type: 'float_type', msg: 'Input should be a valid number' } };
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return { value };
      if (typeof value === 'number') return { error: { type: 'int_from_float', msg: 'Input should be a valid integer, got a number with a fractional part' } };
      if (typeof value === 'boolean') return { value: value ? 1 : 0 };
      if (typeof value === 'string' && /^\s*[-+]?\d+\s*$/.test(value)) return { value: Number(value) };
      if (typeof value === 'string') return { error: { type: 'int_parsing', msg: 'Input should be a valid integer, unable to parse string as an integer' } };
      return { error: { type: 'int_type', msg: 'Input should be a valid integer' } };
    case 'bool':
      if (typeof value === 'boolean') return { value };
      if (value === 0 || value === 1) return { value: value === 1 };
      if (typeof value === 'string' && TRUE_WORDS.has(value.toLowerCase())) return { value: true };
      if (typeof value === 'string' && FALSE_WORDS.has(value.toLowerCase())) return { value: false };
      if (typeof value === 'string' || typeof value === 'number') return { error: { type: 'bool_parsing', msg: 'Input should be a valid boolean, unable to interpret input' } };
      return { error: { type: 'bool_type', msg: 'Input should be a valid boolean' } };
    case 'list':
    case 'list[str]':
      return Array.isArray(value) ? { value } : { error: { type: 'list_type', msg: 'Input should be a valid list' } };
    case 'dict':
      return isPlainObject(value) ? { value } : { error: { type: 'dict_type', msg: 'Input should be a valid dictionary' } };
    default:
      throw new Error(`unknown field type ${type}`);
  }
}

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Validate a JSON body against a field spec ({name: type}); unknown fields are dropped, like
 * LiteLLMPydanticObjectBase (no extra="allow"). Throws ValidationError with every problem found.
 * @param {unknown} body
 * @param {Record<string,string>} spec
 * @param {string[]} [required]
 */
function validateBody(body, spec, required = []) {
  if (body === undefined) {
    throw new ValidationError([{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }]);
  }
  if (!isPlainObject(body)) {
    throw new ValidationError([{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: body }]);
  }
  const errors = [];
  const out = {};
  for (const name of required) {
    if (!(name in body)) errors.push({ type: 'missing', loc: ['body', name], msg: 'Field required', input: body });
  }
  for (const [name, type] of Object.entries(spec)) {
    if (!(name in body)) continue;
    const raw = body[name];
    if (raw === null) {
      if (required.includes(name)) errors.push({ type: 'string_type', loc: ['body', name], msg: 'Input should be a valid string', input: null });
      else out[name] = null;
      continue;
    }
    const result = coerce(type, raw);
    if (result.error) {
      errors.push({ type: result.error.type, loc: ['body', name], msg: result.error.msg, input: raw, ...(result.error.ctx ? { ctx: result.error.ctx } : {}) });
      continue;
    }
    if (type === 'list[str]') {
      result.value.forEach((item, i) => {
        if (typeof item !== 'string') errors.push({ type: 'string_type', loc: ['body', name, i], msg: 'Input should be a valid string', input: item });
      });
    }
    out[name] = result.value;
  }
  if (errors.length) throw new ValidationError(errors);
  return out;
}

/** Validate one query parameter (always a string on the wire). */
function queryInt(query, name, { def, ge, le }) {
  const raw = query.get(name);
  if (raw === null) return def;
  const result = coerce('int', raw);
  if (result.error) {
    throw new ValidationError([{ type: result.error.type, loc: ['query', name], msg: result.error.msg, input: raw }]);
  }
  if (ge !== undefined && result.value < ge) {
    throw new ValidationError([{ type: 'greater_than_equal', loc: ['query', name], msg: `Input should be greater than or equal to ${ge}`, input: raw, ctx: { ge } }]);
  }
  if (le !== undefined && result.value > le) {
    throw new ValidationError([{ type: 'less_than_equal', loc: ['query', name], msg: `Input should be less than or equal to ${le}`, input: raw, ctx: { le } }]);
  }
  return result.value;
}

function queryBool(query, name, def = false) {
  const raw = query.get(name);
  if (raw === null) return def;
  const result = coerce('bool', raw);
  if (result.error) throw new ValidationError([{ type: result.error.type, loc: ['query', name], msg: result.error.msg, input: raw }]);
  return result.value;
}

// Fields of GenerateRequestBase + KeyRequestBase (contract §4.1).
const KEY_BASE_FIELDS = {
  key_alias: 'str', duration: 'str', models: 'list', spend: 'float', max_budget: 'float', user_id: 'str',
  team_id: 'str', agent_id: 'str', max_parallel_requests: 'int', metadata: 'dict', tpm_limit: 'int',
  rpm_limit: 'int', budget_duration: 'str', allowed_cache_controls: 'list', config: 'dict', permissions: 'dict',
  model_max_budget: 'dict', model_rpm_limit: 'dict', model_tpm_limit: 'dict', guardrails: 'list[str]',
  policies: 'list[str]', prompts: 'list[str]', blocked: 'bool', aliases: 'dict', object_permission: 'dict',
  key: 'str', budget_id: 'str', tags: 'list[str]', enforced_params: 'list[str]', allowed_routes: 'list',
  allowed_passthrough_routes: 'list', allowed_vector_store_indexes: 'list',
  rpm_limit_type: 'literal:guaranteed_throughput|best_effort_throughput|dynamic',
  tpm_limit_type: 'literal:guaranteed_throughput|best_effort_throughput|dynamic',
  router_settings: 'dict', access_group_ids: 'list[str]', organization_id: 'str',
};
const GENERATE_KEY_FIELDS = {
  ...KEY_BASE_FIELDS, soft_budget: 'float', send_invite_email: 'bool',
  key_type: 'literal:llm_api|management|read_only|default', auto_rotate: 'bool', rotation_interval: 'str',
  project_id: 'str',
};
const UPDATE_KEY_FIELDS = {
  ...KEY_BASE_FIELDS, temp_budget_increase: 'float', temp_budget_expiry: 'str', auto_rotate: 'bool',
  rotation_interval: 'str',
};
const DELETE_KEY_FIELDS = { keys: 'list[str]', key_aliases: 'list[str]' };
const BLOCK_KEY_FIELDS = { key: 'str' };
const REGENERATE_KEY_FIELDS = { ...GENERATE_KEY_FIELDS, new_key: 'str', new_master_key: 'str', grace_period: 'str' };

// ---------------------------------------------------------------------------------------------
// Key helpers
// ---------------------------------------------------------------------------------------------

export function hashToken(raw) {
  return crypto.createHash('sha256').update(raw).digest('hex');
}

/** _hash_token_if_needed: only values that look like raw keys are hashed. */
function tokenFor(value) {
  return value.startsWith('sk-') ? hashToken(value) : value;
}

/** secrets.token_urlsafe(16) after "sk-". */
function newRawKey() {
  return 'sk-' + crypto.randomBytes(16).toString('base64url');
}

/** abbreviate_api_key(): "sk-...ABCD". */
function abbreviate(raw) {
  return `sk-...${raw.slice(-4)}`;
}

/** The "abcd****wxyz" masking used in error messages. */
function maskKey(raw) {
  return raw.length >= 8 ? `${raw.slice(0, 4)}****${raw.slice(-4)}` : '****';
}

/** duration_in_seconds(): "30s", "30m", "30h", "30d", "2w", "1mo" (re.match, so a prefix match). */
export function durationToMs(duration) {
  const m = /^(\d+)(mo|[smhdw]?)/.exec(duration);
  if (!m) throw ProxyError.internal(500, 'Invalid duration format');
  const value = Number(m[1]);
  const unitMs = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3, mo: 30 * 86400e3 }[m[2]];
  if (!unitMs) throw ProxyError.internal(500, `Unsupported duration unit, passed duration: ${duration}`);
  return value * unitMs;
}

function addDuration(from, duration) {
  return new Date(from.getTime() + durationToMs(duration));
}

function safeEqual(a, b) {
  return crypto.timingSafeEqual(Buffer.from(hashToken(a), 'hex'), Buffer.from(hashToken(b), 'hex'));
}

// ---------------------------------------------------------------------------------------------
// Key rows: the columns of "LiteLLM_VerificationToken"
// ---------------------------------------------------------------------------------------------

const JSON_COLUMNS = ['aliases', 'config', 'permissions', 'metadata', 'model_spend', 'model_max_budget'];
const ARRAY_COLUMNS = ['models', 'allowed_cache_controls', 'allowed_routes'];
const DATE_COLUMNS = ['expires', 'budget_reset_at', 'created_at', 'updated_at'];
const KEY_COLUMNS = [
  'token', 'key_name', 'key_alias', 'soft_budget_cooldown', 'spend', 'expires', 'models', 'aliases', 'config',
  'user_id', 'team_id', 'permissions', 'max_parallel_requests', 'metadata', 'blocked', 'tpm_limit', 'rpm_limit',
  'max_budget', 'budget_duration', 'budget_reset_at', 'allowed_cache_controls', 'allowed_routes', 'model_spend',
  'model_max_budget', 'budget_id', 'organization_id', 'object_permission_id', 'created_at', 'created_by',
  'updated_at', 'updated_by',
];
/** Fields a client may change through /key/update that map 1:1 onto columns. */
const UPDATABLE_COLUMNS = [
  'key_alias', 'spend', 'max_budget', 'models', 'aliases', 'config', 'user_id', 'team_id', 'permissions',
  'max_parallel_requests', 'metadata', 'blocked', 'tpm_limit', 'rpm_limit', 'budget_duration',
  'allowed_cache_controls', 'allowed_routes', 'model_max_budget', 'budget_id', 'organization_id',
];

/** A fresh row with every column at its Prisma default. */
function blankRow() {
  return {
    token: null, key_name: null, key_alias: null, soft_budget_cooldown: false, spend: 0, expires: null,
    models: [], aliases: {}, config: {}, user_id: null, team_id: null, permissions: {},
    max_parallel_requests: null, metadata: {}, blocked: null, tpm_limit: null, rpm_limit: null,
    max_budget: null, budget_duration: null, budget_reset_at: null, allowed_cache_controls: [],
    allowed_routes: [], model_spend: {}, model_max_budget: {}, budget_id: null, organization_id: null,
    object_permission_id: null, created_at: null, created_by: null, updated_at: null, updated_by: null,
  };
}

/** A row as the API shows DB rows (block/unblock, full /key/list objects): dates as ISO strings. */
function rowToJson(row) {
  const out = {};
  for (const col of KEY_COLUMNS) out[col] = DATE_COLUMNS.includes(col) ? isoPython(row[col]) : row[col];
  return out;
}

// ---------------------------------------------------------------------------------------------
// Stores: memory, PostgreSQL, none
// ---------------------------------------------------------------------------------------------

/** Shared behaviour: the request log and the "DB is down" switch used by setDbUp(). */
class BaseStore {
  constructor(kind) {
    this.kind = kind;
    /** True when a database is configured (readiness then reports connected/disconnected). */
    this.configured = kind !== 'none';
    /** Every request seen, newest last: {method, path, query, headers (auth redacted), body, status, auth}. */
    this.requests = [];
    this.forcedDown = false;
    this.where = 'localhost:5432';
  }

  assertUp() {
    if (this.forcedDown) throw new DbUnavailableError(this.where);
  }

  async prepare() {}
  async ping() { return !this.forcedDown; }
  async close() {}
}

class NoStore extends BaseStore {
  constructor() { super('none'); }
}

class MemoryStore extends BaseStore {
  constructor() {
    super('memory');
    this.where = 'memory';
    /** @type {Map<string, object>} token → row */
    this.keys = new Map();
    this.deleted = [];
  }

  async insert(row) {
    this.assertUp();
    if (this.keys.has(row.token)) throw new Error('Unique constraint failed on the fields: (`token`)');
    this.keys.set(row.token, structuredClone(row));
    return structuredClone(row);
  }

  async get(token) {
    this.assertUp();
    const row = this.keys.get(token);
    return row ? structuredClone(row) : null;
  }

  async findByAlias(alias) {
    this.assertUp();
    for (const row of this.keys.values()) if (row.key_alias === alias) return structuredClone(row);
    return null;
  }

  async list({ filters, sortBy, sortOrder, page, size, deleted }) {
    this.assertUp();
    const source = deleted ? this.deleted : [...this.keys.values()];
    const rows = source.filter((row) => Object.entries(filters).every(([col, v]) => row[col] === v));
    rows.sort(compareRows(sortBy, sortOrder));
    return { total: rows.length, rows: rows.slice((page - 1) * size, page * size).map((r) => structuredClone(r)) };
  }

  async update(token, changes) {
    this.assertUp();
    const row = this.keys.get(token);
    if (!row) return null;
    Object.assign(row, structuredClone(changes));
    return structuredClone(row);
  }

  async replaceToken(oldToken, newRow) {
    this.assertUp();
    this.keys.delete(oldToken);
    this.keys.set(newRow.token, structuredClone(newRow));
    return structuredClone(newRow);
  }

  async delete(tokens, deletedBy) {
    this.assertUp();
    const removed = [];
    for (const token of tokens) {
      const row = this.keys.get(token);
      if (!row) continue;
      this.keys.delete(token);
      this.deleted.push({ ...row, deleted_at: new Date(), deleted_by: deletedBy });
      removed.push(structuredClone(row));
    }
    return removed;
  }

  async addSpend(token, amount) {
    this.assertUp();
    const row = this.keys.get(token);
    if (row) row.spend += amount;
  }
}

function compareRows(sortBy, sortOrder) {
  const dir = sortOrder === 'asc' ? 1 : -1;
  const value = (row) => (row[sortBy] instanceof Date ? row[sortBy].getTime() : row[sortBy]);
  return (a, b) => {
    const va = value(a);
    const vb = value(b);
    if (va !== vb) {
      if (va === null || va === undefined) return 1; // NULLS LAST
      if (vb === null || vb === undefined) return -1;
      return va < vb ? -dir : dir;
    }
    return a.token < b.token ? 1 : a.token > b.token ? -1 : 0; // tie-break: token desc
  };
}

/** PostgreSQL store using LiteLLM's table and column names, so keys survive a restart. */
class PostgresStore extends BaseStore {
  constructor(databaseUrl, log, { keyCacheTtlMs = 0 } = {}) {
    super('postgres');
    this.databaseUrl = databaseUrl;
    this.log = log;
    /** Key rows for authentication, by token (LiteLLM checks its cache before the DB); off when 0. */
    this.keyCacheTtlMs = keyCacheTtlMs;
    this.keyCache = new Map();
    this.pool = null;
    this.readiness = { at: 0, ok: false, pending: null };
    try {
      const u = new URL(databaseUrl);
      this.where = `${u.hostname}:${u.port || 5432}`;
    } catch {
      this.where = 'unknown';
    }
  }

  /**
   * Like `prisma migrate deploy` at boot: retry until PostgreSQL answers, then create the tables.
   * With `schemaUpdate: false` (DISABLE_SCHEMA_UPDATE=true, as on every replica but the migrator)
   * only the connection is checked: the tables are someone else's job, and queries fail until they exist.
   */
  async prepare({ waitMs = 60_000, signal, schemaUpdate = true } = {}) {
    const { default: pg } = await import('pg');
    this.pool = new pg.Pool({
      connectionString: this.databaseUrl,
      max: 5,
      connectionTimeoutMillis: 2000,
      idleTimeoutMillis: 10_000,
    });
    // A stopped PostgreSQL kills idle connections; without this handler the process would crash.
    this.pool.on('error', (err) => this.log(`WARNING:  database connection lost: ${err.message}`));
    const deadline = Date.now() + waitMs;
    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw new Error('aborted');
      try {
        await this.pool.query(schemaUpdate ? SCHEMA_SQL : 'SELECT 1');
        return;
      } catch (err) {
        const msg = `Error: P1001: Can't reach database server at \`${this.where}\` (${err.message})`;
        if (Date.now() > deadline) throw new Error(msg);
        this.log(`${msg}; retrying (attempt ${attempt})`, 'stderr');
        await sleep(1000);
      }
    }
  }

  /** Live DB check for readiness, cached for one second so a stopped DB shows within ~2 s. */
  async ping() {
    if (this.forcedDown || !this.pool) return false;
    const now = Date.now();
    if (now - this.readiness.at < 1000) return this.readiness.ok;
    if (!this.readiness.pending) {
      this.readiness.pending = withTimeout(this.pool.query('SELECT 1'), 1500)
        .then(() => true, () => false)
        .then((ok) => {
          this.readiness = { at: Date.now(), ok, pending: null };
          return ok;
        });
    }
    return this.readiness.pending;
  }

  async query(sql, params) {
    this.assertUp();
    // Any write may change a key (spend, blocked, deletion): forget every cached row.
    if (this.keyCache.size && !/^\s*SELECT/i.test(sql)) this.keyCache.clear();
    try {
      return await this.pool.query(sql, params);
    } catch (err) {
      if (isConnectionError(err)) throw new DbUnavailableError(this.where);
      throw err;
    }
  }

  async insert(row) {
    const cols = KEY_COLUMNS;
    const params = cols.map((c) => toDbValue(c, row[c]));
    const sql = `INSERT INTO "LiteLLM_VerificationToken" (${cols.map((c) => `"${c}"`).join(', ')})
                 VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING *`;
    try {
      const res = await this.query(sql, params);
      return fromDbRow(res.rows[0]);
    } catch (err) {
      if (err.code === '23505') throw new Error('Unique constraint failed on the fields: (`token`)');
      throw err;
    }
  }

  async get(token) {
    const res = await this.query('SELECT * FROM "LiteLLM_VerificationToken" WHERE token = $1', [token]);
    return res.rows[0] ? fromDbRow(res.rows[0]) : null;
  }

  /** get() for authentication: read-only use, so a cached row can be shared. Misses are not cached. */
  async getForAuth(token) {
    if (this.keyCacheTtlMs <= 0) return this.get(token);
    this.assertUp(); // a lost database still fails every request, cached or not
    const hit = this.keyCache.get(token);
    if (hit && Date.now() - hit.at < this.keyCacheTtlMs) return hit.row;
    const row = await this.get(token);
    if (row) this.keyCache.set(token, { row, at: Date.now() });
    return row;
  }

  async findByAlias(alias) {
    const res = await this.query('SELECT * FROM "LiteLLM_VerificationToken" WHERE key_alias = $1 LIMIT 1', [alias]);
    return res.rows[0] ? fromDbRow(res.rows[0]) : null;
  }

  async list({ filters, sortBy, sortOrder, page, size, deleted }) {
    const table = deleted ? '"LiteLLM_DeletedVerificationToken"' : '"LiteLLM_VerificationToken"';
    const params = [];
    const where = Object.entries(filters).map(([col, v]) => {
      params.push(v);
      return `"${col}" = $${params.length}`;
    });
    const whereSql = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const count = await this.query(`SELECT count(*)::int AS n FROM ${table} ${whereSql}`, params);
    const order = `"${sortBy}" ${sortOrder === 'asc' ? 'ASC' : 'DESC'} NULLS LAST, token DESC`;
    const res = await this.query(
      `SELECT * FROM ${table} ${whereSql} ORDER BY ${order} LIMIT ${size} OFFSET ${(page - 1) * size}`,
      params,
    );
    return { total: count.rows[0].n, rows: res.rows.map(fromDbRow) };
  }

  async update(token, changes) {
    const cols = Object.keys(changes);
    if (!cols.length) return this.get(token);
    const params = cols.map((c) => toDbValue(c, changes[c]));
    params.push(token);
    const res = await this.query(
      `UPDATE "LiteLLM_VerificationToken" SET ${cols.map((c, i) => `"${c}" = $${i + 1}`).join(', ')}
       WHERE token = $${params.length} RETURNING *`,
      params,
    );
    return res.rows[0] ? fromDbRow(res.rows[0]) : null;
  }

  async replaceToken(oldToken, newRow) {
    await this.query('DELETE FROM "LiteLLM_VerificationToken" WHERE token = $1', [oldToken]);
    return this.insert(newRow);
  }

  async delete(tokens, deletedBy) {
    if (!tokens.length) return [];
    const res = await this.query('DELETE FROM "LiteLLM_VerificationToken" WHERE token = ANY($1) RETURNING *', [tokens]);
    for (const row of res.rows) {
      const cols = KEY_COLUMNS.filter((c) => c in row);
      const params = cols.map((c) => toDbValue(c, fromDbRow(row)[c]));
      params.push(deletedBy);
      await this.query(
        `INSERT INTO "LiteLLM_DeletedVerificationToken" (${cols.map((c) => `"${c}"`).join(', ')}, deleted_by)
         VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}, $${params.length})`,
        params,
      );
    }
    return res.rows.map(fromDbRow);
  }

  async addSpend(token, amount) {
    await this.query('UPDATE "LiteLLM_VerificationToken" SET spend = spend + $1 WHERE token = $2', [amount, token]);
  }

  async close() {
    await this.pool?.end().catch(() => {});
  }
}

// Column names follow schema.prisma's LiteLLM_VerificationToken; timestamps use timestamptz so the
// values do not depend on the server's time zone (Prisma's DateTime maps to timestamp(3)).
const TOKEN_COLUMNS_SQL = `
  token text NOT NULL,
  key_name text,
  key_alias text,
  soft_budget_cooldown boolean NOT NULL DEFAULT false,
  spend double precision NOT NULL DEFAULT 0,
  expires timestamptz(3),
  models text[] NOT NULL DEFAULT '{}',
  aliases jsonb NOT NULL DEFAULT '{}',
  config jsonb NOT NULL DEFAULT '{}',
  user_id text,
  team_id text,
  permissions jsonb NOT NULL DEFAULT '{}',
  max_parallel_requests integer,
  metadata jsonb NOT NULL DEFAULT '{}',
  blocked boolean,
  tpm_limit bigint,
  rpm_limit bigint,
  max_budget double precision,
  budget_duration text,
  budget_reset_at timestamptz(3),
  allowed_cache_controls text[] DEFAULT '{}',
  allowed_routes text[] DEFAULT '{}',
  model_spend jsonb NOT NULL DEFAULT '{}',
  model_max_budget jsonb NOT NULL DEFAULT '{}',
  budget_id text,
  organization_id text,
  object_permission_id text,
  created_at timestamptz(3) DEFAULT CURRENT_TIMESTAMP,
  created_by text,
  updated_at timestamptz(3) DEFAULT CURRENT_TIMESTAMP,
  updated_by text`;
const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS "LiteLLM_VerificationToken" (${TOKEN_COLUMNS_SQL},
  CONSTRAINT "LiteLLM_VerificationToken_pkey" PRIMARY KEY (token));
CREATE TABLE IF NOT EXISTS "LiteLLM_DeletedVerificationToken" (
  id text NOT NULL DEFAULT gen_random_uuid()::text,${TOKEN_COLUMNS_SQL},
  deleted_at timestamptz(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  deleted_by text,
  CONSTRAINT "LiteLLM_DeletedVerificationToken_pkey" PRIMARY KEY (id));
`;

function toDbValue(col, value) {
  if (JSON_COLUMNS.includes(col)) return JSON.stringify(value ?? {});
  return value === undefined ? null : value;
}

function fromDbRow(dbRow) {
  const row = blankRow();
  for (const col of KEY_COLUMNS) {
    if (!(col in dbRow)) continue;
    let v = dbRow[col];
    if ((col === 'tpm_limit' || col === 'rpm_limit') && v !== null) v = Number(v); // bigint arrives as text
    if (ARRAY_COLUMNS.includes(col) && v === null) v = [];
    row[col] = v;
  }
  return row;
}

function isConnectionError(err) {
  return /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH|timeout|terminat|Connection/i.test(
    `${err.code ?? ''} ${err.message ?? ''}`,
  );
}

function createStore(options, log) {
  if (options.store === 'postgres') {
    if (!options.databaseUrl) throw new Error("store 'postgres' needs databaseUrl");
    return new PostgresStore(options.databaseUrl, log, { keyCacheTtlMs: options.keyCacheTtlMs });
  }
  if (options.store === 'none') return new NoStore();
  return new MemoryStore();
}

// ---------------------------------------------------------------------------------------------
// Models and config.yaml
// ---------------------------------------------------------------------------------------------

/** Resolve every "os.environ/NAME" string in a parsed config (get_secret). */
function resolveEnvRefs(value, env) {
  if (typeof value === 'string' && value.startsWith('os.environ/')) return env[value.slice('os.environ/'.length)] ?? null;
  if (Array.isArray(value)) return value.map((v) => resolveEnvRefs(v, env));
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveEnvRefs(v, env)]));
  return value;
}

/**
 * Read a LiteLLM config.yaml. `environment_variables` are applied to env first, as the proxy does.
 * @returns {Promise<{model_list: object[], general_settings: object, litellm_settings: object, router_settings: object}>}
 */
export async function loadLiteLLMConfig(configPath, env = process.env) {
  const { default: YAML } = await import('yaml');
  const parsed = YAML.parse(fs.readFileSync(configPath, 'utf8')) ?? {};
  if (!isPlainObject(parsed)) throw new Error(`${configPath}: the top level must be a mapping`);
  for (const [k, v] of Object.entries(parsed.environment_variables ?? {})) env[k] = String(v);
  const resolved = resolveEnvRefs(parsed, env);
  return {
    model_list: Array.isArray(resolved.model_list) ? resolved.model_list : [],
    general_settings: resolved.general_settings ?? {},
    litellm_settings: resolved.litellm_settings ?? {},
    router_settings: resolved.router_settings ?? {},
  };
}

/** Give every deployment a stable model_info.id, as the router does. */
function normaliseModels(models) {
  return (models ?? []).map((m) => {
    const litellm_params = { ...(m.litellm_params ?? {}) };
    const id = m.model_info?.id ?? hashToken(JSON.stringify({ model_name: m.model_name, litellm_params })).slice(0, 64);
    return { model_name: String(m.model_name), litellm_params, model_info: { ...(m.model_info ?? {}), id } };
  });
}

const SENSITIVE_PARAM = /(^|_)(api_key|secret|secret_access_key|access_key_id|session_token|credentials|password|token)$/i;

/** remove_sensitive_info_from_deployment(): api_key and friends go, api_base stays (known leak). */
function publicParams(params) {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !SENSITIVE_PARAM.test(k)));
}

function providerOf(params) {
  const model = String(params.model ?? '');
  return model.includes('/') ? model.split('/')[0] : 'openai';
}

function modelMatches(modelName, requested) {
  if (modelName === requested) return true;
  if (!modelName.includes('*')) return false;
  const re = new RegExp('^' + modelName.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
  return re.test(requested);
}

// ---------------------------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} StandinOptions
 * @property {number} [port] 0 (default) picks a free port
 * @property {string} [host] default 127.0.0.1
 * @property {string|null} [masterKey] null = no-auth mode (every request accepted)
 * @property {'memory'|'postgres'|'none'} [store] default 'memory'
 * @property {string} [databaseUrl] for store 'postgres'
 * @property {Array<{model_name:string, litellm_params:object, model_info?:object}>} [models]
 * @property {string} [configPath] a LiteLLM config.yaml (model_list, general_settings)
 * @property {number} [bootDelayMs] time before the port listens at all (simulated migrations)
 * @property {'legacy'|'modern'|'db'} [readinessVariant] default 'db'
 * @property {'old'|'new'} [errorVariant] invalid-model 400 message style, default 'new'
 * @property {boolean} [premium] enable enterprise features (/key/regenerate, tags, model_max_budget)
 * @property {number} [streamIntervalMs] delay between streamed chunks, default 100
 * @property {boolean} [recordRequests] keep every request in `requests` (default true); off for load benchmarks
 * @property {number} [keyCacheTtlMs] store 'postgres': cache key rows for auth this long (default 0 = every request reads the DB)
 * @property {string} [version] reported litellm version
 * @property {'never-ready'|null} [fault] 'never-ready': listen but never answer any request
 * @property {number} [dbWaitMs] how long to wait for PostgreSQL at boot (default 60000)
 * @property {string} [uiUsername] default "admin"
 * @property {string} [uiPassword] default the master key
 * @property {boolean} [storeModelInDb]
 * @property {(line: string, stream?: 'stdout'|'stderr') => void} [log] default: silent
 */

/**
 * Start the stand-in. With bootDelayMs > 0 it resolves at once (port reserved, not yet listening;
 * await `ready` for the listener); otherwise it resolves once the port listens.
 * @param {StandinOptions} [input]
 */
export async function startLiteLLMStandin(input = {}) {
  const options = {
    port: 0,
    host: '127.0.0.1',
    masterKey: null,
    store: 'memory',
    models: undefined,
    bootDelayMs: 0,
    readinessVariant: 'db',
    errorVariant: 'new',
    premium: false,
    streamIntervalMs: 100,
    recordRequests: true,
    keyCacheTtlMs: 0,
    version: DEFAULT_VERSION,
    fault: null,
    dbWaitMs: 60_000,
    uiUsername: 'admin',
    storeModelInDb: false,
    schemaUpdate: true,
    generalSettings: {},
    ...input,
  };
  const log = options.log ?? (() => {});
  let models = options.models;
  if (options.configPath) {
    const config = await loadLiteLLMConfig(options.configPath);
    models = models ?? config.model_list;
    options.generalSettings = { ...config.general_settings, ...options.generalSettings };
    if (input.masterKey === undefined && config.general_settings.master_key) options.masterKey = config.general_settings.master_key;
  }
  if (options.masterKey === '') options.masterKey = null;
  options.models = normaliseModels(models ?? []);
  if (options.uiPassword === undefined) options.uiPassword = options.masterKey;

  const store = createStore(options, log);
  const state = { options, store, log, models: options.models, closed: false, draining: false, timers: new Set() };
  /** Requests in progress per socket: a draining server closes a socket once it is idle. */
  const busy = new Map();
  const server = http.createServer((req, res) => {
    busy.set(req.socket, (busy.get(req.socket) ?? 0) + 1);
    if (state.draining) res.setHeader('connection', 'close');
    res.on('close', () => {
      const left = (busy.get(req.socket) ?? 1) - 1;
      busy.set(req.socket, left);
      if (left === 0 && state.draining) req.socket.end();
      if (state.draining) state.onIdle?.();
    });
    handleRequest(state, req, res);
  });
  server.keepAliveTimeout = 5000;
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      busy.delete(socket);
    });
  });
  const inFlight = () => [...busy.values()].reduce((a, b) => a + b, 0);

  const abort = new AbortController();
  const port = options.port || (options.bootDelayMs > 0 ? await reserveFreePort(options.host) : 0);
  const ready = (async () => {
    // Migrations (DB wait + schema) and the simulated boot time run side by side, like Prisma's.
    await Promise.all([
      store.prepare({ waitMs: options.dbWaitMs, signal: abort.signal, schemaUpdate: options.schemaUpdate }),
      sleep(options.bootDelayMs, abort.signal),
    ]);
    if (state.closed) throw new Error('closed during boot');
    await listen(server, port, options.host);
  })();

  const handle = {
    get port() { return server.address()?.port ?? port; },
    get url() { return `http://${urlHost(options.host)}:${handle.port}`; },
    ready,
    store,
    requests: store.requests,
    options,
    /**
     * Graceful shutdown as uvicorn does it on SIGTERM: stop accepting connections, let the requests
     * in progress finish (their answers carry `Connection: close`), close idle keep-alive connections,
     * and answer 503 {"status":"shutting_down"} on liveliness meanwhile. Resolves when nothing is in
     * flight any more, or after `timeoutMs` (GRACEFUL_SHUTDOWN_TIMEOUT).
     */
    async drain(timeoutMs = 30_000) {
      if (state.draining || state.closed) return;
      state.draining = true;
      if (server.listening) server.close();
      for (const s of sockets) if (!busy.get(s)) s.end();
      if (inFlight() === 0) return;
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        state.onIdle = () => {
          if (inFlight() === 0) {
            clearTimeout(timer);
            resolve();
          }
        };
      });
    },
    /** Simulate the database going away (or coming back). */
    setDbUp(up) {
      store.forcedDown = !up;
      if (store.readiness) store.readiness.at = 0;
    },
    async close() {
      if (state.closed) return;
      state.closed = true;
      abort.abort();
      for (const t of state.timers) clearTimeout(t);
      await new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      await ready.catch(() => {});
      await store.close();
    },
  };
  if (options.bootDelayMs > 0) {
    ready.catch(() => {}); // the caller observes failures through `ready`
  } else {
    try {
      await ready;
    } catch (err) {
      await handle.close();
      throw err;
    }
  }
  return handle;
}

function urlHost(host) {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function reserveFreePort(host) {
  const probe = http.createServer();
  await listen(probe, 0, host);
  const { port } = probe.address();
  await new Promise((r) => probe.close(r));
  return port;
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (!ms || signal?.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
}

function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error('timeout')), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// Request handling: body → route → auth → handler → JSON (or SSE), with one log line per request
// ---------------------------------------------------------------------------------------------

const AUTH_HEADERS = ['authorization', 'x-litellm-api-key', 'api-key', 'x-api-key', 'x-goog-api-key', 'ocp-apim-subscription-key', 'cookie'];

async function handleRequest(state, req, res) {
  const { options, store } = state;
  const url = new URL(req.url ?? '/', 'http://standin');
  const record = {
    method: req.method,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: redactHeaders(req.headers),
    body: undefined,
    status: 0,
    auth: null,
    at: new Date(),
  };
  // Off under load (bench/data-path.mjs): the log would grow by millions of entries nobody reads.
  if (options.recordRequests) store.requests.push(record);
  res.on('finish', () => {
    record.status = res.statusCode;
    const peer = `${req.socket.remoteAddress ?? '-'}:${req.socket.remotePort ?? '-'}`;
    // uvicorn's access-log format, minus anything that can carry a key: the query string
    // (/key/info?key=) is dropped and sk- path segments (/key/{key}/regenerate) are abbreviated.
    const safePath = url.pathname.replace(/\/sk-[^/]*/g, (seg) => `/${abbreviate(seg.slice(1))}`);
    state.log(`INFO:     ${peer} - "${req.method} ${safePath} HTTP/${req.httpVersion}" ${res.statusCode} ${http.STATUS_CODES[res.statusCode] ?? ''}`);
  });
  if (options.fault === 'never-ready') return; // hold the connection forever: a wedged proxy

  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    // CORSMiddleware(allow_origins=["*"]) answers preflights before any route runs.
    res.writeHead(200, corsHeaders(req));
    return res.end();
  }
  try {
    const raw = await readBody(req);
    const route = matchRoute(req.method ?? 'GET', url.pathname);
    if (route.status) throw new DetailError(route.status, route.status === 404 ? 'Not Found' : 'Method Not Allowed');
    const ctx = { state, req, res, url, query: url.searchParams, params: route.params, route: route.def, record, raw };
    ctx.body = parseBody(route.def, raw); // FastAPI reads the JSON before running dependencies
    record.body = ctx.body;
    if (route.def.access !== 'public') ctx.auth = await authenticate(ctx);
    record.auth = ctx.auth ? { role: ctx.auth.role, token: ctx.auth.token, via: ctx.auth.via } : null;
    const result = await route.def.handler(ctx);
    if (!res.headersSent && result !== undefined) sendJson(res, 200, result);
  } catch (err) {
    sendError(state, res, err);
  }
}

function corsHeaders(req) {
  return {
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-allow-methods': 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
    'access-control-allow-credentials': 'true',
    'access-control-max-age': '600',
    vary: 'Origin',
  };
}

function redactHeaders(headers) {
  const out = {};
  for (const [k, v] of Object.entries(headers)) out[k] = AUTH_HEADERS.includes(k) ? '[redacted]' : v;
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 20 * 1024 * 1024) {
        reject(new DetailError(413, 'Request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Body parsing as FastAPI does it for pydantic-bodied routes; LLM routes read leniently. */
function parseBody(def, raw) {
  if (!raw.trim()) return undefined;
  if (def.body === 'form') return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch (err) {
    if (def.body !== 'model') return {}; // _read_request_body() swallows bad JSON on LLM routes
    const pos = Number(/position (\d+)/.exec(String(err.message))?.[1] ?? 0);
    throw new ValidationError([{ type: 'json_invalid', loc: ['body', pos], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }]);
  }
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    server: 'uvicorn',
    ...headers,
  });
  res.end(text);
}

function sendError(state, res, err) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof ProxyError) return sendJson(res, err.status, err.toBody());
  if (err instanceof ValidationError) return sendJson(res, 422, { detail: err.details });
  if (err instanceof DetailError) return sendJson(res, err.status, { detail: err.detail });
  state.log(`ERROR:    ${err?.stack ?? err}`, 'stderr');
  const wrapped = ProxyError.internal(err?.status ?? 500, String(err?.message ?? err));
  return sendJson(res, wrapped.status, wrapped.toBody());
}

// ---------------------------------------------------------------------------------------------
// Authentication (contract §2 and §12.2)
// ---------------------------------------------------------------------------------------------

/** get_api_key(): the LiteLLM header wins, then the Azure/Anthropic/Google/APIM headers, then Authorization. */
function extractApiKey(headers) {
  const plain = [
    ['x-litellm-api-key', true],
    ['api-key', false],
    ['x-api-key', false],
    ['x-goog-api-key', false],
    ['ocp-apim-subscription-key', false],
  ];
  for (const [name, stripBearer] of plain) {
    const value = headers[name];
    if (typeof value === 'string') {
      return { via: name, key: stripBearer ? value.replace(/^Bearer\s+/i, '').trim() : value.trim() };
    }
  }
  const auth = headers.authorization;
  if (typeof auth !== 'string' || auth.trim() === '') return { via: null, key: '' };
  for (const prefix of ['Bearer ', 'bearer ', 'Basic ']) {
    if (auth.startsWith(prefix)) return { via: 'authorization', key: auth.slice(prefix.length).trim() };
  }
  if (auth.startsWith('AWS4-HMAC-SHA256')) {
    // SigV4 clients smuggle the key into the credential scope: "Credential=Bearer sk-…/2024…/…"
    const credential = /Credential=([^,]+)/.exec(auth)?.[1] ?? '';
    const key = credential.split('/')[0].replace(/^Bearer\s+/i, '').trim();
    return { via: 'authorization', key };
  }
  return { via: 'authorization', key: '', malformed: true };
}

/**
 * Run the auth dependency for a route. Returns {role, userId, token, row, apiKey, via}.
 * @returns {Promise<{role: string, userId: string|null, token: string|null, row: object|null, apiKey: string|null, via: string|null}>}
 */
async function authenticate(ctx) {
  const { options, store } = ctx.state;
  const { via, key, malformed } = extractApiKey(ctx.req.headers);

  // No master key configured: every request is accepted. (LiteLLM labels it INTERNAL_USER, but its
  // route checks then let it manage keys, so it behaves as an admin for everything the stand-in has.)
  if (options.masterKey === null) return { role: 'proxy_admin', userId: ADMIN_USER_ID, token: null, row: null, apiKey: key || null, via };

  if (malformed) throw ProxyError.auth(MSG.malformed);
  if (!key) throw ProxyError.auth(MSG.noApiKey);

  if (safeEqual(key, options.masterKey)) {
    return { role: 'proxy_admin', userId: ADMIN_USER_ID, token: hashToken(key), row: null, apiKey: key, via };
  }
  if (!store.configured) throw new ProxyError(400, MSG.noConnectedDb, 'no_db_connection', null);
  if (!key.startsWith('sk-')) {
    throw ProxyError.auth(`LiteLLM Virtual Key expected. Received=${maskKey(key)}, expected to start with 'sk-'.`);
  }

  const token = hashToken(key);
  let row;
  try {
    row = await (store.getForAuth ? store.getForAuth(token) : store.get(token));
  } catch (err) {
    throw ProxyError.auth(err.message);
  }
  if (!row) {
    throw ProxyError.auth(
      `Invalid proxy server token passed. Received API Key = ${abbreviate(key)}, Key Hash (Token) =${token}. Unable to find token in cache or \`LiteLLM_VerificationTokenTable\``,
      401,
      'token_not_found_in_db',
      'key',
    );
  }
  if (row.blocked === true) throw ProxyError.auth(MSG.blocked);
  if (row.expires && row.expires.getTime() < Date.now()) {
    throw new ProxyError(
      401,
      `Authentication Error - Expired Key. Key Expiry time ${isoPython(row.expires)} and current time ${isoPython(new Date())}`,
      'expired_key',
      'None',
    );
  }
  const auth = { role: 'internal_user', userId: row.user_id, token, row, apiKey: key, via };
  checkRouteAllowed(ctx, auth);
  if (LLM_ROUTES.has(ctx.route.path)) checkModelAndBudget(ctx, auth);
  return auth;
}

/**
 * RouteChecks for non-admin keys. `should_call_route` (allowed_routes / key_type, "applies to all
 * roles") runs first; then the admin-only routes. A refused allowed_routes check is a bare FastAPI
 * 403 `{"detail": "Virtual key is not allowed to call this route. ..."}` (contract §13).
 */
function checkRouteAllowed(ctx, auth) {
  const route = ctx.route.path;
  const allowed = auth.row.allowed_routes ?? [];
  if (allowed.length) {
    const ok = allowed.some((entry) => {
      if (entry === 'llm_api_routes' || entry === 'openai_routes') return LLM_ROUTES.has(route) || MODEL_LIST_ROUTES.has(route);
      if (entry === 'info_routes') return INFO_ROUTES.has(route);
      if (entry === 'management_routes') return route.startsWith('/key/') || route.startsWith('/user/') || route.startsWith('/team/');
      if (entry.endsWith('*')) return ctx.url.pathname.startsWith(entry.slice(0, -1));
      return ctx.url.pathname === entry || ctx.url.pathname.startsWith(`${entry}/`);
    });
    if (!ok) {
      throw new DetailError(
        403,
        `Virtual key is not allowed to call this route. Only allowed to call routes: ${pyRepr(allowed)}. Tried to call route: ${ctx.url.pathname}`,
      );
    }
  }
  if (ctx.route.access === 'admin') {
    throw ProxyError.auth(
      `Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=${ctx.url.pathname}. Your role=${auth.role}. Your user_id=${maskUserId(auth.userId)}`,
    );
  }
}

function maskUserId(userId) {
  if (!userId) return 'None';
  return userId.length > 8 ? `${userId.slice(0, 6)}****${userId.slice(-2)}` : userId;
}

/** can_key_call_model() and the key budget check, both part of auth on LLM routes. */
function checkModelAndBudget(ctx, auth) {
  const requested = isPlainObject(ctx.body) ? ctx.body.model : undefined;
  const allowedModels = auth.row.models ?? [];
  if (typeof requested === 'string' && !keyAllowsModel(allowedModels, requested)) {
    throw new ProxyError(
      401,
      `key not allowed to access model. This key can only access models=${pyRepr(allowedModels)}. Tried to access ${requested}`,
      'key_model_access_denied',
      'model',
    );
  }
  const { spend, max_budget: maxBudget } = auth.row;
  if (maxBudget !== null && maxBudget !== undefined && spend >= maxBudget) {
    throw new ProxyError(400, `Budget has been exceeded! Current cost: ${pyFloat(spend)}, Max budget: ${pyFloat(maxBudget)}`, 'budget_exceeded', null);
  }
}

function keyAllowsModel(allowed, model) {
  if (!allowed.length || allowed.includes('all-proxy-models')) return true;
  return allowed.some((m) => modelMatches(m, model));
}

function requireDb(store, makeError) {
  if (!store.configured) throw makeError();
}

// ---------------------------------------------------------------------------------------------
// Handlers: health
// ---------------------------------------------------------------------------------------------

function alive(ctx) {
  // LiteLLM answers 503 while draining, so a load balancer stops sending new work.
  if (ctx.state.draining) return sendJson(ctx.res, 503, { status: 'shutting_down' });
  return "I'm alive!";
}

async function dbStatus(store) {
  if (!store.configured) return 'Not connected';
  return (await store.ping()) ? 'connected' : 'disconnected';
}

function legacyReadiness(state, db) {
  return {
    status: 'healthy',
    db,
    cache: null,
    litellm_version: state.options.version,
    success_callbacks: [],
    use_aiohttp_transport: true,
    log_level: 'WARNING',
    is_detailed_debug: false,
  };
}

async function readiness(ctx) {
  const { state, res } = ctx;
  const db = await dbStatus(state.store);
  const variant = state.options.readinessVariant;
  if (variant === 'legacy') return legacyReadiness(state, db); // legacy: always 200
  const publicDetails = state.options.generalSettings?.allow_public_health_readiness_details === true;
  const body = publicDetails ? legacyReadiness(state, db) : variant === 'modern' ? { status: 'healthy' } : { status: 'healthy', db };
  // Newer versions keep the body and only set the status code (_set_public_readiness_status).
  if (db === 'disconnected') return sendJson(res, 503, body);
  return body;
}

async function readinessDetails(ctx) {
  return legacyReadiness(ctx.state, await dbStatus(ctx.state.store));
}

/** GET /health: one (mock) completion per deployment. */
async function healthCheck(ctx) {
  const { state, query } = ctx;
  if (!state.models.length) throw new DetailError(500, { error: 'Model list not initialized' });
  const wanted = query.get('model');
  const wantedId = query.get('model_id');
  const healthy = [];
  const unhealthy = [];
  for (const m of state.models) {
    if (wanted && m.model_name !== wanted) continue;
    if (wantedId && m.model_info.id !== wantedId) continue;
    const entry = { ...publicParams(m.litellm_params), model_id: m.model_info.id };
    if (m.litellm_params.mock_response !== undefined) healthy.push(entry);
    else unhealthy.push({ ...entry, error: providerConnectionError(m).message });
  }
  const body = { healthy_endpoints: healthy, unhealthy_endpoints: unhealthy, healthy_count: healthy.length, unhealthy_count: unhealthy.length };
  if (wanted && !healthy.length) return sendJson(ctx.res, 503, body);
  return body;
}

// ---------------------------------------------------------------------------------------------
// Handlers: models
// ---------------------------------------------------------------------------------------------

function visibleModels(state, auth) {
  const allowed = auth?.row?.models ?? [];
  return state.models.filter((m) => keyAllowsModel(allowed, m.model_name));
}

function modelListEntry(name) {
  return { id: name, object: 'model', created: MODEL_CREATED_AT, owned_by: 'openai' };
}

function listModels(ctx) {
  const scope = ctx.query.get('scope');
  if (scope !== null && scope !== 'expand') {
    throw new DetailError(400, "Invalid scope parameter. Only 'expand' is currently supported.");
  }
  const names = [...new Set(visibleModels(ctx.state, ctx.auth).map((m) => m.model_name))];
  return { data: names.map(modelListEntry), object: 'list' };
}

function getModel(ctx) {
  const id = decodeURIComponent(ctx.params.model_id);
  const found = visibleModels(ctx.state, ctx.auth).find((m) => m.model_name === id);
  if (!found) throw new ProxyError(404, `The model \`${id}\` does not exist or is not accessible with this key.`, 'not_found_error', 'model');
  return modelListEntry(found.model_name);
}

function modelInfo(ctx) {
  const wantedId = ctx.query.get('litellm_model_id');
  const wantedName = ctx.query.get('model');
  const data = visibleModels(ctx.state, ctx.auth)
    .filter((m) => (!wantedId || m.model_info.id === wantedId) && (!wantedName || m.model_name === wantedName))
    .map((m) => ({
      model_name: m.model_name,
      litellm_params: publicParams(m.litellm_params),
      model_info: {
        db_model: false,
        key: String(m.litellm_params.model ?? m.model_name).split('/').pop(),
        mode: 'chat',
        litellm_provider: providerOf(m.litellm_params),
        max_tokens: null,
        input_cost_per_token: costPerToken(m, 'input'),
        output_cost_per_token: costPerToken(m, 'output'),
        supports_function_calling: false,
        ...m.model_info,
      },
    }));
  return { data };
}

function costPerToken(model, direction) {
  const name = `${direction}_cost_per_token`;
  return Number(model.litellm_params[name] ?? model.model_info[name] ?? (direction === 'input' ? 1e-6 : 2e-6));
}

// ---------------------------------------------------------------------------------------------
// Handlers: keys
// ---------------------------------------------------------------------------------------------

async function assertAliasFree(store, alias, ownToken = null) {
  if (alias === null || alias === undefined) return;
  const existing = await store.findByAlias(alias);
  if (existing && existing.token !== ownToken) {
    throw new ProxyError(400, `Key with alias '${alias}' already exists. Unique key aliases across all keys are required.`, 'bad_request_error', 'key_alias');
  }
}

/** Enterprise-only fields on an OSS proxy (contract §4.1 table). */
function assertPremiumFields(state, body) {
  if (state.options.premium) return;
  if (Array.isArray(body.tags) && body.tags.length) {
    throw ProxyError.internal(500, `Only premium users can add tags to keys. ${MSG.notPremium}`);
  }
  if (isPlainObject(body.model_max_budget) && Object.keys(body.model_max_budget).length) {
    throw ProxyError.internal(500, `Invalid model_max_budget: You must have an enterprise license to set model_max_budget. ${MSG.notPremium}`);
  }
}

function assertBudgetsNonNegative(body) {
  for (const field of ['max_budget', 'soft_budget']) {
    if (typeof body[field] === 'number' && body[field] < 0) {
      throw ProxyError.detailDict(400, `${field} cannot be negative. Received: ${pyFloat(body[field])}`);
    }
  }
}

const KEY_TYPE_ROUTES = { llm_api: ['llm_api_routes'], management: ['management_routes'], read_only: ['info_routes'] };

/** Build a new key row from a validated GenerateKeyRequest. */
function newKeyRow(body, rawKey, auth, now) {
  const row = blankRow();
  const metadata = { ...(body.metadata ?? {}) };
  if (body.tags) metadata.tags = body.tags; // LiteLLM keeps key tags in metadata
  Object.assign(row, {
    token: hashToken(rawKey),
    key_name: process.env.DISABLE_KEY_NAME === 'True' ? null : abbreviate(rawKey),
    key_alias: body.key_alias ?? null,
    spend: body.spend ?? 0,
    expires: body.duration ? addDuration(now, body.duration) : null,
    models: body.models ?? [],
    aliases: body.aliases ?? {},
    config: body.config ?? {},
    user_id: body.user_id ?? null,
    team_id: body.team_id ?? null,
    permissions: body.permissions ?? {},
    max_parallel_requests: body.max_parallel_requests ?? null,
    metadata,
    blocked: body.blocked ?? null,
    tpm_limit: body.tpm_limit ?? null,
    rpm_limit: body.rpm_limit ?? null,
    max_budget: body.max_budget ?? null,
    budget_duration: body.budget_duration ?? null,
    budget_reset_at: body.budget_duration ? addDuration(now, body.budget_duration) : null,
    allowed_cache_controls: body.allowed_cache_controls ?? [],
    allowed_routes: body.allowed_routes?.length ? body.allowed_routes : KEY_TYPE_ROUTES[body.key_type] ?? [],
    model_max_budget: body.model_max_budget ?? {},
    budget_id: body.budget_id ?? null,
    organization_id: body.organization_id ?? null,
    created_at: now,
    created_by: auth.userId,
    updated_at: now,
    updated_by: auth.userId,
  });
  return row;
}

/** GenerateKeyResponse: every request field, the raw key (only ever shown here) and the hash. */
function generateKeyResponse(row, body, rawKey) {
  const pick = (name, def = null) => (body[name] === undefined ? def : body[name]);
  return {
    key_alias: row.key_alias, duration: null, models: row.models, spend: row.spend, max_budget: row.max_budget,
    user_id: row.user_id, team_id: row.team_id, agent_id: pick('agent_id'), max_parallel_requests: row.max_parallel_requests,
    metadata: row.metadata, tpm_limit: row.tpm_limit, rpm_limit: row.rpm_limit, budget_duration: row.budget_duration,
    allowed_cache_controls: row.allowed_cache_controls, config: row.config, permissions: row.permissions,
    model_max_budget: row.model_max_budget, model_rpm_limit: pick('model_rpm_limit'), model_tpm_limit: pick('model_tpm_limit'),
    guardrails: pick('guardrails'), policies: pick('policies'), prompts: pick('prompts'), blocked: row.blocked,
    aliases: row.aliases, object_permission: pick('object_permission'), key: rawKey, budget_id: row.budget_id,
    tags: pick('tags'), enforced_params: pick('enforced_params'), allowed_routes: row.allowed_routes,
    allowed_passthrough_routes: pick('allowed_passthrough_routes'), allowed_vector_store_indexes: pick('allowed_vector_store_indexes'),
    rpm_limit_type: pick('rpm_limit_type'), tpm_limit_type: pick('tpm_limit_type'), router_settings: pick('router_settings', {}),
    access_group_ids: pick('access_group_ids', []), key_name: row.key_name, expires: isoPydantic(row.expires),
    token_id: row.token, organization_id: row.organization_id, project_id: pick('project_id'), litellm_budget_table: null,
    token: row.token, created_by: row.created_by, updated_by: row.updated_by,
    created_at: isoPydantic(row.created_at), updated_at: isoPydantic(row.updated_at),
  };
}

async function generateKey(ctx) {
  const { state, auth } = ctx;
  const body = validateBody(ctx.body, GENERATE_KEY_FIELDS);
  if (ctx.body?.max_budget === '') body.max_budget = null; // GenerateRequestBase coerces "" to None
  requireDb(state.store, () => ProxyError.detailDict(500, MSG.dbNotConnected));
  return wrapKeyErrors(async () => {
    assertBudgetsNonNegative(body);
    if (body.key !== undefined && body.key !== null && !body.key.startsWith('sk-')) {
      throw ProxyError.detailDict(400, `Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: ${maskKey(body.key)}`);
    }
    assertPremiumFields(state, body);
    await assertAliasFree(state.store, body.key_alias);
    const rawKey = body.key ?? newRawKey();
    const row = await state.store.insert(newKeyRow(body, rawKey, auth, new Date()));
    return generateKeyResponse(row, body, rawKey);
  });
}

/** handle_exception_on_proxy(): non-proxy errors become 500 internal_server_error with str(e). */
async function wrapKeyErrors(fn) {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ProxyError || err instanceof ValidationError || err instanceof DetailError) throw err;
    throw ProxyError.internal(500, err.message);
  }
}

/** The `info` object of /key/info: the row without its token, plus a few computed fields. */
function keyInfoView(row) {
  const { token: _token, ...rest } = rowToJson(row);
  return { ...rest, litellm_budget_table: null };
}

function canSeeKey(auth, row) {
  if (auth.role === 'proxy_admin') return true;
  if (row.token === auth.token) return true;
  return Boolean(auth.userId) && row.user_id === auth.userId;
}

async function keyInfo(ctx) {
  const { state, auth } = ctx;
  requireDb(state.store, () => ProxyError.internal(500, MSG.keyInfoNoDb));
  const asked = ctx.query.get('key') ?? auth.apiKey ?? '';
  return wrapKeyErrors(async () => {
    const row = await state.store.get(tokenFor(asked));
    if (!row) throw new ProxyError(404, 'Key not found in database', 'not_found_error', 'key');
    if (!canSeeKey(auth, row)) {
      throw ProxyError.detailDict(403, `You are not allowed to access this key's info. Your role=${auth.role}`);
    }
    return { key: asked, info: keyInfoView(row) };
  });
}

async function keyInfoV2(ctx) {
  const { state, auth } = ctx;
  requireDb(state.store, () => ProxyError.internal(500, MSG.keyInfoNoDb));
  const body = validateBody(ctx.body, { keys: 'list[str]' }, ['keys']);
  return wrapKeyErrors(async () => {
    const infos = [];
    for (const k of body.keys) {
      const row = await state.store.get(tokenFor(k));
      if (row && canSeeKey(auth, row)) infos.push({ ...rowToJson(row) });
    }
    if (!infos.length) throw new ProxyError(404, 'Key not found in database', 'not_found_error', 'key');
    return { key: body.keys, info: infos };
  });
}

const SORTABLE = ['spend', 'max_budget', 'created_at', 'updated_at', 'token', 'key_alias'];

async function listKeys(ctx) {
  const { state, auth, query } = ctx;
  const page = queryInt(query, 'page', { def: 1, ge: 1 });
  const size = queryInt(query, 'size', { def: 10, ge: 1, le: 100 });
  const returnFull = queryBool(query, 'return_full_object', false);
  requireDb(state.store, () => ProxyError.internal(500, 'Authentication Error, Database not connected'));
  const sortBy = query.get('sort_by') ?? 'created_at';
  const sortOrder = (query.get('sort_order') ?? 'desc').toLowerCase();
  if (!SORTABLE.includes(sortBy)) {
    throw ProxyError.detailDict(400, `Invalid sort_by. Must be one of ${pyRepr(SORTABLE)}`);
  }
  if (!['asc', 'desc'].includes(sortOrder)) throw ProxyError.detailDict(400, "Invalid sort_order. Must be 'asc' or 'desc'");
  const status = query.get('status');
  if (status !== null && status !== 'deleted') throw ProxyError.detailDict(400, "Invalid status value. Currently only 'deleted' is supported.");

  const filters = {};
  for (const [param, col] of [['user_id', 'user_id'], ['team_id', 'team_id'], ['organization_id', 'organization_id'], ['key_alias', 'key_alias'], ['key_hash', 'token']]) {
    const v = query.get(param);
    if (v !== null && v !== '') filters[col] = param === 'key_hash' ? tokenFor(v) : v;
  }
  // Non-admins only see keys that belong to their own user.
  if (auth.role !== 'proxy_admin') {
    if (!auth.userId) return { keys: [], total_count: 0, current_page: page, total_pages: 0 };
    filters.user_id = auth.userId;
  }
  return wrapKeyErrors(async () => {
    const { total, rows } = await state.store.list({ filters, sortBy, sortOrder, page, size, deleted: status === 'deleted' });
    const visible = rows.filter((r) => r.team_id !== 'litellm-dashboard');
    const keys = returnFull
      ? visible.map((r) => ({ ...rowToJson(r), api_key: r.token, user_role: null, litellm_budget_table: null }))
      : visible.map((r) => r.token);
    return { keys, total_count: total, current_page: page, total_pages: Math.ceil(total / size) };
  });
}

async function listAliases(ctx) {
  const { state, query } = ctx;
  const page = queryInt(query, 'page', { def: 1, ge: 1 });
  const size = queryInt(query, 'size', { def: 50, ge: 1, le: 100 });
  requireDb(state.store, () => ProxyError.internal(500, 'Authentication Error, Database not connected'));
  const search = query.get('search') ?? '';
  const { rows } = await state.store.list({ filters: {}, sortBy: 'key_alias', sortOrder: 'asc', page: 1, size: 1e9, deleted: false });
  const aliases = [...new Set(rows.map((r) => r.key_alias).filter((a) => a && a.includes(search)))];
  return { aliases: aliases.slice((page - 1) * size, page * size), total_count: aliases.length, current_page: page, total_pages: Math.ceil(aliases.length / size), size };
}

/** The changed columns for /key/update, plus derived expires/budget_reset_at. */
function updateChanges(body, now) {
  const changes = {};
  for (const col of UPDATABLE_COLUMNS) if (col in body) changes[col] = body[col];
  for (const col of ['models', 'allowed_cache_controls', 'allowed_routes']) if (changes[col] === null) changes[col] = [];
  for (const col of ['metadata', 'aliases', 'config', 'permissions', 'model_max_budget']) if (changes[col] === null) changes[col] = {};
  if (body.tags) changes.metadata = { ...(changes.metadata ?? {}), tags: body.tags };
  if ('duration' in body) {
    changes.expires = body.duration === null || body.duration === '-1' ? null : addDuration(now, body.duration);
  }
  if (body.budget_duration) changes.budget_reset_at = addDuration(now, body.budget_duration);
  return changes;
}

/** jsonify_object(): dict columns come back as json.dumps strings in /key/update's answer. */
function jsonifyChanges(changes) {
  const out = {};
  for (const [k, v] of Object.entries(changes)) {
    if (v instanceof Date) out[k] = isoPydantic(v);
    else if (isPlainObject(v)) out[k] = pyJsonDumps(v);
    else out[k] = v;
  }
  return out;
}

async function updateKey(ctx) {
  const { state, auth } = ctx;
  const body = validateBody(ctx.body, { ...UPDATE_KEY_FIELDS, key: 'str' }, ['key']);
  try {
    if (!state.store.configured) throw new Error('Not connected to DB!');
    assertBudgetsNonNegative(body);
    assertPremiumFields(state, body);
    const token = tokenFor(body.key);
    const existing = await state.store.get(token);
    if (!existing) {
      // PrismaClient.get_data()'s HTTPException, re-raised with type auth_error.
      throw new ProxyError(401, `Authentication Error: invalid user key - user key does not exist in db. User Key=${body.key}`, 'auth_error', 'None');
    }
    if ('key_alias' in body) await assertAliasFree(state.store, body.key_alias, token);
    const now = new Date();
    const changes = updateChanges(body, now);
    await state.store.update(token, { ...changes, updated_at: now, updated_by: auth.userId });
    return { key: body.key, ...jsonifyChanges(changes), token };
  } catch (err) {
    if (err instanceof ProxyError) throw err;
    throw ProxyError.auth(err.message, 400); // non-HTTP exceptions: 400 "Authentication Error, <msg>"
  }
}

async function deleteKeys(ctx) {
  const { state, auth } = ctx;
  const body = validateBody(ctx.body, DELETE_KEY_FIELDS);
  if (!body.keys && !body.key_aliases) {
    throw new ValidationError([{ type: 'value_error', loc: ['body'], msg: "Value error, At least one of 'keys' or 'key_aliases' must be provided.", input: ctx.body, ctx: { error: {} } }]);
  }
  requireDb(state.store, () => ProxyError.internal(500, 'Not connected to DB!'));
  return wrapKeyErrors(async () => {
    const passed = body.keys ?? body.key_aliases;
    const tokens = [];
    for (const value of passed) {
      const row = body.keys ? await state.store.get(tokenFor(value)) : await state.store.findByAlias(value);
      if (row) tokens.push(row.token);
    }
    const deleted = await state.store.delete(tokens, auth.userId);
    if (!deleted.length) throw ProxyError.detailDict(404, 'No keys found');
    return { deleted_keys: passed };
  });
}

async function setBlocked(ctx, blocked) {
  const { state, auth } = ctx;
  const body = validateBody(ctx.body, BLOCK_KEY_FIELDS, ['key']);
  if (!body.key.startsWith('sk-') && !/^[0-9a-f]{64}$/i.test(body.key)) {
    throw new ProxyError(400, 'Invalid key format.', 'bad_request_error', 'key');
  }
  requireDb(state.store, () => ProxyError.detailDict(500, MSG.dbNotConnected));
  return wrapKeyErrors(async () => {
    const row = await state.store.update(tokenFor(body.key), { blocked, updated_at: new Date(), updated_by: auth.userId });
    if (!row) throw new ProxyError(404, `Key ${body.key} not found`, 'not_found_error', 'key');
    return rowToJson(row);
  });
}

async function regenerateKey(ctx) {
  const { state, auth } = ctx;
  const body = ctx.body === undefined ? {} : validateBody(ctx.body, REGENERATE_KEY_FIELDS);
  const target = ctx.params.key ? decodeURIComponent(ctx.params.key) : body.key;
  if (!state.options.premium) {
    throw ProxyError.internal(500, `Regenerating Virtual Keys is an Enterprise feature, ${MSG.notPremium}`);
  }
  if (!target) throw ProxyError.detailDict(400, 'No key passed in.');
  requireDb(state.store, () => ProxyError.detailDict(500, MSG.dbNotConnected));
  if (body.new_key && !body.new_key.startsWith('sk-')) {
    throw ProxyError.detailDict(400, "New key must start with 'sk-'. This is to distinguish a key hash (used by litellm for logging / internal logic) from the actual key.");
  }
  return wrapKeyErrors(async () => {
    const old = await state.store.get(tokenFor(target));
    if (!old) throw ProxyError.detailDict(404, `Key ${target} not found.`);
    const rawKey = body.new_key ?? newRawKey();
    const now = new Date();
    const changes = updateChanges(body, now);
    const row = { ...old, ...changes, token: hashToken(rawKey), key_name: abbreviate(rawKey), updated_at: now, updated_by: auth.userId };
    const saved = await state.store.replaceToken(old.token, row);
    return generateKeyResponse(saved, body, rawKey);
  });
}

async function resetSpend(ctx) {
  const { state } = ctx;
  const body = validateBody(ctx.body, { reset_to: 'float' }, ['reset_to']);
  requireDb(state.store, () => ProxyError.detailDict(500, MSG.dbNotConnected));
  return wrapKeyErrors(async () => {
    const token = tokenFor(decodeURIComponent(ctx.params.key));
    const old = await state.store.get(token);
    if (!old) throw ProxyError.detailDict(404, `Key ${ctx.params.key} not found.`);
    if (body.reset_to < 0) throw ProxyError.detailDict(400, 'reset_to must be >= 0');
    const row = await state.store.update(token, { spend: body.reset_to, updated_at: new Date() });
    return { key_hash: token, spend: row.spend, previous_spend: old.spend, max_budget: row.max_budget, budget_reset_at: isoPython(row.budget_reset_at) };
  });
}

// ---------------------------------------------------------------------------------------------
// Handlers: LLM routes (mock_response only; there is no network to a provider)
// ---------------------------------------------------------------------------------------------

/** Find the deployment for a requested model, honouring key-level aliases. */
function resolveDeployment(ctx, routeName) {
  const body = isPlainObject(ctx.body) ? ctx.body : {};
  let requested = body.model;
  const aliases = ctx.auth?.row?.aliases ?? {};
  if (typeof requested === 'string' && aliases[requested]) requested = aliases[requested];
  const deployment = typeof requested === 'string' ? ctx.state.models.find((m) => modelMatches(m.model_name, requested)) : undefined;
  if (!deployment) {
    if (!ctx.state.models.length) throw ProxyError.internal(500, MSG.noLlmRouter);
    const message = `${routeName}: Invalid model name passed in model=${requested ?? 'None'}. Call \`/v1/models\` to view available models for your key.`;
    if (ctx.state.options.errorVariant === 'old') throw new ProxyError(400, pyRepr({ error: message }), 'None', 'None');
    throw new ProxyError(400, message, 'None', 'None', { provider_specific_fields: { error: message } });
  }
  return { deployment, requested, body };
}

/** What LiteLLM answers when the provider cannot be reached (APIConnectionError, 500). */
function providerConnectionError(deployment) {
  const provider = providerOf(deployment.litellm_params);
  const known = { openai: 'OpenAI', azure: 'Azure', anthropic: 'Anthropic', ollama: 'Ollama', gemini: 'Gemini', bedrock: 'Bedrock' };
  const name = known[provider] ?? provider.charAt(0).toUpperCase() + provider.slice(1);
  return new ProxyError(
    500,
    `litellm.APIConnectionError: APIConnectionError: ${name}Exception - Connection error.. Received Model Group=${deployment.model_name}\nAvailable Model Group Fallbacks=None`,
    'None',
    'None',
  );
}

function mockText(deployment, body) {
  const fromRequest = body.mock_response; // the client may pass mock_response too (a LiteLLM feature)
  const value = fromRequest ?? deployment.litellm_params.mock_response;
  if (value === undefined || value === null) throw providerConnectionError(deployment);
  if (typeof value === 'string' && /^litellm\.\w+Error/.test(value)) {
    throw new ProxyError(500, value, 'None', 'None'); // mock_response may name an exception to raise
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function countTokens(text) {
  return Math.max(1, Math.ceil(String(text).length / 4));
}

function promptText(body) {
  if (Array.isArray(body.messages)) {
    return body.messages.map((m) => (typeof m?.content === 'string' ? m.content : JSON.stringify(m?.content ?? ''))).join('\n');
  }
  if (body.prompt !== undefined) return Array.isArray(body.prompt) ? body.prompt.join('\n') : String(body.prompt);
  if (body.input !== undefined) return Array.isArray(body.input) ? body.input.join('\n') : String(body.input);
  return '';
}

function upstreamModelName(deployment) {
  return String(deployment.litellm_params.model ?? deployment.model_name).split('/').slice(1).join('/') || String(deployment.litellm_params.model);
}

async function recordSpend(ctx, deployment, promptTokens, completionTokens) {
  const cost = promptTokens * costPerToken(deployment, 'input') + completionTokens * costPerToken(deployment, 'output');
  if (ctx.auth?.row) await ctx.state.store.addSpend(ctx.auth.token, cost).catch(() => {});
  return cost;
}

function litellmHeaders(ctx, deployment, cost) {
  return {
    'x-litellm-call-id': crypto.randomUUID(),
    'x-litellm-model-id': deployment.model_info.id,
    'x-litellm-model-group': deployment.model_name,
    'x-litellm-version': ctx.state.options.version,
    'x-litellm-response-cost': String(cost),
  };
}

/** Split a text into word-sized chunks, keeping the spaces so the chunks concatenate back. */
function wordChunks(text) {
  return text.match(/\s*\S+\s*/g) ?? [text];
}

async function chatCompletions(ctx) {
  const { deployment, body } = resolveDeployment(ctx, '/chat/completions');
  const text = mockText(deployment, body);
  const promptTokens = countTokens(promptText(body));
  const completionTokens = countTokens(text);
  const id = `chatcmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = upstreamModelName(deployment);
  const cost = await recordSpend(ctx, deployment, promptTokens, completionTokens);
  const usage = { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens };
  if (body.stream === true) {
    const base = { id, created, model, object: 'chat.completion.chunk', system_fingerprint: null };
    const chunks = wordChunks(text).map((word, i) => ({
      ...base,
      choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: word } : { content: word }, finish_reason: null }],
    }));
    chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
    if (body.stream_options?.include_usage) chunks.push({ ...base, choices: [], usage });
    return streamSse(ctx, chunks, litellmHeaders(ctx, deployment, cost));
  }
  sendJson(ctx.res, 200, {
    id, created, model, object: 'chat.completion', system_fingerprint: null,
    choices: [{ finish_reason: 'stop', index: 0, message: { content: text, role: 'assistant', tool_calls: null, function_call: null } }],
    usage,
  }, litellmHeaders(ctx, deployment, cost));
}

async function textCompletions(ctx) {
  const { deployment, body } = resolveDeployment(ctx, '/completions');
  const text = mockText(deployment, body);
  const promptTokens = countTokens(promptText(body));
  const completionTokens = countTokens(text);
  const id = `cmpl-${crypto.randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = upstreamModelName(deployment);
  const cost = await recordSpend(ctx, deployment, promptTokens, completionTokens);
  if (body.stream === true) {
    const base = { id, created, model, object: 'text_completion', system_fingerprint: null };
    const chunks = wordChunks(text).map((word) => ({ ...base, choices: [{ text: word, index: 0, logprobs: null, finish_reason: null }] }));
    chunks.push({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }] });
    return streamSse(ctx, chunks, litellmHeaders(ctx, deployment, cost));
  }
  sendJson(ctx.res, 200, {
    id, object: 'text_completion', created, model, system_fingerprint: null,
    choices: [{ text, index: 0, logprobs: null, finish_reason: 'stop' }],
    usage: { completion_tokens: completionTokens, prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens },
  }, litellmHeaders(ctx, deployment, cost));
}

/** Deterministic unit-length pseudo-embedding, so equal inputs give equal vectors. */
function mockVector(text, dims = 16) {
  const digest = crypto.createHash('sha512').update(String(text)).digest();
  const v = Array.from({ length: dims }, (_, i) => digest[i % digest.length] / 127.5 - 1);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Number((x / norm).toFixed(6)));
}

async function embeddings(ctx) {
  const { deployment, body } = resolveDeployment(ctx, '/embeddings');
  mockText(deployment, body); // only mocked deployments can answer offline
  const inputs = Array.isArray(body.input) ? body.input : [body.input ?? ''];
  const dims = Number(deployment.litellm_params.dimensions ?? body.dimensions ?? 16);
  const promptTokens = inputs.reduce((n, t) => n + countTokens(typeof t === 'string' ? t : JSON.stringify(t)), 0);
  const cost = await recordSpend(ctx, deployment, promptTokens, 0);
  sendJson(ctx.res, 200, {
    object: 'list',
    data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: mockVector(t, dims) })),
    model: upstreamModelName(deployment),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  }, litellmHeaders(ctx, deployment, cost));
}

async function anthropicMessages(ctx) {
  const { deployment, body } = resolveDeployment(ctx, '/v1/messages');
  const text = mockText(deployment, body);
  const inputTokens = countTokens(promptText(body));
  const outputTokens = countTokens(text);
  const cost = await recordSpend(ctx, deployment, inputTokens, outputTokens);
  sendJson(ctx.res, 200, {
    id: `msg_${crypto.randomBytes(12).toString('hex')}`,
    type: 'message',
    role: 'assistant',
    model: upstreamModelName(deployment),
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens },
  }, litellmHeaders(ctx, deployment, cost));
}

/**
 * Send chunks as Server-Sent Events: the first at once, then one every streamIntervalMs, then [DONE].
 * No "X-Accel-Buffering" header on purpose: real LiteLLM does not send one, so Nginx must be
 * configured with `proxy_buffering off` for streaming to work, and the tests should prove it.
 */
function streamSse(ctx, chunks, headers) {
  const { res, state } = ctx;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', server: 'uvicorn', ...headers });
  res.socket?.setNoDelay(true);
  res.flushHeaders();
  return new Promise((resolve) => {
    let i = 0;
    const sendNext = () => {
      if (res.destroyed || state.closed) return resolve(undefined);
      if (i < chunks.length) {
        res.write(`data: ${JSON.stringify(chunks[i++])}\n\n`);
        const t = setTimeout(() => { state.timers.delete(t); sendNext(); }, state.options.streamIntervalMs);
        state.timers.add(t);
      } else {
        res.end('data: [DONE]\n\n');
        resolve(undefined);
      }
    };
    sendNext();
  });
}

// ---------------------------------------------------------------------------------------------
// Handlers: docs, UI and small public routes
// ---------------------------------------------------------------------------------------------

function swaggerHtml(ctx) {
  const { res, state } = ctx;
  const html = `<!DOCTYPE html>
<html><head><title>LiteLLM API - Swagger UI</title></head>
<body><div id="swagger-ui"><h1>LiteLLM API</h1><p>version ${escapeHtml(state.options.version)} (stand-in)</p>
<p>OpenAPI schema: <a href="/openapi.json">/openapi.json</a> · Admin UI: <a href="/ui">/ui</a></p></div></body></html>`;
  sendHtml(res, 200, html);
}

function uiPage(ctx) {
  const { res, state } = ctx;
  const html = `<!DOCTYPE html>
<html><head><title>LiteLLM Dashboard</title></head>
<body><h1>LiteLLM Admin UI (stand-in)</h1>
<form method="post" action="/login">
<label>Username <input name="username" value=""></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Login</button></form>
<p>Proxy version ${escapeHtml(state.options.version)}</p></body></html>`;
  sendHtml(res, 200, html);
}

/** POST /login (form): UI_USERNAME (default "admin") / UI_PASSWORD (default: the master key). */
function uiLogin(ctx) {
  const { res, state, body } = ctx;
  const { uiUsername, uiPassword } = state.options;
  if (!uiPassword) throw ProxyError.auth('No master key set, please set LITELLM_MASTER_KEY', 500, 'auth_error');
  const form = isPlainObject(body) ? body : {};
  if (form.username === uiUsername && typeof form.password === 'string' && safeEqual(form.password, uiPassword)) {
    res.writeHead(303, { location: '/ui/?login=success', 'set-cookie': 'token=standin-session; Path=/; HttpOnly', server: 'uvicorn' });
    return res.end();
  }
  throw new ProxyError(401, `Invalid credentials used to access UI.\nCheck 'UI_USERNAME', 'UI_PASSWORD' in .env file`, 'auth_error', 'invalid_credentials');
}

function sendHtml(res, status, html) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), server: 'uvicorn' });
  res.end(html);
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
}

function uiConfig(ctx) {
  return { server_root_path: '/', proxy_base_url: null, auto_redirect_to_sso: false, admin_ui_disabled: false, litellm_version: ctx.state.options.version };
}

function listRoutes() {
  return { routes: ROUTES.filter((r) => r.schema !== false).map((r) => ({ path: r.path, methods: [r.method], name: r.name ?? r.handler.name })) };
}

// ---------------------------------------------------------------------------------------------
// Route table: the single source for dispatch, auth level and /openapi.json
// ---------------------------------------------------------------------------------------------

/**
 * @typedef {object} RouteDef
 * @property {string} method
 * @property {string} path        FastAPI-style template, e.g. /key/{key}/regenerate
 * @property {'public'|'any'|'admin'} access
 * @property {(ctx: any) => any} handler
 * @property {'model'|'raw'|'form'} [body]  'model' = pydantic body (bad JSON → 422)
 * @property {Record<string,string>} [fields] request body spec, for the OpenAPI schema
 * @property {string[]} tags
 * @property {string} summary
 * @property {boolean} [schema]   false = include_in_schema=False
 */

/** @type {RouteDef[]} */
const ROUTES = [
  r('GET', '/', 'public', swaggerHtml, ['docs'], 'Swagger UI'),
  r('GET', '/openapi.json', 'public', (ctx) => openApiSchema(ctx.state), ['docs'], 'OpenAPI schema', { schema: false }),
  r('GET', '/routes', 'public', listRoutes, ['health'], 'List the proxy routes'),
  r('GET', '/health/liveliness', 'public', alive, ['health'], 'Liveliness probe'),
  r('OPTIONS', '/health/liveliness', 'public', alive, ['health'], 'Liveliness probe'),
  r('GET', '/health/liveness', 'public', alive, ['health'], 'Liveness probe'),
  r('OPTIONS', '/health/liveness', 'public', alive, ['health'], 'Liveness probe'),
  r('GET', '/health/readiness', 'public', readiness, ['health'], 'Readiness probe'),
  r('GET', '/health/readiness/details', 'any', readinessDetails, ['health'], 'Readiness details'),
  r('GET', '/health', 'any', healthCheck, ['health'], 'Check every deployment'),
  r('GET', '/test', 'any', () => ({ route: '/test' }), ['health'], 'Deprecated test route'),
  r('GET', '/v1/models', 'any', listModels, ['model management'], 'List models'),
  r('GET', '/models', 'any', listModels, ['model management'], 'List models'),
  r('GET', '/v1/models/{model_id}', 'any', getModel, ['model management'], 'Get one model'),
  r('GET', '/models/{model_id}', 'any', getModel, ['model management'], 'Get one model'),
  r('GET', '/model/info', 'any', modelInfo, ['model management'], 'Model deployments'),
  r('GET', '/v1/model/info', 'any', modelInfo, ['model management'], 'Model deployments'),
  r('POST', '/key/generate', 'admin', generateKey, ['key management'], 'Generate a virtual key', { body: 'model', fields: GENERATE_KEY_FIELDS }),
  r('POST', '/key/update', 'admin', updateKey, ['key management'], 'Update a virtual key', { body: 'model', fields: { key: 'str', ...UPDATE_KEY_FIELDS } }),
  r('POST', '/key/delete', 'admin', deleteKeys, ['key management'], 'Delete virtual keys', { body: 'model', fields: DELETE_KEY_FIELDS }),
  r('GET', '/key/info', 'any', keyInfo, ['key management'], 'Key info'),
  r('POST', '/v2/key/info', 'any', keyInfoV2, ['key management'], 'Info for several keys', { body: 'model', schema: false }),
  r('GET', '/key/list', 'any', listKeys, ['key management'], 'List keys'),
  r('GET', '/key/aliases', 'any', listAliases, ['key management'], 'List key aliases'),
  r('POST', '/key/regenerate', 'admin', regenerateKey, ['key management'], 'Regenerate a key (enterprise)', { body: 'model', fields: REGENERATE_KEY_FIELDS }),
  r('POST', '/key/{key}/regenerate', 'admin', regenerateKey, ['key management'], 'Regenerate a key (enterprise)', { body: 'model', fields: REGENERATE_KEY_FIELDS }),
  r('POST', '/key/{key}/reset_spend', 'admin', resetSpend, ['key management'], 'Reset a key\'s spend', { body: 'model', fields: { reset_to: 'float' } }),
  r('POST', '/key/block', 'admin', (ctx) => setBlocked(ctx, true), ['key management'], 'Block a key', { body: 'model', fields: BLOCK_KEY_FIELDS }),
  r('POST', '/key/unblock', 'admin', (ctx) => setBlocked(ctx, false), ['key management'], 'Unblock a key', { body: 'model', fields: BLOCK_KEY_FIELDS }),
  r('POST', '/key/health', 'any', () => ({ key: 'healthy', logging_callbacks: null }), ['key management'], 'Key health'),
  r('POST', '/v1/chat/completions', 'any', chatCompletions, ['chat/completions'], 'Chat completion'),
  r('POST', '/chat/completions', 'any', chatCompletions, ['chat/completions'], 'Chat completion'),
  r('POST', '/v1/completions', 'any', textCompletions, ['completions'], 'Text completion'),
  r('POST', '/completions', 'any', textCompletions, ['completions'], 'Text completion'),
  r('POST', '/v1/embeddings', 'any', embeddings, ['embeddings'], 'Embeddings'),
  r('POST', '/embeddings', 'any', embeddings, ['embeddings'], 'Embeddings'),
  r('POST', '/v1/messages', 'any', anthropicMessages, ['anthropic'], 'Anthropic messages'),
  r('GET', '/ui', 'public', uiPage, ['ui'], 'Admin UI', { schema: false }),
  r('GET', '/ui/', 'public', uiPage, ['ui'], 'Admin UI', { schema: false }),
  r('POST', '/login', 'public', uiLogin, ['ui'], 'Admin UI login', { body: 'form', schema: false }),
  r('GET', '/.well-known/litellm-ui-config', 'public', uiConfig, ['ui'], 'UI config'),
  r('GET', '/litellm/.well-known/litellm-ui-config', 'public', uiConfig, ['ui'], 'UI config'),
];

function r(method, pathTemplate, access, handler, tags, summary, extra = {}) {
  if (access === 'public' && !PUBLIC_ROUTES.has(pathTemplate)) throw new Error(`not a public route: ${pathTemplate}`);
  const pattern = new RegExp('^' + pathTemplate.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)') + '$');
  return { method, path: pathTemplate, access, handler, tags, summary, pattern, body: 'raw', ...extra };
}

/** Find the route for a request: 404 when no path matches, 405 when only the method is wrong. */
function matchRoute(method, pathname) {
  const candidates = ROUTES.filter((d) => d.pattern.test(pathname));
  if (!candidates.length) return { status: 404 };
  const def = candidates.find((d) => d.method === method);
  if (!def) return { status: 405 };
  return { def, params: pathname.match(def.pattern)?.groups ?? {} };
}

function fieldSchema(type) {
  if (type.startsWith('literal:')) return { enum: type.slice(8).split('|') };
  return {
    str: { type: 'string' }, float: { type: 'number' }, int: { type: 'integer' }, bool: { type: 'boolean' },
    list: { type: 'array', items: {} }, 'list[str]': { type: 'array', items: { type: 'string' } },
    dict: { type: 'object', additionalProperties: true }, any: {},
  }[type];
}

/** A FastAPI-shaped OpenAPI 3.1 document derived from the route table. */
function openApiSchema(state) {
  const paths = {};
  for (const def of ROUTES) {
    if (def.schema === false || def.method === 'OPTIONS') continue;
    const op = {
      tags: def.tags,
      summary: def.summary,
      operationId: `${def.summary.toLowerCase().replace(/\W+/g, '_')}_${def.path.replace(/\W+/g, '_')}_${def.method.toLowerCase()}`,
      responses: {
        200: { description: 'Successful Response', content: { 'application/json': { schema: {} } } },
        ...(def.fields ? { 422: { description: 'Validation Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/HTTPValidationError' } } } } } : {}),
      },
    };
    const params = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (params.length) op.parameters = params;
    if (def.fields) {
      op.requestBody = {
        required: true,
        content: { 'application/json': { schema: { type: 'object', properties: Object.fromEntries(Object.entries(def.fields).map(([k, t]) => [k, fieldSchema(t)])) } } },
      };
    }
    if (def.access !== 'public') op.security = [{ APIKeyHeader: [] }];
    (paths[def.path] ??= {})[def.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'LiteLLM API', description: 'Proxy Server to call 100+ LLMs in the OpenAI format. (stand-in)', version: state.options.version },
    paths,
    components: {
      securitySchemes: { APIKeyHeader: { type: 'apiKey', in: 'header', name: 'Authorization' } },
      schemas: {
        HTTPValidationError: { properties: { detail: { items: { $ref: '#/components/schemas/ValidationError' }, type: 'array', title: 'Detail' } }, type: 'object', title: 'HTTPValidationError' },
        ValidationError: { properties: { loc: { type: 'array', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } }, msg: { type: 'string' }, type: { type: 'string' } }, type: 'object', required: ['loc', 'msg', 'type'], title: 'ValidationError' },
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The `litellm` server CLI (proxy_cli.py::run_server), used as the container entrypoint
// ---------------------------------------------------------------------------------------------

// Flags of the real `litellm` server; `true` = takes a value.
const CLI_FLAGS = {
  '--host': true, '--port': true, '--num_workers': true, '--config': true, '-c': true,
  '--detailed_debug': false, '--debug': false, '--run_gunicorn': false, '--run_hypercorn': false,
  '--run_granian': false, '--ssl_keyfile_path': true, '--ssl_certfile_path': true, '--use_prisma_db_push': false,
  '--skip_server_startup': false, '--validate_config': false, '--health': false, '--test': false,
  '--version': false, '-v': false, '--setup': false, '--keepalive_timeout': true,
  '--max_requests_before_restart': true, '--limit_concurrency': true, '--reload': false,
  '--prometheus_metrics_port': true, '--use_legacy_migration_resolver': false,
  // deprecated no-ops
  '--enforce_prisma_migration_check': false, '--use_v2_migration_resolver': false, '--telemetry': true, '--local': false,
  // older single-model flags, accepted and ignored
  '--model': true, '-m': true, '--alias': true, '--api_base': true, '--api_version': true, '--headers': true,
  '--add_key': true, '--save': false, '--drop_params': false, '--add_function_to_prompt': false, '--max_budget': true,
  '--max_tokens': true, '--request_timeout': true, '--temperature': true, '--use_queue': false, '--log_config': true,
  '--iam_token_db_auth': false,
};

/**
 * Parse `litellm` server flags ("--flag value" and "--flag=value"); unknown flags become warnings.
 * @param {string[]} argv
 */
export function parseServerArgs(argv) {
  const flags = {};
  const warnings = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf('=');
    const name = arg.startsWith('-') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!(name in CLI_FLAGS)) {
      warnings.push(`WARNING: litellm stand-in ignores unknown argument ${JSON.stringify(name)}`);
      continue;
    }
    const key = { '-c': 'config', '-v': 'version', '-m': 'model' }[name] ?? name.replace(/^--/, '');
    if (CLI_FLAGS[name]) {
      if (eq > 0) flags[key] = arg.slice(eq + 1);
      else if (i + 1 < argv.length) flags[key] = argv[++i];
      else warnings.push(`WARNING: ${name} expects a value`);
    } else flags[key] = true;
  }
  return { flags, warnings };
}

/** construct_database_url_from_env_vars(): DATABASE_HOST/USERNAME/PASSWORD/NAME → a URL. */
function databaseUrlFromEnv(env) {
  if (env.DATABASE_URL) return env.DATABASE_URL;
  const { DATABASE_HOST: host, DATABASE_USERNAME: user, DATABASE_PASSWORD: pass, DATABASE_NAME: db } = env;
  if (!host || !user || !db) return undefined;
  const auth = pass ? `${encodeURIComponent(user)}:${encodeURIComponent(pass)}` : encodeURIComponent(user);
  return `postgresql://${auth}@${host}/${encodeURIComponent(db)}`;
}

function isTrue(v) {
  return typeof v === 'string' ? TRUE_WORDS.has(v.toLowerCase()) : v === true;
}

async function portIsFree(port, host) {
  const probe = http.createServer();
  try {
    await listen(probe, port, host);
    await new Promise((r) => probe.close(r));
    return true;
  } catch {
    return false;
  }
}

async function main(argv, env) {
  const out = (line, stream = 'stdout') => (stream === 'stderr' ? process.stderr : process.stdout).write(line + '\n');
  installSignalHandlers(out);
  const { flags, warnings } = parseServerArgs(argv);
  for (const w of warnings) out(w, 'stderr');
  const version = env.STANDIN_VERSION || DEFAULT_VERSION;
  if (flags.version) {
    out(`\nLiteLLM: Current Version = ${version}\n`);
    return 0;
  }

  if (flags.health || flags.test) return probeRunningProxy(flags, env, out);
  if (flags.setup) {
    out('LiteLLM: --setup is interactive in the real CLI; the stand-in has nothing to set up.');
    return 0;
  }

  const configPath = flags.config ?? env.CONFIG_FILE_PATH ?? env.WORKER_CONFIG;
  let config = { model_list: [], general_settings: {} };
  if (configPath) {
    try {
      config = await loadLiteLLMConfig(configPath, env);
    } catch (err) {
      // The real image runs as a non-root user: a mode-600 file owned by someone else stops the boot.
      const errno = { EACCES: '[Errno 13] Permission denied', ENOENT: '[Errno 2] No such file or directory', EISDIR: '[Errno 21] Is a directory' }[err?.code];
      if (!errno) throw err;
      out(`Config file ${configPath} could not be read: ${errno}`, 'stderr');
      return 1;
    }
  }
  if (flags.validate_config) {
    out(`Config ${configPath ?? '(none)'} is valid (${config.model_list.length} models).`);
    return 0;
  }
  const general = config.general_settings ?? {};
  if (general.database_url) env.DATABASE_URL = String(general.database_url);
  const masterKey = (general.master_key ?? env.LITELLM_MASTER_KEY ?? '').toString();

  // master_key_boot_check.py: refuse to boot on an unset, empty or publicly known master key.
  const allowUnsafe = isTrue(env.LITELLM_DANGEROUSLY_ALLOW_UNSAFE_PROXY) || general.dangerously_allow_unsafe_proxy === true;
  if ((!masterKey || UNSAFE_MASTER_KEYS.has(masterKey)) && !allowUnsafe) {
    out(
      `UnsafeMasterKeyError: LITELLM_MASTER_KEY is ${masterKey ? 'a publicly known value' : 'not set'}. Refusing to start an unauthenticated proxy. ` +
        'Set a strong key, e.g. echo "LITELLM_MASTER_KEY=sk-$(openssl rand -hex 32)" | tee -a .env, ' +
        'or set LITELLM_DANGEROUSLY_ALLOW_UNSAFE_PROXY=true to override.',
      'stderr',
    );
    return 1;
  }

  const databaseUrl = databaseUrlFromEnv(env);
  const bootDelayMs = Number(env.STANDIN_BOOT_DELAY_MS ?? 3000);
  const fault = env.STANDIN_FAULT || null;
  const host = flags.host ?? env.HOST ?? '0.0.0.0';
  let port = Number(flags.port ?? env.PORT ?? 4000);

  // STANDIN_ALLOCATE_MB: hold that much memory from boot on, every page touched, as a LiteLLM that
  // outgrows its container's memory limit would (the kernel OOM-kills it at the limit).
  const allocateMb = Number(env.STANDIN_ALLOCATE_MB ?? 0);
  if (allocateMb > 0) {
    const held = [];
    for (let i = 0; i < allocateMb; i++) held.push(Buffer.allocUnsafe(1024 * 1024).fill(i % 251));
    globalThis.standinHeldMemory = held;
    out(`LiteLLM stand-in: holding ${allocateMb} MB (STANDIN_ALLOCATE_MB)`);
  }
  if (databaseUrl && isTrue(env.DISABLE_SCHEMA_UPDATE) && !flags.skip_server_startup) out('LiteLLM: DISABLE_SCHEMA_UPDATE is set - skipping schema update (stand-in)');
  else if (databaseUrl) out('LiteLLM: Running prisma migrate deploy (stand-in)');
  if (fault === 'exit-after-boot') {
    await sleep(bootDelayMs);
    const where = (() => { try { const u = new URL(databaseUrl ?? 'postgresql://db:5432'); return `${u.hostname}:${u.port || 5432}`; } catch { return 'db:5432'; } })();
    out(`Error: P1001: Can't reach database server at \`${where}\` (STANDIN_FAULT=exit-after-boot)`, 'stderr');
    return 3;
  }
  if (flags.skip_server_startup) {
    if (databaseUrl) {
      const store = new PostgresStore(databaseUrl, out);
      await store.prepare({ waitMs: Number(env.STANDIN_DB_WAIT_MS ?? 60_000) });
      await store.close();
    }
    out('LiteLLM: migrations done, skipping server startup (--skip_server_startup)');
    return 0;
  }
  // proxy_cli.py quirk: a busy default port silently becomes a random one.
  if (port === 4000 && !(await portIsFree(port, host))) {
    port = 1024 + Math.floor(Math.random() * (49152 - 1024));
    out(`WARNING: port 4000 is in use, starting on random port ${port}`, 'stderr');
  }

  const handle = await startLiteLLMStandin({
    port,
    host,
    masterKey: masterKey || null,
    store: databaseUrl ? 'postgres' : 'none',
    databaseUrl,
    models: config.model_list,
    generalSettings: general,
    // The port stays closed while "migrations" run, like the real proxy (30-60 s there).
    bootDelayMs: Math.max(bootDelayMs, 1),
    readinessVariant: env.STANDIN_READINESS_VARIANT || 'db',
    errorVariant: env.STANDIN_ERROR_VARIANT || 'new',
    streamIntervalMs: Number(env.STANDIN_STREAM_INTERVAL_MS ?? 100),
    recordRequests: env.STANDIN_RECORD_REQUESTS !== '0',
    keyCacheTtlMs: Number(env.STANDIN_KEY_CACHE_TTL_MS ?? 0),
    premium: Boolean(env.LITELLM_LICENSE),
    version,
    fault: fault === 'never-ready' ? 'never-ready' : null,
    dbWaitMs: Number(env.STANDIN_DB_WAIT_MS ?? 60_000),
    uiUsername: env.UI_USERNAME || 'admin',
    uiPassword: env.UI_PASSWORD || masterKey || undefined,
    storeModelInDb: isTrue(env.STORE_MODEL_IN_DB) || general.store_model_in_db === true,
    // proxy_cli.py: DISABLE_SCHEMA_UPDATE=true skips `prisma migrate deploy` (one migrator, many replicas).
    schemaUpdate: !isTrue(env.DISABLE_SCHEMA_UPDATE),
    log: out,
  });
  running = handle;
  try {
    await handle.ready;
  } catch (err) {
    if (stopping) return 0;
    out(String(err?.message ?? err), 'stderr');
    await handle.close();
    return 1;
  }
  if (flags.num_workers && Number(flags.num_workers) > 1) {
    out(`INFO:     --num_workers ${flags.num_workers} accepted; the stand-in serves from one process`);
  }
  out(`LiteLLM: Proxy initialized with Config, Set models:\n${config.model_list.map((m) => `    ${m.model_name}`).join('\n')}`);
  out(`INFO:     Started server process [${process.pid}]`);
  out(`INFO:     Uvicorn running on http://${host}:${handle.port} (Press CTRL+C to quit)`);
  return null; // keep running until a signal arrives
}

/** `litellm --health` / `--test`: call an already running proxy (GET /health, or one chat completion). */
async function probeRunningProxy(flags, env, out) {
  const base = `http://127.0.0.1:${flags.port ?? env.PORT ?? 4000}`;
  const headers = { 'content-type': 'application/json', ...(env.LITELLM_MASTER_KEY ? { authorization: `Bearer ${env.LITELLM_MASTER_KEY}` } : {}) };
  try {
    const res = flags.health
      ? await fetch(`${base}/health`, { headers })
      : await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: flags.model ?? 'gpt-3.5-turbo', messages: [{ role: 'user', content: 'this is a test request, write a short poem' }] }) });
    out(await res.text());
    return res.ok ? 0 : 1;
  } catch (err) {
    out(`could not reach ${base}: ${err?.cause?.code ?? err.message}`, 'stderr');
    return 1;
  }
}

/** The handle of the running server, for the signal handlers. */
let running = null;
let stopping = false;

/**
 * PID 1 in a container gets no default signal handling, so stop promptly on SIGTERM/SIGINT,
 * whether the server is still "migrating" or already serving.
 */
function installSignalHandlers(out) {
  const stop = async (signal) => {
    if (stopping) return;
    stopping = true;
    out(`INFO:     Shutting down (${signal})`);
    const graceMs = Number(process.env.GRACEFUL_SHUTDOWN_TIMEOUT ?? 30) * 1000;
    const force = setTimeout(() => process.exit(0), graceMs + 2000);
    force.unref();
    if (running) {
      out('INFO:     Waiting for connections to close. (CTRL+C to force quit)');
      await running.drain(graceMs).catch(() => {});
    }
    await running?.close().catch(() => {});
    out('INFO:     Finished server process');
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

function isMain() {
  if (!process.argv[1]) return false;
  try {
    return fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
  }
}

if (isMain()) {
  main(process.argv.slice(2), process.env).then(
    (code) => {
      if (code !== null) process.exit(code);
    },
    (err) => {
      process.stderr.write(`${err?.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
