import { describe, expect, it } from 'vitest';
import { literalSecretPaths } from './config-secrets.js';

describe('literal secrets in config.yaml', () => {
  it('finds pasted keys and passwords, not os.environ/ references or harmless fields', () => {
    const text = [
      'model_list:',
      '  - model_name: mine',
      '    litellm_params:',
      '      model: openai/gpt-4o',
      '      api_key: sk-pasted-by-hand',
      '  - model_name: theirs',
      '    litellm_params:',
      '      model: anthropic/claude',
      '      api_key: os.environ/ANTHROPIC_API_KEY',
      'general_settings:',
      '  master_key: os.environ/LITELLM_MASTER_KEY',
      '  database_url: postgresql://u:p@db/x',
      'litellm_settings:',
      '  max_budget: 15',
      '  cache_params: {password: hunter22}',
    ].join('\n');
    expect(literalSecretPaths(text)).toEqual(['model_list[0].litellm_params.api_key', 'general_settings.database_url', 'litellm_settings.cache_params.password']);
  });

  it('finds nothing in what setup writes, nor in text that is not YAML', () => {
    expect(literalSecretPaths('general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n')).toEqual([]);
    expect(literalSecretPaths('a: [unclosed')).toEqual([]);
  });
});
