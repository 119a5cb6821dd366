/**
 * `ai-gateway restore FILE`: checks the whole archive first (manifest, every part's size and
 * sha256, the salt key, the passphrase), asks for the project name, then stops the services that
 * use the data, restores PostgreSQL in one transaction and Open WebUI's volume, and finally writes
 * the archived secrets into .env. Nothing is changed before every check has passed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Context } from '../../core/context.js';
import { CancelledError, EnvError, UserError } from '../../core/errors.js';
import { listenForInterrupts } from '../../core/interrupt.js';
import { acquireLock } from '../../core/lock.js';
import type { Style } from '../../core/output.js';
import { z } from '../../core/schema.js';
import { settleInOrder } from '../../core/settle.js';
import { open as openSealed } from '../../core/secret-box.js';
import { composeProject } from '../../docker/stack.js';
import { byService, projectContainers, type ContainerInfo } from '../../docker/containers.js';
import { daemonError, ensureDocker, explainingDaemonFailure } from '../../docker/engine.js';
import { findProjectVolume, restoreDatabase, restoreVolume, waitForDatabase } from '../../docker/gateway-data.js';
import { removeStartRecord } from '../../docker/start-record.js';
import { FILES_PREFIX, PARTS, saltKeyFingerprint, unpackArchive, verifyArchive, type BackupManifest } from '../../gateway/backup-archive.js';
import { readPassphrase } from '../../gateway/backup-passphrase.js';
import { EnvFile } from '../../gateway/env-file.js';
import { ENV, FILES, loadGateway } from '../../gateway/layout.js';
import { PROVIDER_ENV_KEYS } from '../../gateway/providers.js';
import { SERVICES } from '../../gateway/settings.js';

export const optionsSchema = z.object({
  args: z.tuple([z.string().check(z.minLength(1, 'name the archive to restore'))]),
  force: z._default(z.boolean(), false),
});
export type RestoreOptions = z.output<typeof optionsSchema>;

/**
 * Secrets taken from the archive's .env. POSTGRES_PASSWORD is not among them: a dump carries no
 * role password, and the target's database volume was initialised with its own.
 */
const RESTORED_KEYS = [ENV.masterKey, ENV.saltKey, ENV.uiUsername, ENV.uiPassword, ENV.webuiSecret, ENV.virtualKey, ...PROVIDER_ENV_KEYS];

export interface RestoreResult {
  file: string;
  dir: string;
  project: string;
  from: { project: string; createdAt: string; cliVersion: string };
  restored: string[];
  /** .env keys replaced by the archive's (names only). */
  envKeys: string[];
  /** What the user should know or do next (the HTTPS certificate). */
  notes: string[];
}

