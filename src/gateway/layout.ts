/**
 * The gateway directory: which files it holds and how commands load it.
 * `loadGateway` is what start, status, key, doctor and smoke call first.
 */
import { join } from 'node:path';
import type { Context } from '../core/context.js';
import { UserError } from '../core/errors.js';
import { EnvFile } from './env-file.js';
import { providerSecretKeys } from './providers.js';
import { ENV, SECRET_ENV_KEYS, settingsFromEnv, type GatewaySettings } from './settings.js';

export const FILES = {
  env: '.env',
  config: 'config.yaml',
  compose: 'docker-compose.yml',
  override: 'docker-compose.override.yml',
  nginx: join('nginx', 'nginx.conf'),
  gitignore: '.gitignore',
  /** HTTPS at Nginx (TLS=files or self-signed): copied or made by setup, mounted read-only into Nginx. */
  tlsCert: join('tls', 'cert.pem'),
  tlsKey: join('tls', 'key.pem'),
} as const;

/** Files that hold secrets or host-specific settings: always mode 600. */
export const PRIVATE_FILES = [FILES.env, FILES.config, FILES.override, FILES.tlsKey] as const;

export interface Gateway {
  dir: string;
  env: EnvFile;
  settings: GatewaySettings;
  path(file: string): string;
  /**
   * The env file Compose reads instead of `.env` (upgrade: `.env` with the target images, so `.env`
   * itself changes only after the new stack is healthy). Unset: `.env`.
   */
  composeEnvFile?: string;
  /** A secret from `.env` (registered with the output's redactor before it is returned). */
  secret(key: string): string | undefined;
}

export async function loadGateway(ctx: Context): Promise<Gateway> {
  const envPath = join(ctx.dir, FILES.env);
  const text = await ctx.fs.readText(envPath);
  if (text === null) {
    throw new UserError('NOT_SET_UP', `${ctx.dir} is not a gateway directory (no ${FILES.env}).`, {
      hint: `Run "ai-gateway setup --dir ${ctx.dir}" first, or pass --dir to point at your gateway.`,
    });
  }
  const env = EnvFile.parse(text, envPath);
  for (const key of [...SECRET_ENV_KEYS, ...providerSecretKeys(env)]) ctx.out.addSecret(env.get(key));
  const settings = settingsFromEnv(env, envPath);
  for (const file of [FILES.compose, FILES.override]) {
    if (!(await ctx.fs.exists(join(ctx.dir, file)))) {
      throw new UserError('NOT_SET_UP', `${join(ctx.dir, file)} is missing.`, {
        hint: `Run "ai-gateway setup --dir ${ctx.dir}" to render it again (secrets and settings in .env are kept).`,
      });
    }
  }
  return {
    dir: ctx.dir,
    env,
    settings,
    path: (file) => join(ctx.dir, file),
    secret: (key) => {
      const value = env.get(key);
      ctx.out.addSecret(value);
      return value === '' ? undefined : value;
    },
  };
}

export { ENV };
