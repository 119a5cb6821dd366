/**
 * Container state of a Compose project, from `docker ps -q` + `docker inspect` (or the same two
 * questions over the local engine's socket, below). Compose finds
 * its containers by the same labels, so this reads v1 and v2 stacks alike, and the Docker CLI
 * (Go) answers in tens of milliseconds where Compose v1 (Python) needs half a second: that
 * matters when the health wait polls several times a second.
 */
import { z } from '../core/schema.js';
import type { Context } from '../core/context.js';
import { daemonError } from './engine.js';
import { LABELS } from './compose-labels.js';

export interface PublishedPort {
  containerPort: number;
  protocol: string;
  hostIp: string;
  hostPort: number;
}

export type HealthStatus = 'healthy' | 'unhealthy' | 'starting';

export interface ContainerInfo {
  id: string;
  name: string;
  project: string | null;
  service: string | null;
  /** created, running, restarting, exited, paused, dead, removing */
  state: string;
  /** null: the container has no healthcheck. */
  health: HealthStatus | null;
  /** Output of the last healthcheck run (why it is unhealthy). */
  lastHealthOutput: string | null;
  /** When its last healthcheck ended, if that check passed (Docker's clock); null otherwise. */
  lastHealthPassedAt: string | null;
  exitCode: number;
  restartCount: number;
  image: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  ports: PublishedPort[];
  oneOff: boolean;
  /** The kernel killed its last run for exceeding its memory limit (State.OOMKilled; Docker clears it on the next start). */
  oomKilled: boolean;
  /** HostConfig.Memory in bytes; null: no memory limit. */
  memoryLimitBytes: number | null;
  /** HostConfig.LogConfig: the log driver and its options (max-size, max-file), as the container was created. */
  logConfig: { driver: string; options: Record<string, string> } | null;
  /** Where the json-file log lives on the engine's host (readable by root only). */
  logPath: string | null;
  /** Its mounts: a named volume has `name`; backup copies one through the container that mounts it. */
  mounts: ContainerMount[];
}

export interface ContainerMount {
  /** volume, bind, tmpfs, ... */
  type: string;
  /** The volume's name (null for a bind mount). */
  name: string | null;
  /** Where it is mounted inside the container. */
  destination: string;
}

const nullableRecord = <T extends z.ZodMiniType>(value: T) =>
  z.pipe(
    z.nullish(z.record(z.string(), value)),
    z.transform((v) => v ?? {}),
  );

const portBinding = z.looseObject({ HostIp: z.nullish(z.string()), HostPort: z.nullish(z.string()) });

const inspectSchema = z.array(
  z.looseObject({
    Id: z.string(),
    Name: z._default(z.string(), ''),
    Created: z._default(z.string(), ''),
    RestartCount: z._default(z.number(), 0),
    State: z.looseObject({
      Status: z.string(),
      ExitCode: z._default(z.number(), 0),
      OOMKilled: z.nullish(z.boolean()),
      StartedAt: z.nullish(z.string()),
      FinishedAt: z.nullish(z.string()),
      Health: z.nullish(
        z.looseObject({
          Status: z.string(),
          Log: z.nullish(z.array(z.looseObject({ Output: z.nullish(z.string()), ExitCode: z.nullish(z.number()), End: z.nullish(z.string()) }))),
        }),
      ),
    }),
    Config: z.looseObject({ Image: z._default(z.string(), ''), Labels: nullableRecord(z.string()) }),
    NetworkSettings: z.nullish(z.looseObject({ Ports: nullableRecord(z.nullable(z.array(portBinding))) })),
    HostConfig: z.nullish(
      z.looseObject({
        Memory: z.nullish(z.number()),
        LogConfig: z.nullish(z.looseObject({ Type: z.nullish(z.string()), Config: nullableRecord(z.string()) })),
      }),
    ),
    LogPath: z.nullish(z.string()),
    Mounts: z.nullish(z.array(z.looseObject({ Type: z.nullish(z.string()), Name: z.nullish(z.string()), Destination: z.string() }))),
  }),
);

/** Docker writes "0001-01-01T00:00:00Z" for "never". */
function timestamp(value: string | null | undefined): string | null {
  if (!value || value.startsWith('0001-01-01')) return null;
  return value;
}

/** Parses `docker inspect` JSON (an array of containers). Throws a zod error on a foreign shape. */
export function parseInspect(json: string): ContainerInfo[] {
  return toContainers(inspectSchema.parse(JSON.parse(json)));
}

