/**
 * The key lifecycle on top of the client: resolving "<key|hash|alias>", creating a key without
 * ever sending a duplicate alias, and rotating a key (LiteLLM's /key/regenerate is enterprise-only,
 * so rotation is: move the old key to a temporary alias, generate a new key with the same
 * settings and the real alias, then the caller switches .env and deletes the old key).
 */
import type { Context } from '../core/context.js';
import { RemoteError, UserError } from '../core/errors.js';
import type { LiteLLMClient } from './client.js';
import { hashKey, keyAliasExists } from './errors.js';
import type { GenerateKeyRequest, GeneratedKey, KeyRecord } from './schemas.js';

export type StoredKey = KeyRecord & { token: string };

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface ResolvedKey {
  record: StoredKey;
  /** How the user named it. */
  via: 'key' | 'hash' | 'alias';
}

/**
 * The `<key>` argument of key info|revoke|rotate as given: "-" reads it from stdin (or a hidden
 * prompt in a terminal), so a raw key never has to be in argv; a raw sk- key typed on the command
 * line still works, with a warning (it shows in `ps` and shell history).
 */
export async function readKeyRefArgument(ctx: Context, ref: string, apiKeyFlag: string | undefined): Promise<string> {
  const value = ref.trim();
  if (value.startsWith('sk-')) {
    ctx.out.addSecret(value);
    ctx.out.warn('A key on the command line shows in "ps" and in shell history. Pass "-" instead and pipe it: printf %s "$KEY" | ai-gateway key info -');
    return value;
  }
  if (value !== '-') return value;
  if (apiKeyFlag?.trim() === '-') {
    throw new UserError('STDIN_TWICE', 'Both the key argument and --api-key are "-", but stdin can give only one of them.', {
      hint: 'Put the admin key in AI_GATEWAY_API_KEY (or leave it to .env) and pipe the key to look up.',
    });
  }
  let text: string | null;
  if (ctx.prompts.interactive) text = await ctx.prompts.password({ id: 'key-ref', message: 'Key (sk-…, alias or hash)', flagHint: '"-" with the key on stdin' });
  else text = await ctx.readStdin();
  if (text === null) {
    throw new UserError('KEY_STDIN_IS_TERMINAL', 'The key argument "-" reads the key from stdin, but stdin is a terminal and this run is not interactive.', {
      hint: 'Pipe it: printf %s "$KEY" | ai-gateway key info -',
    });
  }
  const read = text.trim();
  if (read === '' || /\s/.test(read)) {
    throw new UserError('INVALID_KEY_REF', read === '' ? 'The key argument "-" read nothing from stdin.' : 'The key argument "-" read more than one word from stdin; a key has no spaces or line breaks.', {
      hint: 'Pipe exactly the key: printf %s "$KEY" | ai-gateway key info -',
    });
  }
  ctx.out.addSecret(read);
  return read;
}

/** "<sk-… key | sha256 hash | alias>" → the stored key. A raw key is registered as a secret and sent only as its hash. */
export async function resolveKeyRef(ctx: Context, client: LiteLLMClient, ref: string): Promise<ResolvedKey> {
  const value = ref.trim();
  if (value === '') throw new UserError('INVALID_KEY_REF', 'No key given.', { hint: 'Pass a key alias, an sk-… key or its sha256 hash ("ai-gateway key list" shows aliases).' });
  if (value.startsWith('sk-')) {
    ctx.out.addSecret(value);
    return { record: await client.keyInfo(hashKey(value)), via: 'key' };
  }
  if (SHA256_HEX.test(value)) return { record: await client.keyInfo(value), via: 'hash' };
  const found = await findKeyOrParked(ctx, client, value);
  if (!found) {
    throw new RemoteError('KEY_NOT_FOUND', `No key has the alias "${value}".`, {
      hint: 'Run "ai-gateway key list" to see the existing aliases.',
      details: { alias: value },
    });
  }
  // /key/info has every column; a list entry may lack some on older versions.
  return { record: await client.keyInfo(found.token), via: 'alias' };
}

const PARKED_SUFFIX = /\.rotating-\d+$/;

