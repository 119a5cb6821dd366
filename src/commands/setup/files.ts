/**
 * The write phase of setup: which files change (create / update / unchanged), their masked diffs
 * for --dry-run, the timestamped backup before a recreate, and the atomic writes themselves.
 */
import { constants } from 'node:fs';
import { access, chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Context } from '../../core/context.js';
import { EnvError, isPermissionError, UserError } from '../../core/errors.js';
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

/** Literal values (a key written out in config.yaml) masked wherever they appear. */
export function maskLiterals(text: string, literals: readonly string[]): string {
  let masked = text;
  for (const literal of [...literals].sort((a, b) => b.length - a.length)) masked = masked.split(literal).join(maskSecret(literal));
  return masked;
}

export function maskedDiff(plan: FilePlan, secretKeys: ReadonlySet<string>, literals: readonly string[] = []): string {
  if (plan.action === 'unchanged') return '';
  // A private key never appears, not even masked line by line.
  if (plan.file === 'tls/key.pem') return `--- ${plan.file}\n+++ ${plan.file}\n(private key, not shown: ${plan.action === 'create' ? 'would be written' : 'would be replaced'}, mode 600)`;
  const mask = (text: string | null) => (text === null ? null : plan.file === '.env' ? maskEnvText(text, secretKeys) : maskLiterals(text, literals));
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
        throw notWritable(target, error);
      }
    }
  }
}

/** Create the gateway directory (and nginx/ later) with a clear error when that is impossible. */
export async function createDirectory(ctx: Context, path: string): Promise<void> {
  try {
    await ctx.fs.mkdirp(path);
  } catch (error) {
    if (isWriteEnvironmentError(error) || (error as NodeJS.ErrnoException).code === 'ENOENT') throw notWritable(path, error);
    throw error;
  }
}

function notWritable(path: string, error: unknown): EnvError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const done = ' Nothing was changed.';
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
    if (isWriteEnvironmentError(error)) throw notWritable(root, error);
    throw error;
  }
  return relative;
}

async function privateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

/** Files whose mode is the user's (no secret in them): an update keeps it. */
const OWN_MODE_FILES = new Set(['.gitignore']);

/**
 * Write the planned files as one change (every file old, or every file new: core/files.ts
 * writeFilesAtomic), each at 600 except those that keep the user's mode, then fix the mode of
 * unchanged secret-bearing files.
 */
export async function writePlannedFiles(ctx: Context, plans: FilePlan[], encodings: Readonly<Record<string, 'utf8' | 'latin1'>> = {}): Promise<void> {
  const changing = plans.filter((plan) => plan.action !== 'unchanged');
  for (const plan of changing) {
    const parent = dirname(join(ctx.dir, plan.file));
    if (parent !== ctx.dir) await createDirectory(ctx, parent);
  }
  try {
    await ctx.fs.writeAllAtomic(
      changing.map((plan) => ({
        path: join(ctx.dir, plan.file),
        // A file read as Latin-1 (bytes that are not UTF-8) is written back byte for byte.
        content: encodings[plan.file] === 'latin1' ? Buffer.from(plan.after, 'latin1') : plan.after,
        mode: OWN_MODE_FILES.has(plan.file) && plan.beforeMode !== null ? plan.beforeMode : undefined,
      })),
    );
    for (const plan of plans) {
      if (plan.action === 'unchanged' && !OWN_MODE_FILES.has(plan.file) && plan.beforeMode !== null && ctx.platform.isExposed(plan.beforeMode)) {
        await ctx.platform.protectFile(join(ctx.dir, plan.file));
      }
    }
  } catch (error) {
    throw writeFailure(ctx, error);
  }
}

/** A write that failed: a documented code (environment or usage), never "unexpected error". */
function writeFailure(ctx: Context, error: unknown): unknown {
  const e = error as NodeJS.ErrnoException;
  if (isWriteEnvironmentError(error)) return notWritable(e.path ?? ctx.dir, error);
  if (e.code === 'EISDIR' || e.code === 'ENOTDIR') {
    return new UserError('NOT_A_FILE', `${e.path ?? ctx.dir} is in the way: a directory where setup writes a file (or a file where it needs a directory). Nothing was changed.`, {
      hint: 'Move it out of the gateway directory, then run ai-gateway setup again.',
      cause: error,
    });
  }
  if (e.code === 'EEXIST') return new EnvError('TEMP_NAME_TAKEN', `Could not create a temporary file in ${ctx.dir}: every name tried was taken. Nothing was changed.`, { hint: 'Remove the *.ai-gateway-tmp entries there, then run ai-gateway setup again.', cause: error });
  return error;
}

/**
 * UTF-8 when the bytes are UTF-8; otherwise Latin-1, which maps every byte to one character and
 * back, so the user's own lines (a comment in another encoding) are written back byte for byte.
 */
export function decodeFile(bytes: Uint8Array | null): { text: string; encoding: 'utf8' | 'latin1' } | null {
  if (bytes === null) return null;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: Buffer.from(bytes).toString('latin1'), encoding: 'latin1' };
  }
}

/** Values of secret-looking keys in the user's config.yaml that are written out (not os.environ/...). */
export function literalSecrets(doc: unknown): string[] {
  const found: string[] = [];
  const walk = (node: unknown, key: string | null) => {
    if (Array.isArray(node)) for (const item of node) walk(item, key);
    else if (node !== null && typeof node === 'object') for (const [k, v] of Object.entries(node)) walk(v, k);
    else if (typeof node === 'string' && key !== null && /(key|secret|password|token|credential)/i.test(key) && !node.startsWith('os.environ/') && node.trim().length >= 4) found.push(node);
  };
  walk(doc, null);
  return found;
}
