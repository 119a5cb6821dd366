/**
 * What setup refuses before it asks anything or writes anything: a directory that is no place for
 * secrets (a system directory, one other users can write, files owned by someone else), paths of
 * the wrong type (a directory where a file goes), and an existing gateway whose `.env` is gone
 * (new secrets would lock it out of its own database), or whose old volumes are still there.
 */
import { join, parse, resolve } from 'node:path';
import type { Context } from '../../core/context.js';
import { EnvError, UserError } from '../../core/errors.js';
import { lstat } from 'node:fs/promises';
import type { EnvFile } from '../../gateway/env-file.js';
import { SECRET_SPECS } from '../../gateway/secrets.js';
import { ENV } from '../../gateway/settings.js';
import { FILES } from '../../gateway/layout.js';
import { litellmUid } from '../../gateway/container-access.js';
import type { SetupProbes } from './answers/resolver.js';

/** Directories that hold the system, never a gateway (nor a place to create one directly). */
const SYSTEM_DIRECTORIES = ['/', '/bin', '/boot', '/dev', '/etc', '/home', '/lib', '/lib32', '/lib64', '/opt', '/proc', '/root', '/run', '/sbin', '/srv', '/sys', '/tmp', '/usr', '/usr/bin', '/usr/lib', '/usr/local', '/usr/local/bin', '/usr/sbin', '/var', '/var/lib', '/var/tmp'];

export function assertNotSystemDirectory(dir: string): void {
  const path = resolve(dir);
  const isRoot = parse(path).root === path; // "/" or "C:\"
  if (isRoot || (process.platform !== 'win32' && SYSTEM_DIRECTORIES.includes(path))) {
    throw new UserError('SYSTEM_DIRECTORY', `${path} is a system directory: setup will not put a gateway's files there.`, {
      hint: 'Pass --dir with a directory of its own, e.g. --dir ~/ai-gateway.',
    });
  }
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ENOTDIR') return 'not-a-directory' as const;
    throw error;
  }
}

/**
 * Files setup writes must be files, and `nginx` a directory. Checked before reading, so the user
 * hears what is in the way instead of EISDIR.
 */
export async function assertLayout(dir: string, files: readonly string[], directories: readonly string[]): Promise<void> {
  for (const name of directories) {
    const s = await lstatOrNull(join(dir, name));
    if (s !== null && (s === 'not-a-directory' || !s.isDirectory())) {
      throw new UserError('NOT_A_DIRECTORY', `${join(dir, name)} is a file, but setup keeps a directory there.`, {
        hint: `Move ${join(dir, name)} away (its content is not used), then run ai-gateway setup again.`,
      });
    }
  }
  for (const name of files) {
    const s = await lstatOrNull(join(dir, name));
    if (s !== null && s !== 'not-a-directory' && s.isDirectory()) {
      throw new UserError('NOT_A_FILE', `${join(dir, name)} is a directory, but setup keeps a file there.`, {
        hint: `Move the directory ${join(dir, name)} out of the gateway directory, then run ai-gateway setup again.`,
      });
    }
  }
}

/**
 * A directory other users can write to lets them swap .env between our write and Compose's read;
 * files owned by another user are theirs, and a rename over them would quietly take them away.
 * POSIX only (Windows protects by ACL, see core/platform.ts).
 */
