/**
 * The content of each Swarm secret, built from `.env` for the one service that reads it (each
 * container gets only what it needs), and the names they are created under. Swarm secrets are
 * immutable, so a name carries a hash of the content: a changed value makes a new secret and rolls
 * the services that use it. The hash is an HMAC keyed with the salt key, so a secret's name says
 * nothing about a low-entropy value (a chosen UI password) to whoever can list secrets.
 */
import { createHmac } from 'node:crypto';
import { litellmEnvReferences } from './container-access.js';
import type { EnvFile } from './env-file.js';
import { OPEN_WEBUI_DATABASE, REDIS_PORT, openWebuiUsesPostgres, scaleOf, usesRedis } from './scale.js';
import { ENV, INTERNAL_PORTS, SERVICES, type GatewaySettings } from './settings.js';
import { STACK_SECRETS, stackSecretsUsed, type StackSecret } from './render/stack.js';

/** `export NAME='value'` lines for `sh`'s `.`: single quotes keep every character literal. */
export function shellEnvFile(values: Record<string, string>): string {
  return Object.entries(values)
    .map(([key, value]) => `export ${key}='${value.replace(/'/g, `'\\''`)}'\n`)
    .join('');
}

export interface StackSecretValue {
  secret: StackSecret;
  /** The secret's key in the stack file (and its file name under /run/secrets). */
  key: string;
  /** The variable docker-stack.yml names it through. */
  nameVar: string;
  /** `<project>_<key>_<hmac12>`. */
  name: string;
  content: string;
}

export function stackSecrets(env: EnvFile, settings: GatewaySettings, configText: string | null): StackSecretValue[] {
  const get = (key: string) => env.get(key) ?? '';
  const scale = scaleOf(settings);
  const user = get(ENV.postgresUser);
  const password = get(ENV.postgresPassword);
  const postgresUrl = (db: string) => `postgresql://${user}:${password}@${SERVICES.postgres}:${INTERNAL_PORTS.postgres}/${db}`;
  const redisUrl = `redis://:${get(ENV.redisPassword)}@redis:${REDIS_PORT}/0`;

  const litellm: Record<string, string> = {};
  // What config.yaml reads (provider keys and bases, the master key), then what LiteLLM reads itself.
  for (const name of litellmEnvReferences(configText ?? '')) {
    if (name === 'DATABASE_URL' || name === 'REDIS_HOST' || name === 'REDIS_PORT') continue;
    const value = env.get(name);
    if (value !== undefined && value !== '') litellm[name] = value;
  }
  Object.assign(litellm, {
    [ENV.masterKey]: get(ENV.masterKey),
    [ENV.saltKey]: get(ENV.saltKey),
    DATABASE_URL: postgresUrl(get(ENV.postgresDb)),
    [ENV.uiUsername]: get(ENV.uiUsername),
    [ENV.uiPassword]: get(ENV.uiPassword),
    ...(usesRedis(scale) ? { [ENV.redisPassword]: get(ENV.redisPassword) } : {}),
  });
  const openWebui: Record<string, string> = {
    [ENV.webuiSecret]: get(ENV.webuiSecret),
    // A virtual key created by `ai-gateway start`; Open WebUI never gets the master key.
    OPENAI_API_KEY: get(ENV.virtualKey),
    ...(usesRedis(scale) ? { REDIS_URL: redisUrl, WEBSOCKET_REDIS_URL: redisUrl } : {}),
    ...(openWebuiUsesPostgres(scale) ? { DATABASE_URL: postgresUrl(OPEN_WEBUI_DATABASE) } : {}),
  };
  const contents: Record<StackSecret, string> = {
    postgresPassword: password,
    litellmEnv: shellEnvFile(litellm),
    openWebuiEnv: shellEnvFile(openWebui),
    redisConf: `# Redis for ${settings.projectName}: never published; AOF for durability.\nrequirepass ${get(ENV.redisPassword)}\nappendonly yes\ndir /data\nport ${REDIS_PORT}\n`,
  };
  const hmacKey = get(ENV.saltKey) || get(ENV.masterKey);
  return stackSecretsUsed(settings).map((secret) => {
    const { key, nameVar } = STACK_SECRETS[secret];
    const content = contents[secret];
    const hash = createHmac('sha256', hmacKey).update(`${key}\0${content}`).digest('hex').slice(0, 12);
    return { secret, key, nameVar, name: `${settings.projectName}_${key}_${hash}`, content };
  });
}
