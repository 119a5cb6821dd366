/**
 * `ai-gateway scale litellm=N [open-webui=M]`: `docker service scale` on the swarm stack, then
 * `.env` keeps the count (the next `start` deploys the same). Refused, with the setup command
 * that fixes it, when the count needs more than the stack has: Redis (a first second replica),
 * Open WebUI's PostgreSQL database, or a larger max_connections (the connection budget).
 */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { HealthError, UserError } from '../../core/errors.js';
import { acquireLock } from '../../core/lock.js';
import type { Style } from '../../core/output.js';
import { checkDaemon } from '../../docker/engine.js';
import { EnvFile } from '../../gateway/env-file.js';
import { FILES, loadGateway } from '../../gateway/layout.js';
import { litellmPoolLimit } from '../../gateway/render/config-yaml.js';
import { connectionBudget, maxConnectionsFor, openWebuiUsesPostgres, scaleOf, usesRedis } from '../../gateway/scale.js';
import { ENV, SERVICES, type ScaleSettings } from '../../gateway/settings.js';

export const optionsSchema = z.object({
  args: z.pipe(
    z._default(z.array(z.union([z.string(), z.array(z.string())])), []),
    z.transform((args) => args.flat()),
  ),
  timeout: z.optional(z.coerce.number({ message: '--timeout must be a number of seconds' }).check(z.int('--timeout must be a whole number of seconds'), z.positive('--timeout must be more than 0'))),
  wait: z._default(z.boolean(), true),
});
export type ScaleOptions = z.output<typeof optionsSchema>;

const SCALABLE = { [SERVICES.litellm]: ENV.litellmReplicas, [SERVICES.openWebui]: ENV.webuiReplicas } as const;
type Scalable = keyof typeof SCALABLE;

export interface ScaleResult {
  project: string;
  services: { service: string; from: number; to: number; running: number }[];
  waited: boolean;
}

export function parseTargets(args: string[]): Map<Scalable, number> {
  if (args.length === 0) {
    throw new UserError('USAGE', 'Name what to scale, e.g. "ai-gateway scale litellm=3".', { hint: 'Scalable services: litellm, open-webui.' });
  }
  const targets = new Map<Scalable, number>();
  for (const arg of args) {
    const match = /^([a-z-]+)=(\d+)$/.exec(arg.trim());
    if (!match) throw new UserError('USAGE', `"${arg}" is not service=replicas (e.g. litellm=3).`, { hint: 'Scalable services: litellm, open-webui.' });
    const [, service, count] = match as unknown as [string, string, string];
    if (!(service in SCALABLE)) {
      throw new UserError('UNKNOWN_SERVICE', `"${service}" cannot be scaled: only litellm and open-webui run replicas (PostgreSQL, Redis and Nginx run one).`, {
        hint: 'Run "ai-gateway scale litellm=<n>" or "ai-gateway scale open-webui=<n>".',
      });
    }
    const replicas = Number(count);
    if (replicas < 1 || replicas > 64) throw new UserError('USAGE', `${service}=${count}: replicas go from 1 to 64 ("ai-gateway stop" stops the stack).`, { hint: `Run "ai-gateway scale ${service}=<1-64>".` });
    targets.set(service as Scalable, replicas);
  }
  return targets;
}

