/**
 * The Open WebUI key, ensured by `start` once the stack is healthy (replaces the original's
 * `sleep 45` + create-on-every-first-run, which failed with a duplicate alias on the second run):
 *   VIRTUAL_KEY in .env and valid on the proxy              → kept
 *   VIRTUAL_KEY known but blocked                           → kept, with a warning (a block is an admin's decision)
 *   no usable VIRTUAL_KEY, no key with alias "open-webui"  → created and saved
 *   no usable VIRTUAL_KEY, alias "open-webui" exists        → rotated (same settings), saved, old deleted
 * The key may call only LiteLLM's LLM API routes (allowed_routes ["llm_api_routes"]): nothing reachable
 * through Open WebUI can manage keys, users, teams or spend. A kept key without that restriction (made
 * by an older version) gets it through /key/update; a rotation carries it (keys.ts sameSettings).
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
/** LiteLLMRoutes.llm_api_routes: chat, completions, embeddings, models... and no management route. */
export const OPEN_WEBUI_ALLOWED_ROUTES = ['llm_api_routes'] as const;

/** Any route list is a deliberate restriction (an admin may narrow it further); none = every route, as older versions made it. */
export function isRestricted(record: Pick<StoredKey, 'allowed_routes'>): boolean {
  return (record.allowed_routes ?? []).length > 0;
}

export interface EnsureOpenWebuiKeyResult {
  action: 'created' | 'rotated' | 'kept';
  changed: boolean;
}

export async function ensureOpenWebuiKey(ctx: Context, gateway: Gateway, options: { timeoutMs: number }): Promise<EnsureOpenWebuiKeyResult> {
  const client = gatewayAdminClient(ctx, gateway, options.timeoutMs / 1000);
  await client.waitUntilReady();

  // Read .env again: `gateway` may have been loaded before setup or a key command changed it.
  const current = (await freshVirtualKey(ctx, gateway)) ?? null;
  const found = current === null ? null : await keyState(client, current, ctx.clock.now());
  const state = found === null ? 'missing' : found.state;
  if (found?.record && (state === 'usable' || state === 'blocked') && !isRestricted(found.record)) {
    if (isOurs(found.record)) await restrictRoutes(ctx, client, found.record.token);
    else {
      // A key of the user's (key create --save): theirs to change, not ours; say what it allows.
      ctx.out.warn(
        `${ENV.virtualKey} in .env (Open WebUI's key, "${found.record.key_alias ?? found.record.key_name ?? 'no alias'}") is not limited to LiteLLM's LLM API routes, so Open WebUI could reach key, user and spend management with it. ` +
          `Limit it to llm_api_routes in the LiteLLM admin UI, or remove ${ENV.virtualKey} from .env and run "ai-gateway start", which gives Open WebUI a limited key of its own.`,
      );
    }
  }
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
    let old = await client.keyInfo(existing.token);
    if (!isRestricted(old)) {
      // Restrict the old key first: the rotation copies its settings, the restriction included.
      await restrictRoutes(ctx, client, old.token);
      old = await client.keyInfo(existing.token);
    }
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
    allowed_routes: [...OPEN_WEBUI_ALLOWED_ROUTES],
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

/** Made by ai-gateway for Open WebUI (its alias or our metadata), so ai-gateway may correct it. */
function isOurs(record: StoredKey): boolean {
  return record.key_alias === OPEN_WEBUI_KEY_ALIAS || record.metadata?.created_by === CREATED_BY;
}

async function restrictRoutes(ctx: Context, client: LiteLLMClient, token: string): Promise<void> {
  await client.updateKey({ key: token, allowed_routes: [...OPEN_WEBUI_ALLOWED_ROUTES] });
  ctx.out.step(`Limited the Open WebUI key (alias "${OPEN_WEBUI_KEY_ALIAS}") to LiteLLM's LLM API routes: it was made by an older ai-gateway and could call management routes.`);
}

type KeyState = 'usable' | 'blocked' | 'expired' | 'unknown';

/** What the proxy says of the key in .env (asked with the master key). Only "unknown key" counts as gone; other errors propagate. */
async function keyState(client: LiteLLMClient, key: string, now: number): Promise<{ state: KeyState; record: StoredKey | null }> {
  try {
    const info = await client.keyInfo(hashKey(key));
    if (isExpired(info, now)) return { state: 'expired', record: info };
    return { state: info.blocked === true ? 'blocked' : 'usable', record: info };
  } catch (error) {
    if (isAppError(error) && error.code === 'KEY_NOT_FOUND') return { state: 'unknown', record: null };
    throw error;
  }
}

function isExpired(record: Pick<StoredKey, 'expires'>, now: number): boolean {
  const expires = parseTimestamp(record.expires);
  return expires !== null && expires <= now;
}
