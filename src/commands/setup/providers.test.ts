// setup and the LLM providers: Perplexity and LM Studio, Gemini's GOOGLE_API_KEY, any other LiteLLM
// prefix (--provider with --provider-key-env / --provider-base-url), removal, and what --json and
// --dry-run say about them. The CLI-level tests check how the repeatable flags pair up.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { main } from '../../cli.js';
import type { ProcessIo } from '../../core/context.js';
import type { Prompts } from '../../core/prompts.js';
import { EnvFile } from '../../gateway/env-file.js';
import { modelEntryProblems } from '../../gateway/litellm-providers.js';
import { createTestContext, seededRandom, tempDir, type TestContext } from '../../testing/context.js';
import { scriptedPrompts } from '../../testing/prompts.js';
import type { SetupProbes } from './answers/resolver.js';
import { optionsSchema, render, run, type SetupResult } from './setup.handler.js';

const freePorts: SetupProbes = {
  probePort: async () => 'free',
  findFreePort: async ({ preferred }) => preferred,
  randomHighPort: async () => 50_000,
  totalMemoryMb: () => 16_384,
};

interface Run {
  dir: string;
  options?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  prompts?: Prompts;
  yes?: boolean;
}

function context(r: Run): TestContext {
  return createTestContext({ dir: r.dir, env: r.env ?? {}, yes: r.yes ?? !r.prompts, random: seededRandom(11), ...(r.prompts ? { prompts: r.prompts } : {}) });
}

async function setup(r: Run): Promise<{ result: SetupResult; ctx: TestContext }> {
  const ctx = context(r);
  return { result: await run(ctx, optionsSchema.parse(r.options ?? {}), freePorts), ctx };
}

async function failure(r: Run): Promise<{ code: string; exitCode: number; message: string; hint?: string }> {
  try {
    await run(context(r), optionsSchema.parse(r.options ?? {}), freePorts);
  } catch (error) {
    return error as never;
  }
  throw new Error('setup was expected to fail');
}

const newDir = async () => join(await tempDir('aigw-providers-'), 'gw');
const readEnv = async (dir: string) => EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
type Entry = { model_name: string; litellm_params: Record<string, string>; model_info?: { managed_by?: string } };
const modelList = async (dir: string) => (parseYaml(await readFile(join(dir, 'config.yaml'), 'utf8')) as { model_list: Entry[] }).model_list;
const names = async (dir: string) => (await modelList(dir)).map((m) => m.model_name);
const files = async (dir: string) => ({ env: await readFile(join(dir, '.env'), 'utf8'), config: await readFile(join(dir, 'config.yaml'), 'utf8') });

const FIREWORKS_KEY = 'fw-secret-key-0123456789';
const PERPLEXITY_KEY = 'pplx-secret-0123456789';

