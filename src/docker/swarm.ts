/**
 * The gateway as a Docker Swarm stack (ENGINE=swarm): `docker stack deploy` / `docker service`,
 * the secrets and configs the stack names, and the state of its services and tasks. Like
 * compose.ts, no secret ever reaches argv: secrets are created with `docker secret create NAME -`
 * and the value on stdin, and the deploy's environment carries only non-secret settings and names.
 */
import { createHash } from 'node:crypto';
import { z } from '../core/schema.js';
import type { Context } from '../core/context.js';
import { EnvError } from '../core/errors.js';
import type { Gateway } from '../gateway/layout.js';
import { FILES } from '../gateway/layout.js';
import { STACK_CONFIGS, stackConfigsUsed } from '../gateway/render/stack.js';
import { scaleOf, usesRedis } from '../gateway/scale.js';
import { ENV, type GatewaySettings } from '../gateway/settings.js';
import { stackSecrets } from '../gateway/stack-secrets.js';
import { inspectContainers, type ContainerInfo } from './containers.js';
import { daemonError } from './engine.js';
import type { ExecResult } from '../core/docker-client.js';

/** Label on the secrets we create (stack deploy labels what it creates with the namespace itself). */
export const SECRET_LABEL = 'ai-gateway.project';
const NAMESPACE_LABEL = 'com.docker.stack.namespace';

export async function swarmState(ctx: Context): Promise<{ state: string; manager: boolean }> {
  const result = await ctx.docker.docker(['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}'], { timeoutMs: 20_000 });
  if (result.exitCode !== 0) throw daemonError(ctx, result);
  const [state = '', manager = ''] = result.stdout.trim().split(/\s+/);
  return { state, manager: manager === 'true' };
}

export async function ensureSwarmManager(ctx: Context): Promise<void> {
  const { state, manager } = await swarmState(ctx);
  if (state !== 'active') {
    throw new EnvError('SWARM_NOT_ACTIVE', `This Docker engine is not part of a swarm (state: ${state || 'unknown'}), and ENGINE=swarm in .env.`, {
      hint: 'Run "docker swarm init" (one machine: "docker swarm init --advertise-addr 127.0.0.1"), or "ai-gateway setup --engine compose" to run on Compose.',
    });
  }
  if (!manager) {
    throw new EnvError('SWARM_NOT_MANAGER', 'This Docker engine is a swarm worker; stacks are deployed from a manager.', {
      hint: 'Run ai-gateway on a manager node (docker node ls there shows one), or promote this node: "docker node promote <node>".',
    });
  }
}

export const serviceName = (project: string, service: string) => `${project}_${service}`;

function failure(ctx: Context, what: string, result: ExecResult): Error {
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(result.stderr)) return daemonError(ctx, result);
  const tail = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-5).join('\n');
  return new EnvError('SWARM_COMMAND_FAILED', `${what} failed (exit ${result.exitCode}): ${tail}`, {
    hint: 'Re-run with --verbose to see the docker command; "ai-gateway status" shows the services and failed tasks.',
  });
}

