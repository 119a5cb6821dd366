/**
 * The Open WebUI key, ensured by `start` once the stack is healthy (replaces the original's
 * `sleep 45` + create-on-every-first-run, which failed with a duplicate alias on the second run):
 *   VIRTUAL_KEY in .env and valid on the proxy              → kept
 *   no usable VIRTUAL_KEY, no key with alias "open-webui"  → created and saved
 *   no usable VIRTUAL_KEY, alias "open-webui" exists        → rotated (same settings), saved, old deleted
 * It waits for readiness instead of sleeping, and running it twice changes nothing the second time.
 * When `changed`, the caller recreates only the open-webui container so it picks the key up.
 */
import type { Context } from '../core/context.js';
import { isAppError } from '../core/errors.js';
import { EnvFile } from '../gateway/env-file.js';
import type { Gateway } from '../gateway/layout.js';
import { BUDGET_DURATION, BUDGET_PROFILES, ENV } from '../gateway/settings.js';
import { adminConnection } from './connection.js';
import { hashKey } from './errors.js';
import { createKey, parseTimestamp, rotateKey, type StoredKey } from './keys.js';
import { saveVirtualKey } from './virtual-key-env.js';
import type { LiteLLMClient } from './client.js';

export const OPEN_WEBUI_KEY_ALIAS = 'open-webui';
export const CREATED_BY = 'ai-gateway';

export interface EnsureOpenWebuiKeyResult {
  action: 'created' | 'rotated' | 'kept';
  changed: boolean;
}

export async function ensureOpenWebuiKey(ctx: Context, gateway: Gateway, options: { timeoutMs: number }): Promise<EnsureOpenWebuiKeyResult> {
  const { client } = await adminConnection(ctx, { gateway, timeout: options.timeoutMs / 1000 });
  await client.waitUntilReady();

  // Read .env again: `gateway` may have been loaded before setup or a key command changed it.
  const current = (await freshVirtualKey(ctx, gateway)) ?? null;
  if (current !== null && (await isUsable(client, current, ctx.clock.now()))) return { action: 'kept', changed: false };

  const existing = await client.findKeyByAlias(OPEN_WEBUI_KEY_ALIAS);
  if (existing) {
    const old = await client.keyInfo(existing.token);
    const rotation = await rotateKey(client, old, { expiry: isExpired(old, ctx.clock.now()) ? 'never' : 'keep', now: ctx.clock.now() });
    ctx.out.addSecret(rotation.generated.key);
    await saveVirtualKey(ctx, gateway.dir, rotation.generated.key);
    await client.deleteKeys({ keys: [old.token] });
    ctx.out.step(`Rotated the Open WebUI key (alias "${OPEN_WEBUI_KEY_ALIAS}"): .env had no usable VIRTUAL_KEY.`);
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

/** Known to the proxy, not blocked, not expired. Only "unknown key" counts as unusable; other errors propagate. */
async function isUsable(client: LiteLLMClient, key: string, now: number): Promise<boolean> {
  try {
    const info = await client.keyInfo(hashKey(key));
    return info.blocked !== true && !isExpired(info, now);
  } catch (error) {
    if (isAppError(error) && error.code === 'KEY_NOT_FOUND') return false;
    throw error;
  }
}

function isExpired(record: Pick<StoredKey, 'expires'>, now: number): boolean {
  const expires = parseTimestamp(record.expires);
  return expires !== null && expires <= now;
}
