/**
 * zod schemas for LiteLLM's responses (docs/litellm-contract.md), tolerant of every variant the
 * contract lists: legacy/modern readiness bodies, `/key/list` returning hashes or full objects,
 * dict columns sent as JSON strings by `/key/update`, nullable everything. Unknown fields are
 * dropped, so a newer LiteLLM adding fields never breaks us.
 *
 * Every schema is built on first use (`modelListResponseSchema()`), and fields share instances:
 * on a cold start, building the first schema of each kind costs ~0.5 ms, all of them ~6 ms, and a
 * command needs two or three (`models` only the model list).
 */
import { z } from '../core/schema.js';

function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= build());
}

/** A dict column: an object, or the same object serialized as a JSON string (contract §4.5). */
const jsonObject = lazy(() =>
  z.pipe(
    z.transform((value: unknown) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        return value;
      }
    }),
    z.record(z.string(), z.unknown()),
  ),
);

const optionalString = lazy(() => z.nullish(z.string()));
const optionalNumber = lazy(() => z.nullish(z.number()));
const optionalBoolean = lazy(() => z.nullish(z.boolean()));
const optionalJsonObject = lazy(() => z.nullish(jsonObject()));
const optionalStrings = lazy(() => z.nullish(z.array(z.string())));
const optionalList = lazy(() => z.nullish(z.array(z.unknown())));
/** Prisma decimals and dates may arrive as numbers or strings depending on the version. */
const decimalString = lazy(() => z.pipe(z.string().check(z.regex(/^-?\d+(\.\d+)?$/)), z.transform(Number)));
const numberish = lazy(() => z.nullish(z.union([z.number(), decimalString()])));
const dateish = lazy(() => z.nullish(z.union([z.string(), z.number()])));

/** The fields a new key's settings come back in: `/key/generate`'s answer, and part of every key record. */
const keySettingsShape = () => ({
  token: optionalString(),
  key_name: optionalString(),
  key_alias: optionalString(),
  models: optionalStrings(),
  max_budget: numberish(),
  budget_duration: optionalString(),
  expires: dateish(),
  tpm_limit: optionalNumber(),
  rpm_limit: optionalNumber(),
  max_parallel_requests: optionalNumber(),
  metadata: optionalJsonObject(),
  team_id: optionalString(),
  user_id: optionalString(),
  created_at: dateish(),
});

/** Fields shared by `/key/info`'s `info` and full `/key/list` entries. */
export const keyRecordSchema = lazy(() =>
  z.object({
    ...keySettingsShape(),
    spend: numberish(),
    budget_reset_at: dateish(),
    blocked: optionalBoolean(),
    aliases: optionalJsonObject(),
    allowed_cache_controls: optionalList(),
    allowed_routes: optionalList(),
    // Settings `key rotate` carries over (contract §4.1, §4.2; some only in newer versions).
    config: optionalJsonObject(),
    permissions: optionalJsonObject(),
    model_max_budget: optionalJsonObject(),
    router_settings: optionalJsonObject(),
    budget_id: optionalString(),
    organization_id: optionalString(),
    project_id: optionalString(),
    agent_id: optionalString(),
    access_group_ids: optionalStrings(),
    allowed_passthrough_routes: optionalList(),
    rpm_limit_type: optionalString(),
    tpm_limit_type: optionalString(),
    auto_rotate: optionalBoolean(),
    rotation_interval: optionalString(),
    /** MCP / vector store / agent permissions live in their own table, linked by this id. */
    object_permission_id: optionalString(),
    /** Full `/key/list` entries (UserAPIKeyAuth) of some versions carry the hash here. */
    api_key: optionalString(),
    created_by: optionalString(),
    updated_at: dateish(),
  }),
);
export type KeyRecord = z.infer<ReturnType<typeof keyRecordSchema>>;

/**
 * GenerateKeyResponse: the fields we read are checked, the others (the rest of the contract's
 * ~50) are kept as sent, so `key create --json` passes the whole answer on.
 */
export const generateKeyResponseSchema = lazy(() =>
  z.looseObject({
    ...keySettingsShape(),
    key: z.string().check(z.startsWith('sk-')),
    token_id: optionalString(),
  }),
);
export type GeneratedKey = z.infer<ReturnType<typeof generateKeyResponseSchema>>;

export const keyInfoResponseSchema = lazy(() =>
  z.object({
    key: optionalString(),
    info: keyRecordSchema(),
  }),
);

export const keyListResponseSchema = lazy(() =>
  z.object({
    keys: z.array(z.union([z.string(), keyRecordSchema()])),
    total_count: optionalNumber(),
    current_page: optionalNumber(),
    total_pages: optionalNumber(),
  }),
);
export type KeyListPage = z.infer<ReturnType<typeof keyListResponseSchema>>;

