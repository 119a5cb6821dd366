/**
 * Where the LiteLLM client connects and with which key, resolved from the gateway directory and
 * overridable for use against another proxy:
 *   base URL: --base-url (AI_GATEWAY_BASE_URL) → LITELLM_PROXY_URL (LiteLLM's own CLI) → .env
 *   API key:  --api-key - (stdin) → AI_GATEWAY_API_KEY → LITELLM_PROXY_API_KEY → .env
 * A key is never taken from the command line itself (argv shows in `ps`).
 *
 * The gateway's own keys (LITELLM_MASTER_KEY, VIRTUAL_KEY) are sent only to the gateway's own
 * addresses or to a URL named for this run (--base-url / AI_GATEWAY_BASE_URL). LITELLM_PROXY_URL
 * is a shell-wide setting for LiteLLM's CLI and usually names another proxy: with it, a key must
 * come from the environment too, or the master key would travel to a server nobody chose for it.
 *
 * Admin calls (/key/*, /model/info, /openapi.json) go to LiteLLM directly, since Nginx answers 403
 * on admin paths by design; what an app key can use (`/v1/models`) goes through the public API URL.
 */
import type { Context } from '../core/context.js';
import { UserError, isAppError } from '../core/errors.js';
import { FILES, loadGateway, type Gateway } from '../gateway/layout.js';
import { ENV, gatewayUrls, SERVICES } from '../gateway/settings.js';
import { LiteLLMClient } from './client.js';
import type { KeyRole } from './errors.js';

export const API_KEY_ENV_VARS = ['AI_GATEWAY_API_KEY', 'LITELLM_PROXY_API_KEY'] as const;
const BASE_URL_ENV_VAR = 'LITELLM_PROXY_URL';

export interface ConnectionOptions {
  /** --base-url (commander also reads AI_GATEWAY_BASE_URL into it). */
  baseUrl?: string | undefined;
  /** --api-key: only "-", which reads the key from stdin (or a hidden prompt in a terminal). */
  apiKey?: string | undefined;
  /** Wait budget for boot-time failures, in seconds. */
  timeout: number;
  /** --insecure: the master key may travel over plain http:// to a host that is not this machine. */
  insecure?: boolean | undefined;
}

export type Audience = 'admin' | 'app';

/** Which of the gateway's keys a command uses when no key is given: 'none' for public routes. */
export type GatewayKeyName = 'master' | 'virtual' | 'none';

export interface Connection<K extends GatewayKeyName = GatewayKeyName> {
  client: LiteLLMClient;
  /** null when an override URL and key made the gateway directory unnecessary. */
  gateway: Gateway | null;
  baseUrl: string;
  /** The URL came from --base-url or LITELLM_PROXY_URL, not from the gateway directory. */
  baseUrlGiven: boolean;
  /** Where the key came from, for messages and --json (never the key itself). */
  keySource: string;
  keyRole: KeyRole;
  /** The key itself (already registered as a secret): for callers that make their own requests (smoke's stream). */
  apiKey: K extends 'none' ? undefined : string;
}

export interface ConnectOptions<K extends GatewayKeyName> extends ConnectionOptions {
  audience: Audience;
  key: K;
  /** An already loaded gateway (or null for none); loaded from ctx.dir when undefined. */
  gateway?: Gateway | null;
  /** The command writes to the gateway directory (key create --save): an override does not make it optional. */
  requireGateway?: boolean;
  /** Replaces the default hint when the gateway key is missing from .env. */
  missingKeyHint?: string;
}

interface BaseUrlChoice {
  url: string;
  /** 'flag': --base-url / AI_GATEWAY_BASE_URL; 'env': LITELLM_PROXY_URL; 'gateway': from .env. */
  source: 'flag' | 'env' | 'gateway';
}

interface KeyOverride {
  value: string;
  source: string;
}

