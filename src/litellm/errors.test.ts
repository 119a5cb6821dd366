// Every error shape in docs/litellm-contract.md (old and new variants) parsed and mapped to our codes.
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../core/errors.js';
import { hashKey, isBootTimeFailure, maskKeysInText, parseErrorBody, stripPythonRepr, toRemoteError, type RequestDescription } from './errors.js';

const admin: RequestDescription = { method: 'POST', path: '/key/generate', baseUrl: 'http://127.0.0.1:4000', keyRole: 'master' };
const envelope = (message: string, type: string, code: string, param: string | null = 'None') => JSON.stringify({ error: { message, type, param, code } });

describe('parseErrorBody', () => {
  it('reads the ProxyException envelope, preferring the HTTP status over error.code', () => {
    const parsed = parseErrorBody(400, envelope('No connected db.', 'no_db_connection', '401', null));
    expect(parsed).toEqual({ status: 400, message: 'No connected db.', type: 'no_db_connection', param: null, code: '401', body: 'envelope' });
  });

  it('treats param "None" and null alike', () => {
    expect(parseErrorBody(401, envelope('x', 'auth_error', '401', 'None')).param).toBeNull();
    expect(parseErrorBody(401, envelope('x', 'auth_error', '401', null)).param).toBeNull();
    expect(parseErrorBody(400, envelope('x', 'bad_request_error', '400', 'key_alias')).param).toBe('key_alias');
  });

  it("strips the {'error': '…'} repr of older code paths (single and double quoted)", () => {
    const old = parseErrorBody(500, envelope("{'error': 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys'}", 'internal_server_error', '500'));
    expect(old.message).toBe('DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys');
    const quoted = parseErrorBody(400, envelope(`{'error': "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****wxyz"}`, 'internal_server_error', '400'));
    expect(quoted.message).toBe("Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****wxyz");
    expect(stripPythonRepr("{'error': 'it\\'s'}")).toBe("it's");
    expect(stripPythonRepr('plain text')).toBe('plain text');
    // Python's repr escapes a line break; the enterprise message has one (contract §1.3)
    expect(stripPythonRepr("{'error': 'a trial key here. \\nPricing: https://www.litellm.ai/#pricing'}")).toBe('a trial key here. \nPricing: https://www.litellm.ai/#pricing');
    expect(stripPythonRepr("{'error': 'C:\\\\path'}")).toBe('C:\\path');
  });

  it('reads the new LLM-route variant with provider_specific_fields the same as the old repr one', () => {
    const message = '/chat/completions: Invalid model name passed in model=foo. Call `/v1/models` to view available models for your key.';
    const newer = parseErrorBody(400, JSON.stringify({ error: { message, type: 'None', param: 'None', code: '400', provider_specific_fields: { error: message } } }));
    const older = parseErrorBody(400, envelope(`{'error': '${message}'}`, 'None', '400'));
    expect(newer.message).toBe(message);
    expect(older.message).toBe(message);
    expect(newer.type).toBeNull();
  });

  it('falls back to FastAPI detail: string, dict and the 422 list', () => {
    expect(parseErrorBody(400, JSON.stringify({ detail: "Invalid scope parameter. Only 'expand' is currently supported." })).message).toMatch(/Invalid scope/);
    expect(parseErrorBody(500, JSON.stringify({ detail: { error: 'Model list not initialized' } })).message).toBe('Model list not initialized');
    const v = parseErrorBody(
      422,
      JSON.stringify({ detail: [{ type: 'list_type', loc: ['body', 'models'], msg: 'Input should be a valid list', input: 'x' }, { type: 'value_error', loc: ['body'], msg: "Value error, At least one of 'keys' or 'key_aliases' must be provided." }] }),
    );
    expect(v.message).toBe("models: Input should be a valid list; Value error, At least one of 'keys' or 'key_aliases' must be provided.");
    expect(parseErrorBody(503, JSON.stringify({ detail: 'Service Unhealthy (boom)' })).message).toBe('Service Unhealthy (boom)');
  });

  it('keeps an HTML page short (its title) and copes with an empty body', () => {
    expect(parseErrorBody(403, '<html><head><title>403 Forbidden</title></head><body>…</body></html>').message).toBe('403 Forbidden');
    expect(parseErrorBody(502, '').message).toBe('');
  });

  it('masks keys the server echoes (e.g. "User Key=sk-…" from /key/update)', () => {
    const parsed = parseErrorBody(401, envelope('Authentication Error: invalid user key - user key does not exist in db. User Key=sk-QWrxEynunsNpV1zT48HIrw', 'auth_error', '401'));
    expect(parsed.message).not.toContain('sk-QWrxEynunsNpV1zT48HIrw');
    expect(parsed.message).toContain('sk-…HIrw');
    expect(maskKeysInText('Received API Key = sk-...ITlA')).toBe('Received API Key = sk-...ITlA');
  });
});

