/** `key list`: every key on the proxy (all pages), never a secret. */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { table, type Style } from '../../core/output.js';
import type { Gateway } from '../../gateway/layout.js';
import { ENV } from '../../gateway/settings.js';
import { connect } from '../../litellm/connection.js';
import { hashKey } from '../../litellm/errors.js';
import { formatBudget, formatExpiry, formatModels, summarizeKey, type KeySummary } from '../../litellm/keys.js';
import { connectionFlags, connectionOptions } from '../shared/connection-options.js';

export const optionsSchema = z.object({ ...connectionOptions });
export type ListOptions = z.output<typeof optionsSchema>;

export interface ListResult {
  keys: KeySummary[];
  total: number;
  baseUrl: string;
}

/** sha256 of VIRTUAL_KEY in .env, to mark the key apps use (null when unset or no gateway). */
export function envKeyToken(gateway: Gateway | null): string | null {
  const key = gateway?.secret(ENV.virtualKey);
  return key ? hashKey(key) : null;
}

export async function run(ctx: Context, options: ListOptions): Promise<ListResult> {
  const { client, gateway, baseUrl } = await connect(ctx, { ...connectionFlags(options), audience: 'admin', key: 'master' });
  const records = await client.listAllKeys();
  const envToken = envKeyToken(gateway);
  const now = ctx.clock.now();
  const keys = records.map((record) => summarizeKey(record, { now, envToken }));
  return { keys, total: keys.length, baseUrl };
}

export function render(result: ListResult, style: Style): string {
  if (result.keys.length === 0) return 'No virtual keys yet. Create one with "ai-gateway key create --alias app --save".';
  const rows = result.keys.map((k) => [
    (k.alias ?? style.dim('(no alias)')) + (k.inEnv ? style.cyan(' *') : ''),
    k.keyName ?? `${k.token.slice(0, 8)}…`,
    formatBudget(k),
    formatModels(k.models),
    formatExpiry(k),
    k.blocked ? style.red('yes') : 'no',
  ]);
  const lines = [table(['ALIAS', 'KEY', 'SPEND / BUDGET', 'MODELS', 'EXPIRES', 'BLOCKED'], rows, style)];
  lines.push('', `${result.total} key${result.total === 1 ? '' : 's'}.`);
  if (result.keys.some((k) => k.inEnv)) lines.push(style.dim(`* is ${ENV.virtualKey} in .env (used by Open WebUI).`));
  return lines.join('\n');
}
