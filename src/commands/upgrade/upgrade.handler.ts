/**
 * `ai-gateway upgrade`: current -> target image per service, a confirmation, a backup, the pull,
 * then a health-gated start on the targets (start's own machinery, with the targets handed to
 * Compose through a copy of .env). Failure rolls back by itself: the pre-upgrade backup is restored
 * when a new container that migrates data on boot started, and the previous images start again.
 * `.env` names the targets only after the new stack is healthy.
 */
import { acquireLock } from '../../core/lock.js';
import type { Context } from '../../core/context.js';
import { AppError, CancelledError, RollbackFailedError, RolledBackError, UserError } from '../../core/errors.js';
import { listenForInterrupts } from '../../core/interrupt.js';
import type { Style } from '../../core/output.js';
import { cliVersion } from '../../core/package-root.js';
import { z } from '../../core/schema.js';
import { gatewayCommand } from '../../core/shell.js';
import { byService, projectContainers, type ContainerInfo } from '../../docker/containers.js';
import { checkDaemon } from '../../docker/engine.js';
import { pullPhase, type PullSummary } from '../../docker/pull-phase.js';
import { fingerprintFiles, readStartRecord, writeStartRecord } from '../../docker/start-record.js';
import { EnvFile } from '../../gateway/env-file.js';
import { FILES, loadGateway } from '../../gateway/layout.js';
import { nginxImageTooOld, NGINX_MIN_VERSION } from '../../gateway/nginx-version.js';
import { DEFAULT_IMAGES, ENV, SERVICES, type ServiceImageKey } from '../../gateway/settings.js';
import { run as backup } from '../shared/backup-gateway.js';
import { run as restore } from '../shared/restore-gateway.js';
import { run as startStack, type StartDeps, type StartResult } from '../shared/start-stack.js';

export const optionsSchema = z.object({
  to: z.optional(z.string().check(z.regex(/^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, '--to takes an ai-gateway CLI version such as 0.2.0'))),
  litellmImage: z.optional(z.string()),
  postgresImage: z.optional(z.string()),
  openWebuiImage: z.optional(z.string()),
  nginxImage: z.optional(z.string()),
  dryRun: z._default(z.boolean(), false),
  backup: z._default(z.boolean(), true),
  timeout: z.optional(
    z.coerce
      .number({ message: '--timeout must be a number of seconds' })
      .check(z.int('--timeout must be a whole number of seconds'), z.positive('--timeout must be more than 0'), z.lte(86_400, '--timeout is at most 86400 (a day)')),
  ),
});
export type UpgradeOptions = z.output<typeof optionsSchema>;

const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@+]{0,254}$/;

interface ImageSpec {
  key: ServiceImageKey;
  service: string;
  envKey: string;
  option: 'litellmImage' | 'postgresImage' | 'openWebuiImage' | 'nginxImage';
  flag: string;
}
const SPECS: ImageSpec[] = [
  { key: 'postgres', service: SERVICES.postgres, envKey: ENV.postgresImage, option: 'postgresImage', flag: '--postgres-image' },
  { key: 'litellm', service: SERVICES.litellm, envKey: ENV.litellmImage, option: 'litellmImage', flag: '--litellm-image' },
  { key: 'openWebui', service: SERVICES.openWebui, envKey: ENV.openWebuiImage, option: 'openWebuiImage', flag: '--open-webui-image' },
  { key: 'nginx', service: SERVICES.nginx, envKey: ENV.nginxImage, option: 'nginxImage', flag: '--nginx-image' },
];
/** Services whose new container may change data on boot (LiteLLM's Prisma migrations, Open WebUI's, PostgreSQL's files). */
const MIGRATING = new Set<string>([SERVICES.litellm, SERVICES.openWebui, SERVICES.postgres]);

export interface ImageChange {
  service: string;
  envKey: string;
  current: string;
  target: string;
  /** named: a flag gave it; pinned: this CLI's DEFAULT_IMAGES. */
  source: 'named' | 'pinned';
  changes: boolean;
}

