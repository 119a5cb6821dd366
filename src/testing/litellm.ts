/**
 * Test helpers for code that talks to LiteLLM: the contract stand-in (test/standins/litellm.mjs)
 * started in-process, and a gateway directory whose .env points at it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { saveVirtualKey } from '../gateway/virtual-key-env.js';
import { createTestContext, fakeClock, tempDir, type TestContext } from './context.js';

export interface StandinRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, unknown>;
  body: unknown;
  status: number;
}

export interface StandinModel {
  model_name: string;
  litellm_params: Record<string, unknown>;
  model_info?: Record<string, unknown>;
}

export interface StandinOptions {
  port?: number;
  masterKey?: string | null;
  store?: 'memory' | 'postgres' | 'none';
  models?: StandinModel[];
  bootDelayMs?: number;
  readinessVariant?: 'legacy' | 'modern' | 'db';
  errorVariant?: 'old' | 'new';
  premium?: boolean;
  streamIntervalMs?: number;
}

export interface Standin {
  url: string;
  port: number;
  ready: Promise<void>;
  requests: StandinRequest[];
  setDbUp(up: boolean): void;
  close(): Promise<void>;
}

const STANDIN_URL = new URL('../../test/standins/litellm.mjs', import.meta.url).href;

export async function startStandin(options: StandinOptions = {}): Promise<Standin> {
  // A computed specifier: the stand-in is plain JS outside src/, loaded only by tests.
  const module = (await import(STANDIN_URL)) as { startLiteLLMStandin(options: StandinOptions): Promise<Standin> };
  return module.startLiteLLMStandin(options);
}

const KEY_REQUEST_BASE = [
  'key_alias', 'duration', 'models', 'spend', 'max_budget', 'user_id', 'team_id', 'agent_id', 'max_parallel_requests', 'metadata',
  'tpm_limit', 'rpm_limit', 'budget_duration', 'allowed_cache_controls', 'config', 'permissions', 'model_max_budget', 'model_rpm_limit',
  'model_tpm_limit', 'guardrails', 'policies', 'prompts', 'blocked', 'aliases', 'object_permission', 'key', 'budget_id', 'tags',
  'enforced_params', 'allowed_routes', 'allowed_passthrough_routes', 'allowed_vector_store_indexes', 'rpm_limit_type', 'tpm_limit_type',
  'router_settings', 'access_group_ids', 'organization_id',
];

/**
 * The body fields LiteLLM defines for each admin POST (docs/litellm-contract.md §4.1, §4.4, §4.5),
 * written out from the contract rather than taken from our schemas, so a field we invent fails.
 */
export const LITELLM_REQUEST_FIELDS = {
  '/key/generate': new Set([...KEY_REQUEST_BASE, 'soft_budget', 'send_invite_email', 'key_type', 'auto_rotate', 'rotation_interval', 'project_id']),
  '/key/update': new Set([...KEY_REQUEST_BASE, 'temp_budget_increase', 'temp_budget_expiry', 'auto_rotate', 'rotation_interval']),
  '/key/delete': new Set(['keys', 'key_aliases']),
} as const;

export const TEST_MASTER_KEY = 'sk-master-0123456789abcdefghijklmn';
export const TEST_SALT_KEY = 'sk-salt-0123456789abcdefghijklmnopq';

export const TEST_MODELS: StandinModel[] = [
  { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', api_key: 'sk-provider-secret-abcdef', mock_response: 'Hello' } },
  { model_name: 'claude-haiku', litellm_params: { model: 'anthropic/claude-3-haiku', mock_response: 'Bonjour' } },
];

/**
 * A gateway directory as setup leaves it (the files loadGateway checks), with LiteLLM published
 * on `litellmPort`. Extra `.env` lines are appended verbatim.
 */
export async function gatewayDirFor(litellmPort: number, options: { masterKey?: string; extraEnv?: string[]; nginx?: boolean } = {}): Promise<string> {
  const dir = await tempDir('aigw-keys-');
  const env = [
    '# ai-gateway settings (test fixture)',
    'COMPOSE_PROJECT_NAME=aigw-test',
    options.nginx ? 'USE_NGINX=yes' : 'USE_NGINX=no',
    'BIND_ADDRESS=127.0.0.1',
    options.nginx ? `NGINX_PORT=${litellmPort + 1}` : 'WEBUI_PORT=3999',
    `LITELLM_PORT=${litellmPort}`,
    'BUDGET_PROFILE=test',
    '',
    '# Secrets: generated once, never printed',
    `LITELLM_MASTER_KEY=${options.masterKey ?? TEST_MASTER_KEY}`,
    `LITELLM_SALT_KEY=${TEST_SALT_KEY}`,
    ...(options.extraEnv ?? []),
  ];
  await writeFile(join(dir, '.env'), `${env.join('\n')}\n`, { mode: 0o600 });
  await writeFile(join(dir, 'docker-compose.yml'), 'services: {}\n');
  await writeFile(join(dir, 'docker-compose.override.yml'), 'services: {}\n', { mode: 0o600 });
  return dir;
}

export interface KeysFixture {
  standin: Standin;
  dir: string;
  /** A test context on the fixture's gateway directory (fake clock, no prompts unless given). */
  context(overrides?: Parameters<typeof createTestContext>[0]): TestContext;
  readEnv(): Promise<string>;
  /** A new key made straight through the stand-in's /key/generate (master key), optionally saved as VIRTUAL_KEY. */
  createKey(request?: { key_alias?: string; models?: string[] }, options?: { save?: boolean }): Promise<{ key: string; token: string }>;
  close(): Promise<void>;
}

/** A stand-in plus a gateway directory pointing at it: what every key/models/openapi test needs. */
export async function keysFixture(options: StandinOptions & { extraEnv?: string[] } = {}): Promise<KeysFixture> {
  const { extraEnv, ...standinOptions } = options;
  const standin = await startStandin({ masterKey: TEST_MASTER_KEY, models: TEST_MODELS, ...standinOptions });
  const dir = await gatewayDirFor(standin.port, { extraEnv });
  return {
    standin,
    dir,
    // The fake clock starts at the real time: expiry dates are compared with the stand-in's clock.
    context: (overrides = {}) => createTestContext({ dir, clock: fakeClock(Date.now()), ...overrides }),
    readEnv: () => readFile(join(dir, '.env'), 'utf8'),
    async createKey(request = {}, { save = false } = {}) {
      const response = await fetch(`${standin.url}/key/generate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(request),
      });
      const body = (await response.json()) as { key: string; token: string };
      if (save) await saveVirtualKey(createTestContext({ dir }), dir, body.key);
      return { key: body.key, token: body.token };
    },
    close: () => standin.close(),
  };
}
