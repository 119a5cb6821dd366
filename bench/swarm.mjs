#!/usr/bin/env node
// ENGINE=swarm on this machine's engine (a single-node swarm, created and left by this bench when
// the engine was in none): requests per second through Nginx with 1 and 2 LiteLLM replicas (wrk,
// the offline mock model), a replica killed under load (failed requests, seconds until 2/2 again),
// and a rolling update to another image under load (requests, failures, seconds).
//
//   node bench/swarm.mjs [--runs 3] [--json]
//
// Same stand-ins as the e2e suite (test/testbed): the figures are the gateway's and Swarm's own
// costs (Nginx, DNS round robin, drain, rolling update), not a real model's latency.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseEnv } from 'dotenv';
import YAML from 'yaml';
import { argValue, renderTable } from './lib/rows.mjs';
import { ROOT, run } from './lib/stack.mjs';
import { wrkRun, wrkUnavailableReason } from './lib/wrk.mjs';

const BIN = join(ROOT, 'bin', 'ai-gateway.js');
const args = process.argv.slice(2);
const runs = Number(argValue(args, '--runs', process.env.BENCH_RUNS ?? 3));
const asJson = args.includes('--json');
const log = (line) => process.stderr.write(`[swarm] ${line}\n`);
const emit = (doc) => {
  if (asJson) process.stdout.write(`${JSON.stringify(doc)}\n`);
  else console.log(doc.skipped ? `skipped: ${doc.skipped}` : renderTable(doc.table));
};
const MODEL = 'bench-mock';
const WRK_SECONDS = 10;
const CONNECTIONS = 16;

const state = (await run('docker', ['info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}']).catch(() => ({ code: 1, stdout: '' })));
const [swarmState, manager] = state.stdout.trim().split(' ');
const unavailable =
  state.code !== 0 ? 'no Docker engine' : (await wrkUnavailableReason()) ?? (swarmState === 'active' && manager !== 'true' ? 'this engine is a swarm worker' : !['inactive', 'active'].includes(swarmState) ? `swarm state ${swarmState}` : null);
if (unavailable) {
  emit({ bench: 'swarm', table: [], skipped: unavailable });
  process.exit(0);
}

