import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode, HealthError } from '../../core/errors.js';
import { cliVersion } from '../../core/package-root.js';
import { readStartRecord, writeStartRecord, fingerprintFiles } from '../../docker/start-record.js';
import { DEFAULT_IMAGES } from '../../gateway/settings.js';
import { createTestContext, fakeClock, rejection } from '../../testing/context.js';
import { FakeDocker, fakeContainer } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { scriptedPrompts } from '../../testing/prompts.js';
import type { StartOverrides, StartResult } from '../shared/start-stack.js';
import { optionsSchema, render, run, type UpgradeDeps } from './upgrade.handler.js';

const OLD = { LITELLM_IMAGE: 'docker.litellm.ai/berriai/litellm:v1.100.0', OPEN_WEBUI_IMAGE: 'ghcr.io/open-webui/open-webui:v0.11.0' };
const NEW_LITELLM = 'registry.example/litellm:v2';

function stack(images: { litellm: string; openWebui: string }) {
  return [
    fakeContainer('postgres', { image: DEFAULT_IMAGES.postgres }),
    fakeContainer('litellm', { image: images.litellm }),
    fakeContainer('open-webui', { image: images.openWebui, health: undefined }),
    fakeContainer('nginx', { image: DEFAULT_IMAGES.nginx }),
  ];
}

async function setup(options: { yes?: boolean; prompts?: ReturnType<typeof scriptedPrompts> } = {}) {
  const { dir } = await writeGatewayFixture({ env: OLD });
  const docker = new FakeDocker({ containers: stack({ litellm: OLD.LITELLM_IMAGE, openWebui: OLD.OPEN_WEBUI_IMAGE }) });
  const ctx = createTestContext({ dir, docker, clock: fakeClock(), yes: options.yes ?? true, ...(options.prompts ? { prompts: options.prompts } : {}) });
  const envBefore = await readFile(join(dir, '.env'), 'utf8');
  return { ctx, dir, docker, envBefore };
}

type Step = string;
/** Stubs of backup, restore and start that log their calls; `start` succeeds or fails as told. */
function fakeDeps(docker: FakeDocker, log: Step[], behaviour: { upgradeStart: 'ok' | 'crash-after-boot' | 'fail-before-up'; rollbackStart?: 'ok' | 'fail' }): UpgradeDeps {
  const started = (overrides?: StartOverrides): StartResult =>
    ({ healthy: true, elapsedMs: 1000, changed: ['litellm'], services: [], urls: {} as StartResult['urls'], overrides }) as unknown as StartResult;
  return {
    backup: async () => {
      log.push('backup');
      return { path: '/backups/pre.tar' } as Awaited<ReturnType<UpgradeDeps['backup']>>;
    },
    restore: async (ctx, options) => {
      log.push(`restore ${options.args[0]} yes=${ctx.yes}`);
      return {} as Awaited<ReturnType<UpgradeDeps['restore']>>;
    },
    start: async (_ctx, _options, _deps, overrides) => {
      log.push(overrides ? `start ${JSON.stringify(overrides.env)}` : 'start previous');
      if (overrides) {
        if (behaviour.upgradeStart === 'fail-before-up') throw new HealthError('PORT_IN_USE', 'port taken');
        docker.containers = docker.containers.map((c) => (c.service === 'litellm' ? fakeContainer('litellm', { image: overrides.env.LITELLM_IMAGE ?? c.image ?? '', state: behaviour.upgradeStart === 'ok' ? 'running' : 'restarting' }) : c));
        if (behaviour.upgradeStart === 'crash-after-boot') throw new HealthError('SERVICE_EXITED', 'litellm exited with code 1\n  prisma migrate: boom');
        return started(overrides);
      }
      if (behaviour.rollbackStart === 'fail') throw new HealthError('HEALTH_TIMEOUT', 'postgres never became healthy');
      return started();
    },
  };
}

const options = (flags: Record<string, unknown> = {}) => optionsSchema.parse(flags);

