/**
 * Resolving every setup answer, in one order: flag → AI_GATEWAY_* variable → existing `.env` →
 * prompt (only when interactive, and only for what is still open) → documented default.
 * Prompt ids are stable: tests script answers by id.
 */
import { isIP } from 'node:net';
import { basename } from 'node:path';
import type { Context } from '../../core/context.js';
import { CancelledError, EnvError, NonInteractiveError, UserError } from '../../core/errors.js';
import { isValidPortNumber, RANDOM_PORT_RANGE, type PortStatus } from '../../core/ports.js';
import type { RandomSource } from '../../core/random.js';
import type { EnvFile } from '../../gateway/env-file.js';
import { AZURE, OLLAMA_DEFAULT_BASE, PROVIDERS, type ProviderId, type ProviderSelection } from '../../gateway/providers.js';
import { ACCOUNT_DEFAULTS, SECRET_SPECS, validateAccountName } from '../../gateway/secrets.js';
import { nginxImageTooOld, NGINX_MIN_VERSION } from '../../gateway/nginx-version.js';
import {
  BUDGET_PROFILE_NAMES,
  BUDGET_PROFILES,
  DEFAULT_IMAGES,
  DEFAULT_PORTS,
  ENV,
  memoryNeededMb,
  RESOURCE_PROFILE_NAMES,
  RESOURCE_PROFILES,
  type BudgetProfile,
  type GatewaySettings,
  type ResourceProfile,
  type ServiceImageKey,
} from '../../gateway/settings.js';

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
  dryRun?: boolean | undefined;
}

/** Host side effects the answers depend on, injectable so tests are deterministic. */
export interface SetupProbes {
  probePort(port: number, host: string): Promise<PortStatus>;
  findFreePort(options: { preferred: number; host: string; exclude: Iterable<number> }): Promise<number>;
  randomHighPort(options: { random: RandomSource; host: string; exclude: Iterable<number> }): Promise<number>;
  totalMemoryMb(): number;
}

export type SetupMode = 'create' | 'reuse' | 'recreate';
export const MODES = ['reuse', 'recreate'] as const;
export const PORT_MODES = ['default', 'random', 'manual'] as const;
export type PortMode = (typeof PORT_MODES)[number];

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

const interactive = (r: Resolver) => r.ctx.prompts.interactive;

function priorValue(r: Resolver, key: string): string | undefined {
  const value = r.prior?.get(key);
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string, source: string): T {
  const normalised = value.toLowerCase();
  if ((allowed as readonly string[]).includes(normalised)) return normalised as T;
  throw new UserError('INVALID_OPTION', `Unknown ${what} "${value}" (from ${source}). Choose one of: ${allowed.join(', ')}.`, {
    hint: `Run "ai-gateway setup --help" for what each ${what} means.`,
  });
}

function yesNo(value: string, source: string): boolean {
  const v = value.trim().toLowerCase();
  if (['yes', 'true', '1', 'on', 'y'].includes(v)) return true;
  if (['no', 'false', '0', 'off', 'n'].includes(v)) return false;
  throw new UserError('INVALID_OPTION', `${source} must be yes or no, got "${value}".`, { hint: `Set ${source}=yes or ${source}=no.` });
}

/** Flag or variable, naming where a bad value came from. */
function suppliedWithSource(r: Resolver, option: keyof SetupOptions, flag: string, sourceVar: string): { value: string; source: string } | undefined {
  const fromFlag = r.options[option];
  if (typeof fromFlag === 'string' && fromFlag.trim() !== '') return { value: fromFlag.trim(), source: flag };
  const fromEnv = r.ctx.env[sourceVar];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { value: fromEnv.trim(), source: sourceVar };
  return undefined;
}

// ── 1. existing directory ──────────────────────────────────────────────────────────────────────

export async function resolveMode(ctx: Context, options: SetupOptions, existing: boolean): Promise<SetupMode> {
  const given = typeof options.mode === 'string' && options.mode !== '' ? { value: options.mode, source: '--mode' } : ctx.env.AI_GATEWAY_MODE ? { value: ctx.env.AI_GATEWAY_MODE, source: 'AI_GATEWAY_MODE' } : undefined;
  const asked = given ? oneOf(given.value, MODES, 'mode', given.source) : undefined;
  if (!existing) return 'create'; // nothing to reuse or back up
  let mode: 'reuse' | 'recreate';
  if (asked) mode = asked;
  else if (ctx.prompts.interactive) {
    mode = await ctx.prompts.select({
      id: 'mode',
      message: `${ctx.dir} already holds a gateway. What should setup do?`,
      choices: [
        { value: 'reuse', name: 'Reuse it: keep every secret and setting, fill in what is missing, re-render the files' },
        { value: 'recreate', name: 'Recreate it: back up the old files, then start over with new secrets' },
      ],
      default: 'reuse',
      flagHint: '--mode reuse|recreate or AI_GATEWAY_MODE',
    });
  } else mode = 'reuse';
  if (mode === 'recreate' && !options.dryRun) await confirmRecreate(ctx); // a dry run destroys nothing
  return mode;
}

