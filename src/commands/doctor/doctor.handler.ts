/**
 * `ai-gateway doctor`: every check with its status, finding and fix; `--fix` repairs what is safe
 * (file modes, .gitignore lines). Exit 0 when no check fails, 6 otherwise (the report is printed
 * either way). Inside GitHub Actions each failure (and warning) is also a workflow annotation.
 */
import { z } from '../../core/schema.js';
import type { Context } from '../../core/context.js';
import { ExitCode, UserError } from '../../core/errors.js';
import type { Style } from '../../core/output.js';
import { ALL_CHECKS } from './checks/index.js';
import { CHECK_GROUPS, runChecks, summarize, type Check, type CheckReport, type CheckStatus } from './registry.js';
import { DoctorState } from './state.js';

const list = z.pipe(
  z.optional(z.union([z.string(), z.array(z.string())])),
  z.transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean))),
);

export const optionsSchema = z.object({
  fix: z._default(z.boolean(), false),
  group: list,
  check: list,
});
export type DoctorOptions = z.output<typeof optionsSchema>;

export interface DoctorResult {
  dir: string;
  checks: CheckReport[];
  summary: Record<CheckStatus, number>;
  /** With --fix: what each repair did. */
  fixed: { id: string; action: string }[];
  /** Human mode inside GitHub Actions only: the workflow commands printed after the report. */
  annotations?: string[];
}

export async function run(ctx: Context, options: DoctorOptions, checks: readonly Check[] = ALL_CHECKS): Promise<DoctorResult> {
  validateSelection(options, checks);
  const state = new DoctorState(ctx);
  const reports = await runChecks(ctx, state, checks, { groups: options.group, ids: options.check, fix: options.fix });
  const fixed = reports.flatMap((r) => (r.repaired === undefined ? [] : [{ id: r.id, action: r.repaired }]));
  const result: DoctorResult = { dir: ctx.dir, checks: reports, summary: summarize(reports), fixed };
  if (isGithubActions(ctx.env)) {
    const annotations = githubAnnotations(reports);
    // --json keeps stdout one document: the annotations go to stderr, which Actions reads too.
    if (ctx.out.json) for (const line of annotations) ctx.out.err(line);
    else result.annotations = annotations;
  }
  return result;
}

export function outcome(result: DoctorResult): { ok: boolean; exitCode: number } {
  const ok = result.summary.fail === 0;
  return { ok, exitCode: ok ? ExitCode.ok : ExitCode.checksFailed };
}

function validateSelection(options: DoctorOptions, checks: readonly Check[]): void {
  const unknownGroups = options.group.filter((g) => !(CHECK_GROUPS as readonly string[]).includes(g));
  if (unknownGroups.length > 0) {
    throw new UserError('UNKNOWN_CHECK_GROUP', `Unknown check group: ${unknownGroups.join(', ')}.`, {
      hint: `Groups are ${CHECK_GROUPS.join(', ')} (e.g. "ai-gateway doctor --group files").`,
    });
  }
  const ids = new Set(checks.map((c) => c.id));
  const unknownIds = options.check.filter((id) => !ids.has(id));
  if (unknownIds.length > 0) {
    throw new UserError('UNKNOWN_CHECK', `Unknown check: ${unknownIds.join(', ')}.`, {
      hint: `"ai-gateway doctor --json" lists every check id; for example ${[...ids].slice(0, 3).join(', ')}.`,
    });
  }
}

export function isGithubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

/** `::error title=…::message` lines; GitHub needs %, CR and LF escaped in both parts (and , : in the title). */
export function githubAnnotations(reports: readonly CheckReport[]): string[] {
  const data = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (s: string) => data(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  return reports
    .filter((r) => r.status === 'fail' || r.status === 'warn')
    .map((r) => {
      const level = r.status === 'fail' ? 'error' : 'warning';
      const message = r.fix ? `${r.finding} — ${r.fix}` : r.finding;
      return `::${level} title=${property(`ai-gateway doctor (${r.id})`)}::${data(message)}`;
    });
}

const GROUP_TITLES: Record<string, string> = { environment: 'Environment', files: 'Files', stack: 'Stack', api: 'API' };

export function render(result: DoctorResult, style: Style): string {
  const mark: Record<CheckStatus, string> = { ok: style.green('✔'), warn: style.yellow('!'), fail: style.red('✖'), skipped: style.dim('-') };
  const lines: string[] = [];
  for (const group of CHECK_GROUPS) {
    const reports = result.checks.filter((c) => c.group === group);
    if (reports.length === 0) continue;
    if (lines.length > 0) lines.push('');
    lines.push(style.bold(GROUP_TITLES[group] ?? group));
    for (const r of reports) {
      const [first = '', ...more] = r.finding.split('\n');
      const finding = r.status === 'skipped' ? style.dim(first) : first;
      lines.push(`  ${mark[r.status]} ${r.title}: ${finding} ${style.dim(`[${r.id}]`)}`);
      for (const line of more) lines.push(`    ${line.trimStart()}`);
      if (r.repaired) lines.push(`      ${style.cyan('fixed:')} ${r.repaired}`);
      if (r.fix && (r.status === 'fail' || r.status === 'warn')) lines.push(`      ${style.dim('→')} ${r.fix}`);
    }
  }
  const s = result.summary;
  const parts = [`${s.ok} ok`, `${s.warn} warning${s.warn === 1 ? '' : 's'}`, `${s.fail} failed`, `${s.skipped} skipped`];
  const verdict = s.fail > 0 ? style.red(`✖ ${parts.join(', ')}.`) : s.warn > 0 ? style.yellow(`! ${parts.join(', ')}.`) : style.green(`✔ ${parts.join(', ')}.`);
  lines.push('', verdict);
  if (s.fail > 0 && result.fixed.length === 0 && result.checks.some((c) => c.status === 'fail' && c.id === 'files.modes')) {
    lines.push(style.dim('"ai-gateway doctor --fix" repairs file modes and .gitignore lines.'));
  }
  if (result.annotations?.length) lines.push(...result.annotations);
  return lines.join('\n');
}
