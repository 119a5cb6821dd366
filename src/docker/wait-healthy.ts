/**
 * The health wait behind `start`. Returns as soon as every service is healthy (or running,
 * without a healthcheck) and LiteLLM reports a connected database; a healthy stack returns on
 * the first poll. No fixed sleeps: it polls every 500 ms (POLL_INTERVAL_MS), and wakes up at
 * once when the engine reports a container event (`docker events`: health_status, start, die),
 * so it sees the last service turn healthy within one `docker inspect`.
 *
 * Fails fast (DDEV's lesson) when a service turns unhealthy, exits, dies or restarts, or (LiteLLM)
 * accepts connections but never answers; it names the service with its state, exit code and last
 * 30 log lines, and the commands to look further. Containers are kept for inspection. Every
 * expected service must exist before we call the stack healthy.
 */
import type { Context } from '../core/context.js';
import { HealthError } from '../core/errors.js';
import { LABELS } from './compose-labels.js';
import { byService, inspectContainers, projectContainers, type ContainerInfo, type HealthStatus } from './containers.js';
import { tailContainerLogs } from './logs.js';
import { oomDescription } from '../gateway/limits.js';

export const POLL_INTERVAL_MS = 500;
export const MAX_POLL_INTERVAL_MS = 500;
/**
 * Listing the project (`docker ps`) costs a second docker call per poll; on a busy 2-core machine
 * every call is CPU the booting services do not get. So a poll inspects the containers it knows,
 * and lists again only when Docker reports a container created or destroyed, a known container
 * is gone, `up` has just finished, or (for a service still without a container) once a second.
 */
const RELIST_MS = 1_000;
export const LOG_LINES = 30;
/**
 * A LiteLLM that accepts connections but does not answer HTTP is wedged, not booting (a booting
 * one refuses connections while it migrates). We give up on it after a third of the timeout,
 * never sooner than a minute: a multi-worker LiteLLM holds connections unanswered while its
 * workers start, and a loaded machine answers slowly.
 */
export const MIN_WEDGED_MS = 60_000;
/** Readiness probes while LiteLLM starts run in the background, each allowed this long. */
const BACKGROUND_PROBE_TIMEOUT_MS = 5_000;

export interface ServiceProgress {
  service: string;
  /** The container state, or "missing" when the service has no container yet. */
  state: string;
  health: HealthStatus | null;
  ready: boolean;
  /** Short, human: "healthy", "starting", "running", "not created", "waiting for database". */
  label: string;
  containerId: string | null;
}

export interface ReadinessResult {
  /** ready; not-ready: it answered, not ready (503, db down); no-answer: connected, silent; unreachable: refused. */
  state: 'ready' | 'not-ready' | 'no-answer' | 'unreachable';
  ready: boolean;
  /** Why not (or "db connected"), e.g. "HTTP 503", "database disconnected", "connection refused". */
  detail: string;
}

/** An application-level check on top of the container health (LiteLLM's database readiness). */
export interface ReadinessProbe {
  service: string;
  check(timeoutMs: number, signal?: AbortSignal): Promise<ReadinessResult>;
}

/** A `compose up` running in the background while we poll. */
export interface BackgroundUp {
  finished(): boolean;
  /** Set once it finished unsuccessfully: the error to report (already classified). */
  failure(): Error | undefined;
}

export interface WaitOptions {
  project: string;
  services: string[];
  timeoutMs: number;
  intervalMs?: number;
  readiness?: ReadinessProbe;
  /** Containers as they were before `up`: an old exited container is not a new failure. */
  baseline?: ContainerInfo[];
  up?: BackgroundUp;
  onProgress?: (services: ServiceProgress[], elapsedMs: number) => void;
  /** Called once when the readiness service (LiteLLM) first passes its readiness check. */
  onReadinessPassed?: () => void;
  /** The --timeout the user gave (the hint suggests twice as much); default: timeoutMs. */
  hintTimeoutSeconds?: number;
  /** The setting that gives an OOM-killed service more memory (src/gateway/limits.ts `oomAdvice`). */
  oomAdvice?: (service: string) => string;
}

export interface WaitResult {
  services: ServiceProgress[];
  containers: Map<string, ContainerInfo>;
  elapsedMs: number;
  polls: number;
}

type Assessment =
  | { kind: 'ready'; label: string }
  | { kind: 'pending'; label: string }
  | { kind: 'failed'; code: string; reason: string; label: string };

