/**
 * `ai-gateway start` with ENGINE=swarm: pull what is missing, create the secrets, `docker stack
 * deploy`, then wait until every service runs its desired replicas (Swarm counts a task as running
 * only once its healthcheck passed), the migrators finished and LiteLLM is ready; then Open WebUI's
 * virtual key, as on Compose. A rolling update that Swarm rolled back is reported as such.
 */
import type { Context } from '../../core/context.js';
import { gatewayCommand } from '../../core/shell.js';
import { EnvError, HealthError, UserError } from '../../core/errors.js';
import {
  deployStack,
  ensureSecrets,
  ensureSwarmManager,
  pruneSecrets,
  stackImages,
  stackServices,
  type SwarmService,
} from '../../docker/swarm.js';
import { checkDaemon } from '../../docker/engine.js';
import { pullPhase, type PullPolicy, type PullSummary } from '../../docker/pull-phase.js';
import type { Stack } from '../../docker/stack.js';
import { FILES, loadGateway, type Gateway } from '../../gateway/layout.js';
import { stackServiceNames } from '../../gateway/render/stack.js';
import { routeFailure, waitForRoutes } from '../../gateway/routes.js';
import { stackUrls } from './status-view.js';
import { failedTasks, stackSettled, swarmRows } from './swarm-view.js';
import { litellmReadinessProbe } from '../../litellm/readiness.js';

/** The seam start-stack.ts passes (its StartDeps, named here so the two files do not import each other). */
interface KeyDeps {
  ensureOpenWebuiKey(ctx: Context, gateway: Gateway, options: { timeoutMs: number }): Promise<{ action: 'created' | 'rotated' | 'kept'; changed: boolean }>;
}

export async function startSwarm(ctx: Context, options: { wait: boolean; pull?: PullPolicy }, stack: Stack, deps: KeyDeps, timeoutSeconds: number) {
  const started = ctx.clock.now();
  let gateway = stack.gateway;
  const serverVersion = await checkDaemon(ctx);
  await ensureSwarmManager(ctx);
  if (!(await ctx.fs.exists(gateway.path(FILES.stack)))) {
    throw new UserError('NOT_SET_UP', `${gateway.path(FILES.stack)} is missing, and ENGINE=swarm in .env.`, {
      hint: `Run "ai-gateway setup --dir ${ctx.dir} --engine swarm" to render it (secrets and settings in .env are kept).`,
    });
  }
  // Downloads first (main's pull phase, as on Compose): their time never counts against the health wait.
  const pull = await pullPhase(ctx, stackImages(gateway.settings), { policy: options.pull ?? 'missing' });
  const deadline = ctx.clock.now() + timeoutSeconds * 1000;
  const expected = stackServiceNames(gateway.settings);
  const before = await stackServices(ctx, gateway.settings.projectName);

  ctx.out.step(`Deploying ${gateway.settings.projectName} to the swarm (Docker ${serverVersion})`);
  let keep = await deploy(ctx, gateway);
  let rolling = rollingAfter(before, await stackServices(ctx, gateway.settings.projectName));
  if (!options.wait) {
    const services = await stackServices(ctx, gateway.settings.projectName);
    ctx.out.warn('Not waiting for health (--no-wait); "ai-gateway status" shows when every service runs its replicas.');
    return result(ctx, gateway, { started, waited: false, healthy: false, changed: changed(before, services), services, expected, serverVersion, pull });
  }
  let services = await waitForStack(ctx, gateway, expected, rolling, deadline, timeoutSeconds);
  const key = await deps.ensureOpenWebuiKey(ctx, gateway, { timeoutMs: Math.max(10_000, deadline - ctx.clock.now()) });
  if (key.changed) {
    // VIRTUAL_KEY changed: Open WebUI's secret changes, so Swarm rolls Open WebUI alone.
    ctx.out.step(`Open WebUI's virtual key was ${key.action}; rolling open-webui`);
    gateway = await loadGateway(ctx);
    const snapshot = await stackServices(ctx, gateway.settings.projectName);
    keep = await deploy(ctx, gateway);
    rolling = rollingAfter(snapshot, await stackServices(ctx, gateway.settings.projectName));
    services = await waitForStack(ctx, gateway, expected, rolling, Math.max(deadline, ctx.clock.now() + 120_000), timeoutSeconds);
  }
  // The routes through Nginx, as on Compose: LiteLLM's 401 on the API base, Open WebUI's page at /.
  const routes = await waitForRoutes({ fetch: ctx.http.fetch, clock: ctx.clock }, gateway.settings);
  if (!routes.every((p) => p.ok)) throw routeFailure(routes, ctx.dir);
  await pruneSecrets(ctx, gateway.settings.projectName, keep);
  return {
    ...result(ctx, gateway, { started, waited: true, healthy: true, changed: changed(before, services), services, expected, serverVersion, pull }),
    openWebuiKey: key.action,
  };
}

async function deploy(ctx: Context, gateway: Gateway): Promise<string[]> {
  const plan = await ensureSecrets(ctx, gateway, await ctx.fs.readText(gateway.path(FILES.config)));
  await deployStack(ctx, gateway, plan);
  return plan.secretNames;
}

