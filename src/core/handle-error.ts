/**
 * The single error renderer. Human mode: a red line naming the problem and an arrow with the
 * next command, on stderr. --json mode: one `{ ok: false, error: {...} }` document on stdout.
 */
import { AppError, ExitCode, InternalError, UserError, isPermissionError, EnvError, type ExitCodeValue } from './errors.js';
import type { Output } from './output.js';

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isZodError(error)) {
    const lines = error.issues.map((i) => `- ${issueLine(i)}`);
    return new UserError('INVALID_OPTIONS', `Invalid options:\n${lines.join('\n')}`, {
      hint: 'Run the command with --help to see the accepted values.',
    });
  }
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    const e = error as NodeJS.ErrnoException;
    return new EnvError('DISK_FULL', `No space left on the device${e.path ? ` writing ${e.path}` : ''} (${errno}).`, { hint: 'Free some disk space, then run the command again.', cause: error });
  }
  if (errno === 'EISDIR' || errno === 'ENOTDIR') {
    const e = error as NodeJS.ErrnoException;
    return new UserError('WRONG_FILE_TYPE', `${e.path ?? 'A path'} is ${errno === 'EISDIR' ? 'a directory where a file was expected' : 'under a file where a directory was expected'} (${errno}).`, {
      hint: 'Move what is in the way out of the gateway directory, then run the command again.',
      cause: error,
    });
  }
  if (errno === 'EEXIST') {
    const e = error as NodeJS.ErrnoException;
    return new EnvError('PATH_TAKEN', `${e.path ?? 'A path'} already exists where a new file had to be created.`, {
      hint: 'Remove stale *.ai-gateway-tmp entries from the gateway directory, then run the command again.',
      cause: error,
    });
  }
  if (isPermissionError(error)) {
    const e = error as NodeJS.ErrnoException;
    return new EnvError('PERMISSION_DENIED', `Permission denied${e.path ? ` on ${e.path}` : ''} (${e.code}).`, {
      hint: 'Run as the user who owns the gateway directory, or fix its ownership and modes (ai-gateway doctor --fix).',
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError('INTERNAL', `Unexpected error: ${message}`, {
    hint: 'This is a bug in ai-gateway. Re-run with --verbose and report the output (secrets are masked).',
    cause: error,
  });
}

export function renderError(error: unknown, out: Output, command: string): ExitCodeValue {
  const appError = toAppError(error);
  if (out.json) {
    out.errorDocument({
      command,
      error: { code: appError.code, message: appError.message, hint: appError.hint ?? null, details: appError.details ?? null },
    });
  } else {
    const s = out.style;
    out.err(`${s.red('✖')} ${appError.message}`);
    if (appError.hint) out.err(`  ${s.dim('→')} ${appError.hint}`);
    if (out.verbose) {
      const cause = appError instanceof InternalError ? appError.cause : appError.cause ?? undefined;
      const stack = cause instanceof Error ? cause.stack : appError.stack;
      if (stack) out.err(s.dim(stack));
    }
  }
  return appError.exitCode ?? ExitCode.internal;
}

/**
 * One schema issue, named the way the user typed it: an option's field (maxBudget) becomes its
 * flag (--max-budget), as commander derives fields from flags; positional arguments by position.
 */
export function issueLine(issue: { path: PropertyKey[]; message: string }): string {
  const [head, ...rest] = issue.path;
  if (head === undefined) return issue.message;
  if (head === 'args') return `argument ${typeof rest[0] === 'number' ? rest[0] + 1 : ''}: ${issue.message}`.replace(' :', ':');
  if (typeof head !== 'string') return `${issue.path.join('.')}: ${issue.message}`;
  const flag = `--${head.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  return issue.message.startsWith(flag) ? issue.message : `${flag}: ${issue.message}`;
}

interface ZodLikeError {
  name: string;
  issues: { path: PropertyKey[]; message: string }[];
}

/** Told by name, so this module (loaded by every run) does not import zod. zod/mini throws "$ZodError". */
function isZodError(error: unknown): error is ZodLikeError {
  return error instanceof Error && (error.name === '$ZodError' || error.name === 'ZodError') && Array.isArray((error as Partial<ZodLikeError>).issues);
}
