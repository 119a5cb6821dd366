/**
 * `ai-gateway setup`: resolve every answer (flag → AI_GATEWAY_* → existing .env → prompt → default),
 * render the gateway files, then either show the plan (--dry-run) or write it atomically under the
 * directory lock. `.env` is the source of truth; secrets are generated once and never replaced.
 */
import { availableParallelism, networkInterfaces, totalmem } from 'node:os';
import { join } from 'node:path';
import { z } from '../../core/schema.js';
import { acquireLock } from '../../core/lock.js';
import type { Context } from '../../core/context.js';
import { EnvError, UserError } from '../../core/errors.js';
import { removeStaleTempFiles, statOrNull } from '../../core/files.js';
import { gatewayCommand } from '../../core/shell.js';
import type { Style } from '../../core/output.js';
import { findFreePort, probePort, randomHighPort } from '../../core/ports.js';
import { EnvFile } from '../../gateway/env-file.js';
import { projectVolumes } from '../../docker/project-volumes.js';
import { FILES } from '../../gateway/layout.js';
import { providerSecretKeys } from '../../gateway/providers.js';
import { currentHost, renderCompose, renderOverride } from '../../gateway/render/compose.js';
import { ensureLitellmCanReadConfig } from '../../gateway/container-access.js';
import { resolveExposeAdmin } from './expose-admin.js';
import { askChangedSettings, confirmChanges } from './change-settings.js';
import { litellmPoolLimit, parseConfigYaml, renderConfigYaml, userEntryEnvRefs } from '../../gateway/render/config-yaml.js';
import { renderStack } from '../../gateway/render/stack.js';
import { connectionBudget, usesRedis } from '../../gateway/scale.js';
import { renderEnv } from '../../gateway/render/env.js';
import { renderGitignore } from '../../gateway/render/gitignore.js';
import { renderNginxConf } from '../../gateway/render/nginx.js';
import {
  BUDGET_DURATION,
  BUDGET_PROFILES,
  defaultHost,
  ENV,
  gatewayUrls,
  memoryNeededMb,

  effectiveWorkers,
  SECRET_ENV_KEYS,
  settingsFromEnv,
  settingsToEnv,
  type GatewaySettings,
  type GatewayUrls,
} from '../../gateway/settings.js';
import { cappedWorkersNote, checkSuppliedLogRotation, resolveLimits, resolveLogRotation } from './answers/limits.js';
import { bindAddressWarning, isLoopback, memoryWarning, resolveBind, resolveBudgetProfile, resolveExposePostgres, resolveMode, resolveNginx, resolveProjectName, resolveResourceProfile, workersWarning, type SetupMode } from './answers/general.js';
import { checkSuppliedImages, resolveImages } from './answers/images.js';
import { resolvePorts } from './answers/ports.js';
import { checkSuppliedProviders, resolveProviders, type ProviderChange } from './answers/providers.js';
import type { Resolver, SetupProbes } from './answers/resolver.js';
import { resolveScale } from './answers/scale.js';
import { checkSuppliedSecrets, resolveSecrets } from './answers/secrets.js';
import { checkSuppliedTls, currentHostIdentity, resolveTls } from './answers/tls.js';
import type { CertificateSummary } from '../../gateway/tls.js';
import { assertLayout, assertNotSystemDirectory, assertPrivateDirectory, refuseNewSecretsForAnExistingGateway, refuseNewSecretsOverOldVolumes } from './guards.js';
import { assertWritable, backupFiles, createDirectory, decodeFile, literalSecrets, maskedDiff, planFile, writePlannedFiles, type FileAction } from './files.js';

const text = z.optional(z.pipe(z.union([z.string(), z.number()]), z.transform(String)));

