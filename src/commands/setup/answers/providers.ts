/**
 * Setup answers for the LLM providers: the built-in ones (keys from AI_GATEWAY_* variables or hidden
 * prompts, base URLs from flags, Azure's settings), any other LiteLLM provider by its prefix
 * (`--provider <prefix> [--provider-key-env NAME] [--provider-base-url URL]`, kept in EXTRA_PROVIDERS),
 * and removals (`--remove-provider <id>`, confirmed). Keys only ever reach `.env`.
 */
import { CancelledError, NonInteractiveError, UserError } from '../../../core/errors.js';
import {
  isLitellmPrefix,
  modelProviderPrefixes,
  NOT_MODEL_PROVIDERS,
  prefixRule,
} from '../../../gateway/litellm-providers.js';
import {
  AZURE,
  baseEnvOf,
  builtinProvider,
  defaultKeyEnv,
  ENV_NAME,
  envNamesOf,
  EXTRA_PROVIDERS_KEY,
  extraProviderEnvKeys,
  formatExtraProviders,
  LM_STUDIO_DEFAULT_BASE,
  modelEntries,
  OLLAMA_DEFAULT_BASE,
  parseExtraProviders,
  PROVIDER_ENV_KEYS,
  PROVIDERS,
  versionEnvOf,
  type ExtraProvider,
  type ExtraSelection,
  type ProviderSelection,
  type ProviderSpec,
} from '../../../gateway/providers.js';
import { MANAGED_ENV_KEYS } from '../../../gateway/render/env.js';
import { interactive, priorValue, suppliedWithSource, valueFromEnv, type Resolver } from './resolver.js';

/** One `--provider` with the `--provider-key-env` / `--provider-base-url` that followed it. */
export interface ProviderRequest {
  prefix: string;
  keyEnv?: string | undefined;
  baseUrl?: string | undefined;
}

/** What this run changes for one provider (names of variables and entries, never values). */
export interface ProviderChange {
  /** The built-in id (`openai`) or the LiteLLM prefix of another provider (`fireworks_ai`). */
  id: string;
  action: 'added' | 'updated' | 'removed';
  /** `.env` variables set (added, updated) or taken out (removed). */
  variables: string[];
  /** Managed config.yaml entries it brings or takes away. */
  entries: string[];
  /** Variables a removal left in `.env` because config.yaml entries of yours still read them. */
  keptForUserEntries?: string[];
}

export interface ResolvedProviders {
  /** `.env` values to write (new or changed keys only). */
  values: Record<string, string>;
  /** `.env` keys to take out (removed providers). */
  remove: string[];
  selection: ProviderSelection[];
  extras: ExtraSelection[];
  /** The `.env` variables of the other providers, for their group in `.env`. */
  extraKeys: string[];
  changes: ProviderChange[];
}

export interface ProviderInputs {
  /** Ask about providers (a new gateway in a terminal). */
  askInteractively: boolean;
  requests: readonly ProviderRequest[];
  removals: readonly string[];
  /** `.env` names read by config.yaml entries the user wrote, with those entries' names. */
  userEntryRefs: ReadonlyMap<string, string[]>;
}

const PROVIDER_VALUE = /^[^\s'"`$\\#]+$/;
const URL_EXAMPLE: Record<string, string> = { ollama: OLLAMA_DEFAULT_BASE, lm_studio: LM_STUDIO_DEFAULT_BASE };
/** The option of each built-in that is a URL (a local server) rather than a key. */
const URL_OPTIONS: Partial<Record<ProviderSpec['id'], 'ollamaBaseUrl' | 'lmStudioBaseUrl'>> = { ollama: 'ollamaBaseUrl', lm_studio: 'lmStudioBaseUrl' };

function validateKey(name: string, value: string): true | string {
  if (!PROVIDER_VALUE.test(value)) return `${name} must not contain spaces, quotes, "$", "#" or "\\"`;
  return value.length >= 8 ? true : `${name} looks too short to be an API key`;
}

function validateProviderValue(spec: ProviderSpec, value: string): true | string {
  return spec.secret ? validateKey(spec.envKey, value) : validateUrl(value, spec.envKey, URL_EXAMPLE[spec.id]);
}

function validateUrl(value: string, name: string, example = 'https://api.example.com/v1'): true | string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${name} must be an http:// or https:// URL`;
    if (url.username || url.password) return `${name} must not carry credentials (user:password@); keys go in their own variable`;
  } catch {
    return `${name} must be a URL such as ${example}`;
  }
  return PROVIDER_VALUE.test(value) ? true : `${name} must not contain spaces, quotes, "$", "#" or "\\"`;
}

