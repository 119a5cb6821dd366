/**
 * `.env`: a fresh file gets readable comment blocks; an existing one is edited in place through
 * EnvFile (the user's comments, unknown keys and ordering survive; only our keys change, and
 * keys it lacks are appended as a commented block).
 */
import { EnvFile, formatValue } from '../env-file.js';
import { AZURE, EXTRA_PROVIDERS_KEY, PROVIDER_ENV_KEYS, PROVIDERS, envNamesOf } from '../providers.js';
import { ENV } from '../settings.js';

interface EnvGroup {
  comment: string[];
  keys: string[];
}

export const ENV_HEADER = [
  '# ai-gateway: the settings and secrets of this gateway (the single source of truth).',
  '# Keep it private (mode 600) and out of git. After editing it, run "ai-gateway setup" to',
  '# re-render the other files (nothing you add here is lost), then "ai-gateway start".',
];

const GROUPS: EnvGroup[] = [
  { comment: ['Docker Compose project name: names the containers, network and volumes. Keep it stable.'], keys: [ENV.projectName] },
  {
    comment: [
      'Resource profile (LiteLLM workers): desktop=4, small=1, medium=2, large=6, none=LiteLLM default.',
      'Budget profile (whole proxy, per 30 days): test=$15, prod=$200, unlimited=$1000.',
    ],
    keys: [ENV.resourceProfile, ENV.budgetProfile],
  },
  {
    comment: [
      'Memory and CPU limits from the resource profile (docker-compose.override.yml): RESOURCE_LIMITS=no turns them off.',
      'Docker log rotation per container: at most LOG_MAX_FILES files of LOG_MAX_SIZE (k, m or g) each.',
    ],
    keys: [ENV.resourceLimits, ENV.logMaxSize, ENV.logMaxFiles],
  },
  {
    comment: [
      'Network. With USE_NGINX=yes the API is http://HOST:NGINX_PORT/api/litellm/v1 and Open WebUI is at /;',
      'LITELLM_PORT is LiteLLM itself (admin UI at /ui). Without Nginx, Open WebUI gets WEBUI_PORT.',
      'Ports are published on BIND_ADDRESS (127.0.0.1 = this machine only; 0.0.0.0 = the whole LAN).',
      'PostgreSQL is published only with EXPOSE_POSTGRES=yes. With Nginx, LITELLM_PORT is published on',
      '127.0.0.1 only (Nginx is the door that enforces the route policy) unless EXPOSE_ADMIN=yes.',
    ],
    keys: [ENV.useNginx, ENV.bind, ENV.nginxPort, ENV.litellmPort, ENV.webuiPort, ENV.exposePostgres, ENV.postgresPort, ENV.exposeAdmin],
  },
  {
    comment: [
      'HTTPS at Nginx: TLS=off, files (your certificate) or self-signed; the certificate and key are tls/cert.pem and',
      'tls/key.pem (mode 600). HSTS=yes sends Strict-Transport-Security. HTTP_REDIRECT_PORT: plain HTTP redirecting to HTTPS.',
    ],
    keys: [ENV.tls, ENV.hsts, ENV.httpRedirectPort],
  },
  { comment: ['Images (point them at a mirror or pin versions here).'], keys: [ENV.litellmImage, ENV.postgresImage, ENV.openWebuiImage, ENV.nginxImage] },
  { comment: ['LiteLLM master key: the admin key of the proxy. Generated once; never share it.'], keys: [ENV.masterKey] },
  {
    comment: [
      'LiteLLM salt key: encrypts the provider credentials stored in the database.',
      'Never change it: changing it makes stored provider credentials unreadable.',
    ],
    keys: [ENV.saltKey],
  },
  { comment: ['PostgreSQL (the password is baked into the database volume on first start).'], keys: [ENV.postgresUser, ENV.postgresPassword, ENV.postgresDb] },
  { comment: ['LiteLLM admin UI login (http://HOST:LITELLM_PORT/ui).'], keys: [ENV.uiUsername, ENV.uiPassword] },
  { comment: ['Open WebUI session secret (changing it signs everyone out).'], keys: [ENV.webuiSecret] },
  {
    comment: [
      'Engine: compose (this machine, the default) or swarm (docker stack deploy; LITELLM_REPLICAS / WEBUI_REPLICAS).',
      'Redis (USE_REDIS, on by itself with more than one replica) shares rate limits, router state and websockets;',
      'POSTGRES_MAX_CONNECTIONS must cover replicas x workers x pool (setup checks it).',
    ],
    keys: [ENV.engine, ENV.litellmReplicas, ENV.webuiReplicas, ENV.useRedis, ENV.redisImage, ENV.postgresMaxConnections],
  },
  { comment: ['Redis password (generated once; Redis is never published).'], keys: [ENV.redisPassword] },
  {
    comment: ['Provider API keys, read by LiteLLM through config.yaml (os.environ/NAME). Add or remove, then re-run setup.'],
    keys: [...PROVIDERS.filter((p) => p.secret && p.id !== 'azure').flatMap(envNamesOf)],
  },
  { comment: ['Azure OpenAI (key, endpoint, API version, and the deployment the friendly model name points at).'], keys: ['AZURE_API_KEY', AZURE.baseKey, AZURE.versionKey, AZURE.deploymentKey] },
  { comment: ['Ollama, as the LiteLLM container reaches it (host.docker.internal is the Docker host).'], keys: ['OLLAMA_API_BASE'] },
  { comment: ['LM Studio server, as the LiteLLM container reaches it (no key needed).'], keys: ['LM_STUDIO_API_BASE'] },
];

