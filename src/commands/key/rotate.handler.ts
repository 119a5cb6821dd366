/**
 * `key rotate <alias>`: a new key with the same settings (models, budget, limits, metadata, team,
 * user, expiry; not the spend), .env switched if it held the old key, then the old key deleted.
 * LiteLLM's /key/regenerate is enterprise-only, so this works on every edition.
 */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { isAppError } from '../../core/errors.js';
import type { Style } from '../../core/output.js';
import { ENV } from '../../gateway/settings.js';
import { connect } from '../../litellm/connection.js';
import { newKey, readKeyRefArgument, resolveKeyRef, rotateKey, rotationWarnings, type NewKey } from '../../litellm/keys.js';
import { OPEN_WEBUI_KEY_ALIAS } from '../../litellm/open-webui-key.js';
import { switchVirtualKeyIfHeld } from '../../gateway/virtual-key-env.js';
import { savedConnectionNote } from '../shared/first-start.js';
import { gatewayCommand } from '../../core/shell.js';
import { renderNewKey } from './create.handler.js';
import { connectionFlags, connectionOptions } from '../shared/connection-options.js';
import { durationSchema, keyRefArgs } from './shared.js';

export const optionsSchema = z
  .object({
    args: keyRefArgs,
    duration: z.optional(durationSchema),
    /** commander's --no-expiry: false when given. */
    expiry: z._default(z.boolean(), true),
    ...connectionOptions,
  })
  .check(z.refine((o) => !(o.duration !== undefined && !o.expiry), { message: '--duration and --no-expiry contradict each other; pass one', path: ['duration'] }));
export type RotateOptions = z.output<typeof optionsSchema>;

/** The new key as `key create` reports it (every field LiteLLM sent), and what happened to the old one. */
export interface RotateResult extends NewKey {
  replaced: { keyName: string | null; token: string; deleted: boolean };
  /** .env's VIRTUAL_KEY held the old key and now holds the new one. */
  saved: boolean;
  envFile: string | null;
  baseUrl: string;
}

export async function run(ctx: Context, options: RotateOptions): Promise<RotateResult> {
  const ref = await readKeyRefArgument(ctx, options.args[0], options.apiKey);
  const { client, gateway, baseUrl } = await connect(ctx, { ...connectionFlags(options), audience: 'admin', key: 'master' });
  const { record: old } = await resolveKeyRef(ctx, client, ref);
  const expiry = options.duration ?? (options.expiry ? 'keep' : 'never');
  ctx.out.step(`Creating the replacement of ${old.key_alias ? `"${old.key_alias}"` : (old.key_name ?? 'the key')} with the same settings`);
  const rotation = await rotateKey(client, old, { expiry, blocked: 'keep', now: ctx.clock.now() });
  const { generated } = rotation;
  for (const warning of rotationWarnings(rotation, 'the new one')) ctx.out.warn(warning);

  // From here on the new key exists and is printed whatever else fails: it cannot be shown again.
  let saved = false;
  if (gateway) {
    try {
      saved = await switchVirtualKeyIfHeld(ctx, gateway.dir, old.token, generated.key);
    } catch (error) {
      ctx.out.warn(`Could not switch ${ENV.virtualKey} in ${gateway.path('.env')}: ${messageOf(error)}. Put the new key there by hand.`);
    }
  }
  let deleted = false;
  try {
    await client.deleteKeys({ keys: [old.token] });
    deleted = true;
  } catch (error) {
    ctx.out.warn(
      `The old key could not be deleted (${messageOf(error)}); it still works. Delete it with "ai-gateway key revoke ${old.token}".`,
    );
  }
  if (saved) {
    ctx.out.warn(
      `${ENV.virtualKey} in .env now holds the new key. Open WebUI${old.key_alias === OPEN_WEBUI_KEY_ALIAS ? '' : ' (if it uses this key)'} keeps the old one until its container is recreated: run "${gatewayCommand(ctx, 'start')}". ${savedConnectionNote(ctx)}`,
    );
  }
  return {
    ...newKey(generated),
    replaced: { keyName: old.key_name ?? null, token: old.token, deleted },
    saved,
    envFile: saved && gateway ? gateway.path('.env') : null,
    baseUrl,
  };
}

function messageOf(error: unknown): string {
  if (isAppError(error)) return `${error.code}: ${error.message}`;
  return error instanceof Error ? error.message : String(error);
}

export function render(result: RotateResult, style: Style): string {
  const text = renderNewKey(result, style, 'Rotated');
  const old = result.replaced.deleted ? `  replaced and deleted: ${result.replaced.keyName ?? result.replaced.token}` : `  old key NOT deleted: ${result.replaced.keyName ?? result.replaced.token}`;
  const [first, ...rest] = text.split('\n');
  return [first, old, ...rest].join('\n');
}