function failIfInvalid(result: true | string, source: string): void {
  if (result !== true) throw new UserError('INVALID_PROVIDER_VALUE', `${source}: ${result}.`, { hint: `Fix ${source} and run setup again.` });
}

/** `--provider` without flags: the same `prefix[:KEY_VARIABLE]` list as EXTRA_PROVIDERS in `.env`. */
const PROVIDERS_VAR = 'AI_GATEWAY_PROVIDERS';

/** Every built-in provider value given by flag or variable, checked before anything touches the host. */
export function checkSuppliedProviders(r: Resolver): void {
  for (const spec of PROVIDERS) {
    const given = givenBuiltin(r, spec, []);
    if (given) failIfInvalid(validateProviderValue(spec, given.value), given.source);
  }
}

function requestsFromEnv(r: Resolver): ProviderRequest[] {
  const given = valueFromEnv(r, PROVIDERS_VAR);
  if (!given) return [];
  const { providers, problems } = parseExtraProviders(given.value);
  if (problems.length > 0) {
    throw new UserError('INVALID_OPTION', `${PROVIDERS_VAR}: ${problems.join('; ')}.`, { hint: `Set ${PROVIDERS_VAR}=fireworks_ai,deepinfra:DEEPINFRA_TOKEN (prefix, or prefix:KEY_VARIABLE, comma-separated).` });
  }
  const named = new Set(given.value.split(/[,\s]+/).filter((item) => item.includes(':')).map((item) => item.split(':')[0]));
  return providers.map((p) => (named.has(p.prefix) ? { prefix: p.prefix, keyEnv: p.keyEnv } : { prefix: p.prefix }));
}

/** Known prefixes that contain the given one or are contained in it, ignoring "_" and "-" ("fireworks" → fireworks_ai). */
function closePrefixes(prefix: string): string[] {
  const needle = prefix.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (needle.length < 2) return [];
  return modelProviderPrefixes().filter((p) => {
    const flat = p.replace(/[^a-z0-9]/g, '');
    return flat.includes(needle) || needle.includes(flat);
  });
}

/** A prefix LiteLLM does not know, with the closest names and the whole list. */
function unknownPrefix(prefix: string, source: string): UserError {
  const known = modelProviderPrefixes();
  if (prefix in NOT_MODEL_PROVIDERS) {
    return new UserError('NOT_A_MODEL_PROVIDER', `"${prefix}" (from ${source}) is ${NOT_MODEL_PROVIDERS[prefix]} in LiteLLM, not a model provider: a ${prefix}/* model entry would serve nothing.`, {
      hint: 'Configure it in config.yaml by hand (see docs.litellm.ai), or pass a model provider prefix to --provider.',
    });
  }
  const close = closePrefixes(prefix);
  return new UserError('UNKNOWN_PROVIDER', `Unknown provider prefix "${prefix}" (from ${source}).${close.length > 0 ? ` Did you mean ${close.slice(0, 5).join(', ')}?` : ''} LiteLLM knows: ${known.join(', ')}.`, {
    hint: `Pass one of LiteLLM's prefixes, e.g. --provider ${close[0] ?? 'fireworks_ai'} (the part before "/" in a LiteLLM model name).`,
    details: { prefix, suggestions: close, known },
  });
}

