/**
 * `ai-gateway status`: what runs, how healthy it is, where it is reached, and whether the files
 * on disk still match what the running containers were started with. Reads the engine only
 * (`docker ps` + `docker inspect`), so it answers in a fraction of a second and never changes
 * anything.
 */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { EnvError, ExitCode, UserError } from '../../core/errors.js';
import { gatewayCommand } from '../../core/shell.js';
import type { Style } from '../../core/output.js';
import { byService, projectContainers, type ContainerInfo } from '../../docker/containers.js';
import type { FailedTask } from '../../docker/swarm.js';
import { scaleOf } from '../../gateway/scale.js';
import { failedTasks, renderFailedTasks, renderSwarmTable, swarmRows } from '../shared/swarm-view.js';
import { checkDaemon } from '../../docker/engine.js';
import { loadStack } from '../../docker/stack.js';
import { readImageDigests, shortIdentity, type ImageDigestRecord } from '../../docker/image-digests.js';
import { compareWithRecord, fingerprintFiles, readStartRecord, type Drift } from '../../docker/start-record.js';
import { oomAdvice, oomDescription } from '../../gateway/limits.js';
import { ENV, SERVICES } from '../../gateway/settings.js';
import { litellmReadinessProbe } from '../../litellm/readiness.js';
import { isHealthyRow, renderServiceTable, renderUrls, serviceRows, stackUrls, type ServiceRow, type StackUrls } from '../shared/status-view.js';

export const optionsSchema = z.object({
  output: z._default(z.enum(['table', 'json', 'env']), 'table'),
});
export type StatusOptions = z.output<typeof optionsSchema>;

export interface StatusResult {
  project: string;
  dir: string;
  /** running: every service has a running container; partial: some do; stopped: none. */
  state: 'running' | 'partial' | 'stopped';
  /** Every service running and healthy, and LiteLLM's database connected. */
  healthy: boolean;
  services: ServiceRow[];
  litellmReadiness: { ready: boolean; detail: string } | null;
  urls: StackUrls;
  drift: Drift;
  /** ENGINE=swarm: "swarm", and the tasks that failed. */
  orchestrator?: 'swarm';
  failedTasks?: FailedTask[];
  /** What each image reference resolved to at the last start (.ai-gateway/images.json); null before the first. */
  images: ImageDigestRecord | null;
  /**
   * Docker could not be asked (not installed, daemon down): the services are reported stopped,
   * the configured URLs still shown, and the command exits 3 after the report.
   */
  engine: { available: true } | { available: false; code: string; message: string; hint: string | null };
  /** The command that starts this gateway from where the user stands. */
  startCommand: string;
  /** Services whose last run was killed for memory, with the setting that gives them more. */
  oomKilled: { service: string; memoryLimitBytes: number | null; message: string; hint: string }[];
  /** Only with -o env: the lines to eval (never part of --json). */
  env?: [string, string][];
}

