// `setup --redis` on Compose (one machine): Redis runs beside the stack, never published, append-only
// file on, its password on no command line and in no compose file; LiteLLM's router reads it.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import { cli, describeResult, destroyStack, docker, engineOrSkipReason, imageEnv, readEnv, testImages } from './helpers.js';

const skipReason = await engineOrSkipReason('redis-compose.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

describeEngine('setup --redis on Compose (real engine)', () => {
  let images: TestImages;
  let dir = '';
  let project = '';

  beforeAll(async () => {
    images = await testImages();
    dir = await mkdtemp(join(tmpdir(), 'aigw-redis-e2e-'));
    const setup = await cli(dir, ['setup', '--yes', '--ports', 'random', '--profile', 'small', '--redis'], { ...imageEnv(images), AI_GATEWAY_REDIS_IMAGE: images.redis });
    if (setup.exitCode !== 0) throw new Error(`setup failed: ${describeResult(setup)}`);
    project = (await readEnv(dir)).get('COMPOSE_PROJECT_NAME') ?? '';
  }, 900_000);

  afterAll(async () => {
    await destroyStack(dir, project);
    await rm(dir, { recursive: true, force: true });
  }, 300_000);

  it('starts with Redis wired into LiteLLM, unpublished, AOF on, the password in no argv and no file but .env', async () => {
    const start = await cli(dir, ['start', '--timeout', '300']);
    expect(start.exitCode, describeResult(start)).toBe(0);
    const password = (await readEnv(dir)).get('REDIS_PASSWORD') ?? '';
    expect(password.length).toBeGreaterThan(15);
    const redis = await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=redis');
    expect(await docker('port', redis)).toBe(''); // never published
    expect(await docker('exec', redis, 'sh', '-c', 'REDISCLI_AUTH="$REDIS_PASSWORD" redis-cli config get appendonly')).toContain('yes');
    expect(await docker('exec', redis, 'sh', '-c', "tr '\\0' ' ' < /proc/1/cmdline")).not.toContain(password);
    const litellm = await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=litellm');
    expect(await docker('exec', litellm, 'sh', '-c', 'echo "$REDIS_HOST:$REDIS_PORT"')).toBe('redis:6379');
    for (const file of ['docker-compose.yml', 'docker-compose.override.yml', 'config.yaml']) {
      expect(await readFile(join(dir, file), 'utf8'), file).not.toContain(password);
    }
    const status = await cli(dir, ['status', '--json']);
    const services = (JSON.parse(status.stdout) as { services: { service: string; health: string | null }[] }).services;
    expect(services.find((s) => s.service === 'redis')?.health).toBe('healthy');
  });
});