export async function run(ctx: Context, options: RestoreOptions): Promise<RestoreResult> {
  const file = resolve(options.args[0]);
  const gateway = await loadGateway(ctx);
  const project = gateway.settings.projectName;
  if (!(await ctx.fs.exists(file))) {
    throw new UserError('BACKUP_NOT_FOUND', `${file} does not exist.`, { hint: `List your archives: ls ${join(ctx.dir, 'backups')}` });
  }

  const work = await mkdtemp(join(ctx.dir, '.restore-'));
  const lock = await acquireLock(ctx.dir, { clock: ctx.clock, purpose: 'restore' });
  // Ctrl-C (or a closed output pipe) cancels cleanly up to the moment the data is replaced; from
  // then on it is deferred: pg_restore and the volume's unpacking end within seconds, and stopping
  // them halfway would leave Open WebUI's volume emptied and half filled.
  const interrupts = listenForInterrupts();
  // The engine's state: two independent, read-only look-ups side by side. With --yes no question
  // waits between the checks and their use, so they are read while the archive is checked; they
  // change nothing, and an archive that fails its checks is reported as such whatever they found.
  const lookUp = () => explainingDaemonFailure(ctx, settleInOrder([projectContainers(ctx, project), findProjectVolume(ctx, project, 'open_webui_data')] as const));
  const early = ctx.yes ? lookUp() : null;
  early?.catch(() => {});
  try {
    const spinner = await ctx.out.spinner(`Checking ${file}`);
    let manifest: BackupManifest;
    try {
      manifest = await verifyArchive(work, file, (path) => ctx.fs.readText(path), await unpackArchive(file, work));
    } catch (error) {
      spinner.fail(`${file} did not pass its checks`);
      throw error;
    }
    spinner.succeed(`${file}: ${manifest.parts.length} parts, every checksum matches (made ${manifest.createdAt} from ${manifest.project} by ai-gateway ${manifest.cliVersion})`);
    const has = (name: string) => manifest.parts.some((p) => p.name === name);
    if (!has(PARTS.database)) throw new UserError('BACKUP_CORRUPT', `${file} holds no database dump.`, { hint: 'Use an archive made by "ai-gateway backup".' });

    // Secrets first: a wrong passphrase or a salt key that cannot read the data stops here.
    let archivedEnv: EnvFile | null = null;
    let restoredConfig: string | null = null;
    let tlsKey: string | null = null;
    if (manifest.secrets.included) {
      const passphrase = await readPassphrase(ctx, 'open');
      archivedEnv = EnvFile.parse((await openSealed(await readFile(join(work, PARTS.secrets)), passphrase, 'the archived secrets')).toString('utf8'), `${file}:.env`);
      for (const key of RESTORED_KEYS) ctx.out.addSecret(archivedEnv.get(key));
      const sealedConfig = join(FILES_PREFIX, `${FILES.config}.sealed`);
      if (has(sealedConfig)) restoredConfig = (await openSealed(await readFile(join(work, sealedConfig)), passphrase, 'the archived config.yaml')).toString('utf8');
      const sealedKey = join(FILES_PREFIX, `${FILES.tlsKey}.sealed`);
      if (has(sealedKey)) {
        tlsKey = (await openSealed(await readFile(join(work, sealedKey)), passphrase, `the archived ${FILES.tlsKey}`)).toString('utf8');
        ctx.out.addSecret(tlsKey.trim());
      }
    } else {
      const here = saltKeyFingerprint(gateway.env.get(ENV.saltKey));
      if (manifest.secrets.saltKeyFingerprint && here !== manifest.secrets.saltKeyFingerprint && !options.force) {
        throw new UserError('SALT_KEY_MISMATCH', `${file} has no secrets, and LITELLM_SALT_KEY in ${gateway.path(FILES.env)} is not the one its data was written with: the provider credentials stored in the database would be unreadable.`, {
          hint: 'Put the original LITELLM_SALT_KEY in .env (from a copy of the old .env), restore an archive made with --include-secrets, or pass --force to restore anyway.',
        });
      }
    }
    if (restoredConfig === null && has(join(FILES_PREFIX, FILES.config))) restoredConfig = await readFile(join(work, FILES_PREFIX, FILES.config), 'utf8');

    await confirm(ctx, project, manifest);
    if (interrupts.signal.aborted) throw new CancelledError('Restore cancelled: nothing was changed.', { hint: 'Run the restore again when you are ready.' });

    const restored: string[] = [];
    const step = await ctx.out.spinner('Stopping LiteLLM, Open WebUI and Nginx');
    const appServices = [SERVICES.litellm, SERVICES.openWebui, ...(gateway.settings.nginx ? [SERVICES.nginx] : [])];
    let [containers, volume] = await (early ?? lookUp());
    let services = byService(containers);
    if (!services.get(SERVICES.postgres) || (has(PARTS.openWebuiData) && !volume)) {
      // A directory set up fresh: Compose creates the containers, network and volumes, none started.
      const engine = await ensureDocker(ctx);
      const created = await composeProject(ctx, gateway, engine).run(['up', '--no-start']);
      if (created.exitCode !== 0) {
        step.fail();
        if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(created.stderr)) throw daemonError(ctx, created);
        throw new EnvError('COMPOSE_FAILED', `${engine.compose.label} up --no-start failed (exit ${created.exitCode}): ${created.stderr.trim().split('\n').slice(-5).join('\n')}`, {
          hint: 'Nothing was restored yet. "ai-gateway status" shows the stack; re-run with --verbose for the Compose commands.',
        });
      }
      [containers, volume] = await settleInOrder([projectContainers(ctx, project), findProjectVolume(ctx, project, 'open_webui_data')] as const);
      services = byService(containers);
    }
    // The data's users stop (plain docker: Compose's own containers, without Compose's start-up cost);
    // only PostgreSQL runs while its database is replaced.
    const running = appServices.map((s) => services.get(s)).filter((c) => c?.state === 'running' || c?.state === 'restarting' || c?.state === 'paused');
    const postgres = services.get(SERVICES.postgres);
    if (!postgres) throw new EnvError('GATEWAY_NOT_RUNNING', `No postgres container of ${project} exists after "up --no-start".`, { hint: `Run "ai-gateway start --dir ${ctx.dir}" once, then restore again.` });
    const db = { container: postgres.name, user: gateway.env.get(ENV.postgresUser) ?? 'litellm', name: gateway.env.get(ENV.postgresDb) ?? 'litellm' };
    const dockerStep = async (args: string[]) => {
      const result = await ctx.docker.docker(args, { timeoutMs: 120_000 });
      if (result.exitCode !== 0) throw failedDocker(ctx, args, result);
    };
    // Stopping the app services and readying PostgreSQL touch different containers: side by side.
    try {
      await settleInOrder([
        running.length > 0 ? dockerStep(['stop', '--time', '30', ...running.map((c) => c!.name)]) : Promise.resolve(),
        acceptsConnections(ctx, postgres) ? Promise.resolve() : (postgres.state === 'running' ? Promise.resolve() : dockerStep(['start', postgres.name])).then(() => waitForDatabase(ctx, db)),
      ] as const);
    } catch (error) {
      step.fail();
      throw error;
    }
    step.succeed(running.length > 0 ? `Stopped ${running.map((c) => c!.service).join(', ')}; PostgreSQL running` : 'PostgreSQL running; nothing else was');
    if (interrupts.signal.aborted) {
      throw new CancelledError(`Restore cancelled: no data was replaced${running.length > 0 ? `; ${running.map((c) => c!.service).join(', ')} stopped` : ''}.`, {
        hint: `Start the gateway again with "ai-gateway start --dir ${ctx.dir}", or run the restore again.`,
      });
    }

    if (has(PARTS.openWebuiData) && !volume) throw new EnvError('VOLUME_MISSING', `${project} has no Open WebUI data volume after "up --no-start".`, { hint: 'Run "ai-gateway status" and restore again.' });
    const volumeTarget = has(PARTS.openWebuiData) ? volume : null;
    const progress = await ctx.out.spinner(`Restoring PostgreSQL (pg_restore --clean, one transaction)${volumeTarget ? ` and Open WebUI's data (${volumeTarget})` : ''}`);
    // Different containers, different data: side by side. Not stopped by Ctrl-C (see above).
    const deferred = () => ctx.out.warn('Finishing the restore first: it cannot stop halfway (a few seconds).');
    interrupts.signal.addEventListener('abort', deferred, { once: true });
    try {
      await settleInOrder([
        restoreDatabase(ctx, db, join(work, PARTS.database)),
        volumeTarget ? restoreVolume(ctx, volumeTarget, services.get(SERVICES.openWebui)?.image ?? gateway.settings.images.openWebui, join(work, PARTS.openWebuiData)) : Promise.resolve(),
      ] as const);
    } catch (error) {
      progress.fail();
      throw error;
    }
    interrupts.signal.removeEventListener('abort', deferred);
    progress.succeed(`Restored PostgreSQL${volumeTarget ? " and Open WebUI's data" : ''}`);
    restored.push('database', ...(volumeTarget ? ['open-webui-data'] : []));

    const envKeys: string[] = [];
    if (archivedEnv) {
      for (const key of RESTORED_KEYS) {
        const value = archivedEnv.get(key);
        if (value !== undefined && value !== '' && gateway.env.get(key) !== value) {
          gateway.env.set(key, value);
          envKeys.push(key);
        }
      }
      if (envKeys.length > 0) await ctx.fs.writeAtomic(gateway.path(FILES.env), gateway.env.toString());
      restored.push('secrets');
    }
    if (restoredConfig !== null && restoredConfig !== (await ctx.fs.readText(gateway.path(FILES.config)))) {
      await ctx.fs.writeAtomic(gateway.path(FILES.config), restoredConfig);
      restored.push('config.yaml');
    }
    const notes = await restoreTls(ctx, gateway, has(join(FILES_PREFIX, FILES.tlsCert)) ? await readFile(join(work, FILES_PREFIX, FILES.tlsCert), 'utf8') : null, tlsKey, restored);
    // The next start must apply the restored .env and config, whatever it recorded before.
    await removeStartRecord(ctx, ctx.dir);
    return {
      file,
      dir: ctx.dir,
      project,
      from: { project: manifest.project, createdAt: manifest.createdAt, cliVersion: manifest.cliVersion },
      restored,
      envKeys,
      notes,
    };
  } finally {
    // Still listening meanwhile: a second Ctrl-C does not leave the lock or the unpacked archive behind.
    await lock.release();
    await rm(work, { recursive: true, force: true }).finally(() => interrupts.dispose());
  }
}

