/**
 * docker-stack.yml for ENGINE=swarm (`docker stack deploy`). A file of its own: Swarm rejects the
 * long-form `depends_on` of docker-compose.yml and ignores `restart`, and needs what Compose does not
 * (deploy.update_config, secrets, configs, one-shot migration jobs).
 *
 * Like docker-compose.yml it holds no value from `.env`: `${VAR}` is interpolated by `docker stack
 * deploy` from the environment `ai-gateway start` gives it (the non-secret settings, and the names
 * of the secrets and configs, which carry a hash of their content because Swarm's are immutable).
 * Secret values reach the processes as files under /run/secrets, never through the service spec:
 * PostgreSQL reads POSTGRES_PASSWORD_FILE, Redis its config file; LiteLLM and Open WebUI read only
 * environment variables, so their command is `sh -c '. /run/secrets/<service>_env && exec <the
 * image's own entrypoint> "$@"'` (the values never appear in argv or in `docker service inspect`).
 */
import { Document } from 'yaml';
import { availableParallelism } from 'node:os';
import { effectiveWorkers, INTERNAL_PORTS, SERVICES, serviceLimits, type GatewaySettings } from '../settings.js';
import { litellmCommand } from './compose.js';
import { containerUser } from '../container-access.js';
import { OPEN_WEBUI_DATABASE, OPEN_WEBUI_POOL, openWebuiUsesPostgres, REDIS_PORT, scaleOf, usesRedis } from '../scale.js';

/** Swarm-only services: the one-shot jobs beside the four of Compose (and Redis). */
export const STACK_SERVICES = {
  redis: 'redis',
  litellmMigrate: 'litellm-migrate',
  postgresInit: 'postgres-init',
  openWebuiMigrate: 'open-webui-migrate',
} as const;

/** Secrets (external: created by `start` from `.env`, one per consumer) and configs (files of the gateway). */
export const STACK_SECRETS = {
  postgresPassword: { key: 'postgres_password', nameVar: 'AIGW_SECRET_POSTGRES_PASSWORD' },
  litellmEnv: { key: 'litellm_env', nameVar: 'AIGW_SECRET_LITELLM_ENV' },
  openWebuiEnv: { key: 'open_webui_env', nameVar: 'AIGW_SECRET_OPEN_WEBUI_ENV' },
  redisConf: { key: 'redis_conf', nameVar: 'AIGW_SECRET_REDIS_CONF' },
} as const;
export type StackSecret = keyof typeof STACK_SECRETS;

export const STACK_CONFIGS = {
  litellmConfig: { key: 'litellm_config', nameVar: 'AIGW_CONFIG_LITELLM', file: './config.yaml' },
  nginxConf: { key: 'nginx_conf', nameVar: 'AIGW_CONFIG_NGINX', file: './nginx/nginx.conf' },
} as const;
export type StackConfig = keyof typeof STACK_CONFIGS;

/** LiteLLM drains for GRACEFUL_SHUTDOWN_TIMEOUT (30 s by default) after the drain delay; Swarm must wait longer before SIGKILL. */
export const LITELLM_STOP_GRACE = '45s';

/** What each secret is for, so `start` builds only those the stack uses. */
export function stackSecretsUsed(settings: GatewaySettings): StackSecret[] {
  return ['postgresPassword', 'litellmEnv', 'openWebuiEnv', ...(usesRedis(scaleOf(settings)) ? (['redisConf'] as const) : [])];
}

export function stackConfigsUsed(settings: GatewaySettings): StackConfig[] {
  return ['litellmConfig', ...(settings.nginx ? (['nginxConf'] as const) : [])];
}

const secretMount = (secret: StackSecret) => ({ source: STACK_SECRETS[secret].key, target: STACK_SECRETS[secret].key });

