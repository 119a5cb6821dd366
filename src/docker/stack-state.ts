/**
 * "Is this gateway's stack up, or coming up?", asked of the engine when a command that calls the
 * gateway's own URLs (key, models, openapi, smoke) could not reach them. Without it those commands
 * wait out their whole retry budget (30-60 s) for a stack that nobody started, or for a Docker that
 * is not even installed. Asked on the first failed request rather than before every command: a
 * running gateway pays nothing for it (a `docker` call costs ~50 ms, the key commands' whole
 * overhead budget), and a stopped one is told in well under 2 s.
 *
 * Injected into the LiteLLM client through the context (`ctx.stackState`): src/litellm does not
 * import src/docker.
 */
import type { Context, StackStateProbe, StackTarget } from '../core/context.js';
import { EnvError } from '../core/errors.js';
import { gatewayCommand } from '../core/shell.js';
import { LABELS } from './compose-labels.js';
import { inspectContainers } from './containers.js';
import { daemonError } from './engine.js';

/** Container states from which a service comes up without anyone running `start`. */
const COMING_UP = new Set(['running', 'restarting', 'created']);

/**
 * Resolves when the services run or are coming up, or when the engine cannot tell (slow to answer,
 * or this user may not ask it): then the caller keeps its usual wait. Throws GATEWAY_NOT_RUNNING
 * when nothing will come up by itself: no Docker, no daemon, no container, or a needed service
 * exited.
 */
export async function assertStackRunning(ctx: Context, target: StackTarget): Promise<void> {
  const start = gatewayCommand(ctx, 'start', target.dir);
  const notRunning = (why: string, details: Record<string, unknown>, hint = `Start it: ${start}`) =>
    new EnvError('GATEWAY_NOT_RUNNING', `The gateway in ${target.dir} is not running: ${why}.`, { hint, details: { dir: target.dir, project: target.project, ...details } });

  const listed = await ctx.docker.docker(['ps', '-a', '-q', '--no-trunc', '--filter', `label=${LABELS.project}=${target.project}`], { timeoutMs: 5_000 });
  if (listed.timedOut) return; // a slow engine is not a stopped stack
  if (listed.notFound) {
    throw notRunning('Docker is not installed (no "docker" command on PATH)', { engine: 'DOCKER_NOT_INSTALLED' }, `Install Docker (https://docs.docker.com/engine/install/), then: ${start}`);
  }
  if (listed.exitCode !== 0) {
    const cause = daemonError(ctx, listed);
    if (cause.code === 'DOCKER_PERMISSION_DENIED') return; // it may well run; we may not ask
    throw notRunning(`${cause.message.replace(/\.$/, '').replace(/^The /, 'the ')}`, { engine: cause.code }, `${cause.hint ?? ''} Then: ${start}`.trim());
  }
  const ids = listed.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) {
    // ENGINE=swarm: the tasks carry the stack's label, not Compose's; Swarm brings replicas back by itself.
    const swarm = await ctx.docker.docker(['ps', '-q', '--filter', `label=com.docker.stack.namespace=${target.project}`], { timeoutMs: 5_000 });
    if (swarm.exitCode === 0 && swarm.stdout.trim() !== '') return;
    throw notRunning(`no container of project ${target.project} exists`, { services: {} });
  }
  const containers = (await inspectContainers(ctx, ids)).filter((c) => !c.oneOff && c.project === target.project);
  const down = target.services.filter((service) => {
    const newest = containers.filter((c) => c.service === service).sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt))[0];
    return !newest || !COMING_UP.has(newest.state);
  });
  if (down.length > 0) {
    const states = Object.fromEntries(down.map((service) => [service, containers.find((c) => c.service === service)?.state ?? 'missing']));
    throw notRunning(`${down.map((s) => `${s} is ${states[s] === 'missing' ? 'not created' : states[s]}`).join(', ')}`, { services: states });
  }
}

export function dockerStackState(ctx: Context): StackStateProbe {
  return { assertRunning: (target) => assertStackRunning(ctx, target) };
}
