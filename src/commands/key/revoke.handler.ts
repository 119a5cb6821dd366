/** `key revoke <key|alias>`: delete a key after confirmation; VIRTUAL_KEY leaves .env if it was that key. */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { CancelledError } from '../../core/errors.js';
import type { Style } from '../../core/output.js';
import { ENV } from '../../gateway/settings.js';
import { connect } from '../../litellm/connection.js';
import { readKeyRefArgument, resolveKeyRef } from '../../litellm/keys.js';
import { removeVirtualKeyIfHeld } from '../../gateway/virtual-key-env.js';
import { connectionFlags, connectionOptions } from '../shared/connection-options.js';
import { keyRefArgs } from './shared.js';

export const optionsSchema = z.object({ args: keyRefArgs, ...connectionOptions });
export type RevokeOptions = z.output<typeof optionsSchema>;

export interface RevokeResult {
  revoked: { alias: string | null; keyName: string | null; token: string };
  removedFromEnv: boolean;
  baseUrl: string;
}

export async function run(ctx: Context, options: RevokeOptions): Promise<RevokeResult> {
  const ref = await readKeyRefArgument(ctx, options.args[0], options.apiKey);
  const { client, gateway, baseUrl } = await connect(ctx, { ...connectionFlags(options), audience: 'admin', key: 'master' });
  const { record } = await resolveKeyRef(ctx, client, ref);
  const label = `${record.key_alias ? `"${record.key_alias}" ` : ''}(${record.key_name ?? `${record.token.slice(0, 12)}…`})`;
  if (!ctx.yes) {
    const confirmed = await ctx.prompts.confirm({
      id: 'confirm-revoke',
      message: `Revoke key ${label}? Anything using it will get 401 from now on.`,
      default: false,
      flagHint: '--yes to revoke without asking',
    });
    if (!confirmed) throw new CancelledError(`Key ${label} was not revoked.`);
  }
  await client.deleteKeys({ keys: [record.token] });
  const removedFromEnv = gateway ? await removeVirtualKeyIfHeld(ctx, gateway.dir, record.token) : false;
  if (removedFromEnv) {
    ctx.out.warn(
      `${ENV.virtualKey} in .env was this key and has been removed. Open WebUI still holds the revoked key: ` +
        'run "ai-gateway start", which creates a new one and recreates Open WebUI.',
    );
  }
  return { revoked: { alias: record.key_alias ?? null, keyName: record.key_name ?? null, token: record.token }, removedFromEnv, baseUrl };
}

export function render(result: RevokeResult, style: Style): string {
  const name = result.revoked.alias ? `"${result.revoked.alias}" (${result.revoked.keyName ?? 'no name'})` : (result.revoked.keyName ?? result.revoked.token);
  return [
    `${style.green('✔')} Revoked key ${name}.`,
    ...(result.removedFromEnv ? [`  Removed ${ENV.virtualKey} from .env.`] : []),
  ].join('\n');
}