export const keyDeleteResponseSchema = lazy(() =>
  z.object({
    deleted_keys: z.array(z.unknown()),
  }),
);

export const keyUpdateResponseSchema = lazy(() =>
  z.looseObject({
    key: optionalString(),
    token: optionalString(),
    key_alias: optionalString(),
    metadata: optionalJsonObject(),
  }),
);

export const modelListResponseSchema = lazy(() =>
  z.object({
    data: z.array(
      z.object({
        id: z.string(),
        object: optionalString(),
        created: optionalNumber(),
        owned_by: optionalString(),
      }),
    ),
    object: optionalString(),
  }),
);
export type ModelEntry = z.infer<ReturnType<typeof modelListResponseSchema>>['data'][number];

export const modelInfoResponseSchema = lazy(() =>
  z.object({
    data: z.array(
      z.object({
        model_name: z.string(),
        litellm_params: optionalJsonObject(),
        model_info: optionalJsonObject(),
      }),
    ),
  }),
);
export type ModelInfoEntry = z.infer<ReturnType<typeof modelInfoResponseSchema>>['data'][number];

/** Legacy `{status, db, cache, litellm_version, …}`, modern `{status}` and `{status, db}` (contract §3). */
export const readinessResponseSchema = lazy(() =>
  z.object({
    status: z.string(),
    db: optionalString(),
    litellm_version: optionalString(),
  }),
);
export type Readiness = z.infer<ReturnType<typeof readinessResponseSchema>>;

export const openApiSchema = lazy(() =>
  z.object({
    openapi: z.string().check(z.regex(/^3\.\d+(\.\d+)?/, 'an OpenAPI 3.x version such as "3.1.0"')),
    info: z.object({ title: z.string(), version: z.string() }),
    paths: z.record(z.string(), z.unknown()),
  }),
);
export type OpenApiSummary = z.infer<ReturnType<typeof openApiSchema>>;

/** Field schemas of the request bodies we send. */
const sendString = lazy(() => z.optional(z.string()));
const sendStrings = lazy(() => z.optional(z.array(z.string())));
const sendNumber = lazy(() => z.optional(z.number()));
const sendInt = lazy(() => z.optional(z.number().check(z.int())));
const sendBoolean = lazy(() => z.optional(z.boolean()));
const sendObject = lazy(() => z.optional(z.record(z.string(), z.unknown())));
const sendList = lazy(() => z.optional(z.array(z.unknown())));
const sendLimitType = lazy(() => z.optional(z.enum(['guaranteed_throughput', 'best_effort_throughput', 'dynamic'])));

/**
 * The body of `/key/generate` we send: only fields LiteLLM defines (GenerateKeyRequest,
 * contract §4.1). LiteLLM ignores unknown fields silently, so a typo would pass unnoticed;
 * a strict schema makes it our bug instead.
 */
export const generateKeyRequestSchema = lazy(() =>
  z.strictObject({
    key_alias: sendString(),
    duration: sendString(),
    models: sendStrings(),
    max_budget: sendNumber(),
    budget_duration: sendString(),
    user_id: sendString(),
    team_id: sendString(),
    max_parallel_requests: sendInt(),
    metadata: sendObject(),
    tpm_limit: sendInt(),
    rpm_limit: sendInt(),
    aliases: sendObject(),
    allowed_cache_controls: sendList(),
    allowed_routes: sendList(),
    blocked: sendBoolean(),
    config: sendObject(),
    permissions: sendObject(),
    model_max_budget: sendObject(),
    router_settings: sendObject(),
    budget_id: sendString(),
    organization_id: sendString(),
    project_id: sendString(),
    agent_id: sendString(),
    access_group_ids: sendStrings(),
    allowed_passthrough_routes: sendList(),
    rpm_limit_type: sendLimitType(),
    tpm_limit_type: sendLimitType(),
    auto_rotate: sendBoolean(),
    rotation_interval: sendString(),
  }),
);
export type GenerateKeyRequest = z.infer<ReturnType<typeof generateKeyRequestSchema>>;

/** `/key/update`: `key` plus the KeyRequestBase fields we change (contract §4.5). */
export const updateKeyRequestSchema = lazy(() =>
  z.strictObject({
    key: z.string(),
    key_alias: sendString(),
    metadata: sendObject(),
    allowed_routes: sendList(),
  }),
);
export type UpdateKeyRequest = z.infer<ReturnType<typeof updateKeyRequestSchema>>;

/** `/key/delete`: `keys` (raw or sha256) or `key_aliases` (contract §4.4). */
export const deleteKeyRequestSchema = lazy(() =>
  z.strictObject({
    keys: sendStrings(),
    key_aliases: sendStrings(),
  }),
);
export type DeleteKeyRequest = z.infer<ReturnType<typeof deleteKeyRequestSchema>>;
