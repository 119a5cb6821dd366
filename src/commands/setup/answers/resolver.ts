/**
 * Resolving every setup answer, in one order: flag → AI_GATEWAY_* variable → existing `.env` →
 * prompt (only when interactive, and only for what is still open) → documented default.
 * Prompt ids are stable: tests script answers by id.
 *
 * This file holds what every concern shares: the options, the host probes, the Resolver and the
 * helpers that read a value with its source. Each concern has its own file beside it.
 */
import type { Context } from '../../../core/context.js';
import { UserError } from '../../../core/errors.js';
import type { PortStatus } from '../../../core/ports.js';
import type { RandomSource } from '../../../core/random.js';
import type { EnvFile } from '../../../gateway/env-file.js';

export interface SetupOptions {
  mode?: string | undefined;
  profile?: string | undefined;
  budget?: string | undefined;
  nginx?: boolean | undefined;
  ports?: string | undefined;
  nginxPort?: string | undefined;
  litellmPort?: string | undefined;
  webuiPort?: string | undefined;
  postgresPort?: string | undefined;
  bind?: string | undefined;
  exposePostgres?: boolean | undefined;
  projectName?: string | undefined;
  litellmImage?: string | undefined;
  postgresImage?: string | undefined;
  openWebuiImage?: string | undefined;
  nginxImage?: string | undefined;
  azureApiBase?: string | undefined;
  azureApiVersion?: string | undefined;
  azureDeployment?: string | undefined;
  ollamaBaseUrl?: string | undefined;
  lmStudioBaseUrl?: string | undefined;
  /** `--provider <prefix>`, each with the `--provider-key-env` / `--provider-base-url` that followed it. */
  provider?: { prefix: string; keyEnv?: string | undefined; baseUrl?: string | undefined }[] | undefined;
  removeProvider?: string[] | undefined;
  tls?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  hsts?: boolean | undefined;
  exposeAdmin?: boolean | undefined;
  httpRedirectPort?: string | undefined;
  dryRun?: boolean | undefined;
  engine?: string | undefined;
  replicas?: string | undefined;
  webuiReplicas?: string | undefined;
  redis?: boolean | undefined;
  redisImage?: string | undefined;
  postgresMaxConnections?: string | undefined;
  limits?: boolean | undefined;
  logMaxSize?: string | undefined;
  logMaxFiles?: string | undefined;
}

/** Host side effects the answers depend on, injectable so tests are deterministic. */
export interface SetupProbes {
  probePort(port: number, host: string): Promise<PortStatus>;
  findFreePort(options: { preferred: number; host: string; exclude: Iterable<number> }): Promise<number>;
  randomHighPort(options: { random: RandomSource; host: string; exclude: Iterable<number> }): Promise<number>;
  totalMemoryMb(): number;
  /** CPUs this host offers (for the workers warning); absent: no warning. */
  cpuCount?(): number;
  /** This host's IP addresses (for the --bind warning); absent: no warning. */
  hostAddresses?(): string[];
  /** Volumes of a Compose project on this engine (null: cannot ask); absent: not checked. */
  projectVolumes?(ctx: Context, project: string): Promise<string[] | null>;
  /** This host's name and addresses (the names of a self-signed certificate); the real host's when absent. */
  hostIdentity?(): { hostname: string; addresses: string[] };
}

export interface Resolver {
  ctx: Context;
  options: SetupOptions;
  probes: SetupProbes;
  /** The `.env` answers come from: null for a new gateway or with --mode recreate. */
  prior: EnvFile | null;
  /** Port numbers in the directory's `.env` (even with recreate): our own stack may hold them. */
  ourPorts: ReadonlySet<number>;
  warnings: string[];
}

export const interactive = (r: Resolver) => r.ctx.prompts.interactive;

export function priorValue(r: Resolver, key: string): string | undefined {
  const value = r.prior?.get(key);
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string, source: string): T {
  const normalised = value.toLowerCase();
  if ((allowed as readonly string[]).includes(normalised)) return normalised as T;
  throw new UserError('INVALID_OPTION', `Unknown ${what} "${value}" (from ${source}). Choose one of: ${allowed.join(', ')}.`, {
    hint: `Run "ai-gateway setup --help" for what each ${what} means.`,
  });
}

export function yesNo(value: string, source: string): boolean {
  const v = value.trim().toLowerCase();
  if (['yes', 'true', '1', 'on', 'y'].includes(v)) return true;
  if (['no', 'false', '0', 'off', 'n'].includes(v)) return false;
  throw new UserError('INVALID_OPTION', `${source} must be yes or no, got "${value}".`, { hint: `Set ${source}=yes or ${source}=no.` });
}

/**
 * A yes/no setting: its flag (--x / --no-x), else its AI_GATEWAY_* variable, else its line in `.env`;
 * undefined when none says. A value that is not yes or no is bad input naming where it came from.
 */
export function yesNoAnswer(r: Resolver, option: keyof SetupOptions, sourceVar: string, envKey: string): boolean | undefined {
  const flag = r.options[option];
  if (typeof flag === 'boolean') return flag;
  const fromEnv = r.ctx.env[sourceVar];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return yesNo(fromEnv, sourceVar);
  const prior = priorValue(r, envKey);
  return prior === undefined ? undefined : yesNo(prior, `${envKey} in .env`);
}

/** Flag or variable, naming where a bad value came from. */
export function suppliedWithSource(r: Resolver, option: keyof SetupOptions, flag: string, sourceVar: string): { value: string; source: string } | undefined {
  const fromFlag = r.options[option];
  if (typeof fromFlag === 'string' && fromFlag.trim() !== '') return { value: fromFlag.trim(), source: flag };
  const fromEnv = r.ctx.env[sourceVar];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: fromEnv.trim(), source: sourceVar };
  return undefined;
}

export function valueFromEnv(r: Resolver, name: string): { value: string; source: string } | undefined {
  const value = r.ctx.env[name];
  return value !== undefined && value.trim() !== '' ? { value: value.trim(), source: name } : undefined;
}
