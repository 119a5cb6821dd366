import { describe, expect, it } from 'vitest';
import { CancelledError, ExitCode, PullError } from '../core/errors.js';
import type { Output, Spinner } from '../core/output.js';
import { createTestContext, fakeClock, rejection } from '../testing/context.js';
import { FakeDocker } from '../testing/fake-docker.js';
import { interpolate } from './images.js';
import { PullProgress, pullFailure, registryOf } from './pull.js';
import { pullPhase } from './pull-phase.js';
import { describeProgress, formatBytes, PLAIN_LINE_INTERVAL_MS, PullView, type PullItem } from './pull-progress.js';

const IMAGES = [
  { service: 'postgres', image: 'postgres:16' },
  { service: 'litellm', image: 'docker.litellm.ai/berriai/litellm:main-stable' },
  { service: 'open-webui', image: 'ghcr.io/open-webui/open-webui:main' },
  { service: 'nginx', image: 'nginx:alpine' },
];

/** What `docker pull` prints without a TTY (docker 20.10 and 28, checked against a local registry). */
const SLOW_LINES = [
  'main-stable: Pulling from berriai/litellm',
  '1111111111aa: Already exists',
  '2222222222bb: Pulling fs layer',
  '3333333333cc: Pulling fs layer',
  '3333333333cc: Waiting',
  '2222222222bb: Verifying Checksum',
  '2222222222bb: Download complete',
  '2222222222bb: Pull complete',
  '3333333333cc: Download complete',
  '3333333333cc: Pull complete',
  'Digest: sha256:e7dba7434a43d388a1218ba7fea60f60b32a9791681ba74e692a935bb2a6d98d',
  'Status: Downloaded newer image for docker.litellm.ai/berriai/litellm:main-stable',
];

function setup(options: { present?: string[]; json?: boolean } = {}) {
  const docker = new FakeDocker({ images: options.present ?? [] });
  const clock = fakeClock();
  const ctx = createTestContext({ docker, clock, dir: '/srv/gw', ...(options.json ? { json: true } : {}) });
  return { docker, clock, ctx };
}

