/** Setup answers for the host ports: flags, `.env`, --ports default|random|manual, busy-port handling. */
import { EnvError, NonInteractiveError, UserError } from '../../../core/errors.js';
import { isValidPortNumber, RANDOM_PORT_RANGE } from '../../../core/ports.js';
import { DEFAULT_PORTS, ENV, type GatewaySettings } from '../../../gateway/settings.js';
import { interactive, oneOf, priorValue, suppliedWithSource, type Resolver } from './resolver.js';

export const PORT_MODES = ['default', 'random', 'manual'] as const;
export type PortMode = (typeof PORT_MODES)[number];

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
  const busy: BusyPort[] = [];
  /** Never suggested: any port this gateway uses or may use (given, chosen, in .env, a default, suggested already). */
  const gatewayPorts = () =>
    new Set([...[...explicit.values()].map((e) => e.port), ...(Object.values(chosen) as number[]), ...r.ourPorts, ...roles.map((role) => PORT_ROLES[role].defaultPort), ...busy.map((b) => b.suggestion)]);
  const check = (role: PortRole, port: number, source: string) => ensureFree(r, role, port, settings.bind, { source, taken: takenBy(role), avoid: gatewayPorts(), busy });
  // Explicit ports first, so the others steer clear of them.
  for (const role of roles) {
    const given = explicit.get(role);
    if (given) chosen[role] = await check(role, given.port, given.source);
  }
  for (const role of roles) {
    if (chosen[role] !== undefined) continue;
    const spec = PORT_ROLES[role];
    const prior = priorPort(r, role);
    const others = takenBy(role);
    if (mode === undefined && prior !== undefined && !others.has(prior)) {
      chosen[role] = prior; // reuse: our own port, kept as it is
    } else if ((mode ?? 'default') === 'default') {
      chosen[role] = await check(role, spec.defaultPort, 'the default');
    } else if (mode === 'random') {
      chosen[role] = prior !== undefined && prior >= RANDOM_PORT_RANGE.min && !others.has(prior) ? prior : await r.probes.randomHighPort({ random: r.ctx.random, host: settings.bind, exclude: others });
    } else {
      chosen[role] = await askPort(r, role, prior ?? spec.defaultPort, settings.bind, others);
    }
  }
  if (busy.length > 0) throw portsInUse(busy);
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

interface BusyPort {
  port: number;
  bind: string;
  flag: string;
  label: string;
  source: string;
  suggestion: number;
}

/** Every busy port of this run in one error: fixing them one run at a time is a guessing game. */
function portsInUse(busy: BusyPort[]): EnvError {
  const first = busy[0] as BusyPort;
  const what = busy.map((b) => `${b.port} (${b.label}, from ${b.source})`).join(', ');
  const message = busy.length === 1 ? `Port ${first.port} on ${first.bind} (${first.label}, from ${first.source}) is already in use.` : `Ports ${what} on ${first.bind} are already in use.`;
  const flags = busy.map((b) => `${b.flag} ${b.suggestion}`).join(' ');
  return new EnvError('PORT_IN_USE', message, {
    hint: `${busy.length === 1 ? `Port ${first.suggestion} is` : `Ports ${busy.map((b) => b.suggestion).join(', ')} are`} free: pass ${flags} (or --ports random), or stop what uses ${busy.length === 1 ? `port ${first.port}` : 'those ports'}.`,
    details: { port: first.port, bind: first.bind, flag: first.flag, suggestion: first.suggestion, ports: busy.map(({ port, flag, suggestion }) => ({ port, flag, suggestion })) },
  });
}

/**
 * The port if it is free (or ours). Otherwise: ask for another (interactive), or note it in `busy`
 * with a free port to suggest (never one the gateway uses) and carry on, so one run reports them all.
 */
async function ensureFree(r: Resolver, role: PortRole, port: number, bind: string, context: { source: string; taken: Set<number>; avoid: Set<number>; busy: BusyPort[] }): Promise<number> {
  const spec = PORT_ROLES[role];
  if (context.taken.has(port)) {
    throw new UserError('PORT_CONFLICT', `Port ${port} (${spec.label}, from ${context.source}) is already used by another service of this gateway.`, { hint: `Pass ${spec.flag} with a different port.` });
  }
  if (port < 1024) r.warnings.push(`Port ${port} (${spec.label}) is below 1024: rootless Docker and Podman cannot publish it.`);
  if (r.ourPorts.has(port)) return port;
  const status = await r.probes.probePort(port, bind);
  if (status !== 'busy') return port;
  const exclude = new Set([...context.taken, ...context.avoid]);
  const suggestion = await r.probes.findFreePort({ preferred: port + 1, host: bind, exclude });
  if (!interactive(r)) {
    context.busy.push({ port, bind, flag: spec.flag, label: spec.label, source: context.source, suggestion });
    return port;
  }
  r.ctx.out.warn(`Port ${port} on ${bind} (${spec.label}, from ${context.source}) is already in use. Port ${suggestion} is free.`);
  return askPort(r, role, suggestion, bind, context.taken, context.avoid);
}

async function askPort(r: Resolver, role: PortRole, suggested: number, bind: string, taken: Set<number>, avoid: ReadonlySet<number> = new Set()): Promise<number> {
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
    proposal = await r.probes.findFreePort({ preferred: port + 1, host: bind, exclude: new Set([...taken, ...avoid]) });
    r.ctx.out.warn(`Port ${port} on ${bind} is already in use. Port ${proposal} is free.`);
  }
}
