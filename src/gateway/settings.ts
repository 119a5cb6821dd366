/**
 * The gateway's settings model. `.env` in the gateway directory is the single source of truth:
 * setup writes it, and every other command (start, key, doctor, ...) reads it back through
 * `settingsFromEnv`, so a user's edit to `.env` is honoured everywhere.
 */
import { z } from '../core/schema.js';
import { UserError } from '../core/errors.js';
import type { EnvFile } from './env-file.js';

export const RESOURCE_PROFILES = {
  desktop: { workers: 4, label: 'Desktop / local', description: 'local development, plenty of RAM' },
  small: { workers: 1, label: 'Small VPS', description: '1-2 users, 2 GB RAM' },
  medium: { workers: 2, label: 'Medium VPS', description: '3-5 users, 4 GB RAM (recommended)' },
  large: { workers: 6, label: 'Large VPS', description: 'teams, 8 GB+ RAM' },
  none: { workers: null, label: "LiteLLM's default", description: 'do not set --num_workers' },
} as const;
export type ResourceProfile = keyof typeof RESOURCE_PROFILES;
export const RESOURCE_PROFILE_NAMES = Object.keys(RESOURCE_PROFILES) as ResourceProfile[];

/** Memory each part needs (measured by the original project), in MB. */
export const MEMORY_MB = { litellmBase: 320, litellmWorker: 460, openWebui: 600, postgres: 60, nginx: 5 } as const;

/**
 * Docker log rotation per profile (json-file `max-size` x `max-file` per container): a small VPS has
 * a small disk; a team's gateway keeps more history. Overridable (--log-max-size, --log-max-files).
 */
export const LOG_ROTATION: Record<ResourceProfile, { maxSize: string; maxFiles: number }> = {
  desktop: { maxSize: '10m', maxFiles: 3 },
  small: { maxSize: '10m', maxFiles: 3 },
  medium: { maxSize: '20m', maxFiles: 5 },
  large: { maxSize: '50m', maxFiles: 5 },
  none: { maxSize: '20m', maxFiles: 5 },
};
/** What Docker's json-file `max-size` accepts: a number with an optional k, m or g unit. */
export const LOG_MAX_SIZE_PATTERN = /^[1-9]\d*[kmg]?$/;

/** Bytes of a `max-size` value (`20m`); null when it is not one. */
export function logSizeBytes(value: string): number | null {
  const match = /^(\d+)([kmg]?)$/i.exec(value.trim());
  if (!match) return null;
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Number(match[1]) * unit;
}

/**
 * Memory and CPU limits (docker-compose.override.yml `mem_limit` / `cpus`), from the figures above
 * with headroom: a limit is a ceiling against a leak or a runaway request, not a budget, so it sits
 * 50% above the measured need (PostgreSQL at least 512 MB for its shared buffers and sorts, the
 * others at least 256 MB). LiteLLM gets one CPU per worker, never more CPUs than the host has, and
 * then runs as many workers as it has CPUs.
 */
export const LIMIT_HEADROOM = 1.5;
const LIMIT_FLOOR_MB = { litellm: 256, openWebui: 256, postgres: 512, nginx: 256 } as const;

export interface ServiceLimits {
  /** `mem_limit` in MB. */
  memoryMb: number;
  /** `cpus`, or null: not limited. */
  cpus: number | null;
}

/** LiteLLM workers a profile runs on a host with `hostCpus` CPUs (null: LiteLLM's default). */
export function effectiveWorkers(profile: ResourceProfile, hostCpus: number | null, limits: boolean): number | null {
  const workers = RESOURCE_PROFILES[profile].workers;
  if (workers === null || !limits || hostCpus === null) return workers;
  return Math.max(1, Math.min(workers, Math.floor(hostCpus)));
}

