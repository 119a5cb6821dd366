/**
 * `ai-gateway start`: port check, `compose up -d`, our own health wait (fail fast, no sleeps),
 * Open WebUI's virtual key, then where everything is. See docs in start.command.ts.
 */
import { checkLitellmAccess } from '../../gateway/container-access.js';
import { join } from 'node:path';
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { EnvError, HealthError, UserError } from '../../core/errors.js';
import { listenForInterrupts, type Interrupts } from '../../core/interrupt.js';
import { acquireLock } from '../../core/lock.js';
import type { Style } from '../../core/output.js';
import type { ComposeProject } from '../../docker/compose.js';
import { byService, projectContainers, type ContainerInfo } from '../../docker/containers.js';
import { checkDaemon, detectCompose, type DockerEngine } from '../../docker/engine.js';
import { stackImages, type ServiceImage } from '../../docker/images.js';
import { recordImageDigests } from '../../docker/image-digests.js';
import { findPortConflicts, portConflictError } from '../../docker/port-check.js';
import { PULL_POLICIES, pullPhase, type PullPolicy, type PullSummary } from '../../docker/pull-phase.js';
import { formatBytes } from '../../docker/pull-progress.js';
import { composeProject, loadStack, type Stack } from '../../docker/stack.js';
import {
  compareWithRecord,
  fingerprintFiles,
  isDrifted,
  MOUNTED_FILES,
  readStartRecord,
  writeStartRecord,
  type Drift,
} from '../../docker/start-record.js';
import type { ExecResult } from '../../core/docker-client.js';
import { waitForHealthy, type BackgroundUp, type ServiceProgress, type WaitResult } from '../../docker/wait-healthy.js';
import type { Gateway } from '../../gateway/layout.js';
import { FILES, loadGateway } from '../../gateway/layout.js';
import { sha256Hex } from '../../core/crypto.js';
import { probeRoutes, routeFailure, routeFetcher, waitForRoutes } from '../../gateway/routes.js';
import { scaleOf } from '../../gateway/scale.js';
import { defaultStartTimeoutSeconds, SERVICES } from '../../gateway/settings.js';
import { renderServiceTable, renderUrls, serviceRows, stackUrls, type ServiceRow, type StackUrls } from './status-view.js';
import { litellmReadinessProbe } from '../../litellm/readiness.js';
import { oomAdvice } from '../../gateway/limits.js';
import { gatewayCommand } from '../../core/shell.js';
import { firstAccountNote, isFirstStart, recordFirstStart, warnIfClaimable, warnSavedConnectionKey } from './first-start.js';

/** Which docker-compose binary answered which version (saves a Python start-up per start). */
export const COMPOSE_CACHE_FILE = join('.ai-gateway', 'compose.json');

export const optionsSchema = z.object({
  timeout: z.optional(
    z.coerce
      .number({ message: '--timeout must be a number of seconds' })
      .check(
        z.int('--timeout must be a whole number of seconds'),
        z.positive('--timeout must be more than 0'),
        z.lte(86_400, '--timeout is at most 86400 (a day)'),
      ),
  ),
  wait: z._default(z.boolean(), true),
  pull: z._default(z.enum(PULL_POLICIES, { message: '--pull must be missing, always or never' }), 'missing'),
});
/** `pull` may be left out by callers that build options themselves (default: missing). */
export type StartOptions = Omit<z.output<typeof optionsSchema>, 'pull'> & { pull?: PullPolicy };

export type OpenWebuiKeyAction = 'created' | 'rotated' | 'kept';

export interface StartResult {
  project: string;
  dir: string;
  /** The stack was already running and healthy with unchanged files: nothing was touched. */
  alreadyRunning: boolean;
  /** false with --no-wait. */
  waited: boolean;
  healthy: boolean;
  elapsedMs: number;
  /** The Compose used, e.g. "docker-compose 1.29.2" (null when nothing had to run). */
  compose: string | null;
  /** Services Compose (re)created or we restarted to apply changed files. */
  changed: string[];
  openWebuiKey: OpenWebuiKeyAction | 'skipped';
  /** The pull phase (before `up`, outside the health timeout); null when the stack was already running. */
  pull: PullSummary | null;
  services: ServiceRow[];
  urls: StackUrls;
  /** The first healthy start of this gateway (.ai-gateway/first-start.json): Open WebUI's first account becomes its admin. */
  firstStart: boolean;
  /** What to run next, from the user's current directory (with --dir when the gateway is elsewhere). */
  next: string[];
}