/** The one way commands reach LiteLLM: a client with the right URL and key, and where each came from. */
export async function connect<K extends GatewayKeyName>(ctx: Context, options: ConnectOptions<K>): Promise<Connection<K>> {
  const override = options.key === 'none' ? undefined : await overrideApiKey(ctx, options.apiKey);
  // A public route at a URL given for this run needs nothing from the gateway directory.
  const needsNoGateway = options.key === 'none' && overrideBaseUrl(ctx, options.baseUrl) !== undefined;
  const gateway =
    options.gateway !== undefined
      ? options.gateway
      : needsNoGateway
        ? null
        : await loadGatewayIfNeeded(ctx, { required: options.requireGateway ?? false, baseUrl: options.baseUrl, keyGiven: override !== undefined });
  const base = resolveBaseUrl(ctx, options.baseUrl, gateway, options.audience);

  let apiKey: string | undefined;
  let keySource = 'no key';
  let keyRole: KeyRole = 'none';
  if (override) {
    [apiKey, keySource, keyRole] = [override.value, override.source, 'override'];
  } else if (options.key !== 'none') {
    const name = options.key === 'master' ? ENV.masterKey : ENV.virtualKey;
    apiKey = gateway?.secret(name);
    keySource = `${name} in .env`;
    keyRole = options.key;
    if (!apiKey) throw missingGatewayKey(options.key, gateway, options.missingKeyHint);
    if (base.source === 'env' && gateway && !isGatewayAddress(gateway, base.url)) {
      throw new UserError('GATEWAY_KEY_NOT_SENT', `${BASE_URL_ENV_VAR} points at ${base.url}, which is not this gateway, and no key was given for it; the ${name} of ${gateway.dir} is not sent there.`, {
        hint: `Set LITELLM_PROXY_API_KEY (or AI_GATEWAY_API_KEY) to that proxy's key, or unset ${BASE_URL_ENV_VAR} to use this gateway (or pass --base-url to send it there on purpose).`,
        details: { baseUrl: base.url, gateway: gateway.dir },
      });
    }
  }
  if (keyRole === 'master' && base.source !== 'gateway' && !options.insecure && !isLoopbackOrTls(base.url)) {
    throw new UserError('MASTER_KEY_IN_CLEAR', `${base.url} is plain http:// to another machine: the master key would cross the network readable by anyone on the way.`, {
      hint: `Use https:// (or an SSH tunnel to 127.0.0.1), or pass --insecure to send it anyway.`,
      details: { baseUrl: base.url },
    });
  }
  const own = gateway && base.source === 'gateway' ? gateway : null;
  const client = createClient(ctx, base.url, apiKey, keyRole, options.timeout, own ? stackCheck(ctx, own, options.audience) : undefined, own ? selfSignedTrustHint(own, base.url) : undefined);
  // apiKey is set whenever a key was asked for (a missing one threw above).
  return { client, gateway, baseUrl: base.url, baseUrlGiven: base.source !== 'gateway', keySource, keyRole, apiKey: apiKey as Connection<K>['apiKey'] };
}

/** `start`'s client: this gateway's LiteLLM and master key, whatever the shell's overrides say. */
export function gatewayAdminClient(ctx: Context, gateway: Gateway, timeoutSeconds: number): LiteLLMClient {
  const master = gateway.secret(ENV.masterKey);
  if (!master) throw missingGatewayKey('master', gateway, undefined);
  return createClient(ctx, gatewayBaseUrl(gateway, 'admin'), master, 'master', timeoutSeconds);
}

function missingGatewayKey(which: 'master' | 'virtual', gateway: Gateway | null, hint: string | undefined): UserError {
  const file = gateway ? gateway.path('.env') : '.env';
  if (which === 'master') {
    return new UserError('MASTER_KEY_MISSING', `${ENV.masterKey} is not set in ${file}.`, {
      hint: hint ?? 'Run "ai-gateway setup" to generate it (other secrets are kept), then "ai-gateway start".',
    });
  }
  return new UserError('NO_VIRTUAL_KEY', `${ENV.virtualKey} is not set in ${file}, so there is no app key to use.`, {
    hint: hint ?? 'Create one with "ai-gateway key create --alias app --save" (or run "ai-gateway start", which creates the Open WebUI key), or set AI_GATEWAY_API_KEY.',
  });
}

/** Loads the gateway when there is one; with a full override (URL + key) it is optional. */
async function loadGatewayIfNeeded(ctx: Context, options: { required: boolean; baseUrl?: string | undefined; keyGiven: boolean }): Promise<Gateway | null> {
  try {
    return await loadGateway(ctx);
  } catch (error) {
    const overridden = overrideBaseUrl(ctx, options.baseUrl) !== undefined && options.keyGiven;
    if (!options.required && overridden && isAppError(error) && error.code === 'NOT_SET_UP') return null;
    throw error;
  }
}

function overrideBaseUrl(ctx: Context, flag: string | undefined): string | undefined {
  const value = (flag ?? ctx.env[BASE_URL_ENV_VAR])?.trim();
  return value ? value : undefined;
}

/** A key given for this run: `--api-key -` (stdin or a hidden prompt), then the environment. */
async function overrideApiKey(ctx: Context, flag: string | undefined): Promise<KeyOverride | undefined> {
  if (flag !== undefined) return { value: await readKeyFromStdin(ctx, flag), source: '--api-key (stdin)' };
  for (const name of API_KEY_ENV_VARS) {
    const value = ctx.env[name]?.trim();
    if (value) {
      ctx.out.addSecret(value);
      return { value, source: `$${name}` };
    }
  }
  return undefined;
}

