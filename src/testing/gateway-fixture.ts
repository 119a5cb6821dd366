/** A gateway directory as setup writes it, for tests of the commands that operate it. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderCompose, renderOverride } from '../gateway/render/compose.js';
import { EnvFile } from '../gateway/env-file.js';
import { DEFAULT_IMAGES, settingsFromEnv, type GatewaySettings } from '../gateway/settings.js';
import { tempDir } from './context.js';

export const FIXTURE_SECRETS = {
  LITELLM_MASTER_KEY: 'sk-master0123456789abcdefghij',
  LITELLM_SALT_KEY: 'sk-salt0123456789abcdefghijkl',
  POSTGRES_PASSWORD: 'pgpassword0123456789',
  UI_PASSWORD: 'uipassword0123456789',
  WEBUI_SECRET_KEY: 'webuisecret0123456789',
} as const;

export async function writeGatewayFixture(
  options: { env?: Record<string, string>; dir?: string; omit?: string[] } = {},
): Promise<{ dir: string; settings: GatewaySettings }> {
  const dir = options.dir ?? (await tempDir('aigw-gw-'));
  const values: Record<string, string> = {
    COMPOSE_PROJECT_NAME: 'gw',
    RESOURCE_PROFILE: 'medium',
    BUDGET_PROFILE: 'test',
    USE_NGINX: 'yes',
    BIND_ADDRESS: '127.0.0.1',
    NGINX_PORT: '53000',
    LITELLM_PORT: '54000',
    POSTGRES_USER: 'litellm',
    POSTGRES_DB: 'litellm',
    // Setup writes the image names into .env; the compose files read them from there.
    LITELLM_IMAGE: DEFAULT_IMAGES.litellm,
    POSTGRES_IMAGE: DEFAULT_IMAGES.postgres,
    OPEN_WEBUI_IMAGE: DEFAULT_IMAGES.openWebui,
    NGINX_IMAGE: DEFAULT_IMAGES.nginx,
    ...FIXTURE_SECRETS,
    ...options.env,
  };
  const env = EnvFile.empty();
  for (const [key, value] of Object.entries(values)) env.set(key, value);
  const settings = settingsFromEnv(env);
  const files: Record<string, string> = {
    '.env': env.toString(),
    'docker-compose.yml': renderCompose(settings),
    'docker-compose.override.yml': renderOverride(settings),
    'config.yaml': 'model_list: []\n',
    'nginx/nginx.conf': 'events {}\nhttp {}\n',
  };
  await mkdir(join(dir, 'nginx'), { recursive: true });
  for (const [file, text] of Object.entries(files)) {
    if (!options.omit?.includes(file)) await writeFile(join(dir, file), text, { mode: 0o600 });
  }
  return { dir, settings };
}