/**
 * Seconds a replica keeps serving after Swarm's SIGTERM before it starts draining. Swarm takes the
 * task out of its DNS and signals it at once (it has no pre-stop hook), while Nginx re-resolves
 * every 5 s (nginx.conf): without the pause a request can still be sent on a keep-alive connection
 * the draining server just closed, and a POST is never retried (measured: 1 in ~7000 under load).
 */
export const DRAIN_DELAY_SECONDS = 8;

/**
 * The command: source the service's secret environment file, run the image's own entrypoint as a
 * child, and on SIGTERM wait DRAIN_DELAY_SECONDS before passing it on (see above); the exit code is
 * the child's. `$$` is a literal `$` for stack deploy's interpolation.
 */
const withSecretEnv = (secret: StackSecret, exec: string) => [
  '/bin/sh',
  '-c',
  [
    `. /run/secrets/${STACK_SECRETS[secret].key} || exit 1`,
    `${exec} "$$@" & pid=$$!`,
    `trap 'sleep ${DRAIN_DELAY_SECONDS}; kill -TERM "$$pid" 2>/dev/null' TERM INT`,
    'code=0; while kill -0 "$$pid" 2>/dev/null; do wait "$$pid"; code=$$?; done',
    'exit "$$code"',
  ].join('\n'),
  'sh',
];

const rollingUpdate = (order: 'start-first' | 'stop-first') => ({
  parallelism: 1,
  delay: '5s',
  order,
  failure_action: 'rollback',
  // A new task must stay healthy this long before the next one is replaced (and before the update counts as done).
  monitor: '30s',
  max_failure_ratio: 0,
});
const rollback = (order: 'start-first' | 'stop-first') => ({ parallelism: 1, order, failure_action: 'pause', monitor: '10s' });
const restartAlways = { condition: 'any', delay: '2s', window: '60s' };
/**
 * DNS round robin instead of a virtual IP: the VIP and the routing mesh need IPVS in the kernel,
 * which not every host has (these test machines do not). Nginx re-resolves the names (templates/
 * nginx.conf: resolver + `resolve`), so it follows the replicas either way.
 */
const ENDPOINT = { endpoint_mode: 'dnsrr' };
/** Published on the node the task runs on (mode host: no routing mesh, see ENDPOINT). */
const hostPort = (published: string, target: number) => ({ target, published, protocol: 'tcp', mode: 'host' });
const job = { mode: 'replicated-job', restart_policy: { condition: 'on-failure', delay: '3s', max_attempts: 30 } };

