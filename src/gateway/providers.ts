/**
 * LLM providers setup can configure. For each provider whose key (or base URL) is in `.env`,
 * config.yaml gets managed `model_list` entries that read it as `os.environ/NAME`, so config.yaml
 * itself never holds a secret.
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
  | 'azure'
  | 'ollama';

export interface ProviderSpec {
  id: ProviderId;
  label: string;
  /** The `.env` variable whose presence enables the provider. */
  envKey: string;
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
  { id: 'gemini', label: 'Google Gemini', envKey: 'GEMINI_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_GEMINI_API_KEY', prefix: 'gemini', defaultModel: { name: 'gemini-2.5-flash', model: 'gemini/gemini-2.5-flash' } },
  { id: 'groq', label: 'Groq', envKey: 'GROQ_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_GROQ_API_KEY', prefix: 'groq', defaultModel: { name: 'groq-llama-3.3-70b', model: 'groq/llama-3.3-70b-versatile' } },
  { id: 'mistral', label: 'Mistral', envKey: 'MISTRAL_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_MISTRAL_API_KEY', prefix: 'mistral', defaultModel: { name: 'mistral-small', model: 'mistral/mistral-small-latest' } },
  { id: 'deepseek', label: 'DeepSeek', envKey: 'DEEPSEEK_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_DEEPSEEK_API_KEY', prefix: 'deepseek', defaultModel: { name: 'deepseek-chat', model: 'deepseek/deepseek-chat' } },
  { id: 'together', label: 'Together AI', envKey: 'TOGETHERAI_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_TOGETHERAI_API_KEY', prefix: 'together_ai', defaultModel: { name: 'together-llama-3.3-70b', model: 'together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo' } },
  { id: 'openrouter', label: 'OpenRouter', envKey: 'OPENROUTER_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_OPENROUTER_API_KEY', prefix: 'openrouter', defaultModel: { name: 'openrouter-gpt-4o-mini', model: 'openrouter/openai/gpt-4o-mini' } },
  { id: 'xai', label: 'xAI', envKey: 'XAI_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_XAI_API_KEY', prefix: 'xai', defaultModel: { name: 'grok-3-mini', model: 'xai/grok-3-mini' } },
  { id: 'azure', label: 'Azure OpenAI', envKey: 'AZURE_API_KEY', secret: true, sourceVar: 'AI_GATEWAY_AZURE_API_KEY', prefix: 'azure' },
  { id: 'ollama', label: 'Ollama', envKey: 'OLLAMA_API_BASE', secret: false, sourceVar: 'AI_GATEWAY_OLLAMA_API_BASE', prefix: 'ollama_chat', defaultModel: { name: 'llama3.2', model: 'ollama_chat/llama3.2' } },
];

export const PROVIDER_IDS = PROVIDERS.map((p) => p.id);

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

/** Every `.env` variable the provider entries read: secret ones are masked in output and diffs. */
export const PROVIDER_SECRET_KEYS: readonly string[] = PROVIDERS.filter((p) => p.secret).map((p) => p.envKey);
export const PROVIDER_ENV_KEYS: readonly string[] = [...PROVIDERS.map((p) => p.envKey), AZURE.baseKey, AZURE.versionKey, AZURE.deploymentKey];

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
}

/** The managed `model_list` entries for the enabled providers, in PROVIDERS order. */
export function modelEntries(selection: readonly ProviderSelection[]): ModelEntry[] {
  const entries: ModelEntry[] = [];
  for (const spec of PROVIDERS) {
    const chosen = selection.find((s) => s.id === spec.id);
    if (!chosen) continue;
    const credentials: Record<string, string> =
      spec.id === 'ollama'
        ? { api_base: `os.environ/${spec.envKey}` }
        : spec.id === 'azure'
          ? { api_key: `os.environ/${spec.envKey}`, api_base: `os.environ/${AZURE.baseKey}`, api_version: `os.environ/${AZURE.versionKey}` }
          : { api_key: `os.environ/${spec.envKey}` };
    const info = { managed_by: MANAGED_BY };
    entries.push({ model_name: `${spec.prefix}/*`, litellm_params: { model: `${spec.prefix}/*`, ...credentials }, model_info: { ...info } });
    const friendly =
      spec.id === 'azure'
        ? { name: chosen.azureDeployment ?? AZURE.defaultDeployment, model: `azure/${chosen.azureDeployment ?? AZURE.defaultDeployment}` }
        : spec.defaultModel;
    if (friendly) entries.push({ model_name: friendly.name, litellm_params: { model: friendly.model, ...credentials }, model_info: { ...info } });
  }
  return entries;
}