async function lines(ctx: Context, args: string[], what: string): Promise<string[]> {
  const result = await ctx.docker.docker(args, { timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw failure(ctx, what, result);
  return result.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
}

export interface DeployPlan {
  /** Secret and config names by the variable docker-stack.yml reads them from. */
  names: Record<string, string>;
  secretNames: string[];
}

/** Creates the secrets the stack needs that do not exist yet (value on stdin). Names carry a content HMAC. */
export async function ensureSecrets(ctx: Context, gateway: Gateway, configText: string | null): Promise<DeployPlan> {
  const { settings } = gateway;
  const wanted = stackSecrets(gateway.env, settings, configText);
  // Every value in them comes from .env, whose secrets loadGateway registered with the output's redactor.
  const existing = new Set(await lines(ctx, ['secret', 'ls', '--filter', `label=${SECRET_LABEL}=${settings.projectName}`, '--format', '{{.Name}}'], 'docker secret ls'));
  for (const secret of wanted) {
    if (existing.has(secret.name)) continue;
    const result = await ctx.docker.docker(['secret', 'create', '--label', `${SECRET_LABEL}=${settings.projectName}`, secret.name, '-'], { input: secret.content, timeoutMs: 60_000 });
    if (result.exitCode !== 0) throw failure(ctx, `docker secret create ${secret.name}`, result);
  }
  const names: Record<string, string> = Object.fromEntries(wanted.map((s) => [s.nameVar, s.name]));
  for (const config of stackConfigsUsed(settings)) {
    const { key, nameVar, file } = STACK_CONFIGS[config];
    const text = (await ctx.fs.readText(gateway.path(file))) ?? '';
    names[nameVar] = `${settings.projectName}_${key}_${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  }
  return { names, secretNames: wanted.map((s) => s.name) };
}

/** The non-secret values docker-stack.yml interpolates, from the validated settings. */
export function stackEnvironment(gateway: Gateway): Record<string, string> {
  const s: GatewaySettings = gateway.settings;
  const scale = scaleOf(s);
  const values: Record<string, string> = {
    POSTGRES_IMAGE: s.images.postgres,
    LITELLM_IMAGE: s.images.litellm,
    OPEN_WEBUI_IMAGE: s.images.openWebui,
    NGINX_IMAGE: s.images.nginx,
    REDIS_IMAGE: scale.redisImage,
    POSTGRES_USER: gateway.env.get(ENV.postgresUser) ?? 'litellm',
    POSTGRES_DB: gateway.env.get(ENV.postgresDb) ?? 'litellm',
    POSTGRES_MAX_CONNECTIONS: String(scale.postgresMaxConnections),
    LITELLM_REPLICAS: String(scale.replicas.litellm),
    WEBUI_REPLICAS: String(scale.replicas.openWebui),
    LITELLM_PORT: String(s.ports.litellm),
  };
  if (s.ports.nginx !== undefined) values.NGINX_PORT = String(s.ports.nginx);
  if (s.ports.webui !== undefined) values.WEBUI_PORT = String(s.ports.webui);
  if (s.ports.postgres !== undefined) values.POSTGRES_PORT = String(s.ports.postgres);
  return values;
}

/** The images the stack runs, by service (for the pull phase). */
export function stackImages(settings: GatewaySettings): { service: string; image: string }[] {
  const scale = scaleOf(settings);
  return [
    { service: 'postgres', image: settings.images.postgres },
    ...(usesRedis(scale) ? [{ service: 'redis', image: scale.redisImage }] : []),
    { service: 'litellm', image: settings.images.litellm },
    { service: 'open-webui', image: settings.images.openWebui },
    ...(settings.nginx ? [{ service: 'nginx', image: settings.images.nginx }] : []),
  ];
}

/**
 * `docker stack deploy`. --resolve-image never: the pull phase got the images on this node just
 * before; other nodes pull the same tag themselves. --prune removes services the file no longer has.
 */
export async function deployStack(ctx: Context, gateway: Gateway, plan: DeployPlan): Promise<void> {
  const env = { ...stackEnvironment(gateway), ...plan.names };
  const result = await ctx.docker.docker(
    ['stack', 'deploy', '--compose-file', gateway.path(FILES.stack), '--prune', '--resolve-image', 'never', gateway.settings.projectName],
    { cwd: gateway.dir, unsetEnv: gateway.env.keys(), extraEnv: env, timeoutMs: 300_000 },
  );
  if (result.exitCode !== 0) throw failure(ctx, 'docker stack deploy', result);
}

/** Removes the secrets of `project` that `keep` does not name (in use ones stay: Docker refuses). */
export async function pruneSecrets(ctx: Context, project: string, keep: string[]): Promise<string[]> {
  const names = await lines(ctx, ['secret', 'ls', '--filter', `label=${SECRET_LABEL}=${project}`, '--format', '{{.Name}}'], 'docker secret ls');
  const stale = names.filter((n) => !keep.includes(n));
  const removed: string[] = [];
  for (const name of stale) {
    const result = await ctx.docker.docker(['secret', 'rm', name], { timeoutMs: 30_000 });
    if (result.exitCode === 0) removed.push(name);
  }
  return removed;
}

// ── state ──

const serviceSchema = z.array(
  z.looseObject({
    ID: z.string(),
    Spec: z.looseObject({
      Name: z.string(),
      Labels: z.nullish(z.record(z.string(), z.string())),
      Mode: z.looseObject({ Replicated: z.nullish(z.looseObject({ Replicas: z.nullish(z.number()) })), ReplicatedJob: z.nullish(z.looseObject({})) }),
      TaskTemplate: z.looseObject({ ContainerSpec: z.looseObject({ Image: z.string() }) }),
    }),
    UpdateStatus: z.nullish(z.looseObject({ State: z.nullish(z.string()), StartedAt: z.nullish(z.string()), Message: z.nullish(z.string()) })),
    Endpoint: z.nullish(z.looseObject({ Ports: z.nullish(z.array(z.looseObject({ PublishedPort: z.nullish(z.number()), TargetPort: z.nullish(z.number()), Protocol: z.nullish(z.string()) }))) })),
  }),
);

const taskSchema = z.looseObject({
  ID: z.string(),
  Name: z.string(),
  Image: z.string(),
  DesiredState: z.string(),
  CurrentState: z.string(),
  Error: z._default(z.string(), ''),
});

export interface SwarmService {
  /** Our service name (litellm), without the stack prefix. */
  service: string;
  name: string;
  job: boolean;
  desired: number;
  /** Tasks running (healthy: Swarm keeps a task "starting" until its healthcheck passes). */
  running: number;
  /** Jobs: tasks that completed. */
  completed: number;
  image: string;
  /** updating, completed, paused, rollback_started, rollback_completed, rollback_paused, or null. */
  updateState: string | null;
  updateMessage: string | null;
  /** When the last rolling update began: a deploy that changed the tasks is done once a newer one completed. */
  updateStartedAt: string | null;
  /** Hash of the task template: what a rolling update replaces tasks for (image, env, secrets, command). */
  template: string;
  ports: string[];
  failedTasks: FailedTask[];
}

export interface FailedTask {
  task: string;
  state: string;
  error: string;
  image: string;
}

export async function stackServices(ctx: Context, project: string): Promise<SwarmService[]> {
  const ids = await lines(ctx, ['service', 'ls', '-q', '--filter', `label=${NAMESPACE_LABEL}=${project}`], 'docker service ls');
  if (ids.length === 0) return [];
  const inspect = await ctx.docker.docker(['service', 'inspect', ...ids], { timeoutMs: 60_000 });
  if (!inspect.stdout.trim().startsWith('[')) throw failure(ctx, 'docker service inspect', inspect);
  const services = serviceSchema.parse(JSON.parse(inspect.stdout));
  const taskLines = await lines(ctx, ['stack', 'ps', project, '--no-trunc', '--format', '{{json .}}'], 'docker stack ps').catch(() => [] as string[]);
  const tasks = taskLines.map((l) => taskSchema.parse(JSON.parse(l)));
  const prefix = `${project}_`;
  return services
    .map((s) => {
      const name = s.Spec.Name;
      const own = tasks.filter((t) => t.Name === name || t.Name.startsWith(`${name}.`));
      const job = s.Spec.Mode.ReplicatedJob !== undefined && s.Spec.Mode.ReplicatedJob !== null;
      return {
        service: name.startsWith(prefix) ? name.slice(prefix.length) : name,
        name,
        job,
        desired: job ? 1 : (s.Spec.Mode.Replicated?.Replicas ?? 0),
        running: own.filter((t) => t.DesiredState === 'Running' && t.CurrentState.startsWith('Running')).length,
        completed: own.filter((t) => t.CurrentState.startsWith('Complete')).length,
        image: s.Spec.TaskTemplate.ContainerSpec.Image.replace(/@sha256:[0-9a-f]+$/, ''),
        updateState: s.UpdateStatus?.State ?? null,
        updateMessage: s.UpdateStatus?.Message ?? null,
        updateStartedAt: s.UpdateStatus?.StartedAt ?? null,
        template: createHash('sha256').update(JSON.stringify(s.Spec.TaskTemplate)).digest('hex').slice(0, 16),
        ports: (s.Endpoint?.Ports ?? []).map((p) => `*:${p.PublishedPort}->${p.TargetPort}/${p.Protocol ?? 'tcp'}`),
        failedTasks: own
          .filter((t) => /^(Failed|Rejected)/.test(t.CurrentState) || (t.Error !== '' && !t.CurrentState.startsWith('Complete')))
          .map((t) => ({ task: t.Name.replace(/^\\_ /, '').trim(), state: t.CurrentState, error: t.Error, image: t.Image.replace(/@sha256:[0-9a-f]+$/, '') })),
      };
    })
    // Code-point order: the same on every machine, and no ICU collator to build (a first localeCompare costs ~7 ms).
    .sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0));
}

/** `docker stack rm`, then wait until its containers and network are gone (a deploy right after would collide). */
export async function removeStack(ctx: Context, project: string, timeoutMs = 120_000): Promise<void> {
  const result = await ctx.docker.docker(['stack', 'rm', project], { timeoutMs: 120_000 });
  // A network whose endpoints are still going away fails the rm: the wait below removes it once they are gone.
  const text = `${result.stderr}${result.stdout}`;
  if (result.exitCode !== 0 && !/Nothing found in stack|Failed to remove network|has active endpoints/i.test(text)) throw failure(ctx, 'docker stack rm', result);
  const deadline = ctx.clock.now() + timeoutMs;
  while (ctx.clock.now() < deadline) {
    const running = await lines(ctx, ['ps', '-q', '--filter', `label=${NAMESPACE_LABEL}=${project}`], 'docker ps');
    const networks = await lines(ctx, ['network', 'ls', '-q', '--filter', `label=${NAMESPACE_LABEL}=${project}`], 'docker network ls');
    if (running.length === 0 && networks.length > 0) await ctx.docker.docker(['network', 'rm', ...networks], { timeoutMs: 60_000 });
    else if (running.length === 0 && networks.length === 0) {
      // Finished job tasks leave exited containers behind: they go with the stack.
      const exited = await lines(ctx, ['ps', '-aq', '--filter', `label=${NAMESPACE_LABEL}=${project}`], 'docker ps');
      if (exited.length > 0) await ctx.docker.docker(['rm', ...exited], { timeoutMs: 60_000 });
      return;
    }
    await ctx.clock.sleep(500);
  }
  throw new EnvError('STACK_RM_TIMEOUT', `The containers of ${project} were still there ${Math.round(timeoutMs / 1000)} s after "docker stack rm".`, {
    hint: `Look with "docker stack ps ${project}", then run "ai-gateway stop" again.`,
  });
}

export async function stackVolumes(ctx: Context, project: string): Promise<string[]> {
  return (await lines(ctx, ['volume', 'ls', '-q', '--filter', `label=${NAMESPACE_LABEL}=${project}`], 'docker volume ls')).sort();
}

export async function scaleService(ctx: Context, project: string, service: string, replicas: number): Promise<void> {
  const result = await ctx.docker.docker(['service', 'scale', '--detach', `${serviceName(project, service)}=${replicas}`], { timeoutMs: 60_000 });
  if (result.exitCode !== 0) throw failure(ctx, `docker service scale ${service}`, result);
}

/**
 * The running task containers of a stack by service (the newest per service), shaped like Compose's
 * for the checks that read containers (doctor): the service comes from the task's name, `<project>_<service>.<slot>.<task>`.
 */
export async function swarmContainers(ctx: Context, project: string): Promise<Map<string, ContainerInfo>> {
  const ids = await lines(ctx, ['ps', '-q', '--no-trunc', '--filter', `label=${NAMESPACE_LABEL}=${project}`], 'docker ps');
  const map = new Map<string, ContainerInfo>();
  for (const c of await inspectContainers(ctx, ids)) {
    const service = c.name.startsWith(`${project}_`) ? (c.name.slice(project.length + 1).split('.')[0] ?? '') : '';
    if (!service) continue;
    const seen = map.get(service);
    if (!seen || Date.parse(c.createdAt) > Date.parse(seen.createdAt)) map.set(service, { ...c, project, service });
  }
  return map;
}
