// setup → "Change settings" on an existing gateway: the questions again with the current answers as
// defaults, the masked diff, one confirmation; secrets kept; keys replaced by a hidden prompt only.
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { EnvFile } from '../../gateway/env-file.js';
import { createTestContext, seededRandom, tempDir, type TestContext } from '../../testing/context.js';
import { scriptedPrompts, type ScriptedAnswer } from '../../testing/prompts.js';
import type { SetupProbes } from './answers/resolver.js';
import { optionsSchema, run, type SetupResult } from './setup.handler.js';

const freePorts: SetupProbes = {
  probePort: async () => 'free',
  findFreePort: async ({ preferred }) => preferred,
  randomHighPort: async () => 50_000,
  totalMemoryMb: () => 16_384,
};

const OLD_KEY = 'sk-old-openai-key-0123456789';
const NEW_KEY = 'sk-new-openai-key-9876543210';
const SECRETS = ['LITELLM_MASTER_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD'];

/** A gateway set up without a terminal: OpenAI configured, test budget, Nginx, default ports. */
async function existingGateway(): Promise<string> {
  const dir = join(await tempDir('aigw-change-'), 'gw');
  const ctx = createTestContext({ dir, env: { AI_GATEWAY_OPENAI_API_KEY: OLD_KEY }, yes: true, random: seededRandom(3) });
  await run(ctx, optionsSchema.parse({}), freePorts);
  return dir;
}

async function change(dir: string, script: ScriptedAnswer[], options: Record<string, unknown> = {}): Promise<{ ctx: TestContext; result?: SetupResult; error?: AppError; prompts: ReturnType<typeof scriptedPrompts> }> {
  const prompts = scriptedPrompts(script);
  const ctx = createTestContext({ dir, env: {}, prompts, random: seededRandom(5) });
  try {
    const result = await run(ctx, optionsSchema.parse(options), freePorts);
    prompts.assertDone();
    return { ctx, result, prompts };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ctx, error, prompts };
  }
}

const readEnv = async (dir: string) => EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const file of ['.env', 'config.yaml', 'docker-compose.yml', 'docker-compose.override.yml', 'nginx/nginx.conf']) out[file] = await readFile(join(dir, file), 'utf8');
  return out;
}

/** Every question kept at its current answer, up to the provider menu. */
const keepSettings: ScriptedAnswer[] = [
  { id: 'mode', answer: 'change' },
  { id: 'profile', answer: 'medium' },
  { id: 'budget', answer: 'test' },
  { id: 'nginx', answer: true },
  { id: 'bind', answer: '127.0.0.1' },
  { id: 'port.nginx', answer: '3000' },
  { id: 'port.litellm', answer: '4000' },
];

