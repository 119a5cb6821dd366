// setup past one machine: --engine swarm, replicas, Redis, the connection budget, and the files it renders.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EnvFile } from '../../gateway/env-file.js';
import { litellmEnvReferences } from '../../gateway/container-access.js';
import { stackSecrets } from '../../gateway/stack-secrets.js';
import { settingsFromEnv } from '../../gateway/settings.js';
import { createTestContext, seededRandom, tempDir } from '../../testing/context.js';
import { optionsSchema, run } from './setup.handler.js';

const probes = {
  probePort: async () => 'free' as const,
  findFreePort: async ({ preferred }: { preferred: number }) => preferred,
  randomHighPort: async () => 50_000,
  totalMemoryMb: () => 16_384,
};

async function setup(dir: string, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  const ctx = createTestContext({ dir, env, yes: true, random: seededRandom(3) });
  return { result: await run(ctx, optionsSchema.parse(options), probes), ctx };
}

async function setupError(dir: string, options: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) {
  return setup(dir, options, env).then(
    () => {
      throw new Error('setup was expected to fail');
    },
    (error: { code: string; message: string; hint?: string }) => error,
  );
}

interface StackService {
  image: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: unknown;
  healthcheck?: { test: string[] };
  stop_grace_period?: string;
  ports?: { mode: string; published: string; target: number }[];
  deploy: { mode?: string; replicas?: string | number; endpoint_mode?: string; update_config?: Record<string, unknown> };
}

