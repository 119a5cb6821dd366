import { DEFAULT_IMAGES } from '../../gateway/settings.js';
import { access, chmod, chown, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { createFileSystem, writeFilesAtomic, type FileSystem } from '../../core/files.js';
import { LOCK_FILE } from '../../core/lock.js';
import { randomHighPort } from '../../core/ports.js';
import type { Prompts } from '../../core/prompts.js';
import { EnvFile } from '../../gateway/env-file.js';
import { createTestContext, seededRandom, tempDir, type TestContext } from '../../testing/context.js';
import { scriptedPrompts, type ScriptedAnswer, type ScriptedPrompts } from '../../testing/prompts.js';
import type { SetupProbes } from './answers/resolver.js';
import { optionsSchema, render, run, type SetupResult } from './setup.handler.js';

// ── helpers ────────────────────────────────────────────────────────────────────────────────────

/** Port probes without touching the host: `busy` ports are in use, everything else is free. */
function fakeProbes(busy: number[] = [], memoryMb = 16_384): SetupProbes & { probed: number[] } {
  const probed: number[] = [];
  const isBusy = (port: number) => busy.includes(port);
  return {
    probed,
    probePort: async (port) => {
      probed.push(port);
      return isBusy(port) ? 'busy' : 'free';
    },
    findFreePort: async ({ preferred, exclude }) => {
      const skip = new Set(exclude);
      let port = preferred;
      while (isBusy(port) || skip.has(port)) port++;
      return port;
    },
    randomHighPort: (options) => randomHighPort({ ...options, isFree: async (port) => !isBusy(port) }),
    totalMemoryMb: () => memoryMb,
  };
}

interface Run {
  dir: string;
  options?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  prompts?: Prompts;
  probes?: SetupProbes;
  yes?: boolean;
  json?: boolean;
  fs?: FileSystem;
  seed?: number;
}

async function setup(r: Run): Promise<{ result: SetupResult; ctx: TestContext }> {
  const ctx = createTestContext({
    dir: r.dir,
    env: r.env ?? {},
    yes: r.yes ?? !r.prompts,
    json: r.json ?? false,
    random: seededRandom(r.seed ?? 7),
    ...(r.prompts ? { prompts: r.prompts } : {}),
    ...(r.fs ? { fs: r.fs } : {}),
  });
  const result = await run(ctx, optionsSchema.parse(r.options ?? {}), r.probes ?? fakeProbes());
  return { result, ctx };
}

async function failure(r: Run): Promise<{ error: { code: string; exitCode: number; message: string; hint?: string }; ctx: TestContext }> {
  const ctx = createTestContext({ dir: r.dir, env: r.env ?? {}, yes: r.yes ?? !r.prompts, random: seededRandom(r.seed ?? 7), ...(r.prompts ? { prompts: r.prompts } : {}), ...(r.fs ? { fs: r.fs } : {}) });
  try {
    await run(ctx, optionsSchema.parse(r.options ?? {}), r.probes ?? fakeProbes());
  } catch (error) {
    return { error: error as never, ctx };
  }
  throw new Error('setup was expected to fail');
}

/** A fresh, not yet existing gateway directory with a stable name (the project name derives from it). */
async function newDir(name = 'my-gateway'): Promise<string> {
  return join(await tempDir('aigw-setup-'), name);
}

const GATEWAY_FILES = ['.env', 'config.yaml', 'docker-compose.yml', 'docker-compose.override.yml', 'nginx/nginx.conf', '.gitignore'];

async function snapshotFiles(dir: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const file of GATEWAY_FILES) out[file] = await readFile(join(dir, file), 'utf8').catch(() => null);
  return out;
}

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function readEnv(dir: string): Promise<EnvFile> {
  return EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
}

const SECRET_KEYS = ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY', 'REDIS_PASSWORD'];

function done(prompts: ScriptedPrompts): void {
  prompts.assertDone();
}

// ── non-interactive ────────────────────────────────────────────────────────────────────────────

