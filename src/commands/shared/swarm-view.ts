/** Swarm services as the rows `start` and `status` show: replicas running/desired, and the tasks that failed. */
import type { FailedTask, SwarmService } from '../../docker/swarm.js';
import { table, type Style } from '../../core/output.js';
import type { ServiceRow } from './status-view.js';

export function swarmRows(expected: string[], services: SwarmService[]): ServiceRow[] {
  const byName = new Map(services.map((s) => [s.service, s]));
  const names = [...expected, ...services.map((s) => s.service).filter((s) => !expected.includes(s))];
  return names.map((name) => {
    const s = byName.get(name);
    if (!s) return { service: name, state: 'missing', health: null, ports: [], image: null, container: null, containerId: null, exitCode: null, startedAt: null, oomKilled: false };
    const done = s.job ? s.completed >= 1 : s.running >= s.desired && s.desired > 0;
    return {
      service: name,
      state: s.job ? (done ? 'complete' : 'running') : s.running === 0 ? (s.desired === 0 ? 'scaled to 0' : 'starting') : 'running',
      // A Swarm task counts as running only once its healthcheck passed.
      health: s.job ? null : done ? 'healthy' : 'starting',
      ports: s.ports,
      image: s.image,
      container: null,
      containerId: null,
      exitCode: null,
      startedAt: null,
      // Swarm replaces a task killed for its memory; the failed task says so (failedTasks).
      oomKilled: false,
      replicas: s.job ? `${s.completed}/1 done` : `${s.running}/${s.desired}`,
      ...(s.updateState ? { update: s.updateState } : {}),
    };
  });
}

export function failedTasks(services: SwarmService[]): FailedTask[] {
  return services.flatMap((s) => s.failedTasks);
}

/**
 * Is every service where it should be: replicas running, jobs done, no update in flight. `rolling`
 * names the services a deploy changed the tasks of, with the start of their previous update: until
 * Swarm has begun (and finished) a newer one, their running tasks are still the old ones.
 */
export function stackSettled(services: SwarmService[], expected: string[], rolling: ReadonlyMap<string, string | null> = new Map()): boolean {
  return expected.every((name) => {
    const s = services.find((x) => x.service === name);
    if (!s) return false;
    if (s.job) return s.completed >= 1;
    if (rolling.has(name) && (s.updateStartedAt === rolling.get(name) || s.updateState !== 'completed')) return false;
    return s.running >= s.desired && s.desired > 0 && s.updateState !== 'updating' && s.updateState !== 'rollback_started';
  });
}

export function renderSwarmTable(rows: ServiceRow[], style: Style): string {
  const health = (row: ServiceRow) =>
    row.state === 'missing' ? style.dim('not created') : row.health === 'healthy' ? style.green('healthy') : row.health === null ? style.dim('-') : style.yellow(row.health);
  return table(
    ['SERVICE', 'REPLICAS', 'HEALTH', 'UPDATE', 'PORTS', 'IMAGE'],
    rows.map((r) => [r.service, r.replicas ?? '-', health(r), r.update ?? style.dim('-'), r.ports.join(', ') || style.dim('-'), r.image ?? style.dim('-')]),
    style,
  );
}

export function renderFailedTasks(tasks: FailedTask[], style: Style, limit = 8): string {
  if (tasks.length === 0) return '';
  const shown = tasks.slice(0, limit);
  const lines = [`${style.yellow('!')} Failed tasks (${tasks.length}${tasks.length > limit ? `, newest ${limit} shown` : ''}):`];
  for (const t of shown) lines.push(`  ${t.task}  ${t.state}${t.error ? `: ${t.error}` : ''}  ${style.dim(t.image)}`);
  return lines.join('\n');
}