describe('setup: change settings', () => {
  it('asks every question with the current answer as its default, shows the masked diff, applies on yes; secrets kept', async () => {
    const dir = await existingGateway();
    const before = await readEnv(dir);
    const { ctx, result, prompts, error } = await change(dir, [
      { id: 'mode', answer: 'change' },
      { id: 'profile', answer: 'small' },
      { id: 'budget', answer: 'prod' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
      { id: 'port.nginx', answer: '3000' },
      { id: 'port.litellm', answer: '4000' },
      { id: 'change.provider.remove', answer: 'none' },
      { id: 'change.images', answer: false },
      { id: 'providers', answer: 'done' },
      { id: 'change.confirm', answer: true, kind: 'confirm' },
    ]);
    expect(error).toBeUndefined();
    const defaults = Object.fromEntries(prompts.asked.map((q) => [q.id, q.default]));
    expect(defaults).toMatchObject({ profile: 'medium', budget: 'test', nginx: true, bind: '127.0.0.1', 'port.nginx': '3000', 'port.litellm': '4000', 'change.provider.remove': 'none', 'change.images': false });
    expect(prompts.asked.find((q) => q.id === 'mode')?.message).toContain('already holds a gateway');

    const after = await readEnv(dir);
    expect(after.get('BUDGET_PROFILE')).toBe('prod');
    expect(after.get('RESOURCE_PROFILE')).toBe('small');
    for (const key of SECRETS) expect(after.get(key)).toBe(before.get(key));
    expect(after.get('OPENAI_API_KEY')).toBe(OLD_KEY);
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).toMatch(/max_budget: 200\b/);
    expect(result?.mode).toBe('change');

    const shown = ctx.captured.all();
    expect(shown).toContain('-BUDGET_PROFILE=test');
    expect(shown).toContain('+BUDGET_PROFILE=prod');
    expect(shown).not.toContain(OLD_KEY);
    for (const key of SECRETS) expect(shown).not.toContain(before.get(key) as string);
  });

  it('declined: nothing is written, no backup, and it is a cancel (exit 130)', async () => {
    const dir = await existingGateway();
    const before = await snapshot(dir);
    const entries = await readdir(dir);
    const { error } = await change(dir, [
      ...keepSettings.map((a) => (a.id === 'budget' ? { id: 'budget', answer: 'unlimited' } : a)),
      { id: 'change.provider.remove', answer: 'none' },
      { id: 'change.images', answer: false },
      { id: 'providers', answer: 'done' },
      { id: 'change.confirm', answer: false },
    ]);
    expect(error?.code).toBe('CANCELLED');
    expect(error?.exitCode).toBe(130);
    expect(error?.message).toContain('nothing was changed');
    expect(await snapshot(dir)).toEqual(before);
    expect(await readdir(dir)).toEqual(entries);
  });

  it('all answers kept: says nothing changes and asks no confirmation', async () => {
    const dir = await existingGateway();
    const before = await snapshot(dir);
    const { ctx, error } = await change(dir, [...keepSettings, { id: 'change.provider.remove', answer: 'none' }, { id: 'change.images', answer: false }, { id: 'providers', answer: 'done' }]);
    expect(error).toBeUndefined();
    expect(ctx.captured.all()).toContain('Nothing changes');
    expect(await snapshot(dir)).toEqual(before);
  });

  it('replaces a provider key through the hidden prompt: the key reaches .env only, never the output', async () => {
    const dir = await existingGateway();
    const { ctx, result, prompts, error } = await change(dir, [
      ...keepSettings,
      { id: 'change.provider.remove', answer: 'none' },
      { id: 'change.images', answer: false },
      { id: 'providers', answer: 'openai' },
      { id: 'provider.openai', answer: NEW_KEY, kind: 'password' },
      { id: 'providers', answer: 'done' },
      { id: 'change.confirm', answer: true },
    ]);
    expect(error).toBeUndefined();
    expect(prompts.asked.find((q) => q.id === 'providers')?.message).toBeDefined();
    expect((await readEnv(dir)).get('OPENAI_API_KEY')).toBe(NEW_KEY);
    expect(result?.providerChanges).toEqual([expect.objectContaining({ id: 'openai', action: 'updated', variables: ['OPENAI_API_KEY'] })]);
    const shown = ctx.captured.all() + JSON.stringify(result);
    expect(shown).not.toContain(NEW_KEY);
    expect(shown).not.toContain(OLD_KEY);
    // The diff names the variable with only the last four characters of each key.
    expect(shown).toContain('-OPENAI_API_KEY=sk-…6789');
    expect(shown).toContain('+OPENAI_API_KEY=sk-…3210');
  });

  it('removes a provider: its key leaves .env and its entries leave config.yaml', async () => {
    const dir = await existingGateway();
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).toContain('openai/*');
    const { result, error } = await change(dir, [
      ...keepSettings,
      { id: 'change.provider.remove', answer: 'openai' },
      { id: 'change.images', answer: false },
      { id: 'remove-provider.confirm', answer: true },
      { id: 'providers', answer: 'done' },
      { id: 'change.confirm', answer: true },
    ]);
    expect(error).toBeUndefined();
    expect((await readEnv(dir)).get('OPENAI_API_KEY')).toBeUndefined();
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).not.toContain('openai/*');
    expect(result?.providers).toEqual([]);
  });

  it('a new port is checked like --nginx-port: a busy one is refused with a free one to pick', async () => {
    const dir = await existingGateway();
    const before = await snapshot(dir);
    const probes: SetupProbes = { ...freePorts, probePort: async (port) => (port === 3100 ? 'busy' : 'free') };
    const prompts = scriptedPrompts([
      ...keepSettings.map((a) => (a.id === 'port.nginx' ? { id: 'port.nginx', answer: '3100' } : a)),
      { id: 'change.provider.remove', answer: 'none' },
      { id: 'change.images', answer: false },
      { id: 'providers', answer: 'done' },
      // setup's own busy-port question, suggesting the next free port
      { id: 'port.nginx', answer: '3101' },
      { id: 'change.confirm', answer: true },
    ]);
    const ctx = createTestContext({ dir, env: {}, prompts, random: seededRandom(5) });
    await run(ctx, optionsSchema.parse({}), probes).catch((e: unknown) => e);
    expect(prompts.asked.map((q) => q.id)).toContain('port.nginx');
    expect((await readEnv(dir)).get('NGINX_PORT') ?? before['.env']).toBeDefined();
  });

  it('a flag answers its question: --budget prod is not asked again', async () => {
    const dir = await existingGateway();
    const { prompts, error } = await change(
      dir,
      [
        { id: 'mode', answer: 'change' },
        { id: 'profile', answer: 'medium' },
        { id: 'nginx', answer: true },
        { id: 'bind', answer: '127.0.0.1' },
        { id: 'port.nginx', answer: '3000' },
        { id: 'port.litellm', answer: '4000' },
        { id: 'change.provider.remove', answer: 'none' },
        { id: 'change.images', answer: false },
        { id: 'providers', answer: 'done' },
        { id: 'change.confirm', answer: true },
      ],
      { budget: 'prod' },
    );
    expect(error).toBeUndefined();
    expect(prompts.asked.map((q) => q.id)).not.toContain('budget');
    expect((await readEnv(dir)).get('BUDGET_PROFILE')).toBe('prod');
  });
});
