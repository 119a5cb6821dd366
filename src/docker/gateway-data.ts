/**
 * The gateway's data as Docker holds it, moved in and out for backup and restore: the PostgreSQL
 * database through pg_dump / pg_restore inside the running postgres container (consistent, no
 * downtime, no password: the image trusts its local socket), and a named volume as a gzipped tar,
 * copied out of the container that mounts it (`docker cp`) or made and unpacked by a throwaway
 * container of an image the stack already has. Binary-safe, never whole in memory: the docker CLI
 * writes a dump straight into its file; a volume's tar is gzipped and hashed on its way to the file.
 */
import { closeSync, constants, fchmodSync, openSync } from 'node:fs';
import type { Context } from '../core/context.js';
import { z } from '../core/schema.js';
import { EnvError } from '../core/errors.js';
import { fileDigest, openPartSink, type PartDigest } from '../gateway/backup-archive.js';
import { daemonError } from './engine.js';
import { volumesLabelled } from './project-volumes.js';
import type { ExecResult } from '../core/docker-client.js';

export interface Database {
  container: string;
  user: string;
  name: string;
}

function lastLines(text: string, n = 8): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

function failed(ctx: Context, code: string, what: string, result: ExecResult, hint: string): EnvError {
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(result.stderr)) return daemonError(ctx, result);
  if (/no space left on device/i.test(result.stderr)) {
    return new EnvError('DISK_FULL', `${what} failed: no space left on device.`, { hint: 'Free disk space (docker system df shows what Docker holds), or pass --output on another disk.' });
  }
  return new EnvError(code, `${what} failed (exit ${result.exitCode}): ${lastLines(result.stderr) || 'no output'}`, { hint });
}

/**
 * `pg_dump -Fc` (compressed custom format, what pg_restore reads) into `file`, which the docker CLI
 * writes itself; hashed afterwards (a re-read costs ~0.03 s for 13 MiB, piping it through Node to
 * hash it on the way ~0.1 s: BENCHMARKS.md, backup).
 */
export async function dumpDatabase(ctx: Context, db: Database, file: string, signal?: AbortSignal): Promise<PartDigest> {
  createPrivateFile(file);
  const result = await ctx.docker.docker(['exec', db.container, 'pg_dump', '--format=custom', '--no-password', '-U', db.user, '-d', db.name], {
    stdoutFile: file,
    ...(signal ? { signal } : {}),
  });
  if (result.exitCode !== 0) {
    throw failed(ctx, 'PG_DUMP_FAILED', `pg_dump of ${db.name} in ${db.container}`, result, 'Check the database with "ai-gateway logs postgres" and "ai-gateway doctor".');
  }
  return fileDigest(file);
}

/**
 * Creates `file` empty at mode 600 (O_EXCL), so the child's output is never readable by others.
 * Synchronous (microseconds): the child it is for then starts in the same turn of the event loop.
 */