async function readKeyFromStdin(ctx: Context, flag: string): Promise<string> {
  if (flag.trim() !== '-') {
    ctx.out.addSecret(flag.trim()); // already in argv; at least never echo it
    throw new UserError('API_KEY_IN_ARGUMENTS', '--api-key takes "-" (read the key from stdin), not the key itself: a key on the command line shows in "ps" and in shell history.', {
      hint: 'Pipe it: printf %s "$KEY" | ai-gateway <command> --api-key -   (or set AI_GATEWAY_API_KEY / LITELLM_PROXY_API_KEY).',
    });
  }
  let value: string;
  if (ctx.prompts.interactive) {
    value = await ctx.prompts.password({ id: 'api-key', message: 'API key', flagHint: '--api-key - with the key on stdin, or AI_GATEWAY_API_KEY' });
  } else {
    const text = await ctx.readStdin();
    if (text === null) {
      throw new UserError('API_KEY_STDIN_IS_TERMINAL', '--api-key - reads the key from stdin, but stdin is a terminal and this run is not interactive.', {
        hint: 'Pipe it: printf %s "$KEY" | ai-gateway <command> --api-key -   (or set AI_GATEWAY_API_KEY).',
      });
    }
    value = text;
  }
  value = value.trim();
  if (value === '' || /\s/.test(value)) {
    throw new UserError('API_KEY_INVALID', value === '' ? '--api-key - read no key from stdin.' : '--api-key - read more than one word from stdin; a key has no spaces or line breaks.', {
      hint: 'Pipe exactly the key: printf %s "$KEY" | ai-gateway <command> --api-key -',
    });
  }
  ctx.out.addSecret(value);
  return value;
}

function normalizeBaseUrl(raw: string, label: string): string {
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

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/;

/** https://, or http:// that never leaves this machine. */
function isLoopbackOrTls(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === 'https:' || LOOPBACK_HOSTS.test(parsed.hostname);
}

/** Is `url` one of this gateway's own front doors (its LiteLLM or Nginx port, on loopback or its bind address)? */
function isGatewayAddress(gateway: Gateway, url: string): boolean {
  const parsed = new URL(url);
  const { settings } = gateway;
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port);
  const ports = [settings.ports.litellm, settings.nginx ? settings.ports.nginx : undefined];
  const hostOk = LOOPBACK_HOSTS.test(parsed.hostname) || parsed.hostname === settings.bind || parsed.hostname === `[${settings.bind}]`;
  return parsed.protocol === 'http:' && hostOk && ports.includes(port);
}

function resolveBaseUrl(ctx: Context, flag: string | undefined, gateway: Gateway | null, audience: Audience): BaseUrlChoice {
  const override = overrideBaseUrl(ctx, flag);
  if (override !== undefined) {
    const fromFlag = flag !== undefined && flag.trim() !== '';
    return { url: normalizeBaseUrl(override, fromFlag ? '--base-url' : BASE_URL_ENV_VAR), source: fromFlag ? 'flag' : 'env' };
  }
  if (!gateway) {
    throw new UserError('NOT_SET_UP', `${ctx.dir} is not a gateway directory and no LiteLLM URL was given.`, {
      hint: 'Pass --dir <gateway>, or --base-url <url> with AI_GATEWAY_API_KEY set.',
    });
  }
  return { url: gatewayBaseUrl(gateway, audience), source: 'gateway' };
}

export function createClient(
  ctx: Context,
  baseUrl: string,
  apiKey: string | undefined,
  keyRole: KeyRole,
  timeoutSeconds: number,
  beforeWaiting?: () => Promise<void>,
  trustHint?: string,
): LiteLLMClient {
  return new LiteLLMClient({
    ...(trustHint ? { trustHint } : {}),
    baseUrl,
    apiKey,
    keyRole,
    fetch: ctx.http.fetch,
    clock: ctx.clock,
    out: ctx.out,
    waitTimeoutMs: timeoutSeconds * 1000,
    ...(beforeWaiting ? { beforeWaiting } : {}),
  });
}

/** For the gateway's own https URL with a self-signed certificate: the file this machine must trust. */
function selfSignedTrustHint(gateway: Gateway, url: string): string | undefined {
  if (gateway.settings.tls?.mode !== 'self-signed' || !url.startsWith('https:')) return undefined;
  return `This gateway's certificate is self-signed: export NODE_EXTRA_CA_CERTS=${gateway.path(FILES.tlsCert)} (or trust it system-wide, README "HTTPS"), then run the command again.`;
}

/**
 * Before waiting for the gateway's own URL to answer, ask the engine whether its stack is up at all:
 * a stopped stack (or no Docker) fails at once instead of after the whole wait. Not for a URL given
 * for the run (--base-url, LITELLM_PROXY_URL): that proxy is not ours to ask Docker about.
 */
function stackCheck(ctx: Context, gateway: Gateway, audience: Audience): () => Promise<void> {
  const throughNginx = audience === 'app' && gateway.settings.nginx;
  const services = throughNginx ? [SERVICES.nginx, SERVICES.litellm] : [SERVICES.litellm];
  return () => ctx.stackState.assertRunning({ dir: gateway.dir, project: gateway.settings.projectName, services });
}