export function renderStack(settings: GatewaySettings, hostCpus: number | null = availableParallelism()): string {
  const scale = scaleOf(settings);
  const redis = usesRedis(scale);
  const webuiPostgres = openWebuiUsesPostgres(scale);
  const litellmPort = String(INTERNAL_PORTS.litellm);
  const services: Record<string, Record<string, unknown>> = {};

  services[SERVICES.postgres] = {
    image: '${POSTGRES_IMAGE}',
    command: ['postgres', '-c', 'max_connections=${POSTGRES_MAX_CONNECTIONS}'],
    environment: { POSTGRES_USER: '${POSTGRES_USER}', POSTGRES_DB: '${POSTGRES_DB}', POSTGRES_PASSWORD_FILE: `/run/secrets/${STACK_SECRETS.postgresPassword.key}` },
    secrets: [secretMount('postgresPassword')],
    volumes: ['postgres_data:/var/lib/postgresql/data'],
    networks: ['gateway'],
    healthcheck: {
      test: ['CMD-SHELL', 'pg_isready -h 127.0.0.1 -p 5432 -U "$${POSTGRES_USER}" -d "$${POSTGRES_DB}"'],
      interval: '2s',
      timeout: '5s',
      retries: 30,
      start_period: '60s',
    },
    // One data directory: the old server stops before the new one starts.
    deploy: { ...ENDPOINT, replicas: 1, update_config: rollingUpdate('stop-first'), rollback_config: rollback('stop-first'), restart_policy: restartAlways },
    ...(settings.ports.postgres !== undefined ? { ports: [hostPort('${POSTGRES_PORT}', INTERNAL_PORTS.postgres)] } : {}),
  };

  if (redis) {
    services[STACK_SERVICES.redis] = {
      image: '${REDIS_IMAGE}',
      // The config file (a secret) holds requirepass and appendonly: the password never reaches argv.
      command: ['redis-server', `/run/secrets/${STACK_SECRETS.redisConf.key}`],
      secrets: [secretMount('redisConf')],
      volumes: ['redis_data:/data'],
      networks: ['gateway'],
      healthcheck: {
        test: ['CMD-SHELL', `REDISCLI_AUTH="$$(sed -n 's/^requirepass //p' /run/secrets/${STACK_SECRETS.redisConf.key})" redis-cli ping | grep -q PONG`],
        interval: '3s',
        timeout: '5s',
        retries: 10,
        start_period: '20s',
      },
      deploy: { ...ENDPOINT, replicas: 1, update_config: rollingUpdate('stop-first'), rollback_config: rollback('stop-first'), restart_policy: restartAlways },
    };
  }

  const litellmBase = {
    image: '${LITELLM_IMAGE}',
    // Never root, as on Compose: the image's own non-root uid, group 0 (its writable paths). Swarm
    // delivers config.yaml and the secret as files readable by it, so no host ownership is involved.
    user: containerUser(null),
    // LiteLLM's image: ENTRYPOINT /app/docker-entrypoint.sh, which runs `litellm "$@"` (docs/litellm-contract.md §13).
    entrypoint: withSecretEnv('litellmEnv', '/app/docker-entrypoint.sh'),
    configs: [{ source: STACK_CONFIGS.litellmConfig.key, target: '/app/config.yaml' }],
    secrets: [secretMount('litellmEnv')],
    networks: ['gateway'],
  };
  const litellmEnv = { STORE_MODEL_IN_DB: 'True', ...(redis ? { REDIS_HOST: STACK_SERVICES.redis, REDIS_PORT: String(REDIS_PORT) } : {}) };
  // The one migrator: `prisma migrate deploy` once per deploy of a new spec, then exits.
  services[STACK_SERVICES.litellmMigrate] = {
    ...litellmBase,
    command: ['--config', '/app/config.yaml', '--port', litellmPort, '--skip_server_startup'],
    environment: litellmEnv,
    deploy: job,
  };
  services[SERVICES.litellm] = {
    ...litellmBase,
    command: litellmCommand(settings.resourceProfile),
    // Every replica skips the schema update: litellm-migrate runs it.
    environment: { ...litellmEnv, DISABLE_SCHEMA_UPDATE: 'true' },
    healthcheck: {
      // The image has python3 but no curl or wget; liveliness answers 503 while a replica drains.
      test: ['CMD-SHELL', `python3 -c "import urllib.request; urllib.request.urlopen('http://localhost:${litellmPort}/health/liveliness')"`],
      interval: '3s',
      timeout: '5s',
      retries: 3,
      start_period: '180s',
    },
    stop_grace_period: LITELLM_STOP_GRACE,
    deploy: {
      ...ENDPOINT,
      replicas: '${LITELLM_REPLICAS}',
      update_config: rollingUpdate('start-first'),
      rollback_config: rollback('start-first'),
      restart_policy: restartAlways,
    },
  };

  if (webuiPostgres) {
    // Open WebUI's own database in the same PostgreSQL, created when missing (also on an existing volume).
    services[STACK_SERVICES.postgresInit] = {
      image: '${POSTGRES_IMAGE}',
      entrypoint: [
        '/bin/sh',
        '-c',
        `export PGPASSWORD="$$(cat /run/secrets/${STACK_SECRETS.postgresPassword.key})"; ` +
          'until pg_isready -q -h postgres -U "$$POSTGRES_USER" -d "$$POSTGRES_DB"; do sleep 2; done; ' +
          `psql -h postgres -U "$$POSTGRES_USER" -d "$$POSTGRES_DB" -tAc "SELECT 1 FROM pg_database WHERE datname = '${OPEN_WEBUI_DATABASE}'" | grep -q 1 || ` +
          `psql -h postgres -U "$$POSTGRES_USER" -d "$$POSTGRES_DB" -v ON_ERROR_STOP=1 -c 'CREATE DATABASE ${OPEN_WEBUI_DATABASE}'`,
      ],
      environment: { POSTGRES_USER: '${POSTGRES_USER}', POSTGRES_DB: '${POSTGRES_DB}' },
      secrets: [secretMount('postgresPassword')],
      networks: ['gateway'],
      deploy: job,
    };
  }

  const webuiEnv: Record<string, string> = {
    OPENAI_API_BASE_URL: `http://${SERVICES.litellm}:${litellmPort}/v1`,
    ...(redis ? { ENABLE_WEBSOCKET_SUPPORT: 'true', WEBSOCKET_MANAGER: 'redis' } : {}),
    ...(webuiPostgres ? { UVICORN_WORKERS: '1', DATABASE_POOL_SIZE: String(OPEN_WEBUI_POOL), DATABASE_POOL_MAX_OVERFLOW: '0' } : {}),
  };
  const webuiBase = {
    image: '${OPEN_WEBUI_IMAGE}',
    // Open WebUI's image: WORKDIR /app/backend, CMD ["bash", "start.sh"].
    entrypoint: withSecretEnv('openWebuiEnv', 'exec'),
    secrets: [secretMount('openWebuiEnv')],
    volumes: ['open_webui_data:/app/backend/data'],
    networks: ['gateway'],
  };
  if (webuiPostgres) {
    // The one migrator: importing open_webui.config runs its migrations, then the process exits.
    services[STACK_SERVICES.openWebuiMigrate] = {
      ...webuiBase,
      command: ['python3', '-c', 'import open_webui.config'],
      environment: { ...webuiEnv, ENABLE_DB_MIGRATIONS: 'true' },
      deploy: job,
    };
  }
  services[SERVICES.openWebui] = {
    ...webuiBase,
    command: ['bash', 'start.sh'],
    stop_grace_period: '30s',
    environment: { ...webuiEnv, ...(webuiPostgres ? { ENABLE_DB_MIGRATIONS: 'false' } : {}) },
    healthcheck: { test: ['CMD-SHELL', 'curl --silent --fail http://localhost:8080/health || exit 1'], interval: '3s', timeout: '5s', retries: 5, start_period: '120s' },
    // One replica writes SQLite: stop the old one first. Several share PostgreSQL: start the new one first.
    deploy: {
      ...ENDPOINT,
      replicas: '${WEBUI_REPLICAS}',
      update_config: rollingUpdate(webuiPostgres ? 'start-first' : 'stop-first'),
      rollback_config: rollback(webuiPostgres ? 'start-first' : 'stop-first'),
      restart_policy: restartAlways,
    },
  };

  if (settings.nginx) {
    services[SERVICES.nginx] = {
      image: '${NGINX_IMAGE}',
      configs: [{ source: STACK_CONFIGS.nginxConf.key, target: '/etc/nginx/nginx.conf' }],
      // The API and Open WebUI, and LiteLLM's admin port (nginx.conf's second server).
      ports: [hostPort('${NGINX_PORT}', INTERNAL_PORTS.nginx), hostPort('${LITELLM_PORT}', INTERNAL_PORTS.litellm)],
      networks: ['gateway'],
      healthcheck: { test: ['CMD-SHELL', 'wget -q -O /dev/null http://127.0.0.1/health || exit 1'], interval: '3s', timeout: '5s', retries: 5, start_period: '20s' },
      // stop-first: a host-mode port is held by one task at a time on a node.
      deploy: { ...ENDPOINT, replicas: 1, update_config: rollingUpdate('stop-first'), rollback_config: rollback('stop-first'), restart_policy: restartAlways },
    };
  }

  const secrets = Object.fromEntries(stackSecretsUsed(settings).map((s) => [STACK_SECRETS[s].key, { external: true, name: `\${${STACK_SECRETS[s].nameVar}}` }]));
  applyLogsAndLimits(services, settings, hostCpus);
  const configs = Object.fromEntries(
    stackConfigsUsed(settings).map((c) => [STACK_CONFIGS[c].key, { name: `\${${STACK_CONFIGS[c].nameVar}}`, file: STACK_CONFIGS[c].file }]),
  );
  const doc = new Document({
    version: '3.8',
    services,
    networks: { gateway: { driver: 'overlay' } },
    volumes: { postgres_data: {}, open_webui_data: {}, ...(redis ? { redis_data: {} } : {}) },
    secrets,
    configs,
  });
  doc.commentBefore = [
    ' docker-stack.yml - managed by ai-gateway setup (re-running setup rewrites it). ENGINE=swarm.',
    ' Deployed by `ai-gateway start` (docker stack deploy), which interpolates ${VAR} from .env and',
    ' creates the secrets (from .env) and configs this file names; the values never appear in it.',
    ` LiteLLM: ${scale.replicas.litellm} replica(s), rolling updates start-first with automatic rollback; Open WebUI: ${scale.replicas.openWebui}.`,
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}

/**
 * The same bounds as the Compose files: every container's log rotated by Docker (json-file,
 * LOG_MAX_FILES files of LOG_MAX_SIZE, interpolated by stack deploy like every other value), and
 * the profile's memory (and LiteLLM's CPUs) as `deploy.resources.limits`, per task: Swarm ignores
 * `mem_limit`/`cpus`. Jobs get the rotation but no limits (they exit). RESOURCE_LIMITS=no: none.
 */
function applyLogsAndLimits(services: Record<string, Record<string, unknown>>, settings: GatewaySettings, hostCpus: number | null): void {
  const logging = { driver: 'json-file', options: { 'max-size': '${LOG_MAX_SIZE:-20m}', 'max-file': '${LOG_MAX_FILES:-5}' } };
  const limits = serviceLimits(settings.resourceProfile, hostCpus);
  if (effectiveWorkers(settings.resourceProfile, hostCpus, true) === null) limits.litellm.cpus = null;
  const byService: Record<string, (typeof limits)[keyof typeof limits]> = {
    [SERVICES.litellm]: limits.litellm,
    [SERVICES.openWebui]: limits.openWebui,
    [SERVICES.postgres]: limits.postgres,
    [SERVICES.nginx]: limits.nginx,
  };
  for (const [name, service] of Object.entries(services)) {
    service.logging = logging;
    const limit = byService[name];
    if (!limit || settings.limits === false) continue;
    const deploy = (service.deploy ?? {}) as Record<string, unknown>;
    deploy.resources = { limits: { memory: `${limit.memoryMb}M`, ...(limit.cpus === null ? {} : { cpus: limit.cpus.toFixed(2) }) } };
    service.deploy = deploy;
  }
}

/** The services docker-stack.yml defines for these settings, in start order (jobs included). */
export function stackServiceNames(settings: GatewaySettings): string[] {
  const scale = scaleOf(settings);
  return [
    SERVICES.postgres,
    ...(usesRedis(scale) ? [STACK_SERVICES.redis] : []),
    STACK_SERVICES.litellmMigrate,
    SERVICES.litellm,
    ...(openWebuiUsesPostgres(scale) ? [STACK_SERVICES.postgresInit, STACK_SERVICES.openWebuiMigrate] : []),
    SERVICES.openWebui,
    ...(settings.nginx ? [SERVICES.nginx] : []),
  ];
}