describe('setup --engine swarm', () => {
  it('bounds every task as Compose does: log rotation everywhere, the profile\'s memory as deploy.resources.limits (off with --no-limits)', async () => {
    const dir = join(await tempDir('aigw-swarm-limits-'), 'gw');
    await setup(dir, { engine: 'swarm', replicas: '2' });
    type Bounded = { logging?: { driver: string; options: Record<string, string> }; deploy?: { mode?: string; resources?: { limits?: { memory?: string; cpus?: string } } } };
    const stack = parseYaml(await readFile(join(dir, 'docker-stack.yml'), 'utf8')) as { services: Record<string, Bounded> };
    for (const [name, service] of Object.entries(stack.services)) {
      expect(service.logging, name).toEqual({ driver: 'json-file', options: { 'max-size': '${LOG_MAX_SIZE:-20m}', 'max-file': '${LOG_MAX_FILES:-5}' } });
    }
    for (const name of ['postgres', 'litellm', 'open-webui', 'nginx']) expect(stack.services[name]?.deploy?.resources?.limits?.memory, name).toMatch(/^\d+M$/);
    const jobs = Object.entries(stack.services).filter(([, s]) => s.deploy?.mode === 'replicated-job');
    expect(jobs.length).toBeGreaterThan(0);
    for (const [name, job] of jobs) expect(job.deploy?.resources, name).toBeUndefined();

    const unlimited = join(await tempDir('aigw-swarm-nolimits-'), 'gw');
    await setup(unlimited, { engine: 'swarm', replicas: '2', limits: false });
    const free = parseYaml(await readFile(join(unlimited, 'docker-stack.yml'), 'utf8')) as { services: Record<string, Bounded> };
    for (const [name, service] of Object.entries(free.services)) expect(service.deploy?.resources, name).toBeUndefined();
  });

  it('renders docker-stack.yml: healthchecks, start-first updates with rollback, one migrator, dnsrr, no depends_on, no secret value', async () => {
    const dir = join(await tempDir('aigw-swarm-setup-'), 'gw');
    const { result } = await setup(dir, { engine: 'swarm', replicas: '3' });
    expect(result.settings.scale).toMatchObject({ engine: 'swarm', replicas: { litellm: 3, openWebui: 1 }, redis: true });
    const text = await readFile(join(dir, 'docker-stack.yml'), 'utf8');
    const env = EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
    for (const key of ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY', 'REDIS_PASSWORD']) {
      expect(env.get(key), key).toBeTruthy();
      expect(text).not.toContain(env.get(key));
    }
    expect(env.get('ENGINE')).toBe('swarm');
    expect(env.get('LITELLM_REPLICAS')).toBe('3');
    const stack = parseYaml(text) as { services: Record<string, StackService>; secrets: Record<string, { external: boolean; name: string }> };
    expect(Object.keys(stack.services).sort()).toEqual(['litellm', 'litellm-migrate', 'nginx', 'open-webui', 'postgres', 'redis']);
    for (const [name, service] of Object.entries(stack.services)) {
      expect(service.depends_on, name).toBeUndefined();
      if (service.deploy.mode !== 'replicated-job') {
        expect(service.healthcheck?.test, `${name} healthcheck`).toBeDefined();
        expect(service.deploy.endpoint_mode, name).toBe('dnsrr');
        expect(service.deploy.update_config).toMatchObject({ failure_action: 'rollback', monitor: '30s' });
      }
    }
    const litellm = stack.services.litellm as StackService;
    expect(litellm.deploy).toMatchObject({ replicas: '${LITELLM_REPLICAS}', update_config: { order: 'start-first' } });
    expect(litellm.environment).toMatchObject({ DISABLE_SCHEMA_UPDATE: 'true', REDIS_HOST: 'redis', REDIS_PORT: '6379' });
    expect(Number.parseInt(litellm.stop_grace_period ?? '0', 10)).toBeGreaterThan(30 + 8); // drain delay + GRACEFUL_SHUTDOWN_TIMEOUT
    expect(stack.services['litellm-migrate']?.deploy.mode).toBe('replicated-job');
    expect(stack.services['litellm-migrate']?.environment?.DISABLE_SCHEMA_UPDATE).toBeUndefined();
    expect(stack.services['litellm-migrate']?.command).toContain('--skip_server_startup');
    expect(stack.services.postgres?.environment).toMatchObject({ POSTGRES_PASSWORD_FILE: '/run/secrets/postgres_password' });
    expect(stack.services.redis?.command).toEqual(['redis-server', '/run/secrets/redis_conf']);
    // Only Nginx publishes: the API and Open WebUI, and LiteLLM's admin port.
    expect(stack.services.nginx?.ports?.map((p) => [p.published, p.target, p.mode])).toEqual([['${NGINX_PORT}', 80, 'host'], ['${LITELLM_PORT}', 4000, 'host']]);
    expect(Object.values(stack.services).filter((s) => s.ports).length).toBe(1);
    expect(Object.values(stack.secrets).every((s) => s.external && /^\$\{AIGW_SECRET_/.test(s.name))).toBe(true);
    // nginx.conf gets the admin listener; config.yaml the Redis router settings, from the environment.
    expect(await readFile(join(dir, 'nginx', 'nginx.conf'), 'utf8')).toContain('listen 4000;');
    const config = parseYaml(await readFile(join(dir, 'config.yaml'), 'utf8')) as { router_settings: Record<string, string> };
    expect(config.router_settings).toEqual({ redis_host: 'os.environ/REDIS_HOST', redis_port: 'os.environ/REDIS_PORT', redis_password: 'os.environ/REDIS_PASSWORD' });
  });

  it('each secret holds only what its service reads: the master key never reaches Open WebUI', async () => {
    const dir = join(await tempDir('aigw-swarm-setup-'), 'gw');
    await setup(dir, { engine: 'swarm', replicas: '2', webuiReplicas: '2' }, { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-0123456789abcdef' });
    const env = EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
    const configText = await readFile(join(dir, 'config.yaml'), 'utf8');
    expect(litellmEnvReferences(configText)).toContain('OPENAI_API_KEY');
    const secrets = Object.fromEntries(stackSecrets(env, settingsFromEnv(env), configText).map((s) => [s.key, s]));
    const litellm = secrets.litellm_env?.content ?? '';
    const webui = secrets.open_webui_env?.content ?? '';
    expect(litellm).toContain(`export OPENAI_API_KEY='sk-openai-0123456789abcdef'`);
    expect(litellm).toContain(`export LITELLM_MASTER_KEY='${env.get('LITELLM_MASTER_KEY')}'`);
    expect(webui).not.toContain(env.get('LITELLM_MASTER_KEY'));
    expect(webui).not.toContain('sk-openai');
    expect(webui).toContain(`/openwebui'`); // its own database with two replicas
    expect(webui).toMatch(/export WEBSOCKET_REDIS_URL='redis:\/\/:[A-Za-z0-9]+@redis:6379\/0'/);
    expect(secrets.postgres_password?.content).toBe(env.get('POSTGRES_PASSWORD'));
    // Names carry an HMAC of the content: a changed value is a new secret, the same value the same name.
    const again = stackSecrets(env, settingsFromEnv(env), configText).map((s) => s.name);
    expect(again).toEqual(Object.values(secrets).map((s) => s.name));
    for (const s of Object.values(secrets)) expect(s.name).toMatch(new RegExp(`^aigw-gw_${s.key}_[0-9a-f]{12}$`));
  });

  it('refuses replicas on Compose and Swarm without Nginx, naming the fix', async () => {
    const dir = join(await tempDir('aigw-swarm-setup-'), 'gw');
    expect(await setupError(dir, { replicas: '2' })).toMatchObject({ code: 'REPLICAS_NEED_SWARM', hint: expect.stringContaining('--engine swarm') });
    expect(await setupError(dir, { engine: 'swarm', nginx: false })).toMatchObject({ code: 'SWARM_NEEDS_NGINX' });
    expect(await setupError(dir, { engine: 'kubernetes' })).toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('connection budget: raises max_connections when it was not given, refuses a given one that is too small (naming the numbers)', async () => {
    const dir = join(await tempDir('aigw-swarm-setup-'), 'gw');
    const error = await setupError(dir, { engine: 'swarm', replicas: '8', profile: 'large', postgresMaxConnections: '100' });
    expect(error).toMatchObject({ code: 'CONNECTION_BUDGET' });
    expect(error.message).toContain('8 LiteLLM replicas x 6 workers x pool 10 = 480');
    expect(error.hint).toContain('--postgres-max-connections 490');
    const { result, ctx } = await setup(dir, { engine: 'swarm', replicas: '8', profile: 'large' });
    expect(result.settings.scale).toMatchObject({ postgresMaxConnections: 490, connectionsNeeded: 489 });
    expect(ctx.captured.stderr.join("")).toMatch(/max_connections goes from 100 to 490: 8 LiteLLM replicas x 6 workers x pool 10 = 480/);
    expect(EnvFile.parse(await readFile(join(dir, '.env'), 'utf8')).get('POSTGRES_MAX_CONNECTIONS')).toBe('490');
  });

  it('Compose stays as it was: no engine lines in .env, no stack file, no Redis settings; --redis adds the router settings', async () => {
    const dir = join(await tempDir('aigw-swarm-setup-'), 'gw');
    const { result } = await setup(dir, {});
    expect(result.files.map((f) => f.file)).not.toContain('docker-stack.yml');
    const env = await readFile(join(dir, '.env'), 'utf8');
    expect(env).not.toMatch(/^(ENGINE|LITELLM_REPLICAS|USE_REDIS)=/m);
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).not.toContain('router_settings');
    await setup(dir, { redis: true });
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).toContain('redis_host: os.environ/REDIS_HOST');
    // Compose runs Redis too (in the override), the password on redis-server's stdin, never in the file or argv.
    const override = parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')) as { services: Record<string, StackService & { command: string[] }> };
    expect(override.services.redis?.command.join(' ')).toContain('exec redis-server - <<EOF\nrequirepass $$REDIS_PASSWORD\nappendonly yes');
    expect(override.services.litellm?.environment).toMatchObject({ REDIS_HOST: 'redis', REDIS_PORT: '6379', REDIS_PASSWORD: '${REDIS_PASSWORD}' });
    expect(override.services['open-webui']?.environment).toMatchObject({ WEBSOCKET_MANAGER: 'redis', REDIS_URL: 'redis://:${REDIS_PASSWORD}@redis:6379/0' });
    const password = EnvFile.parse(await readFile(join(dir, '.env'), 'utf8')).get('REDIS_PASSWORD') ?? '';
    expect(password).not.toBe('');
    expect(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')).not.toContain(password);
    const composeConfig = await execa('docker-compose', ['-f', 'docker-compose.yml', '-f', 'docker-compose.override.yml', '--env-file', '.env', 'config', '-q'], { cwd: dir, reject: false });
    if (composeConfig.exitCode !== undefined && !('code' in composeConfig && composeConfig.code === 'ENOENT')) expect(composeConfig.stderr).toBe('');
    await setup(dir, { redis: false });
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).not.toContain('router_settings');
  });
});