export async function resolveProviders(r: Resolver, inputs: ProviderInputs): Promise<ResolvedProviders> {
  const values: Record<string, string> = {};
  const remove = new Set<string>();
  const changes: ProviderChange[] = [];
  const current = (key: string) => (remove.has(key) ? undefined : (values[key] ?? priorValue(r, key)));
  /** The `.env` name a built-in's value lives under: the one already set (maybe an alias), else the canonical. */
  const nameInUse = (spec: ProviderSpec) => envNamesOf(spec).find((name) => priorValue(r, name) !== undefined) ?? spec.envKey;
  const builtinValue = (spec: ProviderSpec) => current(nameInUse(spec));
  const touched = new Map<string, ProviderChange>();
  const noteChange = (id: string, variable: string, wasSet: boolean) => {
    const change = touched.get(id) ?? { id, action: wasSet ? 'updated' : 'added', variables: [], entries: [] };
    if (!change.variables.includes(variable)) change.variables.push(variable);
    touched.set(id, change);
  };

  const parsedPrior = parseExtraProviders(priorValue(r, EXTRA_PROVIDERS_KEY));
  if (parsedPrior.problems.length > 0) {
    throw new UserError('INVALID_ENV', `${EXTRA_PROVIDERS_KEY} in .env: ${parsedPrior.problems.join('; ')}.`, {
      hint: `Fix ${EXTRA_PROVIDERS_KEY} in .env (e.g. ${EXTRA_PROVIDERS_KEY}=fireworks_ai,hosted_vllm:VLLM_KEY), then run setup again.`,
    });
  }
  for (const listed of parsedPrior.providers) {
    const problem = builtinProvider(listed.prefix)
      ? `lists ${listed.prefix}, which is built in (configure it by its own variables)`
      : !isLitellmPrefix(listed.prefix) || listed.prefix in NOT_MODEL_PROVIDERS
        ? `lists "${listed.prefix}", which is not a LiteLLM model provider prefix`
        : undefined;
    if (problem) {
      throw new UserError('INVALID_ENV', `${EXTRA_PROVIDERS_KEY} in .env ${problem}.`, { hint: `Take it out of ${EXTRA_PROVIDERS_KEY} in .env (or fix the name), then run setup again.` });
    }
  }
  const extras: ExtraProvider[] = [...parsedPrior.providers];
  const requests = inputs.requests.length > 0 ? inputs.requests : requestsFromEnv(r);
  const from = (request: ProviderRequest) => (inputs.requests.length > 0 ? `--provider ${request.prefix}` : PROVIDERS_VAR);
  // Every --provider is checked before anything is asked or confirmed.
  for (const request of requests) {
    if (!builtinProvider(request.prefix) && (!isLitellmPrefix(request.prefix) || request.prefix in NOT_MODEL_PROVIDERS)) throw unknownPrefix(request.prefix, from(request));
  }

  // ── removals first: a provider named both ways is a contradiction ──
  const removedIds = new Set<string>();
  for (const name of inputs.removals.map((n) => n.trim()).filter(Boolean)) {
    const spec = builtinProvider(name);
    const extra = extras.find((p) => p.prefix === name);
    if (requests.some((q) => q.prefix === name || (spec !== undefined && builtinProvider(q.prefix) === spec))) {
      throw new UserError('PROVIDER_CONFLICT', `--remove-provider ${name} and --provider ${name} contradict each other.`, { hint: 'Pass one of them.' });
    }
    let keys: string[];
    let id: string;
    if (spec) {
      id = spec.id;
      keys = [...envNamesOf(spec), ...(spec.id === 'azure' ? [AZURE.baseKey, AZURE.versionKey, AZURE.deploymentKey] : [])];
    } else if (extra) {
      id = extra.prefix;
      keys = extraProviderEnvKeys(extra);
    } else if (isLitellmPrefix(name)) {
      r.warnings.push(`--remove-provider ${name}: ${name} is not configured in this gateway; nothing to remove.`);
      continue;
    } else {
      throw new UserError('UNKNOWN_PROVIDER', `--remove-provider ${name}: no provider of that name is configured here.`, {
        hint: `Configured: ${configuredNames(r, extras).join(', ') || 'none'}. Pass one of those.`,
      });
    }
    const present = keys.filter((k) => priorValue(r, k) !== undefined || r.prior?.has(k));
    if (present.length === 0 && !extra) {
      r.warnings.push(`--remove-provider ${name}: ${name} is not configured in this gateway; nothing to remove.`);
      continue;
    }
    const entries = spec ? entriesOf({ id: spec.id, envKey: nameInUse(spec) }) : [`${name}/*`];
    const kept = present.filter((k) => inputs.userEntryRefs.has(k));
    for (const key of present) if (!kept.includes(key)) remove.add(key);
    if (extra) extras.splice(extras.indexOf(extra), 1);
    removedIds.add(id);
    changes.push({ id, action: 'removed', variables: present.filter((k) => !kept.includes(k)), entries, ...(kept.length > 0 ? { keptForUserEntries: kept } : {}) });
    for (const key of kept) {
      r.warnings.push(`${key} stays in .env: config.yaml entries you wrote still read it (${(inputs.userEntryRefs.get(key) ?? []).join(', ')}). Remove those entries, then run setup --remove-provider ${name} again to take it out.`);
    }
  }
  if (removedIds.size > 0) await confirmRemoval(r, changes.filter((c) => c.action === 'removed'));

  // ── built-ins from their variables and flags ──
  for (const spec of PROVIDERS) {
    const given = givenBuiltin(r, spec, requests);
    if (!given) continue;
    if (removedIds.has(spec.id)) {
      r.warnings.push(`${given.source} was ignored: ${spec.id} is being removed.`);
      continue;
    }
    failIfInvalid(validateProviderValue(spec, given.value), given.source);
    if (spec.secret) r.ctx.out.addSecret(given.value);
    const name = nameInUse(spec);
    if (priorValue(r, name) !== given.value) {
      values[name] = given.value;
      noteChange(spec.id, name, priorValue(r, name) !== undefined);
      if (priorValue(r, name) !== undefined) r.ctx.out.info(`${name} in .env replaced by ${given.source}.`);
    }
  }

  // ── --provider requests ──
  for (const request of requests) {
    const spec = builtinProvider(request.prefix);
    if (spec) {
      await requestBuiltin(r, spec, request, { current: builtinValue, set: (value) => {
        const name = nameInUse(spec);
        values[name] = value;
        noteChange(spec.id, name, priorValue(r, name) !== undefined);
      } });
      continue;
    }
    await requestExtra(r, request, extras, { values, current, noteChange });
  }

  // ── the interactive menu (a new gateway in a terminal) ──
  if (inputs.askInteractively && interactive(r)) {
    for (;;) {
      const choice = await r.ctx.prompts.select<string>({
        id: 'providers',
        message: 'Add an LLM provider? (keys are stored in .env only)',
        choices: [
          { value: 'done', name: 'Done' },
          ...PROVIDERS.map((p) => ({ value: p.id, name: `${p.label}${builtinValue(p) ? ' (configured; choose to replace)' : ''}` })),
          { value: 'other', name: 'Another LiteLLM provider, by its prefix (fireworks_ai, bedrock, hosted_vllm, ...)' },
        ],
        default: 'done',
        flagHint: 'AI_GATEWAY_<PROVIDER>_API_KEY variables (e.g. AI_GATEWAY_OPENAI_API_KEY), or --provider <prefix>',
      });
      if (choice === 'done') break;
      if (choice === 'other') {
        const prefix = (
          await r.ctx.prompts.input({
            id: 'provider.other',
            message: "LiteLLM provider prefix (the part before '/' in its model names)",
            validate: (text) => {
              const p = text.trim();
              if (p === '') return true;
              if (builtinProvider(p)) return `${p} is in the list above; choose it there`;
              if (isLitellmPrefix(p) && !(p in NOT_MODEL_PROVIDERS)) return true;
              const close = closePrefixes(p);
              return `"${p}" is not a LiteLLM model provider prefix${close.length > 0 ? `; did you mean ${close.slice(0, 5).join(', ')}?` : ' (see https://docs.litellm.ai/docs/providers)'}`;
            },
            flagHint: '--provider <prefix>',
          })
        ).trim();
        if (prefix !== '') await requestExtra(r, { prefix }, extras, { values, current, noteChange });
        continue;
      }
      const spec = PROVIDERS.find((p) => p.id === choice) as ProviderSpec;
      const answer = await askBuiltin(r, spec, builtinValue(spec), true);
      if (answer === '') continue;
      const name = nameInUse(spec);
      values[name] = answer;
      noteChange(spec.id, name, priorValue(r, name) !== undefined);
    }
  }

  // ── what config.yaml gets ──
  const selection: ProviderSelection[] = [];
  for (const spec of PROVIDERS) {
    if (removedIds.has(spec.id) || builtinValue(spec) === undefined) continue;
    const name = nameInUse(spec);
    if (spec.id === 'azure') {
      const azure = await resolveAzure(r, current);
      Object.assign(values, azure.values);
      for (const key of Object.keys(azure.values)) noteChange('azure', key, priorValue(r, key) !== undefined);
      selection.push({ id: 'azure', azureDeployment: azure.deployment, ...(name !== spec.envKey ? { envKey: name } : {}) });
    } else selection.push({ id: spec.id, ...(name !== spec.envKey ? { envKey: name } : {}) });
  }
  const extraSelection: ExtraSelection[] = [];
  for (const extra of extras) {
    const rule = prefixRule(extra.prefix);
    const key = current(extra.keyEnv);
    const base = current(baseEnvOf(extra.prefix));
    const version = current(versionEnvOf(extra.prefix));
    const missing = [
      ...(rule.key === undefined && key === undefined ? [extra.keyEnv] : []),
      ...(rule.baseUrl === 'required' && base === undefined ? [baseEnvOf(extra.prefix)] : []),
      ...(rule.apiVersion && version === undefined ? [versionEnvOf(extra.prefix)] : []),
    ];
    if (missing.length > 0) {
      r.warnings.push(
        `${EXTRA_PROVIDERS_KEY} lists ${extra.prefix}, but ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} empty: its entry is left out of config.yaml. Run setup --provider ${extra.prefix} to supply ${missing.length === 1 ? 'it' : 'them'}, or setup --remove-provider ${extra.prefix}.`,
      );
      continue;
    }
    extraSelection.push({ prefix: extra.prefix, ...(key !== undefined ? { keyEnv: extra.keyEnv } : {}), ...(base !== undefined ? { baseEnv: baseEnvOf(extra.prefix) } : {}), ...(version !== undefined ? { versionEnv: versionEnvOf(extra.prefix) } : {}) });
  }
  const listed = formatExtraProviders(extras);
  if (listed !== formatExtraProviders(parsedPrior.providers)) {
    if (listed === '') remove.add(EXTRA_PROVIDERS_KEY);
    else values[EXTRA_PROVIDERS_KEY] = listed;
  }

  for (const change of touched.values()) {
    const spec = builtinProvider(change.id);
    const extra = extraSelection.find((e) => e.prefix === change.id);
    change.entries = spec ? entriesOf({ id: spec.id, envKey: nameInUse(spec) }, selection.find((s) => s.id === spec.id)?.azureDeployment) : extra ? entriesOf(extra) : [];
    changes.push(change);
  }
  for (const key of remove) delete values[key];
  return {
    values,
    remove: [...remove],
    selection,
    extras: extraSelection,
    extraKeys: extras.flatMap(extraProviderEnvKeys),
    changes,
  };
}

