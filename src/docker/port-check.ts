/**
 * Before `up`: are the ports we publish free? A port held by a running container of our own
 * project is fine (that is us). Any other holder is named, with a free port to move to and the
 * exact command that moves it, before Compose creates anything.
 */
import type { Context } from '../core/context.js';
import { EnvError } from '../core/errors.js';
import { findFreePort, isPortFree } from '../core/ports.js';
import { publishedPorts, type GatewaySettings } from '../gateway/settings.js';
import type { ContainerInfo } from './containers.js';
import { describePortOwner, findPortOwner, type PortOwner } from './port-owner.js';

/** The `setup` flag that moves the port stored under each `.env` key. */
export const PORT_FLAGS: Record<string, string> = {
  NGINX_PORT: '--nginx-port',
  LITELLM_PORT: '--litellm-port',
  WEBUI_PORT: '--webui-port',
  POSTGRES_PORT: '--postgres-port',
};

export interface PortConflict {
  port: number;
  service: string;
  purpose: string;
  envKey: string;
  owner: PortOwner | null;
  suggestion: number | null;
}

export interface PortCheckDeps {
  isPortFree(port: number, host: string): Promise<boolean>;
  findPortOwner(ctx: Context, port: number): Promise<PortOwner | null>;
  findFreePort(preferred: number, host: string, exclude: number[]): Promise<number | null>;
}

const defaultDeps: PortCheckDeps = {
  isPortFree,
  findPortOwner: (ctx, port) => findPortOwner(ctx, port),
  findFreePort: (preferred, host, exclude) => findFreePort({ preferred, host, exclude }).catch(() => null),
};

export async function findPortConflicts(
  ctx: Context,
  settings: GatewaySettings,
  ownContainers: ContainerInfo[],
  deps: PortCheckDeps = defaultDeps,
): Promise<PortConflict[]> {
  const ours = new Set(ownContainers.filter((c) => c.state === 'running').flatMap((c) => c.ports.map((p) => p.hostPort)));
  const wanted = publishedPorts(settings);
  const conflicts: PortConflict[] = [];
  for (const entry of wanted) {
    if (ours.has(entry.port)) continue;
    if (await isFreeSoon(ctx, deps, entry.port, settings.bind)) continue;
    const owner = await deps.findPortOwner(ctx, entry.port);
    const exclude = [...wanted.map((w) => w.port), ...conflicts.flatMap((c) => (c.suggestion === null ? [] : [c.suggestion]))];
    const suggestion = await deps.findFreePort(entry.port + 1, settings.bind, exclude);
    conflicts.push({ ...entry, owner, suggestion });
  }
  return conflicts;
}

/**
 * Free now, or within a second: right after `stop` (or another stack's `down`), Docker's proxy
 * for a removed container can hold its port for a moment.
 */
async function isFreeSoon(ctx: Context, deps: PortCheckDeps, port: number, host: string): Promise<boolean> {
  for (let attempt = 0; attempt < 4; attempt++) {
    if (attempt > 0) await ctx.clock.sleep(300);
    if (await deps.isPortFree(port, host)) return true;
  }
  return false;
}

export function portConflictError(ctx: Context, settings: GatewaySettings, conflicts: PortConflict[]): EnvError {
  const lines = conflicts.map((c) => `port ${c.port} on ${settings.bind} (${c.purpose}) is in use by ${describePortOwner(c.owner)}`);
  const moves = conflicts.map((c) => `${PORT_FLAGS[c.envKey] ?? `--${c.envKey.toLowerCase()}`} ${c.suggestion ?? '<free port>'}`);
  const stopOwner = conflicts
    .map((c) => c.owner)
    .find((o): o is Extract<PortOwner, { kind: 'container' }> => o?.kind === 'container');
  const hint =
    `Move it: "ai-gateway setup --dir ${ctx.dir} --yes ${moves.join(' ')}" ` +
    `(or set ${conflicts.map((c) => `${c.envKey}=${c.suggestion ?? '<port>'}`).join(' ')} in .env)` +
    (stopOwner ? `, or stop the other container ("docker stop ${stopOwner.name}").` : ', or stop the program holding it.');
  return new EnvError('PORT_IN_USE', `Cannot start: ${lines.join('; ')}.`, {
    hint,
    details: {
      conflicts: conflicts.map((c) => ({ port: c.port, host: settings.bind, service: c.service, envKey: c.envKey, owner: c.owner, suggestedPort: c.suggestion })),
    },
  });
}