async function confirmRecreate(ctx: Context): Promise<void> {
  if (ctx.prompts.interactive) {
    const typed = await ctx.prompts.input({
      id: 'recreate.confirm',
      message: 'Recreating generates new secrets: the old database password and keys stop working. Type "recreate" to confirm',
      flagHint: '--mode recreate --yes',
    });
    if (typed.trim() !== 'recreate') throw new CancelledError('Recreate was not confirmed; nothing was changed.');
    return;
  }
  if (!ctx.yes) {
    throw new NonInteractiveError('Recreating the gateway (new secrets; the old files are backed up)', 'Pass --yes together with --mode recreate to confirm it.');
  }
}

// ── 2-4. profile, budget, nginx, bind ─────────────────────────────────────────────────────────

export function deriveProjectName(dir: string): string {
  const base = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 40);
  return `aigw-${base || 'gateway'}`;
}

export function resolveProjectName(r: Resolver): string {
  const given = suppliedWithSource(r, 'projectName', '--project-name', 'AI_GATEWAY_PROJECT_NAME');
  const value = given?.value ?? priorValue(r, ENV.projectName) ?? deriveProjectName(r.ctx.dir);
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(value)) {
    throw new UserError('INVALID_PROJECT_NAME', `Project name "${value}" (from ${given?.source ?? ENV.projectName + ' in .env'}) may only hold lowercase letters, digits, "_" and "-", starting with a letter or digit.`, {
      hint: 'Pass --project-name with a valid name, e.g. --project-name aigw-team.',
    });
  }
  return value;
}

const formatGb = (mb: number) => `${(mb / 1024).toFixed(1)} GB`;

export async function resolveResourceProfile(r: Resolver): Promise<ResourceProfile> {
  const given = suppliedWithSource(r, 'profile', '--profile', 'AI_GATEWAY_PROFILE');
  if (given) return oneOf(given.value, RESOURCE_PROFILE_NAMES, 'resource profile', given.source);
  const prior = priorValue(r, ENV.resourceProfile);
  if (prior) return oneOf(prior, RESOURCE_PROFILE_NAMES, 'resource profile', `${ENV.resourceProfile} in .env`);
  if (!interactive(r)) return 'medium';
  const total = r.probes.totalMemoryMb();
  return r.ctx.prompts.select<ResourceProfile>({
    id: 'profile',
    message: `Resource profile (this machine has ${formatGb(total)} of memory)`,
    choices: RESOURCE_PROFILE_NAMES.map((name) => {
      const p = RESOURCE_PROFILES[name];
      const needed = memoryNeededMb(name, true);
      const workers = p.workers === null ? "LiteLLM's default workers" : `${p.workers} LiteLLM worker${p.workers === 1 ? '' : 's'}`;
      return {
        value: name,
        name: `${name.padEnd(8)} ${workers}, needs ~${formatGb(needed)}${needed > total ? ' (more than this machine has)' : ''}`,
        description: `${p.label}: ${p.description}. LiteLLM worker ~460 MB, base ~320 MB, Open WebUI ~600 MB, PostgreSQL ~60 MB, Nginx ~5 MB.`,
      };
    }),
    default: 'medium',
    flagHint: '--profile <desktop|small|medium|large|none> or AI_GATEWAY_PROFILE',
  });
}

export function memoryWarning(profile: ResourceProfile, nginx: boolean, totalMb: number): string | null {
  const needed = memoryNeededMb(profile, nginx);
  if (needed <= totalMb) return null;
  return `The ${profile} profile needs about ${formatGb(needed)} of memory, but this machine has ${formatGb(totalMb)}. Choose a smaller one with --profile small (or --profile none).`;
}

