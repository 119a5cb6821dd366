#!/usr/bin/env node
/**
 * Readiness latency of `ai-gateway start` on the real stack (test images, real Docker engine).
 *
 * For each run, from a stopped stack (volumes kept, as a user's second start):
 *   A. `ai-gateway start`: the time from the last service turning healthy (the daemon's own
 *      health_status events, streamed live by `docker events`) to `start` returning, and the
 *      whole start;
 *   B. `compose up -d` followed by the fastest shell loop that polls `docker inspect` health (no
 *      sleep at all): the same two figures, as the reference.
 * A and B alternate, so machine load hits both alike. Target: median A latency <= 1.0 s.
 *
 *   node bench/readiness.mjs [--runs 5] [--json]
 *
 * Needs a build (npm run build), a Docker engine and the test images (built on first use).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { argValue, median, renderTable } from './lib/rows.mjs';
import { composeCli, dockerUnavailableReason, dockerVersions, ROOT, run, startBenchStack } from './lib/stack.mjs';

const args = process.argv.slice(2);
const runs = Number(argValue(args, '--runs', process.env.BENCH_RUNS ?? '5')) || 5;
const json = args.includes('--json');
const BIN = join(ROOT, 'bin', 'ai-gateway.js');
const SERVICES = 4;
const log = (line) => process.stderr.write(`${line}\n`);

function emit(doc) {
  if (json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else if (doc.skipped) console.log(`readiness: skipped (${doc.skipped})`);
  else console.log(renderTable(doc.rows));
}

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  console.error('dist/ is missing: run "npm run build" first.');
  process.exit(2);
}
const unavailable = await dockerUnavailableReason();
if (unavailable) {
  emit({ bench: 'readiness', ok: true, rows: [], skipped: unavailable });
  process.exit(0);
}

/**
 * Streams the project's health_status events while `work` runs. Live, not `--since`: the daemon
 * keeps only the last 256 events, and healthcheck exec events flood that buffer within a minute.
 */
async function withHealthEvents(project, work) {
  const events = [];
  const child = spawn(
    'docker',
    ['events', '--filter', 'type=container', '--filter', 'event=health_status', '--filter', `label=com.docker.compose.project=${project}`, '--format', '{{.TimeNano}} {{.Action}} {{index .Actor.Attributes "com.docker.compose.service"}}'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let pending = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const [nanos, action, status, service] = pending.slice(0, nl).trim().split(/\s+/);
      pending = pending.slice(nl + 1);
      // Action is "health_status: healthy" (two words).
      if (action === 'health_status:') events.push({ atMs: Number(BigInt(nanos) / 1_000_000n), status, service });
    }
  });
  await new Promise((r) => setTimeout(r, 300)); // the subscription is live before the work starts
  try {
    const result = await work();
    await new Promise((r) => setTimeout(r, 300)); // let the last events arrive
    return { result, events };
  } finally {
    child.kill('SIGTERM');
  }
}

/** The moment the stack as a whole became healthy: the last service's latest "healthy" event. */
function lastHealthyMs(events) {
  const latest = new Map();
  for (const e of events) if (e.status === 'healthy') latest.set(e.service, Math.max(latest.get(e.service) ?? 0, e.atMs));
  if (latest.size < SERVICES) throw new Error(`saw healthy events for ${[...latest.keys()].join(', ') || 'no service'} only`);
  return Math.max(...latest.values());
}

async function timed(file, argv, env) {
  const started = Date.now();
  const result = await run(file, argv, { env });
  return { ...result, startedMs: started, endedMs: Date.now() };
}

log(`readiness bench: ${runs} runs of ai-gateway start vs compose up -d + inspect loop`);
const stack = await startBenchStack({ log });
const rows = { startLatency: [], startTotal: [], loopLatency: [], loopTotal: [] };
try {
  const cli = await composeCli();
  const d = stack.dir;
  const composeArgs = [...cli.prefix, '-p', stack.projectName, '--project-directory', d, '-f', join(d, 'docker-compose.yml'), '-f', join(d, 'docker-compose.override.yml'), '--env-file', join(d, '.env')];
  const quote = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
  const filter = quote(`label=com.docker.compose.project=${stack.projectName}`);
  // The fastest loop a shell script can run: no sleep, one inspect of every container per turn.
  const loop = [
    `${[cli.program, ...composeArgs].map(quote).join(' ')} up -d >/dev/null 2>&1 || exit 1`,
    'while :; do',
    `  ids=$(docker ps -aq --filter ${filter})`,
    `  [ "$(echo "$ids" | grep -c .)" -eq ${SERVICES} ] || continue`,
    `  [ "$(docker inspect -f '{{.State.Health.Status}}' $ids | sort -u)" = healthy ] && break`,
    'done',
  ].join('\n');

  for (let i = 1; i <= runs; i++) {
    for (const variant of ['start', 'loop']) {
      const down = await stack.compose(['down', '--remove-orphans']);
      if (down.code !== 0) throw new Error(`compose down failed: ${down.stderr.trim()}`);
      const { result, events } = await withHealthEvents(stack.projectName, () =>
        variant === 'start' ? timed(process.execPath, [BIN, 'start', '--dir', d]) : timed('sh', ['-c', loop]),
      );
      if (result.code !== 0) throw new Error(`${variant} failed (exit ${result.code}): ${result.stderr.trim().split('\n').slice(-6).join('\n')}`);
      const latency = (result.endedMs - lastHealthyMs(events)) / 1000;
      const total = (result.endedMs - result.startedMs) / 1000;
      rows[variant === 'start' ? 'startLatency' : 'loopLatency'].push(latency);
      rows[variant === 'start' ? 'startTotal' : 'loopTotal'].push(total);
      log(`  run ${i} ${variant.padEnd(5)}: total ${total.toFixed(2)} s, returned ${latency.toFixed(3)} s after the last service turned healthy`);
    }
  }
} finally {
  await stack.down();
}

const versions = await dockerVersions();
const note = `Docker ${versions.engine}, ${versions.compose}; test images; from a stopped stack (volumes kept)`;
const ratio = rows.startTotal.map((t, i) => t / rows.loopTotal[i]);
const doc = {
  bench: 'readiness',
  ok: median(rows.startLatency) <= 1.0,
  rows: [
    { bench: 'readiness', metric: 'start returns after the last service is healthy', unit: 's', samples: rows.startLatency, target: { op: '<=', value: 1.0 }, note },
    { bench: 'readiness', metric: 'shell inspect loop returns after the last healthy (reference)', unit: 's', samples: rows.loopLatency, note },
    { bench: 'readiness', metric: 'ai-gateway start, whole', unit: 's', samples: rows.startTotal, note },
    { bench: 'readiness', metric: 'compose up -d + inspect loop, whole', unit: 's', samples: rows.loopTotal, note },
    { bench: 'readiness', metric: 'start / (up -d + loop)', unit: 'ratio', samples: ratio, note },
  ],
  details: { runs, ...versions },
};
emit(doc);
process.exitCode = doc.ok ? 0 : 1;
