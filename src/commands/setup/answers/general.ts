/** Setup answers about the directory and the stack's shape: mode, project name, profiles, Nginx, bind address. */
import { isIP } from 'node:net';
import { basename } from 'node:path';
import type { Context } from '../../../core/context.js';
import { CancelledError, NonInteractiveError, UserError } from '../../../core/errors.js';
import {
  BUDGET_PROFILE_NAMES,
  BUDGET_PROFILES,
  ENV,
  memoryNeededMb,
  RESOURCE_PROFILE_NAMES,
  RESOURCE_PROFILES,
  type BudgetProfile,
  type GatewaySettings,
  type ResourceProfile,
} from '../../../gateway/settings.js';
import { interactive, oneOf, priorValue, suppliedWithSource, yesNoAnswer, type Resolver, type SetupOptions } from './resolver.js';

/** `change`: reuse with the questions asked again (interactive only; change-settings.ts). */
export type SetupMode = 'create' | 'reuse' | 'recreate' | 'change';
export const MODES = ['reuse', 'recreate'] as const;

// ── 1. existing directory ──────────────────────────────────────────────────────────────────────

export async function resolveMode(ctx: Context, options: SetupOptions, existing: boolean): Promise<SetupMode> {
  const given = typeof options.mode === 'string' && options.mode !== '' ? { value: options.mode, source: '--mode' } : ctx.env.AI_GATEWAY_MODE ? { value: ctx.env.AI_GATEWAY_MODE, source: 'AI_GATEWAY_MODE' } : undefined;
  const asked = given ? oneOf(given.value, MODES, 'mode', given.source) : undefined;
  if (!existing) return 'create'; // nothing to reuse or back up
  let mode: 'reuse' | 'recreate' | 'change';
  if (asked) mode = asked;
  else if (ctx.prompts.interactive) {
    mode = await ctx.prompts.select({
      id: 'mode',
      message: `${ctx.dir} already holds a gateway. What should setup do?`,
      choices: [
        { value: 'reuse', name: 'Reuse it: keep every secret and setting, fill in what is missing, re-render the files' },
        { value: 'change', name: 'Change settings: the questions again with the current answers as defaults, then the diff to confirm; secrets are kept' },
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
  const answered = yesNoAnswer(r, 'nginx', 'AI_GATEWAY_NGINX', ENV.useNginx);
  if (answered !== undefined) return answered;
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
  return yesNoAnswer(r, 'exposePostgres', 'AI_GATEWAY_EXPOSE_POSTGRES', ENV.exposePostgres) ?? false;
}

/** More LiteLLM workers than CPUs only adds memory and contention. Names the largest profile that fits. */
export function workersWarning(profile: GatewaySettings['resourceProfile'], cpus: number): string | null {
  const workers = RESOURCE_PROFILES[profile].workers;
  if (workers === null || workers <= cpus) return null;
  const fits = RESOURCE_PROFILE_NAMES.filter((name) => (RESOURCE_PROFILES[name].workers ?? Infinity) <= cpus).sort((a, b) => (RESOURCE_PROFILES[b].workers ?? 0) - (RESOURCE_PROFILES[a].workers ?? 0))[0];
  return `The ${profile} profile runs ${workers} LiteLLM workers, but this machine has ${cpus} CPU${cpus === 1 ? '' : 's'}.${fits ? ` Choose --profile ${fits} (${RESOURCE_PROFILES[fits].workers} worker${RESOURCE_PROFILES[fits].workers === 1 ? '' : 's'}).` : ''}`;
}

/** Docker cannot publish on an address this host does not have: say so now rather than at start. */
export function bindAddressWarning(bind: string, hostAddresses: readonly string[]): string | null {
  const bare = bind.replace(/^\[|\]$/g, '');
  if (bare === '0.0.0.0' || bare === '::' || hostAddresses.includes(bare)) return null;
  return `--bind ${bind}: this host has no such address (it has ${hostAddresses.join(', ') || 'none'}), so Docker would fail to publish the ports at start. Use --bind 127.0.0.1 or one of those addresses.`;
}
