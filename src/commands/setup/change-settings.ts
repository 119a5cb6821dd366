/**
 * `setup` → "Change settings" on an existing gateway (interactive only): the setup questions again,
 * each with the gateway's current answer as its default, then the masked diff of what would change
 * and one confirmation. Secrets are kept.
 *
 * The answers become the same options the flags give (`--profile`, `--nginx-port`, ...), so the
 * rest of setup runs exactly as a non-interactive `setup --<flag>` re-run does: one path resolves,
 * checks, renders and writes. A question whose flag or AI_GATEWAY_* variable was given is not asked.
 * Adding or replacing a provider key is setup's own provider menu (its key prompt is hidden);
 * removing one becomes `--remove-provider`.
 */
import type { Context } from '../../core/context.js';
import { CancelledError } from '../../core/errors.js';
import type { EnvFile } from '../../gateway/env-file.js';
import { builtinProvider, envNamesOf, EXTRA_PROVIDERS_KEY, parseExtraProviders, PROVIDERS } from '../../gateway/providers.js';
import { BUDGET_PROFILE_NAMES, BUDGET_PROFILES, DEFAULT_IMAGES, DEFAULT_PORTS, ENV, RESOURCE_PROFILE_NAMES, RESOURCE_PROFILES, type BudgetProfile, type ResourceProfile } from '../../gateway/settings.js';
import { normaliseBind } from './answers/general.js';
import { checkPortText, PORT_ROLES, type PortRole } from './answers/ports.js';
import type { SetupOptions } from './answers/resolver.js';

const IMAGE_QUESTIONS = [
  { key: 'litellm', envKey: ENV.litellmImage, option: 'litellmImage', sourceVar: 'AI_GATEWAY_LITELLM_IMAGE', label: 'LiteLLM' },
  { key: 'postgres', envKey: ENV.postgresImage, option: 'postgresImage', sourceVar: 'AI_GATEWAY_POSTGRES_IMAGE', label: 'PostgreSQL' },
  { key: 'openWebui', envKey: ENV.openWebuiImage, option: 'openWebuiImage', sourceVar: 'AI_GATEWAY_OPEN_WEBUI_IMAGE', label: 'Open WebUI' },
  { key: 'nginx', envKey: ENV.nginxImage, option: 'nginxImage', sourceVar: 'AI_GATEWAY_NGINX_IMAGE', label: 'Nginx' },
] as const;

/**
 * Asks what to change and returns the options setup then runs with. `current` is the gateway's
 * `.env` (null when it cannot be read: the questions then default to setup's own defaults).
 */
