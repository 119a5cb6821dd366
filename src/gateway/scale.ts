/**
 * Past one machine: the engine (Compose or Swarm), the replica counts, and the shared state
 * several replicas need (Redis; PostgreSQL for Open WebUI), with the PostgreSQL connection
 * budget they imply. Facts behind the numbers: /work/shared/reference/scale-out.md.
 */
import { DEFAULT_POSTGRES_MAX_CONNECTIONS, DEFAULT_REDIS_IMAGE, RESOURCE_PROFILES, type GatewaySettings, type ScaleSettings } from './settings.js';

export const DEFAULT_SCALE: ScaleSettings = {
  engine: 'compose',
  replicas: { litellm: 1, openWebui: 1 },
  redis: false,
  redisImage: DEFAULT_REDIS_IMAGE,
  postgresMaxConnections: DEFAULT_POSTGRES_MAX_CONNECTIONS,
};

export function scaleOf(settings: Pick<GatewaySettings, 'scale'>): ScaleSettings {
  return settings.scale ?? DEFAULT_SCALE;
}

/** Redis runs when asked for, and whenever a service has more than one replica (rate limits, router state, websockets). */
export function usesRedis(scale: ScaleSettings): boolean {
  return scale.redis || scale.replicas.litellm > 1 || scale.replicas.openWebui > 1;
}

/** Open WebUI moves from SQLite (single writer) to its own PostgreSQL database with more than one replica. */
export function openWebuiUsesPostgres(scale: ScaleSettings): boolean {
  return scale.replicas.openWebui > 1;
}

export const REDIS_PORT = 6379;
/** Open WebUI's database, beside LiteLLM's in the same PostgreSQL. */
export const OPEN_WEBUI_DATABASE = 'openwebui';
/** LiteLLM's `general_settings.database_connection_pool_limit` when config.yaml does not set it. */
export const LITELLM_POOL_DEFAULT = 10;
/** Open WebUI's pool per replica (DATABASE_POOL_SIZE, no overflow), set by us so the budget is known. */
export const OPEN_WEBUI_POOL = 5;
/** PostgreSQL's superuser_reserved_connections, plus room for psql, backups and `pg_isready`. */
const RESERVED = 3 + 5;

export interface ConnectionBudget {
  /** replicas x workers x pool. */
  litellm: { replicas: number; workers: number; pool: number; connections: number };
  openWebui: { replicas: number; pool: number; connections: number };
  /** The one-shot migrators (LiteLLM's, Open WebUI's) hold a connection each while they run. */
  migrators: number;
  reserved: number;
  total: number;
  maxConnections: number;
  fits: boolean;
  /** "2 LiteLLM replicas x 2 workers x 10 = 40, ..." for messages. */
  explanation: string;
}

export function connectionBudget(settings: GatewaySettings, litellmPool = LITELLM_POOL_DEFAULT): ConnectionBudget {
  const scale = scaleOf(settings);
  const workers = RESOURCE_PROFILES[settings.resourceProfile].workers ?? 1;
  const litellm = { replicas: scale.replicas.litellm, workers, pool: litellmPool, connections: scale.replicas.litellm * workers * litellmPool };
  const webuiPool = openWebuiUsesPostgres(scale) ? OPEN_WEBUI_POOL : 0;
  const openWebui = { replicas: scale.replicas.openWebui, pool: webuiPool, connections: scale.replicas.openWebui * webuiPool };
  const migrators = scale.engine === 'swarm' ? 1 + (openWebuiUsesPostgres(scale) ? 1 : 0) : 0;
  const total = litellm.connections + openWebui.connections + migrators + RESERVED;
  const parts = [
    `${litellm.replicas} LiteLLM replica${litellm.replicas === 1 ? '' : 's'} x ${workers} worker${workers === 1 ? '' : 's'} x pool ${litellmPool} = ${litellm.connections}`,
    ...(webuiPool > 0 ? [`${openWebui.replicas} Open WebUI replicas x pool ${webuiPool} = ${openWebui.connections}`] : []),
    ...(migrators > 0 ? [`${migrators} for the migrator${migrators === 1 ? '' : 's'}`] : []),
    `${RESERVED} reserved (superuser, psql, backups)`,
  ];
  return {
    litellm,
    openWebui,
    migrators,
    reserved: RESERVED,
    total,
    maxConnections: scale.postgresMaxConnections,
    fits: total <= scale.postgresMaxConnections,
    explanation: `${parts.join(' + ')} = ${total}`,
  };
}

/** The smallest max_connections that fits the budget, rounded up to a multiple of 10, never under PostgreSQL's default. */
export function maxConnectionsFor(total: number): number {
  return Math.max(DEFAULT_POSTGRES_MAX_CONNECTIONS, Math.ceil(total / 10) * 10);
}