/** The group of the other LiteLLM providers: its list, then each one's key and base URL variables. */
function extraGroup(extraKeys: readonly string[]): EnvGroup {
  return {
    comment: [
      'Other LiteLLM providers (ai-gateway setup --provider <prefix>), as prefix or prefix:KEY_VARIABLE, comma-separated.',
      'Each key is in <PREFIX>_API_KEY unless a variable is named, a base URL in <PREFIX>_API_BASE (an API version in <PREFIX>_API_VERSION).',
    ],
    keys: [EXTRA_PROVIDERS_KEY, ...extraKeys],
  };
}

export interface EnvRenderOptions {
  /** `.env` variables of the other providers (their keys and base URLs), grouped under EXTRA_PROVIDERS. */
  extraKeys?: readonly string[];
  /** Keys taken out of the file (a removed provider's). */
  remove?: readonly string[];
}

/** Every key setup may write, in the order a fresh file lists them. */
export const MANAGED_ENV_KEYS: readonly string[] = [...GROUPS.flatMap((g) => g.keys), EXTRA_PROVIDERS_KEY];

/**
 * Apply `values` (key → value; empty string = "unset") to `existing`, or build a fresh file.
 * Keys absent from `values` are left alone. Empty values are not appended to an existing file.
 */
export function renderEnv(existing: EnvFile | null, values: Readonly<Record<string, string>>, options: EnvRenderOptions = {}): EnvFile {
  const groups = [...GROUPS, extraGroup(options.extraKeys ?? [])];
  const managed = new Set(groups.flatMap((g) => g.keys));
  if (existing === null) return EnvFile.parse(freshText(groups, values));
  const removed = new Set(options.remove ?? []);
  let env = EnvFile.parse(existing.toString());
  for (const key of removed) env.delete(key);
  // A group whose last key was removed loses its comment too (a removed provider leaves no trace).
  const emptied = groups.filter((g) => g.keys.some((k) => removed.has(k)) && !g.keys.some((k) => env.has(k) || (values[k] ?? '') !== ''));
  if (emptied.length > 0) env = EnvFile.parse(emptied.reduce((text, group) => withoutComment(text, group.comment), env.toString()));
  const blocks: string[] = [];
  for (const group of groups) {
    const missing: string[] = [];
    for (const key of group.keys) {
      const value = values[key];
      if (value === undefined) continue;
      if (env.has(key)) env.set(key, value);
      else if (value !== '') missing.push(`${key}=${formatValue(value)}`);
    }
    if (missing.length > 0) blocks.push([...group.comment.map((c) => `# ${c}`), ...missing].join('\n'));
  }
  for (const [key, value] of Object.entries(values)) {
    // A key outside the groups (should not happen): set it rather than drop it.
    if (!managed.has(key) && value !== '') env.set(key, value);
  }
  if (blocks.length === 0) return env;
  const text = env.toString();
  const separator = text.trim() === '' ? '' : text.endsWith('\n\n') ? '' : '\n';
  return EnvFile.parse(`${text.trim() === '' ? '' : text}${separator}${blocks.join('\n\n')}\n`);
}

function freshText(groups: readonly EnvGroup[], values: Readonly<Record<string, string>>): string {
  const sections: string[] = [ENV_HEADER.join('\n')];
  const providerKeys = new Set([...PROVIDER_ENV_KEYS, ...(groups.at(-1)?.keys ?? [])]);
  for (const group of groups) {
    // Provider groups appear only when a provider is configured; the rest always (documenting every setting).
    const present = group.keys.filter((k) => values[k] !== undefined && (values[k] !== '' || !providerKeys.has(k)));
    if (present.length === 0) continue;
    sections.push([...group.comment.map((c) => `# ${c}`), ...present.map((k) => `${k}=${formatValue(values[k] ?? '')}`)].join('\n'));
  }
  return `${sections.join('\n\n')}\n`;
}

/** `text` without the comment lines of a group, when they stand alone (followed by a blank line or the end). */
function withoutComment(text: string, comment: readonly string[]): string {
  const lines = text.split('\n');
  const block = comment.map((c) => `# ${c}`);
  for (let i = 0; i + block.length <= lines.length; i++) {
    if (!block.every((line, j) => lines[i + j] === line)) continue;
    const after = lines[i + block.length];
    if (after !== undefined && after.trim() !== '') continue;
    const from = i > 0 && lines[i - 1]?.trim() === '' ? i - 1 : i;
    lines.splice(from, block.length + (i - from));
    return lines.join('\n');
  }
  return text;
}
