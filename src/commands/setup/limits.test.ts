// setup's limits and log rotation answers: flags, variables, .env, the profile's defaults.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EnvFile } from '../../gateway/env-file.js';
import { createTestContext, tempDir } from '../../testing/context.js';
import { run, optionsSchema, type SetupResult } from './setup.handler.js';
import type { SetupProbes } from './answers/resolver.js';

const probes: SetupProbes = {
  probePort: async () => 'free',
  findFreePort: async ({ preferred }) => preferred,
  randomHighPort: async () => 50_000,
  totalMemoryMb: () => 16_384,
};

async function setup(dir: string, options: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<SetupResult> {
  const ctx = createTestContext({ dir, env, yes: true });
  return run(ctx, optionsSchema.parse(options), probes);
}
const readEnv = async (dir: string) => EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
const override = async (dir: string) => parseYaml(await readFile(join(dir, 'docker-compose.override.yml'), 'utf8')) as { services: Record<string, Record<string, unknown>> };

describe('setup: limits and log rotation', () => {
  it('stores the profile log rotation, follows a profile change, and keeps a chosen size', async () => {
    const dir = join(await tempDir('aigw-limits-'), 'gw');
    const first = await setup(dir, { profile: 'small' });
    expect(first.settings).toMatchObject({ limits: true, logs: { maxSize: '10m', maxFiles: 3 } });
    expect((await readEnv(dir)).get('LOG_MAX_SIZE')).toBe('10m');
    // the small profile's default follows the profile to large
    await setup(dir, { profile: 'large' });
    expect((await readEnv(dir)).toRecord()).toMatchObject({ LOG_MAX_SIZE: '50m', LOG_MAX_FILES: '5' });
    // a chosen size stays across profile changes; the variable and the flag win in that order
    await setup(dir, { logMaxSize: '7M' });
    await setup(dir, { profile: 'medium' });
    expect((await readEnv(dir)).toRecord()).toMatchObject({ LOG_MAX_SIZE: '7m', LOG_MAX_FILES: '5' });
    const both = await setup(dir, { logMaxFiles: '2' }, { AI_GATEWAY_LOG_MAX_FILES: '9' });
    expect(both.settings.logs).toEqual({ maxSize: '7m', maxFiles: 2 });
  });

  it('--no-limits is stored in .env and takes every limit out of the override; --limits puts them back', async () => {
    const dir = join(await tempDir('aigw-limits-'), 'gw');
    await setup(dir);
    expect((await override(dir)).services.litellm).toHaveProperty('mem_limit');
    await setup(dir, { limits: false });
    expect((await readEnv(dir)).get('RESOURCE_LIMITS')).toBe('no');
    for (const service of Object.values((await override(dir)).services)) expect(service).not.toHaveProperty('mem_limit');
    await setup(dir); // kept from .env
    expect((await override(dir)).services.litellm).not.toHaveProperty('mem_limit');
    await setup(dir, {}, { AI_GATEWAY_LIMITS: 'yes' });
    expect((await readEnv(dir)).get('RESOURCE_LIMITS')).toBe('yes');
    expect((await override(dir)).services.postgres).toEqual({ mem_limit: '512m' });
  });

  it('refuses a size Docker does not accept, naming the flag, before writing anything', async () => {
    const dir = join(await tempDir('aigw-limits-'), 'gw');
    await expect(setup(dir, { logMaxSize: '20 MB' })).rejects.toMatchObject({ code: 'INVALID_OPTION', exitCode: 2, message: expect.stringMatching(/--log-max-size/) });
    await expect(setup(dir, {}, { AI_GATEWAY_LOG_MAX_FILES: '0' })).rejects.toMatchObject({ code: 'INVALID_OPTION', message: expect.stringMatching(/AI_GATEWAY_LOG_MAX_FILES/) });
    await expect(readFile(join(dir, '.env'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