export async function resolveBudgetProfile(r: Resolver): Promise<BudgetProfile> {
  const given = suppliedWithSource(r, 'budget', '--budget', 'AI_GATEWAY_BUDGET');
  if (given) return oneOf(given.value, BUDGET_PROFILE_NAMES, 'budget profile', given.source);
  const prior = priorValue(r, ENV.budgetProfile);
  if (prior) return oneOf(prior, BUDGET_PROFILE_NAMES, 'budget profile', `${ENV.budgetProfile} in .env`);
  if (!interactive(r)) return 'test';
  return r.ctx.prompts.select<BudgetProfile>({
    id: 'budget',
    message: 'Budget profile (the most the whole proxy may spend per 30 days)',
    choices: BUDGET_PROFILE_NAMES.map((name) => ({ value: name, name: `${name.padEnd(9)} ${BUDGET_PROFILES[name].description}` })),
    default: 'test',
    flagHint: '--budget <test|prod|unlimited> or AI_GATEWAY_BUDGET',
  });
}

export async function resolveNginx(r: Resolver): Promise<boolean> {
  if (typeof r.options.nginx === 'boolean') return r.options.nginx;
  const fromEnv = r.ctx.env.AI_GATEWAY_NGINX;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return yesNo(fromEnv, 'AI_GATEWAY_NGINX');
  const prior = priorValue(r, ENV.useNginx);
  if (prior) return yesNo(prior, `${ENV.useNginx} in .env`);
  if (!interactive(r)) return true;
  return r.ctx.prompts.confirm({
    id: 'nginx',
    message: 'Put Nginx in front? (API at /api/litellm/v1 and Open WebUI at / on one port; admin endpoints blocked)',
    default: true,
    flagHint: '--nginx or --no-nginx (AI_GATEWAY_NGINX=yes|no)',
  });
}

export function normaliseBind(value: string, source: string): string {
  const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  const kind = isIP(bare);
  if (kind === 4) return bare;
  if (kind === 6) return `[${bare}]`; // Compose needs brackets in "ADDR:PORT:PORT"
  throw new UserError('INVALID_BIND_ADDRESS', `Bind address "${value}" (from ${source}) is not an IP address.`, {
    hint: 'Use --bind 127.0.0.1 (this machine only, the default) or --bind 0.0.0.0 (the whole LAN).',
  });
}

export function isLoopback(bind: string): boolean {
  return bind.startsWith('127.') || bind === '[::1]';
}

export async function resolveBind(r: Resolver): Promise<string> {
  const given = suppliedWithSource(r, 'bind', '--bind', 'AI_GATEWAY_BIND');
  if (given) return normaliseBind(given.value, given.source);
  const prior = priorValue(r, ENV.bind);
  if (prior) return normaliseBind(prior, `${ENV.bind} in .env`);
  if (!interactive(r)) return '127.0.0.1';
  return r.ctx.prompts.select({
    id: 'bind',
    message: 'Who may connect to the gateway?',
    choices: [
      { value: '127.0.0.1', name: 'Only this machine (127.0.0.1)' },
      { value: '0.0.0.0', name: 'Every machine on the network (0.0.0.0)' },
    ],
    default: '127.0.0.1',
    flagHint: '--bind <address> or AI_GATEWAY_BIND',
  });
}

export function resolveExposePostgres(r: Resolver): boolean {
  if (typeof r.options.exposePostgres === 'boolean') return r.options.exposePostgres;
  const fromEnv = r.ctx.env.AI_GATEWAY_EXPOSE_POSTGRES;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return yesNo(fromEnv, 'AI_GATEWAY_EXPOSE_POSTGRES');
  const prior = priorValue(r, ENV.exposePostgres);
  return prior ? yesNo(prior, `${ENV.exposePostgres} in .env`) : false;
}

// ── 5. ports ───────────────────────────────────────────────────────────────────────────────────

export type PortRole = 'nginx' | 'litellm' | 'webui' | 'postgres';

interface PortRoleSpec {
  envKey: string;
  option: 'nginxPort' | 'litellmPort' | 'webuiPort' | 'postgresPort';
  flag: string;
  sourceVar: string;
  defaultPort: number;
  label: string;
}

export const PORT_ROLES: Record<PortRole, PortRoleSpec> = {
  nginx: { envKey: ENV.nginxPort, option: 'nginxPort', flag: '--nginx-port', sourceVar: 'AI_GATEWAY_NGINX_PORT', defaultPort: DEFAULT_PORTS.nginx, label: 'Nginx (API and Open WebUI)' },
  litellm: { envKey: ENV.litellmPort, option: 'litellmPort', flag: '--litellm-port', sourceVar: 'AI_GATEWAY_LITELLM_PORT', defaultPort: DEFAULT_PORTS.litellm, label: 'LiteLLM (admin UI and direct API)' },
  webui: { envKey: ENV.webuiPort, option: 'webuiPort', flag: '--webui-port', sourceVar: 'AI_GATEWAY_WEBUI_PORT', defaultPort: DEFAULT_PORTS.webui, label: 'Open WebUI' },
  postgres: { envKey: ENV.postgresPort, option: 'postgresPort', flag: '--postgres-port', sourceVar: 'AI_GATEWAY_POSTGRES_PORT', defaultPort: DEFAULT_PORTS.postgres, label: 'PostgreSQL' },
};