export interface UpgradeResult {
  project: string;
  dir: string;
  cliVersion: string;
  dryRun: boolean;
  /** Every image already is its target: nothing was done. */
  upToDate: boolean;
  images: ImageChange[];
  /** The pre-upgrade archive (null: --dry-run, --no-backup or nothing to do). */
  backup: string | null;
  pull: PullSummary | null;
  start: Pick<StartResult, 'healthy' | 'elapsedMs' | 'changed' | 'services' | 'urls'> | null;
  elapsedMs: number;
  next: string[];
}

/** Seams for tests (the real modules otherwise). */
export interface UpgradeDeps {
  backup: typeof backup;
  restore: typeof restore;
  start: typeof startStack;
  startDeps?: StartDeps;
}
const defaultDeps: UpgradeDeps = { backup, restore, start: startStack };

export async function run(ctx: Context, options: UpgradeOptions, deps: UpgradeDeps = defaultDeps): Promise<UpgradeResult> {
  const started = ctx.clock.now();
  const version = cliVersion();
  if (options.to !== undefined && options.to.replace(/^v/, '') !== version) {
    const to = options.to.replace(/^v/, '');
    throw new UserError('UPGRADE_OTHER_VERSION', `--to ${to}: this is ai-gateway ${version}, and each version's pinned images are built into that version.`, {
      hint: `Run that version's upgrade: npx @ai-gateway/cli@${to} upgrade${ctx.dir === ctx.cwd ? '' : ` --dir '${ctx.dir}'`} (or name the images with --litellm-image and the other image flags).`,
      details: { running: version, requested: to },
    });
  }
  const gateway = await loadGateway(ctx);
  const project = gateway.settings.projectName;
  const images = plan(gateway.env, gateway.settings.nginx, options);
  const changing = images.filter((i) => i.changes);
  const base = { project, dir: ctx.dir, cliVersion: version, dryRun: options.dryRun, images, backup: null, pull: null, start: null };
  const done = (parts: Partial<UpgradeResult> = {}): UpgradeResult => ({
    ...base,
    upToDate: changing.length === 0,
    elapsedMs: ctx.clock.now() - started,
    next: [gatewayCommand(ctx, 'status')],
    ...parts,
  });
  if (changing.length === 0 || options.dryRun) return done({ next: changing.length === 0 ? [gatewayCommand(ctx, 'status')] : [gatewayCommand(ctx, 'upgrade')] });

  await confirm(ctx, project, changing);
  await checkDaemon(ctx);

  // 1. The backup, while the old stack runs (nothing has changed yet).
  let archive: string | null = null;
  if (options.backup) {
    ctx.out.step('Backing up before the upgrade');
    archive = (await deps.backup(ctx, { includeSecrets: false })).path;
  } else {
    ctx.out.warn('--no-backup: if the new images migrate the database and fail, the old stack starts on the migrated data.');
  }

  // 2. The pull: a failure or Ctrl-C here leaves the gateway exactly as it was.
  const interrupts = listenForInterrupts();
  let pull: PullSummary;
  try {
    pull = await pullPhase(ctx, changing.map((c) => ({ service: c.service, image: c.target })), { policy: 'missing', signal: interrupts.signal });
  } finally {
    interrupts.dispose();
  }

  // 3. The new stack, health-gated; .env unchanged until it is healthy.
  const before = byService(await projectContainers(ctx, project));
  const overrides = { env: Object.fromEntries(changing.map((c) => [c.envKey, c.target])) };
  const timeout = options.timeout === undefined ? {} : { timeout: options.timeout };
  let applied: StartResult;
  try {
    ctx.out.step(`Starting ${project} on ${changing.map((c) => c.target).join(', ')}`);
    applied = await deps.start(ctx, { wait: true, pull: 'missing', ...timeout }, deps.startDeps, overrides);
  } catch (failure) {
    throw await rollBack(ctx, deps, { project, failure, before, changing, archive, timeout });
  }

  // 4. Healthy: only now does .env name the new images (and the start record match it).
  await commitImages(ctx, changing);
  ctx.out.success(`${project} runs ${changing.map((c) => c.target).join(', ')}`);
  return done({
    backup: archive,
    pull,
    start: { healthy: applied.healthy, elapsedMs: applied.elapsedMs, changed: applied.changed, services: applied.services, urls: applied.urls },
    next: [gatewayCommand(ctx, 'status'), gatewayCommand(ctx, 'doctor')],
  });
}