const { ensureTestImages } = await import('../test/testbed/images.mjs');
const { runLoad } = await import('../test/testbed/load.mjs');
const images = await ensureTestImages({ log: (line) => log(`images: ${line}`) });
let createdSwarm = false;
if (swarmState === 'inactive') {
  const init = await run('docker', ['swarm', 'init', '--advertise-addr', '127.0.0.1']);
  if (init.code !== 0) throw new Error(`docker swarm init: ${init.stderr}`);
  createdSwarm = true;
}
const dir = await mkdtemp(join(tmpdir(), 'aigw-bench-swarm-'));
const project = `aigw-bench-swarm-${process.pid}`;
const cli = (...a) => run(process.execPath, [BIN, ...a, '--dir', dir], { env: { CI: '1' } });
const must = async (what, promise) => {
  const r = await promise;
  if (r.code !== 0) throw new Error(`${what} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  return r;
};

const samples = { rps1: [], rps2: [], killFailed: [], killHeal: [], rollRequests: [], rollFailed: [], rollSeconds: [] };
try {
  await must('setup', cli('setup', '--yes', '--ports', 'random', '--profile', 'small', '--project-name', project, '--engine', 'swarm', '--replicas', '2',
    '--litellm-image', images.litellm, '--postgres-image', images.postgres, '--open-webui-image', images.openWebui, '--nginx-image', images.nginx, '--redis-image', images.redis));
  const configPath = join(dir, 'config.yaml');
  const doc = YAML.parseDocument(await readFile(configPath, 'utf8'));
  doc.set('model_list', doc.createNode([{ model_name: MODEL, litellm_params: { model: 'openai/bench-mock', mock_response: 'pong' } }]));
  await writeFile(configPath, String(doc), { mode: 0o600 });
  log('start (2 LiteLLM replicas)');
  await must('start', cli('start', '--timeout', '300'));
  const env = parseEnv(await readFile(join(dir, '.env'), 'utf8'));
  const key = env.VIRTUAL_KEY; // Open WebUI's virtual key: an ordinary key, read from .env (never in argv)
  const url = `http://127.0.0.1:${env.NGINX_PORT}/api/litellm/v1/chat/completions`;
  const body = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  const chat = () =>
    fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 0,
    );
  const replicas = async () => {
    const status = await cli('status', '--json');
    return JSON.parse(status.stdout).services.find((s) => s.service === 'litellm')?.replicas;
  };
  const setImage = async (image) => {
    const text = await readFile(join(dir, '.env'), 'utf8');
    await writeFile(join(dir, '.env'), text.replace(/^LITELLM_IMAGE=.*$/m, `LITELLM_IMAGE=${image}`), { mode: 0o600 });
  };
  let image = images.litellm;

  for (let i = 0; i < runs; i++) {
    log(`run ${i + 1}/${runs}: requests/s with 1 replica`);
    await must('scale litellm=1', cli('scale', 'litellm=1'));
    samples.rps1.push((await wrkRun({ url, method: 'POST', body, headers, connections: CONNECTIONS, durationS: WRK_SECONDS, scratchDir: dir })).rps);
    log(`run ${i + 1}/${runs}: requests/s with 2 replicas`);
    await must('scale litellm=2', cli('scale', 'litellm=2'));
    samples.rps2.push((await wrkRun({ url, method: 'POST', body, headers, connections: CONNECTIONS, durationS: WRK_SECONDS, scratchDir: dir })).rps);

    log(`run ${i + 1}/${runs}: one replica killed during 20 s of load`);
    const tasks = (await run('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${project}_litellm`])).stdout.trim().split('\n');
    let killedAt = 0;
    const kill = await runLoad(chat, {
      concurrency: 6,
      durationMs: 20_000,
      at: [{ afterMs: 5_000, run: async () => { killedAt = Date.now(); await run('docker', ['kill', tasks[0]]); } }],
    });
    let healedAt = 0;
    while (!healedAt && Date.now() - killedAt < 180_000) {
      const running = (await run('docker', ['ps', '-q', '--filter', `label=com.docker.swarm.service.name=${project}_litellm`])).stdout;
      if ((await replicas()) === '2/2' && !running.includes(tasks[0])) healedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 250));
    }
    samples.killFailed.push(kill.failed);
    samples.killHeal.push(healedAt ? (healedAt - killedAt) / 1000 : NaN);

    image = image === images.litellm ? images.litellmNext : images.litellm;
    log(`run ${i + 1}/${runs}: rolling update to ${image} under load`);
    await setImage(image);
    let started;
    const roll = await runLoad(chat, { concurrency: 4, until: cli('start', '--timeout', '300').then((r) => (started = r)) });
    if (started?.code !== 0) throw new Error(`rolling update: start exited ${started?.code}: ${started?.stderr}`);
    samples.rollRequests.push(roll.total);
    samples.rollFailed.push(roll.failed);
    samples.rollSeconds.push(roll.elapsedMs / 1000);
  }
} finally {
  await cli('stop', '--volumes', '--yes');
  await rm(dir, { recursive: true, force: true });
  if (createdSwarm) await run('docker', ['swarm', 'leave', '--force']);
}

const row = (metric, unit, values, target) => ({ bench: 'swarm', metric, unit, samples: values, ...(target ? { target } : {}) });
emit({
  bench: 'swarm',
  table: [
    row(`requests/s through Nginx, 1 LiteLLM replica (wrk, ${CONNECTIONS} connections, mock model)`, 'rps', samples.rps1),
    row(`requests/s through Nginx, 2 LiteLLM replicas (wrk, ${CONNECTIONS} connections, mock model)`, 'rps', samples.rps2),
    row('replica killed during 20 s of load: failed requests', 'count', samples.killFailed),
    row('replica killed: seconds until 2/2 again', 's', samples.killHeal),
    row('rolling update under load: requests served', 'count', samples.rollRequests),
    row('rolling update under load: failed requests', 'count', samples.rollFailed, { op: '<=', value: 0 }),
    row('rolling update (2 replicas, start-first, 30 s monitor): seconds', 's', samples.rollSeconds),
  ],
});
