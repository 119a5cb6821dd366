import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext, rejection } from '../../testing/context.js';
import { FakeDocker } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { formatBytes, optionsSchema, run } from './backup.handler.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function gateway() {
  const { dir } = await writeGatewayFixture();
  dirs.push(dir);
  return dir;
}

// Every check below runs before the engine: the default test context throws on any docker call.
describe('backup: bad input stops before the engine and writes nothing', () => {
  it('refuses a config.yaml with a pasted secret unless the secrets are sealed, naming where it is', async () => {
    const dir = await gateway();
    await writeFile(join(dir, 'config.yaml'), 'model_list:\n  - model_name: m\n    litellm_params: {model: openai/x, api_key: sk-pasted-0123456789}\n');
    const ctx = createTestContext({ dir });
    const error = await rejection(run(ctx, optionsSchema.parse({})));
    expect(error).toMatchObject({ code: 'CONFIG_HAS_SECRETS', exitCode: 2 });
    expect(error.message).toContain('model_list[0].litellm_params.api_key');
    expect(error.message).not.toContain('sk-pasted');
    expect(await readdir(dir)).not.toContain('backups');
  });

  it('never overwrites an existing archive', async () => {
    const dir = await gateway();
    await writeFile(join(dir, 'old.tar'), 'keep me');
    const error = await rejection(run(createTestContext({ dir }), optionsSchema.parse({ output: join(dir, 'old.tar') })));
    expect(error).toMatchObject({ code: 'BACKUP_EXISTS', exitCode: 2 });
  });

  it('--include-secrets needs a passphrase, of 12 characters or more, never from a flag', async () => {
    const dir = await gateway();
    const none = await rejection(run(createTestContext({ dir }), optionsSchema.parse({ includeSecrets: true })));
    expect(none).toMatchObject({ code: 'PASSPHRASE_REQUIRED', exitCode: 2 });
    expect(none.hint).toContain('AI_GATEWAY_BACKUP_PASSPHRASE');
    const short = await rejection(run(createTestContext({ dir, env: { AI_GATEWAY_BACKUP_PASSPHRASE: 'short' } }), optionsSchema.parse({ includeSecrets: true })));
    expect(short).toMatchObject({ code: 'PASSPHRASE_TOO_SHORT', exitCode: 2 });
    const fromStdin = await rejection(run(createTestContext({ dir, readStdin: async () => 'tiny\n' }), optionsSchema.parse({ includeSecrets: true })));
    expect(fromStdin).toMatchObject({ code: 'PASSPHRASE_TOO_SHORT' });
  });

  it('rejects --keep that is not a whole number of at least 1', () => {
    expect(optionsSchema.safeParse({ keep: '0' }).success).toBe(false);
    expect(optionsSchema.safeParse({ keep: '2.5' }).success).toBe(false);
    expect(optionsSchema.parse({ keep: '3' }).keep).toBe(3);
  });

  it('a stopped gateway is named, with the start command, and nothing is written', async () => {
    const dir = await gateway();
    const docker = new FakeDocker({ containers: [] });
    const error = await rejection(run(createTestContext({ dir, docker }), optionsSchema.parse({})));
    expect(error).toMatchObject({ code: 'GATEWAY_NOT_RUNNING', exitCode: 3 });
    expect(error.hint).toContain(`ai-gateway start --dir ${dir}`);
    expect(await readdir(dir)).not.toContain('backups');
  });
});

describe('formatBytes', () => {
  it('reads as a person would', () => {
    expect([formatBytes(12), formatBytes(2048), formatBytes(5 * 1024 * 1024 + 1), formatBytes(300 * 1024 ** 3)]).toEqual(['12 B', '2.0 KiB', '5.0 MiB', '300 GiB']);
  });
});
