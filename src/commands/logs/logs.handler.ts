/**
 * `ai-gateway logs`: Compose's logs, streamed as they come, with every registered secret masked
 * line by line (a secret split across two chunks is still caught). Compose v1 has no `--since`;
 * there each container's log is read with `docker logs --since` and prefixed like Compose does.
 */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { EnvError, UserError } from '../../core/errors.js';
import type { Style } from '../../core/output.js';
import { byService, projectContainers } from '../../docker/containers.js';
import { daemonError, ensureDocker } from '../../docker/engine.js';
import { composeProject, loadStack } from '../../docker/stack.js';
import { scaleOf } from '../../gateway/scale.js';

export const optionsSchema = z.object({
  args: z.pipe(
    z._default(z.array(z.optional(z.union([z.string(), z.array(z.string())]))), []),
    z.transform((args) => args.flat().filter((a): a is string => typeof a === 'string')),
  ),
  follow: z._default(z.boolean(), false),
  tail: z.optional(
    z.coerce.number({ message: '--tail must be a number of lines' }).check(z.int('--tail must be a whole number'), z.gte(0, '--tail cannot be negative')),
  ),
  since: z.optional(
    z
      .string()
      .check(
        z.regex(/^(\d+(\.\d+)?[smhd]|\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?|\d{9,}(\.\d+)?)$/, '--since takes a time (2026-01-02T15:04:05) or a duration (10m, 2h)'),
      ),
  ),
  timestamps: z._default(z.boolean(), false),
});
export type LogsOptions = z.output<typeof optionsSchema>;

export interface LogsResult {
  project: string;
  services: string[];
  /** Only in --json mode (human mode streams them). */
  lines?: string[];
}

export async function run(ctx: Context, options: LogsOptions): Promise<LogsResult> {
  if (options.follow && ctx.out.json) {
    throw new UserError('FOLLOW_WITH_JSON', '--follow cannot be combined with --json (one JSON document has an end; a follow does not).', {
      hint: 'Drop --follow to get the lines so far as JSON, or drop --json to follow them.',
    });
  }
  const stack = await loadStack(ctx);
  const unknown = options.args.filter((s) => !stack.services.includes(s));
  if (unknown.length > 0) {
    throw new UserError('UNKNOWN_SERVICE', `No service named ${unknown.map((s) => `"${s}"`).join(', ')} in ${stack.project}.`, {
      hint: `The services are: ${stack.services.join(', ')}.`,
    });
  }
  const services = options.args.length > 0 ? options.args : stack.services;
  if (scaleOf(stack.gateway.settings).engine === 'swarm') return swarmLogs(ctx, stack.project, services, options);
  const engine = await ensureDocker(ctx);
  const containers = byService(await projectContainers(ctx, stack.project));
  const present = services.filter((s) => containers.has(s));
  if (present.length === 0) {
    ctx.out.warn(`No container of ${services.join(', ')} exists: the stack is stopped ("ai-gateway start" starts it).`);
    return { project: stack.project, services, ...(ctx.out.json ? { lines: [] } : {}) };
  }

  const collected: string[] = [];
  const sink = lineSink((line) => (ctx.out.json ? collected.push(ctx.out.redact(line)) : ctx.out.raw(`${line}\n`)));
  if (options.since !== undefined && engine.compose.flavor === 'v1') {
    // Compose v1 has no --since: read each container's log with docker, prefixed like Compose.
    const width = Math.max(...present.map((s) => s.length));
    await Promise.all(
      present.map(async (service) => {
        const container = containers.get(service);
        if (!container) return;
        const prefixed = lineSink((line) => sink.write(`${service.padEnd(width)} | ${line}\n`));
        const args = ['logs', '--since', options.since as string];
        if (options.tail !== undefined) args.push('--tail', String(options.tail));
        if (options.timestamps) args.push('--timestamps');
        if (options.follow) args.push('--follow');
        const result = await ctx.docker.docker([...args, container.id], { onStdout: (c) => prefixed.write(c), onStderr: (c) => prefixed.write(c) });
        prefixed.end();
        if (result.exitCode !== 0 && !result.cancelled) throw daemonError(ctx, result);
      }),
    );
  } else {
    const args = ['logs', '--no-color'];
    if (options.follow) args.push('--follow');
    if (options.tail !== undefined) args.push('--tail', String(options.tail));
    if (options.since !== undefined) args.push('--since', options.since);
    if (options.timestamps) args.push('--timestamps');
    let stderr = '';
    const result = await composeProject(ctx, stack.gateway, engine).run([...args, ...present], {
      onStdout: (chunk) => sink.write(chunk),
      onStderr: (chunk) => {
        stderr += chunk;
      },
    });
    if (result.exitCode !== 0 && !result.cancelled) {
      if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(stderr)) throw daemonError(ctx, { ...result, stderr });
      throw new EnvError('COMPOSE_LOGS_FAILED', `${engine.compose.label} logs failed (exit ${result.exitCode}): ${stderr.trim().split('\n').slice(-3).join(' ')}`, {
        hint: 'Re-run with --verbose to see the Compose command.',
      });
    }
  }
  sink.end();
  return { project: stack.project, services: present, ...(ctx.out.json ? { lines: collected } : {}) };
}

/** ENGINE=swarm: `docker service logs` per service (every replica's lines, prefixed with the task). */
async function swarmLogs(ctx: Context, project: string, services: string[], options: LogsOptions): Promise<LogsResult> {
  const { stackServices, serviceName } = await import('../../docker/swarm.js');
  const existing = new Set((await stackServices(ctx, project)).map((s) => s.service));
  const present = services.filter((s) => existing.has(s));
  if (present.length === 0) {
    ctx.out.warn(`No service of ${services.join(', ')} exists: the stack is not deployed ("ai-gateway start" deploys it).`);
    return { project, services, ...(ctx.out.json ? { lines: [] } : {}) };
  }
  const collected: string[] = [];
  const sink = lineSink((line) => (ctx.out.json ? collected.push(ctx.out.redact(line)) : ctx.out.raw(`${line}\n`)));
  await Promise.all(
    present.map(async (service) => {
      const own = lineSink((line) => sink.write(`${line}\n`));
      const args = ['service', 'logs', '--no-trunc'];
      if (options.follow) args.push('--follow');
      if (options.tail !== undefined) args.push('--tail', String(options.tail));
      if (options.since !== undefined) args.push('--since', options.since);
      if (options.timestamps) args.push('--timestamps');
      const result = await ctx.docker.docker([...args, serviceName(project, service)], { onStdout: (c) => own.write(c), onStderr: (c) => own.write(c) });
      own.end();
      if (result.exitCode !== 0 && !result.cancelled) throw daemonError(ctx, result);
    }),
  );
  sink.end();
  return { project, services: present, ...(ctx.out.json ? { lines: collected } : {}) };
}

/** Cuts a stream into whole lines, so masking sees every secret in one piece. */
export function lineSink(emit: (line: string) => void): { write(chunk: string): void; end(): void } {
  let pending = '';
  return {
    write(chunk) {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        emit(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    },
    end() {
      if (pending !== '') emit(pending.replace(/\r$/, ''));
      pending = '';
    },
  };
}

export function render(result: LogsResult, style: Style): string {
  void result;
  void style;
  return ''; // the lines were streamed as they came
}