/**
 * The key with `alias`, or, when there is none, the key a rotation parked under
 * `<alias>.rotating-<time>` and never finished with (the process died between the two steps).
 */
export async function findKeyOrParked(ctx: Context, client: LiteLLMClient, alias: string): Promise<StoredKey | null> {
  const found = await client.findKeyByAlias(alias);
  if (found) return found;
  const parked = (await client.listAllKeys()).filter((k) => k.key_alias?.startsWith(`${alias}.rotating-`) && PARKED_SUFFIX.test(k.key_alias));
  const latest = parked.sort((a, b) => (b.key_alias ?? '').localeCompare(a.key_alias ?? '', 'en', { numeric: true }))[0];
  if (!latest) return null;
  ctx.out.warn(`No key has the alias "${alias}", but "${latest.key_alias}" does: a rotation of "${alias}" was interrupted. Using that key.`);
  return latest;
}

/** Generate a key; an alias already in use is refused before anything is sent. */
export async function createKey(client: LiteLLMClient, request: GenerateKeyRequest): Promise<GeneratedKey> {
  if (request.key_alias !== undefined && (await client.findKeyByAlias(request.key_alias))) throw keyAliasExists(request.key_alias);
  return client.generateKey(request);
}

/** The settings of a stored key as a /key/generate body (not its spend, not its secret, not `blocked`: see rotateKey). */
export function sameSettings(record: KeyRecord): GenerateKeyRequest {
  const request: GenerateKeyRequest = {};
  const nonEmpty = (value: Record<string, unknown> | null | undefined) => (value && Object.keys(value).length > 0 ? { ...value } : undefined);
  if (record.models && record.models.length > 0) request.models = [...record.models];
  if (typeof record.max_budget === 'number') request.max_budget = record.max_budget;
  if (record.budget_duration) request.budget_duration = record.budget_duration;
  if (typeof record.tpm_limit === 'number') request.tpm_limit = record.tpm_limit;
  if (typeof record.rpm_limit === 'number') request.rpm_limit = record.rpm_limit;
  if (typeof record.max_parallel_requests === 'number') request.max_parallel_requests = record.max_parallel_requests;
  if (record.metadata && Object.keys(record.metadata).length > 0) request.metadata = { ...record.metadata };
  if (record.team_id) request.team_id = record.team_id;
  if (record.user_id) request.user_id = record.user_id;
  if (record.aliases && Object.keys(record.aliases).length > 0) request.aliases = { ...record.aliases };
  if (record.allowed_cache_controls && record.allowed_cache_controls.length > 0) request.allowed_cache_controls = [...record.allowed_cache_controls];
  if (record.allowed_routes && record.allowed_routes.length > 0) request.allowed_routes = [...record.allowed_routes];
  const config = nonEmpty(record.config);
  if (config) request.config = config;
  const permissions = nonEmpty(record.permissions);
  if (permissions) request.permissions = permissions;
  // Non-empty only on Enterprise, where the old key got it: OSS refuses any non-empty value.
  const modelMaxBudget = nonEmpty(record.model_max_budget);
  if (modelMaxBudget) request.model_max_budget = modelMaxBudget;
  const routerSettings = nonEmpty(record.router_settings);
  if (routerSettings) request.router_settings = routerSettings;
  if (record.budget_id) request.budget_id = record.budget_id;
  if (record.organization_id) request.organization_id = record.organization_id;
  if (record.project_id) request.project_id = record.project_id;
  if (record.agent_id) request.agent_id = record.agent_id;
  if (record.access_group_ids && record.access_group_ids.length > 0) request.access_group_ids = [...record.access_group_ids];
  if (record.allowed_passthrough_routes && record.allowed_passthrough_routes.length > 0) request.allowed_passthrough_routes = [...record.allowed_passthrough_routes];
  if (isLimitType(record.rpm_limit_type)) request.rpm_limit_type = record.rpm_limit_type;
  if (isLimitType(record.tpm_limit_type)) request.tpm_limit_type = record.tpm_limit_type;
  if (record.auto_rotate === true) request.auto_rotate = true;
  if (record.rotation_interval) request.rotation_interval = record.rotation_interval;
  return request;
}

