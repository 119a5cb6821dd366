/**
 * The write phase of setup: which files change (create / update / unchanged), their masked diffs
 * for --dry-run, the timestamped backup before a recreate, and the atomic writes themselves.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Context } from '../../core/context.js';
import { EnvError, isPermissionError } from '../../core/errors.js';
import { maskSecret } from '../../core/output.js';
import { unifiedDiff } from './diff.js';

export type FileAction = 'create' | 'update' | 'unchanged';

export interface FilePlan {
  /** Path relative to the gateway directory, with "/" separators. */
  file: string;
  before: string | null;
  after: string;
  beforeMode: number | null;
  action: FileAction;
}

export function planFile(file: string, before: string | null, after: string, beforeMode: number | null): FilePlan {
  return { file, before, after, beforeMode, action: before === null ? 'create' : before === after ? 'unchanged' : 'update' };
}

/** `KEY=value` lines of secret keys become `KEY=sk-…abcd` (the output redactor masks them too; this is belt and braces). */
export function maskEnvText(text: string, secretKeys: ReadonlySet<string>): string {
  return text
    .split('\n')
    .map((line) => {
      const match = /^(\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*)(.*)$/.exec(line);
      if (!match || !secretKeys.has(match[2] as string) || (match[3] ?? '') === '') return line;
      return `${match[1]}${maskSecret((match[3] as string).replace(/^['"]|['"]$/g, ''))}`;
    })
    .join('\n');
}

export function maskedDiff(plan: FilePlan, secretKeys: ReadonlySet<string>): string {
  if (plan.action === 'unchanged') return '';
  // A private key never appears, not even masked line by line.
  if (plan.file === 'tls/key.pem') return `--- ${plan.file}\n+++ ${plan.file}\n(private key, not shown: ${plan.action === 'create' ? 'would be written' : 'would be replaced'}, mode 600)`;
  const mask = (text: string | null) => (text === null ? null : plan.file === '.env' ? maskEnvText(text, secretKeys) : text);
  return unifiedDiff(mask(plan.before), mask(plan.after) as string, plan.file);
}

/**
 * Fail before any question is asked when the directory cannot be written. A directory that does
 * not exist yet is checked through its nearest existing ancestor (where it will be created).
 */
export async function assertWritable(dir: string, subdirs: string[]): Promise<void> {
  for (const path of [dir, ...subdirs.map((s) => join(dir, s))]) {
    let target = path;
    for (;;) {
      try {
        await access(target, constants.W_OK);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        const parent = dirname(target);
        if (code === 'ENOENT' && parent !== target) {
          target = parent;
          continue;
        }
        throw notWritable(target, error, []);
      }
    }
  }
}

/** Create the gateway directory (and nginx/ later) with a clear error when that is impossible. */
export async function createDirectory(ctx: Context, path: string): Promise<void> {
  try {
    await ctx.fs.mkdirp(path);
  } catch (error) {
    if (isWriteEnvironmentError(error) || (error as NodeJS.ErrnoException).code === 'ENOENT') throw notWritable(path, error, []);
    throw error;
  }
}

function notWritable(path: string, error: unknown, written: string[]): EnvError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const done = written.length > 0 ? ` Already written (each complete): ${written.join(', ')}; every other file is unchanged.` : ' Nothing was changed.';
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new EnvError('DISK_FULL', `No space left to write ${path} (${code}).${done}`, { hint: 'Free some disk space, then run ai-gateway setup again.', cause: error });
  }
  return new EnvError('DIR_NOT_WRITABLE', `Cannot write ${path} (${code}): the gateway directory is not writable.${done}`, {
    hint: 'Run setup as the user who owns the directory, fix its permissions (or remount it read-write), or pass --dir with a writable directory.',
    cause: error,
  });
}

function isWriteEnvironmentError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return isPermissionError(error) || code === 'ENOSPC' || code === 'EDQUOT';
}

/** UTC, sortable, filename-safe: 20260131T235959Z. */
export function backupStamp(now: number): string {
  return new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/** Copy every existing gateway file into backups/<UTC timestamp>/ (dir 700, files 600). Returns the relative path. */
export async function backupFiles(ctx: Context, files: { file: string; content: string }[]): Promise<string> {
  const stamp = backupStamp(ctx.clock.now());
  let relative = `backups/${stamp}`;
  for (let n = 2; await ctx.fs.exists(join(ctx.dir, relative)); n++) relative = `backups/${stamp}-${n}`;
  const root = join(ctx.dir, relative);
  try {
    await privateDir(join(ctx.dir, 'backups'));
    await privateDir(root);
    for (const { file, content } of files) {
      const target = join(root, file);
      await privateDir(dirname(target));
      await ctx.fs.writeAtomic(target, content, { mode: 0o600 });
    }
  } catch (error) {
    if (isWriteEnvironmentError(error)) throw notWritable(root, error, []);
    throw error;
  }
  return relative;
}

async function privateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

/**
 * Write the planned files, each atomically at 600, and fix the mode of unchanged ones. The writes
 * run concurrently: each file is still old-or-new on its own, and the filesystem journal commits
 * their fsyncs together instead of one after another (several times faster on a real disk).
 */
export async function writePlannedFiles(ctx: Context, plans: FilePlan[]): Promise<void> {
  for (const plan of plans) {
    if (plan.action === 'unchanged') continue;
    const parent = dirname(join(ctx.dir, plan.file));
    if (parent !== ctx.dir) await createDirectory(ctx, parent);
  }
  const outcomes = await Promise.allSettled(
    plans.map(async (plan) => {
      const path = join(ctx.dir, plan.file);
      if (plan.action !== 'unchanged') await ctx.fs.writeAtomic(path, plan.after);
      else if (plan.beforeMode !== null && ctx.platform.isExposed(plan.beforeMode)) await ctx.platform.protectFile(path);
    }),
  );
  const failedAt = outcomes.findIndex((o) => o.status === 'rejected');
  if (failedAt === -1) return;
  const error = (outcomes[failedAt] as PromiseRejectedResult).reason as unknown;
  const written = plans.filter((plan, i) => plan.action !== 'unchanged' && outcomes[i]?.status === 'fulfilled').map((plan) => plan.file);
  if (isWriteEnvironmentError(error)) throw notWritable(join(ctx.dir, (plans[failedAt] as FilePlan).file), error, written);
  throw error;
}
