// Types for litellm.mjs (the LiteLLM proxy stand-in), for TypeScript tests.

export interface StandinModel {
  model_name: string;
  litellm_params: Record<string, unknown> & { model?: string; mock_response?: unknown };
  model_info?: Record<string, unknown>;
}

export interface StandinOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** null (default) = no-auth mode: every request is accepted. */
  masterKey?: string | null;
  /** 'memory' (default), 'postgres' (needs databaseUrl) or 'none' (no DB configured). */
  store?: 'memory' | 'postgres' | 'none';
  databaseUrl?: string;
  models?: StandinModel[];
  /** A LiteLLM config.yaml; `os.environ/NAME` values are resolved. */
  configPath?: string;
  /** Time before the port listens at all (simulated migrations). With > 0, await `ready`. */
  bootDelayMs?: number;
  /** 'db' (default): {status, db} with 503 on a lost DB; 'modern': {status} with 503; 'legacy': full body, always 200. */
  readinessVariant?: 'legacy' | 'modern' | 'db';
  /** Invalid-model 400: 'new' (default, unwrapped + provider_specific_fields) or 'old' (Python repr). */
  errorVariant?: 'old' | 'new';
  /** Enterprise features: /key/regenerate, key tags, model_max_budget. */
  premium?: boolean;
  /** Delay between streamed chunks; default 100 ms. */
  streamIntervalMs?: number;
  /** Keep every request in `requests` (default true); false for load benchmarks. */
  recordRequests?: boolean;
  /** Store 'postgres': cache key rows for authentication this long, as LiteLLM does (default 0: every request reads the DB). */
  keyCacheTtlMs?: number;
  /** Reported LiteLLM version; default "1.80.0-standin". */
  version?: string;
  /** 'never-ready': listen but never answer. */
  fault?: 'never-ready' | null;
  /** How long to wait for PostgreSQL at boot; default 60 s. */
  dbWaitMs?: number;
  uiUsername?: string;
  uiPassword?: string;
  storeModelInDb?: boolean;
  /** false = DISABLE_SCHEMA_UPDATE=true: check the connection at boot, create no tables. Default true. */
  schemaUpdate?: boolean;
  generalSettings?: Record<string, unknown>;
  /** One line per request (uvicorn format) and boot messages; default: silent. */
  log?: (line: string, stream?: 'stdout' | 'stderr') => void;
}

/** A row of "LiteLLM_VerificationToken" as the stand-in keeps it (dates are Date objects). */
export type KeyRow = Record<string, unknown> & {
  token: string;
  key_name: string | null;
  key_alias: string | null;
  spend: number;
  max_budget: number | null;
  expires: Date | null;
  models: string[];
  blocked: boolean | null;
};

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Request headers with every auth header replaced by "[redacted]". */
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  status: number;
  auth: { role: 'proxy_admin' | 'internal_user'; token: string | null; via: string | null } | null;
  at: Date;
}

export interface StandinStore {
  kind: 'memory' | 'postgres' | 'none';
  configured: boolean;
  requests: RecordedRequest[];
  get(token: string): Promise<KeyRow | null>;
  update(token: string, changes: Partial<KeyRow>): Promise<KeyRow | null>;
}

export interface StandinHandle {
  readonly url: string;
  readonly port: number;
  /** Resolves once the port listens (already resolved when bootDelayMs was 0). */
  ready: Promise<void>;
  store: StandinStore;
  /** Same array as store.requests. */
  requests: RecordedRequest[];
  options: Required<Pick<StandinOptions, 'readinessVariant' | 'errorVariant' | 'premium' | 'streamIntervalMs' | 'version'>> &
    StandinOptions & { models: Required<StandinModel>[] };
  /** Simulate the database going away (false) or coming back (true). */
  setDbUp(up: boolean): void;
  /** SIGTERM's graceful part: stop accepting, finish what is in flight (at most timeoutMs), liveliness 503 meanwhile. */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_VERSION: string;
export function startLiteLLMStandin(options?: StandinOptions): Promise<StandinHandle>;
export function loadLiteLLMConfig(configPath: string, env?: NodeJS.ProcessEnv): Promise<{
  model_list: StandinModel[];
  general_settings: Record<string, unknown>;
  litellm_settings: Record<string, unknown>;
  router_settings: Record<string, unknown>;
}>;
export function parseServerArgs(argv: string[]): { flags: Record<string, string | true>; warnings: string[] };
export function hashToken(raw: string): string;
export function durationToMs(duration: string): number;
export function pyStr(s: string): string;
export function pyRepr(value: unknown): string;
export function pyJsonDumps(value: unknown): string;
export class ProxyError extends Error {
  status: number;
  type: string | null;
  param: string | null;
  constructor(status: number, message: string, type: string | null, param?: string | null, extra?: Record<string, unknown>);
  toBody(): { error: { message: string; type: string | null; param: string | null; code: string } };
}
