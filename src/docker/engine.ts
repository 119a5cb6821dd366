/**
 * Is Docker usable, and which Compose do we drive? Each way it can fail has its own error code
 * and the next step, because "docker failed" helps nobody: not installed, daemon down or
 * unreachable, socket permission, Compose missing, Compose too old.
 */
import { delimiter, dirname, join } from 'node:path';
import { z } from '../core/schema.js';
import { EnvError } from '../core/errors.js';
import { statOrNull } from '../core/files.js';
import type { Context } from '../core/context.js';
import type { DockerProgram, ExecResult } from '../core/docker-client.js';
import { compareVersions, formatVersion, MINIMUM_COMPOSE, parseVersion, type ParsedVersion } from './version.js';

export interface ComposeCli {
  /** v2 semantics (`ps --format`, `up --wait`) or the Python v1. */
  flavor: 'v1' | 'v2';
  version: ParsedVersion;
  program: DockerProgram;
  /** Arguments before the Compose arguments: `['compose']` for the plugin, none for the binary. */
  prefix: string[];
  /** How the user would type it (messages). */
  label: string;
  /**
   * Writes the detected version to the cache file the caller named. The caller decides when: `start`
   * does it once it goes ahead, so a start refused (a busy port) leaves the directory untouched.
   */
  remember?: () => Promise<void>;
}

export interface DockerEngine {
  serverVersion: string;
  compose: ComposeCli;
}

const INSTALL_DOCKER_HINT =
  'Install Docker Engine (Linux: https://docs.docker.com/engine/install/, or "sudo apt-get install docker.io") or Docker Desktop (macOS, Windows), then run the command again.';

/** Checks the daemon, then finds Compose. Both run in parallel: Compose v1 alone takes ~0.5 s to answer. */
export async function ensureDocker(ctx: Context): Promise<DockerEngine> {
  const [serverVersion, compose] = await Promise.all([checkDaemon(ctx), detectCompose(ctx).catch((error: unknown) => error)]);
  if (compose instanceof Error) throw compose;
  return { serverVersion, compose: compose as ComposeCli };
}

/**
 * Engine calls made without asking the daemon first (one Docker CLI start fewer); when they fail,
 * checkDaemon says whether Docker itself is the cause (not installed, not running, not allowed),
 * else their own error stands.
 */
export async function explainingDaemonFailure<T>(ctx: Context, work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    await checkDaemon(ctx);
    throw error;
  }
}

/** The daemon answers (and lets us in). Returns its version. */
export async function checkDaemon(ctx: Context): Promise<string> {
  const result = await ctx.docker.docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 20_000 });
  if (result.notFound) {
    throw new EnvError('DOCKER_NOT_INSTALLED', 'Docker is not installed (no "docker" command on PATH).', { hint: INSTALL_DOCKER_HINT });
  }
  const version = result.stdout.trim();
  if (result.exitCode === 0 && version !== '') return version;
  throw daemonError(ctx, result);
}

/** Turns a failed docker call into the error that says why (permission, daemon down). */
export function daemonError(ctx: Context, result: ExecResult): EnvError {
  const text = `${result.stderr}\n${result.stdout}`.trim();
  const where = ctx.env.DOCKER_HOST ? ` at ${ctx.env.DOCKER_HOST}` : ctx.env.DOCKER_CONTEXT ? ` (context ${ctx.env.DOCKER_CONTEXT})` : '';
  if (/permission denied/i.test(text)) {
    return new EnvError('DOCKER_PERMISSION_DENIED', `Permission denied on the Docker socket${where}: this user may not talk to the Docker daemon.`, {
      hint:
        'Add yourself to the docker group ("sudo usermod -aG docker $USER", then log out and in again), or use rootless Docker (https://docs.docker.com/engine/security/rootless/).',
      details: { stderr: firstLine(text) },
    });
  }
  if (result.timedOut) {
    return new EnvError('DOCKER_DAEMON_UNREACHABLE', `The Docker daemon${where} did not answer within 20 s.`, {
      hint: 'Check that the daemon is running and responsive ("docker info"), and that DOCKER_HOST / DOCKER_CONTEXT point at the right engine.',
    });
  }
  const hostHint = ctx.env.DOCKER_HOST
    ? `DOCKER_HOST is set to ${ctx.env.DOCKER_HOST}: check that an engine listens there, or unset it to use the local one.`
    : 'Start it: "sudo systemctl start docker" (Linux), or open Docker Desktop (macOS, Windows). Then check with "docker info".';
  return new EnvError('DOCKER_DAEMON_UNREACHABLE', `The Docker daemon${where} is not running or not reachable${text ? `: ${firstLine(text)}` : '.'}`, {
    hint: hostHint,
    details: { stderr: firstLine(text) },
  });
}