function entriesOf(provider: { id: ProviderSpec['id']; envKey: string } | ExtraSelection, azureDeployment?: string): string[] {
  const entries = 'id' in provider ? modelEntries([{ id: provider.id, ...(azureDeployment ? { azureDeployment } : {}) }]) : modelEntries([], [provider]);
  return entries.map((e) => e.model_name);
}

function configuredNames(r: Resolver, extras: readonly ExtraProvider[]): string[] {
  return [...PROVIDERS.filter((p) => envNamesOf(p).some((n) => priorValue(r, n) !== undefined)).map((p) => p.id), ...extras.map((e) => e.prefix)];
}

async function confirmRemoval(r: Resolver, removed: readonly ProviderChange[]): Promise<void> {
  if (r.options.dryRun) return; // a dry run removes nothing
  const what = removed
    .map((c) => `${c.id} (${c.entries.length} managed entr${c.entries.length === 1 ? 'y' : 'ies'}${c.variables.length > 0 ? `; ${c.variables.join(', ')} from .env` : ''})`)
    .join(', ');
  if (interactive(r)) {
    const ok = await r.ctx.prompts.confirm({
      id: 'remove-provider.confirm',
      message: `Remove ${what}? Keys taken out of .env are gone unless you have them elsewhere.`,
      default: false,
      flagHint: '--remove-provider <id> --yes',
    });
    if (!ok) throw new CancelledError('Removing the provider was not confirmed; nothing was changed.');
    return;
  }
  if (!r.ctx.yes) throw new NonInteractiveError(`Removing ${what}`, 'Pass --yes together with --remove-provider to confirm it.');
}