/** Current (.env) and target (flag, else this CLI's pin) per service the gateway runs. */
export function plan(env: EnvFile, nginx: boolean, options: UpgradeOptions): ImageChange[] {
  return SPECS.filter((s) => nginx || s.key !== 'nginx').map((spec) => {
    const named = options[spec.option];
    if (named !== undefined) checkImage(spec, named);
    const current = env.get(spec.envKey) ?? '';
    const target = named ?? DEFAULT_IMAGES[spec.key];
    return { service: spec.service, envKey: spec.envKey, current, target, source: named === undefined ? 'pinned' : 'named', changes: current !== target };
  });
}

function checkImage(spec: ImageSpec, value: string): void {
  if (!IMAGE_REF.test(value)) {
    throw new UserError('INVALID_IMAGE', `${spec.flag}: "${value}" is not an image reference such as registry.example.com/team/litellm:v1.2.3.`, { hint: `Pass ${spec.flag} with an image name and tag.` });
  }
  const old = spec.key === 'nginx' ? nginxImageTooOld(value) : null;
  if (old) {
    throw new UserError('INVALID_IMAGE', `${spec.flag}: ${value} is Nginx ${old}; the gateway's nginx.conf needs Nginx ${NGINX_MIN_VERSION} or newer (upstream "resolve").`, {
      hint: `Pass ${spec.flag} ${DEFAULT_IMAGES.nginx} or another 1.27.3+ image.`,
    });
  }
}

async function confirm(ctx: Context, project: string, changing: ImageChange[]): Promise<void> {
  if (ctx.yes) return;
  ctx.out.warn(`This moves ${project} to ${changing.map((c) => `${c.service} ${c.target}`).join(', ')}. LiteLLM and Open WebUI migrate their data when the new images boot.`);
  const answer = await ctx.prompts.input({ id: 'upgrade.confirm', message: `Type the project name (${project}) to upgrade`, flagHint: '--yes to upgrade without asking' });
  if (answer.trim() !== project) {
    throw new CancelledError(`You typed "${answer.trim()}", not "${project}": nothing was changed.`, { hint: 'Run "ai-gateway upgrade" again and type the project name.' });
  }
}

/**
 * The way back: restore the backup when a container that migrates data started on a new image,
 * then start the previous images (.env still names them). Returns the error to throw.
 */
async function rollBack(
  ctx: Context,
  deps: UpgradeDeps,
  state: { project: string; failure: unknown; before: Map<string, ContainerInfo>; changing: ImageChange[]; archive: string | null; timeout: { timeout?: number } },
): Promise<AppError> {
  const { project, failure, changing, archive } = state;
  const cause = failure instanceof AppError ? `${failure.code}: ${failure.message}` : failure instanceof Error ? failure.message : String(failure);
  const code = failure instanceof AppError ? failure.code : 'UNEXPECTED';
  ctx.out.warn(`The upgrade failed (${code}); rolling back to ${changing.map((c) => c.current).join(', ')}.`);
  const steps: string[] = [];
  const restoreHint = archive ? `ai-gateway restore ${archive} --yes --dir '${ctx.dir}' && ai-gateway start --dir '${ctx.dir}'` : `ai-gateway start --dir '${ctx.dir}'`;
  try {
    const touched = await startedOnNewImages(ctx, project, state.before, changing);
    if (touched.length > 0 && archive) {
      ctx.out.step(`New ${touched.join(', ')} container${touched.length === 1 ? '' : 's'} started (data may be migrated): restoring ${archive}`);
      await deps.restore({ ...ctx, yes: true }, { args: [archive], force: false });
      steps.push(`restored the pre-upgrade backup (${archive})`);
    } else if (touched.length > 0) {
      ctx.out.warn(`New ${touched.join(', ')} container${touched.length === 1 ? '' : 's'} started and there is no backup (--no-backup): the previous images start on the data as it is.`);
    }
    ctx.out.step(`Starting ${project} on its previous images`);
    await deps.start(ctx, { wait: true, pull: 'missing', ...state.timeout }, deps.startDeps);
    steps.push('started the previous images (healthy)');
  } catch (rollbackFailure) {
    const why = rollbackFailure instanceof AppError ? `${rollbackFailure.code}: ${rollbackFailure.message}` : String(rollbackFailure);
    return new RollbackFailedError('ROLLBACK_FAILED', `The upgrade of ${project} failed, and so did the rollback.\nUpgrade: ${cause}\nRollback: ${why}`, {
      hint: `.env still names the previous images. Bring them back with: ${restoreHint}`,
      details: { upgradeCode: code, done: steps, backup: archive },
      cause: rollbackFailure,
    });
  }
  return new RolledBackError('UPGRADE_ROLLED_BACK', `The new images did not become healthy, so ${project} was rolled back (${steps.join('; ')}).\nWhat failed: ${cause}`, {
    hint: `The gateway runs its previous images. Read the logs above ("ai-gateway logs litellm --dir '${ctx.dir}'" shows the current ones), then try another image with --litellm-image and the other image flags.`,
    details: { upgradeCode: code, done: steps, backup: archive, targets: Object.fromEntries(changing.map((c) => [c.service, c.target])) },
    cause: failure,
  });
}