/** A port number from text, or the rule it breaks (for prompts) / a UserError (for flags and files). */
export function checkPortText(text: string): number | string {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return `a port is a whole number between 1 and 65535 (got "${text}")`;
  const port = Number(trimmed);
  if (!isValidPortNumber(port)) return `port ${trimmed} is out of range: ports are 1-65535`;
  return port;
}

function parsePort(text: string, source: string): number {
  const checked = checkPortText(text);
  if (typeof checked === 'number') return checked;
  const outOfRange = /^\s*\d+\s*$/.test(text);
  throw new UserError(outOfRange ? 'PORT_OUT_OF_RANGE' : 'INVALID_PORT', `${source}: ${checked}.`, {
    hint: 'Pick a port between 1024 and 65535 that nothing else uses, e.g. 3000 or 4000.',
  });
}

export async function resolvePorts(r: Resolver, settings: { nginx: boolean; exposePostgres: boolean; bind: string }): Promise<GatewaySettings['ports']> {
  const roles: PortRole[] = settings.nginx ? ['nginx', 'litellm'] : ['webui', 'litellm'];
  if (settings.exposePostgres) roles.push('postgres');

  const explicit = new Map<PortRole, { port: number; source: string }>();
  for (const role of roles) {
    const spec = PORT_ROLES[role];
    const given = suppliedWithSource(r, spec.option, spec.flag, spec.sourceVar);
    if (given) explicit.set(role, { port: parsePort(given.value, given.source), source: given.source });
  }
  for (const role of Object.keys(PORT_ROLES) as PortRole[]) {
    const spec = PORT_ROLES[role];
    const unused = roles.includes(role) ? undefined : suppliedWithSource(r, spec.option, spec.flag, spec.sourceVar);
    if (unused) r.warnings.push(`${unused.source} is ignored: ${spec.label} gets no host port ${role === 'webui' ? 'with Nginx in front (it is served at /)' : role === 'nginx' ? 'without Nginx' : 'unless --expose-postgres'}.`);
  }
  const seen = new Map<number, string>();
  for (const [, { port, source }] of explicit) {
    const other = seen.get(port);
    if (other) throw new UserError('PORT_CONFLICT', `${other} and ${source} both ask for port ${port}; each service needs its own.`, { hint: 'Give them different ports.' });
    seen.set(port, source);
  }

  const givenMode = suppliedWithSource(r, 'ports', '--ports', 'AI_GATEWAY_PORTS');
  let mode: PortMode | undefined = givenMode ? oneOf(givenMode.value, PORT_MODES, 'ports mode', givenMode.source) : undefined;
  const open = roles.filter((role) => !explicit.has(role) && priorPort(r, role) === undefined);
  if (mode === undefined && open.length > 0 && interactive(r)) {
    mode = await r.ctx.prompts.select<PortMode>({
      id: 'ports',
      message: 'Host ports',
      choices: [
        { value: 'default', name: settings.nginx ? `Default: Nginx ${DEFAULT_PORTS.nginx}, LiteLLM admin ${DEFAULT_PORTS.litellm}` : `Default: Open WebUI ${DEFAULT_PORTS.webui}, LiteLLM ${DEFAULT_PORTS.litellm}` },
        { value: 'random', name: `Random free ports in ${RANDOM_PORT_RANGE.min}-${RANDOM_PORT_RANGE.max}` },
        { value: 'manual', name: 'Choose each port' },
      ],
      default: 'default',
      flagHint: '--ports <default|random|manual> or AI_GATEWAY_PORTS',
    });
  }

  const chosen: Partial<Record<PortRole, number>> = {};
  /** Ports already claimed by the other services (chosen, or given explicitly). */
  const takenBy = (self: PortRole) =>
    new Set(roles.filter((role) => role !== self).flatMap((role) => [chosen[role], explicit.get(role)?.port].filter((p): p is number => p !== undefined)));
  // Explicit ports first, so the others steer clear of them.
  for (const role of roles) {
    const given = explicit.get(role);
    if (given) chosen[role] = await ensureFree(r, role, given.port, settings.bind, { source: given.source, taken: takenBy(role) });
  }
  for (const role of roles) {
    if (chosen[role] !== undefined) continue;
    const spec = PORT_ROLES[role];
    const prior = priorPort(r, role);
    const others = takenBy(role);
    if (mode === undefined && prior !== undefined && !others.has(prior)) {
      chosen[role] = prior; // reuse: our own port, kept as it is
    } else if ((mode ?? 'default') === 'default') {
      chosen[role] = await ensureFree(r, role, spec.defaultPort, settings.bind, { source: 'the default', taken: others });
    } else if (mode === 'random') {
      chosen[role] = prior !== undefined && prior >= RANDOM_PORT_RANGE.min && !others.has(prior) ? prior : await r.probes.randomHighPort({ random: r.ctx.random, host: settings.bind, exclude: others });
    } else {
      chosen[role] = await askPort(r, role, prior ?? spec.defaultPort, settings.bind, others);
    }
  }
  return {
    ...(chosen.nginx !== undefined ? { nginx: chosen.nginx } : {}),
    litellm: chosen.litellm as number,
    ...(chosen.webui !== undefined ? { webui: chosen.webui } : {}),
    ...(chosen.postgres !== undefined ? { postgres: chosen.postgres } : {}),
  };
}