/** A built-in's value supplied without a prompt: its flag (URL ones), --provider <id> --provider-base-url, or its variables. */
function givenBuiltin(r: Resolver, spec: ProviderSpec, requests: readonly ProviderRequest[]): { value: string; source: string } | undefined {
  if (!spec.secret) {
    const request = requests.find((q) => builtinProvider(q.prefix) === spec && q.baseUrl !== undefined);
    if (request?.baseUrl !== undefined && request.baseUrl.trim() !== '') return { value: request.baseUrl.trim(), source: `--provider ${request.prefix} --provider-base-url` };
    const option = URL_OPTIONS[spec.id];
    return option ? suppliedWithSource(r, option, spec.flag ?? option, spec.sourceVar) : undefined;
  }
  for (const name of [spec.sourceVar, ...(spec.sourceAliases ?? [])]) {
    const given = valueFromEnv(r, name);
    if (given) return given;
  }
  return undefined;
}

async function requestBuiltin(
  r: Resolver,
  spec: ProviderSpec,
  request: ProviderRequest,
  state: { current: (spec: ProviderSpec) => string | undefined; set: (value: string) => void },
): Promise<void> {
  if (request.keyEnv !== undefined) {
    throw new UserError('INVALID_OPTION', `--provider ${request.prefix} is built in: its key is always ${envNamesOf(spec).join(' or ')}; --provider-key-env does not apply.`, {
      hint: spec.secret ? `Set ${spec.sourceVar} (keys are never flags), or drop --provider-key-env.` : `Drop --provider-key-env: ${spec.label} needs no key.`,
    });
  }
  if (request.baseUrl !== undefined && spec.secret) {
    throw new UserError('INVALID_OPTION', `--provider ${request.prefix} is built in with LiteLLM's own endpoint; --provider-base-url does not apply.`, {
      hint: spec.id === 'azure' ? 'Pass --azure-api-base for the Azure endpoint.' : `For another endpoint, add a provider of your own to config.yaml (or use --provider openai_like --provider-base-url <url>).`,
    });
  }
  if (state.current(spec) !== undefined) return; // set by its variable, its flag or already in .env
  if (!spec.secret) {
    // A local server: the default address on the Docker host unless asked otherwise.
    const answer = interactive(r) ? await askBuiltin(r, spec, undefined, false) : (URL_EXAMPLE[spec.id] as string);
    state.set(answer);
    return;
  }
  if (!interactive(r)) throw new NonInteractiveError(`The ${spec.label} API key`, `Set ${spec.sourceVar} (keys are never flags: they would show in ps).`);
  const answer = await askBuiltin(r, spec, undefined, false);
  if (answer === '') throw new CancelledError(`No ${spec.label} API key was given; nothing was changed.`);
  state.set(answer);
}