export function serviceLimits(profile: ResourceProfile, hostCpus: number | null): Record<'litellm' | 'openWebui' | 'postgres' | 'nginx', ServiceLimits> {
  const workers = effectiveWorkers(profile, hostCpus, true);
  const limit = (needMb: number, floorMb: number) => Math.max(floorMb, Math.ceil((needMb * LIMIT_HEADROOM) / 64) * 64);
  return {
    litellm: { memoryMb: limit(MEMORY_MB.litellmBase + (workers ?? 1) * MEMORY_MB.litellmWorker, LIMIT_FLOOR_MB.litellm), cpus: workers },
    openWebui: { memoryMb: limit(MEMORY_MB.openWebui, LIMIT_FLOOR_MB.openWebui), cpus: null },
    postgres: { memoryMb: limit(MEMORY_MB.postgres, LIMIT_FLOOR_MB.postgres), cpus: null },
    nginx: { memoryMb: limit(MEMORY_MB.nginx, LIMIT_FLOOR_MB.nginx), cpus: null },
  };
}

/** The next profile with more memory for LiteLLM (null: none bigger). */
export function largerProfile(profile: ResourceProfile): ResourceProfile | null {
  const order: ResourceProfile[] = ['small', 'medium', 'desktop', 'large'];
  const index = order.indexOf(profile === 'none' ? 'small' : profile);
  return profile === 'none' ? 'medium' : (order[index + 1] ?? null);
}

/** `workers`: the count LiteLLM actually runs, when limits cap it at the host's CPUs (default: the profile's). */
export function memoryNeededMb(profile: ResourceProfile, nginx: boolean, runningWorkers?: number | null): number {
  const workers = runningWorkers ?? RESOURCE_PROFILES[profile].workers ?? 1; // LiteLLM's default is one worker
  return (
    MEMORY_MB.litellmBase + workers * MEMORY_MB.litellmWorker + MEMORY_MB.openWebui + MEMORY_MB.postgres + (nginx ? MEMORY_MB.nginx : 0)
  );
}

/** Health wait default per profile: LiteLLM migrates its database on every boot. */
export function defaultStartTimeoutSeconds(profile: ResourceProfile): number {
  return profile === 'small' ? 300 : profile === 'large' || profile === 'desktop' ? 240 : 180;
}

export const BUDGET_PROFILES = {
  test: { maxBudget: 15, label: 'Test', description: '$15 per 30 days' },
  prod: { maxBudget: 200, label: 'Production', description: '$200 per 30 days' },
  unlimited: { maxBudget: 1000, label: 'Unlimited', description: '$1000 per 30 days (be careful)' },
} as const;
export type BudgetProfile = keyof typeof BUDGET_PROFILES;
export const BUDGET_PROFILE_NAMES = Object.keys(BUDGET_PROFILES) as BudgetProfile[];
export const BUDGET_DURATION = '30d';

/**
 * The images a new gateway runs: explicit release tags, never a moving tag (`main-stable`, `main`,
 * `latest`, bare `alpine`), so the same setup gives the same system next month and a pull never
 * migrates a database by surprise. `start` records the digest each tag resolved to
 * (.ai-gateway/images.json) and `status` shows it.
 *
 * How to move them (one place): pick the new release of each project (LiteLLM: a stable release
 * `vX.Y.Z` of BerriAI/litellm; Open WebUI: a release `vX.Y.Z` of open-webui/open-webui; PostgreSQL:
 * the newest 16.x minor; Nginx: a stable `1.N-alpine`, at least 1.27.3 for upstream `resolve`), read
 * their release notes for migrations, update the tags here and in the README's table, and run the
 * e2e suite. Existing gateways keep what their .env names until `ai-gateway upgrade`.
 */
export const DEFAULT_IMAGES = {
  litellm: 'docker.litellm.ai/berriai/litellm:v1.110.4',
  postgres: 'postgres:16.16',
  openWebui: 'ghcr.io/open-webui/open-webui:v0.12.4',
  nginx: 'nginx:1.30-alpine',
} as const;

