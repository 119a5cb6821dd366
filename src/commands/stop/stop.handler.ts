/**
 * `ai-gateway stop`: `compose down`, keeping every volume unless --volumes was asked for and
 * confirmed (the project name typed, or --yes). Nothing running is not an error.
 */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { CancelledError, EnvError } from '../../core/errors.js';
import { acquireLock } from '../../core/lock.js';
import { gatewayCommand } from '../../core/shell.js';
import type { Style } from '../../core/output.js';
import { projectContainers } from '../../docker/containers.js';
import { daemonError, ensureDocker } from '../../docker/engine.js';
import { composeProject } from '../../docker/stack.js';
import { loadGateway } from '../../gateway/layout.js';
import { removeStartRecord } from '../../docker/start-record.js';
import { forgetFirstStart } from '../shared/first-start.js';

export const optionsSchema = z.object({
  volumes: z._default(z.boolean(), false),
});
export type StopOptions = z.output<typeof optionsSchema>;

export interface StopResult {
  project: string;
  /** Nothing to do: no container (and, with --volumes, no volume) of the project existed. */
  nothingRunning: boolean;
  removedContainers: string[];
  deletedVolumes: string[];
  /** Volumes left in place (all of them without --volumes). */
  keptVolumes: string[];
  /** The command that starts it again from where the user stands (--dir when elsewhere). */
  startCommand: string;
}

export async function run(ctx: Context, options: StopOptions): Promise<StopResult> {
  // Only .env and the compose files are needed to take a stack down, even a half-broken one.
  const gateway = await loadGateway(ctx);
  const stack = { project: gateway.settings.projectName };
  const lock = await acquireLock(ctx.dir, { clock: ctx.clock, purpose: 'stop' });
  try {
    const engine = await ensureDocker(ctx);
    const compose = composeProject(ctx, gateway, engine);
    const containers = await projectContainers(ctx, stack.project);
    const volumes = await projectVolumes(ctx, stack.project);
    if (containers.length === 0 && (!options.volumes || volumes.length === 0)) {
      await removeStartRecord(ctx, ctx.dir);
      if (options.volumes) await forgetFirstStart(ctx); // no data: the next start is a first one
      return { project: stack.project, nothingRunning: true, removedContainers: [], deletedVolumes: [], keptVolumes: volumes, startCommand: gatewayCommand(ctx, 'start') };
    }
    if (options.volumes && volumes.length > 0) await confirmVolumeDeletion(ctx, stack.project, volumes);

    const spinner = await ctx.out.spinner(`Stopping ${stack.project}${options.volumes ? ' and deleting its volumes' : ''}`);
    const down = await compose.down({ volumes: options.volumes });
    if (down.exitCode !== 0) {
      spinner.fail(`${engine.compose.label} down failed`);
      if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(down.stderr)) throw daemonError(ctx, down);
      throw new EnvError('COMPOSE_DOWN_FAILED', `${engine.compose.label} down failed (exit ${down.exitCode}): ${lastLines(down.stderr)}`, {
        hint: 'Re-run with --verbose to see the Compose command; "ai-gateway status" shows what is left.',
      });
    }
    const remainingVolumes = await projectVolumes(ctx, stack.project);
    await removeStartRecord(ctx, ctx.dir);
    // Open WebUI's users went with the volumes: its next first account is an administrator again.
    if (options.volumes && remainingVolumes.length === 0) await forgetFirstStart(ctx);
    spinner.succeed(`Stopped ${stack.project}`);
    return {
      project: stack.project,
      nothingRunning: false,
      removedContainers: containers.map((c) => c.name).sort(),
      deletedVolumes: volumes.filter((v) => !remainingVolumes.includes(v)),
      keptVolumes: remainingVolumes,
      startCommand: gatewayCommand(ctx, 'start'),
    };
  } finally {
    await lock.release();
  }
}

/** Named volumes Compose created for the project (it labels them, v1 and v2 alike). */
async function projectVolumes(ctx: Context, project: string): Promise<string[]> {
  const result = await ctx.docker.docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) throw daemonError(ctx, result);
  return result.stdout.split('\n').map((s) => s.trim()).filter(Boolean).sort();
}

async function confirmVolumeDeletion(ctx: Context, project: string, volumes: string[]): Promise<void> {
  if (ctx.yes) return; // --volumes --yes: both asked for explicitly
  ctx.out.warn(`This deletes ${volumes.join(', ')}: the database with every virtual key and spend record, and Open WebUI's users and chats. It cannot be undone.`);
  const answer = await ctx.prompts.input({
    id: 'stop.confirm-volumes',
    message: `Type the project name (${project}) to delete its data`,
    flagHint: '--yes (with --volumes) to delete the volumes without asking',
  });
  if (answer.trim() !== project) {
    throw new CancelledError(`You typed "${answer.trim()}", not "${project}": nothing was stopped or deleted.`, {
      hint: `Run "ai-gateway stop --volumes" again and type ${project}, or "ai-gateway stop" to keep the data.`,
    });
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join('\n');
}

export function render(result: StopResult, style: Style): string {
  if (result.nothingRunning) {
    const kept = result.keptVolumes.length > 0 ? ` Its data volumes are kept: ${result.keptVolumes.join(', ')}.` : '';
    return `Nothing to stop: no container of ${style.bold(result.project)} exists.${kept}`;
  }
  const lines = [`${style.green('✔')} Stopped ${style.bold(result.project)}: removed ${result.removedContainers.length} container(s) (${result.removedContainers.join(', ')}).`];
  if (result.deletedVolumes.length > 0) lines.push(`${style.red('Deleted')} volumes: ${result.deletedVolumes.join(', ')}.`);
  if (result.keptVolumes.length > 0) {
    lines.push(`Data kept in ${result.keptVolumes.join(', ')}; "${result.startCommand}" picks it up again (${style.dim(`"${result.startCommand.replace(/^ai-gateway start/, 'ai-gateway stop --volumes')}" deletes it`)}).`);
  }
  return lines.join('\n');
}