describe('toRemoteError', () => {
  const map = (status: number, body: string, request: Partial<RequestDescription> = {}) => toRemoteError(parseErrorBody(status, body), { ...admin, ...request });

  it('401 with the master key → MASTER_KEY_REJECTED naming the restart', () => {
    const error = map(
      401,
      envelope(
        'Authentication Error, Invalid proxy server token passed. Received API Key = sk-...ITlA, Key Hash (Token) =5ea43e. Unable to find token in cache or `LiteLLM_VerificationTokenTable`',
        'token_not_found_in_db',
        '401',
        'key',
      ),
    );
    expect(error.code).toBe('MASTER_KEY_REJECTED');
    expect(error.exitCode).toBe(ExitCode.remote);
    expect(error.hint).toMatch(/differs from the one the running proxy was started with/);
    expect(error.hint).toMatch(/ai-gateway start/);
  });

  it('401 with VIRTUAL_KEY or an override key gets its own code', () => {
    const body = envelope('Authentication Error, Invalid proxy server token passed.', 'token_not_found_in_db', '401', 'key');
    expect(map(401, body, { keyRole: 'virtual' }).code).toBe('VIRTUAL_KEY_REJECTED');
    expect(map(401, body, { keyRole: 'override' }).code).toBe('API_KEY_REJECTED');
  });

  it('404 key unknown → KEY_NOT_FOUND (new envelope and the repr of /key/delete), and /key/update 401 too', () => {
    expect(map(404, envelope('Key not found in database', 'not_found_error', '404', 'key')).code).toBe('KEY_NOT_FOUND');
    expect(map(404, envelope("{'error': 'No keys found'}", 'internal_server_error', '404')).code).toBe('KEY_NOT_FOUND');
    expect(map(401, envelope('Authentication Error: invalid user key - user key does not exist in db. User Key=sk-abcdefgh123', 'auth_error', '401')).code).toBe('KEY_NOT_FOUND');
  });

  it('a FastAPI 404 "Not Found" means a wrong base URL, not an unknown key', () => {
    const error = map(404, JSON.stringify({ detail: 'Not Found' }), { path: '/key/list' });
    expect(error.code).toBe('LITELLM_ROUTE_NOT_FOUND');
    expect(error.hint).toMatch(/--base-url/);
  });

  it('duplicate alias → KEY_ALIAS_EXISTS with the rotate command', () => {
    const error = map(400, envelope("Key with alias 'ci-bot' already exists. Unique key aliases across all keys are required.", 'bad_request_error', '400', 'key_alias'));
    expect(error.code).toBe('KEY_ALIAS_EXISTS');
    expect(error.hint).toContain('ai-gateway key rotate ci-bot');
  });

  it('an alias the format check refuses (same param "key_alias") is not reported as a duplicate', () => {
    const error = map(400, envelope('Invalid key_alias format. Must match ^[a-z0-9-]+$', 'bad_request_error', '400', 'key_alias'), { alias: 'Bad Alias' });
    expect(error.code).toBe('LITELLM_REJECTED_REQUEST');
    expect(error.message).toContain('Invalid key_alias format');
    expect(error.hint).not.toContain('key rotate');
  });

  it('budget exceeded and model not allowed have their own codes', () => {
    expect(map(400, envelope('Budget has been exceeded! Current cost: 1.2, Max budget: 1.0', 'budget_exceeded', '400')).code).toBe('BUDGET_EXCEEDED');
    expect(
      map(401, envelope("key not allowed to access model. This key can only access models=['gpt-4o-mini']. Tried to access gpt-4o", 'key_model_access_denied', '401', 'model'), { keyRole: 'virtual' }).code,
    ).toBe('MODEL_NOT_ALLOWED');
    expect(map(401, envelope('team not allowed', 'team_model_access_denied', '401', 'model')).code).toBe('MODEL_NOT_ALLOWED');
  });

  it('every "DB not connected" wording → DATABASE_NOT_CONNECTED, and it is a boot-time failure', () => {
    const bodies: [number, string][] = [
      [500, envelope("{'error': 'DB not connected. See https://docs.litellm.ai/docs/proxy/virtual_keys'}", 'internal_server_error', '500')],
      [400, envelope('No connected db.', 'no_db_connection', '400', null)],
      [401, envelope('Authentication Error, No connected db.', 'auth_error', '401')], // ≈v1.4x
      [500, envelope('Authentication Error, Database not connected', 'internal_server_error', '500')],
      [500, envelope('Not connected to DB!', 'internal_server_error', '500')],
      [500, envelope("Can't reach database server at `db:5432`", 'internal_server_error', '500')],
    ];
    for (const [status, body] of bodies) {
      const parsed = parseErrorBody(status, body);
      expect(isBootTimeFailure(parsed)).toBe(true);
      expect(toRemoteError(parsed, admin).code).toBe('DATABASE_NOT_CONNECTED');
    }
    const none = toRemoteError(parseErrorBody(500, bodies[0]![1]), { ...admin, databaseConfigured: false });
    expect(none.message).toMatch(/runs without a database/);
  });

  it('502/503/504 are boot-time failures; after the wait they are PROXY_NOT_READY (exit 4)', () => {
    for (const status of [502, 503, 504]) {
      const parsed = parseErrorBody(status, JSON.stringify({ detail: 'Service Unhealthy' }));
      expect(isBootTimeFailure(parsed)).toBe(true);
      const error = toRemoteError(parsed, admin);
      expect(error.code).toBe('PROXY_NOT_READY');
      expect(error.exitCode).toBe(ExitCode.unhealthy);
    }
    expect(isBootTimeFailure(parseErrorBody(400, envelope('bad', 'bad_request_error', '400')))).toBe(false);
  });

  it('enterprise-only features and the insecure-master-key lockout', () => {
    expect(map(500, envelope('Regenerating Virtual Keys is an Enterprise feature, You must be a LiteLLM Enterprise user to use this feature.', 'internal_server_error', '500')).code).toBe('ENTERPRISE_ONLY');
    expect(map(500, envelope('Only premium users can add tags to keys. You must be a LiteLLM Enterprise user', 'internal_server_error', '500')).code).toBe('ENTERPRISE_ONLY');
    expect(
      map(403, envelope('This functionality is unavailable until the master key has been set. Set LITELLM_MASTER_KEY (or general_settings.master_key) to a strong random key and restart the proxy.', 'auth_error', '403', 'master_key')).code,
    ).toBe('MASTER_KEY_UNSAFE');
  });

  it("Nginx's 403 page on an admin path → ADMIN_PATH_FORBIDDEN", () => {
    const error = map(403, '<html><head><title>403 Forbidden</title></head></html>', { path: '/key/list', method: 'GET' });
    expect(error.code).toBe('ADMIN_PATH_FORBIDDEN');
    // templates/nginx.conf answers with a JSON envelope of its own
    const templated = envelope('Forbidden: admin endpoints are not exposed through the gateway; use the LiteLLM port directly', 'forbidden', '403');
    expect(map(403, templated, { path: '/key/generate' }).code).toBe('ADMIN_PATH_FORBIDDEN');
    expect(map(403, templated, { path: '/key/generate' }).hint).toMatch(/LITELLM_PORT/);
  });

  it("LiteLLM's own FastAPI 403 on an admin path is not blamed on Nginx", () => {
    const error = map(403, JSON.stringify({ detail: "You are not allowed to access this key's info. Your role=internal_user" }), { path: '/key/info', keyRole: 'override' });
    expect(error.code).toBe('API_KEY_REJECTED');
    expect(error.message).toContain('not allowed to access this key');
  });

  it('other 4xx and 5xx keep the server message, 422 included', () => {
    const v = map(422, JSON.stringify({ detail: [{ loc: ['body', 'models'], msg: 'Input should be a valid list' }] }));
    expect(v.code).toBe('LITELLM_REJECTED_REQUEST');
    expect(v.message).toContain('models: Input should be a valid list');
    expect(map(400, envelope("{'error': 'max_budget cannot be negative. Received: -1.0'}", 'internal_server_error', '400')).message).toContain('max_budget cannot be negative');
    expect(map(500, envelope('boom', 'internal_server_error', '500')).code).toBe('LITELLM_ERROR');
    expect(map(429, envelope('No deployments available for selected model', 'None', '429')).code).toBe('RATE_LIMITED');
  });

  it('never puts a key in the message or hint', () => {
    const key = 'sk-QWrxEynunsNpV1zT48HIrw';
    const error = map(401, envelope(`Authentication Error: invalid user key - user key does not exist in db. User Key=${key}`, 'auth_error', '401'));
    expect(`${error.message} ${error.hint}`).not.toContain(key);
  });
});

describe('hashKey', () => {
  it("is LiteLLM's token: sha256 hex of the raw key", () => {
    expect(hashKey('sk-1234')).toBe('88dc28d0f030c55ed4ab77ed8faf098196cb1c05df778539800c9f1243fe6b4b');
  });
});