async function askBuiltin(r: Resolver, spec: ProviderSpec, currentValue: string | undefined, skippable: boolean): Promise<string> {
  const question = {
    id: `provider.${spec.id}`,
    message: spec.secret ? `${spec.label} API key (hidden${skippable ? '; empty to skip' : ''})` : `${spec.label} URL, as the LiteLLM container reaches it`,
    validate: (text: string) => (text.trim() === '' ? (skippable ? true : `${spec.label} needs ${spec.secret ? 'an API key' : 'a URL'} (Ctrl-C cancels)`) : validateProviderValue(spec, text.trim())),
    flagHint: spec.flag ? `${spec.flag} or ${spec.sourceVar}` : spec.sourceVar,
  };
  const answer = spec.secret ? await r.ctx.prompts.password(question) : await r.ctx.prompts.input({ ...question, default: currentValue ?? URL_EXAMPLE[spec.id] ?? '' });
  const value = answer.trim();
  if (spec.secret && value !== '') r.ctx.out.addSecret(value);
  return value;
}

/** `.env` names a key variable of another provider must not take: every variable setup or another provider owns. */
function reservedNames(extras: readonly ExtraProvider[], prefix: string): Set<string> {
  return new Set([...MANAGED_ENV_KEYS, ...PROVIDER_ENV_KEYS, 'DATABASE_URL', 'STORE_MODEL_IN_DB', ...extras.filter((e) => e.prefix !== prefix).flatMap(extraProviderEnvKeys), baseEnvOf(prefix), versionEnvOf(prefix)]);
}

