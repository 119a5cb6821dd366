// The first start on a slow link: the LiteLLM and Open WebUI images come from a real registry
// (Debian's docker-registry on loopback) through a relay capped at 256 KiB/s, so pulling them takes
// longer than the whole --timeout. `start --timeout 60` must still succeed (the health timeout starts
// when the pull ends) and show its progress; Ctrl-C during the pull exits 130 with nothing created.
//
// Sizes: 18 MiB of random layers at 256 KiB/s is ~72 s of pull, clearly more than the 60 s timeout
// (a start that counted the pull would fail), while the boot after it (~15-25 s on a busy 2-core
// machine) stays well inside 60 s. Larger would only cost CI minutes (the suite stays < 60 min):
// this file takes ~2.5 min, most of it the pull it is about and one push of the base layers.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../testbed/engine.mjs';
import { pushPaddedImage, registryUnavailable, removeImages, startRegistry, startThrottledRelay } from '../testbed/registry.mjs';
import { cli, describeResult, destroyStack, engineOrSkipReason, projectContainerIds, ROOT, setupGateway, testImages } from './helpers.js';

const skipReason = (await engineOrSkipReason('first-start.e2e')) ?? (await registryUnavailable());
if (skipReason) console.warn(`[first-start.e2e] SKIPPED: ${skipReason}`);
const describeEngine = skipReason === null ? describe : describe.skip;

const BYTES_PER_SECOND = 256 * 1024;
const PADDING = { litellm: 11 << 20, openWebui: 7 << 20 };
const TIMEOUT_SECONDS = 60;

interface StartJson {
  ok: boolean;
  healthy: boolean;
  elapsedMs: number;
  pull: { policy: string; pulled: number; seconds: number; images: { image: string; services: string[]; action: string; sizeBytes: number | null; seconds: number | null }[] };
}

async function imagePresent(ref: string): Promise<boolean> {
  return (await run('docker', ['image', 'inspect', ref], { timeoutMs: 30_000 })).code === 0;
}

