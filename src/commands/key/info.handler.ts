/** `key info <key|alias>`: one key's settings and spend; a raw key given here is never echoed. */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import type { Style } from '../../core/output.js';
import { connect } from '../../litellm/connection.js';
import { formatBudget, formatExpiry, formatModels, readKeyRefArgument, resolveKeyRef, summarizeKey, type KeySummary } from '../../litellm/keys.js';
import { envKeyToken } from './list.handler.js';
import { connectionFlags, connectionOptions } from '../shared/connection-options.js';
import { keyRefArgs } from './shared.js';

export const optionsSchema = z.object({ args: keyRefArgs, ...connectionOptions });
export type InfoOptions = z.output<typeof optionsSchema>;

export interface InfoResult {
  info: KeySummary;
  baseUrl: string;
}

export async function run(ctx: Context, options: InfoOptions): Promise<InfoResult> {
  const ref = await readKeyRefArgument(ctx, options.args[0], options.apiKey);
  const { client, gateway, baseUrl } = await connect(ctx, { ...connectionFlags(options), audience: 'admin', key: 'master' });
  const { record } = await resolveKeyRef(ctx, client, ref);
  return { info: summarizeKey(record, { now: ctx.clock.now(), envToken: envKeyToken(gateway) }), baseUrl };
}

export function render(result: InfoResult, style: Style): string {
  const k = result.info;
  const meta = Object.entries(k.metadata).map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const rows: [string, string][] = [
    ['alias', k.alias ?? '(none)'],
    ['key', k.keyName ?? '(name not stored)'],
    ['hash', k.token],
    ['spend / budget', formatBudget(k)],
    ['models', formatModels(k.models)],
    ['expires', formatExpiry(k)],
    ['blocked', k.blocked ? style.red('yes') : 'no'],
    ['limits', [k.rpmLimit ? `${k.rpmLimit} rpm` : '', k.tpmLimit ? `${k.tpmLimit} tpm` : '', k.maxParallelRequests ? `${k.maxParallelRequests} parallel` : ''].filter(Boolean).join(', ') || 'none'],
    ['team', k.teamId ?? '-'],
    ['user', k.userId ?? '-'],
    ['metadata', meta.length ? meta.join(', ') : '-'],
    ['created', k.createdAt ?? '-'],
    ['in .env', k.inEnv ? 'yes (VIRTUAL_KEY)' : 'no'],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${style.bold(label.padEnd(width))}  ${value}`).join('\n');
}
