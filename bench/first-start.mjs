#!/usr/bin/env node
/**
 * The first start from a throttled registry: `ai-gateway start` on a machine that lacks the
 * LiteLLM and Open WebUI images, which come from a real registry (Debian's docker-registry on
 * loopback) through a relay capped at --rate KiB/s. Per run, fresh images (new random layers, so
 * every run downloads them) and a fresh gateway:
 *   - pull seconds: start's pull phase (its --json `pull.seconds`);
 *   - boot seconds: the rest of start, from `up` to healthy (`elapsedMs` - pull);
 *   - link efficiency: the padding's bytes at the link rate ÷ pull seconds (1.0 = the link is the
 *     only cost; lower = the pull adds its own time).
 *
 *   node bench/first-start.mjs [--runs 5] [--rate 1024] [--pad-mb 24] [--json]
 *
 * Needs a build (npm run build), a Docker engine, docker-registry and the test images.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argValue, renderTable } from './lib/rows.mjs';
import { BenchStack, dockerUnavailableReason, ROOT, run } from './lib/stack.mjs';

const args = process.argv.slice(2);
const runs = Number(argValue(args, '--runs', process.env.BENCH_RUNS ?? '5')) || 5;
const rateKiB = Number(argValue(args, '--rate', '1024'));
const padMiB = Number(argValue(args, '--pad-mb', '24'));
const json = args.includes('--json');
const BIN = join(ROOT, 'bin', 'ai-gateway.js');
const log = (line) => process.stderr.write(`${line}\n`);

function emit(doc) {
  if (json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else if (doc.skipped) console.log(`first-start: skipped (${doc.skipped})`);
  else console.log(renderTable(doc.table));
}

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  console.error('dist/ is missing: run "npm run build" first.');
  process.exit(2);
}
const { registryUnavailable, startRegistry, startThrottledRelay, pushPaddedImage, removeImages } = await import('../test/testbed/registry.mjs');
const unavailable = (await dockerUnavailableReason()) ?? (await registryUnavailable());
if (unavailable) {
  emit({ bench: 'first-start', table: [], skipped: unavailable });
  process.exit(0);
}

const { ensureTestImages } = await import('../test/testbed/images.mjs');
const images = await ensureTestImages({ log: (line) => log(`  images: ${line}`) });
const registry = await startRegistry({ log: (line) => log(`  ${line}`) });
const relay = await startThrottledRelay({ targetPort: registry.port, bytesPerSecond: rateKiB * 1024 });
// Two thirds of the padding on LiteLLM, a third on Open WebUI: two images pulled side by side.
const padding = { litellm: Math.round((padMiB * 2 ** 20 * 2) / 3), openWebui: Math.round((padMiB * 2 ** 20) / 3) };
const samples = { pull: [], boot: [], efficiency: [] };
let failure = null;
try {
  for (let i = 1; i <= runs; i++) {
    const name = `first-start-${process.pid}-${i}`;
    const litellm = await pushPaddedImage({ source: images.litellm, pushHost: registry.host, pullHost: relay.host, name: 'bench/litellm', padBytes: padding.litellm, log: (l) => log(`  ${l}`) });
    const openWebui = await pushPaddedImage({ source: images.openWebui, pushHost: registry.host, pullHost: relay.host, name: 'bench/open-webui', padBytes: padding.openWebui, log: (l) => log(`  ${l}`) });
    const dir = await mkdtemp(join(tmpdir(), 'aigw-bench-first-'));
    const stack = new BenchStack(dir, name, images);
    try {
      const env = {
        AI_GATEWAY_LITELLM_IMAGE: litellm,
        AI_GATEWAY_POSTGRES_IMAGE: images.postgres,
        AI_GATEWAY_OPEN_WEBUI_IMAGE: openWebui,
        AI_GATEWAY_NGINX_IMAGE: images.nginx,
      };
      const setup = await run(process.execPath, [BIN, 'setup', '--yes', '--ports', 'random', '--project-name', name, '--dir', dir], { env });
      if (setup.code !== 0) throw new Error(`setup failed (exit ${setup.code}): ${setup.stderr.trim()}`);
      const start = await run(process.execPath, [BIN, 'start', '--json', '--dir', dir], { env: { NO_COLOR: '1', CI: '1' }, timeoutMs: 1_800_000 });
      if (start.code !== 0) throw new Error(`start failed (exit ${start.code}): ${start.stdout.trim().slice(-600)}`);
      const doc = JSON.parse(start.stdout);
      const pull = doc.pull.seconds;
      const boot = doc.elapsedMs / 1000 - pull;
      samples.pull.push(pull);
      samples.boot.push(boot);
      samples.efficiency.push((padding.litellm + padding.openWebui) / (rateKiB * 1024) / pull);
      log(`  run ${i}/${runs}: pull ${pull.toFixed(1)} s (${doc.pull.pulled} images), boot ${boot.toFixed(1)} s`);
    } finally {
      await stack.down().catch(() => {});
      await rm(dir, { recursive: true, force: true });
      await removeImages([litellm, openWebui]);
    }
  }
} catch (error) {
  failure = error instanceof Error ? error.message : String(error);
} finally {
  await relay.close();
  await registry.stop();
}
if (failure) {
  log(`first-start: ${failure}`);
  process.exitCode = 1;
}
const note = `${padMiB} MiB of new layers over a ${rateKiB} KiB/s link`;
emit({
  bench: 'first-start',
  ok: failure === null,
  ...(failure ? { error: failure } : {}),
  table: [
    { bench: 'first-start', metric: 'pull phase (before up, outside --timeout)', unit: 's', samples: samples.pull, note },
    { bench: 'first-start', metric: 'boot after the pull (up to healthy)', unit: 's', samples: samples.boot, note },
    { bench: 'first-start', metric: 'link efficiency (bytes at link rate / pull time)', unit: 'ratio', samples: samples.efficiency, note },
  ],
});
