/** `key create`: a new virtual key, printed once; `--save` writes it to .env as VIRTUAL_KEY. */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import type { Style } from '../../core/output.js';
import { ENV } from '../../gateway/settings.js';
import { connect } from '../../litellm/connection.js';
import { createKey, formatBudget, formatExpiry, formatModels, newKey, parseTimestamp, type NewKey } from '../../litellm/keys.js';
import { CREATED_BY, OPEN_WEBUI_KEY_ALIAS } from '../../litellm/open-webui-key.js';
import type { GenerateKeyRequest } from '../../litellm/schemas.js';
import { saveVirtualKey } from '../../gateway/virtual-key-env.js';
import { connectionFlags, connectionOptions, trimmedNonEmpty } from '../shared/connection-options.js';
import { durationSchema, positiveInt } from './shared.js';

const aliasSchema = z.string().check(
  z.trim(),
  z.minLength(1, 'must not be empty'),
  z.maxLength(200, 'must be at most 200 characters'),
  z.refine((v) => !v.startsWith('sk-'), 'must not start with "sk-" (that is how keys are told from aliases)'),
  z.refine((v) => !/^[0-9a-f]{64}$/.test(v), 'must not look like a key hash (64 hex characters)'),
);

const modelsSchema = z
  .pipe(
    z.string(),
    z.transform((v) => v.split(',').map((m) => m.trim()).filter((m) => m !== '')),
  )
  .check(z.refine((list) => list.length > 0, 'name at least one model, e.g. --models gpt-4o-mini,claude-sonnet'));

const metadataSchema = z.pipe(
  z._default(z.array(z.string()), []),
  z.transform((entries, ctx) => {
    const record: Record<string, string> = {};
    for (const entry of entries) {
      const at = entry.indexOf('=');
      const key = at > 0 ? entry.slice(0, at).trim() : '';
      if (key === '') {
        ctx.issues.push({ code: 'custom', message: `"${entry.slice(0, 40)}" is not key=value`, input: entries });
        return z.NEVER;
      }
      record[key] = entry.slice(at + 1);
    }
    return record;
  }),
);

export const optionsSchema = z.object({
  alias: z.optional(aliasSchema),
  models: z.optional(modelsSchema),
  maxBudget: z.optional(z.coerce.number({ error: 'must be a number of USD' }).check(z.nonnegative('must be 0 or more'))),
  budgetDuration: z.optional(durationSchema),
  duration: z.optional(durationSchema),
  rpm: z.optional(positiveInt),
  tpm: z.optional(positiveInt),
  maxParallel: z.optional(positiveInt),
  team: z.optional(trimmedNonEmpty('must not be empty')),
  user: z.optional(trimmedNonEmpty('must not be empty')),
  metadata: metadataSchema,
  save: z._default(z.boolean(), false),
  ...connectionOptions,
});
export type CreateOptions = z.output<typeof optionsSchema>;

/** Every field of LiteLLM's GenerateKeyResponse as sent (contract §4.1), with ours on top. */
export interface CreateResult extends NewKey {
  saved: boolean;
  envFile: string | null;
  /** VIRTUAL_KEY held another key before --save replaced it. */
  replacedEnvKey: boolean;
  baseUrl: string;
}

export function buildGenerateRequest(options: CreateOptions): GenerateKeyRequest {
  const request: GenerateKeyRequest = { metadata: { created_by: CREATED_BY, ...options.metadata } };
  if (options.alias !== undefined) request.key_alias = options.alias;
  if (options.models !== undefined) request.models = options.models;
  if (options.maxBudget !== undefined) request.max_budget = options.maxBudget;
  if (options.budgetDuration !== undefined) request.budget_duration = options.budgetDuration;
  if (options.duration !== undefined) request.duration = options.duration;
  if (options.rpm !== undefined) request.rpm_limit = options.rpm;
  if (options.tpm !== undefined) request.tpm_limit = options.tpm;
  if (options.maxParallel !== undefined) request.max_parallel_requests = options.maxParallel;
  if (options.team !== undefined) request.team_id = options.team;
  if (options.user !== undefined) request.user_id = options.user;
  return request;
}

export async function run(ctx: Context, options: CreateOptions): Promise<CreateResult> {
  const connection = await connect(ctx, { ...connectionFlags(options), audience: 'admin', key: 'master', requireGateway: options.save });
  const { client, gateway } = connection;
  ctx.out.step(`Creating a virtual key${options.alias ? ` "${options.alias}"` : ''} on ${connection.baseUrl}`);
  const generated = await createKey(client, buildGenerateRequest(options));

  let saved = false;
  let replacedEnvKey = false;
  if (options.save && gateway) {
    const previous = gateway.secret(ENV.virtualKey);
    try {
      await saveVirtualKey(ctx, gateway.dir, generated.key);
      saved = true;
      replacedEnvKey = previous !== undefined && previous !== generated.key;
    } catch (error) {
      // The key exists now and cannot be shown again: report, but still print it.
      ctx.out.warn(`Could not write ${ENV.virtualKey} to ${gateway.path('.env')}: ${error instanceof Error ? error.message : String(error)}. Copy the key below by hand.`);
    }
    if (replacedEnvKey) {
      ctx.out.warn(
        `${ENV.virtualKey} in .env held another key, which still works: revoke it with "ai-gateway key revoke <alias>" when nothing uses it. ` +
          'Run "ai-gateway start" so Open WebUI picks up the new key.',
      );
    }
  }
  return {
    ...newKey(generated),
    saved,
    envFile: saved && gateway ? gateway.path('.env') : null,
    replacedEnvKey,
    baseUrl: connection.baseUrl,
  };
}

export function render(result: CreateResult, style: Style): string {
  return renderNewKey(result, style, 'Created');
}

/** Shared with `key rotate`: the key once, with what it can do. */
export function renderNewKey(
  result: Pick<CreateResult, 'key' | 'key_alias' | 'key_name' | 'models' | 'max_budget' | 'budget_duration' | 'expires' | 'rpm_limit' | 'tpm_limit'> & {
    saved: boolean;
    envFile: string | null;
  },
  style: Style,
  verb: string,
): string {
  const label = result.key_alias ? `"${result.key_alias}"` : (result.key_name ?? 'key');
  const limits = [result.rpm_limit ? `${result.rpm_limit} rpm` : '', result.tpm_limit ? `${result.tpm_limit} tpm` : ''].filter(Boolean).join(', ');
  const expires = parseTimestamp(result.expires);
  const lines = [
    `${style.green('✔')} ${verb} key ${label}`,
    `  models:  ${formatModels(result.models)}`,
    `  budget:  ${formatBudget({ spend: 0, maxBudget: result.max_budget, budgetDuration: result.budget_duration })}`,
    `  expires: ${formatExpiry({ expires: expires === null ? null : new Date(expires).toISOString(), expired: false })}`,
    ...(limits ? [`  limits:  ${limits}`] : []),
    ...(result.saved ? [`  saved:   ${result.envFile ?? '.env'} (${ENV.virtualKey})`] : []),
    '',
    result.key,
    '',
    style.yellow('This key is shown only once and cannot be shown again: store it now.'),
  ];
  if (result.key_alias === OPEN_WEBUI_KEY_ALIAS && !result.saved) lines.push(style.dim('Open WebUI reads VIRTUAL_KEY from .env: pass --save to use it there.'));
  return lines.join('\n');
}
