/**
 * zod schemas for LiteLLM's responses (litellm-contract.md), tolerant of every variant the
 * contract lists: legacy/modern readiness bodies, `/key/list` returning hashes or full objects,
 * dict columns sent as JSON strings by `/key/update`, nullable everything. Unknown fields are
 * dropped, so a newer LiteLLM adding fields never breaks us.
 */
import { z } from 'zod';

/** A dict column: an object, or the same object serialized as a JSON string (contract §4.5). */
const jsonObject = z.preprocess((value) => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}, z.record(z.string(), z.unknown()));

const optionalString = z.string().nullish();
const optionalNumber = z.number().nullish();
/** Prisma decimals and dates may arrive as numbers or strings depending on the version. */
const numberish = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]).nullish();
const dateish = z.union([z.string(), z.number()]).nullish();

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
  models: z.array(z.string()).nullish(),
  metadata: jsonObject.nullish(),
  user_id: optionalString,
  team_id: optionalString,
  tpm_limit: optionalNumber,
  rpm_limit: optionalNumber,
  max_parallel_requests: optionalNumber,
  blocked: z.boolean().nullish(),
  aliases: jsonObject.nullish(),
  allowed_cache_controls: z.array(z.unknown()).nullish(),
  allowed_routes: z.array(z.unknown()).nullish(),
  created_at: dateish,
  created_by: optionalString,
  updated_at: dateish,
});
export type KeyRecord = z.infer<typeof keyRecordSchema>;

export const generateKeyResponseSchema = keyRecordSchema.extend({
  key: z.string().startsWith('sk-'),
  token_id: optionalString,
});
export type GeneratedKey = z.infer<typeof generateKeyResponseSchema>;

export const keyInfoResponseSchema = z.object({
  key: optionalString,
  info: keyRecordSchema,
});

export const keyListResponseSchema = z.object({
  keys: z.array(z.union([z.string(), keyRecordSchema])),
  total_count: z.number().nullish(),
  current_page: z.number().nullish(),
  total_pages: z.number().nullish(),
});
export type KeyListPage = z.infer<typeof keyListResponseSchema>;

export const keyDeleteResponseSchema = z.object({
  deleted_keys: z.array(z.unknown()),
});

export const keyUpdateResponseSchema = z.looseObject({
  key: optionalString,
  token: optionalString,
  key_alias: optionalString,
  metadata: jsonObject.nullish(),
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
      litellm_params: z.record(z.string(), z.unknown()).nullish(),
      model_info: z.record(z.string(), z.unknown()).nullish(),
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
  openapi: z.string().regex(/^3\.\d+(\.\d+)?/, 'an OpenAPI 3.x version such as "3.1.0"'),
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
  key_alias: z.string().optional(),
  duration: z.string().optional(),
  models: z.array(z.string()).optional(),
  max_budget: z.number().optional(),
  budget_duration: z.string().optional(),
  user_id: z.string().optional(),
  team_id: z.string().optional(),
  max_parallel_requests: z.number().int().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  tpm_limit: z.number().int().optional(),
  rpm_limit: z.number().int().optional(),
  aliases: z.record(z.string(), z.unknown()).optional(),
  allowed_cache_controls: z.array(z.unknown()).optional(),
  allowed_routes: z.array(z.unknown()).optional(),
  blocked: z.boolean().optional(),
});
export type GenerateKeyRequest = z.infer<typeof generateKeyRequestSchema>;

/** `/key/update`: `key` plus the KeyRequestBase fields we change (contract §4.5). */
export const updateKeyRequestSchema = z.strictObject({
  key: z.string(),
  key_alias: z.string().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});
export type UpdateKeyRequest = z.infer<typeof updateKeyRequestSchema>;

/** `/key/delete`: `keys` (raw or sha256) or `key_aliases` (contract §4.4). */
export const deleteKeyRequestSchema = z.strictObject({
  keys: z.array(z.string()).optional(),
  key_aliases: z.array(z.string()).optional(),
});
export type DeleteKeyRequest = z.infer<typeof deleteKeyRequestSchema>;
