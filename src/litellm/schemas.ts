/**
 * zod schemas for LiteLLM's responses (litellm-contract.md), tolerant of every variant the
 * contract lists: legacy/modern readiness bodies, `/key/list` returning hashes or full objects,
 * dict columns sent as JSON strings by `/key/update`, nullable everything. Unknown fields are
 * dropped, so a newer LiteLLM adding fields never breaks us.
 */
import { z } from '../core/schema.js';

/** A dict column: an object, or the same object serialized as a JSON string (contract §4.5). */
const jsonObject = z.pipe(
  z.transform((value: unknown) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }),
  z.record(z.string(), z.unknown()),
);

const optionalString = z.nullish(z.string());
const optionalNumber = z.nullish(z.number());
/** Prisma decimals and dates may arrive as numbers or strings depending on the version. */
const decimalString = z.pipe(z.string().check(z.regex(/^-?\d+(\.\d+)?$/)), z.transform(Number));
const numberish = z.nullish(z.union([z.number(), decimalString]));
const dateish = z.nullish(z.union([z.string(), z.number()]));

/** Fields shared by `/key/generate`'s response, `/key/info`'s `info` and full `/key/list` entries. */
export const keyRecordSchema = z.object({
  token: optionalString,
  key_name: optionalString,
  key_alias: optionalString,
  spend: numberish,
  max_budget: numberish,
  budget_duration: optionalString,
  budget_reset_at: dateish,
  expires: dateish,
  models: z.nullish(z.array(z.string())),
  metadata: z.nullish(jsonObject),
  user_id: optionalString,
  team_id: optionalString,
  tpm_limit: optionalNumber,
  rpm_limit: optionalNumber,
  max_parallel_requests: optionalNumber,
  blocked: z.nullish(z.boolean()),
  aliases: z.nullish(jsonObject),
  allowed_cache_controls: z.nullish(z.array(z.unknown())),
  allowed_routes: z.nullish(z.array(z.unknown())),
  // Settings `key rotate` carries over (contract §4.1, §4.2; some only in newer versions).
  config: z.nullish(jsonObject),
  permissions: z.nullish(jsonObject),
  model_max_budget: z.nullish(jsonObject),
  router_settings: z.nullish(jsonObject),
  budget_id: optionalString,
  organization_id: optionalString,
  project_id: optionalString,
  agent_id: optionalString,
  access_group_ids: z.nullish(z.array(z.string())),
  allowed_passthrough_routes: z.nullish(z.array(z.unknown())),
  rpm_limit_type: optionalString,
  tpm_limit_type: optionalString,
  auto_rotate: z.nullish(z.boolean()),
  rotation_interval: optionalString,
  /** MCP / vector store / agent permissions live in their own table, linked by this id. */
  object_permission_id: optionalString,
  /** Full `/key/list` entries (UserAPIKeyAuth) of some versions carry the hash here. */
  api_key: optionalString,
  created_at: dateish,
  created_by: optionalString,
  updated_at: dateish,
});
export type KeyRecord = z.infer<typeof keyRecordSchema>;

/** GenerateKeyResponse: fields we do not know are kept, so `key create --json` passes the whole contract on. */
export const generateKeyResponseSchema = z.looseObject({
  ...keyRecordSchema.shape,
  key: z.string().check(z.startsWith('sk-')),
  token_id: optionalString,
});
export type GeneratedKey = z.infer<typeof generateKeyResponseSchema>;

export const keyInfoResponseSchema = z.object({
  key: optionalString,
  info: keyRecordSchema,
});

export const keyListResponseSchema = z.object({
  keys: z.array(z.union([z.string(), keyRecordSchema])),
  total_count: z.nullish(z.number()),
  current_page: z.nullish(z.number()),
  total_pages: z.nullish(z.number()),
});
export type KeyListPage = z.infer<typeof keyListResponseSchema>;

export const keyDeleteResponseSchema = z.object({
  deleted_keys: z.array(z.unknown()),
});

export const keyUpdateResponseSchema = z.looseObject({
  key: optionalString,
  token: optionalString,
  key_alias: optionalString,
  metadata: z.nullish(jsonObject),
});