describe('pull phase', () => {
  it('skips images the engine has (one image inspect, no pull)', async () => {
    const { docker, ctx } = setup({ present: IMAGES.map((i) => i.image) });
    const summary = await pullPhase(ctx, IMAGES, { policy: 'missing' });
    expect(docker.pullCalls()).toEqual([]);
    expect(docker.calls.filter((c) => c.args[0] === 'image')).toHaveLength(1);
    expect(summary.pulled).toBe(0);
    expect(summary.images.map((i) => i.action)).toEqual(['present', 'present', 'present', 'present']);
    expect(ctx.captured.stderr.join('')).toBe('');
  });

  it('pulls only the missing ones, with sizes and seconds, and says so on stderr', async () => {
    const { docker, ctx, clock } = setup({ present: ['postgres:16', 'nginx:alpine'] });
    docker.pulls.set('docker.litellm.ai/berriai/litellm:main-stable', { lines: SLOW_LINES, sizeBytes: 1_234_000_000, during: () => clock.advance(42_000) });
    const summary = await pullPhase(ctx, IMAGES, { policy: 'missing' });
    expect(docker.pullCalls().sort()).toEqual(['docker.litellm.ai/berriai/litellm:main-stable', 'ghcr.io/open-webui/open-webui:main']);
    expect(summary.pulled).toBe(2);
    const litellm = summary.images.find((i) => i.services.includes('litellm'));
    expect(litellm).toMatchObject({ action: 'pulled', sizeBytes: 1_234_000_000 });
    expect(litellm?.seconds).toBeGreaterThanOrEqual(42);
    expect(summary.images.find((i) => i.services.includes('nginx'))).toMatchObject({ action: 'present', sizeBytes: null, seconds: null });
    const err = ctx.captured.stderr.join('');
    expect(err).toContain('Pulling 2 images');
    expect(err).toContain('✔ litellm (docker.litellm.ai/berriai/litellm:main-stable): pulled, 1.2 GB in');
    expect(err).toContain('✔ Pulled 2 of 2 images');
  });

  it('--pull always pulls every image, present or not; one pull per image shared by services', async () => {
    const { docker, ctx } = setup({ present: IMAGES.map((i) => i.image) });
    const summary = await pullPhase(ctx, [...IMAGES, { service: 'worker', image: 'postgres:16' }], { policy: 'always' });
    expect(docker.pullCalls().sort()).toEqual(IMAGES.map((i) => i.image).sort());
    expect(docker.calls.some((c) => c.args[0] === 'image' && c.args.includes('{{.Id}}'))).toBe(false);
    expect(summary.images.find((i) => i.image === 'postgres:16')?.services).toEqual(['postgres', 'worker']);
  });

  it('--pull never with an image missing: names it and the commands, pulls nothing (exit 7)', async () => {
    const { docker, ctx } = setup({ present: ['postgres:16', 'nginx:alpine', 'ghcr.io/open-webui/open-webui:main'] });
    const error = await rejection(pullPhase(ctx, IMAGES, { policy: 'never' }));
    expect(error).toBeInstanceOf(PullError);
    expect((error as PullError).exitCode).toBe(ExitCode.pullFailed);
    expect(error.code).toBe('IMAGE_MISSING');
    expect(error.message).toContain('docker.litellm.ai/berriai/litellm:main-stable (litellm)');
    expect(error.hint).toContain('docker pull docker.litellm.ai/berriai/litellm:main-stable');
    expect(error.hint).toContain('--pull missing');
    expect(docker.pullCalls()).toEqual([]);
  });

  it('--pull never with everything present is fine', async () => {
    const { docker, ctx } = setup({ present: IMAGES.map((i) => i.image) });
    expect((await pullPhase(ctx, IMAGES, { policy: 'never' })).pulled).toBe(0);
    expect(docker.pullCalls()).toEqual([]);
  });

  it('a failed pull names the image, the cause and the next command; every failed image is listed', async () => {
    const { docker, ctx } = setup({ present: ['postgres:16', 'nginx:alpine'] });
    docker.pulls.set('ghcr.io/open-webui/open-webui:main', {
      lines: [],
      stderr: 'Error response from daemon: manifest for ghcr.io/open-webui/open-webui:main not found: manifest unknown: manifest unknown\n',
      exitCode: 1,
    });
    docker.pulls.set('docker.litellm.ai/berriai/litellm:main-stable', {
      lines: [],
      stderr: 'Error response from daemon: Head "https://docker.litellm.ai/v2/berriai/litellm/manifests/main-stable": unauthorized: authentication required\n',
      exitCode: 1,
    });
    const error = await rejection(pullPhase(ctx, IMAGES, { policy: 'missing' }));
    expect(error.code).toBe('IMAGE_ACCESS_DENIED');
    expect(error.hint).toContain('docker login docker.litellm.ai');
    expect(error.message).toContain('Also: ghcr.io/open-webui/open-webui:main does not exist in its registry');
    expect(ctx.captured.stderr.join('')).toContain('✖ open-webui (ghcr.io/open-webui/open-webui:main): failed after');
  });

  it('Ctrl-C during the pull: the child is aborted, CancelledError (exit 130)', async () => {
    const { docker, ctx } = setup();
    const interrupt = new AbortController();
    let childSignal: AbortSignal | undefined;
    docker.pulls.set('nginx:alpine', {
      lines: SLOW_LINES.slice(0, 4),
      during: async (options) => {
        childSignal = options.signal;
        interrupt.abort();
        await Promise.resolve();
      },
    });
    const error = await rejection(pullPhase(ctx, IMAGES, { policy: 'missing', signal: interrupt.signal }));
    expect(error).toBeInstanceOf(CancelledError);
    expect((error as CancelledError).exitCode).toBe(130);
    expect(error.message).toContain('nothing was created');
    expect(childSignal?.aborted).toBe(true);
    expect(ctx.captured.stderr.join('')).toContain('✖ nginx (nginx:alpine): stopped after');
    expect(ctx.captured.stderr.join('')).toContain('✖ Pull stopped: 0 of 4 images');
  });

  it('--json: progress stays on stderr, stdout untouched', async () => {
    const { ctx } = setup({ json: true });
    await pullPhase(ctx, IMAGES, { policy: 'missing' });
    expect(ctx.captured.stdout).toEqual([]);
    expect(ctx.captured.stderr.join('')).toContain('Pulled 4 of 4 images');
  });
});

