/**
 * Typed errors. Handlers throw; only the entry point (src/cli.ts) renders and exits.
 * Every error carries a stable `code` (part of the --json contract), a message that
 * names what went wrong, and a hint with the next command to run.
 */

/** Documented process exit codes (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  environment: 3,
  unhealthy: 4,
  remote: 5,
  checksFailed: 6,
  pullFailed: 7,
  /** `upgrade`: the new stack failed; the previous images (and data) run again. */
  upgradeRolledBack: 8,
  /** `upgrade`: the new stack failed and so did the way back; the error names what to run. */
  rollbackFailed: 9,
  cancelled: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface AppErrorOptions {
  hint?: string;
  details?: Record<string, unknown>;
  cause?: unknown;
}

export abstract class AppError extends Error {
  abstract readonly exitCode: ExitCodeValue;
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }
}

/** The user asked for something invalid: bad flag, value, or file content they control. */
export class UserError extends AppError {
  readonly exitCode = ExitCode.usage;
}

/** The machine is not in a state we can work with: Docker down, port busy, permissions. */
export class EnvError extends AppError {
  readonly exitCode = ExitCode.environment;
}

/** A service did not become healthy (or died) while we waited for it. */
export class HealthError extends AppError {
  readonly exitCode = ExitCode.unhealthy;
}

/** The LiteLLM proxy (or another HTTP peer) refused or failed a request. */
export class RemoteError extends AppError {
  readonly exitCode = ExitCode.remote;
}

/** doctor/smoke ran and at least one check failed; the report was already printed. */
export class ChecksFailedError extends AppError {
  readonly exitCode = ExitCode.checksFailed;
}

/** An image could not be pulled (not found, access denied, network, disk full); nothing was created. */
export class PullError extends AppError {
  readonly exitCode = ExitCode.pullFailed;
}

/** `upgrade` failed and rolled back by itself: the gateway runs its previous images again. */
export class RolledBackError extends AppError {
  readonly exitCode = ExitCode.upgradeRolledBack;
}

/** `upgrade` failed and the rollback did not finish either: the gateway needs the commands in the hint. */
export class RollbackFailedError extends AppError {
  readonly exitCode = ExitCode.rollbackFailed;
}

/** Ctrl-C at a prompt or a declined confirmation of a destructive action. */
export class CancelledError extends AppError {
  readonly exitCode = ExitCode.cancelled;
  constructor(message = 'Cancelled.', options: AppErrorOptions = {}) {
    super('CANCELLED', message, options);
  }
}

/** A prompt was needed but there is no TTY (or --yes/--json/CI): name the flag to pass. */
export class NonInteractiveError extends UserError {
  constructor(what: string, hint: string) {
    super('PROMPT_NEEDS_TTY', `${what} needs an answer, but this run is not interactive.`, { hint });
  }
}

/** A bug on our side. */
export class InternalError extends AppError {
  readonly exitCode = ExitCode.internal;
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** Node's errno codes that mean "you may not", mapped to a friendly EnvError by callers. */
export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
}