export async function askChangedSettings(ctx: Context, options: SetupOptions, current: EnvFile | null): Promise<SetupOptions> {
  const now = (key: string) => {
    const value = current?.get(key)?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  const given = (option: keyof SetupOptions, sourceVar: string) => {
    const value = options[option];
    return (typeof value === 'string' && value.trim() !== '') || typeof value === 'boolean' || (ctx.env[sourceVar] ?? '').trim() !== '';
  };
  const next: SetupOptions = { ...options };
  ctx.out.info('Change settings: every question shows the current answer as its default (Enter keeps it). Secrets are kept.');

  if (!given('profile', 'AI_GATEWAY_PROFILE')) {
    const profile = (now(ENV.resourceProfile) ?? 'medium') as ResourceProfile;
    next.profile = await ctx.prompts.select<ResourceProfile>({
      id: 'profile',
      message: `Resource profile (now ${profile})`,
      choices: RESOURCE_PROFILE_NAMES.map((name) => ({ value: name, name: `${name.padEnd(8)} ${RESOURCE_PROFILES[name].label}: ${RESOURCE_PROFILES[name].description}` })),
      default: RESOURCE_PROFILE_NAMES.includes(profile) ? profile : 'medium',
      flagHint: '--profile <desktop|small|medium|large|none> or AI_GATEWAY_PROFILE',
    });
  }
  if (!given('budget', 'AI_GATEWAY_BUDGET')) {
    const budget = (now(ENV.budgetProfile) ?? 'test') as BudgetProfile;
    next.budget = await ctx.prompts.select<BudgetProfile>({
      id: 'budget',
      message: `Budget profile (now ${budget}; the most the whole proxy may spend per 30 days)`,
      choices: BUDGET_PROFILE_NAMES.map((name) => ({ value: name, name: `${name.padEnd(9)} ${BUDGET_PROFILES[name].description}` })),
      default: BUDGET_PROFILE_NAMES.includes(budget) ? budget : 'test',
      flagHint: '--budget <test|prod|unlimited> or AI_GATEWAY_BUDGET',
    });
  }
  let nginx = isYes(now(ENV.useNginx), true);
  if (given('nginx', 'AI_GATEWAY_NGINX')) nginx = typeof options.nginx === 'boolean' ? options.nginx : isYes(ctx.env.AI_GATEWAY_NGINX, nginx);
  else {
    nginx = await ctx.prompts.confirm({
      id: 'nginx',
      message: `Put Nginx in front? (now ${nginx ? 'yes' : 'no'})`,
      default: nginx,
      flagHint: '--nginx or --no-nginx (AI_GATEWAY_NGINX=yes|no)',
    });
    next.nginx = nginx;
  }
  if (!given('bind', 'AI_GATEWAY_BIND')) {
    const bind = now(ENV.bind) ?? '127.0.0.1';
    const choices = [
      { value: '127.0.0.1', name: 'Only this machine (127.0.0.1)' },
      { value: '0.0.0.0', name: 'Every machine on the network (0.0.0.0)' },
    ];
    if (!choices.some((c) => c.value === bind)) choices.push({ value: bind, name: `Keep ${bind}` });
    next.bind = await ctx.prompts.select({ id: 'bind', message: `Who may connect to the gateway? (now ${bind})`, choices, default: bind, flagHint: '--bind <address> or AI_GATEWAY_BIND' });
    normaliseBind(next.bind, 'the answer for the bind address');
  }

  // Ports: the services that get one with the Nginx answer above (and PostgreSQL when published).
  const roles: PortRole[] = nginx ? ['nginx', 'litellm'] : ['webui', 'litellm'];
  const exposePostgres = typeof options.exposePostgres === 'boolean' ? options.exposePostgres : isYes(ctx.env.AI_GATEWAY_EXPOSE_POSTGRES ?? now(ENV.exposePostgres), false);
  if (exposePostgres) roles.push('postgres');
  const answered = new Map<PortRole, number>();
  for (const role of roles) {
    const spec = PORT_ROLES[role];
    if (given(spec.option, spec.sourceVar)) continue;
    const currentPort = now(spec.envKey);
    const suggested = currentPort ?? String(DEFAULT_PORTS[role]);
    const text = await ctx.prompts.input({
      id: `port.${role}`,
      message: `Host port for ${spec.label}${currentPort ? ` (now ${currentPort})` : ''}`,
      default: suggested,
      validate: (value) => {
        const checked = checkPortText(value);
        if (typeof checked === 'string') return checked;
        return [...answered.values()].includes(checked) ? `port ${checked} is already taken by another service of this gateway` : true;
      },
      flagHint: `${spec.flag} <port>`,
    });
    const port = Number(text.trim());
    answered.set(role, port);
    // An unchanged port stays "ours" (no busy check); a new one is checked like --<role>-port.
    if (String(port) !== currentPort) next[spec.option] = String(port);
  }

  if (nginx) Object.assign(next, await askTls(ctx, options, now, given, [...answered.values()]));
  else if ((now(ENV.tls) ?? 'off') !== 'off' && !given('tls', 'AI_GATEWAY_TLS')) {
    // HTTPS is served by Nginx: without it the gateway is plain HTTP (setup would refuse the mix).
    next.tls = 'off';
    ctx.out.info('Without Nginx there is no HTTPS: the gateway goes back to plain HTTP (tls/ is kept for later).');
  }

  next.removeProvider = [...(options.removeProvider ?? []), ...(await askRemovals(ctx, current, options.removeProvider ?? []))];

  if (IMAGE_QUESTIONS.some((q) => !given(q.option, q.sourceVar))) {
    const change = await ctx.prompts.confirm({
      id: 'change.images',
      message: `Change the service images? (now ${IMAGE_QUESTIONS.map((q) => now(q.envKey) ?? DEFAULT_IMAGES[q.key]).join(', ')})`,
      default: false,
      flagHint: '--litellm-image, --postgres-image, --open-webui-image, --nginx-image (or AI_GATEWAY_*_IMAGE)',
    });
    if (change) {
      for (const q of IMAGE_QUESTIONS) {
        if (given(q.option, q.sourceVar)) continue;
        const image = now(q.envKey) ?? DEFAULT_IMAGES[q.key];
        // setup checks the reference (and Nginx's version) like the flag's.
        next[q.option] = (await ctx.prompts.input({ id: `image.${q.key}`, message: `${q.label} image`, default: image, flagHint: `--${q.option.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` })).trim() || image;
      }
    }
  }
  return next;
}

type TlsChoice = 'off' | 'self-signed' | 'keep-files' | 'new-files';

/**
 * HTTPS at Nginx: off, self-signed, the certificate already in tls/, or new certificate files; then
 * HSTS and the plain-HTTP redirect port. Setup checks the files and the port like the flags'.
 */
async function askTls(
  ctx: Context,
  options: SetupOptions,
  now: (key: string) => string | undefined,
  given: (option: keyof SetupOptions, sourceVar: string) => boolean,
  takenPorts: readonly number[],
): Promise<Partial<SetupOptions>> {
  const answer: Partial<SetupOptions> = {};
  const current = (now(ENV.tls) ?? 'off').toLowerCase();
  let mode: 'off' | 'self-signed' | 'files';
  if (given('tls', 'AI_GATEWAY_TLS') || given('tlsCert', 'AI_GATEWAY_TLS_CERT') || given('tlsKey', 'AI_GATEWAY_TLS_KEY')) {
    const named = (options.tls ?? ctx.env.AI_GATEWAY_TLS ?? '').trim().toLowerCase();
    // setup checks what was given; here it only decides whether HSTS and the redirect are asked.
    mode = named === 'off' || named === 'none' ? 'off' : named === 'self-signed' ? 'self-signed' : 'files';
  } else {
    const choices: { value: TlsChoice; name: string }[] = [
      { value: 'off', name: 'Off: plain HTTP' },
      { value: 'self-signed', name: 'Self-signed: a certificate made for this host (clients must trust it)' },
    ];
    if (current === 'files') choices.push({ value: 'keep-files', name: 'My certificate: keep the one in tls/' });
    choices.push({ value: 'new-files', name: current === 'files' ? 'My certificate: new files (a renewed certificate)' : 'My certificate: PEM files I have' });
    const choice = await ctx.prompts.select<TlsChoice>({
      id: 'tls',
      message: `HTTPS on the Nginx port? (now ${current === 'files' ? 'your certificate' : current})`,
      choices,
      default: current === 'files' ? 'keep-files' : current === 'self-signed' ? 'self-signed' : 'off',
      flagHint: '--tls-cert FILE --tls-key FILE, --tls self-signed or --tls off (AI_GATEWAY_TLS*)',
    });
    if (choice === 'new-files') {
      const file = (id: string, message: string, flagHint: string) =>
        ctx.prompts.input({ id, message, validate: (value) => (value.trim() === '' ? 'give the path of a PEM file' : true), flagHint }).then((v) => v.trim());
      answer.tlsCert = await file('tls.cert', 'Certificate file (PEM, with its chain)', '--tls-cert <file> or AI_GATEWAY_TLS_CERT');
      answer.tlsKey = await file('tls.key', 'Private key file (PEM, unencrypted; copied into tls/ at mode 600)', '--tls-key <file> or AI_GATEWAY_TLS_KEY');
      mode = 'files';
    } else {
      mode = choice === 'keep-files' ? 'files' : choice;
      answer.tls = mode;
    }
  }
  if (mode === 'off') return answer;

  if (!given('hsts', 'AI_GATEWAY_HSTS')) {
    const hsts = isYes(now(ENV.hsts), false);
    answer.hsts = await ctx.prompts.confirm({
      id: 'tls.hsts',
      message: `Send Strict-Transport-Security? Browsers then refuse plain HTTP to this host for a year (now ${hsts ? 'yes' : 'no'})`,
      default: hsts,
      flagHint: '--hsts or --no-hsts (AI_GATEWAY_HSTS=yes|no)',
    });
  }
  if (!given('httpRedirectPort', 'AI_GATEWAY_HTTP_REDIRECT_PORT')) {
    const port = now(ENV.httpRedirectPort);
    const text = (
      await ctx.prompts.input({
        id: 'tls.redirect',
        message: `Plain-HTTP port that redirects to HTTPS (empty for none)${port ? ` (now ${port})` : ''}`,
        default: port ?? '',
        validate: (value) => {
          if (value.trim() === '' || ['off', 'no', 'none'].includes(value.trim().toLowerCase())) return true;
          const checked = checkPortText(value);
          if (typeof checked === 'string') return checked;
          return takenPorts.includes(checked) ? `port ${checked} is already taken by another service of this gateway` : true;
        },
        flagHint: '--http-redirect-port <port|off>',
      })
    ).trim();
    answer.httpRedirectPort = text === '' ? 'off' : text;
  }
  return answer;
}

/** Providers this gateway has: built-ins with a value in `.env`, then EXTRA_PROVIDERS. */
export function configuredProviders(current: EnvFile | null): { id: string; label: string }[] {
  const set = (key: string) => (current?.get(key)?.trim() ?? '') !== '';
  const builtins = PROVIDERS.filter((p) => envNamesOf(p).some(set)).map((p) => ({ id: p.id, label: p.label }));
  const extras = parseExtraProviders(current?.get(EXTRA_PROVIDERS_KEY)).providers.filter((p) => !builtinProvider(p.prefix));
  return [...builtins, ...extras.map((p) => ({ id: p.prefix, label: p.prefix }))];
}

async function askRemovals(ctx: Context, current: EnvFile | null, already: readonly string[]): Promise<string[]> {
  const removals: string[] = [];
  for (;;) {
    const left = configuredProviders(current).filter((p) => !removals.includes(p.id) && !already.includes(p.id));
    if (left.length === 0) return removals;
    const choice = await ctx.prompts.select<string>({
      id: 'change.provider.remove',
      message: `Remove a provider? (configured: ${left.map((p) => p.id).join(', ')}; adding or replacing a key comes next)`,
      choices: [{ value: 'none', name: 'No, keep them' }, ...left.map((p) => ({ value: p.id, name: `Remove ${p.label} (its key leaves .env)` }))],
      default: 'none',
      flagHint: '--remove-provider <id>',
    });
    if (choice === 'none') return removals;
    removals.push(choice);
  }
}

/**
 * Shows what the change does to each file (secrets masked) and asks to apply it.
 * Returns false when nothing would change (nothing to confirm). Declining is a cancel (exit 130).
 */
export async function confirmChanges(ctx: Context, diffs: readonly { file: string; diff: string }[]): Promise<boolean> {
  const changed = diffs.filter((d) => d.diff !== '');
  if (changed.length === 0) {
    ctx.out.info('Nothing changes: every answer is the current one.');
    return false;
  }
  ctx.out.info(`What changes (${changed.map((d) => d.file).join(', ')}; secrets masked):\n\n${changed.map((d) => d.diff).join('\n\n')}\n`);
  const apply = await ctx.prompts.confirm({
    id: 'change.confirm',
    message: 'Apply these changes? (then run start: it recreates or restarts only what changed)',
    default: true,
    flagHint: 'the same setup flags without a terminal (they apply without asking)',
  });
  if (!apply) throw new CancelledError('The change was not applied; nothing was changed.', { hint: 'Run setup again to change settings, or pass the flags (setup --help).' });
  return true;
}

function isYes(value: string | undefined, fallback: boolean): boolean {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === '') return fallback;
  if (['yes', 'true', '1', 'on', 'y'].includes(v)) return true;
  if (['no', 'false', '0', 'off', 'n'].includes(v)) return false;
  return fallback; // setup reports the bad value itself, naming its source
}
