/**
 * docker-compose.yml (from templates/docker-compose.yml) and docker-compose.override.yml (the
 * host-specific part: published ports, the LiteLLM worker count, the user LiteLLM runs as and the
 * provider variables config.yaml reads). Both interpolate `.env` (`${VAR}`) instead of baking
 * values in, so an edit to `.env` applies on the next start and no secret is ever written here.
 */
import { Document } from 'yaml';
import { availableParallelism } from 'node:os';
import { effectiveWorkers, ENV, INTERNAL_PORTS, SERVICES, serviceLimits, type GatewaySettings } from '../settings.js';
import { containerUser, LITELLM_FIXED_ENV, litellmEnvReferences } from '../container-access.js';
import { loadTemplate, renderTemplate } from './template.js';
import { REDIS_PORT, scaleOf, usesRedis } from '../scale.js';

export function renderCompose(settings: Pick<GatewaySettings, 'nginx'>): string {
  return renderTemplate(loadTemplate('docker-compose.yml'), { nginx: settings.nginx });
}

/**
 * The LiteLLM container arguments for a resource profile (its entrypoint runs `litellm "$@"`). With
 * limits on, the workers follow the CPUs LiteLLM is given (never more than the host's).
 */
export function litellmCommand(profile: GatewaySettings['resourceProfile'], hostCpus: number | null = null, limits = false): string[] {
  const command = ['--config', '/app/config.yaml', '--port', String(INTERNAL_PORTS.litellm)];
  const workers = effectiveWorkers(profile, hostCpus, limits);
  if (workers !== null) command.push('--num_workers', String(workers));
  return command;
}

const publish = (envKey: string, internal: number, host = `\${${ENV.bind}}`) => `${host}:\${${envKey}}:${internal}`;

/** Where LiteLLM's own port is published: behind Nginx it is the admin door, kept on loopback unless --expose-admin. */
export function litellmPublishHost(settings: Pick<GatewaySettings, 'nginx' | 'exposeAdmin'>): string {
  return settings.nginx && settings.exposeAdmin !== true ? '127.0.0.1' : `\${${ENV.bind}}`;
}

export interface OverrideHost {
  /** The uid setup runs as (null where there are no uids): LiteLLM runs as the owner of config.yaml. */
  uid: number | null;
  /** config.yaml as it will be written: every os.environ/NAME it reads is handed to LiteLLM. */
  configYaml: string | null;
  /** Those names when already known (setup: from the document it rendered), saving a parse of configYaml. */
  configEnvRefs?: readonly string[];
  /** CPUs of this host (caps LiteLLM's `cpus`: Docker refuses more than the host has); absent: not capped. */
  cpus?: number | null;
}

export function currentHost(configYaml: string | null = null): OverrideHost {
  return { uid: typeof process.getuid === 'function' ? process.getuid() : null, configYaml, cpus: availableParallelism() };
}

/** `mem_limit` and `cpus` of one service (Compose v1 and v2 honour both without --compatibility). */
function limitKeys(limit: { memoryMb: number; cpus: number | null }): Record<string, unknown> {
  return { mem_limit: `${limit.memoryMb}m`, ...(limit.cpus === null ? {} : { cpus: limit.cpus }) };
}