/**
 * Tags that move under a gateway: a pull may bring another release. `doctor` warns about them
 * (a tag-less reference means `latest`).
 */
export function movingTag(reference: string): string | null {
  const slash = reference.lastIndexOf('/');
  const at = reference.indexOf('@', slash);
  if (at >= 0) return null; // pinned by digest
  const colon = reference.lastIndexOf(':');
  const tag = colon > slash ? reference.slice(colon + 1) : '';
  if (tag === '') return 'latest (no tag)';
  if (/^(latest|main|main-stable|main-latest|stable|nightly|dev|edge|mainline|alpine|bookworm|trixie|lts|ollama|cuda)$/i.test(tag)) return tag;
  if (/^main-/.test(tag) || /-(latest|nightly|dev)$/i.test(tag)) return tag;
  return null;
}
export type ServiceImageKey = keyof typeof DEFAULT_IMAGES;

/** Compose service names (stable: tests, docs and users' scripts rely on them). */
export const SERVICES = { postgres: 'postgres', litellm: 'litellm', openWebui: 'open-webui', nginx: 'nginx' } as const;

/** Ports inside the containers: fixed, so healthchecks and upstreams never disagree. */
export const INTERNAL_PORTS = { litellm: 4000, openWebui: 8080, postgres: 5432, nginx: 80, nginxTls: 443 } as const;

/**
 * HTTPS at Nginx: `files` serves a certificate the user gave (copied into tls/), `self-signed` one
 * setup made for this host's names; `off` is plain HTTP.
 */
export const TLS_MODES = ['off', 'files', 'self-signed'] as const;
export type TlsMode = (typeof TLS_MODES)[number];

export const DEFAULT_PORTS = { nginx: 3000, litellm: 4000, webui: 3000, postgres: 5432 } as const;

/** Names of the variables in `.env`. */
export const ENV = {
  projectName: 'COMPOSE_PROJECT_NAME',
  resourceProfile: 'RESOURCE_PROFILE',
  budgetProfile: 'BUDGET_PROFILE',
  useNginx: 'USE_NGINX',
  bind: 'BIND_ADDRESS',
  exposePostgres: 'EXPOSE_POSTGRES',
  exposeAdmin: 'EXPOSE_ADMIN',
  nginxPort: 'NGINX_PORT',
  litellmPort: 'LITELLM_PORT',
  webuiPort: 'WEBUI_PORT',
  postgresPort: 'POSTGRES_PORT',
  litellmImage: 'LITELLM_IMAGE',
  postgresImage: 'POSTGRES_IMAGE',
  openWebuiImage: 'OPEN_WEBUI_IMAGE',
  nginxImage: 'NGINX_IMAGE',
  resourceLimits: 'RESOURCE_LIMITS',
  logMaxSize: 'LOG_MAX_SIZE',
  logMaxFiles: 'LOG_MAX_FILES',
  masterKey: 'LITELLM_MASTER_KEY',
  saltKey: 'LITELLM_SALT_KEY',
  postgresUser: 'POSTGRES_USER',
  postgresPassword: 'POSTGRES_PASSWORD',
  postgresDb: 'POSTGRES_DB',
  uiUsername: 'UI_USERNAME',
  uiPassword: 'UI_PASSWORD',
  webuiSecret: 'WEBUI_SECRET_KEY',
  virtualKey: 'VIRTUAL_KEY',
  // Past one machine (src/gateway/scale.ts): the engine, replicas and the shared state they need.
  engine: 'ENGINE',
  litellmReplicas: 'LITELLM_REPLICAS',
  webuiReplicas: 'WEBUI_REPLICAS',
  useRedis: 'USE_REDIS',
  redisImage: 'REDIS_IMAGE',
  redisPassword: 'REDIS_PASSWORD',
  postgresMaxConnections: 'POSTGRES_MAX_CONNECTIONS',
  tls: 'TLS',
  hsts: 'HSTS',
  httpRedirectPort: 'HTTP_REDIRECT_PORT',
} as const;