function priorPort(r: Resolver, role: PortRole): number | undefined {
  const value = priorValue(r, PORT_ROLES[role].envKey);
  return value === undefined ? undefined : parsePort(value, `${PORT_ROLES[role].envKey} in .env`);
}

/** The port if it is free (or ours); otherwise ask for another (interactive) or fail naming the flag and a free port. */
async function ensureFree(r: Resolver, role: PortRole, port: number, bind: string, context: { source: string; taken: Set<number> }): Promise<number> {
  const spec = PORT_ROLES[role];
  if (context.taken.has(port)) {
    throw new UserError('PORT_CONFLICT', `Port ${port} (${spec.label}, from ${context.source}) is already used by another service of this gateway.`, { hint: `Pass ${spec.flag} with a different port.` });
  }
  if (port < 1024) r.warnings.push(`Port ${port} (${spec.label}) is below 1024: rootless Docker and Podman cannot publish it.`);
  if (r.ourPorts.has(port)) return port;
  const status = await r.probes.probePort(port, bind);
  if (status !== 'busy') return port;
  const suggestion = await r.probes.findFreePort({ preferred: port + 1, host: bind, exclude: context.taken });
  const message = `Port ${port} on ${bind} (${spec.label}, from ${context.source}) is already in use.`;
  if (!interactive(r)) {
    throw new EnvError('PORT_IN_USE', message, {
      hint: `Port ${suggestion} is free: pass ${spec.flag} ${suggestion} (or --ports random), or stop what uses port ${port}.`,
      details: { port, bind, flag: spec.flag, suggestion },
    });
  }
  r.ctx.out.warn(`${message} Port ${suggestion} is free.`);
  return askPort(r, role, suggestion, bind, context.taken);
}

async function askPort(r: Resolver, role: PortRole, suggested: number, bind: string, taken: Set<number>): Promise<number> {
  const spec = PORT_ROLES[role];
  if (!interactive(r)) throw new NonInteractiveError(`The host port of ${spec.label}`, `Pass ${spec.flag} <port> (or ${spec.sourceVar}), or use --ports default|random.`);
  let proposal = suggested;
  for (;;) {
    const answer = await r.ctx.prompts.input({
      id: `port.${role}`,
      message: `Host port for ${spec.label}`,
      default: String(proposal),
      validate: (text) => {
        const checked = checkPortText(text);
        if (typeof checked === 'string') return checked;
        return taken.has(checked) ? `port ${checked} is already taken by another service of this gateway` : true;
      },
      flagHint: `${spec.flag} <port>`,
    });
    const port = parsePort(answer, `the answer for ${spec.label}`);
    if (taken.has(port)) throw new UserError('PORT_CONFLICT', `Port ${port} is already taken by another service of this gateway.`, { hint: `Choose another port for ${spec.label}.` });
    if (r.ourPorts.has(port) || (await r.probes.probePort(port, bind)) !== 'busy') {
      if (port < 1024) r.warnings.push(`Port ${port} (${spec.label}) is below 1024: rootless Docker and Podman cannot publish it.`);
      return port;
    }
    proposal = await r.probes.findFreePort({ preferred: port + 1, host: bind, exclude: taken });
    r.ctx.out.warn(`Port ${port} on ${bind} is already in use. Port ${proposal} is free.`);
  }
}

// ── 6. providers ───────────────────────────────────────────────────────────────────────────────

export interface ResolvedProviders {
  /** `.env` values to write (new or changed keys only). */
  values: Record<string, string>;
  selection: ProviderSelection[];
  /** Providers whose key was set or replaced in this run. */
  changed: ProviderId[];
}