/** Which docker-compose env file a start with overrides (upgrade) hands Compose instead of `.env`. */
export const OVERRIDE_ENV_FILE = join('.ai-gateway', 'compose-upgrade.env');

/**
 * Values Compose sees instead of `.env`'s for this start only (upgrade's target images). `.env`
 * is not changed: Compose reads a copy with these values (OVERRIDE_ENV_FILE, mode 600, removed
 * when the start ends), so `.env` names the new images only once the caller has seen them healthy.
 */
export interface StartOverrides {
  env: Record<string, string>;
}

/** Seams for tests; production uses the real modules. */
export interface StartDeps {
  ensureOpenWebuiKey(ctx: Context, gateway: Gateway, options: { timeoutMs: number }): Promise<{ action: OpenWebuiKeyAction; changed: boolean }>;
  /** Ctrl-C / SIGTERM while images are pulled (tests abort their own controller). */
  interrupts?(): Interrupts;
}

const defaultDeps: StartDeps = {
  async ensureOpenWebuiKey(ctx, gateway, options) {
    // Loaded only once the stack is healthy (it is not needed before).
    const { ensureOpenWebuiKey } = await import('../../litellm/open-webui-key.js');
    return ensureOpenWebuiKey(ctx, gateway, options);
  },
};

export async function run(ctx: Context, options: StartOptions, deps: StartDeps = defaultDeps, overrides?: StartOverrides): Promise<StartResult> {
  const started = ctx.clock.now();
  const stack = await loadStack(ctx);
  const { settings } = stack.gateway;
  const timeoutSeconds = options.timeout ?? defaultStartTimeoutSeconds(settings.resourceProfile);
  const lock = await acquireLock(ctx.dir, { clock: ctx.clock, purpose: overrides ? 'upgrade' : 'start' });
  let cancelDetection = async () => {};
  try {
    if (overrides) await applyOverrides(ctx, stack.gateway, overrides);
    if (scaleOf(settings).engine === 'swarm') {
      // ENGINE=swarm: docker stack deploy (./start-swarm.ts); loaded only for a Swarm gateway.
      const { startSwarm } = await import('./start-swarm.js');
      return await startSwarm(ctx, options, stack, deps, timeoutSeconds);
    }
    const firstStart = await isFirstStart(ctx);
    const serverVersion = await checkDaemon(ctx);
    // Compose v1 alone takes half a second (seconds on a busy machine) to say its version: find
    // it while the checks below run, and stop looking when it turns out not to be needed.
    const detection = new AbortController();
    const composeCli = detectCompose(ctx, detection.signal, join(ctx.dir, COMPOSE_CACHE_FILE));
    composeCli.catch(() => undefined);
    cancelDetection = async () => {
      detection.abort();
      await composeCli.catch(() => undefined);
    };
    const before = await projectContainers(ctx, stack.project);
    const beforeByService = byService(before);
    const drift = compareWithRecord(await readStartRecord(ctx, ctx.dir), await fingerprintFiles(ctx, ctx.dir), beforeByService);

    const pullPolicy = options.pull ?? 'missing';
    if (!overrides && pullPolicy !== 'always' && drift.known && !isDrifted(drift) && stack.services.every((s) => isReady(beforeByService.get(s)))) {
      const readiness = await litellmReadinessProbe(ctx, settings).check(2_000);
      // Healthy containers behind an Nginx that cannot reach them are not "already running".
      if (readiness.ready && (await probeRoutes(await routeFetcher(ctx, ctx.dir, settings), settings, 2_000)).every((p) => p.ok)) {
        await cancelDetection();
        await recordRunningImages(ctx, beforeByService);
        if (firstStart) await welcome(ctx, stack);
        return result(ctx, stack, null, { alreadyRunning: true, waited: true, healthy: true, changed: [], openWebuiKey: 'skipped', pull: null, containers: beforeByService, started, firstStart });
      }
    }
    if (drift.changedFiles.length > 0) ctx.out.info(`Files changed since the last start: ${drift.changedFiles.join(', ')}; applying them.`);

    const conflicts = await findPortConflicts(ctx, settings, before);
    if (conflicts.length > 0) throw portConflictError(ctx, settings, conflicts);
    await checkLitellmAccess(ctx, ctx.dir);
    const engine: DockerEngine = { serverVersion, compose: await composeCli };
    await engine.compose.remember?.();
    ctx.out.debug(`Docker ${engine.serverVersion}, ${engine.compose.label} ${engine.compose.version.raw}`);
    let compose = composeProject(ctx, stack.gateway, engine);

    // Images first, as their own phase: a download of gigabytes never counts against --timeout,
    // and Ctrl-C here leaves nothing behind (no container exists yet).
    const interrupts = (deps.interrupts ?? listenForInterrupts)();
    let pull: PullSummary;
    try {
      const images = await stackImages(ctx, stack.gateway, stack.services, compose);
      pull = await pullPhase(ctx, images, { policy: pullPolicy, signal: interrupts.signal });
      await recordImageDigests(ctx, ctx.dir, images);
    } finally {
      interrupts.dispose();
    }
    const deadline = ctx.clock.now() + timeoutSeconds * 1000;

    ctx.out.step(`Starting ${stack.project} with ${engine.compose.label} ${engine.compose.version.raw}`);
    if (!options.wait) {
      const up = await compose.up();
      if (up.exitCode !== 0) throw await upFailure(ctx, compose, up);
      const containers = byService(await projectContainers(ctx, stack.project));
      ctx.out.warn('Not waiting for health (--no-wait); "ai-gateway status" shows when every service is healthy. Open WebUI\'s key is checked by the next "ai-gateway start".');
      return result(ctx, stack, engine, { alreadyRunning: false, waited: false, healthy: false, changed: changedServices(before, containers, []), openWebuiKey: 'skipped', pull, containers, started, firstStart: false });
    }

    // Open WebUI's key only needs LiteLLM: check it while the services after LiteLLM still start,
    // so a healthy stack costs no extra round trips at the end.
    let keyTask: Promise<KeyOutcome> | undefined;
    const checkKey = () => {
      keyTask ??= deps.ensureOpenWebuiKey(ctx, stack.gateway, { timeoutMs: Math.max(10_000, deadline - ctx.clock.now()) }).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
    };
    let waited: WaitResult;
    try {
      waited = await upAndWait(ctx, stack, compose, { before, deadline, timeoutSeconds, onReadinessPassed: checkKey });
    } catch (error) {
      await keyTask; // never leave it writing .env behind the error
      throw error;
    }
    const restarts = servicesToRestart(drift, before, waited.containers);
    if (restarts.length > 0) {
      ctx.out.step(`Restarting ${restarts.join(', ')} to apply ${drift.changedFiles.filter((f) => restarts.includes(MOUNTED_FILES[f] ?? '')).join(', ')}`);
      const snapshot = await projectContainers(ctx, stack.project);
      const restart = await compose.restart(restarts);
      if (restart.exitCode !== 0) throw await upFailure(ctx, compose, restart);
      waited = await waitWithSpinner(ctx, stack, { baseline: snapshot, deadline, timeoutSeconds });
    }
    checkKey();
    const [outcome] = await Promise.all([keyTask as Promise<KeyOutcome>, record(ctx, stack, waited.containers)]);
    if ('error' in outcome) throw outcome.error;
    const key = outcome.value;
    if (key.changed) {
      // VIRTUAL_KEY in .env changed: only Open WebUI reads it, so only Open WebUI is recreated.
      ctx.out.step(`Open WebUI's virtual key was ${key.action}; recreating open-webui`);
      const gateway = await loadGateway(ctx);
      if (overrides) await applyOverrides(ctx, gateway, overrides);
      compose = composeProject(ctx, gateway, engine);
      const snapshot = await projectContainers(ctx, stack.project);
      waited = await upAndWait(ctx, { ...stack, gateway }, compose, {
        before: snapshot,
        deadline: Math.max(deadline, ctx.clock.now() + 60_000),
        timeoutSeconds,
        services: [SERVICES.openWebui],
      });
      await record(ctx, stack, waited.containers);
      if (!firstStart) warnSavedConnectionKey(ctx);
    }
    // Healthy containers are not a working gateway until Nginx reaches them (a 502 is a failed start).
    const routes = await waitForRoutes({ fetch: await routeFetcher(ctx, ctx.dir, stack.gateway.settings), clock: ctx.clock }, stack.gateway.settings);
    if (!routes.every((p) => p.ok)) throw routeFailure(routes, ctx.dir);
    await recordRunningImages(ctx, waited.containers);
    if (firstStart) await welcome(ctx, stack);
    return result(ctx, stack, engine, {
      alreadyRunning: false,
      waited: true,
      healthy: true,
      changed: changedServices(before, waited.containers, restarts),
      openWebuiKey: key.action,
      pull,
      containers: waited.containers,
      started,
      firstStart,
    });
  } finally {
    await cancelDetection(); // a failed check must not wait for (or leave behind) the Compose probe
    if (overrides) await ctx.fs.remove(join(ctx.dir, OVERRIDE_ENV_FILE));
    await lock.release();
  }
}