export async function waitForHealthy(ctx: Context, options: WaitOptions): Promise<WaitResult> {
  const interval = Math.min(options.intervalMs ?? POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS);
  const started = ctx.clock.now();
  const deadline = started + options.timeoutMs;
  const wedgedAfterMs = Math.max(MIN_WEDGED_MS, Math.round(options.timeoutMs / 3));
  const baseline = new Map((options.baseline ?? []).map((c) => [c.id, c]));
  const stop = new AbortController(); // ends the event stream and any probe still running
  const wake = new WakeUp();
  let relist = true;
  const crashes = new Map<string, number>(); // container id → exit code of its last die event
  const ooms = new Set<string>(); // containers the kernel killed for memory (Docker clears OOMKilled on restart)
  const events = watchEvents(ctx, options.project, stop.signal, (event) => {
    if (event.action === 'create' || event.action === 'destroy') relist = true;
    if (event.action === 'oom' && event.containerId) ooms.add(event.containerId);
    if (event.action === 'die' && event.containerId && event.exitCode !== null) crashes.set(event.containerId, event.exitCode);
    wake.now();
  });
  const probe = options.readiness ? new BackgroundProbe(options.readiness, stop.signal, () => wake.now()) : null;
  let readyContainer: string | null = null; // readiness passes once per LiteLLM container
  let readinessDetail = '';
  let known = new Map<string, ContainerInfo>();
  let listedAt = Number.NEGATIVE_INFINITY;
  let listedAfterUp = false;
  let polls = 0;
  const list = async (upFinished: boolean): Promise<Map<string, ContainerInfo>> => {
    relist = false;
    listedAt = ctx.clock.now();
    if (upFinished) listedAfterUp = true;
    return byService(await projectContainers(ctx, options.project));
  };
  const snapshot = async (upFinished: boolean): Promise<Map<string, ContainerInfo>> => {
    const incomplete = options.services.some((s) => !known.has(s));
    if (relist || (upFinished && !listedAfterUp) || (incomplete && ctx.clock.now() - listedAt >= RELIST_MS)) return list(upFinished);
    const ids = [...known.values()].map((c) => c.id);
    if (ids.length === 0) return known; // nothing created yet, and no event says otherwise
    const inspected = await inspectContainers(ctx, ids);
    if (inspected.length < ids.length) return list(upFinished); // one went away: Compose replaced it
    return byService(inspected);
  };

  try {
    for (;;) {
      const pollStarted = ctx.clock.now();
      polls++;
      // Read the outcome of `up` before the snapshot: a failure it reports is then visible in it.
      const upFinished = options.up?.finished() ?? false;
      const upFailure = options.up?.failure();
      const containers = await snapshot(upFinished);
      known = containers;

      const progress: ServiceProgress[] = [];
      for (const service of options.services) {
        const container = containers.get(service);
        let assessment = assess(container, container ? baseline.get(container.id) : undefined, upFinished);
        if (container && probe && options.readiness?.service === service && readyContainer !== container.id) {
          if (assessment.kind === 'ready') {
            const remaining = Math.max(250, deadline - ctx.clock.now());
            const readiness = await options.readiness.check(Math.min(2_000, remaining), stop.signal);
            readinessDetail = readiness.detail;
            if (readiness.ready) {
              readyContainer = container.id;
              options.onReadinessPassed?.();
            } else assessment = { kind: 'pending', label: `waiting for database (${readiness.detail})` };
          } else if (assessment.kind === 'pending' && container.state === 'running') {
            const silentMs = probe.silentFor(container.id, ctx.clock.now());
            if (silentMs >= wedgedAfterMs) {
              assessment = {
                kind: 'failed',
                code: 'SERVICE_NOT_ANSWERING',
                reason: `accepts connections but has not answered HTTP for ${Math.round(silentMs / 1000)} s (${probe.lastDetail()})`,
                label: 'not answering',
              };
            } else if (silentMs > 0) {
              assessment = { kind: 'pending', label: `${assessment.label} (not answering yet)` };
            }
          }
        }
        if (assessment.kind === 'failed' && container) {
          throw await serviceFailure(ctx, service, container, assessment, options.hintTimeoutSeconds ?? Math.round(options.timeoutMs / 1000), crashes.get(container.id), ooms.has(container.id), options.oomAdvice);
        }
        progress.push({
          service,
          state: container?.state ?? 'missing',
          health: container?.health ?? null,
          ready: assessment.kind === 'ready',
          label: assessment.label,
          containerId: container?.id ?? null,
        });
      }
      const elapsedMs = ctx.clock.now() - started;
      options.onProgress?.(progress, elapsedMs);
      // While `up` runs, a healthy container may be one Compose is about to replace: only a
      // snapshot taken after `up` finished can prove the stack healthy.
      if (progress.every((p) => p.ready) && (options.up === undefined || upFinished)) return { services: progress, containers, elapsedMs, polls };
      if (upFailure) throw upFailure;
      if (upFinished && !options.up?.failure()) {
        const missing = progress.filter((p) => p.containerId === null).map((p) => p.service);
        if (missing.length > 0) {
          throw new HealthError('SERVICE_MISSING', `Compose finished but ${missing.join(', ')} ${missing.length === 1 ? 'has' : 'have'} no container.`, {
            hint: 'Check that the compose files define these services ("ai-gateway setup" renders them again), then run "ai-gateway start".',
            details: { services: missing },
          });
        }
      }
      if (ctx.clock.now() >= deadline) throw await timeoutFailure(ctx, options, progress, containers, readinessDetail);
      // The readiness service runs but its healthcheck has not passed yet: probe it in the
      // background (once healthy, the poll itself asks).
      const readinessContainer = options.readiness ? containers.get(options.readiness.service) : undefined;
      if (probe && readinessContainer?.state === 'running' && readinessContainer.health === 'starting') probe.kick(readinessContainer.id, ctx.clock.now());
      const spent = ctx.clock.now() - pollStarted;
      await wake.sleep(ctx, Math.max(0, Math.min(interval - spent, deadline - ctx.clock.now())));
    }
  } finally {
    stop.abort();
    await events;
  }
}

