/** Environment: the docker binary, its daemon, Compose, CPU and memory for the profile, free disk. */
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { effectiveWorkers, memoryNeededMb, type GatewaySettings } from '../../../gateway/settings.js';
import { fail, failFromError, ok, warn, type Check } from '../registry.js';
import type { DoctorState } from '../state.js';

const INSTALL_DOCKER =
  'Install Docker Engine (Linux: https://docs.docker.com/engine/install/, or "sudo apt-get install docker.io") or Docker Desktop (macOS, Windows).';

/** Free-space thresholds: the four images alone take several GB, PostgreSQL and logs grow. */
export const DISK_FAIL_BYTES = 1024 ** 3;
export const DISK_WARN_BYTES = 5 * 1024 ** 3;

export const dockerBinary: Check = {
  id: 'environment.docker',
  group: 'environment',
  title: 'docker command',
  async run(ctx) {
    const result = await ctx.docker.docker(['version', '--format', '{{.Client.Version}}'], { timeoutMs: 20_000 });
    if (result.notFound) return fail('The "docker" command is not on PATH.', INSTALL_DOCKER);
    const version = result.stdout.trim().split('\n')[0] ?? '';
    return ok(`docker client ${version || '(version not reported)'}`, { clientVersion: version || null });
  },
};

export const dockerDaemon: Check = {
  id: 'environment.daemon',
  group: 'environment',
  title: 'Docker daemon',
  dependsOn: ['environment.docker'],
  async run(ctx, state) {
    try {
      const version = await state.daemonVersion();
      const where = ctx.env.DOCKER_HOST ? ` at ${ctx.env.DOCKER_HOST}` : ctx.env.DOCKER_CONTEXT ? ` (context ${ctx.env.DOCKER_CONTEXT})` : '';
      return ok(`Docker Engine ${version} answers${where}`, { serverVersion: version });
    } catch (error) {
      return failFromError(error, 'Start the Docker daemon, then check with "docker info".');
    }
  },
};

export const compose: Check = {
  id: 'environment.compose',
  group: 'environment',
  title: 'Docker Compose',
  dependsOn: ['environment.docker'],
  async run(_ctx, state) {
    try {
      const cli = await state.compose();
      const details = { flavor: cli.flavor, version: cli.version.raw, command: cli.label };
      if (cli.flavor === 'v1') {
        return warn(
          `${cli.label} ${cli.version.raw} (Compose v1): works, but v1 is no longer maintained`,
          'Install the Compose v2 plugin ("sudo apt-get install docker-compose-plugin", or update Docker Desktop); ai-gateway prefers it when present.',
          details,
        );
      }
      return ok(`${cli.label} ${cli.version.raw} (Compose v2)`, details);
    } catch (error) {
      return failFromError(error, 'Install the Compose v2 plugin ("sudo apt-get install docker-compose-plugin").');
    }
  },
};

/** The settings when `.env` is readable; the defaults otherwise (doctor also runs before setup). */
async function settingsOrDefault(state: DoctorState): Promise<{ profile: GatewaySettings['resourceProfile']; nginx: boolean; limits: boolean; fromEnv: boolean }> {
  try {
    const settings = await state.settings();
    return { profile: settings.resourceProfile, nginx: settings.nginx, limits: settings.limits !== false, fromEnv: true };
  } catch {
    return { profile: 'medium', nginx: true, limits: true, fromEnv: false };
  }
}

export const resources: Check = {
  id: 'environment.resources',
  group: 'environment',
  title: 'CPU and memory for the resource profile',
  dependsOn: ['environment.daemon'],
  async run(_ctx, state) {
    const info = await state.engineInfo();
    const { profile, nginx, limits, fromEnv } = await settingsOrDefault(state);
    const neededMb = memoryNeededMb(profile, nginx);
    // With limits, LiteLLM's workers follow the CPUs it gets (never more than the machine's).
    const workers = effectiveWorkers(profile, limits ? info.cpus : null, limits) ?? 1;
    const memoryMb = info.memoryBytes === null ? null : Math.floor(info.memoryBytes / 1024 ** 2);
    const label = `profile ${profile}${fromEnv ? '' : ' (the default; no readable .env)'}`;
    const details = { profile, cpus: info.cpus, memoryMb, neededMb, workers };
    const lower = `Choose a smaller profile ("ai-gateway setup --profile small"), or give Docker more memory (Docker Desktop: Settings → Resources).`;
    if (memoryMb === null || info.cpus === null) return warn(`Docker did not report its CPUs or memory; ${label} needs ~${neededMb} MB.`, 'Check "docker info".', details);
    const have = `${info.cpus} CPU${info.cpus === 1 ? '' : 's'} and ${formatMb(memoryMb)} available to Docker`;
    if (memoryMb < neededMb * 0.75) return fail(`${have}; ${label} needs ~${formatMb(neededMb)}: services would be killed for lack of memory.`, lower, details);
    if (memoryMb < neededMb) return warn(`${have}; ${label} needs ~${formatMb(neededMb)}, leaving nothing spare.`, lower, details);
    if (workers > info.cpus) {
      return warn(`${have}; ${label} runs ${workers} LiteLLM workers on ${info.cpus} CPU${info.cpus === 1 ? '' : 's'}.`, 'Choose a profile with fewer workers ("ai-gateway setup --profile small" or "medium").', details);
    }
    return ok(`${have}; ${label} needs ~${formatMb(neededMb)}`, details);
  },
};

export const disk: Check = {
  id: 'environment.disk',
  group: 'environment',
  title: 'free disk',
  async run(ctx, state) {
    const places: { label: string; path: string }[] = [{ label: 'gateway directory', path: ctx.dir }];
    try {
      const info = await state.engineInfo();
      if (info.rootDir) places.push({ label: 'Docker data', path: info.rootDir });
    } catch {
      // no engine: the gateway directory alone
    }
    const measured: { label: string; path: string; freeBytes: number }[] = [];
    for (const place of places) {
      const freeBytes = await freeSpace(place.path);
      if (freeBytes !== null) measured.push({ ...place, freeBytes });
    }
    if (measured.length === 0) return warn('Could not measure the free disk space.', `Check with "df -h ${ctx.dir}".`);
    const worst = measured.reduce((a, b) => (b.freeBytes < a.freeBytes ? b : a));
    const text = measured.map((m) => `${formatBytes(m.freeBytes)} free for the ${m.label} (${m.path})`).join(', ');
    const details = { places: measured };
    const freeUp = 'Free some space: "docker system prune" removes stopped containers and unused images; old logs and backups/ can go too.';
    if (worst.freeBytes < DISK_FAIL_BYTES) return fail(`${text}: less than 1 GB.`, freeUp, details);
    if (worst.freeBytes < DISK_WARN_BYTES) return warn(`${text}: less than 5 GB (the images and the database need more over time).`, freeUp, details);
    return ok(text, details);
  },
};

/** Free bytes for an unprivileged user on the filesystem holding `path` (or its nearest existing parent). */
async function freeSpace(path: string): Promise<number | null> {
  for (let current = path; ; current = dirname(current)) {
    try {
      const s = await statfs(current);
      return s.bavail * s.bsize;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) return null;
    }
  }
}

export function formatMb(mb: number): string {
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)} GB` : `${mb} MB`;
}

export function formatBytes(bytes: number): string {
  return formatMb(Math.floor(bytes / 1024 ** 2));
}

export const environmentChecks: Check[] = [dockerBinary, dockerDaemon, compose, resources, disk];