function createPrivateFile(file: string): void {
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  try {
    fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/**
 * `pg_restore --clean --if-exists` in one transaction: a failure leaves the database as it was.
 * --no-owner: the target's role may have another name than the source's.
 */
export async function restoreDatabase(ctx: Context, db: Database, file: string): Promise<void> {
  const result = await ctx.docker.docker(
    ['exec', '-i', db.container, 'pg_restore', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '--exit-on-error', '--no-password', '-U', db.user, '-d', db.name],
    { stdinFile: file },
  );
  if (result.exitCode !== 0) {
    throw failed(ctx, 'PG_RESTORE_FAILED', `pg_restore into ${db.name}`, result, 'Nothing was changed in the database (one transaction). See "ai-gateway logs postgres".');
  }
}

/**
 * Waits until PostgreSQL in `container` accepts TCP connections: on a first boot the image's init
 * server listens on the socket only, before the database exists, so the socket alone proves little.
 */
export async function waitForDatabase(ctx: Context, db: Database, timeoutMs = 120_000): Promise<void> {
  const started = ctx.clock.now();
  for (;;) {
    const result = await ctx.docker.docker(['exec', db.container, 'pg_isready', '-h', '127.0.0.1', '-U', db.user, '-d', db.name], { timeoutMs: 10_000 });
    if (result.exitCode === 0) return;
    if (ctx.clock.now() - started > timeoutMs) {
      throw new EnvError('DATABASE_NOT_READY', `PostgreSQL in ${db.container} did not accept connections within ${Math.round(timeoutMs / 1000)} s: ${lastLines(result.stdout + result.stderr, 3)}`, {
        hint: 'See "ai-gateway logs postgres".',
      });
    }
    await ctx.clock.sleep(500);
  }
}

/** The named volume Compose made for `volume` in `project` (v1 and v2 label it), or null. */
export async function findProjectVolume(ctx: Context, project: string, volume: string): Promise<string | null> {
  const listed = await volumesLabelled(ctx, [`com.docker.compose.project=${project}`, `com.docker.compose.volume=${volume}`], 30_000);
  if ('failed' in listed) throw daemonError(ctx, listed.failed);
  return listed.names[0] ?? null;
}

/**
 * A gzipped tar of the volume's contents, made read-only by a throwaway container of `image`: for a
 * volume no container of the stack mounts (copyFromContainer is the fast way).
 */
export async function archiveVolume(ctx: Context, volume: string, image: string, file: string, signal?: AbortSignal): Promise<PartDigest> {
  createPrivateFile(file);
  const result = await ctx.docker.docker(
    ['run', '--rm', '--network', 'none', '--log-driver', 'none', '-v', `${volume}:/data:ro`, '--entrypoint', 'tar', image, '-C', '/data', '-czf', '-', '.'],
    { stdoutFile: file, ...(signal ? { signal } : {}) },
  );
  if (result.exitCode !== 0) throw failed(ctx, 'VOLUME_ARCHIVE_FAILED', `Copying volume ${volume}`, result, `Check that ${image} is present ("docker image ls") and the volume exists ("docker volume ls").`);
  return fileDigest(file);
}

/**
 * The same gzipped tar as archiveVolume (entries ./..., gzip's default level), of `path` inside
 * `container`: `docker cp` streams it from the engine, which reads a paused or stopped container's
 * mounts too. No container is created: a `docker run` costs ~0.2 s of daemon and runc work alone,
 * ~0.45 s beside pg_dump on 2 cores (Docker 20.10), all of it with Open WebUI paused.
 */
export async function copyFromContainer(ctx: Context, container: string, path: string, file: string, signal?: AbortSignal): Promise<PartDigest> {
  const sink = await openPartSink(file, { gzip: true });
  let result: ExecResult;
  try {
    // "/." copies the directory's contents, not the directory: entries are ./..., as tar -C dir . writes them.
    result = await ctx.docker.docker(['cp', `${container}:${path.replace(/\/+$/, '')}/.`, '-'], { stdoutStream: sink.stream, ...(signal ? { signal } : {}) });
  } catch (error) {
    sink.stream.destroy();
    throw error;
  }
  if (result.exitCode !== 0) {
    throw failed(ctx, 'VOLUME_ARCHIVE_FAILED', `Copying ${path} from ${container}`, result, `Check the container with "docker inspect ${container}" and run the backup again.`);
  }
  return sink.done;
}

/** Empties the volume, then unpacks `file` (from archiveVolume) into it. */
export async function restoreVolume(ctx: Context, volume: string, image: string, file: string): Promise<void> {
  const result = await ctx.docker.docker(
    ['run', '--rm', '-i', '--network', 'none', '--log-driver', 'none', '-v', `${volume}:/data`, '--entrypoint', 'sh', image, '-c', 'find /data -mindepth 1 -delete && tar -C /data -xzf -'],
    { stdinFile: file },
  );
  if (result.exitCode !== 0) throw failed(ctx, 'VOLUME_RESTORE_FAILED', `Restoring volume ${volume}`, result, 'Run the restore again; the archive is unchanged.');
}

/** Freezes a container for a crash-consistent copy of its files; `resume` always runs. */
export async function withPaused<T>(ctx: Context, container: string | null, work: () => Promise<T>): Promise<T> {
  if (!container) return work();
  const paused = await ctx.docker.docker(['pause', container], { timeoutMs: 30_000 });
  try {
    return await work();
  } finally {
    if (paused.exitCode === 0) await ctx.docker.docker(['unpause', container], { timeoutMs: 30_000 });
  }
}

export interface ImageIdentity {
  id: string | null;
  digest: string | null;
}

/** The registry digest an image reference resolved to (null for a local-only image), and its id. */
export async function imageIdentity(ctx: Context, ref: string): Promise<ImageIdentity> {
  const result = await ctx.docker.docker(['image', 'inspect', '--format', IDENTITY_FORMAT, ref], { timeoutMs: 30_000 });
  if (result.exitCode !== 0) return { id: null, digest: null };
  return parseIdentity(result.stdout.trim());
}

/**
 * imageIdentity of each reference, in order, from one `docker image inspect` (one Docker CLI start
 * instead of one per image); when one is missing the engine prints only the others, so each is then
 * asked alone.
 */
export async function imageIdentities(ctx: Context, refs: string[]): Promise<ImageIdentity[]> {
  if (refs.length === 0) return [];
  // Over the local engine's socket where the CLI would go (GET /images/{name}/json, the name sent as
  // the CLI sends it, slashes and all; the JSON `docker image inspect` prints), else one CLI run.
  if (ctx.docker.engineGet) {
    const get = ctx.docker.engineGet;
    const answers = await Promise.all(refs.map((ref) => get(`/images/${encodeURI(ref)}/json`, { timeoutMs: 10_000 })));
    const parsed = z.array(imageSchema).safeParse(answers);
    if (parsed.success) return parsed.data.map((image) => ({ id: image.Id, digest: image.RepoDigests?.[0] ?? null }));
  }
  const result = await ctx.docker.docker(['image', 'inspect', '--format', IDENTITY_FORMAT, ...refs], { timeoutMs: 30_000 });
  const lines = result.stdout.trim().split('\n');
  if (result.exitCode === 0 && lines.length === refs.length) return lines.map(parseIdentity);
  return Promise.all(refs.map((ref) => imageIdentity(ctx, ref)));
}

const IDENTITY_FORMAT = '{{json .Id}} {{json .RepoDigests}}';
const imageSchema = z.looseObject({ Id: z.string(), RepoDigests: z.nullish(z.array(z.string())) });

function parseIdentity(line: string): ImageIdentity {
  const [idJson, digestsJson] = line.split(' ');
  try {
    const id = JSON.parse(idJson ?? 'null') as string | null;
    const digests = (JSON.parse(digestsJson ?? '[]') as string[] | null) ?? [];
    return { id, digest: digests[0] ?? null };
  } catch {
    return { id: null, digest: null };
  }
}