/**
 * The archive's HTTPS certificate and key go into tls/ (600) when this gateway has none of its own;
 * its own are never replaced. Serving them is setup's job (it renders Nginx for them): a note says so.
 */
async function restoreTls(ctx: Context, gateway: { path(file: string): string; settings: { tls?: unknown } }, cert: string | null, key: string | null, restored: string[]): Promise<string[]> {
  if (cert === null) return [];
  const here = ctx.dir;
  if (key === null) {
    return [`The archive holds the HTTPS certificate but not its private key (it was made without --include-secrets): copy ${FILES.tlsKey} from the original gateway into ${here}, or run setup with --tls-cert/--tls-key or --tls self-signed.`];
  }
  const [ownCert, ownKey] = await Promise.all([ctx.fs.readText(gateway.path(FILES.tlsCert)), ctx.fs.readText(gateway.path(FILES.tlsKey))]);
  if (ownCert !== null || ownKey !== null) {
    return ownCert === cert && ownKey === key ? [] : [`${here}/tls/ was kept (this gateway's own certificate); the archive's differs and was not restored.`];
  }
  await ctx.fs.mkdirp(join(here, 'tls'));
  await ctx.fs.writeAllAtomic([
    { path: gateway.path(FILES.tlsCert), content: cert, mode: 0o600 },
    { path: gateway.path(FILES.tlsKey), content: key, mode: 0o600 },
  ]);
  restored.push('tls');
  return gateway.settings.tls ? [] : [`tls/ now holds the archive's HTTPS certificate; this gateway serves plain HTTP. To serve it: ai-gateway setup --yes --tls files --dir ${here}`];
}