describe('docker pull output', () => {
  it('counts layers downloaded and extracted of the total, and the ones already here', () => {
    const progress = new PullProgress('docker.litellm.ai/berriai/litellm:main-stable');
    expect(describeProgress(progress)).toBe('resolving');
    for (const line of SLOW_LINES.slice(0, 6)) progress.apply(line);
    expect(describeProgress(progress)).toBe('2/3 layers downloaded, 1/3 extracted, 1 already here');
    progress.apply('2222222222bb: Download complete');
    progress.apply('3333333333cc: Retrying in 5 seconds');
    expect(describeProgress(progress)).toBe('2/3 layers downloaded, 1/3 extracted, 1 already here, retrying in 5 seconds');
    for (const line of SLOW_LINES.slice(7)) progress.apply(line);
    expect(describeProgress(progress)).toBe('3/3 layers downloaded, 3/3 extracted, 1 already here');
    expect(progress.finished).toBe(true);
  });

  it('classifies failures: not found, access denied, rate limit, network, disk full, bad name', () => {
    const ctx = createTestContext({ dir: '/srv/gw' });
    const cases: [string, string, string][] = [
      ['127.0.0.1:5000/x:1', 'Error response from daemon: manifest for 127.0.0.1:5000/x:1 not found: manifest unknown: manifest unknown', 'IMAGE_NOT_FOUND'],
      ['acme/private:1', "Error response from daemon: pull access denied for acme/private, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", 'IMAGE_ACCESS_DENIED'],
      ['postgres:16', 'Error response from daemon: toomanyrequests: You have reached your pull rate limit.', 'IMAGE_PULL_RATE_LIMITED'],
      ['127.0.0.1:1/x:1', 'Error response from daemon: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused', 'IMAGE_PULL_NETWORK'],
      ['ghcr.io/a/b:1', 'Error response from daemon: Get "https://ghcr.io/v2/": net/http: TLS handshake timeout', 'IMAGE_PULL_NETWORK'],
      ['nginx:alpine', 'failed to register layer: write /usr/lib/x: no space left on device', 'IMAGE_PULL_NO_SPACE'],
      ['Bad/Name:1', 'invalid reference format: repository name (Bad/Name) must be lowercase', 'IMAGE_NAME_INVALID'],
      ['nginx:alpine', 'something nobody expected', 'IMAGE_PULL_FAILED'],
    ];
    for (const [image, stderr, code] of cases) {
      const error = pullFailure(ctx, image, stderr, 1);
      expect(error.code, stderr).toBe(code);
      expect(error.message).toContain(image);
      expect(error.exitCode).toBe(ExitCode.pullFailed);
      expect(error.hint).toContain('ai-gateway start --dir /srv/gw');
    }
    expect(pullFailure(ctx, 'acme/private:1', 'denied: requested access to the resource is denied', 1).hint).toContain('"docker login"');
    expect(pullFailure(ctx, 'nginx:alpine', 'no space left on device', 1).hint).toContain('docker system df');
    expect(pullFailure(ctx, 'x:1', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?', 1).code).toBe('DOCKER_DAEMON_UNREACHABLE');
  });

  it('knows which registry to log in to', () => {
    expect(registryOf('postgres:16')).toBeNull();
    expect(registryOf('acme/app:1')).toBeNull();
    expect(registryOf('docker.io/acme/app:1')).toBeNull();
    expect(registryOf('ghcr.io/open-webui/open-webui:main')).toBe('ghcr.io');
    expect(registryOf('127.0.0.1:5000/x:1')).toBe('127.0.0.1:5000');
    expect(registryOf('localhost/x')).toBe('localhost');
  });
});

describe('image names from the compose files', () => {
  it('interpolates the forms Compose documents and refuses the others', () => {
    const vars: Record<string, string> = { IMG: 'nginx:alpine', EMPTY: '' };
    const lookup = (name: string) => vars[name];
    expect(interpolate('${IMG}', lookup)).toBe('nginx:alpine');
    expect(interpolate('$IMG', lookup)).toBe('nginx:alpine');
    expect(interpolate('${EMPTY:-postgres:16}', lookup)).toBe('postgres:16');
    expect(interpolate('${EMPTY-postgres:16}', lookup)).toBe('');
    expect(interpolate('${UNSET-postgres:16}', lookup)).toBe('postgres:16');
    expect(interpolate('reg/$$x', lookup)).toBe('reg/$x');
    expect(interpolate('${IMG:?required}', lookup)).toBeNull();
    expect(interpolate('${A:-${IMG}}', lookup)).toBeNull();
    expect(interpolate('nginx$', lookup)).toBeNull();
  });
});

describe('pull progress on screen', () => {
  function items(clock: { now(): number }): PullItem[] {
    const progress = new PullProgress('ghcr.io/open-webui/open-webui:main');
    for (const line of SLOW_LINES.slice(1, 5)) progress.apply(line);
    return [{ progress, services: ['open-webui'], startedAt: clock.now() }];
  }

  it('without a TTY: a plain line per image every few seconds, not one per layer event', async () => {
    const clock = fakeClock();
    const ctx = createTestContext({ clock });
    const list = items(clock);
    const view = new PullView(ctx.out, list, () => clock.now());
    await view.start();
    for (let second = 1; second <= 12; second++) {
      clock.advance(1_000);
      view.changed();
      view.tick();
    }
    const lines = ctx.captured.stderr.join('').trim().split('\n');
    expect(lines[0]).toBe('› Pulling 1 image: ghcr.io/open-webui/open-webui:main');
    // 12 s at one line per PLAIN_LINE_INTERVAL_MS: two progress lines, at 5 s and 10 s.
    expect(PLAIN_LINE_INTERVAL_MS).toBe(5_000);
    expect(lines.slice(1)).toEqual([
      '… open-webui (ghcr.io/open-webui/open-webui:main): 1/3 layers downloaded, 1/3 extracted, 1 already here · 5 s',
      '… open-webui (ghcr.io/open-webui/open-webui:main): 1/3 layers downloaded, 1/3 extracted, 1 already here · 10 s',
    ]);
    list[0]!.endedAt = clock.now();
    list[0]!.sizeBytes = 2_500_000_000;
    view.changed(list[0]);
    view.finish(true);
    expect(ctx.captured.stderr.join('')).toContain('✔ open-webui (ghcr.io/open-webui/open-webui:main): pulled, 2.5 GB in 12 s');
  });

  it('in a terminal: one live block with a line per image, redrawn on every change and tick', async () => {
    const clock = fakeClock();
    const frames: string[] = [];
    let final = '';
    const spinner: Spinner = { update: (t) => frames.push(t), succeed: (t) => (final = t ?? ''), fail: () => {}, stop: () => {} };
    const printed: string[] = [];
    const out = { live: true, spinner: async (t: string) => (frames.push(t), spinner), progress: (l: string) => printed.push(l) } as unknown as Output;
    const list = items(clock);
    const view = new PullView(out, list, () => clock.now());
    await view.start();
    clock.advance(3_000);
    view.tick();
    list[0]!.progress.apply('2222222222bb: Download complete');
    view.changed();
    expect(printed).toEqual([]);
    expect(frames).toHaveLength(3);
    expect(frames[1]).toBe('Pulling 1 image · 3 s\n  … open-webui (ghcr.io/open-webui/open-webui:main): 1/3 layers downloaded, 1/3 extracted, 1 already here · 3 s');
    expect(frames[2]).toContain('2/3 layers downloaded');
    list[0]!.endedAt = clock.now();
    view.finish(true);
    expect(final).toContain('Pulled 1 of 1 image in 3 s');
  });

  it('formats sizes the way docker does', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(31_500_000)).toBe('31.5 MB');
    expect(formatBytes(1_234_000_000)).toBe('1.2 GB');
  });
});