export const modelListResponseSchema = z.object({
  data: z.array(
    z.object({
      id: z.string(),
      object: optionalString,
      created: optionalNumber,
      owned_by: optionalString,
    }),
  ),
  object: optionalString,
});
export type ModelEntry = z.infer<typeof modelListResponseSchema>['data'][number];

export const modelInfoResponseSchema = z.object({
  data: z.array(
    z.object({
      model_name: z.string(),
      litellm_params: z.nullish(z.record(z.string(), z.unknown())),
      model_info: z.nullish(z.record(z.string(), z.unknown())),
    }),
  ),
});
export type ModelInfoEntry = z.infer<typeof modelInfoResponseSchema>['data'][number];

/** Legacy `{status, db, cache, litellm_version, …}`, modern `{status}` and `{status, db}` (contract §3). */
export const readinessResponseSchema = z.object({
  status: z.string(),
  db: optionalString,
  litellm_version: optionalString,
});
export type Readiness = z.infer<typeof readinessResponseSchema>;

export const openApiSchema = z.object({
  openapi: z.string().check(z.regex(/^3\.\d+(\.\d+)?/, 'an OpenAPI 3.x version such as "3.1.0"')),
  info: z.object({ title: z.string(), version: z.string() }),
  paths: z.record(z.string(), z.unknown()),
});
export type OpenApiSummary = z.infer<typeof openApiSchema>;

/**
 * The body of `/key/generate` we send: only fields LiteLLM defines (GenerateKeyRequest,
 * contract §4.1). LiteLLM ignores unknown fields silently, so a typo would pass unnoticed;
 * a strict schema makes it our bug instead.
 */
export const generateKeyRequestSchema = z.strictObject({
  key_alias: z.optional(z.string()),
  duration: z.optional(z.string()),
  models: z.optional(z.array(z.string())),
  max_budget: z.optional(z.number()),
  budget_duration: z.optional(z.string()),
  user_id: z.optional(z.string()),
  team_id: z.optional(z.string()),
  max_parallel_requests: z.optional(z.number().check(z.int())),
  metadata: z.optional(z.record(z.string(), z.unknown())),
  tpm_limit: z.optional(z.number().check(z.int())),
  rpm_limit: z.optional(z.number().check(z.int())),
  aliases: z.optional(z.record(z.string(), z.unknown())),
  allowed_cache_controls: z.optional(z.array(z.unknown())),
  allowed_routes: z.optional(z.array(z.unknown())),
  blocked: z.optional(z.boolean()),
  config: z.optional(z.record(z.string(), z.unknown())),
  permissions: z.optional(z.record(z.string(), z.unknown())),
  model_max_budget: z.optional(z.record(z.string(), z.unknown())),
  router_settings: z.optional(z.record(z.string(), z.unknown())),
  budget_id: z.optional(z.string()),
  organization_id: z.optional(z.string()),
  project_id: z.optional(z.string()),
  agent_id: z.optional(z.string()),
  access_group_ids: z.optional(z.array(z.string())),
  allowed_passthrough_routes: z.optional(z.array(z.unknown())),
  rpm_limit_type: z.optional(z.enum(['guaranteed_throughput', 'best_effort_throughput', 'dynamic'])),
  tpm_limit_type: z.optional(z.enum(['guaranteed_throughput', 'best_effort_throughput', 'dynamic'])),
  auto_rotate: z.optional(z.boolean()),
  rotation_interval: z.optional(z.string()),
});
export type GenerateKeyRequest = z.infer<typeof generateKeyRequestSchema>;

/** `/key/update`: `key` plus the KeyRequestBase fields we change (contract §4.5). */
export const updateKeyRequestSchema = z.strictObject({
  key: z.string(),
  key_alias: z.optional(z.string()),
  metadata: z.optional(z.record(z.string(), z.unknown())),
});
export type UpdateKeyRequest = z.infer<typeof updateKeyRequestSchema>;

/** `/key/delete`: `keys` (raw or sha256) or `key_aliases` (contract §4.4). */
export const deleteKeyRequestSchema = z.strictObject({
  keys: z.optional(z.array(z.string())),
  key_aliases: z.optional(z.array(z.string())),
});
export type DeleteKeyRequest = z.infer<typeof deleteKeyRequestSchema>;
