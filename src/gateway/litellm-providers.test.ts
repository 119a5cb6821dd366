import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { LITELLM_PROVIDER_PREFIXES, modelEntryProblems, modelProviderPrefixes, NOT_MODEL_PROVIDERS, prefixRule } from './litellm-providers.js';
import {
  baseEnvOf,
  defaultKeyEnv,
  envNamesOf,
  envStem,
  formatExtraProviders,
  modelEntries,
  parseExtraProviders,
  PROVIDERS,
  versionEnvOf,
  type ExtraSelection,
} from './providers.js';
import { renderConfigYaml } from './render/config-yaml.js';

type Entry = { model_name: string; litellm_params: Record<string, string> };

/** The extra-provider entry setup writes for a prefix when the user supplied what LiteLLM requires. */
function extraAsSetupWritesIt(prefix: string): ExtraSelection {
  const rule = prefixRule(prefix);
  return {
    prefix,
    ...(rule.key === undefined ? { keyEnv: defaultKeyEnv(prefix) } : {}),
    ...(rule.baseUrl === 'required' ? { baseEnv: baseEnvOf(prefix) } : {}),
    ...(rule.apiVersion ? { versionEnv: versionEnvOf(prefix) } : {}),
  };
}

describe("LiteLLM's provider list", () => {
  it('has each prefix once, and holds every built-in prefix and the providers the original documents', () => {
    expect(new Set(LITELLM_PROVIDER_PREFIXES).size).toBe(LITELLM_PROVIDER_PREFIXES.length);
    for (const spec of PROVIDERS) expect(LITELLM_PROVIDER_PREFIXES).toContain(spec.prefix);
    // The original's list: Anthropic, OpenAI, Gemini, Azure, Groq, Mistral, DeepSeek, Together, Perplexity, xAI, OpenRouter, Ollama, LM Studio.
    expect(PROVIDERS.map((p) => p.prefix).sort()).toEqual(
      ['anthropic', 'openai', 'gemini', 'azure', 'groq', 'mistral', 'deepseek', 'together_ai', 'perplexity', 'xai', 'openrouter', 'ollama_chat', 'lm_studio'].sort(),
    );
    for (const prefix of Object.keys(NOT_MODEL_PROVIDERS)) {
      expect(LITELLM_PROVIDER_PREFIXES).toContain(prefix);
      expect(modelProviderPrefixes()).not.toContain(prefix);
    }
  });

  it('gives every prefix distinct .env variables', () => {
    const stems = modelProviderPrefixes().map(envStem);
    expect(new Set(stems).size).toBe(stems.length);
    expect(envStem('nano-gpt')).toBe('NANO_GPT');
    expect(defaultKeyEnv('fireworks_ai')).toBe('FIREWORKS_AI_API_KEY');
    expect(baseEnvOf('hosted_vllm')).toBe('HOSTED_VLLM_API_BASE');
  });
});

