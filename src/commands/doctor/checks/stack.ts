/** Stack: every container up and healthy, the project network, ports published where `.env` says. */
import type { ContainerInfo } from '../../../docker/containers.js';
import { findPortConflicts, portConflictError } from '../../../docker/port-check.js';
import { scaleOf } from '../../../gateway/scale.js';
import { gatewayCommand } from '../../../core/shell.js';
import { oomAdvice, oomDescription } from '../../../gateway/limits.js';
import { publishedPorts, SERVICES } from '../../../gateway/settings.js';
import { fail, ok, skip, warn, type Check } from '../registry.js';

const ALL_INTERFACES = new Set(['0.0.0.0', '::', '[::]']);
/** On Swarm the overlay network is Swarm's and only Nginx publishes (host mode): `status` shows both. */
const SWARM_SKIP = 'ENGINE=swarm: Swarm owns the overlay network and Nginx publishes the ports ("ai-gateway status" shows the services)';

export const containers: Check = {
  id: 'stack.containers',
  group: 'stack',
  title: 'containers up and healthy',
  dependsOn: ['environment.daemon', 'files.env'],
  async run(ctx, state) {
    const found = await state.containers();
    const expected = await state.expectedServices();
    const rows = expected.map((service) => ({ service, container: found.get(service) }));
    const details = {
      services: rows.map(({ service, container: c }) => ({ service, state: c?.state ?? 'missing', health: c?.health ?? null, exitCode: c?.exitCode ?? null })),
    };
    const oom = rows.filter((r) => r.container?.oomKilled === true);
    if (oom.length > 0) {
      const settings = await state.settings();
      return fail(
        `${oom.map((r) => oomDescription(r.service, r.container?.memoryLimitBytes ?? null)).join('; ')}.`,
        oom.map((r) => oomAdvice(r.service, settings, (args) => gatewayCommand(ctx, args))).join(' '),
        { ...details, oomKilled: oom.map((r) => r.service) },
      );
    }
    if (rows.every((r) => !r.container || r.container.state !== 'running')) {
      return fail('The stack is not running.', 'Start it: "ai-gateway start".', details);
    }
    const broken = rows.filter((r) => !isHealthyOrStarting(r.container));
    if (broken.length > 0) {
      const names = broken.map((r) => r.service);
      return fail(
        `Not healthy: ${broken.map((r) => `${r.service} (${describe(r.container)})`).join(', ')}.`,
        `See why: ${names.map((n) => `"ai-gateway logs ${n}"`).join(', ')}; then "ai-gateway start" brings the stack up again.`,
        details,
      );
    }
    const starting = rows.filter((r) => r.container?.health === 'starting');
    if (starting.length > 0) {
      return warn(`Still starting: ${starting.map((r) => r.service).join(', ')}.`, '"ai-gateway start" waits until every service is healthy.', details);
    }
    return ok(`${rows.length}/${rows.length} services running and healthy (${rows.map((r) => r.service).join(', ')})`, details);
  },
};

function isHealthyOrStarting(c: ContainerInfo | undefined): boolean {
  return c !== undefined && c.state === 'running' && c.health !== 'unhealthy';
}

function describe(c: ContainerInfo | undefined): string {
  if (!c) return 'no container';
  if (c.state === 'exited' || c.state === 'dead') return `${c.state}, exit code ${c.exitCode}`;
  if (c.state === 'restarting') return `restarting, ${c.restartCount} restarts`;
  if (c.state === 'running') return c.health === 'unhealthy' ? 'unhealthy' : 'running';
  return c.state;
}

export const network: Check = {
  id: 'stack.network',
  group: 'stack',
  title: 'project network',
  dependsOn: ['environment.daemon', 'files.env'],
  async run(ctx, state) {
    const settings = await state.settings();
    if (scaleOf(settings).engine === 'swarm') skip(SWARM_SKIP);
    const running = [...(await state.containers()).values()].filter((c) => c.state === 'running');
    if (running.length === 0) skip('the stack is not running');
    const listed = await ctx.docker.docker(['network', 'ls', '--filter', `label=com.docker.compose.project=${settings.projectName}`, '--format', '{{.Name}}'], { timeoutMs: 20_000 });
    const names = listed.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    if (listed.exitCode !== 0 || names.length === 0) {
      return fail(`No network of project ${settings.projectName} exists, although ${running.length} of its containers run.`, 'Recreate the stack: "ai-gateway stop", then "ai-gateway start" (data is kept).');
    }
    const inspected = await ctx.docker.docker(['network', 'inspect', ...names], { timeoutMs: 20_000 });
    let attached: { network: string; containers: string[] }[] = [];
    try {
      const parsed = JSON.parse(inspected.stdout) as { Name?: string; Containers?: Record<string, { Name?: string }> | null }[];
      attached = parsed.map((n) => ({ network: n.Name ?? '?', containers: Object.values(n.Containers ?? {}).map((c) => c.Name ?? '?').sort() }));
    } catch {
      return warn(`Network ${names.join(', ')} exists, but "docker network inspect" gave no readable answer.`, `Check with "docker network inspect ${names[0]}".`);
    }
    const ids = new Set(attached.flatMap((a) => a.containers));
    const detached = running.filter((c) => !ids.has(c.name));
    const details = { networks: attached };
    if (detached.length > 0) {
      return fail(`Not attached to ${names.join(', ')}: ${detached.map((c) => c.service ?? c.name).join(', ')}: they cannot reach the other services.`, 'Recreate the stack: "ai-gateway stop", then "ai-gateway start" (data is kept).', details);
    }
    return ok(attached.map((a) => `${a.network} with ${a.containers.length} container${a.containers.length === 1 ? '' : 's'}`).join(', '), details);
  },
};