describe('upgrade', () => {
  it('--dry-run shows current and target per image and changes nothing', async () => {
    const { ctx, dir, docker, envBefore } = await setup();
    const log: Step[] = [];
    const result = await run(ctx, options({ dryRun: true, litellmImage: NEW_LITELLM }), fakeDeps(docker, log, { upgradeStart: 'ok' }));
    expect(result.images.map((i) => [i.service, i.current, i.target, i.changes, i.source])).toEqual([
      ['postgres', DEFAULT_IMAGES.postgres, DEFAULT_IMAGES.postgres, false, 'pinned'],
      ['litellm', OLD.LITELLM_IMAGE, NEW_LITELLM, true, 'named'],
      ['open-webui', OLD.OPEN_WEBUI_IMAGE, DEFAULT_IMAGES.openWebui, true, 'pinned'],
      ['nginx', DEFAULT_IMAGES.nginx, DEFAULT_IMAGES.nginx, false, 'pinned'],
    ]);
    expect(log).toEqual([]);
    expect(docker.calls).toEqual([]);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(envBefore);
    const text = render(result, ctx.out.style);
    expect(text).toContain('--dry-run: nothing was changed');
    expect(text).toMatch(new RegExp(`litellm\\s+${OLD.LITELLM_IMAGE.replace(/[.]/g, '\\.')}\\s+→ ${NEW_LITELLM} \\(named\\)`));
    expect(text).toMatch(/postgres\s+postgres:16\.16\s+unchanged/);
  });

  it('says so and does nothing when every image is already its target', async () => {
    const { ctx, docker } = await setup();
    const log: Step[] = [];
    const result = await run(ctx, options({ litellmImage: OLD.LITELLM_IMAGE, openWebuiImage: OLD.OPEN_WEBUI_IMAGE }), fakeDeps(docker, log, { upgradeStart: 'ok' }));
    expect(result.upToDate).toBe(true);
    expect(log).toEqual([]);
    expect(render(result, ctx.out.style)).toContain('already runs the target images');
  });

  it('--to another version explains how to run that version; bad image names are refused before anything', async () => {
    const { ctx, docker } = await setup();
    const log: Step[] = [];
    const other = await rejection(run(ctx, options({ to: '9.9.9' }), fakeDeps(docker, log, { upgradeStart: 'ok' })));
    expect(other).toMatchObject({ code: 'UPGRADE_OTHER_VERSION', exitCode: ExitCode.usage });
    expect(other.hint).toContain('npx @ai-gateway/cli@9.9.9 upgrade');
    expect((await run(ctx, options({ to: `v${cliVersion()}`, dryRun: true }), fakeDeps(docker, log, { upgradeStart: 'ok' }))).dryRun).toBe(true);
    expect(await rejection(run(ctx, options({ litellmImage: 'bad image' }), fakeDeps(docker, log, { upgradeStart: 'ok' })))).toMatchObject({ code: 'INVALID_IMAGE', exitCode: ExitCode.usage });
    expect(await rejection(run(ctx, options({ nginxImage: 'nginx:1.26.3-alpine' }), fakeDeps(docker, log, { upgradeStart: 'ok' })))).toMatchObject({ code: 'INVALID_IMAGE' });
    expect(() => options({ to: 'latest' })).toThrow();
    expect(log).toEqual([]);
  });

  it('asks for the project name; a wrong answer changes nothing', async () => {
    const prompts = scriptedPrompts([{ id: 'upgrade.confirm', answer: 'nope' }]);
    const { ctx, docker, dir, envBefore } = await setup({ yes: false, prompts });
    const log: Step[] = [];
    expect(await rejection(run(ctx, options({ litellmImage: NEW_LITELLM }), fakeDeps(docker, log, { upgradeStart: 'ok' })))).toMatchObject({ code: 'CANCELLED', exitCode: ExitCode.cancelled });
    expect(log).toEqual([]);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(envBefore);
  });

  it('backs up, pulls, starts on the targets with .env untouched, and writes .env only after the healthy start', async () => {
    const { ctx, dir, docker, envBefore } = await setup();
    docker.images = new Map([[OLD.LITELLM_IMAGE, 1]]); // the target must be pulled
    const log: Step[] = [];
    await writeStartRecord(ctx, dir, { version: 1, project: 'gw', startedAt: 'x', files: await fingerprintFiles(ctx, dir), containers: {} });
    const deps = fakeDeps(docker, log, { upgradeStart: 'ok' });
    const start = deps.start;
    deps.start = async (...args) => {
      expect(await readFile(join(dir, '.env'), 'utf8')).toBe(envBefore); // not yet
      return start(...args);
    };
    const result = await run(ctx, options({ litellmImage: NEW_LITELLM, openWebuiImage: OLD.OPEN_WEBUI_IMAGE }), deps);
    expect(log).toEqual(['backup', `start {"LITELLM_IMAGE":"${NEW_LITELLM}"}`]);
    expect(docker.pullCalls()).toEqual([NEW_LITELLM]);
    expect(result).toMatchObject({ backup: '/backups/pre.tar', upToDate: false, pull: { pulled: 1 } });
    const env = await readFile(join(dir, '.env'), 'utf8');
    expect(env).toContain(`LITELLM_IMAGE=${NEW_LITELLM}`);
    expect(env).toContain(`OPEN_WEBUI_IMAGE=${OLD.OPEN_WEBUI_IMAGE}`);
    expect((await readStartRecord(ctx, dir))?.files).toEqual(await fingerprintFiles(ctx, dir)); // status sees no drift
    expect(render(result, ctx.out.style)).toContain('upgraded and healthy');
  });

  it('a pull failure changes nothing: no start, .env as it was', async () => {
    const { ctx, dir, docker, envBefore } = await setup();
    docker.images = new Map();
    docker.pulls.set(NEW_LITELLM, { exitCode: 1, stderr: `Error response from daemon: manifest for ${NEW_LITELLM} not found: manifest unknown` });
    const log: Step[] = [];
    const error = await rejection(run(ctx, options({ litellmImage: NEW_LITELLM, openWebuiImage: OLD.OPEN_WEBUI_IMAGE }), fakeDeps(docker, log, { upgradeStart: 'ok' })));
    expect(error).toMatchObject({ code: 'IMAGE_NOT_FOUND', exitCode: ExitCode.pullFailed });
    expect(log).toEqual(['backup']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(envBefore);
  });

  it('a LiteLLM that crashes at boot: restores the backup (the database may be migrated), starts the previous images, exit 8 with what failed', async () => {
    const { ctx, dir, docker, envBefore } = await setup();
    const log: Step[] = [];
    const error = await rejection(run(ctx, options({ litellmImage: NEW_LITELLM, openWebuiImage: OLD.OPEN_WEBUI_IMAGE }), fakeDeps(docker, log, { upgradeStart: 'crash-after-boot' })));
    expect(error).toMatchObject({ code: 'UPGRADE_ROLLED_BACK', exitCode: ExitCode.upgradeRolledBack });
    expect(error.message).toContain('SERVICE_EXITED: litellm exited with code 1');
    expect(error.message).toContain('prisma migrate: boom');
    expect(log).toEqual(['backup', `start {"LITELLM_IMAGE":"${NEW_LITELLM}"}`, 'restore /backups/pre.tar yes=true', 'start previous']);
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(envBefore);
  });

  it('a failure before any new container started: no restore, the previous images start again', async () => {
    const { ctx, docker } = await setup();
    const log: Step[] = [];
    const error = await rejection(run(ctx, options({ litellmImage: NEW_LITELLM, openWebuiImage: OLD.OPEN_WEBUI_IMAGE }), fakeDeps(docker, log, { upgradeStart: 'fail-before-up' })));
    expect(error).toMatchObject({ code: 'UPGRADE_ROLLED_BACK', exitCode: ExitCode.upgradeRolledBack });
    expect(log).toEqual(['backup', `start {"LITELLM_IMAGE":"${NEW_LITELLM}"}`, 'start previous']);
  });

  it('a rollback that fails too: exit 9, the hint names the backup to restore', async () => {
    const { ctx, docker } = await setup();
    const log: Step[] = [];
    const error = await rejection(run(ctx, options({ litellmImage: NEW_LITELLM, openWebuiImage: OLD.OPEN_WEBUI_IMAGE }), fakeDeps(docker, log, { upgradeStart: 'crash-after-boot', rollbackStart: 'fail' })));
    expect(error).toMatchObject({ code: 'ROLLBACK_FAILED', exitCode: ExitCode.rollbackFailed });
    expect(error.message).toContain('HEALTH_TIMEOUT');
    expect(error.hint).toContain('ai-gateway restore /backups/pre.tar --yes');
  });

  it('--no-backup skips the backup and warns; a crash then restarts the previous images without a restore', async () => {
    const { ctx, docker } = await setup();
    const log: Step[] = [];
    await rejection(run(ctx, options({ litellmImage: NEW_LITELLM, openWebuiImage: OLD.OPEN_WEBUI_IMAGE, backup: false }), fakeDeps(docker, log, { upgradeStart: 'crash-after-boot' })));
    expect(log).toEqual([`start {"LITELLM_IMAGE":"${NEW_LITELLM}"}`, 'start previous']);
  });
});