/** `.env` as it is, with the overrides, for Compose only (the file holds secrets: 600, like `.env`). */
async function applyOverrides(ctx: Context, gateway: Gateway, overrides: StartOverrides): Promise<void> {
  for (const [key, value] of Object.entries(overrides.env)) gateway.env.set(key, value);
  await ctx.fs.mkdirp(join(ctx.dir, '.ai-gateway'));
  await ctx.fs.writeAtomic(join(ctx.dir, OVERRIDE_ENV_FILE), gateway.env.toString());
  gateway.composeEnvFile = join(ctx.dir, OVERRIDE_ENV_FILE);
}

/** The first healthy start: recorded, and a warning when Open WebUI's first account is up for grabs beyond this machine. */
async function welcome(ctx: Context, stack: Stack): Promise<void> {
  await recordFirstStart(ctx);
  warnIfClaimable(ctx, stack.gateway.settings.bind, stackUrls(stack.gateway.settings));
}

/** Every successful start records what the running containers' image references resolve to (.ai-gateway/images.json). */
async function recordRunningImages(ctx: Context, containers: Map<string, ContainerInfo>): Promise<void> {
  const images: ServiceImage[] = [...containers].map(([service, c]) => ({ service, image: c.image }));
  await recordImageDigests(ctx, ctx.dir, images);
}