const PROVIDER_VALUE = /^[^\s'"`$\\#]+$/;

function validateProviderValue(spec: (typeof PROVIDERS)[number], value: string): true | string {
  if (spec.id === 'ollama') return validateUrl(value, spec.envKey);
  if (!PROVIDER_VALUE.test(value)) return `${spec.envKey} must not contain spaces, quotes, "$", "#" or "\\"`;
  return value.length >= 8 ? true : `${spec.envKey} looks too short to be an API key`;
}

function validateUrl(value: string, name: string): true | string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${name} must be an http:// or https:// URL`;
  } catch {
    return `${name} must be a URL such as ${OLLAMA_DEFAULT_BASE}`;
  }
  return PROVIDER_VALUE.test(value) ? true : `${name} must not contain spaces, quotes, "$", "#" or "\\"`;
}

function failIfInvalid(result: true | string, source: string): void {
  if (result !== true) throw new UserError('INVALID_PROVIDER_VALUE', `${source}: ${result}.`, { hint: `Fix ${source} and run setup again.` });
}

export async function resolveProviders(r: Resolver, askInteractively: boolean): Promise<ResolvedProviders> {
  const values: Record<string, string> = {};
  const changed: ProviderId[] = [];
  const current = (key: string) => values[key] ?? priorValue(r, key);

  for (const spec of PROVIDERS) {
    const given = spec.id === 'ollama' ? suppliedWithSource(r, 'ollamaBaseUrl', '--ollama-base-url', spec.sourceVar) : valueFromEnv(r, spec.sourceVar);
    if (!given) continue;
    failIfInvalid(validateProviderValue(spec, given.value), given.source);
    if (spec.secret) r.ctx.out.addSecret(given.value);
    if (priorValue(r, spec.envKey) !== given.value) {
      values[spec.envKey] = given.value;
      changed.push(spec.id);
      if (priorValue(r, spec.envKey) !== undefined) r.ctx.out.info(`${spec.envKey} in .env replaced by ${given.source}.`);
    }
  }

  if (askInteractively && interactive(r)) {
    for (;;) {
      const choice = await r.ctx.prompts.select<ProviderId | 'done'>({
        id: 'providers',
        message: 'Add an LLM provider key? (stored in .env only)',
        choices: [
          { value: 'done', name: 'Done' },
          ...PROVIDERS.map((p) => ({ value: p.id, name: `${p.label}${current(p.envKey) ? ' (configured; choose to replace)' : ''}` })),
        ],
        default: 'done',
        flagHint: 'AI_GATEWAY_<PROVIDER>_API_KEY variables (e.g. AI_GATEWAY_OPENAI_API_KEY)',
      });
      if (choice === 'done') break;
      const spec = PROVIDERS.find((p) => p.id === choice) as (typeof PROVIDERS)[number];
      const question = {
        id: `provider.${spec.id}`,
        message: spec.id === 'ollama' ? 'Ollama URL, as the LiteLLM container reaches it' : `${spec.label} API key (hidden; empty to skip)`,
        validate: (text: string) => (text === '' ? true : validateProviderValue(spec, text.trim())),
        flagHint: spec.sourceVar,
      };
      const answer = spec.secret ? await r.ctx.prompts.password(question) : await r.ctx.prompts.input({ ...question, default: current(spec.envKey) ?? OLLAMA_DEFAULT_BASE });
      if (answer.trim() === '') continue;
      if (spec.secret) r.ctx.out.addSecret(answer.trim());
      values[spec.envKey] = answer.trim();
      if (!changed.includes(spec.id)) changed.push(spec.id);
    }
  }

  const selection: ProviderSelection[] = [];
  for (const spec of PROVIDERS) {
    if (current(spec.envKey) === undefined) continue;
    if (spec.id === 'azure') {
      const azure = await resolveAzure(r, current);
      Object.assign(values, azure.values);
      selection.push({ id: 'azure', azureDeployment: azure.deployment });
    } else selection.push({ id: spec.id });
  }
  return { values, selection, changed };
}

function valueFromEnv(r: Resolver, name: string): { value: string; source: string } | undefined {
  const value = r.ctx.env[name];
  return value !== undefined && value.trim() !== '' ? { value: value.trim(), source: name } : undefined;
}

