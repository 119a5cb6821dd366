/**
 * `ai-gateway backup`: one archive of what users cannot recreate (LiteLLM's database with every
 * virtual key, budget and spend record; Open WebUI's users and chats) plus the gateway's files,
 * taken while the gateway runs. The parts are made in a private directory beside the output, hashed
 * into a manifest, then packed into one mode-600 archive renamed into place (all or nothing).
 * Secrets go in only with --include-secrets, and then only sealed with a passphrase.
 */
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { cliVersion } from '../../core/package-root.js';
import type { Context } from '../../core/context.js';
import { CancelledError, EnvError, UserError } from '../../core/errors.js';
import { listenForInterrupts } from '../../core/interrupt.js';
import type { Style } from '../../core/output.js';
import { z } from '../../core/schema.js';
import { seal } from '../../core/secret-box.js';
import { settleInOrder } from '../../core/settle.js';
import { byService, projectContainers } from '../../docker/containers.js';
import { explainingDaemonFailure } from '../../docker/engine.js';
import { archiveVolume, copyFromContainer, dumpDatabase, findProjectVolume, imageIdentities, withPaused } from '../../docker/gateway-data.js';
import {
  BACKUP_FORMAT,
  BACKUP_FORMAT_VERSION,
  FILES_PREFIX,
  MANIFEST_FILE,
  PARTS,
  fileDigest,
  packArchive,
  saltKeyFingerprint,
  type BackupManifest,
  type BackupPart,
  type PartDigest,
} from '../../gateway/backup-archive.js';
import { readPassphrase } from '../../gateway/backup-passphrase.js';
import { literalSecretPaths } from '../../gateway/config-secrets.js';
import { ENV, FILES, loadGateway } from '../../gateway/layout.js';
import { SERVICES } from '../../gateway/settings.js';

export const optionsSchema = z.object({
  output: z.optional(z.string().check(z.minLength(1, '--output needs a file name'))),
  includeSecrets: z._default(z.boolean(), false),
  keep: z.optional(z.coerce.number().check(z.int('--keep takes a whole number'), z.gte(1, '--keep must be at least 1'))),
});
export type BackupOptions = z.output<typeof optionsSchema>;

export interface BackupResult {
  path: string;
  bytes: number;
  seconds: number;
  manifest: BackupManifest;
  /** Older archives --keep removed. */
  pruned: string[];
}

/** Archives this command names by default: `ai-gateway-backup-<project>-<UTC time>.tar`. */
const archiveName = (project: string, now: number) => `ai-gateway-backup-${project}-${new Date(now).toISOString().replace(/[:.]/g, '-')}.tar`;
const isArchiveOf = (project: string, name: string) => name.startsWith(`ai-gateway-backup-${project}-`) && name.endsWith('.tar');

