/**
 * LLM providers setup can configure: the built-in ones below (the thirteen the original documents),
 * and any other LiteLLM prefix (`setup --provider <prefix>`, listed in EXTRA_PROVIDERS in `.env`).
 * For each provider whose key (or base URL) is in `.env`, config.yaml gets managed `model_list`
 * entries that read it as `os.environ/NAME`, so config.yaml itself never holds a secret.
 */

export type ProviderId =
  | 'openai'
  | 'anthropic'
  | 'gemini'
  | 'groq'
  | 'mistral'
  | 'deepseek'
  | 'together'
  | 'openrouter'
  | 'xai'
  | 'perplexity'
  | 'azure'
  | 'ollama'
  | 'lm_studio';

export interface ProviderSpec {
  id: ProviderId;
  label: string;
  /** The `.env` variable whose presence enables the provider. */
  envKey: string;
  /** Other `.env` names for the same value (as the original documents them); the first one set is read. */
  envAliases?: readonly string[];
  /** Other AI_GATEWAY_* variables accepted for it, after `sourceVar`. */
  sourceAliases?: readonly string[];
  /** The flag that sets a URL provider (`--ollama-base-url`); keys are never flags. */
  flag?: string;
  /** Is that variable a secret (an API key) or a plain URL? */
  secret: boolean;
  /** Where a user supplies it without a prompt. */
  sourceVar: string;
  /** LiteLLM's provider prefix for the wildcard entry (`<prefix>/*`). */
  prefix: string;
  /** A friendly model name and the LiteLLM model it maps to (for Azure: from --azure-deployment). */
  defaultModel?: { name: string; model: string };
}

export const PROVIDERS: readonly ProviderSpec[] = [
  { id: 'openai', label: 'OpenAI', envKey: 'OPENAI_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_OPENAI_API_KEY', prefix: 'openai', defaultModel: { name: 'gpt-4o-mini', model: 'openai/gpt-4o-mini' } },
  { id: 'anthropic', label: 'Anthropic', envKey: 'ANTHROPIC_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_ANTHROPIC_API_KEY', prefix: 'anthropic', defaultModel: { name: 'claude-sonnet-4-5', model: 'anthropic/claude-sonnet-4-5' } },
  { id: 'gemini', label: 'Google Gemini', envKey: 'GEMINI_API_KEY', envAliases: ['GOOGLE_API_KEY'], secret: true, sourceVar: 'AI_GATEWAY_GEMINI_API_KEY', sourceAliases: ['AI_GATEWAY_GOOGLE_API_KEY'], prefix: 'gemini', defaultModel: { name: 'gemini-2.5-flash', model: 'gemini/gemini-2.5-flash' } },
  { id: 'groq', label: 'Groq', envKey: 'GROQ_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_GROQ_API_KEY', prefix: 'groq', defaultModel: { name: 'groq-llama-3.3-70b', model: 'groq/llama-3.3-70b-versatile' } },
  { id: 'mistral', label: 'Mistral', envKey: 'MISTRAL_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_MISTRAL_API_KEY', prefix: 'mistral', defaultModel: { name: 'mistral-small', model: 'mistral/mistral-small-latest' } },
  { id: 'deepseek', label: 'DeepSeek', envKey: 'DEEPSEEK_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_DEEPSEEK_API_KEY', prefix: 'deepseek', defaultModel: { name: 'deepseek-chat', model: 'deepseek/deepseek-chat' } },
  { id: 'together', label: 'Together AI', envKey: 'TOGETHERAI_API_KEY', envAliases: ['TOGETHER_API_KEY'], secret: true, sourceVar: 'AI_GATEWAY_TOGETHERAI_API_KEY', sourceAliases: ['AI_GATEWAY_TOGETHER_API_KEY'], prefix: 'together_ai', defaultModel: { name: 'together-llama-3.3-70b', model: 'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo' } },
  { id: 'openrouter', label: 'OpenRouter', envKey: 'OPENROUTER_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_OPENROUTER_API_KEY', prefix: 'openrouter', defaultModel: { name: 'openrouter-gpt-4o-mini', model: 'openrouter/openai/gpt-4o-mini' } },
  { id: 'xai', label: 'xAI', envKey: 'XAI_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_XAI_API_KEY', prefix: 'xai', defaultModel: { name: 'grok-3-mini', model: 'xai/grok-3-mini' } },
  { id: 'perplexity', label: 'Perplexity', envKey: 'PERPLEXITY_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_PERPLEXITY_API_KEY', prefix: 'perplexity', defaultModel: { name: 'sonar', model: 'perplexity/sonar' } },
  { id: 'azure', label: 'Azure OpenAI', envKey: 'AZURE_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_AZURE_API_KEY', prefix: 'azure' },
  { id: 'ollama', label: 'Ollama', envKey: 'OLLAMA_API_BASE', secret: false, sourceVar: 'AI_GATEWAY_OLLAMA_API_BASE', flag: '--ollama-base-url', prefix: 'ollama_chat', defaultModel: { name: 'llama3.2', model: 'ollama_chat/llama3.2' } },
  { id: 'lm_studio', label: 'LM Studio', envKey: 'LM_STUDIO_API_BASE', secret: false, sourceVar: 'AI_GATEWAY_LM_STUDIO_BASE_URL', flag: '--lm-studio-base-url', prefix: 'lm_studio', defaultModel: { name: 'lm-studio-llama-3.2-3b', model: 'lm_studio/llama-3.2-3b-instruct' } },
];