function isReady(container: ContainerInfo | undefined): boolean {
  return container?.state === 'running' && (container.health === null || container.health === 'healthy');
}

/**
 * `up -d` in the background while we poll: Compose v1 blocks in `up` until dependencies are
 * healthy, and a service that dies meanwhile should end the wait now, not when Compose gives up.
 */
type KeyOutcome = { value: { action: OpenWebuiKeyAction; changed: boolean } } | { error: unknown };

async function upAndWait(
  ctx: Context,
  stack: Stack,
  compose: ComposeProject,
  options: { before: ContainerInfo[]; deadline: number; timeoutSeconds: number; services?: string[]; onReadinessPassed?: () => void },
): Promise<WaitResult> {
  const controller = new AbortController();
  let outcome: { result: ExecResult; error: Error | undefined } | undefined;
  const running = compose
    .up({ signal: controller.signal, ...(options.services ? { services: options.services, noDeps: true, forceRecreate: true } : {}) })
    .then(async (result) => {
      const error = result.exitCode === 0 || result.cancelled ? undefined : await upFailure(ctx, compose, result);
      outcome = { result, error };
    });
  const up: BackgroundUp = { finished: () => outcome !== undefined, failure: () => outcome?.error };
  try {
    const waited = await waitWithSpinner(ctx, stack, {
      baseline: options.before,
      deadline: options.deadline,
      timeoutSeconds: options.timeoutSeconds,
      up,
      ...(options.onReadinessPassed ? { onReadinessPassed: options.onReadinessPassed } : {}),
    });
    await running;
    if (outcome?.error) ctx.out.warn(`Every service is healthy, but Compose reported: ${outcome.error.message}`);
    return waited;
  } catch (error) {
    controller.abort(); // Compose may still wait on a dependency that will never be healthy
    await running.catch(() => {});
    throw error;
  }
}