describe('Perplexity and LM Studio', () => {
  it('Perplexity from AI_GATEWAY_PERPLEXITY_API_KEY: key only in .env, a wildcard and sonar in config.yaml', async () => {
    const dir = await newDir();
    const { result, ctx } = await setup({ dir, env: { AI_GATEWAY_PERPLEXITY_API_KEY: PERPLEXITY_KEY } });
    expect((await readEnv(dir)).get('PERPLEXITY_API_KEY')).toBe(PERPLEXITY_KEY);
    const list = await modelList(dir);
    expect(list.map((m) => [m.model_name, m.litellm_params])).toEqual([
      ['perplexity/*', { model: 'perplexity/*', api_key: 'os.environ/PERPLEXITY_API_KEY' }],
      ['sonar', { model: 'perplexity/sonar', api_key: 'os.environ/PERPLEXITY_API_KEY' }],
    ]);
    expect((await files(dir)).config).not.toContain(PERPLEXITY_KEY);
    expect(result.providerChanges).toEqual([{ id: 'perplexity', action: 'added', variables: ['PERPLEXITY_API_KEY'], entries: ['perplexity/*', 'sonar'] }]);
    expect(ctx.captured.all() + JSON.stringify(result) + render(result, ctx.out.style)).not.toContain(PERPLEXITY_KEY);
  });

  it('LM Studio from --lm-studio-base-url or AI_GATEWAY_LM_STUDIO_BASE_URL, no key; --provider lm_studio takes the default address', async () => {
    const dir = await newDir();
    await setup({ dir, options: { lmStudioBaseUrl: 'http://192.168.1.20:1234/v1' } });
    expect((await readEnv(dir)).get('LM_STUDIO_API_BASE')).toBe('http://192.168.1.20:1234/v1');
    expect((await modelList(dir)).map((m) => [m.model_name, m.litellm_params])).toEqual([
      ['lm_studio/*', { model: 'lm_studio/*', api_base: 'os.environ/LM_STUDIO_API_BASE' }],
      ['lm-studio-llama-3.2-3b', { model: 'lm_studio/llama-3.2-3b-instruct', api_base: 'os.environ/LM_STUDIO_API_BASE' }],
    ]);

    const other = await newDir();
    await setup({ dir: other, options: { provider: [{ prefix: 'lm_studio' }] } });
    expect((await readEnv(other)).get('LM_STUDIO_API_BASE')).toBe('http://host.docker.internal:1234/v1');
    const third = await newDir();
    await setup({ dir: third, env: { AI_GATEWAY_LM_STUDIO_BASE_URL: 'http://lmstudio.lan:1234/v1' } });
    expect((await readEnv(third)).get('LM_STUDIO_API_BASE')).toBe('http://lmstudio.lan:1234/v1');
    expect((await failure({ dir: await newDir(), options: { lmStudioBaseUrl: 'host:1234' } })).code).toBe('INVALID_PROVIDER_VALUE');
  });
});

describe("Gemini's GOOGLE_API_KEY", () => {
  it('AI_GATEWAY_GOOGLE_API_KEY configures Gemini; a GOOGLE_API_KEY already in .env is read under that name', async () => {
    const dir = await newDir();
    await setup({ dir, env: { AI_GATEWAY_GOOGLE_API_KEY: 'AIza-google-0123456789' } });
    expect((await readEnv(dir)).get('GEMINI_API_KEY')).toBe('AIza-google-0123456789');

    const own = await newDir();
    await setup({ dir: own });
    await writeFile(join(own, '.env'), `${(await files(own)).env}GOOGLE_API_KEY=AIza-user-written-0123456789\n`);
    const { result, ctx } = await setup({ dir: own });
    expect(result.providers).toEqual(['gemini']);
    expect((await modelList(own))[0]?.litellm_params).toEqual({ model: 'gemini/*', api_key: 'os.environ/GOOGLE_API_KEY' });
    // A new key replaces the value where it lives, and no second variable appears.
    await setup({ dir: own, env: { AI_GATEWAY_GEMINI_API_KEY: 'AIza-replacement-0123456789' } });
    const env = await readEnv(own);
    expect([env.get('GOOGLE_API_KEY'), env.has('GEMINI_API_KEY')]).toEqual(['AIza-replacement-0123456789', false]);
    expect(ctx.captured.all()).not.toContain('AIza-user-written');
  });
});

