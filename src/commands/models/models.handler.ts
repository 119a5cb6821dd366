/** `models`: the model ids a key can use, as the original docs did with curl + jq. */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { table, type Style } from '../../core/output.js';
import { connect, createClient, gatewayBaseUrl } from '../../litellm/connection.js';
import { connectionFlags, connectionOptions, timeoutSeconds } from '../shared/connection-options.js';

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
  const key = options.master ? 'master' : 'virtual';
  const missingKeyHint = options.master
    ? 'Run "ai-gateway setup" to generate the master key.'
    : 'Create one with "ai-gateway key create --alias app --save" (or run "ai-gateway start", which creates the Open WebUI key), or pass --master.';
  const connection = await connect(ctx, { ...connectionFlags(options), audience: 'app', key, missingKeyHint });
  const { client, gateway, baseUrl, keySource } = connection;
  const entries = await client.listModels();
  const models: ModelSummary[] = entries.map((m) => ({ id: m.id, ownedBy: m.owned_by ?? null }));
  if (options.details) {
    // /model/info is an admin-side route: ask LiteLLM directly (Nginx does not serve it), with the same key.
    const direct = connection.baseUrlGiven || !gateway ? client : createClient(ctx, gatewayBaseUrl(gateway, 'admin'), connection.apiKey, connection.keyRole, options.timeout);
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