/** `docker compose` (v2 plugin) first, then `docker-compose` (v1, or a standalone v2 binary). */
export async function detectCompose(ctx: Context, signal?: AbortSignal, cacheFile?: string): Promise<ComposeCli> {
  const run = signal ? { timeoutMs: 20_000, signal } : { timeoutMs: 20_000 };
  const plugin = await ctx.docker.exec('docker', ['compose', 'version', '--short'], run);
  if (plugin.notFound) {
    throw new EnvError('DOCKER_NOT_INSTALLED', 'Docker is not installed (no "docker" command on PATH).', { hint: INSTALL_DOCKER_HINT });
  }
  if (plugin.exitCode === 0) {
    const version = parseVersion(plugin.stdout);
    if (version) return checkMinimum({ flavor: version.major >= 2 ? 'v2' : 'v1', version, program: 'docker', prefix: ['compose'], label: 'docker compose' });
  }
  // Compose v1 is Python: asking its version costs 0.5 s (seconds on a busy machine) on every
  // start. The answer cannot change while the binary does not, so `start` keeps it.
  const binary = cacheFile ? await binaryIdentity(ctx, 'docker-compose') : null;
  if (binary && cacheFile) {
    const cached = await readCachedVersion(ctx, cacheFile, binary);
    if (cached) return checkMinimum({ flavor: cached.major >= 2 ? 'v2' : 'v1', version: cached, program: 'docker-compose', prefix: [], label: 'docker-compose' });
  }
  const standalone = await ctx.docker.exec('docker-compose', ['version', '--short'], run);
  if (standalone.notFound || standalone.exitCode !== 0) {
    throw new EnvError('COMPOSE_MISSING', 'Docker Compose is not installed (neither "docker compose" nor "docker-compose" works).', {
      hint:
        'Install the Compose plugin ("sudo apt-get install docker-compose-plugin", or it comes with Docker Desktop); docker-compose 1.29 or newer also works.',
      details: standalone.notFound ? undefined : { stderr: firstLine(standalone.stderr) },
    });
  }
  const version = parseVersion(standalone.stdout);
  if (!version) {
    throw new EnvError('COMPOSE_MISSING', `Could not read the version of docker-compose (it printed "${firstLine(standalone.stdout)}").`, {
      hint: 'Check "docker-compose version"; reinstall Compose if it does not print a version.',
    });
  }
  const cli = checkMinimum({ flavor: version.major >= 2 ? 'v2' : 'v1', version, program: 'docker-compose', prefix: [], label: 'docker-compose' });
  if (binary && cacheFile) cli.remember = () => writeCachedVersion(ctx, cacheFile, binary, version).catch(() => undefined);
  return cli;
}

/** Which file `name` runs from PATH, with its size and modification time (null: not found). */
async function binaryIdentity(ctx: Context, name: string): Promise<string | null> {
  for (const dir of (ctx.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    const info = await statOrNull(file).catch(() => null);
    if (info?.isFile()) return `${file}:${info.size}:${Math.round(info.mtimeMs)}`;
  }
  return null;
}

const cacheSchema = z.object({ binary: z.string(), version: z.string() });

async function readCachedVersion(ctx: Context, file: string, binary: string): Promise<ParsedVersion | null> {
  try {
    const cached = cacheSchema.parse(JSON.parse((await ctx.fs.readText(file)) ?? ''));
    return cached.binary === binary ? parseVersion(cached.version) : null;
  } catch {
    return null;
  }
}

async function writeCachedVersion(ctx: Context, file: string, binary: string, version: ParsedVersion): Promise<void> {
  await ctx.fs.mkdirp(dirname(file));
  await ctx.fs.writeAtomic(file, `${JSON.stringify({ binary, version: version.raw })}\n`);
}

function checkMinimum(cli: ComposeCli): ComposeCli {
  const minimum = cli.flavor === 'v2' ? MINIMUM_COMPOSE.v2 : MINIMUM_COMPOSE.v1;
  if (compareVersions(cli.version, minimum) < 0) {
    throw new EnvError('COMPOSE_TOO_OLD', `${cli.label} ${cli.version.raw} is too old: ai-gateway needs ${formatVersion(minimum)} or newer.`, {
      hint: 'Install the Compose v2 plugin ("sudo apt-get install docker-compose-plugin", or update Docker Desktop), or upgrade docker-compose to 1.29.',
      details: { found: cli.version.raw, minimum: formatVersion(minimum) },
    });
  }
  return cli;
}

function firstLine(text: string): string {
  return (text.trim().split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 300);
}