describe('setup --yes (non-interactive)', () => {
  it('creates every file at mode 600 with documented defaults and generated secrets', async () => {
    const dir = await newDir();
    const { result, ctx } = await setup({ dir });
    expect(result.mode).toBe('create');
    expect(result.files.map((f) => [f.file, f.action])).toEqual(GATEWAY_FILES.map((f) => [f, 'create']));
    for (const file of GATEWAY_FILES) expect(await modeOf(join(dir, file)), file).toBe(0o600);
    const env = await readEnv(dir);
    expect(env.get('COMPOSE_PROJECT_NAME')).toBe('aigw-my-gateway');
    expect(env.get('RESOURCE_PROFILE')).toBe('medium');
    expect(env.get('BUDGET_PROFILE')).toBe('test');
    expect(env.get('USE_NGINX')).toBe('yes');
    expect(env.get('BIND_ADDRESS')).toBe('127.0.0.1');
    expect(env.get('NGINX_PORT')).toBe('3000');
    expect(env.get('LITELLM_PORT')).toBe('4000');
    expect(env.get('LITELLM_IMAGE')).toBe(DEFAULT_IMAGES.litellm);
    expect(env.get('LITELLM_MASTER_KEY')).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
    expect(env.get('LITELLM_SALT_KEY')).toMatch(/^sk-[A-Za-z0-9_-]{43}$/);
    expect(env.get('POSTGRES_PASSWORD')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(env.get('UI_PASSWORD')).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(env.get('WEBUI_SECRET_KEY')).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(env.get('UI_USERNAME')).toBe('admin');
    expect(result.secrets.generated).toEqual(SECRET_KEYS);
    expect(result.urls).toEqual({
      api: 'http://127.0.0.1:3000/api/litellm/v1',
      litellmDirect: 'http://127.0.0.1:4000',
      adminUi: 'http://127.0.0.1:4000/ui',
      openWebui: 'http://127.0.0.1:3000/',
    });
    expect(result.next).toBe('ai-gateway start');
    // Deterministic random source → stable files.
    expect((await snapshotFiles(dir))['.env']).toMatchSnapshot('.env');
    expect({ ...result, directory: '<dir>' }).toMatchSnapshot('result');
    // No secret value anywhere in what was printed or returned.
    const printed = ctx.captured.all() + JSON.stringify(result) + render(result, ctx.out.style);
    for (const key of SECRET_KEYS) expect(printed).not.toContain(env.get(key));
  });

  it('takes flags over AI_GATEWAY_* variables over the existing .env over defaults', async () => {
    const dir = await newDir();
    await setup({ dir, options: { profile: 'small', budget: 'prod' } });
    // The variable beats .env ...
    await setup({ dir, env: { AI_GATEWAY_PROFILE: 'large', AI_GATEWAY_BUDGET: 'unlimited' } });
    expect((await readEnv(dir)).get('RESOURCE_PROFILE')).toBe('large');
    expect((await readEnv(dir)).get('BUDGET_PROFILE')).toBe('unlimited');
    // ... the flag beats the variable ...
    await setup({ dir, options: { profile: 'desktop' }, env: { AI_GATEWAY_PROFILE: 'small' } });
    expect((await readEnv(dir)).get('RESOURCE_PROFILE')).toBe('desktop');
    // ... and with neither, .env wins over the default.
    const { result } = await setup({ dir });
    expect(result.settings).toMatchObject({ resourceProfile: 'desktop', litellmWorkers: 4, budgetProfile: 'unlimited', maxBudgetUsd: 1000 });
    const override = parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8'));
    expect(override.services.litellm.command).toEqual(['--config', '/app/config.yaml', '--port', '4000', '--num_workers', '4']);
    const config = parseYaml(await readFile(join(dir, 'config.yaml'), 'utf8'));
    expect(config.litellm_settings).toMatchObject({ max_budget: 1000, budget_duration: '30d' });
  });

  it('is taken in CI and without a TTY exactly like --yes (no prompt is ever asked)', async () => {
    const dir = await newDir();
    // createTestContext defaults to NonInteractivePrompts: any prompt would throw PROMPT_NEEDS_TTY.
    const ctx = createTestContext({ dir, env: { CI: 'true' }, yes: false, random: seededRandom(1) });
    const result = await run(ctx, optionsSchema.parse({ nginx: false }), fakeProbes());
    expect(result.settings).toMatchObject({ nginx: false, ports: { webui: 3000, litellm: 4000 } });
    expect(result.urls.api).toBe('http://127.0.0.1:4000/v1');
  });

  it('reads images, bind address, PostgreSQL exposure and Nginx from variables', async () => {
    const dir = await newDir();
    const { result } = await setup({
      dir,
      env: {
        AI_GATEWAY_LITELLM_IMAGE: 'mirror.local/litellm:v1.70.0',
        AI_GATEWAY_POSTGRES_IMAGE: 'mirror.local/postgres:16.4',
        AI_GATEWAY_OPEN_WEBUI_IMAGE: 'mirror.local/open-webui:v0.6',
        AI_GATEWAY_NGINX_IMAGE: 'mirror.local/nginx:1.27-alpine',
        AI_GATEWAY_NGINX: 'no',
        AI_GATEWAY_EXPOSE_POSTGRES: 'yes',
        AI_GATEWAY_BIND: '0.0.0.0',
        AI_GATEWAY_WEBUI_PORT: '3300',
      },
    });
    expect(result.settings.images).toEqual({
      litellm: 'mirror.local/litellm:v1.70.0',
      postgres: 'mirror.local/postgres:16.4',
      openWebui: 'mirror.local/open-webui:v0.6',
      nginx: 'mirror.local/nginx:1.27-alpine',
    });
    expect(result.settings).toMatchObject({ nginx: false, exposePostgres: true, bind: '0.0.0.0', ports: { webui: 3300, litellm: 4000, postgres: 5432 } });
    expect(result.files.map((f) => f.file)).not.toContain('nginx/nginx.conf');
    const env = await readEnv(dir);
    expect(env.get('LITELLM_IMAGE')).toBe('mirror.local/litellm:v1.70.0');
    expect(env.get('EXPOSE_POSTGRES')).toBe('yes');
    const compose = parseYaml(await readFile(join(dir, 'docker-compose.yml'), 'utf8'));
    expect(compose.services.litellm.image).toBe('${LITELLM_IMAGE}');
    expect(compose.services.nginx).toBeUndefined();
  });

  it('warns when binding to the LAN and when the machine has less memory than the profile needs', async () => {
    const dir = await newDir();
    const { ctx } = await setup({ dir, options: { bind: '0.0.0.0', profile: 'large' }, probes: fakeProbes([], 2048) });
    const stderr = ctx.captured.stderr.join('');
    expect(stderr).toMatch(/BIND_ADDRESS=0\.0\.0\.0: the gateway is reachable from your network/);
    expect(stderr).toMatch(/The large profile needs about 3\.7 GB of memory, but this machine has 2\.0 GB\. Choose a smaller one with --profile small/);
  });

  it('stores an IPv6 bind address in the bracketed form Compose needs', async () => {
    const dir = await newDir();
    const { result } = await setup({ dir, options: { bind: '::1' } });
    expect(result.settings.bind).toBe('[::1]');
    expect(result.urls.api).toBe('http://[::1]:3000/api/litellm/v1');
  });

  it('derives a valid, stable project name from the directory name', async () => {
    const dir = await newDir('My Gateway (Prod)!');
    const { result } = await setup({ dir });
    expect(result.settings.projectName).toBe('aigw-my-gateway-prod');
    await setup({ dir, options: { projectName: 'aigw-team' } });
    const { result: again } = await setup({ dir });
    expect(again.settings.projectName).toBe('aigw-team');
  });
});

// ── interactive ────────────────────────────────────────────────────────────────────────────────

describe('setup in a terminal (every prompt, scripted by id)', () => {
  it('asks each question of a new gateway in order and writes the answers', async () => {
    const dir = await newDir();
    const script: ScriptedAnswer[] = [
      { id: 'profile', answer: 'small', kind: 'select' },
      { id: 'budget', answer: 'prod', kind: 'select' },
      { id: 'nginx', answer: true, kind: 'confirm' },
      { id: 'bind', answer: '127.0.0.1', kind: 'select' },
      { id: 'ports', answer: 'manual', kind: 'select' },
      { id: 'port.nginx', answer: '3100', kind: 'input' },
      { id: 'port.litellm', answer: '4100', kind: 'input' },
      { id: 'providers', answer: 'openai', kind: 'select' },
      { id: 'provider.openai', answer: 'sk-openai-interactive-123456', kind: 'password' },
      { id: 'providers', answer: 'ollama', kind: 'select' },
      { id: 'provider.ollama', answer: 'http://host.docker.internal:11434', kind: 'input' },
      { id: 'providers', answer: 'azure', kind: 'select' },
      { id: 'provider.azure', answer: 'azure-key-0123456789', kind: 'password' },
      { id: 'providers', answer: 'done', kind: 'select' },
      { id: 'provider.azure.base', answer: 'https://example.openai.azure.com', kind: 'input' },
      { id: 'provider.azure.version', answer: '2024-10-21', kind: 'input' },
      { id: 'provider.azure.deployment', answer: 'gpt-4o-eu', kind: 'input' },
      { id: 'images', answer: false, kind: 'confirm' },
      { id: 'image.litellm', answer: 'docker.litellm.ai/berriai/litellm:v1.70.0-stable', kind: 'input' },
      { id: 'image.postgres', answer: 'postgres:16', kind: 'input' },
      { id: 'image.openWebui', answer: 'ghcr.io/open-webui/open-webui:main', kind: 'input' },
      { id: 'image.nginx', answer: 'nginx:alpine', kind: 'input' },
      { id: 'secrets', answer: false, kind: 'confirm' },
      { id: 'secret.LITELLM_MASTER_KEY', answer: 'sk-my-own-master-key-0123456789', kind: 'password' },
      { id: 'secret.LITELLM_SALT_KEY', answer: '', kind: 'password' },
      { id: 'secret.POSTGRES_PASSWORD', answer: 'my-db-password', kind: 'password' },
      { id: 'secret.UI_PASSWORD', answer: '', kind: 'password' },
      { id: 'secret.WEBUI_SECRET_KEY', answer: '', kind: 'password' },
      { id: 'secret.REDIS_PASSWORD', answer: '', kind: 'password' },
    ];
    const prompts = scriptedPrompts(script);
    const { result, ctx } = await setup({ dir, prompts, probes: fakeProbes([], 4096) });
    done(prompts);
    // Prompts show the memory each profile needs and warn about this machine.
    const profileQuestion = prompts.asked.find((q) => q.id === 'profile');
    expect(profileQuestion?.message).toContain('this machine has 4.0 GB');
    expect(prompts.asked.find((q) => q.id === 'port.nginx')?.default).toBe('3000');
    const env = await readEnv(dir);
    expect(env.get('RESOURCE_PROFILE')).toBe('small');
    expect(env.get('BUDGET_PROFILE')).toBe('prod');
    expect(env.get('NGINX_PORT')).toBe('3100');
    expect(env.get('LITELLM_PORT')).toBe('4100');
    expect(env.get('OPENAI_API_KEY')).toBe('sk-openai-interactive-123456');
    expect(env.get('OLLAMA_API_BASE')).toBe('http://host.docker.internal:11434');
    expect(env.get('AZURE_API_KEY')).toBe('azure-key-0123456789');
    expect(env.get('AZURE_API_BASE')).toBe('https://example.openai.azure.com');
    expect(env.get('AZURE_DEPLOYMENT')).toBe('gpt-4o-eu');
    expect(env.get('LITELLM_IMAGE')).toBe('docker.litellm.ai/berriai/litellm:v1.70.0-stable');
    expect(env.get('LITELLM_MASTER_KEY')).toBe('sk-my-own-master-key-0123456789');
    expect(env.get('POSTGRES_PASSWORD')).toBe('my-db-password');
    expect(env.get('LITELLM_SALT_KEY')).toMatch(/^sk-/);
    expect(result.secrets).toEqual({ generated: ['LITELLM_SALT_KEY', 'UI_PASSWORD', 'WEBUI_SECRET_KEY', 'REDIS_PASSWORD'], kept: [], supplied: ['LITELLM_MASTER_KEY', 'POSTGRES_PASSWORD'] });
    expect(result.providers).toEqual(['openai', 'azure', 'ollama']);
    const config = await readFile(join(dir, 'config.yaml'), 'utf8');
    expect(config).not.toContain('sk-openai-interactive-123456');
    expect(config).not.toContain('azure-key-0123456789');
    expect(parseYaml(config).model_list.map((m: { model_name: string }) => m.model_name)).toEqual(['openai/*', 'gpt-4o-mini', 'azure/*', 'gpt-4o-eu', 'ollama_chat/*', 'llama3.2']);
    expect(ctx.captured.all()).not.toContain('sk-openai-interactive-123456');
  });

  it('without Nginx, asks the Open WebUI, LiteLLM and (with --expose-postgres) PostgreSQL ports', async () => {
    const dir = await newDir();
    const prompts = scriptedPrompts([
      { id: 'profile', answer: 'none' },
      { id: 'budget', answer: 'unlimited' },
      { id: 'nginx', answer: false, kind: 'confirm' },
      { id: 'bind', answer: '0.0.0.0' },
      { id: 'ports', answer: 'manual' },
      { id: 'port.webui', answer: '8300', kind: 'input' },
      { id: 'port.litellm', answer: '8400', kind: 'input' },
      { id: 'port.postgres', answer: '15432', kind: 'input' },
      { id: 'providers', answer: 'done' },
      { id: 'images', answer: true },
      { id: 'secrets', answer: true },
    ]);
    const { result } = await setup({ dir, prompts, options: { exposePostgres: true } });
    done(prompts);
    expect(prompts.asked.find((q) => q.id === 'port.postgres')?.default).toBe('5432');
    expect(result.settings).toMatchObject({ resourceProfile: 'none', litellmWorkers: null, budgetProfile: 'unlimited', nginx: false, bind: '0.0.0.0', ports: { webui: 8300, litellm: 8400, postgres: 15432 } });
    expect(result.urls).toMatchObject({ api: 'http://localhost:8400/v1', openWebui: 'http://localhost:8300/' });
    const override = parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8'));
    expect(override.services.litellm.command).toEqual(['--config', '/app/config.yaml', '--port', '4000']);
    expect(Object.keys(override.services).sort()).toEqual(['litellm', 'open-webui', 'postgres']);
  });

  it('asks nothing but the mode when reusing a complete gateway, and keeps everything', async () => {
    const dir = await newDir();
    await setup({ dir, options: { profile: 'large' } });
    const before = await snapshotFiles(dir);
    const prompts = scriptedPrompts([{ id: 'mode', answer: 'reuse', kind: 'select' }]);
    const { result } = await setup({ dir, prompts, seed: 99 });
    done(prompts);
    expect(result.mode).toBe('reuse');
    expect(result.files.every((f) => f.action === 'unchanged')).toBe(true);
    expect(await snapshotFiles(dir)).toEqual(before);
  });

  it('offers the next free port when a default one is busy, and re-asks while the answer is busy too', async () => {
    const dir = await newDir();
    const prompts = scriptedPrompts([
      { id: 'profile', answer: 'medium' },
      { id: 'budget', answer: 'test' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
      { id: 'ports', answer: 'default' },
      { id: 'port.nginx', answer: '3002' }, // 3000 busy → offered 3001; the user types 3002, busy too
      { id: 'port.nginx', answer: '3003' }, // offered 3003
      { id: 'providers', answer: 'done' },
      { id: 'images', answer: true },
      { id: 'secrets', answer: true },
    ]);
    const { result, ctx } = await setup({ dir, prompts, probes: fakeProbes([3000, 3002]) });
    done(prompts);
    const asked = prompts.asked.filter((q) => q.id === 'port.nginx');
    expect(asked.map((q) => q.default)).toEqual(['3001', '3003']);
    expect(result.settings.ports).toEqual({ nginx: 3003, litellm: 4000 });
    expect(ctx.captured.stderr.join('')).toMatch(/Port 3000 on 127\.0\.0\.1 \(Nginx \(API and Open WebUI\), from the default\) is already in use\. Port 3001 is free\./);
  });

  it('recreates only after the typed confirmation, backing up the old files first', async () => {
    const dir = await newDir();
    await setup({ dir });
    const old = await snapshotFiles(dir);
    const prompts = scriptedPrompts([
      { id: 'mode', answer: 'recreate' },
      { id: 'recreate.confirm', answer: 'recreate', kind: 'input' },
      { id: 'profile', answer: 'small' },
      { id: 'budget', answer: 'test' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
      { id: 'ports', answer: 'default' },
      { id: 'providers', answer: 'done' },
      { id: 'images', answer: true },
      { id: 'secrets', answer: true },
    ]);
    const { result } = await setup({ dir, prompts, seed: 1234 });
    done(prompts);
    expect(result.mode).toBe('recreate');
    expect(result.backup).toMatch(/^backups\/\d{8}T\d{6}Z$/);
    const backupDir = join(dir, result.backup as string);
    expect(await modeOf(backupDir)).toBe(0o700);
    for (const file of ['.env', 'config.yaml', 'docker-compose.yml', 'docker-compose.override.yml', 'nginx/nginx.conf']) {
      expect(await readFile(join(backupDir, file), 'utf8'), file).toBe(old[file]);
      expect(await modeOf(join(backupDir, file)), file).toBe(0o600);
    }
    const oldEnv = EnvFile.parse(old['.env'] as string);
    const newEnv = await readEnv(dir);
    for (const key of SECRET_KEYS) expect(newEnv.get(key), key).not.toBe(oldEnv.get(key));
    expect(newEnv.get('RESOURCE_PROFILE')).toBe('small');
  });

  it('cancels a recreate whose confirmation is not typed exactly, changing nothing (exit 130)', async () => {
    const dir = await newDir();
    await setup({ dir });
    const before = await snapshotFiles(dir);
    const prompts = scriptedPrompts([
      { id: 'mode', answer: 'recreate' },
      { id: 'recreate.confirm', answer: 'yes' },
    ]);
    const { error } = await failure({ dir, prompts });
    expect(error).toMatchObject({ code: 'CANCELLED', exitCode: 130 });
    expect(await snapshotFiles(dir)).toEqual(before);
    expect(await readdir(dir)).not.toContain('backups');
  });

  it('Ctrl-C at a prompt exits 130 and writes nothing', async () => {
    const dir = await newDir();
    const prompts = scriptedPrompts([{ id: 'profile', answer: 'small' }, { id: 'budget', cancel: true }]);
    const { error } = await failure({ dir, prompts });
    expect(error).toMatchObject({ code: 'CANCELLED', exitCode: 130, message: 'Cancelled at a prompt; nothing was changed.' });
    await expect(access(dir)).rejects.toThrow(); // not even the directory was created
  });

  it('validates typed secrets and ports with a message naming the rule', async () => {
    const dir = await newDir();
    // scriptedPrompts runs each question's validator on the answer and throws its message.
    const prompts = scriptedPrompts([
      { id: 'profile', answer: 'medium' },
      { id: 'budget', answer: 'test' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
      { id: 'ports', answer: 'manual' },
      { id: 'port.nginx', answer: '99999' },
    ]);
    await expect(setup({ dir, prompts })).rejects.toThrow(/rejected by its validator: port 99999 is out of range: ports are 1-65535/);
    const secretPrompts = scriptedPrompts([
      { id: 'profile', answer: 'medium' },
      { id: 'budget', answer: 'test' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
      { id: 'ports', answer: 'default' },
      { id: 'providers', answer: 'done' },
      { id: 'images', answer: true },
      { id: 'secrets', answer: false },
      { id: 'secret.LITELLM_MASTER_KEY', answer: 'sk-1234' },
    ]);
    await expect(setup({ dir: await newDir(), prompts: secretPrompts })).rejects.toThrow(/LITELLM_MASTER_KEY must not be the publicly known example key "sk-1234"/);
  });
});

// ── idempotence ────────────────────────────────────────────────────────────────────────────────

describe('re-running setup', () => {
  it('changes no secret and keeps the user additions to .env (lines, comments, order) and config.yaml', async () => {
    const dir = await newDir();
    await setup({ dir, env: { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-first-0123456789' } });
    const first = await readEnv(dir);
    // The user edits .env: a comment on top, a tool token in the middle, a VIRTUAL_KEY from `start`.
    const edited = (await readFile(join(dir, '.env'), 'utf8'))
      .replace('# Docker Compose project name', '# team gateway, owner: ops\nMY_TOOL_TOKEN=abc123\n\n# Docker Compose project name')
      .concat('\n# added by start\nVIRTUAL_KEY=sk-virtual-0123456789abcdef\n');
    await writeFile(join(dir, '.env'), edited);
    const config = (await readFile(join(dir, 'config.yaml'), 'utf8')).replace(
      'litellm_settings:',
      '  # my vLLM box\n  - model_name: local-qwen\n    litellm_params:\n      model: openai/qwen\n      api_base: http://10.0.0.5:8000/v1\nlitellm_settings:\n  request_timeout: 120',
    );
    await writeFile(join(dir, 'config.yaml'), config);

    const { result } = await setup({ dir, seed: 4242 });
    const second = await readEnv(dir);
    for (const key of SECRET_KEYS) expect(second.get(key), key).toBe(first.get(key));
    expect(result.secrets.kept).toEqual(SECRET_KEYS);
    expect(result.secrets.generated).toEqual([]);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(edited);
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).toBe(config);
    expect(result.files.every((f) => f.action === 'unchanged')).toBe(true);
    expect(result.providers).toEqual(['openai']);
  });

  it('adds a provider given later and drops the managed entries of one removed from .env', async () => {
    const dir = await newDir();
    await setup({ dir, env: { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-first-0123456789' } });
    await setup({ dir, env: { AI_GATEWAY_GROQ_API_KEY: 'gsk_groq-0123456789' } });
    let names = parseYaml(await readFile(join(dir, 'config.yaml'), 'utf8')).model_list.map((m: { model_name: string }) => m.model_name);
    expect(names).toEqual(['openai/*', 'gpt-4o-mini', 'groq/*', 'groq-llama-3.3-70b']);
    const env = await readEnv(dir);
    env.delete('OPENAI_API_KEY');
    await writeFile(join(dir, '.env'), env.toString());
    await setup({ dir });
    names = parseYaml(await readFile(join(dir, 'config.yaml'), 'utf8')).model_list.map((m: { model_name: string }) => m.model_name);
    expect(names).toEqual(['groq/*', 'groq-llama-3.3-70b']);
  });

  it("re-renders the variables LiteLLM gets from config.yaml: a user's own os.environ/NAME entry, a provider added later", async () => {
    const dir = await newDir();
    await setup({ dir, env: { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-first-0123456789' } });
    const litellmEnv = async () => (parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')) as { services: { litellm: { environment?: Record<string, string> } } }).services.litellm.environment;
    expect(await litellmEnv()).toEqual({ OPENAI_API_KEY: '${OPENAI_API_KEY:-}' });
    const config = await readFile(join(dir, 'config.yaml'), 'utf8');
    await writeFile(join(dir, 'config.yaml'), config.replace('model_list:\n', 'model_list:\n  - model_name: mine\n    litellm_params:\n      model: openai/mine\n      api_key: os.environ/MY_OWN_KEY\n'));
    await setup({ dir, env: { AI_GATEWAY_GROQ_API_KEY: 'gsk_groq-0123456789' } });
    expect(await litellmEnv()).toEqual({ GROQ_API_KEY: '${GROQ_API_KEY:-}', MY_OWN_KEY: '${MY_OWN_KEY:-}', OPENAI_API_KEY: '${OPENAI_API_KEY:-}' });
    // No value is ever written into the compose files.
    expect(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')).not.toMatch(/sk-openai|gsk_groq/);
  });

  it('--expose-admin is kept in .env and publishes the admin port on --bind; by default it stays on 127.0.0.1', async () => {
    const dir = await newDir();
    const ports = async () => (parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')) as { services: { litellm: { ports: string[] } } }).services.litellm.ports;
    const first = await setup({ dir, options: { bind: '0.0.0.0' } });
    expect(await ports()).toEqual(['127.0.0.1:${LITELLM_PORT}:4000']);
    expect(first.result.urls.litellmDirect).toBe('http://localhost:4000');
    expect(first.ctx.captured.stderr.join('')).toMatch(/the LiteLLM admin port stays on 127\.0\.0\.1/);
    const exposed = await setup({ dir, options: { exposeAdmin: true } });
    expect((await readEnv(dir)).get('EXPOSE_ADMIN')).toBe('yes');
    expect(await ports()).toEqual(['${BIND_ADDRESS}:${LITELLM_PORT}:4000']);
    expect(exposed.ctx.captured.stderr.join('')).toMatch(/--expose-admin: LiteLLM's admin port/);
    await setup({ dir }); // kept from .env on a re-run
    expect(await ports()).toEqual(['${BIND_ADDRESS}:${LITELLM_PORT}:4000']);
  });

  it('keeps an existing secret when a variable asks for another, and says how to change it', async () => {
    const dir = await newDir();
    await setup({ dir });
    const key = (await readEnv(dir)).get('LITELLM_MASTER_KEY');
    const { ctx } = await setup({ dir, env: { AI_GATEWAY_MASTER_KEY: 'sk-another-master-key-0123456789' } });
    expect((await readEnv(dir)).get('LITELLM_MASTER_KEY')).toBe(key);
    expect(ctx.captured.stderr.join('')).toMatch(/AI_GATEWAY_MASTER_KEY differs from LITELLM_MASTER_KEY in \.env; the existing value was kept .* To change it deliberately, edit LITELLM_MASTER_KEY in \.env/);
    expect(ctx.captured.all()).not.toContain('sk-another-master-key-0123456789');
  });

  it('counts the ports of this gateway as its own, not as conflicts', async () => {
    const dir = await newDir();
    await setup({ dir });
    // Our running stack now holds 3000 and 4000.
    const { result } = await setup({ dir, options: { ports: 'default' }, probes: fakeProbes([3000, 4000]) });
    expect(result.settings.ports).toEqual({ nginx: 3000, litellm: 4000 });
  });

  it('recreate --yes without a terminal backs up first; without --yes it refuses (exit 2)', async () => {
    const dir = await newDir();
    await setup({ dir });
    const before = await snapshotFiles(dir);
    const refused = await failure({ dir, options: { mode: 'recreate' }, yes: false });
    expect(refused.error).toMatchObject({ code: 'PROMPT_NEEDS_TTY', exitCode: 2, hint: 'Pass --yes together with --mode recreate to confirm it.' });
    expect(await snapshotFiles(dir)).toEqual(before);
    const { result, ctx } = await setup({ dir, env: { AI_GATEWAY_MODE: 'recreate' }, seed: 555 });
    expect(result.backup).not.toBeNull();
    expect(await readFile(join(dir, result.backup as string, '.env'), 'utf8')).toBe(before['.env']);
    expect(ctx.captured.stderr.join('')).toMatch(/New secrets were generated\. .*down -v/);
  });
});

// ── ports ──────────────────────────────────────────────────────────────────────────────────────

describe('ports', () => {
  it('reports a busy default port with the flag and the next free port, writing nothing (exit 3)', async () => {
    const dir = await newDir();
    const { error } = await failure({ dir, probes: fakeProbes([3000, 3001]) });
    expect(error).toMatchObject({ code: 'PORT_IN_USE', exitCode: 3 });
    expect(error.message).toBe('Port 3000 on 127.0.0.1 (Nginx (API and Open WebUI), from the default) is already in use.');
    expect(error.hint).toMatch(/Port 3002 is free: pass --nginx-port 3002/);
    await expect(access(dir)).rejects.toThrow();
  });

  it('rejects a busy port given as a flag (exit 3) and invalid or out-of-range ones (exit 2)', async () => {
    const dir = await newDir();
    expect((await failure({ dir, options: { litellmPort: '4500' }, probes: fakeProbes([4500]) })).error).toMatchObject({ code: 'PORT_IN_USE', exitCode: 3, message: expect.stringContaining('from --litellm-port') });
    expect((await failure({ dir, options: { nginxPort: 'abc' } })).error).toMatchObject({ code: 'INVALID_PORT', exitCode: 2, message: '--nginx-port: a port is a whole number between 1 and 65535 (got "abc").' });
    expect((await failure({ dir, options: { nginxPort: '70000' } })).error).toMatchObject({ code: 'PORT_OUT_OF_RANGE', exitCode: 2, message: '--nginx-port: port 70000 is out of range: ports are 1-65535.' });
    expect((await failure({ dir, env: { AI_GATEWAY_LITELLM_PORT: '0' } })).error).toMatchObject({ code: 'PORT_OUT_OF_RANGE', message: expect.stringContaining('AI_GATEWAY_LITELLM_PORT') });
    expect((await failure({ dir, options: { nginxPort: '5000', litellmPort: '5000' } })).error).toMatchObject({ code: 'PORT_CONFLICT', exitCode: 2 });
    // A flag that takes another service's default port is a conflict too, not a silent double booking.
    expect((await failure({ dir, options: { litellmPort: '3000' } })).error).toMatchObject({ code: 'PORT_CONFLICT', hint: 'Pass --nginx-port with a different port.' });
    await expect(access(dir)).rejects.toThrow();
  });

  it('picks distinct free ports in 49152-65535 with --ports random, and keeps them on re-runs', async () => {
    const dir = await newDir();
    const { result } = await setup({ dir, options: { ports: 'random', exposePostgres: true } });
    const ports = Object.values(result.settings.ports);
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(port).toBeGreaterThanOrEqual(49152);
    const { result: again } = await setup({ dir, options: { ports: 'random' }, seed: 8 });
    expect(again.settings.ports).toEqual(result.settings.ports);
  });

  it('needs the port flags for --ports manual without a terminal', async () => {
    const dir = await newDir();
    const { error } = await failure({ dir, options: { ports: 'manual' } });
    expect(error).toMatchObject({ code: 'PROMPT_NEEDS_TTY', exitCode: 2, hint: expect.stringContaining('--nginx-port <port>') });
    const { result } = await setup({ dir, options: { ports: 'manual', nginxPort: '8080', litellmPort: '8081' } });
    expect(result.settings.ports).toEqual({ nginx: 8080, litellm: 8081 });
  });

  it('says when a port flag has no effect with the chosen layout', async () => {
    const dir = await newDir();
    const { result, ctx } = await setup({ dir, options: { webuiPort: '3300' } });
    expect(result.settings.ports).toEqual({ nginx: 3000, litellm: 4000 });
    expect(ctx.captured.stderr.join('')).toContain('--webui-port is ignored: Open WebUI gets no host port with Nginx in front (it is served at /).');
  });

  it('publishes PostgreSQL only with --expose-postgres', async () => {
    const dir = await newDir();
    await setup({ dir });
    expect(parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')).services.postgres.ports).toBeUndefined();
    const { result } = await setup({ dir, options: { exposePostgres: true, postgresPort: '15432' } });
    expect(result.settings.ports.postgres).toBe(15432);
    expect(parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')).services.postgres.ports).toEqual(['${BIND_ADDRESS}:${POSTGRES_PORT}:5432']);
    await setup({ dir, options: { exposePostgres: false } });
    expect((await readEnv(dir)).get('EXPOSE_POSTGRES')).toBe('no');
  });
});

// ── bad input ──────────────────────────────────────────────────────────────────────────────────

describe('bad input: a clear message, its exit code, and no file changed', () => {
  async function existingGateway(): Promise<{ dir: string; before: Record<string, string | null> }> {
    const dir = await newDir();
    await setup({ dir });
    return { dir, before: await snapshotFiles(dir) };
  }

  it.each([
    ['a malformed master key', { AI_GATEWAY_MASTER_KEY: 'not-a-key' }, /AI_GATEWAY_MASTER_KEY: LITELLM_MASTER_KEY must be "sk-" followed by at least 20 letters, digits, "_" or "-"/],
    ['the publicly known sk-1234', { AI_GATEWAY_MASTER_KEY: 'sk-1234' }, /must not be the publicly known example key "sk-1234"/],
    ['a short salt key', { AI_GATEWAY_SALT_KEY: 'sk-short' }, /LITELLM_SALT_KEY must be "sk-"/],
    ['a short PostgreSQL password', { AI_GATEWAY_POSTGRES_PASSWORD: 'short' }, /POSTGRES_PASSWORD must be at least 8 characters long \(got 5\)/],
    ['a PostgreSQL password that breaks DATABASE_URL', { AI_GATEWAY_POSTGRES_PASSWORD: 'pass@word:123' }, /POSTGRES_PASSWORD may only contain letters, digits, "\.", "_", "~" and "-"/],
    ['a short UI password', { AI_GATEWAY_UI_PASSWORD: 'abc' }, /UI_PASSWORD must be at least 8 characters long/],
    ['a short WebUI secret', { AI_GATEWAY_WEBUI_SECRET_KEY: 'only-15-chars-x' }, /WEBUI_SECRET_KEY must be at least 16 characters long/],
  ])('refuses %s (exit 2)', async (_, env, message) => {
    const dir = await newDir();
    const { error } = await failure({ dir, env });
    expect(error).toMatchObject({ code: 'INVALID_SECRET', exitCode: 2, message: expect.stringMatching(message) });
    await expect(access(dir)).rejects.toThrow();
  });

  it('refuses an unknown profile, naming where it came from and the choices (exit 2)', async () => {
    const dir = await newDir();
    expect((await failure({ dir, options: { profile: 'huge' } })).error).toMatchObject({
      code: 'INVALID_OPTION',
      exitCode: 2,
      message: 'Unknown resource profile "huge" (from --profile). Choose one of: desktop, small, medium, large, none.',
    });
    expect((await failure({ dir, env: { AI_GATEWAY_BUDGET: 'infinite' } })).error.message).toBe('Unknown budget profile "infinite" (from AI_GATEWAY_BUDGET). Choose one of: test, prod, unlimited.');
    expect((await failure({ dir, options: { ports: 'lucky' } })).error.code).toBe('INVALID_OPTION');
    expect((await failure({ dir, options: { mode: 'replace' } })).error.code).toBe('INVALID_OPTION');
  });

  it('refuses an unknown profile in .env, naming the file', async () => {
    const { dir, before } = await existingGateway();
    await writeFile(join(dir, '.env'), (before['.env'] as string).replace('RESOURCE_PROFILE=medium', 'RESOURCE_PROFILE=huge'));
    const { error } = await failure({ dir });
    expect(error).toMatchObject({ code: 'INVALID_OPTION', exitCode: 2, message: expect.stringContaining('(from RESOURCE_PROFILE in .env)') });
  });

  it('refuses a malformed .env line, naming its number (exit 2)', async () => {
    const { dir, before } = await existingGateway();
    const broken = (before['.env'] as string).replace('# Images', 'this line is broken\n# Images');
    await writeFile(join(dir, '.env'), broken);
    const { error } = await failure({ dir });
    const line = broken.split('\n').indexOf('this line is broken') + 1;
    expect(error).toMatchObject({ code: 'ENV_PARSE_ERROR', exitCode: 2, message: expect.stringContaining(`.env line ${line} is not KEY=VALUE`) });
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(broken);
    expect((await snapshotFiles(dir))['config.yaml']).toBe(before['config.yaml']);
  });

  it('refuses an invalid existing secret in .env instead of silently replacing it', async () => {
    const { dir, before } = await existingGateway();
    const weak = (before['.env'] as string).replace(/^LITELLM_MASTER_KEY=.*$/m, 'LITELLM_MASTER_KEY=sk-1234');
    await writeFile(join(dir, '.env'), weak);
    const { error } = await failure({ dir });
    expect(error).toMatchObject({ code: 'INVALID_SECRET', exitCode: 2, message: expect.stringContaining('LITELLM_MASTER_KEY in .env is not acceptable') });
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(weak);
  });

  it('refuses an invalid config.yaml (exit 2) unless recreating', async () => {
    const { dir, before } = await existingGateway();
    await writeFile(join(dir, 'config.yaml'), 'model_list:\n  - model_name: x\n   oops: [\n');
    const { error } = await failure({ dir, options: { profile: 'large' } });
    expect(error).toMatchObject({ code: 'INVALID_CONFIG_YAML', exitCode: 2, message: expect.stringMatching(/config\.yaml cannot be updated: it is not valid YAML \(line \d+/) });
    expect(await readFile(join(dir, 'config.yaml'), 'utf8')).toBe('model_list:\n  - model_name: x\n   oops: [\n');
    expect((await snapshotFiles(dir))['.env']).toBe(before['.env']);
    const { result } = await setup({ dir, options: { mode: 'recreate' } });
    expect(await readFile(join(dir, result.backup as string, 'config.yaml'), 'utf8')).toContain('oops');
    expect(parseYaml(await readFile(join(dir, 'config.yaml'), 'utf8')).litellm_settings.max_budget).toBe(15);
  });

  it('refuses a bad bind address, image or provider value', async () => {
    const dir = await newDir();
    expect((await failure({ dir, options: { bind: 'localhost' } })).error).toMatchObject({ code: 'INVALID_BIND_ADDRESS', exitCode: 2 });
    expect((await failure({ dir, options: { litellmImage: 'bad image' } })).error).toMatchObject({ code: 'INVALID_IMAGE', exitCode: 2 });
    // nginx.conf re-resolves containers with upstream `resolve` (Nginx 1.27.3+): an older Nginx would not start.
    expect((await failure({ dir, options: { nginxImage: 'nginx:1.25-alpine' } })).error).toMatchObject({
      code: 'INVALID_IMAGE',
      exitCode: 2,
      message: expect.stringContaining('nginx:1.25-alpine is Nginx 1.25; the gateway\'s nginx.conf needs Nginx 1.27.3 or newer'),
    });
    expect((await failure({ dir, env: { AI_GATEWAY_OLLAMA_API_BASE: 'ftp://x' } })).error).toMatchObject({ code: 'INVALID_PROVIDER_VALUE', exitCode: 2 });
    expect((await failure({ dir, env: { AI_GATEWAY_AZURE_API_KEY: 'azure-key-0123456789' } })).error).toMatchObject({
      code: 'PROMPT_NEEDS_TTY',
      hint: expect.stringContaining('--azure-api-base'),
    });
    await expect(access(dir)).rejects.toThrow();
  });

  it('never overwrites a docker-compose.yml it did not write, unless recreating (which backs it up)', async () => {
    const dir = await newDir();
    await mkdir(dir);
    await writeFile(join(dir, 'docker-compose.yml'), 'services:\n  app:\n    image: my/app\n');
    await writeFile(join(dir, '.env'), 'APP_TOKEN=abc\n');
    expect((await failure({ dir })).error).toMatchObject({ code: 'FOREIGN_DIRECTORY', exitCode: 2, message: expect.stringContaining('docker-compose.yml that ai-gateway did not write') });
    expect((await readdir(dir)).sort()).toEqual(['.env', 'docker-compose.yml']);
    const { result } = await setup({ dir, options: { mode: 'recreate' } });
    expect(await readFile(join(dir, result.backup as string, 'docker-compose.yml'), 'utf8')).toContain('my/app');
    expect(await readFile(join(dir, result.backup as string, '.env'), 'utf8')).toBe('APP_TOKEN=abc\n');
  });

  it('recreates over a malformed .env (backing it up), while reuse refuses it', async () => {
    const { dir, before } = await existingGateway();
    await writeFile(join(dir, '.env'), `${before['.env']}garbage line\n`);
    expect((await failure({ dir })).error.code).toBe('ENV_PARSE_ERROR');
    const { result } = await setup({ dir, options: { mode: 'recreate' } });
    expect(await readFile(join(dir, result.backup as string, '.env'), 'utf8')).toContain('garbage line');
    expect(await readFile(join(dir, '.env'), 'utf8')).not.toContain('garbage line');
  });

  it.skipIf(process.getuid?.() === 0)('refuses a non-writable directory before asking anything (exit 3)', async () => {
    const { dir, before } = await existingGateway();
    await chmod(dir, 0o500);
    try {
      const { error } = await failure({ dir, options: { profile: 'large' } });
      expect(error).toMatchObject({ code: 'DIR_NOT_WRITABLE', exitCode: 3 });
      expect(await snapshotFiles(dir)).toEqual(before);
    } finally {
      await chmod(dir, 0o700);
    }
  });
  // As root a mode does not stop writes: test/setup.cli.test.ts uses a read-only mount for the same case.
});

// ── file safety ────────────────────────────────────────────────────────────────────────────────

describe('bad input that used to get through', () => {
  const isRoot = process.getuid?.() === 0;
  const posix = process.platform !== 'win32';

  it('refuses to make new secrets for a gateway whose .env is missing or empty, unless recreating (exit 2)', async () => {
    for (const damage of ['missing', 'empty', 'no secrets']) {
      const dir = await newDir();
      await setup({ dir });
      if (damage === 'missing') await rm(join(dir, '.env'));
      else if (damage === 'empty') await writeFile(join(dir, '.env'), '');
      else await writeFile(join(dir, '.env'), 'RESOURCE_PROFILE=small\n');
      const before = await snapshotFiles(dir);
      const { error } = await failure({ dir });
      expect(error, damage).toMatchObject({ code: 'ENV_MISSING', exitCode: 2 });
      expect(error.message).toContain('would generate new secrets');
      expect(error.hint).toContain('--mode recreate');
      expect(await snapshotFiles(dir)).toEqual(before);
      // A dry run says the same, and a deliberate recreate goes ahead.
      expect((await failure({ dir, options: { dryRun: true } })).error.code).toBe('ENV_MISSING');
      const { result } = await setup({ dir, options: { mode: 'recreate' } });
      expect(result.secrets.generated).toHaveLength(6);
    }
  });

  it('refuses to replace a lost salt key or PostgreSQL password of an existing gateway, but fills in the others', async () => {
    const dir = await newDir();
    await setup({ dir });
    const env = await readFile(join(dir, '.env'), 'utf8');
    const salt = (await readEnv(dir)).get('LITELLM_SALT_KEY') as string;
    await writeFile(join(dir, '.env'), env.replace(/^LITELLM_SALT_KEY=.*\n/m, ''));
    const { error } = await failure({ dir });
    expect(error).toMatchObject({ code: 'ENV_MISSING', exitCode: 2, message: expect.stringContaining('has lost LITELLM_SALT_KEY') });
    expect(error.hint).toContain('AI_GATEWAY_SALT_KEY');
    // Given back through its variable, it is a restore: setup goes ahead and keeps it.
    await setup({ dir, env: { AI_GATEWAY_SALT_KEY: salt } });
    expect((await readEnv(dir)).get('LITELLM_SALT_KEY')).toBe(salt);
    // A lost UI password is simply generated again.
    await writeFile(join(dir, '.env'), (await readFile(join(dir, '.env'), 'utf8')).replace(/^UI_PASSWORD=.*\n/m, ''));
    const { result } = await setup({ dir });
    expect(result.secrets.generated).toEqual(['UI_PASSWORD']);
  });

  it('refuses to make new secrets in an empty directory whose project still has volumes on the engine (exit 2)', async () => {
    const dir = await newDir();
    const asked: string[] = [];
    const probes = { ...fakeProbes(), projectVolumes: async (_ctx: unknown, project: string) => (asked.push(project), ['aigw-my-gateway_postgres-data']) };
    const { error } = await failure({ dir, probes });
    expect(error).toMatchObject({ code: 'ENV_MISSING', exitCode: 2, message: expect.stringContaining('aigw-my-gateway_postgres-data') });
    expect(asked).toEqual(['aigw-my-gateway']);
    await expect(access(dir)).rejects.toThrow();
    // Another project name is a new gateway; an engine that cannot be asked is no reason to refuse.
    await setup({ dir, options: { projectName: 'aigw-other' }, probes: { ...fakeProbes(), projectVolumes: async (_ctx: unknown, project: string) => (project === 'aigw-other' ? [] : ['x']) } });
    await setup({ dir: await newDir(), probes: { ...fakeProbes(), projectVolumes: async () => null } });
  });

  it('without a terminal asks the engine while it probes the ports; its refusal still wins over a busy port, and nothing is written', async () => {
    const dir = await newDir();
    const base = fakeProbes([3000, 4000]);
    let portProbed!: () => void;
    const probing = new Promise<void>((resolve) => (portProbed = resolve));
    const probes: SetupProbes = {
      ...base,
      probePort: async (port, bind) => (portProbed(), base.probePort(port, bind)),
      // Answers only once a port has been probed: were the two asked one after the other, this would never settle.
      projectVolumes: async () => {
        await Promise.race([probing, new Promise((_, reject) => setTimeout(() => reject(new Error('the volumes were asked before any port probe, not beside it')), 2_000))]);
        return ['aigw-my-gateway_postgres-data'];
      },
    };
    const { error } = await failure({ dir, probes, options: { nginxPort: '3000', litellmPort: '4000' } });
    expect(error).toMatchObject({ code: 'ENV_MISSING', exitCode: 2 });
    await expect(access(dir)).rejects.toThrow();
  });

  it('in a terminal asks the engine before the port and provider questions (nobody answers questions setup then refuses)', async () => {
    const dir = await newDir();
    const prompts = scriptedPrompts([
      { id: 'profile', answer: 'medium' },
      { id: 'budget', answer: 'test' },
      { id: 'nginx', answer: true },
      { id: 'bind', answer: '127.0.0.1' },
    ]);
    const { error } = await failure({ dir, prompts, probes: { ...fakeProbes([3000]), projectVolumes: async () => ['aigw-my-gateway_postgres-data'] } });
    expect(error).toMatchObject({ code: 'ENV_MISSING', exitCode: 2 });
    prompts.assertDone();
  });

  it.skipIf(!posix)('refuses a directory other users can write to (exit 3), and makes its own directories 700 whatever the umask', async () => {
    const shared = await newDir();
    await mkdir(shared);
    await chmod(shared, 0o777);
    expect((await failure({ dir: shared })).error).toMatchObject({ code: 'DIRECTORY_NOT_PRIVATE', exitCode: 3, hint: expect.stringContaining('chmod go-w') });
    expect(await readdir(shared)).toEqual([]);

    const fresh = join(await newDir(), 'deeper');
    const previous = process.umask(0o000);
    try {
      await setup({ dir: fresh });
    } finally {
      process.umask(previous);
    }
    expect(await modeOf(fresh)).toBe(0o700);
    expect(await modeOf(join(fresh, '..'))).toBe(0o700);
    expect(await modeOf(join(fresh, 'nginx'))).toBe(0o700);
  });

  it.skipIf(!posix || !isRoot)('refuses a gateway holding a file owned by another user (exit 3)', async () => {
    const dir = await newDir();
    await setup({ dir });
    await chown(join(dir, 'config.yaml'), 65534, 65534);
    const before = await snapshotFiles(dir);
    const { error } = await failure({ dir, options: { profile: 'small' } });
    expect(error).toMatchObject({ code: 'FOREIGN_OWNER', exitCode: 3, message: expect.stringContaining('config.yaml (uid 65534)') });
    expect(await snapshotFiles(dir)).toEqual(before);
  });

  it('refuses an empty path and system directories (exit 2)', async () => {
    for (const dir of ['/', '/etc', '/usr', '/var/lib']) {
      expect((await failure({ dir })).error, dir).toMatchObject({ code: 'SYSTEM_DIRECTORY', exitCode: 2 });
    }
  });

  it('names what is in the way: .env or config.yaml a directory, nginx a file (exit 2)', async () => {
    for (const [path, kind, code] of [
      ['.env', 'dir', 'NOT_A_FILE'],
      ['config.yaml', 'dir', 'NOT_A_FILE'],
      ['nginx', 'file', 'NOT_A_DIRECTORY'],
    ] as const) {
      const dir = await newDir();
      await setup({ dir });
      await rm(join(dir, path), { recursive: true });
      if (kind === 'dir') await mkdir(join(dir, path));
      else await writeFile(join(dir, path), 'x');
      const { error } = await failure({ dir, options: { mode: 'recreate' } });
      expect(error, path).toMatchObject({ code, exitCode: 2, message: expect.stringContaining(join(dir, path)) });
    }
  });

  it('masks a literal key in the user\'s config.yaml in --dry-run diffs and --json', async () => {
    const dir = await newDir();
    await setup({ dir });
    const literal = 'sk-literal-in-config-yaml-0123456789';
    const config = await readFile(join(dir, 'config.yaml'), 'utf8');
    await writeFile(join(dir, 'config.yaml'), `${config}\n# mine\nenvironment_variables:\n  MY_PROVIDER_API_KEY: ${literal}\n`);
    // A recreate's diff shows the whole old file as removed lines, the literal's line among them.
    const { result, ctx } = await setup({ dir, json: true, options: { dryRun: true, mode: 'recreate' } });
    expect(result.files.find((f) => f.file === 'config.yaml')?.diff).toMatch(/-  MY_PROVIDER_API_KEY: sk-…6789/);
    expect(JSON.stringify(result)).not.toContain(literal);
    ctx.out.result('setup', result, render);
    expect(ctx.captured.all()).not.toContain(literal);
  });

  it('writes bytes that are not UTF-8 in the user\'s own .env lines back byte for byte, and warns about duplicate keys', async () => {
    const dir = await newDir();
    await setup({ dir });
    const mine = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from(' (Latin-1)\nMY_NOTE=na'), Buffer.from([0xef, 0xff]), Buffer.from('ve\nRESOURCE_PROFILE=small\n')]);
    await writeFile(join(dir, '.env'), Buffer.concat([await readFile(join(dir, '.env')), mine]));
    const { ctx } = await setup({ dir, options: { profile: 'large' } });
    const after = await readFile(join(dir, '.env'));
    expect(after.includes(Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9])]))).toBe(true);
    expect(after.includes(Buffer.concat([Buffer.from('MY_NOTE=na'), Buffer.from([0xef, 0xff]), Buffer.from('ve')]))).toBe(true);
    expect(after.toString('latin1')).toMatch(/RESOURCE_PROFILE=medium[\s\S]*RESOURCE_PROFILE=large/); // the last one counts and changes; the first stays
    expect(ctx.captured.stderr.join('')).toMatch(/RESOURCE_PROFILE is set 2 times in \.env \(lines \d+, \d+\)/);
  });

  it('reports every busy port in one run and never suggests a port the gateway uses', async () => {
    const dir = await newDir();
    // 3999 given for Nginx is busy: the next port up, 4000, is LiteLLM's, so 4001 is suggested; LiteLLM's 4000 is busy too.
    const probes = fakeProbes([3999, 4000]);
    const { error } = await failure({ dir, options: { nginxPort: '3999' }, probes });
    expect(error).toMatchObject({ code: 'PORT_IN_USE', exitCode: 3 });
    expect(error.message).toMatch(/3999 .*--nginx-port.*4000 .*the default/);
    expect(error.hint).toMatch(/--nginx-port 4001 --litellm-port 4002/);
  });

  it('warns about a --bind address this host does not have, and about more workers than CPUs', async () => {
    const dir = await newDir();
    const probes = { ...fakeProbes(), hostAddresses: () => ['127.0.0.1', '::1', '192.168.1.20'], cpuCount: () => 2 };
    const { ctx, result } = await setup({ dir, options: { bind: '10.9.8.7', profile: 'desktop' }, probes });
    // what runs: 2 workers on 2 CPUs, and the memory that needs (320 + 2 x 460 + 600 + 60 + 5)
    expect(result.settings).toMatchObject({ litellmWorkers: 2, memoryNeededMb: 1905 });
    const stderr = ctx.captured.stderr.join('');
    expect(stderr).toMatch(/--bind 10\.9\.8\.7: this host has no such address .*192\.168\.1\.20/);
    expect(stderr).toMatch(/The desktop profile asks for 4 LiteLLM workers, but this machine has 2 CPUs: LiteLLM gets 2 CPUs and runs 2 workers/);
    const override = parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8'));
    expect(override.services.litellm).toMatchObject({ cpus: 2, command: expect.arrayContaining(['--num_workers', '2']) });
    // Without limits the profile's workers run as asked, and the warning names the profile that fits.
    const unlimited = await setup({ dir: await newDir(), options: { profile: 'desktop', limits: false }, probes });
    expect(unlimited.ctx.captured.stderr.join('')).toMatch(/The desktop profile runs 4 LiteLLM workers, but this machine has 2 CPUs\. Choose --profile medium/);
    const quiet = await setup({ dir: await newDir(), options: { bind: '192.168.1.20', profile: 'medium' }, probes });
    expect(quiet.ctx.captured.stderr.join('')).not.toMatch(/no such address|CPUs/);
  });

  it('checks every value before probing a port: a weak master key is exit 2 even when a port is busy too', async () => {
    const dir = await newDir();
    const probes = fakeProbes([3000, 4000]);
    for (const env of [{ AI_GATEWAY_MASTER_KEY: 'sk-1234' }, { AI_GATEWAY_LITELLM_IMAGE: 'not an image' }, { AI_GATEWAY_OPENAI_API_KEY: 'sk "quoted"' }]) {
      const { error } = await failure({ dir, env, probes });
      expect(error.exitCode, JSON.stringify(env)).toBe(2);
    }
    expect(probes.probed).toEqual([]);
  });

  it('keeps the mode of a .gitignore it merges into', async () => {
    const dir = await newDir();
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, '.gitignore'), 'node_modules/\n');
    await chmod(join(dir, '.gitignore'), 0o644);
    const { result } = await setup({ dir });
    expect(result.files.find((f) => f.file === '.gitignore')).toMatchObject({ action: 'update', mode: '644' });
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toMatch(/node_modules\/[\s\S]*\.env/);
    if (posix) expect(await modeOf(join(dir, '.gitignore'))).toBe(0o644);
  });
});

describe('file safety', () => {
  it('leaves 600 after updating a file that was 644, and tightens unchanged ones', async () => {
    const dir = await newDir();
    await setup({ dir });
    for (const file of ['.env', 'config.yaml', 'docker-compose.override.yml', 'docker-compose.yml']) await chmod(join(dir, file), 0o644);
    const { result } = await setup({ dir, options: { profile: 'small' } }); // .env and the override change
    expect(result.files.find((f) => f.file === '.env')).toMatchObject({ action: 'update' });
    expect(result.files.find((f) => f.file === 'docker-compose.yml')).toMatchObject({ action: 'unchanged', modeFixed: true });
    for (const file of GATEWAY_FILES) expect(await modeOf(join(dir, file)), file).toBe(0o600);
  });

  it('a write that fails midway (the third rename) leaves every file old, modes too, and says so (exit 3)', async () => {
    const dir = await newDir();
    await setup({ dir });
    await chmod(join(dir, '.gitignore'), 0o644);
    const before = await snapshotFiles(dir);
    const modesBefore = await Promise.all(GATEWAY_FILES.map((file) => modeOf(join(dir, file))));
    const real = createFileSystem();
    const fs = await import('node:fs/promises');
    let renames = 0;
    const failing: FileSystem = {
      ...real,
      writeAllAtomic: (files) =>
        writeFilesAtomic(files, {
          steps: {
            rename: async (from, to) => {
              if (++renames === 3) throw Object.assign(new Error(`EROFS: read-only file system, rename '${String(from)}'`), { code: 'EROFS', path: String(to) });
              await fs.rename(from, to);
            },
          },
        }),
    };
    const { error } = await failure({ dir, options: { profile: 'large', budget: 'prod' }, fs: failing });
    expect(error).toMatchObject({ code: 'DIR_NOT_WRITABLE', exitCode: 3 });
    expect(error.message).toContain('Nothing was changed.');
    expect(await snapshotFiles(dir)).toEqual(before);
    expect(await Promise.all(GATEWAY_FILES.map((file) => modeOf(join(dir, file))))).toEqual(modesBefore);
    expect((await readdir(dir)).filter((name) => name.includes('ai-gateway-tmp') || name === LOCK_FILE)).toEqual([]);
    // A second run does the whole job.
    const { result } = await setup({ dir, options: { profile: 'large', budget: 'prod' } });
    expect(result.files.find((f) => f.file === 'docker-compose.override.yml')?.action).toBe('update');
    expect(await modeOf(join(dir, '.gitignore'))).toBe(0o644);
  });

  it('refuses while another process holds the directory lock, writing nothing (exit 3)', async () => {
    const dir = await newDir();
    await setup({ dir });
    const before = await snapshotFiles(dir);
    await writeFile(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, purpose: 'key create --save', since: new Date().toISOString() }));
    const { error } = await failure({ dir, options: { profile: 'large' } });
    expect(error).toMatchObject({ code: 'DIRECTORY_LOCKED', exitCode: 3, message: expect.stringContaining('key create --save') });
    expect(await snapshotFiles(dir)).toEqual(before);
  });

  it('writes nothing when .env changed while the questions were being answered', async () => {
    const dir = await newDir();
    await setup({ dir });
    const scripted = scriptedPrompts([{ id: 'mode', answer: 'reuse' }]);
    const meddling: Prompts = {
      ...scripted,
      interactive: true,
      select: async (q) => {
        const answer = await scripted.select(q);
        await writeFile(join(dir, '.env'), `${await readFile(join(dir, '.env'), 'utf8')}VIRTUAL_KEY=sk-written-meanwhile-0123\n`);
        return answer;
      },
    };
    const { error } = await failure({ dir, prompts: meddling, options: { profile: 'small' } });
    expect(error).toMatchObject({ code: 'CONCURRENT_CHANGE', exitCode: 3 });
    expect((await readEnv(dir)).get('RESOURCE_PROFILE')).toBe('medium');
  });
});

// ── dry run and JSON ───────────────────────────────────────────────────────────────────────────

describe('--dry-run and --json', () => {
  it('shows create / update / unchanged with masked diffs and writes nothing', async () => {
    const dir = await newDir();
    await setup({ dir });
    const before = await snapshotFiles(dir);
    const mtimes = await Promise.all(GATEWAY_FILES.map(async (f) => (await stat(join(dir, f))).mtimeMs));
    const { result, ctx } = await setup({ dir, options: { dryRun: true, profile: 'large', budget: 'prod' }, env: { AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-dry-run-0123456789' } });
    expect(result.dryRun).toBe(true);
    expect(Object.fromEntries(result.files.map((f) => [f.file, f.action]))).toEqual({
      '.env': 'update',
      'config.yaml': 'update',
      'docker-compose.yml': 'unchanged',
      'docker-compose.override.yml': 'update',
      'nginx/nginx.conf': 'unchanged',
      '.gitignore': 'unchanged',
    });
    const envDiff = result.files.find((f) => f.file === '.env')?.diff ?? '';
    expect(envDiff).toContain('-RESOURCE_PROFILE=medium');
    expect(envDiff).toContain('+RESOURCE_PROFILE=large');
    expect(envDiff).toContain('+OPENAI_API_KEY=sk-…6789');
    expect(envDiff).not.toContain('sk-openai-dry-run-0123456789');
    expect(result.files.find((f) => f.file === 'docker-compose.override.yml')?.diff).toContain('"--num_workers", "6"');
    expect(await snapshotFiles(dir)).toEqual(before);
    expect(await Promise.all(GATEWAY_FILES.map(async (f) => (await stat(join(dir, f))).mtimeMs))).toEqual(mtimes);
    expect(await readdir(dir)).not.toContain(LOCK_FILE);
    const human = render(result, ctx.out.style);
    expect(human).toMatch(/^Dry run for .*: nothing was written\./);
    expect(human).toContain('.env                         would be updated');
  });

  it('on a new directory creates nothing, not even the directory, and masks generated secrets', async () => {
    const dir = await newDir();
    const { result, ctx } = await setup({ dir, options: { dryRun: true } });
    await expect(access(dir)).rejects.toThrow();
    expect(result.files.every((f) => f.action === 'create')).toBe(true);
    const diff = result.files.find((f) => f.file === '.env')?.diff ?? '';
    expect(diff).toMatch(/^--- \/dev\/null\n\+\+\+ b\/\.env\n@@ -0,0 \+1,\d+ @@/);
    expect(diff).toMatch(/\+LITELLM_MASTER_KEY=sk-…[A-Za-z0-9_-]{4}\n/);
    expect(diff).toMatch(/\+POSTGRES_PASSWORD=Pg…|\+POSTGRES_PASSWORD=[A-Za-z0-9]{2}…[A-Za-z0-9]{4}\n/);
    ctx.out.result('setup', result, render);
    expect(ctx.captured.all()).not.toMatch(/LITELLM_MASTER_KEY=sk-[A-Za-z0-9_-]{20,}/);
  });

  it('returns one JSON document with the plan and no secret values', async () => {
    const dir = await newDir();
    const { result, ctx } = await setup({ dir, json: true, env: { AI_GATEWAY_ANTHROPIC_API_KEY: 'sk-ant-json-0123456789' } });
    ctx.out.result('setup', result, render);
    const stdout = ctx.captured.stdout.join('');
    const doc = JSON.parse(stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ schemaVersion: 1, command: 'setup', ok: true, mode: 'create', providers: ['anthropic'], next: 'ai-gateway start', warnings: [] });
    const env = await readEnv(dir);
    for (const key of [...SECRET_KEYS, 'ANTHROPIC_API_KEY']) expect(stdout).not.toContain(env.get(key));
    expect(ctx.captured.stderr.join('')).toBe('');
  });
});

describe('the result rendered for people', () => {
  it('summarises the files, settings, URLs and the next command', async () => {
    const dir = await newDir();
    const { result, ctx } = await setup({ dir });
    const text = render(result, ctx.out.style);
    expect(text).toContain(`Gateway set up in ${dir}`);
    expect(text).toContain('API         http://127.0.0.1:3000/api/litellm/v1');
    expect(text).toContain('LiteLLM UI  http://127.0.0.1:4000/ui');
    expect(text).toContain('Profile     medium (2 LiteLLM workers, needs ~1.9 GB)');
    expect(text).toContain('Budget      test ($15 per 30d)');
    expect(text.trim().split('\n').at(-1)).toBe('Next: ai-gateway start');
  });
});