export const optionsSchema = z.object({
  mode: z.optional(z.string()),
  profile: z.optional(z.string()),
  budget: z.optional(z.string()),
  nginx: z.optional(z.boolean()),
  ports: z.optional(z.string()),
  nginxPort: text,
  litellmPort: text,
  webuiPort: text,
  postgresPort: text,
  bind: z.optional(z.string()),
  exposePostgres: z.optional(z.boolean()),
  exposeAdmin: z.optional(z.boolean()),
  limits: z.optional(z.boolean()),
  logMaxSize: z.optional(z.string()),
  logMaxFiles: z.optional(z.string()),
  projectName: z.optional(z.string()),
  litellmImage: z.optional(z.string()),
  postgresImage: z.optional(z.string()),
  openWebuiImage: z.optional(z.string()),
  nginxImage: z.optional(z.string()),
  azureApiBase: z.optional(z.string()),
  azureApiVersion: z.optional(z.string()),
  azureDeployment: z.optional(z.string()),
  ollamaBaseUrl: z.optional(z.string()),
  lmStudioBaseUrl: z.optional(z.string()),
  // --provider, --provider-key-env and --provider-base-url share one ordered list (setup.command.ts pairs them).
  provider: z.optional(z.array(z.object({ prefix: z.string(), keyEnv: z.optional(z.string()), baseUrl: z.optional(z.string()) }))),
  providerKeyEnv: z.optional(z.unknown()),
  providerBaseUrl: z.optional(z.unknown()),
  removeProvider: z.optional(z.array(z.string())),
  tls: z.optional(z.string()),
  tlsCert: z.optional(z.string()),
  tlsKey: z.optional(z.string()),
  hsts: z.optional(z.boolean()),
  httpRedirectPort: text,
  dryRun: z.optional(z.boolean()),
  engine: z.optional(z.string()),
  replicas: text,
  webuiReplicas: text,
  redis: z.optional(z.boolean()),
  redisImage: z.optional(z.string()),
  postgresMaxConnections: text,
  args: z.optional(z.array(z.unknown())),
});

export interface SetupFileResult {
  file: string;
  action: FileAction;
  /** Octal mode after setup ("600"); for a dry run, the mode the file would get. */
  mode: string;
  /** An unchanged file whose mode was tightened to 600. */
  modeFixed?: boolean;
  /** Dry run only: unified diff with secret values masked. */
  diff?: string;
}

export interface SetupResult {
  directory: string;
  mode: SetupMode;
  dryRun: boolean;
  files: SetupFileResult[];
  backup: string | null;
  settings: {
    projectName: string;
    resourceProfile: GatewaySettings['resourceProfile'];
    litellmWorkers: number | null;
    memoryNeededMb: number;
    budgetProfile: GatewaySettings['budgetProfile'];
    maxBudgetUsd: number;
    budgetDuration: string;
    nginx: boolean;
    bind: string;
    exposePostgres: boolean;
    exposeAdmin: boolean;
    /** Memory/CPU limits from the profile (false: --no-limits). */
    limits: boolean;
    logs: { maxSize: string; maxFiles: number };
    ports: GatewaySettings['ports'];
    images: GatewaySettings['images'];
    /** Engine, replicas, Redis and the PostgreSQL connection budget (docs/architecture.md: past one machine). */
    scale: {
      engine: string;
      replicas: { litellm: number; openWebui: number };
      redis: boolean;
      postgresMaxConnections: number;
      connectionsNeeded: number;
    };
  };
  /** Configured providers after this run: built-in ids, then other LiteLLM prefixes. */
  providers: string[];
  /** What this run adds, updates or removes, per provider (variable and entry names, never values). */
  providerChanges: ProviderChange[];
  /** Names only, never values. */
  secrets: { generated: string[]; kept: string[]; supplied: string[] };
  /** HTTPS at Nginx: the certificate served (never the key) and how clients come to trust it. */
  tls: {
    mode: 'files' | 'self-signed';
    hsts: boolean;
    httpRedirectPort: number | null;
    certificate: CertificateSummary | null;
    /** This run copied or made the files. */
    written: boolean;
    /** Commands that make clients trust a self-signed certificate (empty for the user's own). */
    trust: string[];
  } | null;
  urls: GatewayUrls;
  next: string;
}

