/** `models`: the model ids a key can use, as the original docs did with curl + jq. */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { UserError } from '../../core/errors.js';
import { table, type Style } from '../../core/output.js';
import { ENV } from '../../gateway/settings.js';
import { createClient, loadGatewayIfNeeded, overrideApiKey, resolveBaseUrl } from '../../litellm/connection.js';
import type { KeyRole } from '../../litellm/errors.js';
import { connectionOptions, timeoutSeconds } from '../key/shared.js';

export const optionsSchema = z.object({
  master: z._default(z.boolean(), false),
  details: z._default(z.boolean(), false),
  ...connectionOptions,
  timeout: z._default(timeoutSeconds, 30),
});
export type ModelsOptions = z.output<typeof optionsSchema>;

export interface ModelSummary {
  id: string;
  ownedBy: string | null;
  /** The upstream `provider/model` (only with --details). */
  upstream?: string | null;
}

export interface ModelsResult {
  models: ModelSummary[];
  count: number;
  baseUrl: string;
  /** Where the key came from (never the key). */
  keySource: string;
}

export async function run(ctx: Context, options: ModelsOptions): Promise<ModelsResult> {
  const gateway = await loadGatewayIfNeeded(ctx, { required: false, baseUrl: options.baseUrl });
  const override = overrideApiKey(ctx);
  let apiKey: string | undefined;
  let keySource: string;
  let keyRole: KeyRole;
  if (override) {
    [apiKey, keySource, keyRole] = [override.value, override.source, 'override'];
  } else if (options.master) {
    [apiKey, keySource, keyRole] = [gateway?.secret(ENV.masterKey), `${ENV.masterKey} in .env`, 'master'];
  } else {
    [apiKey, keySource, keyRole] = [gateway?.secret(ENV.virtualKey), `${ENV.virtualKey} in .env`, 'virtual'];
  }
  if (!apiKey) {
    throw new UserError(options.master ? 'MASTER_KEY_MISSING' : 'NO_VIRTUAL_KEY', `${keySource.replace(' in .env', '')} is not set in .env, so there is no key to ask with.`, {
      hint: options.master
        ? 'Run "ai-gateway setup" to generate the master key.'
        : 'Create one with "ai-gateway key create --alias app --save" (or run "ai-gateway start", which creates the Open WebUI key), or pass --master.',
    });
  }
  const baseUrl = resolveBaseUrl(ctx, options.baseUrl, gateway, 'app');
  const client = createClient(ctx, baseUrl, apiKey, keyRole, options.timeout);
  const entries = await client.listModels();
  const models: ModelSummary[] = entries.map((m) => ({ id: m.id, ownedBy: m.owned_by ?? null }));
  if (options.details) {
    // /model/info is an admin-side route: ask LiteLLM directly (Nginx does not serve it).
    const direct = options.baseUrl === undefined && gateway ? createClient(ctx, resolveBaseUrl(ctx, undefined, gateway, 'admin'), apiKey, keyRole, options.timeout) : client;
    const info = await direct.modelInfo();
    const upstream = new Map(info.map((d) => [d.model_name, typeof d.litellm_params?.model === 'string' ? d.litellm_params.model : null]));
    for (const model of models) model.upstream = upstream.get(model.id) ?? null;
  }
  return { models, count: models.length, baseUrl, keySource };
}

export function render(result: ModelsResult, style: Style): string {
  if (result.models.length === 0) {
    return `This key can use no models (${result.keySource}). Add models to config.yaml, or create a key with --models.`;
  }
  const withDetails = result.models.some((m) => m.upstream !== undefined);
  const headers = withDetails ? ['MODEL', 'UPSTREAM', 'OWNED BY'] : ['MODEL', 'OWNED BY'];
  const rows = result.models.map((m) => (withDetails ? [m.id, m.upstream ?? '-', m.ownedBy ?? '-'] : [m.id, m.ownedBy ?? '-']));
  return [table(headers, rows, style), '', style.dim(`${result.count} model${result.count === 1 ? '' : 's'} for ${result.keySource}.`)].join('\n');
}