const LIMIT_TYPES = ['guaranteed_throughput', 'best_effort_throughput', 'dynamic'] as const;
function isLimitType(value: string | null | undefined): value is (typeof LIMIT_TYPES)[number] {
  return (LIMIT_TYPES as readonly string[]).includes(value ?? '');
}

/** Settings of `record` that /key/generate cannot take, so a rotation cannot carry them: named in a warning. */
export function settingsNotCarried(record: KeyRecord): string[] {
  const lost: string[] = [];
  if (record.object_permission_id) lost.push('object permissions (MCP servers, vector stores, agents)');
  return lost;
}

/** Milliseconds since the epoch of a LiteLLM timestamp, or null. */
export function parseTimestamp(value: string | number | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const ms = typeof value === 'number' ? (value < 1e12 ? value * 1000 : value) : Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}

export interface RotateOptions {
  /** 'keep': the new key expires when the old one would have; 'never'; or a duration like "30d". */
  expiry: 'keep' | 'never' | string;
  /**
   * A blocked key's replacement is blocked too unless this says otherwise: rotating must not
   * quietly undo an admin's block.
   */
  blocked: 'keep' | 'unblock';
  now: number;
}

export interface Rotation {
  generated: GeneratedKey;
  old: StoredKey;
  /** The alias the old key carries until it is deleted (null when it had none). */
  parkedAlias: string | null;
  /** What the old key had that the new one does not (see settingsNotCarried). */
  notCarried: string[];
}

/** What a rotation's caller tells the user about the new key: a block it kept, settings it could not carry. */
export function rotationWarnings(rotation: Pick<Rotation, 'old' | 'notCarried'>, newKey: string): string[] {
  const warnings: string[] = [];
  if (rotation.old.blocked === true) warnings.push(`The old key was blocked, and so is ${newKey}: unblock it in the LiteLLM admin UI when it should work.`);
  for (const lost of rotation.notCarried) warnings.push(`${newKey[0]?.toUpperCase()}${newKey.slice(1)} does not have the old one's ${lost}: /key/generate cannot copy them; set them again in the LiteLLM admin UI.`);
  return warnings;
}

/** Create the replacement of `old`; the old key keeps working (under a parked alias) until deleted. */
export async function rotateKey(client: LiteLLMClient, old: StoredKey, options: RotateOptions): Promise<Rotation> {
  const request = sameSettings(old);
  if (old.blocked === true && options.blocked === 'keep') request.blocked = true;
  const expires = parseTimestamp(old.expires);
  if (options.expiry === 'keep') {
    if (expires !== null) {
      const remaining = Math.ceil((expires - options.now) / 1000);
      if (remaining <= 0) {
        throw new UserError('KEY_EXPIRED', `The key ${old.key_alias ? `"${old.key_alias}"` : (old.key_name ?? '')} expired, so its expiry cannot be kept.`, {
          hint: `Pass --duration (e.g. --duration 30d) or --no-expiry to "ai-gateway key rotate".`,
        });
      }
      request.duration = `${remaining}s`;
    }
  } else if (options.expiry !== 'never') {
    request.duration = options.expiry;
  }
  // A key found under its parked alias (an interrupted rotation) gets its real alias back.
  const alias = old.key_alias ? old.key_alias.replace(PARKED_SUFFIX, '') : null;
  let parkedAlias: string | null = null;
  if (alias) {
    // Aliases are unique: park the old key on a temporary alias so the new one can take the real one.
    parkedAlias = `${alias}.rotating-${options.now}`;
    await client.updateKey({ key: old.token, key_alias: parkedAlias });
    request.key_alias = alias;
  }
  try {
    return { generated: await client.generateKey(request), old, parkedAlias, notCarried: settingsNotCarried(old) };
  } catch (error) {
    if (alias) await client.updateKey({ key: old.token, key_alias: alias }).catch(() => undefined);
    throw error;
  }
}

/**
 * A key's settings as every command reports them: LiteLLM's optional fields with null / [] / {}
 * for "not set", the expiry as ISO 8601 and created_at as a string. The one mapping of these
 * fields: `key create` and `key rotate` report them as is, `key list` and `key info` via summarizeKey.
 */
