import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestContext, rejection, tempDir } from '../../testing/context.js';
import { FIXTURE_SECRETS, writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { optionsSchema, run } from './kubernetes.handler.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function gateway(env: Record<string, string> = {}) {
  const { dir } = await writeGatewayFixture({ env });
  const out = await tempDir('aigw-k8s-out-');
  dirs.push(dir, out);
  return { dir, out: join(out, 'k8s') };
}

describe('export kubernetes', () => {
  it('writes the export privately (700 / 600), generates REDIS_PASSWORD once into .env, and replaces its own earlier export', async () => {
    const { dir, out } = await gateway();
    const ctx = createTestContext({ dir });
    const first = await run(ctx, optionsSchema.parse({ output: out }));
    expect(first.redisPasswordCreated).toBe(true);
    expect(first.files).toEqual(expect.arrayContaining(['README.md', 'values/litellm.yaml', 'values/open-webui.yaml', 'manifests/40-ingress.yaml', 'create-secrets.sh']));
    expect(first.files).not.toContain('manifests/10-secrets.yaml');
    expect((await stat(out)).mode & 0o777).toBe(0o700);
    expect((await stat(join(out, 'values', 'litellm.yaml'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(out, 'create-secrets.sh'))).mode & 0o777).toBe(0o700);
    const env = await readFile(join(dir, '.env'), 'utf8');
    const password = /^REDIS_PASSWORD=(.+)$/m.exec(env)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    // Nothing secret in the export, nor in what the command printed.
    const everything = (await Promise.all(first.files.map((f) => readFile(join(out, f), 'utf8')))).join('\n') + ctx.captured.all();
    for (const value of [...Object.values(FIXTURE_SECRETS), password as string]) expect(everything).not.toContain(value);

    await writeFile(join(out, 'stale-from-an-older-version.yaml'), 'x');
    const second = await run(createTestContext({ dir }), optionsSchema.parse({ output: out, replicas: '3' }));
    expect(second.redisPasswordCreated).toBe(false);
    expect(/^REDIS_PASSWORD=(.+)$/m.exec(await readFile(join(dir, '.env'), 'utf8'))?.[1]).toBe(password);
    expect(await readdir(out)).not.toContain('stale-from-an-older-version.yaml');
    expect(await readFile(join(out, 'values', 'litellm.yaml'), 'utf8')).toContain('replicaCount: 3');
  });

  it('--include-secrets puts the values in manifests/10-secrets.yaml only, and needs VIRTUAL_KEY (made by start)', async () => {
    const { dir, out } = await gateway();
    const missing = await rejection(run(createTestContext({ dir }), optionsSchema.parse({ output: out, includeSecrets: true })));
    expect(missing).toMatchObject({ code: 'SECRETS_MISSING', exitCode: 2 });
    expect(missing.hint).toContain('ai-gateway start');
    const withKey = await gateway({ VIRTUAL_KEY: 'sk-virtual0123456789abcdefghij' });
    const ctx = createTestContext({ dir: withKey.dir });
    const result = await run(ctx, optionsSchema.parse({ output: withKey.out, includeSecrets: true }));
    expect(result.secretsIncluded).toBe(true);
    expect(await readFile(join(withKey.out, 'manifests', '10-secrets.yaml'), 'utf8')).toContain(FIXTURE_SECRETS.LITELLM_MASTER_KEY);
    expect(await readFile(join(withKey.out, 'values', 'litellm.yaml'), 'utf8')).not.toContain(FIXTURE_SECRETS.LITELLM_MASTER_KEY);
    expect(ctx.captured.all()).not.toContain(FIXTURE_SECRETS.LITELLM_MASTER_KEY);
  });

  it('refuses a directory of the user\'s, a pasted key in config.yaml, and bad flags, before writing anything', async () => {
    const { dir, out } = await gateway();
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    expect(await rejection(run(createTestContext({ dir }), optionsSchema.parse({ output: out })))).toMatchObject({ code: 'OUTPUT_NOT_EMPTY', exitCode: 2 });
    expect(await readdir(out)).toEqual(['notes.txt']);

    await writeFile(join(dir, 'config.yaml'), 'model_list:\n  - model_name: x\n    litellm_params: {model: openai/x, api_key: sk-pasted-0123456789}\n');
    const pasted = await rejection(run(createTestContext({ dir }), optionsSchema.parse({ output: join(out, 'new') })));
    expect(pasted).toMatchObject({ code: 'CONFIG_HAS_SECRETS', exitCode: 2 });
    expect(pasted.message).not.toContain('sk-pasted');
    expect(await readFile(join(dir, '.env'), 'utf8')).not.toContain('REDIS_PASSWORD');

    for (const bad of [{ replicas: '0' }, { webuiReplicas: 'two' }, { namespace: 'Not_A_Label' }, { host: 'bad host' }]) {
      expect(optionsSchema.safeParse({ output: out, ...bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });
});
