/**
 * The Open WebUI key, ensured by `start` once the stack is healthy (replaces the original's
 * `sleep 45` + create-on-every-first-run, which failed with a duplicate alias on the second run):
 *   VIRTUAL_KEY in .env and valid on the proxy              → kept
 *   VIRTUAL_KEY known but blocked                           → kept, with a warning (a block is an admin's decision)
 *   no usable VIRTUAL_KEY, no key with alias "open-webui"  → created and saved
 *   no usable VIRTUAL_KEY, alias "open-webui" exists        → rotated (same settings), saved, old deleted
 * It always talks to this gateway's own LiteLLM with its master key: LITELLM_PROXY_URL and API key
 * overrides in the shell are for the key commands, never for what `start` writes into .env.
 * It waits for readiness instead of sleeping, and running it twice changes nothing the second time.
 * When `changed`, the caller recreates only the open-webui container so it picks the key up.
 */
import type { Context } from '../core/context.js';
import { isAppError } from '../core/errors.js';
import { EnvFile } from '../gateway/env-file.js';
import type { Gateway } from '../gateway/layout.js';
import { BUDGET_DURATION, BUDGET_PROFILES, ENV } from '../gateway/settings.js';
import { gatewayAdminClient } from './connection.js';
import { hashKey } from './errors.js';
import { createKey, findKeyOrParked, parseTimestamp, rotateKey, rotationWarnings, type StoredKey } from './keys.js';
import { saveVirtualKey } from '../gateway/virtual-key-env.js';
import type { LiteLLMClient } from './client.js';

export const OPEN_WEBUI_KEY_ALIAS = 'open-webui';
export const CREATED_BY = 'ai-gateway';

export interface EnsureOpenWebuiKeyResult {
  action: 'created' | 'rotated' | 'kept';
  changed: boolean;
}

export async function ensureOpenWebuiKey(ctx: Context, gateway: Gateway, options: { timeoutMs: number }): Promise<EnsureOpenWebuiKeyResult> {
  const client = gatewayAdminClient(ctx, gateway, options.timeoutMs / 1000);
  await client.waitUntilReady();

  // Read .env again: `gateway` may have been loaded before setup or a key command changed it.
  const current = (await freshVirtualKey(ctx, gateway)) ?? null;
  const state = current === null ? 'missing' : await keyState(client, current, ctx.clock.now());
  if (state === 'usable') return { action: 'kept', changed: false };
  if (state === 'blocked') {
    ctx.out.warn(
      `${ENV.virtualKey} in .env (Open WebUI's key) is blocked on the proxy, so Open WebUI cannot use any model. ` +
        `Unblock it in the LiteLLM admin UI, or give Open WebUI a new key: "ai-gateway key revoke ${OPEN_WEBUI_KEY_ALIAS} --yes", then "ai-gateway start".`,
    );
    return { action: 'kept', changed: false };
  }

  const existing = await findKeyOrParked(ctx, client, OPEN_WEBUI_KEY_ALIAS);
  if (existing) {
    const old = await client.keyInfo(existing.token);
    const now = ctx.clock.now();
    const rotation = await rotateKey(client, old, { expiry: isExpired(old, now) ? 'never' : 'keep', blocked: 'keep', now });
    ctx.out.addSecret(rotation.generated.key);
    await saveVirtualKey(ctx, gateway.dir, rotation.generated.key);
    await client.deleteKeys({ keys: [old.token] });
    ctx.out.step(`Rotated the Open WebUI key (alias "${OPEN_WEBUI_KEY_ALIAS}"): .env had no usable VIRTUAL_KEY.`);
    for (const warning of rotationWarnings(rotation, "Open WebUI's new key")) ctx.out.warn(warning);
    return { action: 'rotated', changed: true };
  }

  const budget = BUDGET_PROFILES[gateway.settings.budgetProfile];
  const generated = await createKey(client, {
    key_alias: OPEN_WEBUI_KEY_ALIAS,
    metadata: { created_by: CREATED_BY },
    max_budget: budget.maxBudget,
    budget_duration: BUDGET_DURATION,
  });
  ctx.out.addSecret(generated.key);
  await saveVirtualKey(ctx, gateway.dir, generated.key);
  ctx.out.step(`Created the Open WebUI key (alias "${OPEN_WEBUI_KEY_ALIAS}", ${budget.label} budget $${budget.maxBudget} per ${BUDGET_DURATION}) and saved it to .env as ${ENV.virtualKey}.`);
  return { action: 'created', changed: true };
}

async function freshVirtualKey(ctx: Context, gateway: Gateway): Promise<string | undefined> {
  const text = await ctx.fs.readText(gateway.path('.env'));
  const value = text === null ? undefined : EnvFile.parse(text, gateway.path('.env')).get(ENV.virtualKey);
  ctx.out.addSecret(value);
  return value ? value : undefined;
}

/** What the proxy says of the key in .env. Only "unknown key" counts as gone; other errors propagate. */
async function keyState(client: LiteLLMClient, key: string, now: number): Promise<'usable' | 'blocked' | 'expired' | 'unknown'> {
  try {
    const info = await client.keyInfo(hashKey(key));
    if (isExpired(info, now)) return 'expired';
    return info.blocked === true ? 'blocked' : 'usable';
  } catch (error) {
    if (isAppError(error) && error.code === 'KEY_NOT_FOUND') return 'unknown';
    throw error;
  }
}

function isExpired(record: Pick<StoredKey, 'expires'>, now: number): boolean {
  const expires = parseTimestamp(record.expires);
  return expires !== null && expires <= now;
}
