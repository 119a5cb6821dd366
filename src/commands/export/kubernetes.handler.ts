/**
 * `export kubernetes`: gathers the gateway's settings, config.yaml and (only with
 * --include-secrets) its secrets, renders the export (src/gateway/kubernetes/render.ts) and
 * writes it all or nothing: into a private directory beside the target, then swapped in.
 */
import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import type { Context } from '../../core/context.js';
import { UserError } from '../../core/errors.js';
import { acquireLock } from '../../core/lock.js';
import type { Style } from '../../core/output.js';
import { z } from '../../core/schema.js';
import { literalSecretPaths } from '../../gateway/config-secrets.js';
import { LITELLM_CHART, OPEN_WEBUI_CHART } from '../../gateway/kubernetes/charts.js';
import { litellmEnvKeys, objectNames, renderKubernetesExport, type KubernetesExportInput } from '../../gateway/kubernetes/render.js';
import { ENV, FILES, loadGateway } from '../../gateway/layout.js';
import { SECRET_SPECS } from '../../gateway/secrets.js';

const count = (flag: string) => z.coerce.number().check(z.int(`${flag} takes a whole number`), z.gte(1, `${flag} must be at least 1`), z.lte(50, `${flag} must be at most 50`));
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const optionsSchema = z.object({
  output: z.string().check(z.minLength(1, '--output needs a directory')),
  includeSecrets: z._default(z.boolean(), false),
  namespace: z.optional(z.string().check(z.regex(dnsLabel, '--namespace must be a DNS label: lowercase letters, digits and "-", at most 63'))),
  host: z.optional(z.string().check(z.regex(/^(\*\.)?[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, '--host must be a DNS name such as llm.example.com'))),
  replicas: z._default(count('--replicas'), 2),
  webuiReplicas: z._default(count('--webui-replicas'), 1),
  ingressClass: z._default(z.string().check(z.regex(dnsLabel, '--ingress-class must be a DNS label')), 'nginx'),
});
export type KubernetesOptions = z.output<typeof optionsSchema>;

/** Marks a directory this command wrote, so a re-run may replace it and nothing else. */
const MARKER = '.ai-gateway-export';

export interface KubernetesResult {
  output: string;
  namespace: string;
  files: string[];
  secretsIncluded: boolean;
  charts: { litellm: { reference: string; version: string }; openWebui: { repository: string; chart: string; version: string } };
  /** Objects the Secrets step makes (names only). */
  secrets: string[];
  /** REDIS_PASSWORD was generated into .env by this run. */
  redisPasswordCreated: boolean;
}

export async function run(ctx: Context, options: KubernetesOptions): Promise<KubernetesResult> {
  const gateway = await loadGateway(ctx);
  const project = gateway.settings.projectName;
  const output = resolve(options.output);
  const configText = (await ctx.fs.readText(gateway.path(FILES.config))) ?? '';
  let config: Record<string, unknown>;
  try {
    config = (parse(configText) as Record<string, unknown> | null) ?? {};
  } catch (error) {
    throw new UserError('CONFIG_INVALID', `${gateway.path(FILES.config)} is not valid YAML: ${(error as Error).message.split('\n')[0]}`, { hint: 'Fix it, or run "ai-gateway setup" to render it again.' });
  }
  const literal = literalSecretPaths(configText);
  if (literal.length > 0 && !options.includeSecrets) {
    throw new UserError('CONFIG_HAS_SECRETS', `config.yaml holds secret values in clear text (${literal.join(', ')}); the export would copy them into values/litellm.yaml.`, {
      hint: 'Move each value to .env and write os.environ/NAME in config.yaml, or pass --include-secrets.',
      details: { paths: literal },
    });
  }
  await guardOutput(ctx, output);

  // REDIS_PASSWORD: generated once into .env (the single source of truth), never regenerated.
  let redisPasswordCreated = false;
  if (!gateway.env.get('REDIS_PASSWORD')) {
    const lock = await acquireLock(ctx.dir, { clock: ctx.clock, purpose: 'export kubernetes' });
    try {
      const spec = SECRET_SPECS.find((s) => s.envKey === ENV.redisPassword);
      if (!spec) throw new Error('no secret spec for REDIS_PASSWORD');
      gateway.env.set(ENV.redisPassword, spec.generate(ctx.random), ['# Redis (router state, websockets) past one machine: generated once by ai-gateway']);
      await ctx.fs.writeAtomic(gateway.path(FILES.env), gateway.env.toString());
      redisPasswordCreated = true;
    } finally {
      await lock.release();
    }
  }

  const secretKeys = [...new Set([ENV.masterKey, ENV.postgresPassword, ENV.webuiSecret, ENV.virtualKey, 'REDIS_PASSWORD', ...litellmEnvKeys(config)])];
  let secretValues: Record<string, string> | null = null;
  if (options.includeSecrets) {
    secretValues = {};
    for (const key of secretKeys) {
      const value = gateway.secret(key) ?? gateway.env.get(key);
      if (value) {
        ctx.out.addSecret(value);
        secretValues[key] = value;
      }
    }
    const missing = [ENV.masterKey, ENV.postgresPassword, ENV.webuiSecret, ENV.virtualKey].filter((k) => !secretValues?.[k]);
    if (missing.length > 0) {
      throw new UserError('SECRETS_MISSING', `.env lacks ${missing.join(', ')}, which the Secrets need.`, {
        hint: missing.includes(ENV.virtualKey) ? `Run "ai-gateway start --dir ${ctx.dir}" once (it creates Open WebUI's VIRTUAL_KEY), then export again.` : `Run "ai-gateway setup --dir ${ctx.dir}".`,
      });
    }
  }

  const input: KubernetesExportInput = {
    project,
    namespace: options.namespace ?? project,
    images: { litellm: gateway.settings.images.litellm, postgres: gateway.settings.images.postgres, openWebui: gateway.settings.images.openWebui },
    config,
    postgres: { user: gateway.env.get(ENV.postgresUser) ?? 'litellm', database: gateway.env.get(ENV.postgresDb) ?? 'litellm' },
    replicas: options.replicas,
    webuiReplicas: options.webuiReplicas,
    host: options.host ?? null,
    ingressClass: options.ingressClass,
    secretValues,
  };
  const files = renderKubernetesExport(input);
  await writeTree(output, files);
  const names = objectNames(project);
  return {
    output,
    namespace: input.namespace,
    files: Object.keys(files).sort(),
    secretsIncluded: secretValues !== null,
    charts: {
      litellm: { reference: LITELLM_CHART.reference, version: LITELLM_CHART.version },
      openWebui: { repository: OPEN_WEBUI_CHART.repoUrl, chart: OPEN_WEBUI_CHART.chart, version: OPEN_WEBUI_CHART.version },
    },
    secrets: Object.values(names),
    redisPasswordCreated,
  };
}

/** The target is new, empty, or an earlier export (marked); anything else is the user's and is kept. */
async function guardOutput(ctx: Context, output: string): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(output);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new UserError('OUTPUT_NOT_A_DIRECTORY', `${output} is a file, not a directory.`, { hint: 'Pass --output with a directory path.' });
    throw error;
  }
  if (entries.length > 0 && !entries.includes(MARKER)) {
    throw new UserError('OUTPUT_NOT_EMPTY', `${output} holds files that no export wrote; they are left alone.`, { hint: 'Pass an empty or new directory to --output.' });
  }
  if (resolve(output) === resolve(ctx.dir)) throw new UserError('OUTPUT_IS_GATEWAY', '--output is the gateway directory itself.', { hint: 'Pass a directory of its own, e.g. --output k8s.' });
}