export async function run(ctx: Context, options: StatusOptions): Promise<StatusResult> {
  if (options.output === 'env' && ctx.out.json) {
    throw new UserError('CONFLICTING_OUTPUT', '-o env and --json ask for two different outputs.', {
      hint: 'Use "ai-gateway status -o env" for shell lines, or "ai-gateway status --json" for the document.',
    });
  }
  const stack = await loadStack(ctx);
  const { settings } = stack.gateway;
  const engine = await askEngine(ctx);
  const swarm = scaleOf(settings).engine === 'swarm';
  let services: ServiceRow[];
  let containers = new Map<string, ContainerInfo>();
  let failed: FailedTask[] | undefined;
  let drift: Drift;
  if (swarm && engine.available) {
    const { stackServices } = await import('../../docker/swarm.js');
    const swarmServices = await stackServices(ctx, stack.project);
    services = swarmRows(stack.services, swarmServices);
    failed = failedTasks(swarmServices);
    // Swarm replaces tasks by itself: there is no container set to compare with the last start.
    drift = { known: false, changedFiles: [], replacedContainers: [] };
  } else {
    containers = engine.available ? byService(await projectContainers(ctx, stack.project)) : new Map<string, ContainerInfo>();
    services = serviceRows(stack.services, containers);
    drift = { known: false, changedFiles: [], replacedContainers: [] };
  }
  const expected = services.filter((s) => stack.services.includes(s.service) && s.state !== 'complete');
  const runningCount = expected.filter((s) => s.state === 'running').length;
  const state = runningCount === 0 ? 'stopped' : runningCount === expected.length ? 'running' : 'partial';
  const litellmRunning = swarm ? services.some((s) => s.service === SERVICES.litellm && s.state === 'running') : containers.get(SERVICES.litellm)?.state === 'running';
  const litellmReadiness = litellmRunning ? await litellmReadinessProbe(ctx, settings).check(2_000) : null;
  if (!swarm) {
    const record = state === 'stopped' ? null : await readStartRecord(ctx, ctx.dir);
    drift = compareWithRecord(record, await fingerprintFiles(ctx, ctx.dir), containers);
  }
  const result: StatusResult = {
    project: stack.project,
    dir: ctx.dir,
    state,
    healthy: state === 'running' && expected.every(isHealthyRow) && litellmReadiness?.ready === true,
    services,
    litellmReadiness,
    urls: stackUrls(settings),
    drift,
    images: await readImageDigests(ctx, ctx.dir),
    engine,
    startCommand: gatewayCommand(ctx, 'start'),
    ...(swarm ? { orchestrator: 'swarm' as const, failedTasks: failed ?? [] } : {}),
    oomKilled: [...containers.values()]
      .filter((c) => c.oomKilled && c.service !== null)
      .map((c) => ({
        service: c.service as string,
        memoryLimitBytes: c.memoryLimitBytes,
        message: `${oomDescription(c.service as string, c.memoryLimitBytes)}.`,
        hint: oomAdvice(c.service as string, settings, (args) => gatewayCommand(ctx, args)),
      })),
  };
  if (options.output === 'env') {
    const virtualKey = stack.gateway.env.get(ENV.virtualKey);
    // Explicitly asked for: the one place status shows the virtual key (never the master key).
    if (virtualKey) ctx.out.reveal(virtualKey);
    else ctx.out.warn('VIRTUAL_KEY is not set in .env yet ("ai-gateway start" creates it), so OPENAI_API_KEY is left out.');
    result.env = envLines(result, virtualKey || undefined);
  }
  return result;
}

/** Without Docker nothing of the stack can run: report it stopped (exit 3 after the report). Other engine errors stay errors. */
async function askEngine(ctx: Context): Promise<StatusResult['engine']> {
  try {
    await checkDaemon(ctx);
    return { available: true };
  } catch (error) {
    // Permission denied or a daemon that does not answer: the stack may well run; we cannot say it is stopped.
    const stopped = error instanceof EnvError && (error.code === 'DOCKER_NOT_INSTALLED' || (error.code === 'DOCKER_DAEMON_UNREACHABLE' && !/did not answer/.test(error.message)));
    if (!stopped) throw error;
    // The cause goes to stderr as well, where errors go; the report (stdout) follows it.
    ctx.out.warn(`${error.message}${error.hint ? ` ${error.hint}` : ''}`);
    return { available: false, code: error.code, message: error.message, hint: error.hint ?? null };
  }
}

/** Exit 0 whenever the engine answered (running, partial or stopped); 3 when Docker is unusable. */
export function outcome(result: StatusResult): { ok: boolean; exitCode: number } {
  return result.engine.available ? { ok: true, exitCode: ExitCode.ok } : { ok: false, exitCode: ExitCode.environment };
}