async function resolveAzure(r: Resolver, current: (key: string) => string | undefined): Promise<{ values: Record<string, string>; deployment: string }> {
  const values: Record<string, string> = {};
  const pick = async (option: 'azureApiBase' | 'azureApiVersion' | 'azureDeployment', id: string, flag: string, sourceVar: string, key: string, fallback: string | undefined, message: string, validate: (v: string) => true | string) => {
    const given = suppliedWithSource(r, option, flag, sourceVar);
    let value = given?.value ?? current(key);
    if (given) failIfInvalid(validate(given.value), given.source);
    if (value === undefined && interactive(r)) {
      value = (await r.ctx.prompts.input({ id: `provider.azure.${id}`, message, ...(fallback ? { default: fallback } : {}), validate, flagHint: `${flag} or ${sourceVar}` })).trim();
    }
    value ??= fallback;
    if (value === undefined) throw new NonInteractiveError(message, `Pass ${flag} <value> (or ${sourceVar}) together with AI_GATEWAY_AZURE_API_KEY.`);
    if (priorValue(r, key) !== value) values[key] = value;
    return value;
  };
  const simple = (name: string) => (v: string) => (/^[A-Za-z0-9._-]+$/.test(v) ? true : `${name} may only contain letters, digits, ".", "_" and "-"`);
  await pick('azureApiBase', 'base', '--azure-api-base', AZURE.baseSourceVar, AZURE.baseKey, undefined, 'Azure OpenAI endpoint (https://<resource>.openai.azure.com)', (v) => validateUrl(v, AZURE.baseKey));
  await pick('azureApiVersion', 'version', '--azure-api-version', AZURE.versionSourceVar, AZURE.versionKey, AZURE.defaultVersion, 'Azure OpenAI API version', simple(AZURE.versionKey));
  const deployment = await pick('azureDeployment', 'deployment', '--azure-deployment', AZURE.deploymentSourceVar, AZURE.deploymentKey, AZURE.defaultDeployment, 'Azure deployment name for the friendly model entry', simple(AZURE.deploymentKey));
  return { values, deployment };
}

// ── 7. images ──────────────────────────────────────────────────────────────────────────────────

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]{0,254}$/;

interface ImageSpec {
  key: ServiceImageKey;
  envKey: string;
  option: 'litellmImage' | 'postgresImage' | 'openWebuiImage' | 'nginxImage';
  flag: string;
  sourceVar: string;
  label: string;
}

const IMAGES: ImageSpec[] = [
  { key: 'litellm', envKey: ENV.litellmImage, option: 'litellmImage', flag: '--litellm-image', sourceVar: 'AI_GATEWAY_LITELLM_IMAGE', label: 'LiteLLM' },
  { key: 'postgres', envKey: ENV.postgresImage, option: 'postgresImage', flag: '--postgres-image', sourceVar: 'AI_GATEWAY_POSTGRES_IMAGE', label: 'PostgreSQL' },
  { key: 'openWebui', envKey: ENV.openWebuiImage, option: 'openWebuiImage', flag: '--open-webui-image', sourceVar: 'AI_GATEWAY_OPEN_WEBUI_IMAGE', label: 'Open WebUI' },
  { key: 'nginx', envKey: ENV.nginxImage, option: 'nginxImage', flag: '--nginx-image', sourceVar: 'AI_GATEWAY_NGINX_IMAGE', label: 'Nginx' },
];

function checkImage(value: string): true | string {
  return IMAGE_REF.test(value) ? true : `"${value}" is not an image reference such as registry.example.com/team/litellm:v1.2.3`;
}

/** nginx.conf re-resolves containers with upstream `resolve`: an Nginx named older than 1.27.3 would not start. */
function checkNginxImage(value: string): true | string {
  const ref = checkImage(value);
  if (ref !== true) return ref;
  const old = nginxImageTooOld(value);
  return old ? `${value} is Nginx ${old}; the gateway's nginx.conf needs Nginx ${NGINX_MIN_VERSION} or newer (upstream "resolve"), such as nginx:alpine` : true;
}

const imageCheck = (spec: ImageSpec) => (spec.key === 'nginx' ? checkNginxImage : checkImage);