export async function run(ctx: Context, options: ScaleOptions): Promise<ScaleResult> {
  const targets = parseTargets(options.args);
  const gateway = await loadGateway(ctx);
  const { settings } = gateway;
  const scale = scaleOf(settings);
  const setupHint = (flags: string) => `Run "ai-gateway setup --dir ${ctx.dir} ${flags}", then "ai-gateway start".`;
  if (scale.engine !== 'swarm') {
    throw new UserError('REPLICAS_NEED_SWARM', 'Compose runs one replica of each service; scaling needs ENGINE=swarm.', {
      hint: setupHint(`--engine swarm --replicas ${targets.get(SERVICES.litellm) ?? 2}`),
    });
  }
  const next: ScaleSettings = {
    ...scale,
    replicas: { litellm: targets.get(SERVICES.litellm) ?? scale.replicas.litellm, openWebui: targets.get(SERVICES.openWebui) ?? scale.replicas.openWebui },
  };
  if (next.replicas.openWebui < scale.replicas.openWebui && openWebuiUsesPostgres(scale) && !openWebuiUsesPostgres(next)) {
    throw new UserError('NEEDS_DATABASE', `Open WebUI keeps its data in PostgreSQL while it runs more than one replica; one replica would go back to SQLite, without that data.`, {
      hint: `Keep at least 2 ("ai-gateway scale open-webui=2"), or move back deliberately: ${setupHint('--webui-replicas 1')}`,
    });
  }
  // Down to one replica: Redis stays (USE_REDIS=yes), so the stack the next start deploys is the one running.
  const keepRedis = usesRedis(scale) && !usesRedis(next);
  if (keepRedis) next.redis = true;
  if (usesRedis(next) && !usesRedis(scale)) {
    throw new UserError('NEEDS_REDIS', 'More than one replica shares its state through Redis, which this stack does not run yet.', {
      hint: setupHint(`--replicas ${next.replicas.litellm} --webui-replicas ${next.replicas.openWebui}`),
    });
  }
  if (openWebuiUsesPostgres(next) && !openWebuiUsesPostgres(scale)) {
    throw new UserError('NEEDS_DATABASE', 'Several Open WebUI replicas need its PostgreSQL database (SQLite has one writer), which this stack does not use yet.', {
      hint: setupHint(`--webui-replicas ${next.replicas.openWebui}`),
    });
  }
  const budget = connectionBudget({ ...settings, scale: next }, litellmPoolLimit(await ctx.fs.readText(gateway.path(FILES.config))));
  if (!budget.fits) {
    throw new UserError('CONNECTION_BUDGET', `PostgreSQL's max_connections ${budget.maxConnections} is too small for that: ${budget.explanation}.`, {
      hint: setupHint(`--replicas ${next.replicas.litellm} --postgres-max-connections ${maxConnectionsFor(budget.total)}`),
      details: { needed: budget.total, maxConnections: budget.maxConnections },
    });
  }

  await checkDaemon(ctx);
  const swarm = await import('../../docker/swarm.js');
  await swarm.ensureSwarmManager(ctx);
  const lock = await acquireLock(ctx.dir, { clock: ctx.clock, purpose: 'scale' });
  try {
    const before = await swarm.stackServices(ctx, settings.projectName);
    const missing = [...targets.keys()].filter((s) => !before.some((b) => b.service === s));
    if (missing.length > 0) {
      throw new UserError('NOT_RUNNING', `${missing.join(', ')} of ${settings.projectName} is not deployed.`, { hint: 'Run "ai-gateway start" first.' });
    }
    for (const [service, replicas] of targets) await swarm.scaleService(ctx, settings.projectName, service, replicas);
    // .env keeps the count, so the next start (stack deploy) does not scale back.
    const envText = (await ctx.fs.readText(gateway.path(FILES.env))) ?? '';
    const env = EnvFile.parse(envText, gateway.path(FILES.env));
    for (const [service, replicas] of targets) env.set(SCALABLE[service], String(replicas));
    if (keepRedis) env.set(ENV.useRedis, 'yes');
    await ctx.fs.writeAtomic(gateway.path(FILES.env), env.toString());

    let after = await swarm.stackServices(ctx, settings.projectName);
    if (options.wait) {
      const deadline = ctx.clock.now() + (options.timeout ?? 180) * 1000;
      const spinner = await ctx.out.spinner(`Scaling ${[...targets].map(([s, n]) => `${s} to ${n}`).join(', ')}`);
      const done = () => [...targets].every(([s, n]) => after.find((x) => x.service === s)?.running === n);
      while (!done()) {
        if (ctx.clock.now() >= deadline) {
          spinner.fail('Scaling did not finish in time');
          throw new HealthError('SCALE_TIMEOUT', `Not every replica runs after ${options.timeout ?? 180} s: ${[...targets].map(([s, n]) => `${s} ${after.find((x) => x.service === s)?.running ?? 0}/${n}`).join(', ')}.`, {
            hint: 'Run "ai-gateway status" for the failed tasks, "ai-gateway logs <service>" for why.',
          });
        }
        await ctx.clock.sleep(500);
        after = await swarm.stackServices(ctx, settings.projectName);
      }
      spinner.succeed(`Scaled ${[...targets].map(([s, n]) => `${s} to ${n}`).join(', ')}`);
    }
    return {
      project: settings.projectName,
      waited: options.wait,
      services: [...targets].map(([service, to]) => ({
        service,
        from: before.find((b) => b.service === service)?.desired ?? 0,
        to,
        running: after.find((a) => a.service === service)?.running ?? 0,
      })),
    };
  } finally {
    await lock.release();
  }
}

export function render(result: ScaleResult, style: Style): string {
  return result.services
    .map((s) => `${style.green('✔')} ${s.service}: ${s.from} → ${s.to} replica(s)${result.waited ? `, ${s.running} running` : ' (not waiting: "ai-gateway status" shows when they run)'}`)
    .join('\n');
}
