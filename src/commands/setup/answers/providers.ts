/** Setup answers for the LLM providers: keys from AI_GATEWAY_* variables or hidden prompts, Azure's settings. */
import { NonInteractiveError, UserError } from '../../../core/errors.js';
import { AZURE, OLLAMA_DEFAULT_BASE, PROVIDERS, type ProviderId, type ProviderSelection } from '../../../gateway/providers.js';
import { interactive, priorValue, suppliedWithSource, valueFromEnv, type Resolver } from './resolver.js';

export interface ResolvedProviders {
  /** `.env` values to write (new or changed keys only). */
  values: Record<string, string>;
  selection: ProviderSelection[];
  /** Providers whose key was set or replaced in this run. */
  changed: ProviderId[];
}

const PROVIDER_VALUE = /^[^\s'"`$\\#]+$/;

function validateProviderValue(spec: (typeof PROVIDERS)[number], value: string): true | string {
  if (spec.id === 'ollama') return validateUrl(value, spec.envKey);
  if (!PROVIDER_VALUE.test(value)) return `${spec.envKey} must not contain spaces, quotes, "$", "#" or "\\"`;
  return value.length >= 8 ? true : `${spec.envKey} looks too short to be an API key`;
}

function validateUrl(value: string, name: string): true | string {
  try {
    const url = new URL(value);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return `${name} must be an http:// or https:// URL`;
  } catch {
    return `${name} must be a URL such as ${OLLAMA_DEFAULT_BASE}`;
  }
  return PROVIDER_VALUE.test(value) ? true : `${name} must not contain spaces, quotes, "$", "#" or "\\"`;
}

function failIfInvalid(result: true | string, source: string): void {
  if (result !== true) throw new UserError('INVALID_PROVIDER_VALUE', `${source}: ${result}.`, { hint: `Fix ${source} and run setup again.` });
}

/** Every provider value given by flag or variable, checked before anything touches the host. */
export function checkSuppliedProviders(r: Resolver): void {
  for (const spec of PROVIDERS) {
    const given = spec.id === 'ollama' ? suppliedWithSource(r, 'ollamaBaseUrl', '--ollama-base-url', spec.sourceVar) : valueFromEnv(r, spec.sourceVar);
    if (given) failIfInvalid(validateProviderValue(spec, given.value), given.source);
  }
}

export async function resolveProviders(r: Resolver, askInteractively: boolean): Promise<ResolvedProviders> {
  const values: Record<string, string> = {};
  const changed: ProviderId[] = [];
  const current = (key: string) => values[key] ?? priorValue(r, key);

  for (const spec of PROVIDERS) {
    const given = spec.id === 'ollama' ? suppliedWithSource(r, 'ollamaBaseUrl', '--ollama-base-url', spec.sourceVar) : valueFromEnv(r, spec.sourceVar);
    if (!given) continue;
    failIfInvalid(validateProviderValue(spec, given.value), given.source);
    if (spec.secret) r.ctx.out.addSecret(given.value);
    if (priorValue(r, spec.envKey) !== given.value) {
      values[spec.envKey] = given.value;
      changed.push(spec.id);
      if (priorValue(r, spec.envKey) !== undefined) r.ctx.out.info(`${spec.envKey} in .env replaced by ${given.source}.`);
    }
  }

  if (askInteractively && interactive(r)) {
    for (;;) {
      const choice = await r.ctx.prompts.select<ProviderId | 'done'>({
        id: 'providers',
        message: 'Add an LLM provider key? (stored in .env only)',
        choices: [
          { value: 'done', name: 'Done' },
          ...PROVIDERS.map((p) => ({ value: p.id, name: `${p.label}${current(p.envKey) ? ' (configured; choose to replace)' : ''}` })),
        ],
        default: 'done',
        flagHint: 'AI_GATEWAY_<PROVIDER>_API_KEY variables (e.g. AI_GATEWAY_OPENAI_API_KEY)',
      });
      if (choice === 'done') break;
      const spec = PROVIDERS.find((p) => p.id === choice) as (typeof PROVIDERS)[number];
      const question = {
        id: `provider.${spec.id}`,
        message: spec.id === 'ollama' ? 'Ollama URL, as the LiteLLM container reaches it' : `${spec.label} API key (hidden; empty to skip)`,
        validate: (text: string) => (text === '' ? true : validateProviderValue(spec, text.trim())),
        flagHint: spec.sourceVar,
      };
      const answer = spec.secret ? await r.ctx.prompts.password(question) : await r.ctx.prompts.input({ ...question, default: current(spec.envKey) ?? OLLAMA_DEFAULT_BASE });
      if (answer.trim() === '') continue;
      if (spec.secret) r.ctx.out.addSecret(answer.trim());
      values[spec.envKey] = answer.trim();
      if (!changed.includes(spec.id)) changed.push(spec.id);
    }
  }

  const selection: ProviderSelection[] = [];
  for (const spec of PROVIDERS) {
    if (current(spec.envKey) === undefined) continue;
    if (spec.id === 'azure') {
      const azure = await resolveAzure(r, current);
      Object.assign(values, azure.values);
      selection.push({ id: 'azure', azureDeployment: azure.deployment });
    } else selection.push({ id: spec.id });
  }
  return { values, selection, changed };
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
  await pick('azureApiBase', 'base', '--azure-api-base', AZURE.baseSourceVar, AZURE.baseKey, undefined, 'Azure OpenAI endpoint (https://<resource>.openai.azure.com)', (v) => validateUrl(v, AZURE.baseKey));
  await pick('azureApiVersion', 'version', '--azure-api-version', AZURE.versionSourceVar, AZURE.versionKey, AZURE.defaultVersion, 'Azure OpenAI API version', simple(AZURE.versionKey));
  const deployment = await pick('azureDeployment', 'deployment', '--azure-deployment', AZURE.deploymentSourceVar, AZURE.deploymentKey, AZURE.defaultDeployment, 'Azure deployment name for the friendly model entry', simple(AZURE.deploymentKey));
  return { values, deployment };
}