export async function run(ctx: Context, options: BackupOptions): Promise<BackupResult> {
  const started = ctx.clock.now();
  const gateway = await loadGateway(ctx);
  const project = gateway.settings.projectName;
  const nextStart = `ai-gateway start --dir ${ctx.dir}`;

  // Everything the user controls is checked before the engine or the disk is touched.
  const configText = (await ctx.fs.readText(gateway.path(FILES.config))) ?? '';
  const literalSecrets = literalSecretPaths(configText);
  if (literalSecrets.length > 0 && !options.includeSecrets) {
    throw new UserError('CONFIG_HAS_SECRETS', `config.yaml holds secret values in clear text (${literalSecrets.join(', ')}); a backup without --include-secrets never stores a secret.`, {
      hint: 'Move each value to .env and write os.environ/NAME in config.yaml, or pass --include-secrets (config.yaml is then sealed with the passphrase).',
      details: { paths: literalSecrets },
    });
  }
  const output = options.output ? resolve(options.output) : join(ctx.dir, 'backups', archiveName(project, ctx.clock.now()));
  if (await ctx.fs.exists(output)) {
    throw new UserError('BACKUP_EXISTS', `${output} already exists; a backup never overwrites one.`, { hint: 'Pass another --output, or move the old archive away.' });
  }
  const passphrase = options.includeSecrets ? await readPassphrase(ctx, 'seal') : null;

  // pg_dump runs through `docker exec`: only the daemon is needed, not Compose (v1 takes seconds to
  // answer). The two look-ups are independent: asked side by side.
  const [containers, volume] = await explainingDaemonFailure(ctx, settleInOrder([projectContainers(ctx, project), findProjectVolume(ctx, project, 'open_webui_data')] as const));
  const services = byService(containers);
  const postgres = services.get(SERVICES.postgres);
  if (!postgres || postgres.state !== 'running') {
    throw new EnvError('GATEWAY_NOT_RUNNING', `The database of ${project} is not running, so it cannot be dumped consistently.`, {
      hint: `Start the gateway first: ${nextStart}`,
    });
  }

  const outDir = dirname(output);
  await makePrivateDir(outDir);
  const work = await mkdtemp(join(outDir, '.backup-'));
  // Ctrl-C (or a closed output pipe) stops the copy cleanly instead of killing the process with
  // Open WebUI paused: the children are stopped, Open WebUI resumed, nothing is written.
  const interrupts = listenForInterrupts();
  const cancelled = () =>
    new CancelledError(`Backup cancelled: no archive was written${services.get(SERVICES.openWebui)?.state === 'running' ? ', and Open WebUI runs again' : ''}.`, {
      hint: `Run "ai-gateway backup --dir ${ctx.dir}" again when you are ready.`,
    });
  try {
    const parts: BackupPart[] = [];
    const addPart = async (name: string, kind: BackupPart['kind']) => parts.push({ name, kind, ...(await fileDigest(join(work, name))) });

    // The dump is the long pole: it leaves first, and everything below happens while it runs.
    const dump = dumpDatabase(ctx, { container: postgres.name, user: gateway.env.get(ENV.postgresUser) ?? 'litellm', name: gateway.env.get(ENV.postgresDb) ?? 'litellm' }, join(work, PARTS.database), interrupts.signal);
    dump.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled

    // What each service's image reference is now, for the manifest: asked while the data is copied.
    const imageRefs = [...services].map(([service, container]) => ({ service, reference: container.image }));
    const identities = imageIdentities(ctx, imageRefs.map((i) => i.reference));
    identities.catch(() => {});

    // The dump and the volume copy touch different containers: they run side by side, under one
    // progress line that shows how far each has got. Each returns its part's size and sha256.
    const webui = services.get(SERVICES.openWebui);
    const mount = volume ? webui?.mounts.find((m) => m.type === 'volume' && m.name === volume) : undefined;
    const tracked = [{ label: 'PostgreSQL', file: join(work, PARTS.database) }, ...(volume ? [{ label: "Open WebUI's data", file: join(work, PARTS.openWebuiData) }] : [])];
    let digests: readonly [PartDigest, PartDigest | null] | undefined;
    await withProgress(ctx, 'Copying the data', tracked, async () => {
      const file = join(work, PARTS.openWebuiData);
      // Paused for the copy: its SQLite database is then a crash-consistent snapshot. The container
      // that mounts the volume hands it over itself (docker cp, no container made); a volume without
      // one, or an engine whose cp refuses, is read by a throwaway container (still paused).
      const copyVolume = async (name: string): Promise<PartDigest> => {
        if (webui && mount) {
          try {
            return await copyFromContainer(ctx, webui.name, mount.destination, file, interrupts.signal);
          } catch (error) {
            if (!(error instanceof EnvError) || error.code !== 'VOLUME_ARCHIVE_FAILED' || interrupts.signal.aborted) throw error;
            ctx.out.debug(`docker cp failed (${error.message}); copying ${name} through a throwaway container`);
            await rm(file, { force: true });
          }
        }
        return archiveVolume(ctx, name, webui?.image ?? gateway.settings.images.openWebui, file, interrupts.signal);
      };
      const copy = volume ? withPaused(ctx, webui?.state === 'running' ? webui.name : null, () => copyVolume(volume)) : Promise.resolve(null);
      try {
        digests = await settleInOrder([dump, copy] as const);
      } catch (error) {
        throw interrupts.signal.aborted ? cancelled() : error; // a child stopped by Ctrl-C fails; that is not the news
      }
    });
    if (interrupts.signal.aborted) throw cancelled();
    const [database, volumeData] = digests!;
    parts.push({ name: PARTS.database, kind: 'database', ...database });
    if (volumeData) parts.push({ name: PARTS.openWebuiData, kind: 'volume', ...volumeData });
    else ctx.out.warn(`${project} has no Open WebUI data volume yet; the archive holds the database and files only.`);

    // HTTPS: the certificate goes in as it is, its private key only sealed (like .env, with --include-secrets).
    const fileNames = [FILES.config, FILES.compose, FILES.override, ...(gateway.settings.nginx ? [FILES.nginx] : []), FILES.tlsCert, FILES.tlsKey];
    for (const file of fileNames) {
      const text = await ctx.fs.readText(gateway.path(file));
      if (text === null) continue;
      if (file === FILES.tlsKey && !passphrase) {
        ctx.out.warn(`${FILES.tlsKey} (the HTTPS private key) is not in the archive: without --include-secrets a backup stores no secret. Keep a copy of it apart, or back up with --include-secrets.`);
        continue;
      }
      const sealIt = (file === FILES.config && literalSecrets.length > 0) || file === FILES.tlsKey;
      const name = join(FILES_PREFIX, sealIt ? `${file}.sealed` : file);
      await mkdir(dirname(join(work, name)), { recursive: true, mode: 0o700 });
      await writeFile(join(work, name), sealIt && passphrase ? await seal(Buffer.from(text), passphrase) : text, { mode: 0o600 });
      await addPart(name, sealIt ? 'secrets' : 'file');
    }
    if (passphrase) {
      const envBytes = await readFile(gateway.path(FILES.env));
      await writeFile(join(work, PARTS.secrets), await seal(envBytes, passphrase), { mode: 0o600 });
      await addPart(PARTS.secrets, 'secrets');
    }

    const images = (await identities).map((identity, i) => ({ ...imageRefs[i]!, ...identity }));
    const manifest: BackupManifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: new Date(ctx.clock.now()).toISOString(),
      cliVersion: cliVersion(),
      project,
      // Code-point order: the same on every machine, and no ICU collator to build (a first localeCompare costs ~7 ms).
      images: images.sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : 0)),
      parts,
      secrets: { included: passphrase !== null, saltKeyFingerprint: saltKeyFingerprint(gateway.env.get(ENV.saltKey)) },
    };
    await writeFile(join(work, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    // The last point to stop: once packing starts, it finishes (a second or so) and the archive stands.
    if (interrupts.signal.aborted) throw cancelled();
    const spinner = await ctx.out.spinner(`Writing ${output}`);
    await packArchive(work, [MANIFEST_FILE, ...parts.map((p) => p.name)], output);
    spinner.succeed(`Wrote ${output}`);

    const pruned = options.keep ? await prune(outDir, project, options.keep, basename(output)) : [];
    return { path: output, bytes: (await stat(output)).size, seconds: (ctx.clock.now() - started) / 1000, manifest, pruned };
  } finally {
    // Still listening while the temporary directory goes: a second Ctrl-C does not leave it behind.
    await rm(work, { recursive: true, force: true }).finally(() => interrupts.dispose());
  }
}