export function envLines(result: StatusResult, virtualKey: string | undefined): [string, string][] {
  const lines: [string, string][] = [
    ['AI_GATEWAY_PROJECT', result.project],
    ['AI_GATEWAY_STATE', result.state],
    ['AI_GATEWAY_HEALTHY', result.healthy ? 'true' : 'false'],
    ['AI_GATEWAY_API_BASE', result.urls.local.api],
    ['AI_GATEWAY_WEBUI_URL', result.urls.local.openWebui],
    ['AI_GATEWAY_ADMIN_URL', result.urls.local.adminUi],
    ['AI_GATEWAY_LITELLM_URL', result.urls.local.litellmDirect],
    ['OPENAI_BASE_URL', result.urls.local.api],
  ];
  if (virtualKey) lines.push(['OPENAI_API_KEY', virtualKey]);
  return lines;
}

/** Single quotes for the shell; a quote inside becomes '\'' (close, escaped quote, reopen). */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function render(result: StatusResult, style: Style): string {
  if (result.env) return result.env.map(([key, value]) => `${key}=${shellQuote(value)}`).join('\n');
  const headline = !result.engine.available
    ? `${style.bold(result.project)} is ${style.dim('stopped')}: ${result.engine.message}${result.engine.hint ? `\n  ${style.dim('→')} ${result.engine.hint}` : ''}`
    : result.state === 'stopped'
      ? `${style.bold(result.project)} is ${style.dim('stopped')} ("${result.startCommand}" starts it).`
      : result.healthy
        ? `${style.bold(result.project)} is ${style.green('running and healthy')}.`
        : `${style.bold(result.project)} is ${style.yellow(result.state === 'partial' ? 'partly running' : 'running but not healthy')} ("${result.startCommand}" brings it up; "ai-gateway logs <service>" shows why).`;
  const lines = [headline, '', result.orchestrator === 'swarm' ? renderSwarmTable(result.services, style) : renderServiceTable(result.services, style, result.state === 'stopped' ? 'stopped' : 'not created')];
  const failed = renderFailedTasks(result.failedTasks ?? [], style);
  if (failed) lines.push('', failed);
  if (result.litellmReadiness) {
    lines.push('', `LiteLLM readiness: ${result.litellmReadiness.ready ? style.green(result.litellmReadiness.detail) : style.yellow(result.litellmReadiness.detail)}`);
  }
  lines.push('', result.state === 'stopped' ? `${style.dim(`Where it answers once started (${result.startCommand}):`)}\n${renderUrls(result.urls, style)}` : renderUrls(result.urls, style));
  for (const oom of result.oomKilled) lines.push('', `${style.red('!')} ${oom.message}\n  ${style.dim('→')} ${oom.hint}`);
  if (result.images && result.images.images.length > 0) {
    lines.push('', style.dim(`Images (resolved at the last start, ${result.images.recordedAt}):`));
    for (const entry of result.images.images) lines.push(`  ${entry.service.padEnd(11)} ${entry.reference}  ${style.dim(shortIdentity(entry))}`);
  }
  const drift = renderDrift(result, style);
  if (drift) lines.push('', drift);
  return lines.join('\n');
}

function renderDrift(result: StatusResult, style: Style): string {
  if (result.state === 'stopped' || result.orchestrator === 'swarm') return '';
  const { drift } = result;
  if (!drift.known) return style.dim('Files: not compared (this stack was not started by "ai-gateway start"; the next start records them).');
  const lines: string[] = [];
  if (drift.changedFiles.length > 0) {
    lines.push(`${style.yellow('!')} Changed since the last start: ${drift.changedFiles.join(', ')}. The containers still run the old version; "ai-gateway start" applies them.`);
  }
  if (drift.replacedContainers.length > 0) {
    lines.push(`${style.yellow('!')} Not the containers "ai-gateway start" started: ${drift.replacedContainers.join(', ')} (recreated outside ai-gateway).`);
  }
  return lines.length > 0 ? lines.join('\n') : style.dim('Files: unchanged since the last start.');
}