export const defaultProbes: SetupProbes = {
  probePort,
  findFreePort,
  randomHighPort,
  totalMemoryMb: () => Math.floor(totalmem() / (1024 * 1024)),
  cpuCount: () => availableParallelism(),
  projectVolumes,
  hostAddresses: () => Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address.replace(/%.*$/, ''))),
};

/** Files that mark a directory as a gateway (and are backed up before a recreate). */
const GATEWAY_FILES = [FILES.env, FILES.config, FILES.compose, FILES.override, 'nginx/nginx.conf', FILES.stack] as const;
/** Files rendered whole (not merged): each carries this mark in its header comment. */
const REWRITTEN_FILES = [FILES.compose, FILES.override, 'nginx/nginx.conf', FILES.stack] as const;
const MANAGED_MARK = 'managed by ai-gateway';

export async function run(ctx: Context, given: z.output<typeof optionsSchema>, probes: SetupProbes = defaultProbes): Promise<SetupResult> {
  let options = given;
  const dryRun = Boolean(options.dryRun);
  assertNotSystemDirectory(ctx.dir);
  const dirStat = await statOrNull(ctx.dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOTDIR') return 'under-a-file' as const;
    throw error;
  });
  if (dirStat === 'under-a-file' || (dirStat && !dirStat.isDirectory())) {
    throw new UserError('NOT_A_DIRECTORY', `${ctx.dir} is a file, not a directory.`, { hint: 'Pass --dir with a directory (it is created when missing).' });
  }
  await assertLayout(ctx.dir, [...GATEWAY_FILES, FILES.gitignore], ['nginx']);
  await assertPrivateDirectory(ctx, ctx.dir, [...GATEWAY_FILES, FILES.gitignore, 'nginx']);
  if (!dryRun) await assertWritable(ctx.dir, ['nginx']);

  const existing = await readExisting(ctx);
  const recreateAsked = [options.mode, ctx.env.AI_GATEWAY_MODE].some((m) => m?.trim().toLowerCase() === 'recreate');
  // Files setup rewrites whole: never one it did not write, unless recreating (which backs it up first).
  const foreign = REWRITTEN_FILES.filter((file) => existing.text[file] != null && !existing.text[file]?.includes(MANAGED_MARK));
  if (foreign.length > 0 && !recreateAsked) {
    throw new UserError('FOREIGN_DIRECTORY', `${ctx.dir} already has ${foreign.join(', ')} that ai-gateway did not write; setup will not overwrite them.`, {
      hint: 'Run setup in an empty directory (e.g. --dir ./gateway), or pass --mode recreate --yes to back them up to backups/ and replace them.',
      details: { files: foreign },
    });
  }
  let existingEnv: EnvFile | null = null;
  const envText = existing.text[FILES.env] ?? null;
  if (envText !== null) {
    try {
      existingEnv = EnvFile.parse(envText, join(ctx.dir, FILES.env));
    } catch (error) {
      if (!recreateAsked) throw error; // a recreate backs the broken file up and starts over
    }
  }
  for (const key of [...SECRET_ENV_KEYS, ...providerSecretKeys(existingEnv)]) ctx.out.addSecret(existingEnv?.get(key));

  // Before the first question: which directory the answers are for (and how to pick another).
  if (ctx.prompts.interactive) {
    const where = ctx.dir === ctx.cwd ? `${ctx.dir} (the current directory)` : ctx.dir;
    ctx.out.info(`${ctx.out.style.bold('Gateway directory:')} ${where}. To set one up elsewhere, cancel (Ctrl-C) and pass --dir <path>.`);
  }
  const warnings: string[] = [];
  const mode = await resolveMode(ctx, options, GATEWAY_FILES.some((file) => existing.text[file] != null));
  if (mode === 'reuse' || mode === 'change') {
    const traces = GATEWAY_FILES.filter((file) => file !== FILES.env && existing.text[file] != null);
    refuseNewSecretsForAnExistingGateway(ctx, existingEnv, existing.text[FILES.env] != null, traces);
  }
  const prior = mode === 'recreate' ? null : existingEnv;
  if (mode !== 'recreate') for (const key of existingEnv?.duplicateKeys() ?? []) warnings.push(`${key.key} is set ${key.lines.length} times in .env (lines ${key.lines.join(', ')}): Compose uses the last one. Remove the others to avoid surprises.`);
  // A config.yaml that cannot be parsed stops a reuse before any question: it is the user's file.
  const configLabel = join(ctx.dir, FILES.config);
  const configSecrets: string[] = [];
  if (existing.text[FILES.config] != null) {
    try {
      // A literal key in the user's config.yaml is masked like .env's (in --dry-run diffs and --json).
      configSecrets.push(...literalSecrets(parseConfigYaml(existing.text[FILES.config] as string, configLabel).toJS()));
      for (const secret of configSecrets) ctx.out.addSecret(secret);
    } catch (error) {
      if (mode !== 'recreate') throw error; // the user's file: a reuse stops here; a recreate backs it up
    }
  }

  // "Change settings": the answers become the options the flags give; the rest runs as a re-run with flags.
  if (mode === 'change') options = { ...options, ...(await askChangedSettings(ctx, options, existingEnv)) };
  const resolver: Resolver = { ctx, options, probes, prior, ourPorts: portsIn(existingEnv), warnings };
  const fresh = prior === null;

  const projectName = resolveProjectName(resolver);
  const resourceProfile = await resolveResourceProfile(resolver);
  const budgetProfile = await resolveBudgetProfile(resolver);
  const nginx = await resolveNginx(resolver);
  const bind = await resolveBind(resolver);
  const exposePostgres = resolveExposePostgres(resolver);
  // Every value given by flag, variable or file is checked before the first port probe: bad input is exit 2 even when a port is busy too.
  checkSuppliedProviders(resolver);
  checkSuppliedImages(resolver);
  checkSuppliedSecrets(resolver);
  checkSuppliedLogRotation(resolver);
  const tlsChecked = await checkSuppliedTls(resolver, {
    nginx,
    urlHost: defaultHost({ bind } as GatewaySettings),
    existing: { cert: existing.text[FILES.tlsCert] ?? null, key: existing.text[FILES.tlsKey] ?? null },
  });
  // The first look at the host (the engine, then the ports) comes after every value is known good.
  // Without a terminal the engine is asked in the background (its answer arrives while the ports are
  // probed and the files rendered: ~20 ms of setup's start-up); with one, before the port and provider
  // questions, so nobody answers questions setup then refuses. Awaited before anything is shown or
  // written, and its refusal wins over a failure meanwhile (a busy port is moot when the secrets cannot be made).
  const oldVolumes = mode === 'create' ? refuseNewSecretsOverOldVolumes(ctx, probes, projectName) : Promise.resolve();
  oldVolumes.catch(() => {}); // awaited below; this only keeps an early refusal from counting as unhandled
  if (ctx.prompts.interactive) await oldVolumes;
  const exposeAdmin = resolveExposeAdmin(resolver, nginx);
  const { ports, providers, tls, images, secrets } = await (async () => {
    try {
      const ports = await resolvePorts(resolver, { nginx, exposePostgres, bind });
      const providers = await resolveProviders(resolver, {
        askInteractively: fresh || mode === 'change',
        requests: options.provider ?? [],
        removals: options.removeProvider ?? [],
        userEntryRefs: userEntryEnvRefs(mode === 'recreate' ? null : (existing.text[FILES.config] ?? null)),
      });
      const tls = await resolveTls(resolver, tlsChecked, {
        bind,
        existing: { cert: existing.text[FILES.tlsCert] ?? null, key: existing.text[FILES.tlsKey] ?? null },
        takenPorts: new Set(Object.values(ports).filter((p): p is number => p !== undefined)),
        host: probes.hostIdentity?.() ?? currentHostIdentity(),
        makeSelfSigned: async (names) => (await import('../../gateway/tls-self-signed.js')).makeSelfSigned({ names, now: ctx.clock.now(), serial: ctx.random.bytes(16) }),
      });
      return { ports, providers, tls, images: await resolveImages(resolver), secrets: await resolveSecrets(resolver) };
    } catch (error) {
      await oldVolumes;
      throw error;
    }
  })();

  const limits = resolveLimits(resolver);
  const logs = resolveLogRotation(resolver, resourceProfile);
  const base = {
    projectName,
    resourceProfile,
    budgetProfile,
    nginx,
    bind,
    exposePostgres,
    exposeAdmin,
    ports: tls.redirectPort === undefined ? ports : { ...ports, httpRedirect: tls.redirectPort },
    images,
    tls: tls.settings,
    limits,
    logs,
  };
  const scaled = resolveScale(resolver, base, litellmPoolLimit(mode === 'recreate' ? null : (existing.text[FILES.config] ?? null)));
  const settings: GatewaySettings = { ...base, scale: scaled.scale };
  const memory = memoryWarning(resourceProfile, nginx, probes.totalMemoryMb());
  if (memory) resolver.warnings.push(memory);
  const cpus = probes.cpuCount?.();
  const cpuNote = cpus === undefined ? null : limits ? cappedWorkersNote(resourceProfile, cpus) : workersWarning(resourceProfile, cpus);
  if (cpuNote) resolver.warnings.push(cpuNote);
  const addresses = probes.hostAddresses?.();
  const bindNote = addresses === undefined ? null : bindAddressWarning(bind, addresses);
  if (bindNote) resolver.warnings.push(bindNote);
  if (!isLoopback(bind)) {
    resolver.warnings.push(
      `BIND_ADDRESS=${bind}: the gateway is reachable from your network (${nginx && !exposeAdmin ? "Open WebUI's login and the API through Nginx; the LiteLLM admin port stays on 127.0.0.1" : `Open WebUI's login, the API and the LiteLLM admin UI on port ${ports.litellm}`}). Use --bind 127.0.0.1 to keep it on this machine.`,
    );
  }
  if (exposePostgres) resolver.warnings.push(`PostgreSQL is published on ${bind}:${ports.postgres}.`);
  if (mode === 'recreate') {
    resolver.warnings.push(
      `New secrets were generated. If this gateway ran before, its PostgreSQL volume still expects the old password: remove the old data first (docker-compose -p ${projectName} down -v) or restore .env from the backup.`,
    );
  }

  // ── render ──
  const envValues: Record<string, string> = { ...settingsToEnv(settings), ...scaled.values, ...secrets.values, ...providers.values };
  // A gateway that never had HTTPS keeps its .env as it was (no TLS lines appended on a re-run).
  if (!settings.tls && prior !== null && !prior.has(ENV.tls)) for (const key of [ENV.tls, ENV.hsts, ENV.httpRedirectPort]) delete envValues[key];
  const env = renderEnv(prior, envValues, { extraKeys: providers.extraKeys, remove: providers.remove });
  settingsFromEnv(env, join(ctx.dir, FILES.env)); // the file we write must read back as these settings
  const config = renderConfigYaml(mode === 'recreate' ? null : existing.text[FILES.config] ?? null, { budgetProfile, providers: providers.selection, extras: providers.extras, redis: usesRedis(scaled.scale) }, configLabel);
  resolver.warnings.push(...config.notes);

  const rendered: [string, string][] = [
    [FILES.env, env.toString()],
    [FILES.config, config.text],
    [FILES.compose, renderCompose(settings)],
    [FILES.override, renderOverride(settings, { ...currentHost(config.text), configEnvRefs: config.envRefs, cpus: cpus ?? null })],
    ...(nginx ? ([['nginx/nginx.conf', renderNginxConf(settings, { swarm: scaled.scale.engine === 'swarm' })]] as [string, string][]) : []),
    ...(scaled.scale.engine === 'swarm' ? ([[FILES.stack, renderStack(settings)]] as [string, string][]) : []),
    [FILES.gitignore, renderGitignore(existing.text[FILES.gitignore] ?? null)],
    ...(tls.files
      ? ([
          [FILES.tlsCert, tls.files.cert],
          [FILES.tlsKey, tls.files.key],
        ] as [string, string][])
      : []),
  ];
  const plans = rendered.map(([file, after]) => planFile(file, existing.text[file] ?? null, after, existing.mode[file] ?? null));
  const encodings = existing.encoding;
  await oldVolumes; // rendering above ran while the engine answered; nothing is shown or written before
  for (const warning of resolver.warnings) ctx.out.warn(warning);
  const secretKeys = new Set([...SECRET_ENV_KEYS, ...providerSecretKeys(existingEnv), ...providerSecretKeys(env)]);
  if (mode === 'change' && !dryRun) await confirmChanges(ctx, plans.map((plan) => ({ file: plan.file, diff: maskedDiff(plan, secretKeys, configSecrets) })));

  let backup: string | null = null;
  if (!dryRun) {
    await createDirectory(ctx, ctx.dir);
    const lock = await acquireLock(ctx.dir, { clock: ctx.clock, purpose: 'setup' });
    try {
      // Another writer (key create --save, a second setup) may have changed a file while we asked questions.
      // Every file, not only .env: the plan was made from what we read, and a stale "unchanged" would leave a mix.
      const changed = await filesChangedSince(ctx, existing.text);
      if (changed.length > 0) {
        throw new EnvError('CONCURRENT_CHANGE', `${changed.map((file) => join(ctx.dir, file)).join(', ')} changed while setup was running; nothing was written.`, {
          hint: 'Run ai-gateway setup again (it starts from the current .env).',
        });
      }
      await removeStaleTempFiles(ctx.dir);
      await removeStaleTempFiles(join(ctx.dir, 'nginx'));
      if (tls.files) await removeStaleTempFiles(join(ctx.dir, 'tls'));
      if (mode === 'recreate') {
        const toSave = [...GATEWAY_FILES, FILES.tlsCert, FILES.tlsKey].flatMap((file) => (existing.text[file] === null || existing.text[file] === undefined ? [] : [{ file, content: existing.text[file] as string }]));
        backup = await backupFiles(ctx, toSave);
        ctx.out.info(`Backed up the previous files to ${join(ctx.dir, backup)}.`);
      }
      await writePlannedFiles(ctx, plans, encodings);
      await ensureLitellmCanReadConfig(ctx, ctx.dir);
    } finally {
      await lock.release();
    }
  }

  const workers = effectiveWorkers(resourceProfile, cpus ?? null, limits);
  return {
    directory: ctx.dir,
    mode,
    dryRun,
    files: plans.map((plan) => ({
      file: plan.file,
      action: plan.action,
      mode: plan.file === FILES.gitignore && plan.beforeMode !== null ? plan.beforeMode.toString(8) : '600',
      ...(plan.action === 'unchanged' && plan.file !== FILES.gitignore && plan.beforeMode !== null && ctx.platform.isExposed(plan.beforeMode) ? { modeFixed: true } : {}),
      ...(dryRun ? { diff: maskedDiff(plan, secretKeys, configSecrets) } : {}),
    })),
    backup,
    settings: {
      projectName,
      resourceProfile,
      litellmWorkers: workers,
      memoryNeededMb: memoryNeededMb(resourceProfile, nginx, workers),
      budgetProfile,
      maxBudgetUsd: BUDGET_PROFILES[budgetProfile].maxBudget,
      budgetDuration: BUDGET_DURATION,
      nginx,
      bind,
      exposePostgres,
      exposeAdmin,
      limits,
      logs,
      ports,
      images,
      scale: {
        engine: scaled.scale.engine,
        replicas: scaled.scale.replicas,
        redis: usesRedis(scaled.scale),
        postgresMaxConnections: scaled.scale.postgresMaxConnections,
        connectionsNeeded: connectionBudget(settings, config.poolLimit).total,
      },
    },
    providers: [...providers.selection.map((p) => p.id), ...providers.extras.map((p) => p.prefix)],
    providerChanges: providers.changes,
    secrets: { generated: secrets.generated, kept: secrets.kept, supplied: secrets.supplied },
    tls: tls.settings
      ? {
          mode: tls.settings.mode,
          hsts: tls.settings.hsts,
          httpRedirectPort: settings.ports.httpRedirect ?? null,
          certificate: tls.certificate,
          written: tls.files !== null,
          trust: tls.settings.mode === 'self-signed' ? trustCommands(join(ctx.dir, FILES.tlsCert)) : [],
        }
      : null,
    urls: gatewayUrls(settings),
    next: gatewayCommand(ctx, 'start'),
  };
}