/** Creates the directory (and parents) private to the user; an existing one is left as it is. */
async function makePrivateDir(dir: string): Promise<void> {
  try {
    await stat(dir);
  } catch {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
}

/** Runs `work`, showing how large each file has grown every two seconds (a line each without a TTY). */
async function withProgress(ctx: Context, label: string, files: { label: string; file: string }[], work: () => Promise<void>): Promise<void> {
  const sizes = async () =>
    (await Promise.all(files.map(async (f) => `${f.label} ${formatBytes(await stat(f.file).then((s) => s.size, () => 0))}`))).join(', ');
  const spinner = await ctx.out.spinner(label);
  const timer = setInterval(() => {
    sizes().then((text) => spinner.update(`${label}: ${text}`), () => {});
  }, 2000);
  timer.unref();
  try {
    await work();
  } catch (error) {
    spinner.fail(`${label}: failed`);
    throw error;
  } finally {
    clearInterval(timer);
  }
  spinner.succeed(`${label}: ${await sizes()}`);
}

/** Keeps the newest `keep` archives of this project in `dir` (names sort by their UTC time). */
async function prune(dir: string, project: string, keep: number, justWritten: string): Promise<string[]> {
  const archives = (await readdir(dir)).filter((name) => isArchiveOf(project, name) || name === justWritten).sort();
  const old = archives.slice(0, Math.max(0, archives.length - keep)).filter((name) => name !== justWritten);
  for (const name of old) await rm(join(dir, name), { force: true });
  return old.map((name) => join(dir, name));
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function render(result: BackupResult, style: Style): string {
  const lines = [`${style.green('✔')} Backup of ${style.bold(result.manifest.project)}: ${result.path} (${formatBytes(result.bytes)}, ${result.seconds.toFixed(1)} s)`];
  for (const part of result.manifest.parts) lines.push(`  ${part.name.padEnd(34)} ${formatBytes(part.bytes).padStart(9)}  sha256 ${part.sha256.slice(0, 12)}…`);
  lines.push(
    result.manifest.secrets.included
      ? `Secrets (.env) are in it, sealed with your passphrase: keep the passphrase apart from the archive.`
      : `No secret is in it: restoring needs this gateway's LITELLM_SALT_KEY in the target's .env (back up .env apart, or use --include-secrets).`,
  );
  if (result.pruned.length > 0) lines.push(`Removed ${result.pruned.length} older archive(s): ${result.pruned.map((p) => basename(p)).join(', ')}`);
  lines.push(`Restore with: ai-gateway restore ${result.path}`);
  return lines.join('\n');
}
