/**
 * The single error renderer. Human mode: a red line naming the problem and an arrow with the
 * next command, on stderr. --json mode: one `{ ok: false, error: {...} }` document on stdout.
 */
import { AppError, ExitCode, InternalError, UserError, isPermissionError, EnvError, type ExitCodeValue } from './errors.js';
import type { Output } from './output.js';

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isZodError(error)) {
    const lines = error.issues.map((i) => `- ${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`);
    return new UserError('INVALID_OPTIONS', `Invalid options:\n${lines.join('\n')}`, {
      hint: 'Run the command with --help to see the accepted values.',
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

interface ZodLikeError {
  name: string;
  issues: { path: PropertyKey[]; message: string }[];
}

/** Told by name, so this module (loaded by every run) does not import zod. zod/mini throws "$ZodError". */
function isZodError(error: unknown): error is ZodLikeError {
  return error instanceof Error && (error.name === '$ZodError' || error.name === 'ZodError') && Array.isArray((error as Partial<ZodLikeError>).issues);
}