describe('any other LiteLLM provider (--provider <prefix>)', () => {
  it('adds a managed <prefix>/* entry, keeps the choice in .env, and a re-run keeps it', async () => {
    const dir = await newDir();
    const { result, ctx } = await setup({ dir, options: { provider: [{ prefix: 'fireworks_ai' }] }, env: { AI_GATEWAY_FIREWORKS_AI_API_KEY: FIREWORKS_KEY } });
    const env = await readEnv(dir);
    expect([env.get('EXTRA_PROVIDERS'), env.get('FIREWORKS_AI_API_KEY')]).toEqual(['fireworks_ai', FIREWORKS_KEY]);
    expect((await files(dir)).env).toMatch(/# Other LiteLLM providers \(ai-gateway setup --provider <prefix>\).*\n.*\nEXTRA_PROVIDERS=fireworks_ai\nFIREWORKS_AI_API_KEY=/);
    const list = await modelList(dir);
    expect(list).toEqual([{ model_name: 'fireworks_ai/*', litellm_params: { model: 'fireworks_ai/*', api_key: 'os.environ/FIREWORKS_AI_API_KEY' }, model_info: { managed_by: 'ai-gateway' } }]);
    expect(modelEntryProblems(list[0] as Entry)).toEqual([]);
    expect(result.providers).toEqual(['fireworks_ai']);
    expect(result.providerChanges).toEqual([{ id: 'fireworks_ai', action: 'added', variables: ['FIREWORKS_AI_API_KEY', 'EXTRA_PROVIDERS'], entries: ['fireworks_ai/*'] }]);
    expect(ctx.captured.all() + JSON.stringify(result)).not.toContain(FIREWORKS_KEY);

    const again = await setup({ dir, env: { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-0123456789' } });
    expect(again.result.providers).toEqual(['openai', 'fireworks_ai']);
    expect(await names(dir)).toEqual(['openai/*', 'gpt-4o-mini', 'fireworks_ai/*']);
    expect(again.result.providerChanges.map((c) => `${c.action} ${c.id}`)).toEqual(['added openai']);
  });

  it('pairs a key variable and a base URL with their provider; keyless local servers need only the URL', async () => {
    const dir = await newDir();
    const { result } = await setup({
      dir,
      options: { provider: [{ prefix: 'hosted_vllm', baseUrl: 'http://host.docker.internal:8000/v1' }, { prefix: 'deepinfra', keyEnv: 'DEEPINFRA_TOKEN' }] },
      env: { AI_GATEWAY_DEEPINFRA_TOKEN: 'di-token-0123456789' },
    });
    const env = await readEnv(dir);
    expect(env.get('EXTRA_PROVIDERS')).toBe('hosted_vllm,deepinfra:DEEPINFRA_TOKEN');
    expect([env.get('HOSTED_VLLM_API_BASE'), env.get('DEEPINFRA_TOKEN'), env.has('HOSTED_VLLM_API_KEY')]).toEqual(['http://host.docker.internal:8000/v1', 'di-token-0123456789', false]);
    const list = await modelList(dir);
    expect(list.map((m) => m.litellm_params)).toEqual([
      { model: 'hosted_vllm/*', api_base: 'os.environ/HOSTED_VLLM_API_BASE' },
      { model: 'deepinfra/*', api_key: 'os.environ/DEEPINFRA_TOKEN' },
    ]);
    for (const entry of list) expect(modelEntryProblems(entry)).toEqual([]);
    expect(result.providerChanges.map((c) => [c.id, c.variables])).toEqual([
      ['hosted_vllm', ['HOSTED_VLLM_API_BASE', 'EXTRA_PROVIDERS']],
      ['deepinfra', ['DEEPINFRA_TOKEN', 'EXTRA_PROVIDERS']],
    ]);
  });

  it('AI_GATEWAY_PROVIDERS names them without flags, in the EXTRA_PROVIDERS syntax; base URLs from AI_GATEWAY_<PREFIX>_API_BASE', async () => {
    const dir = await newDir();
    await setup({
      dir,
      env: { AI_GATEWAY_PROVIDERS: 'hosted_vllm, deepinfra:DEEPINFRA_TOKEN,perplexity', AI_GATEWAY_HOSTED_VLLM_API_BASE: 'http://vllm.lan:8000/v1', AI_GATEWAY_DEEPINFRA_TOKEN: 'di-token-0123456789', AI_GATEWAY_PERPLEXITY_API_KEY: PERPLEXITY_KEY },
    });
    const env = await readEnv(dir);
    expect([env.get('EXTRA_PROVIDERS'), env.get('HOSTED_VLLM_API_BASE')]).toEqual(['hosted_vllm,deepinfra:DEEPINFRA_TOKEN', 'http://vllm.lan:8000/v1']);
    expect(await names(dir)).toEqual(['perplexity/*', 'sonar', 'hosted_vllm/*', 'deepinfra/*']);
    expect(await failure({ dir: await newDir(), env: { AI_GATEWAY_PROVIDERS: 'fireworks' } })).toMatchObject({ code: 'UNKNOWN_PROVIDER', message: expect.stringContaining('"fireworks" (from AI_GATEWAY_PROVIDERS)') });
  });

  it('azure_text gets the API version LiteLLM requires', async () => {
    const dir = await newDir();
    await setup({ dir, options: { provider: [{ prefix: 'azure_text', baseUrl: 'https://res.openai.azure.com' }] }, env: { AI_GATEWAY_AZURE_TEXT_API_KEY: 'azure-text-0123456789' } });
    const [entry] = await modelList(dir);
    expect(entry?.litellm_params).toEqual({ model: 'azure_text/*', api_key: 'os.environ/AZURE_TEXT_API_KEY', api_base: 'os.environ/AZURE_TEXT_API_BASE', api_version: 'os.environ/AZURE_TEXT_API_VERSION' });
    expect((await readEnv(dir)).get('AZURE_TEXT_API_VERSION')).toBe('2024-10-21');
    expect(modelEntryProblems(entry as Entry)).toEqual([]);
  });

  it('refuses an unknown prefix with the closest names and the list LiteLLM knows, writing nothing (exit 2)', async () => {
    const dir = await newDir();
    const error = await failure({ dir, options: { provider: [{ prefix: 'fireworks' }] } });
    expect(error).toMatchObject({ code: 'UNKNOWN_PROVIDER', exitCode: 2 });
    expect(error.message).toMatch(/^Unknown provider prefix "fireworks" \(from --provider fireworks\)\. Did you mean fireworks_ai\? LiteLLM knows: openai, chatgpt, .*hosted_vllm.*, gdc\.$/);
    expect(error.hint).toContain('--provider fireworks_ai');
    await expect(readFile(join(dir, '.env'))).rejects.toThrow();
    expect(await failure({ dir, options: { provider: [{ prefix: 'milvus' }] } })).toMatchObject({ code: 'NOT_A_MODEL_PROVIDER', exitCode: 2 });
  });

  it('names the variable or flag a missing key or base URL comes from (no terminal)', async () => {
    const dir = await newDir();
    expect(await failure({ dir, options: { provider: [{ prefix: 'fireworks_ai' }] } })).toMatchObject({
      code: 'PROMPT_NEEDS_TTY',
      exitCode: 2,
      hint: expect.stringMatching(/^Set AI_GATEWAY_FIREWORKS_AI_API_KEY \(keys are never flags/),
    });
    expect(await failure({ dir, options: { provider: [{ prefix: 'hosted_vllm' }] } })).toMatchObject({ code: 'PROMPT_NEEDS_TTY', hint: expect.stringContaining('--provider hosted_vllm --provider-base-url <url>') });
    expect(await failure({ dir, options: { provider: [{ prefix: 'perplexity' }] } })).toMatchObject({ code: 'PROMPT_NEEDS_TTY', hint: expect.stringContaining('AI_GATEWAY_PERPLEXITY_API_KEY') });
  });

  it('refuses a key variable that belongs to setup or another provider, and key-env on a built-in', async () => {
    const dir = await newDir();
    for (const keyEnv of ['LITELLM_MASTER_KEY', 'OPENAI_API_KEY', 'EXTRA_PROVIDERS', 'lower_case']) {
      expect(await failure({ dir, options: { provider: [{ prefix: 'fireworks_ai', keyEnv }] }, env: { [`AI_GATEWAY_${keyEnv}`]: FIREWORKS_KEY } })).toMatchObject({ code: 'INVALID_OPTION', exitCode: 2 });
    }
    expect(await failure({ dir, options: { provider: [{ prefix: 'openai', keyEnv: 'MY_KEY' }] } })).toMatchObject({ code: 'INVALID_OPTION', message: expect.stringContaining('built in: its key is always OPENAI_API_KEY') });
    expect(await failure({ dir, options: { provider: [{ prefix: 'groq', baseUrl: 'http://x:1/v1' }] } })).toMatchObject({ code: 'INVALID_OPTION' });
  });

  it('reads EXTRA_PROVIDERS as the user left it: a bad name stops setup (exit 2), a missing key leaves the entry out with a warning', async () => {
    const dir = await newDir();
    await setup({ dir, options: { provider: [{ prefix: 'fireworks_ai' }] }, env: { AI_GATEWAY_FIREWORKS_AI_API_KEY: FIREWORKS_KEY } });
    const env = await readEnv(dir);
    env.set('EXTRA_PROVIDERS', 'fireworks_ai,fireworks');
    await writeFile(join(dir, '.env'), env.toString());
    expect(await failure({ dir })).toMatchObject({ code: 'INVALID_ENV', exitCode: 2, message: 'EXTRA_PROVIDERS in .env lists "fireworks", which is not a LiteLLM model provider prefix.' });
    env.set('EXTRA_PROVIDERS', 'fireworks_ai');
    env.delete('FIREWORKS_AI_API_KEY');
    await writeFile(join(dir, '.env'), env.toString());
    const { ctx } = await setup({ dir });
    expect(await names(dir)).toEqual([]);
    expect(ctx.captured.stderr.join('')).toContain('EXTRA_PROVIDERS lists fireworks_ai, but FIREWORKS_AI_API_KEY is empty: its entry is left out of config.yaml.');
  });

  it('in a terminal: "Another LiteLLM provider" asks for the prefix and a hidden key', async () => {
    const dir = await newDir();
    const prompts = scriptedPrompts([
      { id: 'profile', answer: 'medium' },
      { id: 'budget', answer: 'test' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
      { id: 'ports', answer: 'default' },
      { id: 'providers', answer: 'other', kind: 'select' },
      { id: 'provider.other', answer: 'fireworks_ai', kind: 'input' },
      { id: 'provider.fireworks_ai.key', answer: FIREWORKS_KEY, kind: 'password' },
      { id: 'providers', answer: 'done' },
      { id: 'images', answer: true },
      { id: 'secrets', answer: true },
    ]);
    await setup({ dir, prompts });
    prompts.assertDone();
    expect((await readEnv(dir)).get('FIREWORKS_AI_API_KEY')).toBe(FIREWORKS_KEY);
    expect(await names(dir)).toEqual(['fireworks_ai/*']);

    // The prefix question refuses what LiteLLM does not know, naming the close ones.
    const wrong = scriptedPrompts([
      { id: 'profile', answer: 'medium' },
      { id: 'budget', answer: 'test' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
      { id: 'ports', answer: 'default' },
      { id: 'providers', answer: 'other' },
      { id: 'provider.other', answer: 'fireworks' },
    ]);
    await expect(setup({ dir: await newDir(), prompts: wrong })).rejects.toThrow('"fireworks" is not a LiteLLM model provider prefix; did you mean fireworks_ai?');
  });
});

describe('--remove-provider', () => {
  async function gatewayWithProviders(): Promise<string> {
    const dir = await newDir();
    await setup({ dir, env: { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-0123456789', AI_GATEWAY_GROQ_API_KEY: 'gsk_groq-0123456789', AI_GATEWAY_FIREWORKS_AI_API_KEY: FIREWORKS_KEY }, options: { provider: [{ prefix: 'fireworks_ai' }] } });
    // An entry of the user's own that reads OPENAI_API_KEY.
    const config = (await files(dir)).config.replace('model_list:\n', 'model_list:\n  - model_name: my-gpt\n    litellm_params:\n      model: openai/gpt-4.1\n      api_key: os.environ/OPENAI_API_KEY\n');
    await writeFile(join(dir, 'config.yaml'), config);
    return dir;
  }

  it('needs --yes without a terminal, then takes out the managed entries and the key (never printed)', async () => {
    const dir = await gatewayWithProviders();
    const before = await files(dir);
    expect(await failure({ dir, options: { removeProvider: ['groq'] }, yes: false })).toMatchObject({ code: 'PROMPT_NEEDS_TTY', exitCode: 2, hint: 'Pass --yes together with --remove-provider to confirm it.' });
    expect(await files(dir)).toEqual(before);

    const { result, ctx } = await setup({ dir, options: { removeProvider: ['groq', 'fireworks_ai'] } });
    const env = await readEnv(dir);
    expect([env.has('GROQ_API_KEY'), env.has('FIREWORKS_AI_API_KEY'), env.has('EXTRA_PROVIDERS'), env.get('OPENAI_API_KEY')]).toEqual([false, false, false, 'sk-openai-0123456789']);
    expect(await names(dir)).toEqual(['my-gpt', 'openai/*', 'gpt-4o-mini']);
    expect(result.providerChanges).toEqual([
      { id: 'groq', action: 'removed', variables: ['GROQ_API_KEY'], entries: ['groq/*', 'groq-llama-3.3-70b'] },
      { id: 'fireworks_ai', action: 'removed', variables: ['FIREWORKS_AI_API_KEY'], entries: ['fireworks_ai/*'] },
    ]);
    const printed = ctx.captured.all() + JSON.stringify(result) + render(result, ctx.out.style);
    expect(printed).not.toContain('gsk_groq-0123456789');
    expect(printed).not.toContain(FIREWORKS_KEY);
    expect(render(result, ctx.out.style)).toContain('removed groq: groq/*, groq-llama-3.3-70b (GROQ_API_KEY out of .env)');
  });

  it('adding providers and removing them again leaves .env and config.yaml as they were', async () => {
    const dir = await newDir();
    await setup({ dir, env: { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-0123456789' } });
    const before = await files(dir);
    await setup({ dir, options: { provider: [{ prefix: 'fireworks_ai' }], lmStudioBaseUrl: 'http://lmstudio.lan:1234/v1' }, env: { AI_GATEWAY_FIREWORKS_AI_API_KEY: FIREWORKS_KEY } });
    expect(await names(dir)).toEqual(['openai/*', 'gpt-4o-mini', 'lm_studio/*', 'lm-studio-llama-3.2-3b', 'fireworks_ai/*']);
    await setup({ dir, options: { removeProvider: ['fireworks_ai', 'lm_studio'] } });
    expect(await files(dir)).toEqual(before);
  });

  it("keeps a key your own entries still read, says so, and never touches those entries", async () => {
    const dir = await gatewayWithProviders();
    const { result, ctx } = await setup({ dir, options: { removeProvider: ['openai'] } });
    expect((await readEnv(dir)).get('OPENAI_API_KEY')).toBe('sk-openai-0123456789');
    expect(await names(dir)).toEqual(['my-gpt', 'groq/*', 'groq-llama-3.3-70b', 'fireworks_ai/*']);
    expect(result.providerChanges).toEqual([{ id: 'openai', action: 'removed', variables: [], entries: ['openai/*', 'gpt-4o-mini'], keptForUserEntries: ['OPENAI_API_KEY'] }]);
    expect(ctx.captured.stderr.join('')).toMatch(/OPENAI_API_KEY stays in \.env: config\.yaml entries you wrote still read it \(my-gpt\)/);
  });

  it('asks in a terminal (no by default: nothing changes); a dry run shows the removal with secrets masked and writes nothing', async () => {
    const dir = await gatewayWithProviders();
    const before = await files(dir);
    const prompts = scriptedPrompts([
      { id: 'mode', answer: 'reuse' },
      { id: 'remove-provider.confirm', answer: false, kind: 'confirm' },
    ]);
    expect(await failure({ dir, options: { removeProvider: ['groq'] }, prompts })).toMatchObject({ code: 'CANCELLED', exitCode: 130 });
    expect(prompts.asked[1]?.message).toContain('groq (2 managed entries; GROQ_API_KEY from .env)');
    expect(await files(dir)).toEqual(before);

    const { result, ctx } = await setup({ dir, options: { removeProvider: ['groq'], dryRun: true }, yes: false });
    expect(await files(dir)).toEqual(before);
    const envDiff = result.files.find((f) => f.file === '.env')?.diff ?? '';
    expect(envDiff).toMatch(/^-GROQ_API_KEY=gs…6789$/m);
    expect(JSON.stringify(result) + ctx.captured.all()).not.toContain('gsk_groq-0123456789');
    expect(render(result, ctx.out.style)).toContain('would remove groq');
  });

  it('refuses a name that is neither configured nor a provider; warns for a known one not configured', async () => {
    const dir = await gatewayWithProviders();
    expect(await failure({ dir, options: { removeProvider: ['opneai'] } })).toMatchObject({ code: 'UNKNOWN_PROVIDER', exitCode: 2, hint: 'Configured: openai, groq, fireworks_ai. Pass one of those.' });
    const { ctx } = await setup({ dir, options: { removeProvider: ['mistral'] } });
    expect(ctx.captured.stderr.join('')).toContain('mistral is not configured in this gateway; nothing to remove');
  });
});

describe('the CLI flags', () => {
  async function cli(dir: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io: ProcessIo = { env: { NO_COLOR: '1', ...env }, cwd: dir, stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, stdinIsTTY: false };
    const code = await main(['node', 'ai-gateway', '--dir', dir, ...args], io);
    return { code, stdout, stderr };
  }

  it('--provider-key-env and --provider-base-url belong to the --provider before them; --json shows the changes, masked', async () => {
    const dir = await newDir();
    const secret = 'di-token-0123456789';
    const run = await cli(dir, { AI_GATEWAY_DEEPINFRA_TOKEN: secret }, 'setup', '--json', '--dry-run', '--ports', 'random',
      '--provider', 'hosted_vllm', '--provider-base-url', 'http://host.docker.internal:8000/v1', '--provider', 'deepinfra', '--provider-key-env', 'DEEPINFRA_TOKEN');
    expect(run.code).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(secret);
    const doc = JSON.parse(run.stdout) as SetupResult;
    expect(doc.providerChanges).toEqual([
      { id: 'hosted_vllm', action: 'added', variables: ['HOSTED_VLLM_API_BASE', 'EXTRA_PROVIDERS'], entries: ['hosted_vllm/*'] },
      { id: 'deepinfra', action: 'added', variables: ['DEEPINFRA_TOKEN', 'EXTRA_PROVIDERS'], entries: ['deepinfra/*'] },
    ]);
    expect(doc.files.find((f) => f.file === '.env')?.diff).toMatch(/^\+DEEPINFRA_TOKEN=di…6789$/m);

    const orphan = await cli(dir, {}, 'setup', '--json', '--provider-key-env', 'X_KEY', '--provider', 'fireworks_ai');
    expect(orphan.code).toBe(2);
    expect(orphan.stderr + orphan.stdout).toContain('--provider-key-env belongs to a --provider: put it after --provider <prefix>.');
    const twice = await cli(dir, {}, 'setup', '--provider', 'fireworks_ai', '--provider-key-env', 'A_KEY', '--provider-key-env', 'B_KEY');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('--provider fireworks_ai has --provider-key-env twice');
  });
});