export async function assertPrivateDirectory(ctx: Context, dir: string, entries: readonly string[]): Promise<void> {
  if (ctx.platform.secretFileMode === null || typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  const gid = process.getgid?.();
  const s = await lstatOrNull(dir);
  if (s === null || s === 'not-a-directory') return; // created by us later, at 700
  const writableByOthers = (s.mode & 0o002) !== 0 || ((s.mode & 0o020) !== 0 && s.gid !== gid);
  if (writableByOthers) {
    throw new EnvError('DIRECTORY_NOT_PRIVATE', `${dir} is writable by other users (mode ${(s.mode & 0o777).toString(8)}): they could replace the gateway's secrets.`, {
      hint: `Run chmod go-w ${dir} (or chmod 700 ${dir}), then run ai-gateway setup again.`,
      details: { mode: (s.mode & 0o777).toString(8) },
    });
  }
  const foreign: string[] = [];
  if (s.uid !== uid) foreign.push(`${dir} (uid ${s.uid})`);
  for (const name of entries) {
    const e = await lstatOrNull(join(dir, name));
    // As root, setup itself hands config.yaml to LiteLLM's container uid (src/gateway/container-access.ts).
    const handedToLitellm = uid === 0 && name === FILES.config && e !== null && e !== 'not-a-directory' && e.uid === litellmUid(0);
    if (e !== null && e !== 'not-a-directory' && e.uid !== uid && !handedToLitellm) foreign.push(`${name} (uid ${e.uid})`);
  }
  if (foreign.length > 0) {
    throw new EnvError('FOREIGN_OWNER', `The gateway directory holds files owned by another user: ${foreign.join(', ')}. This process runs as uid ${uid}.`, {
      hint: `Run setup as the user who owns them, or take them over first: chown -R ${uid} ${dir}.`,
      details: { entries: foreign },
    });
  }
}

/** Secrets the gateway's data depends on: PostgreSQL's volume keeps the password, the database holds what the salt key encrypted. */
const DATA_BOUND_SECRETS: readonly string[] = [ENV.saltKey, ENV.postgresPassword];

/**
 * A directory that holds a gateway (its generated files) whose `.env` is gone, emptied, or has lost
 * a secret its data depends on: generating new ones would lock the gateway out of its own database,
 * and a new salt key makes the provider credentials stored there unreadable. Only --mode recreate
 * may do that (a value supplied through its AI_GATEWAY_* variable is a restore, not a new secret).
 */
export function refuseNewSecretsForAnExistingGateway(ctx: Context, env: EnvFile | null, envExists: boolean, traces: readonly string[]): void {
  if (traces.length === 0) return;
  const inEnv = (key: string) => (env?.get(key) ?? '').trim() !== '';
  const wouldGenerate = SECRET_SPECS.filter((spec) => !inEnv(spec.envKey) && (ctx.env[spec.sourceVar] ?? '').trim() === '').map((spec) => spec.envKey);
  const noSecretsAtAll = !SECRET_SPECS.some((spec) => inEnv(spec.envKey));
  const lostDataSecrets = wouldGenerate.filter((key) => DATA_BOUND_SECRETS.includes(key));
  if (wouldGenerate.length === 0 || (!noSecretsAtAll && lostDataSecrets.length === 0)) return;
  const envState = !envExists ? 'has no .env' : noSecretsAtAll ? 'has an .env without its secrets' : `its .env has lost ${lostDataSecrets.join(' and ')}`;
  throw new UserError('ENV_MISSING', `${ctx.dir} holds a gateway (${traces.join(', ')}) but ${envState}: setup would generate new secrets, and the existing database and stored provider keys would stop working.`, {
    hint: `Restore .env (from backups/ or your own copy; or give the old values through ${wouldGenerate.map((key) => SECRET_SPECS.find((s) => s.envKey === key)?.sourceVar).join(', ')}) and run setup again, or start over with new secrets: ai-gateway setup --mode recreate --yes (then remove the old data: docker-compose -p <project> down -v).`,
    details: { files: traces, missing: wouldGenerate },
  });
}

/**
 * No files, but the engine still has this project's volumes (the directory was emptied, or a
 * gateway of the same name lived elsewhere): new secrets would not open the old database.
 */
export async function refuseNewSecretsOverOldVolumes(ctx: Context, probes: SetupProbes, project: string): Promise<void> {
  const volumes = (await probes.projectVolumes?.(ctx, project)) ?? [];
  if (volumes.length === 0) return;
  throw new UserError('ENV_MISSING', `${ctx.dir} has no .env, but Docker still has volumes of the project ${project} (${volumes.join(', ')}): setup would generate new secrets, and that database would not accept them.`, {
    hint: `Restore that gateway's .env into ${ctx.dir}, or pass --project-name with another name, or remove the old data first: docker volume rm ${volumes.join(' ')} (then run setup again).`,
    details: { project, volumes },
  });
}