async function waitWithSpinner(
  ctx: Context,
  stack: Stack,
  options: { baseline: ContainerInfo[]; deadline: number; timeoutSeconds: number; up?: BackgroundUp; onReadinessPassed?: () => void },
): Promise<WaitResult> {
  const spinner = await ctx.out.spinner(`Waiting for ${stack.services.join(', ')}`);
  try {
    const waited = await waitForHealthy(ctx, {
      project: stack.project,
      services: stack.services,
      timeoutMs: Math.max(0, options.deadline - ctx.clock.now()),
      hintTimeoutSeconds: options.timeoutSeconds,
      readiness: litellmReadinessProbe(ctx, stack.gateway.settings),
      baseline: options.baseline,
      ...(options.up ? { up: options.up } : {}),
      ...(options.onReadinessPassed ? { onReadinessPassed: options.onReadinessPassed } : {}),
      onProgress: (services) => spinner.update(`Waiting for health: ${progressLine(services)}`),
      oomAdvice: (service) => oomAdvice(service, stack.gateway.settings, (args) => gatewayCommand(ctx, args)),
    });
    spinner.succeed(`All ${stack.services.length} services are healthy (${progressLine(waited.services)})`);
    return waited;
  } catch (error) {
    spinner.fail(error instanceof HealthError || error instanceof EnvError || error instanceof UserError ? `Start failed: ${error.code}` : 'Start failed');
    throw error;
  }
}

export function progressLine(services: ServiceProgress[]): string {
  return services.map((s) => `${s.service} ${s.label}`).join(' · ');
}

/** Services whose files changed (config.yaml, nginx.conf) and that `up` did not recreate. */
export function servicesToRestart(drift: Drift, before: ContainerInfo[], after: Map<string, ContainerInfo>): string[] {
  const beforeIds = new Set(before.map((c) => c.id));
  const services = new Set<string>();
  for (const file of drift.changedFiles) {
    const service = MOUNTED_FILES[file];
    const container = service ? after.get(service) : undefined;
    if (service && container && beforeIds.has(container.id)) services.add(service);
  }
  return [...services];
}

function changedServices(before: ContainerInfo[], after: Map<string, ContainerInfo>, restarted: string[]): string[] {
  const beforeById = new Map(before.map((c) => [c.id, c]));
  const changed = new Set(restarted);
  for (const [service, container] of after) {
    const old = beforeById.get(container.id);
    if (!old || old.startedAt !== container.startedAt) changed.add(service);
  }
  return [...changed].sort();
}

async function record(ctx: Context, stack: Stack, containers: Map<string, ContainerInfo>): Promise<void> {
  const files = await fingerprintFiles(ctx, ctx.dir);
  // Started from the override copy (upgrade): recorded as the .env it started from, so until the
  // caller writes that .env (after a kill in between, say), the next start sees .env differ and
  // applies what .env names instead of calling the stack "already running".
  const composeEnv = stack.gateway.composeEnvFile ? await ctx.fs.readText(stack.gateway.composeEnvFile) : null;
  if (composeEnv !== null) files[FILES.env] = sha256Hex(composeEnv);
  await writeStartRecord(ctx, ctx.dir, {
    version: 1,
    project: stack.project,
    startedAt: new Date(ctx.clock.now()).toISOString(),
    files,
    containers: Object.fromEntries([...containers].map(([service, c]) => [service, c.id])),
  });
}

/** Why `up` (or `restart`) failed, as the error that says what to do. */
export async function upFailure(ctx: Context, compose: ComposeProject, up: ExecResult): Promise<Error> {
  const text = `${up.stderr}\n${up.stdout}`;
  const tail = text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-8)
    .join('\n');
  const port = /Bind for [^\s]*:(\d+) failed: port is already allocated/.exec(text) ?? /:(\d+): bind: address already in use/.exec(text);
  if (port) {
    const reason = /address already in use/.test(text) ? `listen on ${port[1]}: address already in use` : 'port is already allocated';
    return new EnvError('PORT_IN_USE', `Port ${port[1]} was taken while the stack started (Docker: ${reason}).`, {
      hint: `Free the port or move it ("ai-gateway setup --dir ${ctx.dir}" with the port flags), then run "ai-gateway start" again.`,
      details: { port: Number(port[1]) },
    });
  }
  if (/pull access denied|manifest unknown|manifest for .* not found|No such image|repository does not exist|failed to resolve reference/i.test(text)) {
    return new EnvError('IMAGE_UNAVAILABLE', `Compose could not get an image: ${firstMatchingLine(text, /pull access denied|manifest|No such image|repository|resolve reference/i)}`, {
      hint: 'Check the *_IMAGE names in .env and your network or registry login ("docker pull <image>"), then run "ai-gateway start" again.',
    });
  }
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(text)) {
    const { daemonError } = await import('../../docker/engine.js');
    return daemonError(ctx, up);
  }
  const validation = await compose.validate();
  if (validation.exitCode !== 0) {
    return new UserError('COMPOSE_FILE_INVALID', `Compose rejects the files in ${ctx.dir}: ${firstLine(validation.stderr || validation.stdout)}`, {
      hint: `Fix the file it names, or run "ai-gateway setup --dir ${ctx.dir}" to render the files again (secrets and settings in .env are kept).`,
    });
  }
  if (/is unhealthy|exited with code|dependency failed to start/i.test(text)) {
    return new HealthError('DEPENDENCY_FAILED', `A service did not become healthy, so Compose did not start the services after it:\n${tail}`, {
      hint: 'Run "ai-gateway status" to see which one, and "ai-gateway logs <service>" for why.',
    });
  }
  return new EnvError('COMPOSE_UP_FAILED', `${compose.cli.label} up failed (exit ${up.exitCode}):\n${tail}`, {
    hint: 'Re-run with --verbose to see the Compose command; "ai-gateway status" shows what was created.',
  });
}