/** Services that migrate data on boot and got a new container that ran on a target image. */
async function startedOnNewImages(ctx: Context, project: string, before: Map<string, ContainerInfo>, changing: ImageChange[]): Promise<string[]> {
  const now = byService(await projectContainers(ctx, project));
  return changing
    .filter((c) => MIGRATING.has(c.service))
    .filter((c) => {
      const container = now.get(c.service);
      return container !== undefined && container.id !== before.get(c.service)?.id && container.image === c.target && container.startedAt !== null;
    })
    .map((c) => c.service);
}

/** .env names the targets (atomic, under the lock), and the start record matches the new .env. */
async function commitImages(ctx: Context, changing: ImageChange[]): Promise<void> {
  const lock = await acquireLock(ctx.dir, { clock: ctx.clock, purpose: 'upgrade' });
  try {
    const gateway = await loadGateway(ctx); // as it is now: start may have written VIRTUAL_KEY
    for (const change of changing) gateway.env.set(change.envKey, change.target);
    await ctx.fs.writeAtomic(gateway.path(FILES.env), gateway.env.toString());
    const record = await readStartRecord(ctx, ctx.dir);
    if (record) await writeStartRecord(ctx, ctx.dir, { ...record, files: await fingerprintFiles(ctx, ctx.dir) });
  } finally {
    await lock.release();
  }
}

export function render(result: UpgradeResult, style: Style): string {
  const width = Math.max(...result.images.map((i) => i.current.length), 7);
  const rows = result.images.map(
    (i) => `  ${i.service.padEnd(11)} ${i.current.padEnd(width)}  ${i.changes ? `${style.bold('→')} ${i.target}${i.source === 'named' ? style.dim(' (named)') : ''}` : style.dim('unchanged')}`,
  );
  const table = [`  ${'service'.padEnd(11)} ${'current'.padEnd(width)}  target (ai-gateway ${result.cliVersion})`, ...rows].join('\n');
  if (result.upToDate) return `${style.green('✔')} ${style.bold(result.project)} already runs the target images; nothing to do.\n\n${table}`;
  if (result.dryRun) return `${style.bold(result.project)}: what "upgrade" would change (--dry-run: nothing was changed).\n\n${table}\n\n${style.dim(`Next: "${result.next[0]}" to apply (asks to confirm; --yes does not).`)}`;
  const lines = [`${style.green('✔')} ${style.bold(result.project)} upgraded and healthy (${(result.elapsedMs / 1000).toFixed(1)} s).`, '', table];
  if (result.backup) lines.push('', style.dim(`Pre-upgrade backup: ${result.backup}`));
  lines.push('', style.dim(`Next: "${result.next.join('", "')}".`));
  return lines.join('\n');
}
