// upgrade on the real stack (Docker engine, Compose v1, PostgreSQL, Nginx, test images):
//   setup → start → keys K1, K2 → upgrade to a LiteLLM that crashes at boot → rolled back by
//   itself (exit 8, the crash named with its logs), .env unchanged, the old image runs, both keys
//   work → upgrade to a good image (the stand-in under a new tag) → exit 0, .env names it, status
//   shows the recorded image identity, both keys still work.
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../testbed/engine.mjs';
import { cli, describeResult, destroyStack, docker, engineOrSkipReason, http, imageEnv, readEnv, setupGateway, testImages } from './helpers.js';

const skip = await engineOrSkipReason('upgrade.e2e');
const describeDocker = skip ? describe.skip : describe;

describeDocker('upgrade on the real engine', () => {
  let gw = { dir: '', project: '' };
  let images: Awaited<ReturnType<typeof testImages>>;
  // Unique per run: the engine is shared, and the tag is removed afterwards.
  const target = `ai-gateway-test/litellm:upgrade-target-${randomBytes(4).toString('hex')}`;
  const keys: string[] = [];

  beforeAll(async () => {
    images = await testImages();
    await docker('tag', images.litellm, target);
    const g = await setupGateway(images);
    gw = { dir: g.dir, project: g.project };
  }, 300_000);

  afterAll(async () => {
    await destroyStack(gw.dir, gw.project);
    if (gw.dir) await rm(gw.dir, { recursive: true, force: true });
    await run('docker', ['rmi', target], { timeoutMs: 60_000 }); // only the tag: the image keeps its own
  }, 300_000);

  const env = () => imageEnv(images);
  const api = async () => `http://127.0.0.1:${(await readEnv(gw.dir)).get('NGINX_PORT')}/api/litellm/v1`;
  /** Every image named: unnamed ones would move to this CLI's pinned (real, unreachable here) images. */
  const imageFlags = (litellm: string) => ['--litellm-image', litellm, '--postgres-image', images.postgres, '--open-webui-image', images.openWebui, '--nginx-image', images.nginx];
  const expectKeysWork = async () => {
    for (const key of keys) expect((await http(`${await api()}/models`, { key })).status, key.slice(0, 8)).toBe(200);
  };

  it('starts and makes keys', async () => {
    const start = await cli(gw.dir, ['start', '--timeout', '180'], env());
    expect(start.exitCode, describeResult(start)).toBe(0);
    for (const alias of ['before-upgrade-1', 'before-upgrade-2']) {
      const r = await cli(gw.dir, ['key', 'create', '--alias', alias, '--json'], env());
      expect(r.exitCode, describeResult(r)).toBe(0);
      keys.push((JSON.parse(r.stdout) as { key: string }).key);
    }
    await expectKeysWork();
    const status = await cli(gw.dir, ['status', '--json'], env());
    const doc = JSON.parse(status.stdout) as { images: { images: { service: string; reference: string; id: string | null }[] } };
    expect(doc.images.images.find((i) => i.service === 'litellm')).toMatchObject({ reference: images.litellm, id: expect.stringMatching(/^sha256:/) });
  }, 600_000);

  it('--dry-run shows the change and changes nothing', async () => {
    const before = (await readEnv(gw.dir)).toString();
    const r = await cli(gw.dir, ['upgrade', ...imageFlags(target), '--dry-run', '--json'], env());
    expect(r.exitCode, describeResult(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as { images: { service: string; current: string; target: string; changes: boolean }[] };
    expect(doc.images.filter((i) => i.changes)).toEqual([expect.objectContaining({ service: 'litellm', current: images.litellm, target })]);
    expect((await readEnv(gw.dir)).toString()).toBe(before);
  }, 120_000);

  it('an upgrade to a LiteLLM that crashes at boot rolls back by itself: exit 8, the crash named, .env unchanged, every key works', async () => {
    const before = (await readEnv(gw.dir)).toString();
    const r = await cli(gw.dir, ['upgrade', ...imageFlags(images.litellmExitAfterBoot), '--yes', '--json', '--timeout', '120'], env());
    expect(r.exitCode, describeResult(r)).toBe(8);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; details: { done: string[]; backup: string } } };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('UPGRADE_ROLLED_BACK');
    expect(doc.error.message).toContain('litellm');
    expect(doc.error.message).toContain('STANDIN_FAULT=exit-after-boot'); // its own log line
    expect(doc.error.details.done.join(' ')).toContain('restored the pre-upgrade backup');
    expect(existsSync(doc.error.details.backup)).toBe(true);
    expect((await readEnv(gw.dir)).toString()).toBe(before);
    expect(existsSync(join(gw.dir, '.ai-gateway', 'compose-upgrade.env'))).toBe(false);
    expect(await docker('inspect', '--format', '{{.Config.Image}}', `${gw.project}_litellm_1`)).toBe(images.litellm);
    await expectKeysWork();
    const status = await cli(gw.dir, ['status', '--json'], env());
    expect(JSON.parse(status.stdout)).toMatchObject({ healthy: true });
  }, 900_000);

  it('an upgrade to a good image keeps every key, and .env names it afterwards', async () => {
    const r = await cli(gw.dir, ['upgrade', ...imageFlags(target), '--yes', '--json'], env());
    expect(r.exitCode, describeResult(r)).toBe(0);
    const doc = JSON.parse(r.stdout) as { backup: string; start: { healthy: boolean } };
    expect(doc.start.healthy).toBe(true);
    expect(existsSync(doc.backup)).toBe(true);
    expect((await readEnv(gw.dir)).get('LITELLM_IMAGE')).toBe(target);
    expect(await docker('inspect', '--format', '{{.Config.Image}}', `${gw.project}_litellm_1`)).toBe(target);
    await expectKeysWork();
    const status = await cli(gw.dir, ['status', '--json'], env());
    const st = JSON.parse(status.stdout) as { healthy: boolean; drift: { changedFiles: string[] }; images: { images: { service: string; reference: string; digest: string | null; id: string | null }[] } };
    expect(st.healthy).toBe(true);
    expect(st.drift.changedFiles).toEqual([]);
    // A local-only tag has no registry digest: its image id is recorded.
    expect(st.images.images.find((i) => i.service === 'litellm')).toMatchObject({ reference: target, digest: null, id: expect.stringMatching(/^sha256:/) });
    const again = await cli(gw.dir, ['upgrade', ...imageFlags(target), '--yes', '--json'], env());
    expect(JSON.parse(again.stdout)).toMatchObject({ upToDate: true });
  }, 900_000);
});