/** A sleep that an event can cut short. */
class WakeUp {
  private controller = new AbortController();
  private pending = false;

  now(): void {
    this.pending = true;
    this.controller.abort();
  }

  async sleep(ctx: Context, ms: number): Promise<void> {
    if (this.pending) {
      // An event arrived while we were polling: look again right away.
      this.pending = false;
      this.controller = new AbortController();
      return;
    }
    await ctx.clock.sleep(ms, this.controller.signal);
    this.pending = false;
    if (this.controller.signal.aborted) this.controller = new AbortController();
  }
}

/**
 * `docker events` for the project while we wait: any state or health change wakes the loop.
 * Best effort: without events (old engine, fake docker) the loop still polls on its interval.
 */
interface EngineEvent {
  action: string;
  containerId: string | null;
  exitCode: number | null;
}

async function watchEvents(ctx: Context, project: string, signal: AbortSignal, onEvent: (event: EngineEvent) => void): Promise<void> {
  const args = ['events', '--filter', 'type=container', '--filter', `label=${LABELS.project}=${project}`];
  for (const event of ['health_status', 'start', 'die', 'oom', 'restart', 'create', 'destroy']) args.push('--filter', `event=${event}`);
  await ctx.docker
    .docker([...args, '--format', '{{.Action}}|{{.Actor.ID}}|{{index .Actor.Attributes "exitCode"}}'], {
      signal,
      onStdout: (chunk) => {
        for (const line of chunk.split('\n')) {
          if (!line.trim()) continue;
          const [action = '', containerId = '', exitCode = ''] = line.trim().split('|');
          onEvent({ action: action.split(':')[0] ?? '', containerId: containerId || null, exitCode: /^\d+$/.test(exitCode) ? Number(exitCode) : null });
        }
      },
    })
    .catch(() => undefined);
}

/**
 * Readiness probes of a LiteLLM that is still starting, one at a time in the background (a
 * silent proxy holds each for seconds; the docker polls must not wait for it). Tracks how long
 * the proxy has been accepting connections without answering.
 */
class BackgroundProbe {
  private inFlight = false;
  private containerId: string | null = null;
  private silentSince: number | null = null;
  private detail = '';

  constructor(
    private readonly probe: ReadinessProbe,
    private readonly signal: AbortSignal,
    private readonly onResult: () => void,
  ) {}