/**
 * PostgreSQL answered its own healthcheck (the same `pg_isready` over TCP, every 2 s: the compose
 * template) within the last seconds: asking again would cost a `docker exec` (~0.08 s) for what
 * the engine just found. An older, failing or missing check is asked (waitForDatabase).
 */
const HEALTHCHECK_FRESH_MS = 3_000;

function acceptsConnections(ctx: Context, postgres: ContainerInfo): boolean {
  if (postgres.state !== 'running' || postgres.health !== 'healthy' || postgres.lastHealthPassedAt === null) return false;
  const age = ctx.clock.now() - Date.parse(postgres.lastHealthPassedAt);
  return age >= -HEALTHCHECK_FRESH_MS && age <= HEALTHCHECK_FRESH_MS; // the engine's clock is this host's; a skewed one is asked
}

function failedDocker(ctx: Context, args: string[], result: { stderr: string; stdout: string; exitCode: number }): EnvError {
  if (/Cannot connect to the Docker daemon|permission denied while trying to connect/i.test(result.stderr)) return daemonError(ctx, result);
  return new EnvError('DOCKER_FAILED', `docker ${args.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.trim().split('\n').slice(-3).join('\n')}`, {
    hint: 'Nothing was restored yet. "ai-gateway status" shows the stack.',
  });
}

async function confirm(ctx: Context, project: string, manifest: BackupManifest): Promise<void> {
  if (ctx.yes) return;
  ctx.out.warn(`This replaces ${project}'s database (every virtual key, budget and spend record) and Open WebUI's data with the backup of ${manifest.project} from ${manifest.createdAt}. What changed since is lost.`);
  const answer = await ctx.prompts.input({ id: 'restore.confirm', message: `Type the project name (${project}) to restore`, flagHint: '--yes to restore without asking' });
  if (answer.trim() !== project) {
    throw new CancelledError(`You typed "${answer.trim()}", not "${project}": nothing was changed.`, { hint: 'Run "ai-gateway restore FILE" again and type the project name.' });
  }
}

export function render(result: RestoreResult, style: Style): string {
  const lines = [
    `${style.green('✔')} Restored ${style.bold(result.project)} from ${result.file} (${result.from.project}, ${result.from.createdAt}): ${result.restored.join(', ')}.`,
  ];
  if (result.envKeys.length > 0) lines.push(`.env: ${result.envKeys.join(', ')} replaced by the archive's (POSTGRES_PASSWORD kept).`);
  lines.push(...result.notes);
  lines.push(`Next: ai-gateway start --dir ${result.dir}`);
  return lines.join('\n');
}