function firstMatchingLine(text: string, pattern: RegExp): string {
  return (text.split('\n').find((l) => pattern.test(l)) ?? '').trim();
}

function firstLine(text: string): string {
  return (text.trim().split('\n').find((l) => l.trim() !== '') ?? '').trim();
}

function result(
  ctx: Context,
  stack: Stack,
  engine: DockerEngine | null,
  parts: {
    alreadyRunning: boolean;
    waited: boolean;
    healthy: boolean;
    changed: string[];
    openWebuiKey: StartResult['openWebuiKey'];
    pull: PullSummary | null;
    containers: Map<string, ContainerInfo>;
    started: number;
    firstStart: boolean;
  },
): StartResult {
  return {
    project: stack.project,
    dir: ctx.dir,
    alreadyRunning: parts.alreadyRunning,
    waited: parts.waited,
    healthy: parts.healthy,
    elapsedMs: ctx.clock.now() - parts.started,
    compose: engine ? `${engine.compose.label} ${engine.compose.version.raw}` : null,
    changed: parts.changed,
    openWebuiKey: parts.openWebuiKey,
    pull: parts.pull,
    services: serviceRows(stack.services, parts.containers),
    urls: stackUrls(stack.gateway.settings),
    firstStart: parts.firstStart,
    next: [gatewayCommand(ctx, 'status'), gatewayCommand(ctx, 'logs <service>'), gatewayCommand(ctx, 'stop')],
  };
}

export function render(result: StartResult, style: Style): string {
  const seconds = (result.elapsedMs / 1000).toFixed(1);
  const head = result.alreadyRunning
    ? `${style.green('✔')} ${style.bold(result.project)} is already running and healthy; nothing was restarted.`
    : result.waited
      ? `${style.green('✔')} ${style.bold(result.project)} is running and healthy (${seconds} s).`
      : `${style.yellow('!')} ${style.bold(result.project)}: containers created (${seconds} s); not waiting for health (--no-wait).`;
  const lines = [head, '', renderUrls(result.urls, style)];
  if (result.pull && result.pull.pulled > 0) {
    const bytes = result.pull.images.reduce((sum, i) => sum + (i.sizeBytes ?? 0), 0);
    lines.push(
      '',
      style.dim(
        `Pulled ${result.pull.pulled} image${result.pull.pulled === 1 ? '' : 's'}${bytes > 0 ? ` (${formatBytes(bytes)})` : ''} in ${result.pull.seconds.toFixed(0)} s, before the health wait began.`,
      ),
    );
  }
  if (result.alreadyRunning || !result.waited) lines.push('', renderServiceTable(result.services, style));
  if (result.openWebuiKey === 'created' || result.openWebuiKey === 'rotated') {
    lines.push('', style.dim(`Open WebUI's virtual key was ${result.openWebuiKey} and saved in .env (VIRTUAL_KEY).`));
  }
  if (result.firstStart) lines.push('', style.bold(firstAccountNote(result.urls)));
  const [status, logs, stop] = result.next;
  lines.push('', style.dim(`Next: "${status}" for details, "${logs}", "${stop}" to stop (data is kept).`));
  return lines.join('\n');
}