export const ports: Check = {
  id: 'stack.ports',
  group: 'stack',
  title: 'ports published where .env says',
  dependsOn: ['environment.daemon', 'files.env'],
  async run(ctx, state) {
    if (scaleOf(await state.settings()).engine === 'swarm') skip(SWARM_SKIP);
    const settings = await state.settings();
    const found = await state.containers();
    const wanted = publishedPorts(settings);
    const runningAny = [...found.values()].some((c) => c.state === 'running');
    if (!runningAny) {
      // Stopped: will `start` be able to publish them?
      const conflicts = await findPortConflicts(ctx, settings, []);
      if (conflicts.length > 0) {
        const error = portConflictError(ctx, settings, conflicts);
        return fail(`The stack is stopped and cannot start: ${error.message.replace(/^Cannot start: /, '')}`, error.hint ?? '', error.details);
      }
      return ok(`stack stopped; ${wanted.map((w) => `${settings.bind}:${w.port}`).join(', ')} are free for "ai-gateway start"`, { wanted });
    }
    const problems: string[] = [];
    const warnings: string[] = [];
    const published: { service: string; hostIp: string; hostPort: number; containerPort: number }[] = [];
    for (const [service, c] of found) {
      if (c.state !== 'running') continue;
      for (const p of c.ports) published.push({ service, hostIp: p.hostIp, hostPort: p.hostPort, containerPort: p.containerPort });
    }
    for (const w of wanted) {
      const c = found.get(w.service);
      if (!c || c.state !== 'running') continue; // stack.containers reports it
      const match = c.ports.filter((p) => p.hostPort === w.port);
      if (match.length === 0) {
        const actual = c.ports.map((p) => `${p.hostIp}:${p.hostPort}`).join(', ') || 'nothing';
        problems.push(`${w.service} publishes ${actual}, but ${w.envKey}=${w.port} in .env`);
        continue;
      }
      // Behind Nginx, LiteLLM's admin port is on 127.0.0.1 unless EXPOSE_ADMIN=yes.
      const adminOnLoopback = w.service === SERVICES.litellm && settings.nginx && settings.exposeAdmin !== true;
      const expected = adminOnLoopback ? '127.0.0.1' : settings.bind;
      if (!match.some((p) => sameAddress(p.hostIp, expected))) {
        problems.push(`${w.service} is bound to ${match.map((p) => p.hostIp).join(', ')}:${w.port}, but ${adminOnLoopback ? 'the LiteLLM admin port belongs on 127.0.0.1 (EXPOSE_ADMIN=no)' : `BIND_ADDRESS=${settings.bind} in .env`}`);
      }
    }
    const postgres = found.get(SERVICES.postgres);
    if (!settings.exposePostgres && postgres?.state === 'running' && postgres.ports.length > 0) {
      problems.push(`PostgreSQL is published on ${postgres.ports.map((p) => `${p.hostIp}:${p.hostPort}`).join(', ')} although EXPOSE_POSTGRES=no`);
    }
    const open = published.filter((p) => ALL_INTERFACES.has(p.hostIp));
    if (open.length > 0) warnings.push(`published on all interfaces (reachable from the network): ${open.map((p) => `${p.service} ${p.hostIp}:${p.hostPort}`).join(', ')}`);
    const details = { bind: settings.bind, published, wanted };
    if (problems.length > 0) {
      return fail(`${problems.join('; ')}.`, '"ai-gateway start" recreates the containers with the ports and address in .env.', details);
    }
    if (warnings.length > 0) {
      return warn(`Ports match .env, ${warnings.join('; ')}.`, 'Keep it on this machine with "ai-gateway setup --bind 127.0.0.1", then "ai-gateway start"; or put a firewall in front.', details);
    }
    return ok(published.map((p) => `${p.service} ${p.hostIp}:${p.hostPort}`).join(', '), details);
  },
};

function sameAddress(hostIp: string, bind: string): boolean {
  const strip = (s: string) => s.replace(/^\[|\]$/g, '');
  return strip(hostIp) === strip(bind) || (ALL_INTERFACES.has(bind) && ALL_INTERFACES.has(hostIp));
}

export const stackChecks: Check[] = [containers, network, ports];