export interface KeyFields {
  key_name: string | null;
  key_alias: string | null;
  models: string[];
  max_budget: number | null;
  budget_duration: string | null;
  expires: string | null;
  tpm_limit: number | null;
  rpm_limit: number | null;
  max_parallel_requests: number | null;
  team_id: string | null;
  user_id: string | null;
  metadata: Record<string, unknown>;
  created_at: string | null;
}

export function keyFields(record: KeyRecord | GeneratedKey): KeyFields {
  const expiresMs = parseTimestamp(record.expires);
  return {
    key_name: record.key_name ?? null,
    key_alias: record.key_alias ?? null,
    models: record.models ?? [],
    max_budget: record.max_budget ?? null,
    budget_duration: record.budget_duration ?? null,
    expires: expiresMs === null ? null : new Date(expiresMs).toISOString(),
    tpm_limit: record.tpm_limit ?? null,
    rpm_limit: record.rpm_limit ?? null,
    max_parallel_requests: record.max_parallel_requests ?? null,
    team_id: record.team_id ?? null,
    user_id: record.user_id ?? null,
    metadata: record.metadata ?? {},
    created_at: record.created_at === null || record.created_at === undefined ? null : String(record.created_at),
  };
}

/** What `key create` and `key rotate` report about the key they just made (shown once): every field LiteLLM sent (contract §4.1), ours on top. */
export interface NewKey extends KeyFields {
  [contractField: string]: unknown;
  /** The new key. Shown here once; LiteLLM keeps only its hash. */
  key: string;
  token: string;
}

export function newKey(generated: GeneratedKey): NewKey {
  return { ...generated, ...keyFields(generated), key: generated.key, token: generated.token ?? generated.token_id ?? hashKey(generated.key) };
}

/** What `key list`/`info` show about a key: never its secret. */
export interface KeySummary {
  alias: string | null;
  keyName: string | null;
  token: string;
  spend: number;
  maxBudget: number | null;
  budgetDuration: string | null;
  models: string[];
  expires: string | null;
  expired: boolean;
  blocked: boolean;
  teamId: string | null;
  userId: string | null;
  tpmLimit: number | null;
  rpmLimit: number | null;
  maxParallelRequests: number | null;
  metadata: Record<string, unknown>;
  createdAt: string | null;
  /** VIRTUAL_KEY in .env is this key. */
  inEnv: boolean;
}

export function summarizeKey(record: StoredKey, options: { now: number; envToken: string | null }): KeySummary {
  const fields = keyFields(record);
  const expiresMs = parseTimestamp(fields.expires);
  return {
    alias: fields.key_alias,
    keyName: fields.key_name,
    token: record.token,
    spend: record.spend ?? 0,
    maxBudget: fields.max_budget,
    budgetDuration: fields.budget_duration,
    models: fields.models,
    expires: fields.expires,
    expired: expiresMs !== null && expiresMs <= options.now,
    blocked: record.blocked === true,
    teamId: fields.team_id,
    userId: fields.user_id,
    tpmLimit: fields.tpm_limit,
    rpmLimit: fields.rpm_limit,
    maxParallelRequests: fields.max_parallel_requests,
    metadata: fields.metadata,
    createdAt: fields.created_at,
    inEnv: options.envToken !== null && options.envToken === record.token,
  };
}

export function formatMoney(value: number): string {
  return `$${value.toFixed(2)}`;
}

export function formatBudget(summary: Pick<KeySummary, 'spend' | 'maxBudget' | 'budgetDuration'>): string {
  const spent = formatMoney(summary.spend);
  if (summary.maxBudget === null) return `${spent} / no limit`;
  return `${spent} / ${formatMoney(summary.maxBudget)}${summary.budgetDuration ? ` per ${summary.budgetDuration}` : ''}`;
}

export function formatModels(models: string[]): string {
  return models.length === 0 ? 'all' : models.join(', ');
}

export function formatExpiry(summary: Pick<KeySummary, 'expires' | 'expired'>): string {
  if (summary.expires === null) return 'never';
  const text = `${summary.expires.slice(0, 16).replace('T', ' ')} UTC`;
  return summary.expired ? `${text} (expired)` : text;
}
