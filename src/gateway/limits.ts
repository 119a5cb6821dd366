/**
 * What to tell a user whose container was killed for memory (State.OOMKilled): which setting
 * gives that service more. One home for start, status and doctor.
 */
import { availableParallelism } from 'node:os';
import { RESOURCE_PROFILE_NAMES, SERVICES, serviceLimits, type GatewaySettings, type ResourceProfile } from './settings.js';

const LIMIT_KEY: Record<string, 'litellm' | 'openWebui' | 'postgres' | 'nginx'> = {
  [SERVICES.litellm]: 'litellm',
  [SERVICES.openWebui]: 'openWebui',
  [SERVICES.postgres]: 'postgres',
  [SERVICES.nginx]: 'nginx',
};

const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;

/** "litellm was OOM-killed: it ran out of memory at its 1920 MB limit". */
export function oomDescription(service: string, memoryLimitBytes: number | null): string {
  return `${service} was OOM-killed (${memoryLimitBytes === null ? 'the host ran out of memory; it had no limit' : `it used all of its ${mb(memoryLimitBytes)} memory limit`})`;
}

/**
 * The profile or flag that gives `service` more memory. `command` turns "setup --profile large"
 * into the command line to print (with --dir where needed).
 */
export function oomAdvice(service: string, settings: Pick<GatewaySettings, 'resourceProfile' | 'limits'>, command: (args: string) => string, hostCpus: number | null = availableParallelism()): string {
  const noLimits = command('setup --no-limits');
  const then = `, then "${command('start')}"`;
  if (settings.limits === false) {
    return `ai-gateway set no limit on it: the machine (or Docker Desktop's VM) ran out of memory. Give Docker more memory, or choose a smaller profile: "${command('setup --profile small')}"${then}.`;
  }
  const key = LIMIT_KEY[service];
  if (key === 'litellm') {
    const current = serviceLimits(settings.resourceProfile, hostCpus).litellm.memoryMb;
    const bigger = RESOURCE_PROFILE_NAMES.filter((p): p is ResourceProfile => p !== 'none')
      .map((profile) => ({ profile, memoryMb: serviceLimits(profile, hostCpus).litellm.memoryMb }))
      .filter((p) => p.memoryMb > current)
      .sort((a, b) => a.memoryMb - b.memoryMb)[0];
    if (bigger) {
      return `Give it more memory: "${command(`setup --profile ${bigger.profile}`)}" (LiteLLM's limit ${current} MB -> ${bigger.memoryMb} MB), or lift the limits with "${noLimits}"${then}.`;
    }
  }
  return `Lift the memory limits with "${noLimits}"${key === undefined || key === 'litellm' ? '' : ` (every profile gives ${service} the same limit)`}${then}.`;
}
