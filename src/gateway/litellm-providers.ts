/**
 * The provider prefixes LiteLLM knows, and what a model entry for each needs. A LiteLLM model string
 * is `<prefix>/<model>` (`fireworks_ai/accounts/fireworks/models/llama-v3p1-8b-instruct`); the prefix
 * picks the provider. `setup --provider <prefix>` accepts exactly the prefixes listed here.
 *
 * Source: the values of the `LlmProviders` enum in litellm/types/utils.py (BerriAI/litellm, commit
 * 001c64f24845167b8fcd01f3e48152923627d4c7), from which LiteLLM builds `litellm.provider_list`.
 * To update: copy the enum's values again, in its order, and note the commit here.
 */

export const LITELLM_PROVIDER_PREFIXES = [
  'openai', 'chatgpt', 'openai_like', 'jina_ai', 'xai', 'zai', 'custom_openai', 'text-completion-openai',
  'cohere', 'cohere_chat', 'clarifai', 'anthropic', 'anthropic_text', 'bytez', 'replicate', 'reducto',
  'runwayml', 'aws_polly', 'huggingface', 'together_ai', 'openrouter', 'datarobot', 'vertex_ai',
  'vertex_ai_beta', 'gemini', 'ai21', 'baseten', 'black_forest_labs', 'azure', 'azure_text', 'azure_ai',
  'sagemaker', 'sagemaker_chat', 'sagemaker_nova', 'bedrock', 'vllm', 'nlp_cloud', 'petals', 'oobabooga',
  'ollama', 'ollama_chat', 'deepinfra', 'perplexity', 'mistral', 'milvus', 'groq', 'a2a', 'gigachat',
  'nvidia_nim', 'nvidia_riva', 'soniox', 'cerebras', 'ai21_chat', 'volcengine', 'codestral',
  'text-completion-codestral', 'dashscope', 'modelscope', 'moonshot', 'publicai', 'v0', 'morph',
  'lambda_ai', 'inception', 'text-completion-inception', 'deepseek', 'sambanova', 'maritalk', 'voyage',
  'cloudflare', 'xinference', 'fireworks_ai', 'friendliai', 'featherless_ai', 'watsonx', 'watsonx_text',
  'triton', 'predibase', 'databricks', 'empower', 'github', 'ragflow', 'compactifai', 'docker_model_runner',
  'custom', 'litellm_proxy', 'hosted_vllm', 'tencent', 'llamafile', 'lm_studio', 'galadriel', 'nebius',
  'infinity', 'deepgram', 'elevenlabs', 'novita', 'aiohttp_openai', 'langfuse', 'humanloop', 'topaz', 'sap',
  'assemblyai', 'charity_engine', 'github_copilot', 'snowflake', 'gradient_ai', 'meta_llama', 'nscale',
  'pg_vector', 's3_vectors', 'helicone', 'hyperbolic', 'recraft', 'fal_ai', 'stability', 'heroku', 'aiml',
  'cometapi', 'oci', 'auto_router', 'vercel_ai_gateway', 'dotprompt', 'manus', 'wandb', 'ovhcloud',
  'scaleway', 'lemonade', 'amazon_nova', 'a2a_agent', 'langgraph', 'langflow', 'minimax', 'synthetic',
  'apertis', 'nano-gpt', 'poe', 'chutes', 'neosantara', 'parasail', 'xiaomi_mimo', 'tensormesh', 'libertai',
  'pinstripes', 'darkbloom', 'meta', 'litellm_agent', 'cursor', 'bedrock_mantle', 'gdc',
] as const;

/**
 * Members of the enum that are not model providers (vector stores, prompt managers, the router
 * that picks among other entries): a `<prefix>/*` model entry for them serves nothing.
 */
export const NOT_MODEL_PROVIDERS: Readonly<Record<string, string>> = {
  milvus: 'a vector store',
  pg_vector: 'a vector store',
  s3_vectors: 'a vector store',
  langfuse: 'a prompt-management integration',
  humanloop: 'a prompt-management integration',
  dotprompt: 'a prompt-management integration',
  auto_router: 'a router over other model entries (configured with auto_router_config)',
};

export function isLitellmPrefix(prefix: string): boolean {
  return (LITELLM_PROVIDER_PREFIXES as readonly string[]).includes(prefix);
}

/** The prefixes `setup --provider` accepts, for error messages and help. */
export function modelProviderPrefixes(): string[] {
  return LITELLM_PROVIDER_PREFIXES.filter((p) => !(p in NOT_MODEL_PROVIDERS));
}

