import { chown, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestContext, rejection, tempDir } from '../testing/context.js';
import { checkLitellmAccess, containerUser, ensureLitellmCanReadConfig, litellmEnvNotPassed, litellmEnvReferences, overrideLitellmUid } from './container-access.js';
import { renderConfigYaml } from './render/config-yaml.js';
import { renderOverride } from './render/compose.js';
import { DEFAULT_IMAGES, type GatewaySettings } from './settings.js';

const settings: GatewaySettings = {
  projectName: 'aigw-test',
  resourceProfile: 'medium',
  budgetProfile: 'test',
  nginx: true,
  bind: '127.0.0.1',
  exposePostgres: false,
  ports: { nginx: 3000, litellm: 4000 },
  images: { ...DEFAULT_IMAGES },
};
const isRoot = process.getuid?.() === 0;

async function gatewayDir(uid: number, config = renderConfigYaml(null, { budgetProfile: 'test', providers: [{ id: 'openai' }] }).text) {
  const dir = await tempDir('aigw-access-');
  await writeFile(join(dir, 'config.yaml'), config, { mode: 0o600 });
  await writeFile(join(dir, 'docker-compose.override.yml'), renderOverride(settings, { uid, configYaml: config }), { mode: 0o600 });
  return dir;
}

describe('who LiteLLM runs as', () => {
  it('is the host user with group 0, or the image uid 65532 for root and for hosts without uids', () => {
    expect(containerUser(1000)).toBe('1000:0');
    expect(containerUser(0)).toBe('65532:0');
    expect(containerUser(null)).toBe('65532:0');
    expect(overrideLitellmUid(renderOverride(settings, { uid: 1234, configYaml: null }))).toBe(1234);
    expect(overrideLitellmUid('services:\n  litellm:\n    command: []\n')).toBeNull();
  });

  it('passes when config.yaml belongs to that uid, and changes nothing', async () => {
    const owner = process.getuid?.() ?? 0;
    const dir = await gatewayDir(owner === 0 ? 65532 : owner);
    if (owner === 0) await chown(join(dir, 'config.yaml'), 65532, -1);
    const ctx = createTestContext({ dir });
    await ensureLitellmCanReadConfig(ctx, dir, owner === 0 ? 1000 : owner);
    expect(ctx.captured.all()).toBe('');
  });

  it('as a non-root user, a config.yaml LiteLLM cannot read is an error naming the owners and the fix', async () => {
    const dir = await gatewayDir(424242); // LiteLLM would run as 424242; the file is the test runner's
    const ctx = createTestContext({ dir });
    const owner = (await stat(join(dir, 'config.yaml'))).uid;
    const error = await rejection(ensureLitellmCanReadConfig(ctx, dir, 1001));
    expect(error.code).toBe('CONFIG_NOT_READABLE');
    expect(error.message).toBe(`LiteLLM runs as uid 424242, but ${join(dir, 'config.yaml')} (mode 600) belongs to uid ${owner}, so LiteLLM could not read it.`);
    expect(error.hint).toContain(`ai-gateway setup --dir ${dir}`);
    expect((await stat(join(dir, 'config.yaml'))).uid).toBe(owner); // nothing changed
  });

  it.skipIf(!isRoot)('as root, hands config.yaml to the container uid, keeping mode 600', async () => {
    const dir = await gatewayDir(65532);
    const ctx = createTestContext({ dir });
    await ensureLitellmCanReadConfig(ctx, dir, 0);
    const s = await stat(join(dir, 'config.yaml'));
    expect(s.uid).toBe(65532);
    expect(s.mode & 0o777).toBe(0o600);
    expect(ctx.captured.all()).toContain('Handed config.yaml to uid 65532');
  });

  it('an override from an older version (no user) asks for setup; on Windows there is nothing to check', async () => {
    const dir = await gatewayDir(1000);
    await writeFile(join(dir, 'docker-compose.override.yml'), 'services:\n  litellm:\n    command: []\n');
    const ctx = createTestContext({ dir });
    expect((await rejection(ensureLitellmCanReadConfig(ctx, dir, 1000))).code).toBe('OVERRIDE_OUTDATED');
    await ensureLitellmCanReadConfig(ctx, dir, null);
    // Rootless Docker, by hand: user "0:0" is the host user there, and reads the file.
    await writeFile(join(dir, 'docker-compose.override.yml'), 'services:\n  litellm:\n    user: "0:0"\n');
    await ensureLitellmCanReadConfig(ctx, dir, 1001);
  });
});

describe('the variables LiteLLM gets', () => {
  it('are the os.environ/NAME values of config.yaml (anywhere, user entries included), not comments or keys', () => {
    const text = [
      '# os.environ/IN_A_COMMENT',
      'model_list:',
      '  - model_name: mine',
      '    litellm_params: { model: openai/x, api_key: os.environ/MY_KEY, api_base: "os.environ/MY_BASE" }',
      'environment_variables:',
      '  LANGFUSE_HOST: os.environ/LANGFUSE_HOST',
      'general_settings:',
      '  master_key: os.environ/LITELLM_MASTER_KEY',
      '  note: not os.environ/THIS',
      '  bad: os.environ/has-dash',
    ].join('\n');
    expect(litellmEnvReferences(text)).toEqual(['LANGFUSE_HOST', 'LITELLM_MASTER_KEY', 'MY_BASE', 'MY_KEY']);
    expect(litellmEnvReferences(': not yaml: [')).toEqual([]);
  });

  it('start warns when config.yaml names a variable the override does not hand over (edited without re-running setup)', async () => {
    const uid = process.getuid?.() ?? 1000;
    const dir = await gatewayDir(uid === 0 ? 65532 : uid);
    if (uid === 0) await chown(join(dir, 'config.yaml'), 65532, -1);
    const config = `${renderConfigYaml(null, { budgetProfile: 'test', providers: [{ id: 'openai' }] }).text}environment_variables:\n  EXTRA_TOKEN: os.environ/EXTRA_TOKEN\n`;
    expect(litellmEnvNotPassed(config, renderOverride(settings, { uid: 1000, configYaml: null }))).toEqual(['EXTRA_TOKEN', 'OPENAI_API_KEY']);
    expect(litellmEnvNotPassed(config, renderOverride(settings, { uid: 1000, configYaml: config }))).toEqual([]);
    await writeFile(join(dir, 'config.yaml'), config);
    const ctx = createTestContext({ dir });
    await checkLitellmAccess(ctx, dir);
    expect(ctx.captured.all()).toContain('config.yaml reads os.environ/EXTRA_TOKEN, which LiteLLM is not given');
    expect(ctx.captured.all()).toContain(`ai-gateway setup --dir ${dir}`);
  });
});