/** Where the stack runs: Docker Compose on this machine (the default) or a Docker Swarm (`docker stack deploy`). */
export const ENGINES = ['compose', 'swarm'] as const;
export type Engine = (typeof ENGINES)[number];
/** Pinned like the other images: Redis >= 7 is what LiteLLM asks for. */
export const DEFAULT_REDIS_IMAGE = 'redis:7.4-alpine';
/** PostgreSQL's own default max_connections. */
export const DEFAULT_POSTGRES_MAX_CONNECTIONS = 100;

/** `.env` variables whose values are secrets: never printed, masked in diffs. */
export const SECRET_ENV_KEYS: readonly string[] = [
  ENV.masterKey,
  ENV.saltKey,
  ENV.postgresPassword,
  ENV.uiPassword,
  ENV.webuiSecret,
  ENV.virtualKey,
  ENV.redisPassword,
];

export const MASTER_KEY_PATTERN = /^sk-[A-Za-z0-9_-]{20,}$/;
export const PUBLICLY_KNOWN_MASTER_KEYS = new Set(['sk-1234']);

const port = z.coerce.number().check(z.int(), z.gte(1), z.lte(65535));
/** yes/no, true/false or 1/0, in any case and with spaces around, as a boolean. */
const lowercased = z.pipe(z.string(), z.transform((v) => v.trim().toLowerCase()));
const yesNo = z.pipe(
  z.pipe(lowercased, z.enum(['yes', 'no', 'true', 'false', '1', '0'])),
  z.transform((v) => v === 'yes' || v === 'true' || v === '1'),
);
const replicas = z.coerce.number().check(z.int(), z.gte(1), z.lte(64));
const image = (fallback: string) => z._default(z.string().check(z.minLength(1)), fallback);

