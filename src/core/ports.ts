/**
 * Host port probing, used by `setup` (choosing ports) and `start` (checking them before `up`).
 * A port is free on a host when we can listen on it there: Docker publishes `BIND:PORT` by
 * listening the same way (docker-proxy), so a failed listen is exactly the conflict Docker would hit.
 */
import { createServer } from 'node:net';
import { EnvError } from './errors.js';
import type { RandomSource } from './random.js';

/** IANA dynamic/private range, used for `--ports random`. */
export const RANDOM_PORT_RANGE = { min: 49152, max: 65535 } as const;

export type PortStatus = 'free' | 'busy' | 'unknown';

/** `[::1]` → `::1`: Compose wants brackets, sockets do not. */
export function socketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

export function isValidPortNumber(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * A port found busy is probed again after these pauses (ms) before we call it busy: another
 * probe (a second `ai-gateway setup` at the same moment) holds a port for a millisecond, a real
 * owner keeps it. Only a busy answer costs the pauses.
 */
const BUSY_CONFIRMATION_PAUSES_MS = [25, 75];

/**
 * Can something listen on `host:port` right now? `unknown` when the OS refuses for another reason
 * than "in use" (e.g. EACCES for a port below 1024 as a normal user: Docker's daemon may still bind it).
 */
export async function probePort(port: number, host: string): Promise<PortStatus> {
  let status = await probeOnce(port, host);
  for (const pauseMs of BUSY_CONFIRMATION_PAUSES_MS) {
    if (status !== 'busy') break;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    status = await probeOnce(port, host);
  }
  return status;
}

function probeOnce(port: number, host: string): Promise<PortStatus> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(error.code === 'EADDRINUSE' ? 'busy' : 'unknown');
    });
    server.listen({ port, host: socketHost(host), exclusive: true }, () => {
      server.close(() => resolve('free'));
    });
  });
}

/** True unless the port is in use on `host` (an undecidable probe counts as free). */
export async function isPortFree(port: number, host: string): Promise<boolean> {
  return (await probePort(port, host)) !== 'busy';
}

export interface FindFreePortOptions {
  /** The port we would like; when busy, the next ones after it are tried. */
  preferred: number;
  host: string;
  /** Inclusive range to search after `preferred` (default: preferred+1 .. preferred+100, capped at 65535). */
  range?: { min: number; max: number };
  /** Ports that must not be returned (already chosen for another service). */
  exclude?: Iterable<number>;
}

/**
 * The preferred port when free, else the first free one in the range after it, else any free port.
 * Uses get-port, which also keeps the ports it returns from being handed out twice in this process.
 */
export async function findFreePort(options: FindFreePortOptions): Promise<number> {
  const { default: getPort, portNumbers } = await import('get-port');
  const exclude = new Set(options.exclude ?? []);
  const host = socketHost(options.host);
  if (!exclude.has(options.preferred) && (await isPortFree(options.preferred, host))) return options.preferred;
  const min = options.range?.min ?? Math.min(Math.max(options.preferred + 1, 1024), 65535);
  const max = options.range?.max ?? Math.min(options.preferred + 100, 65535);
  const candidates = min < max ? portNumbers(min, max) : [min];
  return getPort({ port: candidates, host, exclude });
}

/**
 * A free port picked at random in 49152-65535 (not sequentially: two gateways set up at the same
 * time should not race for the same "first free" port). `random` makes it reproducible in tests.
 */
export async function randomHighPort(options: {
  random: RandomSource;
  host: string;
  exclude?: Iterable<number>;
  attempts?: number;
  isFree?: (port: number, host: string) => Promise<boolean>;
}): Promise<number> {
  const exclude = new Set(options.exclude ?? []);
  const isFree = options.isFree ?? isPortFree;
  const span = RANDOM_PORT_RANGE.max - RANDOM_PORT_RANGE.min + 1;
  const attempts = options.attempts ?? 100;
  for (let i = 0; i < attempts; i++) {
    const port = RANDOM_PORT_RANGE.min + (options.random.bytes(4).readUInt32BE(0) % span);
    if (exclude.has(port)) continue;
    if (await isFree(port, options.host)) return port;
  }
  throw new EnvError('NO_FREE_PORT', `No free port found in ${RANDOM_PORT_RANGE.min}-${RANDOM_PORT_RANGE.max} on ${options.host} after ${attempts} attempts.`, {
    hint: 'Free some ports, or choose them yourself with --ports manual (or the --*-port flags).',
  });
}