describe("generated entries follow LiteLLM's model string rules", () => {
  it('every built-in provider: prefix, required base URL and API version, keys only as os.environ', () => {
    const selection = PROVIDERS.map((p) => ({ id: p.id }));
    const entries = modelEntries(selection);
    expect(entries.length).toBeGreaterThanOrEqual(2 * PROVIDERS.length);
    for (const entry of entries) expect({ name: entry.model_name, problems: modelEntryProblems(entry) }).toEqual({ name: entry.model_name, problems: [] });
    const byName = (name: string) => entries.find((e) => e.model_name === name)?.litellm_params;
    expect(byName('azure/*')).toEqual({ model: 'azure/*', api_key: 'os.environ/AZURE_API_KEY', api_base: 'os.environ/AZURE_API_BASE', api_version: 'os.environ/AZURE_API_VERSION' });
    expect(byName('perplexity/*')).toEqual({ model: 'perplexity/*', api_key: 'os.environ/PERPLEXITY_API_KEY' });
    expect(byName('sonar')).toEqual({ model: 'perplexity/sonar', api_key: 'os.environ/PERPLEXITY_API_KEY' });
    expect(byName('lm_studio/*')).toEqual({ model: 'lm_studio/*', api_base: 'os.environ/LM_STUDIO_API_BASE' });
    expect(byName('lm-studio-llama-3.2-3b')).toEqual({ model: 'lm_studio/llama-3.2-3b-instruct', api_base: 'os.environ/LM_STUDIO_API_BASE' });
    const names = entries.map((e) => e.model_name);
    expect(new Set(names).size).toBe(names.length); // no accidental load balancing between providers
  });

  it('a key under an alias (GOOGLE_API_KEY) is read from that name', () => {
    const [wildcard, friendly] = modelEntries([{ id: 'gemini', envKey: 'GOOGLE_API_KEY' }]) as unknown as [Entry, Entry];
    expect(wildcard.litellm_params).toEqual({ model: 'gemini/*', api_key: 'os.environ/GOOGLE_API_KEY' });
    expect(modelEntryProblems(friendly)).toEqual([]);
  });

  it('every other LiteLLM prefix, as setup writes it', () => {
    const extras = modelProviderPrefixes().map(extraAsSetupWritesIt);
    const entries = modelEntries([], extras);
    expect(entries).toHaveLength(extras.length);
    for (const entry of entries) expect({ name: entry.model_name, problems: modelEntryProblems(entry) }).toEqual({ name: entry.model_name, problems: [] });
    // And through the renderer: the same entries land in config.yaml as a wildcard each.
    const rendered = parseYaml(renderConfigYaml(null, { budgetProfile: 'test', providers: [], extras }).text) as { model_list: Entry[] };
    expect(rendered.model_list.map((e) => e.model_name)).toEqual(extras.map((e) => `${e.prefix}/*`));
    expect(rendered.model_list.find((e) => e.model_name === 'hosted_vllm/*')?.litellm_params).toEqual({ model: 'hosted_vllm/*', api_base: 'os.environ/HOSTED_VLLM_API_BASE' });
  });

  it('catches an entry that breaks them', () => {
    const problems = (params: Record<string, string>) => modelEntryProblems({ model_name: 'x', litellm_params: params });
    expect(problems({ model: 'azure/gpt-4o', api_key: 'os.environ/AZURE_API_KEY', api_base: 'os.environ/AZURE_API_BASE' })).toEqual(['azure needs api_version']);
    expect(problems({ model: 'hosted_vllm/*' })).toEqual(['hosted_vllm needs api_base']);
    expect(problems({ model: 'fireworks_ai/*' })).toEqual(['fireworks_ai needs api_key']);
    expect(problems({ model: 'fireworks_ai/*', api_key: 'fw-0123456789' })).toEqual([
      'api_key is not read as os.environ/NAME',
      'api_key is written into config.yaml instead of read as os.environ/NAME',
    ]);
    expect(problems({ model: 'fireworks/*', api_key: 'os.environ/K' })).toEqual(['"fireworks" is not a LiteLLM provider prefix']);
    expect(problems({ model: 'gpt-4o' })).toEqual(['model "gpt-4o" is not <prefix>/<model>']);
    expect(problems({ model: 'milvus/*', api_key: 'os.environ/K' })).toEqual(['"milvus" is not a model provider']);
  });
});

describe('EXTRA_PROVIDERS in .env', () => {
  it('reads prefix and prefix:KEY_VARIABLE, and writes them back the same way', () => {
    const text = 'fireworks_ai,hosted_vllm, deepinfra:DEEPINFRA_TOKEN';
    const { providers, problems } = parseExtraProviders(text);
    expect(problems).toEqual([]);
    expect(providers).toEqual([
      { prefix: 'fireworks_ai', keyEnv: 'FIREWORKS_AI_API_KEY' },
      { prefix: 'hosted_vllm', keyEnv: 'HOSTED_VLLM_API_KEY' },
      { prefix: 'deepinfra', keyEnv: 'DEEPINFRA_TOKEN' },
    ]);
    expect(formatExtraProviders(providers)).toBe('fireworks_ai,hosted_vllm,deepinfra:DEEPINFRA_TOKEN');
    expect(parseExtraProviders('a:b:c,ok, x:lower').problems).toEqual(['"a:b:c" is not prefix or prefix:KEY_VARIABLE', '"x:lower" is not prefix or prefix:KEY_VARIABLE']);
  });
});

describe("README's provider table", () => {
  it('lists every built-in provider with its prefix, variables and friendly model, and the row for any other', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const rows = readme.split('\n').filter((line) => line.startsWith('| ') && line.includes('` | '));
    for (const spec of PROVIDERS) {
      const row = rows.find((line) => line.includes(` | \`${spec.prefix}\` | `));
      expect(row, spec.id).toBeDefined();
      for (const name of [...envNamesOf(spec), spec.sourceVar, ...(spec.sourceAliases ?? []), ...(spec.flag ? [spec.flag] : [])]) expect(row, `${spec.id}: ${name}`).toContain(`\`${name}\``);
      if (spec.defaultModel) expect(row).toContain(`\`${spec.defaultModel.name}\``);
    }
    expect(rows.find((line) => line.startsWith('| any other LiteLLM provider'))).toMatch(/EXTRA_PROVIDERS.*--provider <prefix>.*--provider-key-env NAME.*--provider-base-url URL.*AI_GATEWAY_<NAME>/);
  });
});
