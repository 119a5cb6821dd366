/**
 * Where the LiteLLM client connects and with which key, resolved from the gateway directory and
 * overridable for use against another proxy:
 *   base URL: --base-url (AI_GATEWAY_BASE_URL) → LITELLM_PROXY_URL (LiteLLM's own CLI) → .env
 *   API key:  AI_GATEWAY_API_KEY → LITELLM_PROXY_API_KEY → .env (never a command-line flag: argv shows in `ps`)
 * Admin calls (/key/*, /model/info, /openapi.json) go to LiteLLM directly, since Nginx answers 403
 * on admin paths by design; what an app key can use (`/v1/models`) goes through the public API URL.
 */
import type { Context } from '../core/context.js';
import { UserError, isAppError } from '../core/errors.js';
import { loadGateway, type Gateway } from '../gateway/layout.js';
import { ENV, gatewayUrls } from '../gateway/settings.js';
import { LiteLLMClient } from './client.js';
import type { KeyRole } from './errors.js';

export const API_KEY_ENV_VARS = ['AI_GATEWAY_API_KEY', 'LITELLM_PROXY_API_KEY'] as const;
export const BASE_URL_ENV_VAR = 'LITELLM_PROXY_URL';

export interface ConnectionOptions {
  /** --base-url (commander also reads AI_GATEWAY_BASE_URL into it). */
  baseUrl?: string | undefined;
  /** Wait budget for boot-time failures, in seconds. */
  timeout: number;
}

export type Audience = 'admin' | 'app';

export interface Connection {
  client: LiteLLMClient;
  /** null when an override URL and key made the gateway directory unnecessary. */
  gateway: Gateway | null;
  baseUrl: string;
  /** Where the key came from, for messages and --json (never the key itself). */
  keySource: string;
}

/** Loads the gateway when there is one; with a full override (URL + key) it is optional. */
export async function loadGatewayIfNeeded(ctx: Context, options: { required: boolean; baseUrl?: string | undefined }): Promise<Gateway | null> {
  try {
    return await loadGateway(ctx);
  } catch (error) {
    const overridden = overrideBaseUrl(ctx, options.baseUrl) !== undefined && overrideApiKey(ctx) !== undefined;
    if (!options.required && overridden && isAppError(error) && error.code === 'NOT_SET_UP') return null;
    throw error;
  }
}

export function overrideBaseUrl(ctx: Context, flag: string | undefined): string | undefined {
  const value = (flag ?? ctx.env[BASE_URL_ENV_VAR])?.trim();
  return value ? value : undefined;
}

export function overrideApiKey(ctx: Context): { value: string; source: string } | undefined {
  for (const name of API_KEY_ENV_VARS) {
    const value = ctx.env[name]?.trim();
    if (value) {
      ctx.out.addSecret(value);
      return { value, source: `$${name}` };
    }
  }
  return undefined;
}

export function normalizeBaseUrl(raw: string, label: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError('INVALID_BASE_URL', `${label} is not a URL: "${raw.slice(0, 80)}".`, {
      hint: 'Pass the LiteLLM address, e.g. --base-url http://localhost:4000.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserError('INVALID_BASE_URL', `${label} must be an http:// or https:// URL (got ${url.protocol}).`, {
      hint: 'Pass the LiteLLM address, e.g. --base-url http://localhost:4000.',
    });
  }
  if (url.username || url.password) {
    throw new UserError('INVALID_BASE_URL', `${label} must not carry credentials.`, {
      hint: 'Put the key in AI_GATEWAY_API_KEY (or LITELLM_PROXY_API_KEY) instead.',
    });
  }
  return url.toString().replace(/\/+$/, '').replace(/\/v1$/, '');
}

/** The proxy root for an audience: direct for admin calls, the public API (Nginx when enabled) for apps. */
export function gatewayBaseUrl(gateway: Gateway, audience: Audience): string {
  const urls = gatewayUrls(gateway.settings);
  return audience === 'admin' ? urls.litellmDirect : urls.api.replace(/\/v1$/, '');
}

/** A client for admin calls, authenticated with the master key from .env (or an override key). */
export async function adminConnection(ctx: Context, options: ConnectionOptions & { gateway?: Gateway | null; requireGateway?: boolean }): Promise<Connection> {
  const gateway =
    options.gateway !== undefined ? options.gateway : await loadGatewayIfNeeded(ctx, { required: options.requireGateway ?? false, baseUrl: options.baseUrl });
  const override = overrideApiKey(ctx);
  let apiKey: string;
  let keySource: string;
  let keyRole: KeyRole;
  if (override) {
    apiKey = override.value;
    keySource = override.source;
    keyRole = 'override';
  } else {
    const master = gateway?.secret(ENV.masterKey);
    if (!master) {
      throw new UserError('MASTER_KEY_MISSING', `${ENV.masterKey} is not set in ${gateway ? gateway.path('.env') : '.env'}.`, {
        hint: 'Run "ai-gateway setup" to generate it (other secrets are kept), then "ai-gateway start".',
      });
    }
    apiKey = master;
    keySource = `${ENV.masterKey} in .env`;
    keyRole = 'master';
  }
  const baseUrl = resolveBaseUrl(ctx, options.baseUrl, gateway, 'admin');
  return { client: createClient(ctx, baseUrl, apiKey, keyRole, options.timeout), gateway, baseUrl, keySource };
}

export function resolveBaseUrl(ctx: Context, flag: string | undefined, gateway: Gateway | null, audience: Audience): string {
  const override = overrideBaseUrl(ctx, flag);
  if (override !== undefined) return normalizeBaseUrl(override, flag !== undefined ? '--base-url' : BASE_URL_ENV_VAR);
  if (!gateway) {
    throw new UserError('NOT_SET_UP', `${ctx.dir} is not a gateway directory and no LiteLLM URL was given.`, {
      hint: 'Pass --dir <gateway>, or --base-url <url> with AI_GATEWAY_API_KEY set.',
    });
  }
  return gatewayBaseUrl(gateway, audience);
}

export function createClient(ctx: Context, baseUrl: string, apiKey: string | undefined, keyRole: KeyRole, timeoutSeconds: number): LiteLLMClient {
  return new LiteLLMClient({
    baseUrl,
    apiKey,
    keyRole,
    fetch: ctx.http.fetch,
    clock: ctx.clock,
    out: ctx.out,
    waitTimeoutMs: timeoutSeconds * 1000,
  });
}