/** All files into a private directory beside `output`, then one rename: never half an export. */
async function writeTree(output: string, files: Record<string, string>): Promise<void> {
  await mkdir(dirname(output), { recursive: true });
  const staging = await mkdtemp(join(dirname(output), `.${basename(output)}-`));
  try {
    await chmod(staging, 0o700);
    for (const [path, text] of Object.entries({ ...files, [MARKER]: 'Written by "ai-gateway export kubernetes"; re-running it replaces this directory.\n' })) {
      const target = join(staging, path);
      await mkdir(dirname(target), { recursive: true, mode: 0o700 });
      await writeFile(target, text, { mode: path.endsWith('.sh') ? 0o700 : 0o600 });
    }
    const old = `${staging}.old`;
    const hadOld = await rename(output, old).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
    await rename(staging, output);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

export function render(result: KubernetesResult, style: Style): string {
  const lines = [
    `${style.green('✔')} Kubernetes export of namespace ${style.bold(result.namespace)} in ${result.output}: ${result.files.length} files (LiteLLM chart ${result.charts.litellm.version}, Open WebUI chart ${result.charts.openWebui.version}).`,
    result.secretsIncluded
      ? `${style.yellow('!')} manifests/10-secrets.yaml holds every secret value: keep the directory private and out of git.`
      : `No secret value was written: ${join(result.output, 'create-secrets.sh')} makes the Secrets (${result.secrets.join(', ')}) from .env.`,
  ];
  if (result.redisPasswordCreated) lines.push('REDIS_PASSWORD was generated into .env (kept from now on).');
  lines.push(`Next: follow ${join(result.output, 'README.md')} (kubectl apply, then helm upgrade --install for each chart).`);
  return lines.join('\n');
}