const settingsSchema = z
  .object({
    [ENV.projectName]: z.string().check(z.regex(/^[a-z0-9][a-z0-9_-]*$/, 'lowercase letters, digits, "_" and "-", starting with a letter or digit')),
    [ENV.resourceProfile]: z._default(z.enum(RESOURCE_PROFILE_NAMES as [ResourceProfile, ...ResourceProfile[]]), 'medium'),
    [ENV.budgetProfile]: z._default(z.enum(BUDGET_PROFILE_NAMES as [BudgetProfile, ...BudgetProfile[]]), 'test'),
    [ENV.useNginx]: z._default(yesNo, true),
    [ENV.bind]: z._default(z.string().check(z.regex(/^(\d{1,3}\.){3}\d{1,3}$|^\[?[0-9a-fA-F:]+\]?$/, 'an IP address such as 127.0.0.1 or 0.0.0.0')), '127.0.0.1'),
    [ENV.exposePostgres]: z._default(yesNo, false),
    [ENV.exposeAdmin]: z._default(yesNo, false),
    [ENV.nginxPort]: z.optional(port),
    [ENV.litellmPort]: port,
    [ENV.webuiPort]: z.optional(port),
    [ENV.postgresPort]: z.optional(port),
    [ENV.litellmImage]: image(DEFAULT_IMAGES.litellm),
    [ENV.postgresImage]: image(DEFAULT_IMAGES.postgres),
    [ENV.openWebuiImage]: image(DEFAULT_IMAGES.openWebui),
    [ENV.nginxImage]: image(DEFAULT_IMAGES.nginx),
    [ENV.engine]: z._default(z.pipe(lowercased, z.enum(ENGINES)), 'compose'),
    [ENV.litellmReplicas]: z._default(replicas, 1),
    [ENV.webuiReplicas]: z._default(replicas, 1),
    [ENV.useRedis]: z._default(yesNo, false),
    [ENV.redisImage]: image(DEFAULT_REDIS_IMAGE),
    [ENV.postgresMaxConnections]: z._default(z.coerce.number().check(z.int(), z.gte(20), z.lte(100_000)), DEFAULT_POSTGRES_MAX_CONNECTIONS),
    [ENV.resourceLimits]: z._default(yesNo, true),
    [ENV.logMaxSize]: z.optional(z.pipe(lowercased, z.string().check(z.regex(LOG_MAX_SIZE_PATTERN, 'a size such as 20m, 500k or 1g')))),
    [ENV.logMaxFiles]: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(100))),
    [ENV.tls]: z._default(z.pipe(lowercased, z.enum(TLS_MODES)), 'off'),
    [ENV.hsts]: z._default(yesNo, false),
    [ENV.httpRedirectPort]: z.optional(port),
  })
  .check(
    z.superRefine((v, ctx) => {
      if (v[ENV.useNginx] && v[ENV.nginxPort] === undefined) ctx.addIssue({ code: 'custom', path: [ENV.nginxPort], message: 'required when USE_NGINX=yes' });
      if (!v[ENV.useNginx] && v[ENV.webuiPort] === undefined) ctx.addIssue({ code: 'custom', path: [ENV.webuiPort], message: 'required when USE_NGINX=no' });
      if (v[ENV.exposePostgres] && v[ENV.postgresPort] === undefined) ctx.addIssue({ code: 'custom', path: [ENV.postgresPort], message: 'required when EXPOSE_POSTGRES=yes' });
      for (const key of [ENV.litellmReplicas, ENV.webuiReplicas] as const) {
        if (v[ENV.engine] === 'compose' && v[key] > 1) ctx.addIssue({ code: 'custom', path: [key], message: 'more than one replica needs ENGINE=swarm' });
      }
      if (v[ENV.tls] !== 'off' && !v[ENV.useNginx]) ctx.addIssue({ code: 'custom', path: [ENV.tls], message: 'HTTPS is served by Nginx: needs USE_NGINX=yes' });
    }),
  );

export interface GatewaySettings {
  projectName: string;
  resourceProfile: ResourceProfile;
  budgetProfile: BudgetProfile;
  nginx: boolean;
  bind: string;
  exposePostgres: boolean;
  /** With Nginx: publish LiteLLM's own (admin) port on BIND_ADDRESS too, not only on 127.0.0.1. */
  exposeAdmin?: boolean;
  ports: { nginx?: number; litellm: number; webui?: number; postgres?: number; httpRedirect?: number };
  images: Record<ServiceImageKey, string>;
  /** Absent means the defaults: Compose, one replica each, no Redis (src/gateway/scale.ts reads it). */
  scale?: ScaleSettings;
  /** Memory and CPU limits from the profile (RESOURCE_LIMITS; undefined: on). `setup --no-limits` turns them off. */
  limits?: boolean;
  /** Docker log rotation per container (LOG_MAX_SIZE, LOG_MAX_FILES; undefined: the profile's). */
  logs?: { maxSize: string; maxFiles: number };
  /** HTTPS on the Nginx port (null or absent: plain HTTP). The files are tls/cert.pem and tls/key.pem. */
  tls?: TlsSettings | null;
}

export interface ScaleSettings {
  engine: Engine;
  replicas: { litellm: number; openWebui: number };
  /** USE_REDIS=yes; more than one replica turns Redis on whatever it says (scale.ts: usesRedis). */
  redis: boolean;
  redisImage: string;
  postgresMaxConnections: number;
}

/** Log rotation in effect: the settings' own, or the profile's. */
export function logRotation(settings: Pick<GatewaySettings, 'resourceProfile' | 'logs'>): { maxSize: string; maxFiles: number } {
  return settings.logs ?? LOG_ROTATION[settings.resourceProfile];
}

export interface TlsSettings {
  mode: Exclude<TlsMode, 'off'>;
  /** Send Strict-Transport-Security (only when asked: browsers remember it for the host). */
  hsts: boolean;
}

