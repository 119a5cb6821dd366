// setup → "Change settings" on an existing gateway: the questions again with the current answers as
// defaults, the masked diff, one confirmation; secrets kept; keys replaced by a hidden prompt only.
import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import { EnvFile } from '../../gateway/env-file.js';
import { privateCa } from '../../testing/certificates.js';
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
  { id: 'tls', answer: 'off' },
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
      { id: 'tls', answer: 'off' },
      { id: 'change.provider.remove', answer: 'none' },
      { id: 'change.images', answer: false },
      { id: 'providers', answer: 'done' },
      { id: 'change.confirm', answer: true, kind: 'confirm' },
    ]);
    expect(error).toBeUndefined();
    const defaults = Object.fromEntries(prompts.asked.map((q) => [q.id, q.default]));
    expect(defaults).toMatchObject({ profile: 'medium', budget: 'test', nginx: true, bind: '127.0.0.1', 'port.nginx': '3000', 'port.litellm': '4000', tls: 'off', 'change.provider.remove': 'none', 'change.images': false });
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
        { id: 'tls', answer: 'off' },
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

  describe('HTTPS', () => {
    const upToTls = keepSettings.filter((a) => a.id !== 'tls');
    const afterTls: ScriptedAnswer[] = [
      { id: 'change.provider.remove', answer: 'none' },
      { id: 'change.images', answer: false },
      { id: 'providers', answer: 'done' },
    ];

    it('turns on a self-signed certificate with HSTS and a redirect port; the next run offers them as defaults', async () => {
      const dir = await existingGateway();
      const { result, error, prompts } = await change(dir, [
        ...upToTls,
        { id: 'tls', answer: 'self-signed', kind: 'select' },
        { id: 'tls.hsts', answer: true, kind: 'confirm' },
        { id: 'tls.redirect', answer: '8080', kind: 'input' },
        ...afterTls,
        { id: 'change.confirm', answer: true },
      ]);
      expect(error).toBeUndefined();
      expect(prompts.asked.find((q) => q.id === 'tls')?.default).toBe('off');
      const env = await readEnv(dir);
      expect([env.get('TLS'), env.get('HSTS'), env.get('HTTP_REDIRECT_PORT')]).toEqual(['self-signed', 'yes', '8080']);
      expect(((await stat(join(dir, 'tls/key.pem'))).mode & 0o777).toString(8)).toBe('600');
      expect(result?.urls.api).toMatch(/^https:\/\/127\.0\.0\.1:3000\//);
      const certBefore = await readFile(join(dir, 'tls/cert.pem'), 'utf8');

      // Again: the current answers are the defaults, and keeping them keeps the certificate.
      const again = await change(dir, [...upToTls, { id: 'tls', answer: 'self-signed' }, { id: 'tls.hsts', answer: true }, { id: 'tls.redirect', answer: '8080' }, ...afterTls]);
      expect(again.error).toBeUndefined();
      const defaults = Object.fromEntries(again.prompts.asked.map((q) => [q.id, q.default]));
      expect(defaults).toMatchObject({ tls: 'self-signed', 'tls.hsts': true, 'tls.redirect': '8080' });
      expect(again.ctx.captured.all()).toContain('Nothing changes');
      expect(await readFile(join(dir, 'tls/cert.pem'), 'utf8')).toBe(certBefore);
    });

    it('new certificate files by path: copied into tls/, the key never shown; then "keep" is offered', async () => {
      const dir = await existingGateway();
      const ca = await privateCa(['127.0.0.1', 'localhost']);
      const inDir = await tempDir('aigw-change-tls-in-');
      await writeFile(join(inDir, 'cert.pem'), ca.leaf.certPem);
      await writeFile(join(inDir, 'key.pem'), ca.leaf.keyPem, { mode: 0o600 });
      const { ctx, result, error, prompts } = await change(dir, [
        ...upToTls,
        { id: 'tls', answer: 'new-files' },
        { id: 'tls.cert', answer: join(inDir, 'cert.pem'), kind: 'input' },
        { id: 'tls.key', answer: join(inDir, 'key.pem'), kind: 'input' },
        { id: 'tls.hsts', answer: false },
        { id: 'tls.redirect', answer: '', kind: 'input' },
        ...afterTls,
        { id: 'change.confirm', answer: true },
      ]);
      expect(error).toBeUndefined();
      expect(await readFile(join(dir, 'tls/key.pem'), 'utf8')).toBe(ca.leaf.keyPem);
      const env = await readEnv(dir);
      expect([env.get('TLS'), env.get('HSTS'), env.get('HTTP_REDIRECT_PORT') ?? '']).toEqual(['files', 'no', '']);
      const shown = ctx.captured.all() + JSON.stringify(result);
      expect(shown).not.toContain(ca.leaf.keyPem.split('\n')[1] as string);

      const again = await change(dir, [...upToTls, { id: 'tls', answer: 'keep-files' }, { id: 'tls.hsts', answer: false }, { id: 'tls.redirect', answer: '' }, ...afterTls]);
      expect(again.error).toBeUndefined();
      expect(again.prompts.asked.find((q) => q.id === 'tls')?.default).toBe('keep-files');
      expect(again.ctx.captured.all()).toContain('Nothing changes');
      expect(prompts.asked.find((q) => q.id === 'tls.redirect')?.message).toContain('empty for none');
    });

    it('a bad certificate path stops setup with its code and writes nothing', async () => {
      const dir = await existingGateway();
      const before = await snapshot(dir);
      const { error } = await change(dir, [
        ...upToTls,
        { id: 'tls', answer: 'new-files' },
        { id: 'tls.cert', answer: '/nonexistent/cert.pem' },
        { id: 'tls.key', answer: '/nonexistent/key.pem' },
        { id: 'tls.hsts', answer: false },
        { id: 'tls.redirect', answer: '' },
        ...afterTls,
      ]);
      expect(error?.code).toBe('TLS_FILE_MISSING');
      expect(error?.exitCode).toBe(2);
      expect(await snapshot(dir)).toEqual(before);
    });

    it('the redirect port may not be one the gateway already uses', async () => {
      const dir = await existingGateway();
      // The question's validator refuses it (the scripted prompt surfaces the refusal as an error).
      await expect(change(dir, [...upToTls, { id: 'tls', answer: 'self-signed' }, { id: 'tls.hsts', answer: false }, { id: 'tls.redirect', answer: '4000' }])).rejects.toThrow(
        /port 4000 is already taken by another service of this gateway/,
      );
    });

    it('turning Nginx off turns HTTPS off (and says so) instead of refusing', async () => {
      const dir = await existingGateway();
      await change(dir, [...upToTls, { id: 'tls', answer: 'self-signed' }, { id: 'tls.hsts', answer: false }, { id: 'tls.redirect', answer: '' }, ...afterTls, { id: 'change.confirm', answer: true }]);
      const { ctx, error } = await change(dir, [
        { id: 'mode', answer: 'change' },
        { id: 'profile', answer: 'medium' },
        { id: 'budget', answer: 'test' },
        { id: 'nginx', answer: false },
        { id: 'bind', answer: '127.0.0.1' },
        { id: 'port.webui', answer: '3000' },
        { id: 'port.litellm', answer: '4000' },
        ...afterTls,
        { id: 'change.confirm', answer: true },
      ]);
      expect(error).toBeUndefined();
      expect(ctx.captured.all()).toContain('Without Nginx there is no HTTPS');
      const env = await readEnv(dir);
      expect([env.get('USE_NGINX'), env.get('TLS')]).toEqual(['no', 'off']);
    });
  });
});