export function renderOverride(settings: GatewaySettings, host: OverrideHost = currentHost()): string {
  const services: Record<string, Record<string, unknown>> = {};
  const providerEnv = (host.configEnvRefs ?? litellmEnvReferences(host.configYaml ?? '')).filter((name) => !LITELLM_FIXED_ENV.includes(name));
  const limitsOn = settings.limits !== false;
  const hostCpus = host.cpus ?? null;
  const limits = serviceLimits(settings.resourceProfile, hostCpus);
  // Profile "none" leaves LiteLLM's worker count to LiteLLM, so its CPUs are not limited either.
  if (effectiveWorkers(settings.resourceProfile, hostCpus, true) === null) limits.litellm.cpus = null;
  const limited = (key: keyof typeof limits) => (limitsOn ? limitKeys(limits[key]) : {});
  services[SERVICES.litellm] = {
    user: containerUser(host.uid),
    command: litellmCommand(settings.resourceProfile, hostCpus, limitsOn),
    ...(providerEnv.length > 0 ? { environment: Object.fromEntries(providerEnv.map((name) => [name, `\${${name}:-}`])) } : {}),
    ports: [publish(ENV.litellmPort, INTERNAL_PORTS.litellm, litellmPublishHost(settings))],
    ...limited('litellm'),
  };
  if (settings.nginx && settings.tls) {
    // HTTPS on the Nginx port; the certificate and key read-only (the master process reads them as root).
    services[SERVICES.nginx] = {
      ports: [publish(ENV.nginxPort, INTERNAL_PORTS.nginxTls), ...(settings.ports.httpRedirect !== undefined ? [publish(ENV.httpRedirectPort, INTERNAL_PORTS.nginx)] : [])],
      volumes: ['./tls:/etc/nginx/tls:ro'],
      ...limited('nginx'),
    };
    if (limitsOn) services[SERVICES.openWebui] = { ...limited('openWebui') };
  } else if (settings.nginx) {
    services[SERVICES.nginx] = { ports: [publish(ENV.nginxPort, INTERNAL_PORTS.nginx)], ...limited('nginx') };
    if (limitsOn) services[SERVICES.openWebui] = { ...limited('openWebui') };
  } else {
    services[SERVICES.openWebui] = { ports: [publish(ENV.webuiPort, INTERNAL_PORTS.openWebui)], ...limited('openWebui') };
  }
  if (settings.exposePostgres) {
    services[SERVICES.postgres] = { ports: [publish(ENV.postgresPort, INTERNAL_PORTS.postgres)], ...limited('postgres') };
  } else if (limitsOn) {
    services[SERVICES.postgres] = { ...limited('postgres') };
  }
  const redis = usesRedis(scaleOf(settings));
  if (redis) addRedis(services);
  const doc = new Document({ services, ...(redis ? { volumes: { redis_data: {} } } : {}) });
  const command = doc.getIn(['services', SERVICES.litellm, 'command'], true) as { flow?: boolean } | undefined;
  if (command) command.flow = true;
  const workers = effectiveWorkers(settings.resourceProfile, hostCpus, limitsOn);
  const memoryLine = (Object.keys(limits) as (keyof typeof limits)[]).map((key) => `${SERVICES[key]} ${limits[key].memoryMb}m`).join(', ');
  doc.commentBefore = [
    ' docker-compose.override.yml - managed by ai-gateway setup (re-running setup rewrites it).',
    ' Host-specific settings, applied on top of docker-compose.yml by Compose:',
    `   resource profile: ${settings.resourceProfile} (${workers === null ? "LiteLLM's default worker count" : `${workers} LiteLLM worker${workers === 1 ? '' : 's'}`})`,
    limitsOn
      ? `   limits: ${memoryLine}${limits.litellm.cpus === null ? '' : `; LiteLLM ${limits.litellm.cpus} CPU${limits.litellm.cpus === 1 ? '' : 's'}`} (RESOURCE_LIMITS=no or setup --no-limits removes them)`
      : '   no memory or CPU limits (RESOURCE_LIMITS=no)',
    `   published on \${${ENV.bind}} (from .env): ${settings.nginx ? `Nginx${settings.tls ? ' (HTTPS)' : ''}${settings.exposeAdmin === true ? ' and the LiteLLM admin port (--expose-admin)' : '; the LiteLLM admin port on 127.0.0.1 only'}` : 'Open WebUI and LiteLLM'}${settings.exposePostgres ? ', and PostgreSQL' : ''}`,
    `   LiteLLM runs as ${containerUser(host.uid)}: config.yaml's owner and group 0 (the image's writable paths are group 0), never root`,
    `   LiteLLM gets the variables config.yaml reads${providerEnv.length > 0 ? ` (${providerEnv.join(', ')})` : ''}, from .env; re-run setup after adding one`,
    ...(redis ? ['   Redis (USE_REDIS=yes): shared rate limits and router state for LiteLLM, websockets for Open WebUI; never published'] : []),
    ' Change ports and profiles with `ai-gateway setup` (or in .env), not here.',
  ].join('\n');
  return doc.toString({ defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 });
}

/**
 * `--redis` on Compose: the Redis service and its wiring, in the override (the same file that hands
 * LiteLLM the variables config.yaml reads; router_settings there name REDIS_HOST/PORT/PASSWORD).
 * The password reaches redis-server on stdin (`redis-server -` reads its config there), never argv.
 * (Run as root inside the container: the image drops to its redis user only for a `redis-server`
 * command, and a config file it could read would put the password in a file on the host.)
 */
function addRedis(services: Record<string, Record<string, unknown>>): void {
  const password = `\${${ENV.redisPassword}}`;
  const url = `redis://:${password}@redis:${REDIS_PORT}/0`;
  services.redis = {
    image: `\${${ENV.redisImage}}`,
    restart: 'unless-stopped',
    // A here-document, not a pipe: redis-server replaces the shell as PID 1 and gets SIGTERM itself.
    command: ['sh', '-c', 'exec redis-server - <<EOF\nrequirepass $$REDIS_PASSWORD\nappendonly yes\ndir /data\nEOF\n'],
    environment: { [ENV.redisPassword]: password },
    volumes: ['redis_data:/data'],
    networks: ['gateway'],
    healthcheck: { test: ['CMD-SHELL', 'REDISCLI_AUTH="$$REDIS_PASSWORD" redis-cli ping | grep -q PONG'], interval: '3s', timeout: '5s', retries: 10, start_period: '20s' },
  };
  const litellm = services[SERVICES.litellm] as { environment?: Record<string, string> };
  litellm.environment = { ...litellm.environment, REDIS_HOST: 'redis', REDIS_PORT: String(REDIS_PORT), [ENV.redisPassword]: password };
  services[SERVICES.openWebui] = {
    ...services[SERVICES.openWebui],
    environment: { REDIS_URL: url, WEBSOCKET_REDIS_URL: url, WEBSOCKET_MANAGER: 'redis', ENABLE_WEBSOCKET_SUPPORT: 'true' },
  };
}