function toContainers(raw: z.output<typeof inspectSchema>): ContainerInfo[] {
  return raw.map((c) => {
    const labels = c.Config.Labels;
    const health = c.State.Health?.Status;
    const lastCheck = c.State.Health?.Log?.at(-1);
    const ports: PublishedPort[] = [];
    for (const [key, bindings] of Object.entries(c.NetworkSettings?.Ports ?? {})) {
      const [port, protocol = 'tcp'] = key.split('/');
      for (const binding of bindings ?? []) {
        const hostPort = Number(binding.HostPort);
        if (!Number.isInteger(hostPort) || hostPort <= 0) continue;
        ports.push({ containerPort: Number(port), protocol, hostIp: binding.HostIp || '0.0.0.0', hostPort });
      }
    }
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      project: labels[LABELS.project] ?? null,
      service: labels[LABELS.service] ?? null,
      state: c.State.Status,
      health: health === 'healthy' || health === 'unhealthy' || health === 'starting' ? health : null,
      lastHealthOutput: lastCheck ? (lastCheck.Output ?? '').trim() || null : null,
      lastHealthPassedAt: lastCheck?.ExitCode === 0 ? timestamp(lastCheck.End) : null,
      exitCode: c.State.ExitCode,
      restartCount: c.RestartCount,
      image: c.Config.Image,
      createdAt: c.Created,
      startedAt: timestamp(c.State.StartedAt),
      finishedAt: timestamp(c.State.FinishedAt),
      ports,
      oneOff: (labels[LABELS.oneOff] ?? '').toLowerCase() === 'true',
      oomKilled: c.State.OOMKilled === true,
      memoryLimitBytes: c.HostConfig?.Memory ? c.HostConfig.Memory : null,
      logConfig: c.HostConfig?.LogConfig?.Type ? { driver: c.HostConfig.LogConfig.Type, options: c.HostConfig.LogConfig.Config } : null,
      logPath: c.LogPath || null,
      mounts: (c.Mounts ?? []).map((m) => ({ type: m.Type ?? '', name: m.Name || null, destination: m.Destination })),
    };
  });
}

/** Inspects the given containers. A container removed meanwhile is simply absent. */
export async function inspectContainers(ctx: Context, ids: string[]): Promise<ContainerInfo[]> {
  if (ids.length === 0) return [];
  const viaSocket = await inspectViaSocket(ctx, ids);
  if (viaSocket) return viaSocket;
  const result = await ctx.docker.docker(['inspect', ...ids], { timeoutMs: 30_000 });
  // With one id gone, docker prints the others and exits 1: keep what it printed.
  if (result.stdout.trim().startsWith('[')) return parseInspect(result.stdout);
  if (result.exitCode !== 0 && /no such (object|container)/i.test(result.stderr)) return [];
  throw daemonError(ctx, result);
}

/** Every container of `project` (running or not), one-off `run` containers excluded. */
export async function projectContainers(ctx: Context, project: string): Promise<ContainerInfo[]> {
  const containers = await inspectContainers(ctx, await listIds(ctx, { label: [`${LABELS.project}=${project}`] }));
  return containers.filter((c) => !c.oneOff && c.project === project);
}

/** Running containers publishing host port `port` (any project). */
export async function containersPublishing(ctx: Context, port: number): Promise<ContainerInfo[]> {
  return inspectContainers(ctx, await listIds(ctx, { publish: [String(port)] }, false));
}

/*
 * `docker ps` and `docker inspect` are asked over the local engine's socket where the CLI would go
 * (src/docker/engine-socket.ts): an HTTP request instead of a CLI start (~15 ms of CPU), which
 * matters in start's health wait (it polls several times a second), status, doctor and backup.
 * The answers are the JSON the CLI prints. Without such a socket, or when a request fails
 * (including a container removed meanwhile: the CLI path handles that race), the CLI is asked.
 */
const listSchema = z.array(z.looseObject({ Id: z.string() }));

async function listIds(ctx: Context, filters: Record<string, string[]>, all = true): Promise<string[]> {
  const listed = listSchema.safeParse(await ctx.docker.engineGet?.(`/containers/json?all=${all ? 1 : 0}&filters=${encodeURIComponent(JSON.stringify(filters))}`, { timeoutMs: 10_000 }));
  if (listed.success) return listed.data.map((c) => c.Id);
  const flags = Object.entries(filters).flatMap(([key, values]) => values.flatMap((value) => ['--filter', `${key}=${value}`]));
  const result = await ctx.docker.docker(['ps', ...(all ? ['-a'] : []), '-q', '--no-trunc', ...flags], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw daemonError(ctx, result);
  return result.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
}

async function inspectViaSocket(ctx: Context, ids: string[]): Promise<ContainerInfo[] | null> {
  const get = ctx.docker.engineGet;
  if (!get) return null;
  const inspected = inspectSchema.safeParse(await Promise.all(ids.map((id) => get(`/containers/${encodeURIComponent(id)}/json`, { timeoutMs: 10_000 }))));
  return inspected.success ? toContainers(inspected.data) : null;
}

/**
 * One container per service: the newest, because during a recreate the old and the new one
 * briefly coexist. Containers without a service label are ignored.
 */
export function byService(containers: ContainerInfo[]): Map<string, ContainerInfo> {
  const map = new Map<string, ContainerInfo>();
  for (const c of containers) {
    if (!c.service) continue;
    const seen = map.get(c.service);
    if (!seen || Date.parse(c.createdAt) > Date.parse(seen.createdAt)) map.set(c.service, c);
  }
  return map;
}