/** What LiteLLM needs besides the prefix (from its provider pages and handlers); absent = an API key, default endpoint. */
export interface PrefixRule {
  /** No usable default endpoint (a self-hosted or per-account server): `api_base` is required. */
  baseUrl?: 'required';
  /** `api_version` is required (Azure OpenAI); setup writes this one unless told otherwise. */
  apiVersion?: { default: string };
  /** `optional`: local servers usually run without a key. `environment`: credentials come from other variables. */
  key?: 'optional' | 'environment';
  /** Shown to the user when the provider is added: what else LiteLLM reads. */
  note?: string;
}

const SELF_HOSTED: PrefixRule = { baseUrl: 'required', key: 'optional' };

export const PREFIX_RULES: Readonly<Record<string, PrefixRule>> = {
  azure: { baseUrl: 'required', apiVersion: { default: '2024-10-21' } },
  azure_text: { baseUrl: 'required', apiVersion: { default: '2024-10-21' } },
  azure_ai: { baseUrl: 'required' },
  databricks: { baseUrl: 'required' },
  watsonx: { baseUrl: 'required', note: 'watsonx also reads WATSONX_PROJECT_ID (or WATSONX_SPACE_ID) from .env.' },
  watsonx_text: { baseUrl: 'required', note: 'watsonx also reads WATSONX_PROJECT_ID (or WATSONX_SPACE_ID) from .env.' },
  openai_like: { baseUrl: 'required' },
  custom_openai: { baseUrl: 'required' },
  litellm_proxy: { baseUrl: 'required' },
  ollama: SELF_HOSTED,
  ollama_chat: SELF_HOSTED,
  lm_studio: SELF_HOSTED,
  hosted_vllm: SELF_HOSTED,
  llamafile: SELF_HOSTED,
  lemonade: SELF_HOSTED,
  docker_model_runner: SELF_HOSTED,
  xinference: SELF_HOSTED,
  oobabooga: SELF_HOSTED,
  triton: SELF_HOSTED,
  infinity: SELF_HOSTED,
  bedrock: { key: 'environment', note: 'Bedrock reads AWS credentials from .env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION_NAME.' },
  bedrock_mantle: { key: 'environment', note: 'Bedrock reads AWS credentials from .env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION_NAME.' },
  sagemaker: { key: 'environment', note: 'SageMaker reads AWS credentials from .env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION_NAME.' },
  sagemaker_chat: { key: 'environment', note: 'SageMaker reads AWS credentials from .env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION_NAME.' },
  sagemaker_nova: { key: 'environment', note: 'SageMaker reads AWS credentials from .env: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_REGION_NAME.' },
  vertex_ai: { key: 'environment', note: 'Vertex AI reads VERTEXAI_PROJECT, VERTEXAI_LOCATION and GOOGLE_APPLICATION_CREDENTIALS (a path inside the LiteLLM container) from .env.' },
  vertex_ai_beta: { key: 'environment', note: 'Vertex AI reads VERTEXAI_PROJECT, VERTEXAI_LOCATION and GOOGLE_APPLICATION_CREDENTIALS (a path inside the LiteLLM container) from .env.' },
  cloudflare: { note: 'Cloudflare Workers AI also reads CLOUDFLARE_ACCOUNT_ID from .env (or give the account URL with --provider-base-url).' },
};

export function prefixRule(prefix: string): PrefixRule {
  return PREFIX_RULES[prefix] ?? {};
}

/**
 * LiteLLM's rules for one `model_list` entry setup writes: a known prefix and a model after it,
 * the parameters that prefix requires, and secrets only as `os.environ/NAME`. Returns the problems.
 */
export function modelEntryProblems(entry: { model_name: string; litellm_params: Record<string, string> }): string[] {
  const problems: string[] = [];
  const params = entry.litellm_params;
  const model = params.model ?? '';
  const slash = model.indexOf('/');
  const prefix = slash === -1 ? '' : model.slice(0, slash);
  if (!entry.model_name) problems.push('model_name is empty');
  if (slash <= 0 || slash === model.length - 1) return [...problems, `model "${model}" is not <prefix>/<model>`];
  if (!isLitellmPrefix(prefix)) return [...problems, `"${prefix}" is not a LiteLLM provider prefix`];
  if (prefix in NOT_MODEL_PROVIDERS) problems.push(`"${prefix}" is not a model provider`);
  const rule = prefixRule(prefix);
  if (rule.baseUrl === 'required' && !params.api_base) problems.push(`${prefix} needs api_base`);
  if (rule.apiVersion && !params.api_version) problems.push(`${prefix} needs api_version`);
  if (rule.key === undefined && !params.api_key) problems.push(`${prefix} needs api_key`);
  if (params.api_key !== undefined && !/^os\.environ\/[A-Z_][A-Z0-9_]*$/.test(params.api_key)) problems.push('api_key is not read as os.environ/NAME');
  for (const [name, value] of Object.entries(params)) {
    if (name !== 'model' && !value.startsWith('os.environ/')) problems.push(`${name} is written into config.yaml instead of read as os.environ/NAME`);
  }
  return problems;
}