/** Read and validate the non-secret settings from `.env`. */
export function settingsFromEnv(env: EnvFile, fileLabel = '.env'): GatewaySettings {
  const record = env.toRecord();
  const parsed = settingsSchema.safeParse(Object.fromEntries(Object.entries(record).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${String(i.path[0] ?? '')}: ${i.message}`).join('; ');
    throw new UserError('INVALID_ENV', `${fileLabel} has invalid settings: ${problems}.`, {
      hint: `Fix those lines in ${fileLabel}, or run "ai-gateway setup" to rewrite them (secrets are kept).`,
      details: { file: fileLabel, issues: parsed.error.issues.map((i) => ({ key: String(i.path[0] ?? ''), message: i.message })) },
    });
  }
  const v = parsed.data;
  return {
    projectName: v[ENV.projectName],
    resourceProfile: v[ENV.resourceProfile],
    budgetProfile: v[ENV.budgetProfile],
    nginx: v[ENV.useNginx],
    bind: v[ENV.bind],
    exposePostgres: v[ENV.exposePostgres],
    ...(v[ENV.exposeAdmin] ? { exposeAdmin: true } : {}),
    ports: {
      litellm: v[ENV.litellmPort],
      ...(v[ENV.useNginx] ? { nginx: v[ENV.nginxPort] } : { webui: v[ENV.webuiPort] }),
      ...(v[ENV.exposePostgres] ? { postgres: v[ENV.postgresPort] } : {}),
      ...(v[ENV.tls] !== 'off' && v[ENV.httpRedirectPort] !== undefined ? { httpRedirect: v[ENV.httpRedirectPort] } : {}),
    },
    images: {
      litellm: v[ENV.litellmImage],
      postgres: v[ENV.postgresImage],
      openWebui: v[ENV.openWebuiImage],
      nginx: v[ENV.nginxImage],
    },
    scale: {
      engine: v[ENV.engine],
      replicas: { litellm: v[ENV.litellmReplicas], openWebui: v[ENV.webuiReplicas] },
      redis: v[ENV.useRedis],
      redisImage: v[ENV.redisImage],
      postgresMaxConnections: v[ENV.postgresMaxConnections],
    },
    limits: v[ENV.resourceLimits],
    logs: {
      maxSize: v[ENV.logMaxSize] ?? LOG_ROTATION[v[ENV.resourceProfile]].maxSize,
      maxFiles: v[ENV.logMaxFiles] ?? LOG_ROTATION[v[ENV.resourceProfile]].maxFiles,
    },
    ...(v[ENV.tls] === 'off' ? {} : { tls: { mode: v[ENV.tls] as TlsSettings['mode'], hsts: v[ENV.hsts] } }),
  };
}

/** The `.env` values that represent `settings` (secrets are handled by setup separately). */
export function settingsToEnv(settings: GatewaySettings): Record<string, string> {
  return {
    [ENV.projectName]: settings.projectName,
    [ENV.resourceProfile]: settings.resourceProfile,
    [ENV.budgetProfile]: settings.budgetProfile,
    [ENV.useNginx]: settings.nginx ? 'yes' : 'no',
    [ENV.bind]: settings.bind,
    [ENV.exposePostgres]: settings.exposePostgres ? 'yes' : 'no',
    [ENV.exposeAdmin]: settings.exposeAdmin === true ? 'yes' : 'no',
    [ENV.nginxPort]: settings.ports.nginx === undefined ? '' : String(settings.ports.nginx),
    [ENV.litellmPort]: String(settings.ports.litellm),
    [ENV.webuiPort]: settings.ports.webui === undefined ? '' : String(settings.ports.webui),
    [ENV.postgresPort]: settings.ports.postgres === undefined ? '' : String(settings.ports.postgres),
    [ENV.litellmImage]: settings.images.litellm,
    [ENV.postgresImage]: settings.images.postgres,
    [ENV.openWebuiImage]: settings.images.openWebui,
    [ENV.nginxImage]: settings.images.nginx,
    [ENV.resourceLimits]: settings.limits === false ? 'no' : 'yes',
    [ENV.logMaxSize]: logRotation(settings).maxSize,
    [ENV.logMaxFiles]: String(logRotation(settings).maxFiles),
    [ENV.tls]: settings.tls?.mode ?? 'off',
    [ENV.hsts]: settings.tls?.hsts ? 'yes' : 'no',
    [ENV.httpRedirectPort]: settings.ports.httpRedirect === undefined ? '' : String(settings.ports.httpRedirect),
  };
}

/** Published host ports, by what they serve (for port checks and URLs). */
export function publishedPorts(settings: GatewaySettings): { service: string; port: number; purpose: string; envKey: string }[] {
  const list: { service: string; port: number; purpose: string; envKey: string }[] = [];
  if (settings.ports.nginx !== undefined) list.push({ service: SERVICES.nginx, port: settings.ports.nginx, purpose: 'API and Open WebUI (Nginx)', envKey: ENV.nginxPort });
  list.push({ service: SERVICES.litellm, port: settings.ports.litellm, purpose: settings.nginx ? 'LiteLLM admin UI (direct)' : 'LiteLLM API and admin UI', envKey: ENV.litellmPort });
  if (settings.ports.webui !== undefined) list.push({ service: SERVICES.openWebui, port: settings.ports.webui, purpose: 'Open WebUI', envKey: ENV.webuiPort });
  if (settings.ports.postgres !== undefined) list.push({ service: SERVICES.postgres, port: settings.ports.postgres, purpose: 'PostgreSQL', envKey: ENV.postgresPort });
  if (settings.ports.httpRedirect !== undefined) list.push({ service: SERVICES.nginx, port: settings.ports.httpRedirect, purpose: 'HTTP redirect to HTTPS (Nginx)', envKey: ENV.httpRedirectPort });
  return list;
}

export interface GatewayUrls {
  /** OpenAI-compatible base URL users should configure (through Nginx when enabled). */
  api: string;
  /** LiteLLM reached directly on its published port (admin API, `/ui`). */
  litellmDirect: string;
  adminUi: string;
  openWebui: string;
}

/** Where this machine reaches the published ports: the bind address itself, or localhost for 0.0.0.0. */
export function defaultHost(settings: GatewaySettings): string {
  if (settings.bind === '0.0.0.0' || settings.bind === '::' || settings.bind === '[::]') return 'localhost';
  return settings.bind.includes(':') && !settings.bind.startsWith('[') ? `[${settings.bind}]` : settings.bind;
}

/** URLs on `host` (localhost for local use; the LAN address when bound to 0.0.0.0). */
export function gatewayUrls(settings: GatewaySettings, host = defaultHost(settings)): GatewayUrls {
  // Behind Nginx, LiteLLM's own port is published on 127.0.0.1 only (unless EXPOSE_ADMIN=yes).
  const adminOnLoopback = settings.nginx && settings.exposeAdmin !== true;
  const directHost = adminOnLoopback && host !== 'localhost' && !host.startsWith('127.') ? '127.0.0.1' : host;
  const direct = `http://${directHost}:${settings.ports.litellm}`;
  if (settings.nginx && settings.ports.nginx !== undefined) {
    const front = `${settings.tls ? 'https' : 'http'}://${host}:${settings.ports.nginx}`;
    return { api: `${front}/api/litellm/v1`, litellmDirect: direct, adminUi: `${direct}/ui`, openWebui: `${front}/` };
  }
  return { api: `${direct}/v1`, litellmDirect: direct, adminUi: `${direct}/ui`, openWebui: `http://${host}:${settings.ports.webui ?? DEFAULT_PORTS.webui}/` };
}