async function readExisting(ctx: Context): Promise<{ text: Record<string, string | null>; mode: Record<string, number | null>; encoding: Record<string, 'utf8' | 'latin1'> }> {
  const names = [...GATEWAY_FILES, FILES.gitignore, FILES.tlsCert, FILES.tlsKey];
  const text: Record<string, string | null> = {};
  const mode: Record<string, number | null> = {};
  const encoding: Record<string, 'utf8' | 'latin1'> = {};
  await Promise.all(
    names.map(async (file) => {
      const path = join(ctx.dir, file);
      const read = decodeFile(await ctx.fs.readBytes(path));
      text[file] = read?.text ?? null;
      if (read) encoding[file] = read.encoding;
      mode[file] = text[file] === null ? null : await ctx.fs.mode(path);
    }),
  );
  return { text, mode, encoding };
}

function portsIn(env: EnvFile | null): Set<number> {
  const ports = new Set<number>();
  for (const key of [ENV.nginxPort, ENV.litellmPort, ENV.webuiPort, ENV.postgresPort]) {
    const value = Number(env?.get(key));
    if (Number.isInteger(value) && value > 0) ports.add(value);
  }
  return ports;
}

export function render(result: SetupResult, style: Style): string {
  const lines: string[] = [];
  const s = result.settings;
  const title = result.dryRun
    ? `Dry run for ${result.directory}: nothing was written.`
    : `Gateway ${result.mode === 'create' ? 'set up' : result.mode === 'recreate' ? 'recreated' : 'updated'} in ${result.directory}`;
  lines.push(style.bold(title));
  const width = Math.max(...result.files.map((f) => f.file.length));
  for (const f of result.files) {
    const verb = result.dryRun ? { create: 'would be created', update: 'would be updated', unchanged: 'unchanged' }[f.action] : { create: 'created', update: 'updated', unchanged: 'unchanged' }[f.action];
    lines.push(`  ${f.file.padEnd(width)}  ${verb}${f.modeFixed ? ' (mode set to 600)' : ''}`);
  }
  if (result.backup) lines.push(`  previous files backed up to ${result.backup}/`);
  if (result.dryRun) {
    for (const f of result.files) if (f.diff) lines.push('', f.diff);
  }
  lines.push('');
  const workers = s.litellmWorkers === null ? "LiteLLM's default workers" : `${s.litellmWorkers} LiteLLM worker${s.litellmWorkers === 1 ? '' : 's'}`;
  lines.push(`Profile     ${s.resourceProfile} (${workers}, needs ~${(s.memoryNeededMb / 1024).toFixed(1)} GB)`);
  lines.push(`Limits      ${s.limits ? 'memory and CPU from the profile (--no-limits turns them off)' : 'none (--no-limits)'}; logs rotated at ${s.logs.maxFiles} x ${s.logs.maxSize} per container`);
  lines.push(`Budget      ${s.budgetProfile} ($${s.maxBudgetUsd} per ${s.budgetDuration})`);
  if (s.scale.engine !== 'compose' || s.scale.redis) {
    lines.push(
      `Engine      ${s.scale.engine}: ${s.scale.replicas.litellm} LiteLLM / ${s.scale.replicas.openWebui} Open WebUI replica(s)${s.scale.redis ? ', Redis' : ''}; PostgreSQL connections ${s.scale.connectionsNeeded} of ${s.scale.postgresMaxConnections}`,
    );
  }
  lines.push(`API         ${result.urls.api}`);
  lines.push(`Open WebUI  ${result.urls.openWebui}`);
  lines.push(`LiteLLM UI  ${result.urls.adminUi}  (login: UI_USERNAME / UI_PASSWORD in .env)`);
  lines.push(`Providers   ${result.providers.length > 0 ? result.providers.join(', ') : 'none yet: add keys to .env and re-run setup, or add models in the LiteLLM UI'}`);
  for (const change of result.providerChanges) lines.push(`            ${describeChange(change, result.dryRun)}`);
  if (result.tls) {
    const t = result.tls;
    const cert = t.certificate;
    const what = t.mode === 'self-signed' ? `self-signed${t.written ? ' (made now)' : ''}` : `your certificate${t.written ? ' (copied to tls/)' : ''}`;
    lines.push(`HTTPS       ${what}${cert ? ` for ${cert.names.join(', ')}, until ${cert.validTo.slice(0, 10)}` : ''}${t.hsts ? '; HSTS on' : ''}`);
    if (t.httpRedirectPort !== null) lines.push(`            http://…:${t.httpRedirectPort} redirects to HTTPS`);
    if (t.trust.length > 0) {
      lines.push('            Trust it (once per client machine; again after it is renewed):');
      for (const line of t.trust) lines.push(`              ${line}`);
    }
  }
  if (result.secrets.generated.length > 0) lines.push(`Secrets     generated ${result.secrets.generated.join(', ')} (in .env, mode 600)`);
  lines.push('', result.dryRun ? 'Run the same command without --dry-run to apply it.' : `Next: ${style.cyan(result.next)}`);
  return lines.join('\n');
}