async function requestExtra(
  r: Resolver,
  request: ProviderRequest,
  extras: ExtraProvider[],
  state: { values: Record<string, string>; current: (key: string) => string | undefined; noteChange: (id: string, variable: string, wasSet: boolean) => void },
): Promise<void> {
  const { prefix } = request;
  const rule = prefixRule(prefix);
  const existing = extras.find((e) => e.prefix === prefix);
  const keyEnv = request.keyEnv?.trim() || existing?.keyEnv || defaultKeyEnv(prefix);
  if (!ENV_NAME.test(keyEnv)) {
    throw new UserError('INVALID_OPTION', `--provider-key-env ${keyEnv}: a variable name is upper-case letters, digits and "_", not starting with a digit.`, { hint: `E.g. --provider-key-env ${defaultKeyEnv(prefix)}.` });
  }
  if (reservedNames(extras, prefix).has(keyEnv)) {
    throw new UserError('INVALID_OPTION', `--provider-key-env ${keyEnv}: that .env variable already belongs to setup or another provider.`, { hint: `Name a variable of its own, e.g. --provider-key-env ${defaultKeyEnv(prefix)}.` });
  }
  if (existing && existing.keyEnv !== keyEnv) {
    throw new UserError('PROVIDER_KEY_ENV_CHANGED', `${prefix} is configured with its key in ${existing.keyEnv}; --provider-key-env ${keyEnv} would move it.`, {
      hint: `Run setup --remove-provider ${prefix} first, then add it again with the new variable.`,
    });
  }
  const wasListed = existing !== undefined;
  if (!existing) extras.push({ prefix, keyEnv });

  // Base URL: flag, AI_GATEWAY_<PREFIX>_API_BASE, .env, then a prompt when LiteLLM needs one.
  const baseEnv = baseEnvOf(prefix);
  const givenBase =
    request.baseUrl !== undefined && request.baseUrl.trim() !== '' ? { value: request.baseUrl.trim(), source: `--provider ${prefix} --provider-base-url` } : valueFromEnv(r, `AI_GATEWAY_${baseEnv}`);
  if (givenBase) failIfInvalid(validateUrl(givenBase.value, baseEnv), givenBase.source);
  let base = givenBase?.value;
  if (base === undefined && state.current(baseEnv) === undefined && rule.baseUrl === 'required') {
    if (!interactive(r)) {
      throw new NonInteractiveError(`The base URL of ${prefix}`, `Pass --provider ${prefix} --provider-base-url <url> (as the LiteLLM container reaches it, e.g. http://host.docker.internal:8000/v1).`);
    }
    base = (
      await r.ctx.prompts.input({
        id: `provider.${prefix}.base`,
        message: `${prefix} base URL, as the LiteLLM container reaches it`,
        validate: (text) => validateUrl(text.trim(), baseEnv),
        flagHint: `--provider ${prefix} --provider-base-url <url>`,
      })
    ).trim();
  }
  if (base !== undefined && base !== state.current(baseEnv)) {
    state.values[baseEnv] = base;
    state.noteChange(prefix, baseEnv, wasListed);
  }

  // API version (azure_text): AI_GATEWAY_<PREFIX>_API_VERSION, .env, then LiteLLM's documented default.
  if (rule.apiVersion) {
    const versionEnv = versionEnvOf(prefix);
    const given = valueFromEnv(r, `AI_GATEWAY_${versionEnv}`);
    if (given && !/^[A-Za-z0-9._-]+$/.test(given.value)) failIfInvalid(`${versionEnv} may only contain letters, digits, ".", "_" and "-"`, given.source);
    const version = given?.value ?? state.current(versionEnv) ?? rule.apiVersion.default;
    if (version !== state.current(versionEnv)) {
      state.values[versionEnv] = version;
      state.noteChange(prefix, versionEnv, wasListed);
    }
  }

  // Key: AI_GATEWAY_<KEY_ENV>, .env, then a hidden prompt; only providers that need one insist.
  const sourceVar = `AI_GATEWAY_${keyEnv}`;
  const givenKey = valueFromEnv(r, sourceVar);
  if (givenKey) {
    r.ctx.out.addSecret(givenKey.value);
    failIfInvalid(validateKey(keyEnv, givenKey.value), givenKey.source);
  }
  let key = givenKey?.value;
  if (key === undefined && state.current(keyEnv) === undefined && interactive(r)) {
    key = (
      await r.ctx.prompts.password({
        id: `provider.${prefix}.key`,
        message: `${prefix} API key for ${keyEnv} (hidden${rule.key ? '; empty for none' : ''})`,
        validate: (text) => (text.trim() === '' ? (rule.key ? true : `${prefix} needs an API key`) : validateKey(keyEnv, text.trim())),
        flagHint: sourceVar,
      })
    ).trim();
    if (key === '') key = undefined;
    else r.ctx.out.addSecret(key);
  }
  if (key === undefined && state.current(keyEnv) === undefined && rule.key === undefined) {
    throw new NonInteractiveError(`The ${prefix} API key`, `Set ${sourceVar} (keys are never flags: they would show in ps); it is stored in .env as ${keyEnv}.`);
  }
  if (key !== undefined && key !== state.current(keyEnv)) {
    state.values[keyEnv] = key;
    state.noteChange(prefix, keyEnv, wasListed);
  }
  if (!wasListed) {
    state.noteChange(prefix, EXTRA_PROVIDERS_KEY, false);
    if (rule.note) r.ctx.out.info(rule.note);
  }
}