describeEngine('first start from a throttled registry', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const refs = { litellm: '', openWebui: '' };
  let dir = '';
  let project = '';
  let env: Record<string, string> = {};
  let relayHost = '';
  let images: Awaited<ReturnType<typeof testImages>>;

  beforeAll(async () => {
    const log = (line: string) => console.log(`[first-start.e2e] ${line}`);
    images = await testImages();
    const registry = await startRegistry({ log });
    cleanups.push(() => registry.stop());
    const relay = await startThrottledRelay({ targetPort: registry.port, bytesPerSecond: BYTES_PER_SECOND });
    cleanups.push(() => relay.close());
    relayHost = relay.host;
    refs.litellm = await pushPaddedImage({ source: images.litellm, pushHost: registry.host, pullHost: relay.host, name: 'slow/litellm', padBytes: PADDING.litellm, log });
    cleanups.push(() => removeImages([refs.litellm, refs.openWebui].filter(Boolean)));
    refs.openWebui = await pushPaddedImage({ source: images.openWebui, pushHost: registry.host, pullHost: relay.host, name: 'slow/open-webui', padBytes: PADDING.openWebui, log });
    const gateway = await setupGateway(images, { litellm: refs.litellm });
    dir = gateway.dir;
    project = gateway.project;
    // setupGateway takes the LiteLLM override; Open WebUI's image is set the same way setup reads it.
    const again = await cli(dir, ['setup', '--yes'], { AI_GATEWAY_OPEN_WEBUI_IMAGE: refs.openWebui });
    expect(again.exitCode, describeResult(again)).toBe(0);
    cleanups.push(() => destroyStack(dir, project));
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.warn(`[first-start.e2e] cleanup: ${String(error)}`));
  });

  it('Ctrl-C during the pull exits 130 and creates nothing', async () => {
    const child = spawn('node', [join(ROOT, 'bin', 'ai-gateway.js'), 'start', '--dir', dir], {
      env: { ...process.env, CI: '1', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const pulling = new Promise<void>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += String(chunk);
        if (stderr.includes('Pulling 2 images')) resolve();
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await Promise.race([pulling, exited]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    child.kill('SIGINT');
    const sent = Date.now();
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(Date.now() - sent).toBeLessThan(10_000);
    expect(stderr).toContain('Cancelled while pulling images; nothing was created');
    expect(await projectContainerIds(project)).toEqual([]);
    expect(await imagePresent(refs.litellm)).toBe(false);
  });

  it(`start --timeout ${TIMEOUT_SECONDS} succeeds although the pull alone takes longer, and shows its progress`, async () => {
    const result = await cli(dir, ['start', '--json', '--timeout', String(TIMEOUT_SECONDS)], env, 400_000);
    expect(result.exitCode, describeResult(result)).toBe(0);
    const doc = JSON.parse(result.stdout) as StartJson;
    console.log(`[first-start.e2e] pull ${doc.pull.seconds.toFixed(1)} s, then healthy ${(doc.elapsedMs / 1000 - doc.pull.seconds).toFixed(1)} s later (timeout ${TIMEOUT_SECONDS} s)`);
    expect(doc).toMatchObject({ ok: true, healthy: true, pull: { policy: 'missing', pulled: 2 } });
    // The point of the test: the download alone outlasted the health timeout.
    expect(doc.pull.seconds, describeResult(result)).toBeGreaterThan(TIMEOUT_SECONDS);
    const byService = new Map(doc.pull.images.flatMap((i) => i.services.map((s) => [s, i] as const)));
    expect(byService.get('litellm')).toMatchObject({ image: refs.litellm, action: 'pulled' });
    expect(byService.get('litellm')?.sizeBytes).toBeGreaterThan(PADDING.litellm);
    expect(byService.get('open-webui')).toMatchObject({ image: refs.openWebui, action: 'pulled' });
    expect(byService.get('postgres')).toMatchObject({ action: 'present', seconds: null });

    // Progress on stderr (no TTY: a plain line per image every few seconds), stdout one document.
    const lines = result.stderr.split('\n');
    expect(lines).toContain(`› Pulling 2 images: ${refs.litellm}, ${refs.openWebui}`);
    const litellmLines = lines.filter((l) => l.startsWith(`… litellm (${refs.litellm}):`));
    expect(litellmLines.length, result.stderr).toBeGreaterThanOrEqual(8);
    expect(litellmLines.some((l) => /\d+\/\d+ layers downloaded, \d+\/\d+ extracted, \d+ already here · \d+ s$/.test(l)), result.stderr).toBe(true);
    expect(lines.some((l) => l.startsWith(`✔ litellm (${refs.litellm}): pulled, `))).toBe(true);
    expect(lines.some((l) => l.startsWith('✔ Pulled 2 of 2 images in '))).toBe(true);
  });

  it('a pull that cannot succeed exits 7 naming the image, the cause and the next command; nothing is created', async () => {
    const failing = await setupGateway(images, { litellm: `${relayHost}/slow/litellm:no-such-tag` });
    cleanups.push(() => destroyStack(failing.dir, failing.project));
    const cases: { image: string; args: string[]; code: string; hint: string }[] = [
      { image: `${relayHost}/slow/litellm:no-such-tag`, args: [], code: 'IMAGE_NOT_FOUND', hint: 'Check the tag' },
      { image: `${relayHost}/slow/litellm:no-such-tag`, args: ['--pull', 'never'], code: 'IMAGE_MISSING', hint: `docker pull ${relayHost}/slow/litellm:no-such-tag` },
      { image: '127.0.0.1:1/slow/litellm:1', args: [], code: 'IMAGE_PULL_NETWORK', hint: 'Check the network' },
    ];
    for (const { image, args, code, hint } of cases) {
      const setup = await cli(failing.dir, ['setup', '--yes'], { AI_GATEWAY_LITELLM_IMAGE: image });
      expect(setup.exitCode, describeResult(setup)).toBe(0);
      const result = await cli(failing.dir, ['start', '--json', ...args], {});
      expect(result.exitCode, describeResult(result)).toBe(7);
      const doc = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; message: string; hint: string } };
      expect(doc.error.code, describeResult(result)).toBe(code);
      expect(doc.error.message).toContain(image);
      expect(doc.error.hint).toContain(hint);
      expect(await projectContainerIds(failing.project)).toEqual([]);
    }
  });
});