export async function resolveImages(r: Resolver): Promise<Record<ServiceImageKey, string>> {
  const images = {} as Record<ServiceImageKey, string>;
  const open: ImageSpec[] = [];
  for (const spec of IMAGES) {
    const given = suppliedWithSource(r, spec.option, spec.flag, spec.sourceVar);
    if (given) {
      const ok = imageCheck(spec)(given.value);
      if (ok !== true) throw new UserError('INVALID_IMAGE', `${given.source}: ${ok}.`, { hint: `Pass ${spec.flag} with an image name and tag.` });
      images[spec.key] = given.value;
      continue;
    }
    const prior = priorValue(r, spec.envKey);
    if (prior) {
      const ok = imageCheck(spec)(prior);
      if (ok !== true) throw new UserError('INVALID_IMAGE', `${spec.envKey} in .env: ${ok}.`, { hint: `Fix ${spec.envKey} in .env or pass ${spec.flag}.` });
      images[spec.key] = prior;
      continue;
    }
    open.push(spec);
  }
  let customise = false;
  if (open.length > 0 && interactive(r)) {
    customise = !(await r.ctx.prompts.confirm({
      id: 'images',
      message: 'Use the default upstream images? (No: a mirror or pinned versions)',
      default: true,
      flagHint: '--litellm-image, --postgres-image, --open-webui-image, --nginx-image (or AI_GATEWAY_*_IMAGE)',
    }));
  }
  for (const spec of open) {
    images[spec.key] = customise
      ? (
          await r.ctx.prompts.input({ id: `image.${spec.key}`, message: `${spec.label} image`, default: DEFAULT_IMAGES[spec.key], validate: imageCheck(spec), flagHint: spec.flag })
        ).trim()
      : DEFAULT_IMAGES[spec.key];
  }
  return images;
}

// ── secrets ────────────────────────────────────────────────────────────────────────────────────

export interface ResolvedSecrets {
  values: Record<string, string>;
  generated: string[];
  kept: string[];
  supplied: string[];
}

export async function resolveSecrets(r: Resolver): Promise<ResolvedSecrets> {
  const values: Record<string, string> = {};
  const result: ResolvedSecrets = { values, generated: [], kept: [], supplied: [] };
  const missing: (typeof SECRET_SPECS)[number][] = [];
  for (const spec of SECRET_SPECS) {
    const prior = priorValue(r, spec.envKey);
    const given = valueFromEnv(r, spec.sourceVar);
    if (given) r.ctx.out.addSecret(given.value);
    if (prior !== undefined) {
      r.ctx.out.addSecret(prior);
      const ok = spec.validate(prior);
      if (ok !== true) {
        throw new UserError('INVALID_SECRET', `${spec.envKey} in .env is not acceptable: ${ok}`, {
          hint: `Replace it in .env with a valid value (or delete the line to have setup generate one), then run setup again.${spec.envKey === ENV.saltKey ? ' Changing the salt key makes provider credentials stored in the database unreadable.' : ''}`,
        });
      }
      if (given && given.value !== prior) {
        r.warnings.push(`${given.source} differs from ${spec.envKey} in .env; the existing value was kept (secrets are never replaced by setup). To change it deliberately, edit ${spec.envKey} in .env${spec.envKey === ENV.saltKey ? ' (never the salt key once providers are stored)' : ''} and restart.`);
      }
      values[spec.envKey] = prior;
      result.kept.push(spec.envKey);
      continue;
    }
    if (given) {
      const ok = spec.validate(given.value);
      if (ok !== true) throw new UserError('INVALID_SECRET', `${given.source}: ${ok}`, { hint: `Fix ${given.source}, or unset it to have setup generate the value.` });
      values[spec.envKey] = given.value;
      result.supplied.push(spec.envKey);
      continue;
    }
    missing.push(spec);
  }
  let typeThem = false;
  if (missing.length > 0 && interactive(r)) {
    typeThem = !(await r.ctx.prompts.confirm({
      id: 'secrets',
      message: `Generate the ${missing.length === SECRET_SPECS.length ? 'secrets (master and salt keys, passwords)' : `missing secrets (${missing.map((s) => s.envKey).join(', ')})`} now? (recommended)`,
      default: true,
      flagHint: missing.map((s) => s.sourceVar).join(', '),
    }));
  }
  for (const spec of missing) {
    let value = '';
    if (typeThem) {
      value = (
        await r.ctx.prompts.password({
          id: `secret.${spec.envKey}`,
          message: `${spec.label} (hidden; empty to generate)`,
          validate: (text) => (text === '' ? true : spec.validate(text)),
          flagHint: spec.sourceVar,
        })
      ).trim();
    }
    if (value === '') {
      value = spec.generate(r.ctx.random);
      result.generated.push(spec.envKey);
    } else result.supplied.push(spec.envKey);
    r.ctx.out.addSecret(value);
    values[spec.envKey] = value;
  }
  for (const [key, fallback] of Object.entries(ACCOUNT_DEFAULTS)) {
    const value = priorValue(r, key) ?? fallback;
    const ok = validateAccountName(key, value);
    if (ok !== true) throw new UserError('INVALID_ENV', `${key} in .env: ${ok}`, { hint: `Fix ${key} in .env, then run setup again.` });
    values[key] = value;
  }
  return result;
}