  kick(containerId: string, now: number): void {
    if (containerId !== this.containerId) {
      this.containerId = containerId;
      this.silentSince = null;
    }
    if (this.inFlight || this.signal.aborted) return;
    this.inFlight = true;
    const startedAt = now;
    this.probe
      .check(BACKGROUND_PROBE_TIMEOUT_MS, this.signal)
      .then((result) => {
        if (this.containerId !== containerId) return;
        this.detail = result.detail;
        if (result.state === 'no-answer') this.silentSince ??= startedAt;
        else this.silentSince = null;
        if (result.ready) this.onResult(); // ready before the healthcheck noticed: look now
      })
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = false;
      });
  }

  /** How long the container has been silent (0 when it answered or refused lately). */
  silentFor(containerId: string, now: number): number {
    if (containerId !== this.containerId || this.silentSince === null) return 0;
    return Math.max(1, now - this.silentSince);
  }

  lastDetail(): string {
    return this.detail;
  }
}

/**
 * What a container's state means for the wait. `before` is the same container before `up`.
 * While `up` runs, a container not (re)started since then is old news: Compose may be about to
 * start it, or be stopping it to replace it (a stopped replaced container exits 0 or 137), so
 * only its own crash after a start, or its state once `up` finished, counts as a failure.
 */
export function assess(container: ContainerInfo | undefined, before: ContainerInfo | undefined, upFinished: boolean): Assessment {
  if (!container) return { kind: 'pending', label: 'not created' };
  const untouched = !upFinished && before !== undefined && before.startedAt === container.startedAt && before.restartCount === container.restartCount;
  const restartsBefore = before?.restartCount ?? 0;
  switch (container.state) {
    case 'exited':
    case 'dead':
      if (untouched) return { kind: 'pending', label: 'being started or replaced' };
      return {
        kind: 'failed',
        code: 'SERVICE_EXITED',
        reason: container.state === 'dead' ? `is dead (exit code ${container.exitCode})` : `exited with code ${container.exitCode}`,
        label: container.state,
      };
    case 'restarting':
      if (untouched) return { kind: 'pending', label: 'restarting' };
      return {
        kind: 'failed',
        code: 'SERVICE_RESTART_LOOP',
        reason: `keeps restarting (last exit code ${container.exitCode}, restarted ${plural(container.restartCount, 'time')})`,
        label: 'restarting',
      };
    case 'paused':
      return { kind: 'failed', code: 'SERVICE_PAUSED', reason: 'is paused (run "docker unpause" on it, or "ai-gateway stop" and start again)', label: 'paused' };
    case 'running':
      if (container.restartCount > restartsBefore) {
        return {
          kind: 'failed',
          code: 'SERVICE_RESTART_LOOP',
          reason: `crashed and was restarted ${plural(container.restartCount - restartsBefore, 'time')} (last exit code ${container.exitCode})`,
          label: 'restarting',
        };
      }
      if (container.health === 'unhealthy') {
        if (untouched) return { kind: 'pending', label: 'unhealthy (being replaced)' };
        return {
          kind: 'failed',
          code: 'SERVICE_UNHEALTHY',
          reason: `is unhealthy${container.lastHealthOutput ? ` (healthcheck: ${oneLine(container.lastHealthOutput)})` : ''}`,
          label: 'unhealthy',
        };
      }
      if (container.health === 'starting') return { kind: 'pending', label: 'starting' };
      return { kind: 'ready', label: container.health === 'healthy' ? 'healthy' : 'running' };
    default:
      return { kind: 'pending', label: container.state }; // created, removing
  }
}