async function resolveAzure(r: Resolver, current: (key: string) => string | undefined): Promise<{ values: Record<string, string>; deployment: string }> {
  const values: Record<string, string> = {};
  const pick = async (option: 'azureApiBase' | 'azureApiVersion' | 'azureDeployment', id: string, flag: string, sourceVar: string, key: string, fallback: string | undefined, message: string, validate: (v: string) => true | string) => {
    const given = suppliedWithSource(r, option, flag, sourceVar);
    let value = given?.value ?? current(key);
    if (given) failIfInvalid(validate(given.value), given.source);
    if (value === undefined && interactive(r)) {
      value = (await r.ctx.prompts.input({ id: `provider.azure.${id}`, message, ...(fallback ? { default: fallback } : {}), validate, flagHint: `${flag} or ${sourceVar}` })).trim();
    }
    value ??= fallback;
    if (value === undefined) throw new NonInteractiveError(message, `Pass ${flag} <value> (or ${sourceVar}) together with AI_GATEWAY_AZURE_API_KEY.`);
    if (priorValue(r, key) !== value) values[key] = value;
    return value;
  };
  const simple = (name: string) => (v: string) => (/^[A-Za-z0-9._-]+$/.test(v) ? true : `${name} may only contain letters, digits, ".", "_" and "-"`);
  await pick('azureApiBase', 'base', '--azure-api-base', AZURE.baseSourceVar, AZURE.baseKey, undefined, 'Azure OpenAI endpoint (https://<resource>.openai.azure.com)', (v) => validateUrl(v, AZURE.baseKey, 'https://<resource>.openai.azure.com'));
  await pick('azureApiVersion', 'version', '--azure-api-version', AZURE.versionSourceVar, AZURE.versionKey, AZURE.defaultVersion, 'Azure OpenAI API version', simple(AZURE.versionKey));
  const deployment = await pick('azureDeployment', 'deployment', '--azure-deployment', AZURE.deploymentSourceVar, AZURE.deploymentKey, AZURE.defaultDeployment, 'Azure deployment name for the friendly model entry', simple(AZURE.deploymentKey));
  return { values, deployment };
}
