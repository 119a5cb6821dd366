import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EnvError } from '../core/errors.js';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestContext, tempDir } from '../testing/context.js';
import { FakeDocker } from '../testing/fake-docker.js';
import { ComposeProject } from './compose.js';
import { checkDaemon, detectCompose, ensureDocker } from './engine.js';

async function errorOf(promise: Promise<unknown>): Promise<EnvError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(EnvError);
  return error as EnvError;
}

describe('checkDaemon', () => {
  it('returns the server version', async () => {
    const ctx = createTestContext({ docker: new FakeDocker() });
    expect(await checkDaemon(ctx)).toBe('24.0.7');
  });

  it('says Docker is not installed', async () => {
    const ctx = createTestContext({ docker: new FakeDocker({ daemon: 'missing' }) });
    const error = await errorOf(checkDaemon(ctx));
    expect(error.code).toBe('DOCKER_NOT_INSTALLED');
    expect(error.hint).toMatch(/docs\.docker\.com\/engine\/install/);
  });

  it('says the daemon is not running, with how to start it', async () => {
    const ctx = createTestContext({ docker: new FakeDocker({ daemon: 'down' }) });
    const error = await errorOf(checkDaemon(ctx));
    expect(error.code).toBe('DOCKER_DAEMON_UNREACHABLE');
    expect(error.hint).toMatch(/systemctl start docker|Docker Desktop/);
  });

  it('names DOCKER_HOST when it points somewhere dead', async () => {
    const ctx = createTestContext({ docker: new FakeDocker({ daemon: 'down' }), env: { DOCKER_HOST: 'unix:///tmp/nowhere.sock' } });
    const error = await errorOf(checkDaemon(ctx));
    expect(error.message).toContain('unix:///tmp/nowhere.sock');
    expect(error.hint).toMatch(/DOCKER_HOST is set to unix:\/\/\/tmp\/nowhere\.sock/);
  });

  it('tells socket permission apart from a stopped daemon', async () => {
    const ctx = createTestContext({ docker: new FakeDocker({ daemon: 'denied' }) });
    const error = await errorOf(checkDaemon(ctx));
    expect(error.code).toBe('DOCKER_PERMISSION_DENIED');
    expect(error.hint).toContain('usermod -aG docker');
    expect(error.exitCode).toBe(3);
  });
});

describe('detectCompose', () => {
  it('prefers the v2 plugin', async () => {
    const docker = new FakeDocker({ compose: { kind: 'plugin', version: 'v2.29.1' } });
    const cli = await detectCompose(createTestContext({ docker }));
    expect(cli).toMatchObject({ flavor: 'v2', program: 'docker', prefix: ['compose'], label: 'docker compose' });
    expect(cli.version.raw).toBe('2.29.1');
    expect(docker.calls.some((c) => c.program === 'docker-compose')).toBe(false);
  });

  it('falls back to docker-compose v1', async () => {
    const cli = await detectCompose(createTestContext({ docker: new FakeDocker({ compose: { kind: 'standalone', version: '1.29.2' } }) }));
    expect(cli).toMatchObject({ flavor: 'v1', program: 'docker-compose', prefix: [] });
  });

  it('treats a standalone docker-compose 2.x as v2', async () => {
    const cli = await detectCompose(createTestContext({ docker: new FakeDocker({ compose: { kind: 'standalone', version: '2.40.3-desktop.1' } }) }));
    expect(cli).toMatchObject({ flavor: 'v2', program: 'docker-compose' });
  });

  it('refuses Compose older than 1.29', async () => {
    const error = await errorOf(detectCompose(createTestContext({ docker: new FakeDocker({ compose: { kind: 'standalone', version: '1.25.0' } }) })));
    expect(error.code).toBe('COMPOSE_TOO_OLD');
    expect(error.message).toContain('1.25.0');
    expect(error.message).toContain('1.29.0');
  });

  it('says Compose is missing, with how to install it', async () => {
    const error = await errorOf(detectCompose(createTestContext({ docker: new FakeDocker({ compose: null }) })));
    expect(error.code).toBe('COMPOSE_MISSING');
    expect(error.hint).toContain('docker-compose-plugin');
  });

  it('ensureDocker reports the daemon first', async () => {
    const error = await errorOf(ensureDocker(createTestContext({ docker: new FakeDocker({ daemon: 'down', compose: null }) })));
    expect(error.code).toBe('DOCKER_DAEMON_UNREACHABLE');
  });
});

describe('detectCompose cache', () => {
  it('remembers the docker-compose version while the binary is the same file', async () => {
    const bin = await tempDir('aigw-bin-');
    const binary = join(bin, 'docker-compose');
    await writeFile(binary, '#!/bin/sh\n', { mode: 0o755 });
    const cacheFile = join(await tempDir(), '.ai-gateway', 'compose.json');
    const versionCalls = (docker: FakeDocker) => docker.calls.filter((c) => c.program === 'docker-compose').length;

    const first = new FakeDocker({ compose: { kind: 'standalone', version: '1.29.2' } });
    const detected = await detectCompose(createTestContext({ docker: first, env: { PATH: bin } }), undefined, cacheFile);
    expect(detected.version.raw).toBe('1.29.2');
    expect(versionCalls(first)).toBe(1);
    // Nothing is written until the caller says so (start: once it goes ahead).
    expect(existsSync(cacheFile)).toBe(false);
    await detected.remember?.();
    expect(existsSync(cacheFile)).toBe(true);

    const second = new FakeDocker({ compose: { kind: 'standalone', version: '9.9.9' } });
    expect((await detectCompose(createTestContext({ docker: second, env: { PATH: bin } }), undefined, cacheFile)).version.raw).toBe('1.29.2');
    expect(versionCalls(second)).toBe(0);

    await writeFile(binary, '#!/bin/sh\n# upgraded\n', { mode: 0o755 });
    const third = new FakeDocker({ compose: { kind: 'standalone', version: '1.29.3' } });
    const upgraded = await detectCompose(createTestContext({ docker: third, env: { PATH: bin } }), undefined, cacheFile);
    expect(upgraded.version.raw).toBe('1.29.3');
    await upgraded.remember?.();
    expect(versionCalls(third)).toBe(1);
  });
});

describe('ComposeProject', () => {
  it('always names project, directory, both files and .env, runs in the directory, and lets .env win over the shell', async () => {
    const docker = new FakeDocker({ compose: { kind: 'plugin', version: '2.29.1' } });
    const ctx = createTestContext({ docker });
    const cli = await detectCompose(ctx);
    const project = new ComposeProject(ctx, cli, { dir: '/srv/gw', projectName: 'gw', envKeys: ['LITELLM_PORT', 'LITELLM_MASTER_KEY'] });
    await project.up();
    const call = docker.calls.at(-1);
    expect(call?.program).toBe('docker');
    expect(call?.args).toEqual([
      'compose', '-p', 'gw', '--project-directory', '/srv/gw',
      '-f', '/srv/gw/docker-compose.yml', '-f', '/srv/gw/docker-compose.override.yml',
      '--env-file', '/srv/gw/.env', 'up', '-d', '--remove-orphans',
    ]);
    expect(call?.options.cwd).toBe('/srv/gw');
    expect(call?.options.unsetEnv).toEqual(expect.arrayContaining(['LITELLM_PORT', 'LITELLM_MASTER_KEY', 'COMPOSE_FILE', 'COMPOSE_PROJECT_NAME']));
  });
});