/** Polls the services until the stack is settled and LiteLLM is ready; fails fast on a rolled-back or paused update. */
/** Services whose tasks the deploy changed (a rolling update follows), with the start of their previous update. */
function rollingAfter(before: SwarmService[], after: SwarmService[]): Map<string, string | null> {
  const old = new Map(before.map((s) => [s.service, s]));
  const rolling = new Map<string, string | null>();
  for (const s of after) {
    const previous = old.get(s.service);
    if (previous && !s.job && previous.template !== s.template) rolling.set(s.service, previous.updateStartedAt);
  }
  return rolling;
}

async function waitForStack(
  ctx: Context,
  gateway: Gateway,
  expected: string[],
  rolling: ReadonlyMap<string, string | null>,
  deadline: number,
  timeoutSeconds: number,
): Promise<SwarmService[]> {
  const { settings } = gateway;
  const probe = litellmReadinessProbe(ctx, settings);
  const spinner = await ctx.out.spinner(`Waiting for ${expected.join(', ')}`);
  let services: SwarmService[] = [];
  try {
    for (;;) {
      services = await stackServices(ctx, settings.projectName);
      spinner.update(`Waiting for ${swarmRows(expected, services).map((r) => `${r.service} ${r.replicas ?? r.state}`).join(' · ')}`);
      const rolledBack = services.find((s) => rolling.has(s.service) && s.updateStartedAt !== rolling.get(s.service) && /^rollback_(completed|paused)$/.test(s.updateState ?? ''));
      if (rolledBack) {
        throw new HealthError('UPDATE_ROLLED_BACK', `Swarm rolled the update of ${rolledBack.service} back (now ${rolledBack.image}): ${rolledBack.updateMessage ?? 'the new tasks did not stay healthy'}.`, {
          hint: `Run "ai-gateway status" for the failed tasks and "ai-gateway logs ${rolledBack.service}" for why; fix the image or config in .env and run "ai-gateway start" again.`,
          details: { service: rolledBack.service, runningImage: rolledBack.image, failedTasks: rolledBack.failedTasks.slice(0, 5) },
        });
      }
      const paused = services.find((s) => s.updateState === 'paused' || s.updateState === 'rollback_paused');
      if (paused) {
        throw new HealthError('UPDATE_PAUSED', `Swarm paused the update of ${paused.service}: ${paused.updateMessage ?? ''}`, {
          hint: `Run "ai-gateway status" and "ai-gateway logs ${paused.service}"; "ai-gateway start" deploys again.`,
        });
      }
      if (stackSettled(services, expected, rolling) && (await probe.check(2_000)).ready) {
        spinner.succeed(`All ${expected.length} services run their replicas (${swarmRows(expected, services).map((r) => `${r.service} ${r.replicas}`).join(' · ')})`);
        return services;
      }
      if (ctx.clock.now() >= deadline) {
        const late = swarmRows(expected, services).filter((r) => r.health !== 'healthy' && r.state !== 'complete');
        const failed = failedTasks(services);
        throw new HealthError('START_TIMEOUT', `Not every service was up within ${timeoutSeconds} s: ${late.map((r) => `${r.service} ${r.replicas ?? r.state}`).join(', ') || 'LiteLLM not ready'}.${failed[0] ? ` Last failed task: ${failed[0].task}: ${failed[0].error || failed[0].state}.` : ''}`, {
          hint: `Run "ai-gateway status" for the failed tasks and "ai-gateway logs <service>" for why; "ai-gateway start --timeout <seconds>" waits longer.`,
          details: { services: late.map((r) => r.service) },
        });
      }
      await ctx.clock.sleep(500);
    }
  } catch (error) {
    spinner.fail(error instanceof HealthError || error instanceof EnvError || error instanceof UserError ? `Start failed: ${error.code}` : 'Start failed');
    throw error;
  }
}

function changed(before: SwarmService[], after: SwarmService[]): string[] {
  const old = new Map(before.map((s) => [s.service, s]));
  return after.filter((s) => old.get(s.service)?.image !== s.image || old.get(s.service)?.desired !== s.desired).map((s) => s.service).sort();
}

function result(
  ctx: Context,
  gateway: Gateway,
  parts: { started: number; waited: boolean; healthy: boolean; changed: string[]; services: SwarmService[]; expected: string[]; serverVersion: string; pull: PullSummary },
) {
  return {
    project: gateway.settings.projectName,
    dir: ctx.dir,
    alreadyRunning: false,
    waited: parts.waited,
    healthy: parts.healthy,
    elapsedMs: ctx.clock.now() - parts.started,
    compose: `docker stack deploy (Docker ${parts.serverVersion})`,
    changed: parts.changed,
    openWebuiKey: 'skipped' as 'created' | 'rotated' | 'kept' | 'skipped',
    pull: parts.pull as PullSummary | null,
    services: swarmRows(parts.expected, parts.services),
    urls: stackUrls(gateway.settings),
    firstStart: false,
    next: [gatewayCommand(ctx, 'status'), gatewayCommand(ctx, 'logs <service>'), gatewayCommand(ctx, 'scale litellm=<n>'), gatewayCommand(ctx, 'stop')],
  };
}