export const PROVIDER_IDS = PROVIDERS.map((p) => p.id);

/** A built-in provider by its id or its LiteLLM prefix (`together_ai`, `ollama_chat`, and `ollama` too). */
export function builtinProvider(name: string): ProviderSpec | undefined {
  return PROVIDERS.find((p) => p.id === name || p.prefix === name) ?? (name === 'ollama' ? PROVIDERS.find((p) => p.id === 'ollama') : undefined);
}

/** The `.env` names a built-in provider's value may live under, canonical first. */
export function envNamesOf(spec: ProviderSpec): string[] {
  return [spec.envKey, ...(spec.envAliases ?? [])];
}

/** Azure needs an endpoint and an API version besides the key. */
export const AZURE = {
  baseKey: 'AZURE_API_BASE',
  versionKey: 'AZURE_API_VERSION',
  /** Kept in .env (LiteLLM ignores it) so a re-run renders the same friendly entry. */
  deploymentKey: 'AZURE_DEPLOYMENT',
  baseSourceVar: 'AI_GATEWAY_AZURE_API_BASE',
  versionSourceVar: 'AI_GATEWAY_AZURE_API_VERSION',
  deploymentSourceVar: 'AI_GATEWAY_AZURE_DEPLOYMENT',
  defaultVersion: '2024-10-21',
  defaultDeployment: 'gpt-4o',
} as const;

/** Ollama on the Docker host, as the LiteLLM container reaches it (compose maps host.docker.internal). */
export const OLLAMA_DEFAULT_BASE = 'http://host.docker.internal:11434';
/** LM Studio's local server on the Docker host (its default port, OpenAI-compatible path). */
export const LM_STUDIO_DEFAULT_BASE = 'http://host.docker.internal:1234/v1';

/** Every `.env` name a provider key may have: secret ones are masked in output and diffs. */
export const PROVIDER_SECRET_KEYS: readonly string[] = PROVIDERS.filter((p) => p.secret).flatMap(envNamesOf);
export const PROVIDER_ENV_KEYS: readonly string[] = [...PROVIDERS.flatMap(envNamesOf), AZURE.baseKey, AZURE.versionKey, AZURE.deploymentKey];

// ── other LiteLLM providers (setup --provider <prefix>) ───────────────────────────────────────

/**
 * `.env` list of the other providers: `prefix` or `prefix:KEY_VARIABLE`, separated by commas. The key
 * is in `<PREFIX>_API_KEY` unless a variable is named; the base URL (if any) in `<PREFIX>_API_BASE`,
 * the API version (providers that need one) in `<PREFIX>_API_VERSION`.
 */
export const EXTRA_PROVIDERS_KEY = 'EXTRA_PROVIDERS';

export interface ExtraProvider {
  /** LiteLLM's prefix (`fireworks_ai`). */
  prefix: string;
  /** The `.env` variable holding its key (it may be unset for providers that need none). */
  keyEnv: string;
}

