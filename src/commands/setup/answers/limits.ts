/** Setup answers about what the containers may use: memory/CPU limits and Docker log rotation. */
import { UserError } from '../../../core/errors.js';
import { effectiveWorkers, ENV, LOG_MAX_SIZE_PATTERN, LOG_ROTATION, RESOURCE_PROFILE_NAMES, RESOURCE_PROFILES, type ResourceProfile } from '../../../gateway/settings.js';
import { priorValue, suppliedWithSource, yesNoAnswer, type Resolver } from './resolver.js';

/** --limits / --no-limits → AI_GATEWAY_LIMITS → RESOURCE_LIMITS in .env → on. */
export function resolveLimits(r: Resolver): boolean {
  return yesNoAnswer(r, 'limits', 'AI_GATEWAY_LIMITS', ENV.resourceLimits) ?? true;
}

/** Checks --log-max-size / --log-max-files before the first port probe (bad input is exit 2). */
export function checkSuppliedLogRotation(r: Resolver): void {
  const size = suppliedWithSource(r, 'logMaxSize', '--log-max-size', 'AI_GATEWAY_LOG_MAX_SIZE');
  if (size) logMaxSize(size.value, size.source);
  const files = suppliedWithSource(r, 'logMaxFiles', '--log-max-files', 'AI_GATEWAY_LOG_MAX_FILES');
  if (files) logMaxFiles(files.value, files.source);
}

/**
 * Flag or variable → `.env` → the profile's. A value in `.env` that is the previous profile's own
 * default follows a profile change (setup writes the default there; the user did not choose it).
 */
export function resolveLogRotation(r: Resolver, profile: ResourceProfile): { maxSize: string; maxFiles: number } {
  const priorProfileName = priorValue(r, ENV.resourceProfile)?.toLowerCase();
  const priorProfile = (RESOURCE_PROFILE_NAMES as string[]).includes(priorProfileName ?? '') ? (priorProfileName as ResourceProfile) : null;
  const chosen = (key: string, profileDefault: string | undefined) => {
    const value = priorValue(r, key);
    return value !== undefined && value.toLowerCase() !== profileDefault ? value : undefined;
  };
  const size = suppliedWithSource(r, 'logMaxSize', '--log-max-size', 'AI_GATEWAY_LOG_MAX_SIZE');
  const priorSize = chosen(ENV.logMaxSize, priorProfile ? LOG_ROTATION[priorProfile].maxSize : undefined);
  const files = suppliedWithSource(r, 'logMaxFiles', '--log-max-files', 'AI_GATEWAY_LOG_MAX_FILES');
  const priorFiles = chosen(ENV.logMaxFiles, priorProfile ? String(LOG_ROTATION[priorProfile].maxFiles) : undefined);
  return {
    maxSize: size ? logMaxSize(size.value, size.source) : priorSize !== undefined ? logMaxSize(priorSize, `${ENV.logMaxSize} in .env`) : LOG_ROTATION[profile].maxSize,
    maxFiles: files ? logMaxFiles(files.value, files.source) : priorFiles !== undefined ? logMaxFiles(priorFiles, `${ENV.logMaxFiles} in .env`) : LOG_ROTATION[profile].maxFiles,
  };
}

function logMaxSize(value: string, source: string): string {
  const normalised = value.trim().toLowerCase();
  if (LOG_MAX_SIZE_PATTERN.test(normalised)) return normalised;
  throw new UserError('INVALID_OPTION', `Log size "${value}" (from ${source}) is not a size Docker accepts.`, {
    hint: 'Use a number with k, m or g, e.g. --log-max-size 20m.',
  });
}

function logMaxFiles(value: string, source: string): number {
  const n = Number(value.trim());
  if (Number.isInteger(n) && n >= 1 && n <= 100) return n;
  throw new UserError('INVALID_OPTION', `Log file count "${value}" (from ${source}) must be a whole number from 1 to 100.`, {
    hint: 'Use e.g. --log-max-files 5.',
  });
}

/** With limits on, LiteLLM's workers follow its CPUs: a profile asking for more than the host has runs fewer. */
export function cappedWorkersNote(profile: ResourceProfile, cpus: number): string | null {
  const asked = RESOURCE_PROFILES[profile].workers;
  const runs = effectiveWorkers(profile, cpus, true);
  if (asked === null || runs === null || runs >= asked) return null;
  return `The ${profile} profile asks for ${asked} LiteLLM workers, but this machine has ${cpus} CPU${cpus === 1 ? '' : 's'}: LiteLLM gets ${runs} CPU${runs === 1 ? '' : 's'} and runs ${runs} worker${runs === 1 ? '' : 's'} (the memory limit follows).`;
}