async function serviceFailure(
  ctx: Context,
  service: string,
  container: ContainerInfo,
  assessment: Extract<Assessment, { kind: 'failed' }>,
  timeoutSeconds: number,
  seenExitCode?: number,
  seenOom = false,
  oomAdvice?: (service: string) => string,
): Promise<HealthError> {
  const logs = await tailContainerLogs(ctx, container.id, LOG_LINES).catch(() => []);
  let { reason } = assessment;
  let exitCode = container.exitCode;
  const crashed = assessment.code === 'SERVICE_EXITED' || assessment.code === 'SERVICE_RESTART_LOOP';
  // Killed for memory: State.OOMKilled while it is down; once restarted only its oom event tells.
  const oomKilled = crashed && (container.oomKilled || seenOom || (container.state === 'running' && (await hadOomEvent(ctx, container.id))));
  if (oomKilled) {
    return new HealthError('SERVICE_OOM_KILLED', `${oomDescription(service, container.memoryLimitBytes)}; it ${reason}.${formatLogs(service, logs)}`, {
      hint: oomAdvice?.(service) ?? `Give ${service} more memory ("ai-gateway setup --no-limits" lifts the limits), then run "ai-gateway start".`,
      details: { service, container: container.name, state: container.state, health: container.health, exitCode, restartCount: container.restartCount, oomKilled: true, memoryLimitBytes: container.memoryLimitBytes, logs },
    });
  }
  if (assessment.code === 'SERVICE_RESTART_LOOP' && container.state === 'running' && exitCode === 0) {
    // Restarted and running again: inspect now shows exit code 0, the crash's code is in its die
    // event (seen live while we waited, or else looked up in the engine's recent events).
    const crashed = seenExitCode ?? (await lastExitCode(ctx, container.id));
    if (crashed !== null) {
      exitCode = crashed;
      reason = reason.replace('last exit code 0', `last exit code ${crashed}`);
    }
  }
  return new HealthError(assessment.code, `${service} ${reason}.${formatLogs(service, logs)}`, {
    hint: nextSteps([service], timeoutSeconds),
    details: { service, container: container.name, state: container.state, health: container.health, exitCode, restartCount: container.restartCount, logs },
  });
}

/** Whether the engine's recent events hold an oom for the container (it was restarted since). */
async function hadOomEvent(ctx: Context, containerId: string): Promise<boolean> {
  const now = Math.floor(ctx.clock.now() / 1000);
  const result = await ctx.docker
    .docker(['events', '--since', String(now - 3600), '--until', String(now + 1), '--filter', `container=${containerId}`, '--filter', 'event=oom', '--format', '{{.Action}}'], { timeoutMs: 10_000 })
    .catch(() => null);
  return (result?.stdout ?? '').split('\n').some((line) => line.trim() === 'oom');
}

/** The exit code of the container's most recent crash, from the engine's past events (null if none). */
async function lastExitCode(ctx: Context, containerId: string): Promise<number | null> {
  const now = Math.floor(ctx.clock.now() / 1000);
  const result = await ctx.docker
    .docker(['events', '--since', String(now - 3600), '--until', String(now + 1), '--filter', `container=${containerId}`, '--filter', 'event=die', '--format', '{{.Actor.Attributes.exitCode}}'], { timeoutMs: 10_000 })
    .catch(() => null);
  const last = result?.stdout.trim().split('\n').filter(Boolean).at(-1);
  return last !== undefined && /^\d+$/.test(last) ? Number(last) : null;
}

async function timeoutFailure(
  ctx: Context,
  options: WaitOptions,
  progress: ServiceProgress[],
  containers: Map<string, ContainerInfo>,
  readinessDetail: string,
): Promise<HealthError> {
  const waiting = progress.filter((p) => !p.ready);
  const seconds = Math.round(options.timeoutMs / 1000);
  let text = `Timed out after ${seconds} s; still not ready: ${waiting.map((p) => `${p.service} (${p.label})`).join(', ')}.`;
  const logs: Record<string, string[]> = {};
  for (const p of waiting) {
    const container = containers.get(p.service);
    if (!container) continue;
    logs[p.service] = await tailContainerLogs(ctx, container.id, LOG_LINES).catch(() => []);
    text += formatLogs(p.service, logs[p.service] ?? []);
  }
  return new HealthError('START_TIMEOUT', text, {
    hint: nextSteps(waiting.map((p) => p.service), options.hintTimeoutSeconds ?? seconds),
    details: { timeoutSeconds: seconds, waitingFor: waiting.map((p) => ({ service: p.service, state: p.state, health: p.health, label: p.label })), readiness: readinessDetail || null, logs },
  });
}

function nextSteps(services: string[], timeoutSeconds: number): string {
  const longer = `ai-gateway start --timeout ${timeoutSeconds * 2}`;
  const logs = services.map((s) => `"ai-gateway logs ${s}"`).join(', ');
  return `See more with ${logs}; if it only needs more time, run "${longer}". The containers are kept for inspection ("ai-gateway stop" removes them).`;
}

function formatLogs(service: string, lines: string[]): string {
  if (lines.length === 0) return `\n(${service} has written no log lines.)`;
  return `\nLast ${lines.length} log lines of ${service}:\n${lines.map((l) => `  │ ${l}`).join('\n')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 157)}…` : line;
}