/** `nano-gpt` → `NANO_GPT`: the stem of a provider's `.env` variables. */
export function envStem(prefix: string): string {
  return prefix.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
export const defaultKeyEnv = (prefix: string) => `${envStem(prefix)}_API_KEY`;
export const baseEnvOf = (prefix: string) => `${envStem(prefix)}_API_BASE`;
export const versionEnvOf = (prefix: string) => `${envStem(prefix)}_API_VERSION`;

export const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Parse EXTRA_PROVIDERS; a malformed item is reported (the caller names the file). */
export function parseExtraProviders(text: string | undefined): { providers: ExtraProvider[]; problems: string[] } {
  const providers: ExtraProvider[] = [];
  const problems: string[] = [];
  for (const item of (text ?? '').split(/[,\s]+/).filter(Boolean)) {
    const [prefix = '', keyEnv, extra] = item.split(':');
    if (extra !== undefined || prefix === '' || (keyEnv !== undefined && !ENV_NAME.test(keyEnv))) {
      problems.push(`"${item}" is not prefix or prefix:KEY_VARIABLE`);
      continue;
    }
    if (providers.some((p) => p.prefix === prefix)) continue;
    providers.push({ prefix, keyEnv: keyEnv ?? defaultKeyEnv(prefix) });
  }
  return { providers, problems };
}

export function formatExtraProviders(providers: readonly ExtraProvider[]): string {
  return providers.map((p) => (p.keyEnv === defaultKeyEnv(p.prefix) ? p.prefix : `${p.prefix}:${p.keyEnv}`)).join(',');
}

/** The `.env` variables an extra provider owns. */
export function extraProviderEnvKeys(provider: ExtraProvider): string[] {
  return [provider.keyEnv, baseEnvOf(provider.prefix), versionEnvOf(provider.prefix)];
}

/** Every secret `.env` name of a gateway: the built-in keys and the keys of its other providers. */
export function providerSecretKeys(env: { get(key: string): string | undefined } | null | undefined): string[] {
  const extras = parseExtraProviders(env?.get(EXTRA_PROVIDERS_KEY)).providers;
  return [...PROVIDER_SECRET_KEYS, ...extras.map((p) => p.keyEnv)];
}

/** Marks the config.yaml entries setup owns; anything without it is the user's and survives re-runs. */
export const MANAGED_BY = 'ai-gateway';

export interface ModelEntry {
  model_name: string;
  litellm_params: Record<string, string>;
  model_info: { managed_by: string };
}

export interface ProviderSelection {
  id: ProviderId;
  /** Azure only: the deployment name the friendly entry points at. */
  azureDeployment?: string;
  /** The `.env` name its value is read from, when an alias (GOOGLE_API_KEY) rather than the canonical one. */
  envKey?: string;
}

/** An extra provider as configured: which of its variables hold a value. */
export interface ExtraSelection {
  prefix: string;
  /** Set when the key variable holds a value. */
  keyEnv?: string;
  /** Set when `<PREFIX>_API_BASE` holds a value. */
  baseEnv?: string;
  /** Set when `<PREFIX>_API_VERSION` holds a value (providers that need one, such as azure_text). */
  versionEnv?: string;
}

/** The managed `model_list` entries: the built-in providers in PROVIDERS order, then the others as listed. */
export function modelEntries(selection: readonly ProviderSelection[], extras: readonly ExtraSelection[] = []): ModelEntry[] {
  const entries: ModelEntry[] = [];
  const info = () => ({ managed_by: MANAGED_BY });
  for (const spec of PROVIDERS) {
    const chosen = selection.find((s) => s.id === spec.id);
    if (!chosen) continue;
    const envKey = chosen.envKey ?? spec.envKey;
    const credentials: Record<string, string> = !spec.secret
      ? { api_base: `os.environ/${envKey}` }
      : spec.id === 'azure'
        ? { api_key: `os.environ/${envKey}`, api_base: `os.environ/${AZURE.baseKey}`, api_version: `os.environ/${AZURE.versionKey}` }
        : { api_key: `os.environ/${envKey}` };
    entries.push({ model_name: `${spec.prefix}/*`, litellm_params: { model: `${spec.prefix}/*`, ...credentials }, model_info: info() });
    const friendly =
      spec.id === 'azure'
        ? { name: chosen.azureDeployment ?? AZURE.defaultDeployment, model: `azure/${chosen.azureDeployment ?? AZURE.defaultDeployment}` }
        : spec.defaultModel;
    if (friendly) entries.push({ model_name: friendly.name, litellm_params: { model: friendly.model, ...credentials }, model_info: info() });
  }
  for (const extra of extras) {
    const params: Record<string, string> = { model: `${extra.prefix}/*` };
    if (extra.keyEnv) params.api_key = `os.environ/${extra.keyEnv}`;
    if (extra.baseEnv) params.api_base = `os.environ/${extra.baseEnv}`;
    if (extra.versionEnv) params.api_version = `os.environ/${extra.versionEnv}`;
    entries.push({ model_name: `${extra.prefix}/*`, litellm_params: params, model_info: info() });
  }
  return entries;
}
