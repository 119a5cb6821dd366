/**
 * The doctor's check model and runner. A check reads what it needs from the shared `DoctorState`
 * (computed lazily, once), declares the checks it depends on, and reports one status with a
 * one-line finding and, when not ok, the fix. Checks run as soon as their dependencies are done,
 * so independent ones (the HTTP probes) run concurrently; the report keeps the registry's order.
 */
import type { Context } from '../../core/context.js';
import { isAppError } from '../../core/errors.js';
import type { DoctorState } from './state.js';
import { SkipCheck } from './skip.js';

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';
export const CHECK_GROUPS = ['environment', 'files', 'stack', 'api'] as const;
export type CheckGroup = (typeof CHECK_GROUPS)[number];

export interface CheckOutcome {
  status: CheckStatus;
  finding: string;
  fix?: string;
  details?: Record<string, unknown>;
}

export interface Check {
  id: string;
  group: CheckGroup;
  title: string;
  /** Checks that must have passed (ok or warn) for this one to mean anything; otherwise it is skipped. */
  dependsOn?: readonly string[];
  run(ctx: Context, state: DoctorState): Promise<CheckOutcome>;
  /** What `--fix` may repair safely; returns what it did (one line). */
  repair?(ctx: Context, state: DoctorState): Promise<string>;
}

export interface CheckReport {
  id: string;
  group: CheckGroup;
  title: string;
  status: CheckStatus;
  finding: string;
  fix: string | null;
  details: Record<string, unknown> | null;
  /** With --fix: what was repaired (the status is the one after the repair). */
  repaired?: string;
}

export interface RunChecksOptions {
  /** Report only these groups / ids (their dependencies still run, unreported). */
  groups?: readonly string[];
  ids?: readonly string[];
  fix?: boolean;
}

export { SkipCheck, skip } from './skip.js';

export function ok(finding: string, details?: Record<string, unknown>): CheckOutcome {
  return details ? { status: 'ok', finding, details } : { status: 'ok', finding };
}
export function warn(finding: string, fix: string, details?: Record<string, unknown>): CheckOutcome {
  return details ? { status: 'warn', finding, fix, details } : { status: 'warn', finding, fix };
}
export function fail(finding: string, fix: string, details?: Record<string, unknown>): CheckOutcome {
  return details ? { status: 'fail', finding, fix, details } : { status: 'fail', finding, fix };
}

/** An error from a state getter becomes the check's failure, with the error's own hint as the fix. */
export function failFromError(error: unknown, fallbackFix: string): CheckOutcome {
  if (isAppError(error)) return fail(firstLine(error.message), error.hint ?? fallbackFix, { code: error.code });
  return fail(firstLine(error instanceof Error ? error.message : String(error)), fallbackFix);
}

export function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim();
}

/** The checks to run for a selection: the selected ones plus everything they depend on. */
export function selectChecks(checks: readonly Check[], options: RunChecksOptions): { run: Check[]; reported: Set<string> } {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const selected = checks.filter(
    (c) => (!options.groups?.length || options.groups.includes(c.group)) && (!options.ids?.length || options.ids.includes(c.id)),
  );
  const needed = new Set<string>();
  const visit = (check: Check) => {
    if (needed.has(check.id)) return;
    needed.add(check.id);
    for (const dep of check.dependsOn ?? []) {
      const found = byId.get(dep);
      if (found) visit(found);
    }
  };
  selected.forEach(visit);
  return { run: checks.filter((c) => needed.has(c.id)), reported: new Set(selected.map((c) => c.id)) };
}

export async function runChecks(ctx: Context, state: DoctorState, checks: readonly Check[], options: RunChecksOptions = {}): Promise<CheckReport[]> {
  const { run, reported } = selectChecks(checks, options);
  const running = new Map<string, Promise<CheckReport>>();
  const start = (check: Check): Promise<CheckReport> => {
    const existing = running.get(check.id);
    if (existing) return existing;
    const promise = (async () => {
      const deps = (check.dependsOn ?? []).map((id) => {
        const dep = run.find((c) => c.id === id);
        return dep ? start(dep) : undefined;
      });
      for (const dep of await Promise.all(deps)) {
        if (dep && (dep.status === 'fail' || dep.status === 'skipped')) {
          return report(check, { status: 'skipped', finding: `Skipped: ${dep.id} ${dep.status === 'fail' ? 'failed' : 'was skipped'}.` });
        }
      }
      const started = Date.now();
      let outcome = await evaluate(ctx, state, check);
      ctx.out.debug(`doctor: ${check.id} ${outcome.status} in ${Date.now() - started} ms`);
      let repaired: string | undefined;
      if (options.fix && check.repair && (outcome.status === 'fail' || outcome.status === 'warn')) {
        try {
          repaired = await check.repair(ctx, state);
          state.invalidate();
          outcome = await evaluate(ctx, state, check);
        } catch (error) {
          repaired = `repair failed: ${firstLine(error instanceof Error ? error.message : String(error))}`;
        }
      }
      return report(check, outcome, repaired);
    })();
    running.set(check.id, promise);
    return promise;
  };
  const reports = await Promise.all(run.map(start));
  return reports.filter((r) => reported.has(r.id));
}

async function evaluate(ctx: Context, state: DoctorState, check: Check): Promise<CheckOutcome> {
  try {
    return await check.run(ctx, state);
  } catch (error) {
    if (error instanceof SkipCheck) return { status: 'skipped', finding: `Skipped: ${error.message}` };
    return failFromError(error, 'Re-run with --verbose to see more, and report it if it looks like a bug in ai-gateway.');
  }
}

function report(check: Check, outcome: CheckOutcome, repaired?: string): CheckReport {
  return {
    id: check.id,
    group: check.group,
    title: check.title,
    status: outcome.status,
    finding: outcome.finding,
    fix: outcome.fix ?? null,
    details: outcome.details ?? null,
    ...(repaired === undefined ? {} : { repaired }),
  };
}

export function summarize(reports: readonly CheckReport[]): Record<CheckStatus, number> {
  const summary: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skipped: 0 };
  for (const r of reports) summary[r.status]++;
  return summary;
}