/** How clients come to trust a self-signed certificate: this CLI and Node, curl, the system store, a browser. */
export function trustCommands(certPath: string): string[] {
  return [
    `export NODE_EXTRA_CA_CERTS=${certPath}        # ai-gateway smoke / key, and other Node clients`,
    `curl --cacert ${certPath} ...                  # curl; Python requests: REQUESTS_CA_BUNDLE=${certPath}`,
    `sudo cp ${certPath} /usr/local/share/ca-certificates/ai-gateway.crt && sudo update-ca-certificates   # the whole machine (Debian/Ubuntu)`,
    'browsers: open the URL once and accept the certificate, or import the file as a trusted authority',
  ];
}

/** Files whose content differs from what was read before the lock was taken. */
export async function filesChangedSince(ctx: Context, read: Record<string, string | null>): Promise<string[]> {
  const changed: string[] = [];
  for (const [file, before] of Object.entries(read)) {
    if ((decodeFile(await ctx.fs.readBytes(join(ctx.dir, file)))?.text ?? null) !== before) changed.push(file);
  }
  return changed;
}

/** "added fireworks_ai: fireworks_ai/* (FIREWORKS_AI_API_KEY in .env)", in the dry run's tense. */
function describeChange(change: ProviderChange, dryRun: boolean): string {
  const verb = dryRun ? { added: 'would add', updated: 'would update', removed: 'would remove' }[change.action] : change.action;
  const entries = change.entries.length > 0 ? change.entries.join(', ') : 'no entry';
  const variables = change.variables.length > 0 ? ` (${change.variables.join(', ')} ${change.action === 'removed' ? 'out of' : 'in'} .env)` : '';
  const kept = change.keptForUserEntries ? `; kept ${change.keptForUserEntries.join(', ')} for your own entries` : '';
  return `${verb} ${change.id}: ${entries}${variables}${kept}`;
}
