#!/usr/bin/env node
// Bench: what the rendered Nginx costs on the data path, on the real Docker stack of the e2e test bed.
// The same requests go through Nginx (http://127.0.0.1:NGINX_PORT/api/litellm/v1/...) and directly to
// the LiteLLM port (/v1/...), interleaved A B B A ... in one run so machine drift hits both alike.
// The upstream is the LiteLLM stand-in's mock model: it answers in well under a millisecond, so what
// differs between the two paths is the proxy's own cost. Load comes from wrk, a second process on loopback.
//
//   1. non-streamed chat completion (master key, no database work), 64 keep-alive connections, 10 s:
//      req/s and p50/p99 latency, Nginx ÷ direct        targets: req/s >= 0.9x, p99 <= 1.2x
//   2. streamed chat completion, upstream chunks 100 ms apart: time to first chunk and the arrival of
//      every chunk, Nginx - direct (both streams started together)   targets: <= 10 ms
//   3. GET /v1/models with a virtual key: as 1.
//   4. HTTPS (issue 14): a second Nginx with the gateway's own TLS configuration (what `setup --tls
//      self-signed` renders: TLS 1.2/1.3, the same routes) measured in the same rounds as plain HTTP;
//      rows "HTTPS ÷ HTTP". With keep-alive the handshake is paid once per connection, so a fifth
//      scenario opens a new connection per request (Connection: close) on both Nginx paths: the
//      handshake's own cost. --no-tls leaves HTTPS out.
//
//   npm run build && node bench/data-path.mjs [--runs 5] [--duration 10] [--connections 64] [--no-tls]
//                                             [--variants access-log-buffered,upstream-keepalive-off,...] [--json]
//
// --variants adds Nginx containers whose nginx.conf is the rendered one with one setting changed
// (bench/lib/nginx-variants.mjs), measured in the same interleaved rounds: what each tuning buys.
// Skips (with a message, exit 0) when there is no Docker engine or no wrk.
import http from 'node:http';
import https from 'node:https';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue, median, renderTable } from './lib/rows.mjs';
import { containerPids, dockerUnavailableReason, ROOT, run, schedTimesNs, startBenchStack } from './lib/stack.mjs';
import { wrkRun, wrkUnavailableReason } from './lib/wrk.mjs';
import { timeStream } from './lib/stream.mjs';
import { nginxVariant } from './lib/nginx-variants.mjs';

const BENCH = 'data-path';
const MOCK_MODEL = 'bench-mock';
// Ten words: the stand-in streams one chunk per word, a finish chunk, then [DONE] (12 events, ~1.1 s).
const MOCK_TEXT = 'The quick brown fox jumps over the lazy dog today.';
const STREAM_INTERVAL_MS = 100;
const STREAM_PAIRS_PER_ROUND = 3;

/**
 * @param {{runs?: number, durationS?: number, connections?: number, variants?: string[], tls?: boolean, log?: (line: string) => void}} options
 * @returns {Promise<{bench: string, skipped?: string, table: import('./lib/rows.mjs').Row[], details?: object}>}
 */
export async function runDataPath({ runs = 5, durationS = 10, connections = 64, variants = [], tls = true, log = (l) => process.stderr.write(`${l}\n`) } = {}) {
  const skipped = (await dockerUnavailableReason()) ?? (await wrkUnavailableReason());
  if (skipped) return { bench: BENCH, skipped, table: [] };

  log(`${BENCH}: starting a gateway on the Docker engine (test images, ai-gateway setup --yes + start)`);
  const stack = await startBenchStack({
    log,
    models: [{ model_name: MOCK_MODEL, litellm_params: { model: `openai/${MOCK_MODEL}`, mock_response: MOCK_TEXT } }],
    // The stand-in keeps an in-memory log of every request for its in-process tests; under load it would only grow.
    // Key rows are cached for auth as LiteLLM does (its cache before the DB), so /v1/models with a
    // virtual key is not one PostgreSQL query per request.
    env: { STANDIN_RECORD_REQUESTS: '0', STANDIN_KEY_CACHE_TTL_MS: '3600000', STANDIN_STREAM_INTERVAL_MS: String(STREAM_INTERVAL_MS) },
  });
  const onSignal = () => {
    stack.down().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let tlsScratch = null;
  try {
    const virtualKey = await stack.createVirtualKey({ key_alias: 'bench-data-path', metadata: { created_by: 'bench/data-path.mjs' } });

    // Where each path starts: the rendered Nginx, each variant, and LiteLLM's own port. `pids`: the
    // processes whose CPU time is the path's own cost (Nginx's; for direct, the stand-in's).
    const paths = [{ name: 'nginx', base: `${stack.nginxUrl}/api/litellm`, container: await stack.container('nginx'), comm: 'nginx' }];
    if (variants.length) {
      const rendered = await readFile(join(stack.dir, 'nginx', 'nginx.conf'), 'utf8');
      for (const name of variants) {
        log(`${BENCH}: Nginx variant ${name}`);
        const added = await stack.addNginx(name, nginxVariant(name, rendered));
        paths.push({ name, base: `${added.url}/api/litellm`, container: added.container, comm: 'nginx' });
      }
    }
    if (tls) {
      // The gateway's HTTPS configuration as setup renders it, with a certificate setup made.
      log(`${BENCH}: Nginx with HTTPS (ai-gateway setup --tls self-signed in a scratch directory)`);
      tlsScratch = await mkdtemp(join(tmpdir(), 'aigw-bench-tls-'));
      const made = await run(process.execPath, [join(ROOT, 'bin', 'ai-gateway.js'), 'setup', '--yes', '--ports', 'random', '--tls', 'self-signed', '--dir', tlsScratch, '--project-name', 'aigw-bench-tls']);
      if (made.code !== 0) throw new Error(`setup --tls self-signed failed (exit ${made.code}): ${made.stderr.trim()}`);
      const conf = await readFile(join(tlsScratch, 'nginx', 'nginx.conf'), 'utf8');
      const added = await stack.addNginx('https', conf, { tlsDir: join(tlsScratch, 'tls') });
      const ca = await readFile(join(tlsScratch, 'tls', 'cert.pem'), 'utf8');
      paths.push({ name: 'nginx-https', base: `${added.url}/api/litellm`, container: added.container, comm: 'nginx', ca });
    }
    paths.push({ name: 'direct', base: stack.litellmUrl, container: await stack.container('litellm'), comm: 'node' });
    for (const p of paths) p.pids = await containerPids(p.container, p.comm);
    log(`${BENCH}: paths ${paths.map((p) => `${p.name} ${p.base}`).join(", ")}`);

    const chatBody = JSON.stringify({ model: MOCK_MODEL, messages: [{ role: 'user', content: 'Say something.' }] });
    const scenarios = [
      {
        id: 'chat',
        label: 'chat completion',
        request: { method: 'POST', path: '/v1/chat/completions', body: chatBody, headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${stack.masterKey}` } },
      },
      { id: 'models', label: '/v1/models (virtual key)', request: { method: 'GET', path: '/v1/models', headers: { Authorization: `Bearer ${virtualKey}` } } },
    ];
    if (tls) {
      // wrk reconnects after each answer when the server closes: one TCP (and TLS) handshake per request.
      scenarios.push({
        id: 'handshake',
        label: 'chat completion, new connection per request',
        only: ['nginx', 'nginx-https'],
        request: { ...scenarios[0].request, headers: { ...scenarios[0].request.headers, Connection: 'close' } },
      });
    }
    const pathsOf = (s) => (s.only ? paths.filter((p) => s.only.includes(p.name)) : paths);

    // Every path answers correctly before anything is timed (a 403 or 502 is not a fast answer).
    for (const s of scenarios) {
      for (const p of pathsOf(s)) {
        const res = await ask(`${p.base}${s.request.path}`, s.request, p.ca);
        if (res.status < 200 || res.status >= 300) throw new Error(`${p.name} ${s.request.path}: HTTP ${res.status} ${res.text.slice(0, 200)}`);
      }
    }

    /**
     * One wrk run, plus the CPU time the path's own processes used for it and the CPU time of the
     * whole machine (every process and the kernel: wrk, docker-proxy, the network stack ..., and
     * anything else running: meaningful on an otherwise idle machine only), per request in µs.
     */
    const load = async (p, s, seconds, delayMs) => {
      const [before, machineBefore] = [await schedTimesNs(p.pids), await machineBusyUs()];
      const r = await wrkRun({ url: `${p.base}${s.request.path}`, ...s.request, connections, durationS: seconds, delayMs, scratchDir: stack.dir });
      const [after, machineAfter] = [await schedTimesNs(p.pids), await machineBusyUs()];
      const perRequest = (field) => (before && after && r.requests > 0 ? (after[field] - before[field]) / r.requests / 1000 : NaN);
      const machineUsPerRequest = r.requests > 0 ? (machineAfter - machineBefore) / r.requests : NaN;
      return { ...r, cpuUsPerRequest: perRequest('onCpu'), runQueueUsPerRequest: perRequest('waiting'), machineUsPerRequest };
    };
    log(`${BENCH}: warm-up (2 s per path and scenario)`);
    for (const s of scenarios) for (const p of pathsOf(s)) await load(p, s, 2);

    /** figures[scenario][path] = [{rps, p50Ms, p99Ms, ...} per round] */
    const figures = Object.fromEntries(scenarios.map((s) => [s.id, Object.fromEntries(pathsOf(s).map((p) => [p.name, []]))]));
    /** streams[path] = [{ttfcDeltaMs, worstChunkDeltaMs} per round], relative to direct */
    const streams = Object.fromEntries(paths.filter((p) => p.name !== 'direct').map((p) => [p.name, []]));
    /** gaps[path] = every gap between two chunks, as the client saw it */
    const gaps = Object.fromEntries(paths.map((p) => [p.name, []]));
    /** paced[path] = [{rps, p50Ms, ...} per round] at half the direct path's capacity */
    const paced = Object.fromEntries(paths.map((p) => [p.name, []]));
    /** The 1-minute load average at the start of each round: how busy the machine was. */
    const loadAverages = [];

    for (let round = 0; round < runs; round++) {
      loadAverages.push(await loadAverage1m());
      // A B ... B A: the order flips every round, so neither path always runs first.
      const order = round % 2 === 0 ? paths : [...paths].reverse();
      for (const s of scenarios) {
        for (const p of order.filter((x) => pathsOf(s).includes(x))) {
          const r = await load(p, s, durationS);
          figures[s.id][p.name].push(r);
          log(`${BENCH}: round ${round + 1}/${runs} ${s.id.padEnd(6)} ${p.name.padEnd(23)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms  ${p.comm} cpu ${r.cpuUsPerRequest.toFixed(0)} µs/req  machine ${r.machineUsPerRequest.toFixed(0)} µs/req`);
        }
      }
      // (4) The same chat completion at half the load the direct path just sustained, the same
      // offered load for every path: what a client sees when the machine is not saturated (the
      // closed loop above measures capacity, where any extra hop's CPU comes out of throughput).
      const chat = scenarios[0];
      const halfLoadRps = figures.chat.direct.at(-1).rps / 2;
      const delayMs = (connections / halfLoadRps) * 1000;
      for (const p of order) {
        const r = await load(p, chat, durationS, delayMs);
        paced[p.name].push(r);
        log(`${BENCH}: round ${round + 1}/${runs} chat at half load (${halfLoadRps.toFixed(0)} req/s offered) ${p.name.padEnd(23)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50Ms.toFixed(2)} ms  p99 ${r.p99Ms.toFixed(2)} ms`);
      }
      const roundStreams = await measureStreams(paths, stack.masterKey);
      for (const [name, v] of Object.entries(roundStreams.byPath)) streams[name].push(v);
      for (const [name, g] of Object.entries(roundStreams.gapsMs)) gaps[name].push(...g);
      log(`${BENCH}: round ${round + 1}/${runs} stream ${Object.entries(roundStreams.byPath).map(([n, v]) => `${n}: first chunk ${fmt(v.ttfcDeltaMs)} ms, median chunk ${fmt(v.medianChunkDeltaMs)} ms, worst chunk ${fmt(v.worstChunkDeltaMs)} ms`).join('; ')}`);
    }

    const rows = [];
    const ratio = (sid, name, field) => figures[sid][name].map((r, i) => r[field] / figures[sid].direct[i][field]);
    for (const p of paths.filter((x) => x.name !== 'direct')) {
      const tag = p.name === 'nginx' ? '' : p.name === 'nginx-https' ? ' [HTTPS]' : ` [variant ${p.name}]`;
      for (const s of scenarios.filter((x) => !x.only)) {
        rows.push({ bench: BENCH, metric: `${s.label}: req/s, Nginx ÷ direct${tag}`, unit: 'ratio', samples: ratio(s.id, p.name, 'rps'), target: { op: '>=', value: 0.9 } });
        rows.push({ bench: BENCH, metric: `${s.label}: p50 latency, Nginx ÷ direct${tag}`, unit: 'ratio', samples: ratio(s.id, p.name, 'p50Ms') });
        rows.push({ bench: BENCH, metric: `${s.label}: p99 latency, Nginx ÷ direct${tag}`, unit: 'ratio', samples: ratio(s.id, p.name, 'p99Ms'), target: { op: '<=', value: 1.2 } });
        // The proxy's own cost, robust to a busy machine: CPU time of the Nginx processes per request.
        rows.push({ bench: BENCH, metric: `${s.label}: Nginx CPU per request${tag}`, unit: 'us', samples: figures[s.id][p.name].map((r) => r.cpuUsPerRequest) });
        // The whole hop: Nginx plus the kernel's work for the second TCP connection (veth, bridge, netfilter).
        rows.push({ bench: BENCH, metric: `${s.label}: machine CPU per request, Nginx − direct${tag}`, unit: 'us', samples: figures[s.id][p.name].map((r, i) => r.machineUsPerRequest - figures[s.id].direct[i].machineUsPerRequest) });
      }
      const pacedRatio = (field) => paced[p.name].map((r, i) => r[field] / paced.direct[i][field]);
      rows.push({ bench: BENCH, metric: `chat completion at half load: p50 latency, Nginx ÷ direct${tag}`, unit: 'ratio', samples: pacedRatio('p50Ms') });
      rows.push({ bench: BENCH, metric: `chat completion at half load: p99 latency, Nginx ÷ direct${tag}`, unit: 'ratio', samples: pacedRatio('p99Ms') });
      rows.push({ bench: BENCH, metric: `chat completion at half load: p50, Nginx − direct${tag}`, unit: 'ms', samples: paced[p.name].map((r, i) => r.p50Ms - paced.direct[i].p50Ms) });
      rows.push({ bench: BENCH, metric: `stream: first chunk, Nginx − direct${tag}`, unit: 'ms', samples: streams[p.name].map((v) => v.ttfcDeltaMs), target: { op: '<=', value: 10 } });
      rows.push({ bench: BENCH, metric: `stream: worst chunk, Nginx − direct${tag}`, unit: 'ms', samples: streams[p.name].map((v) => v.worstChunkDeltaMs), target: { op: '<=', value: 10 } });
      rows.push({ bench: BENCH, metric: `stream: median chunk, Nginx − direct${tag}`, unit: 'ms', samples: streams[p.name].map((v) => v.medianChunkDeltaMs) });
    }

    if (tls) {
      // HTTPS against plain HTTP, the same Nginx configuration otherwise, in the same rounds.
      const vsHttp = (sid, field) => figures[sid]['nginx-https'].map((r, i) => r[field] / figures[sid].nginx[i][field]);
      for (const s of scenarios) {
        rows.push({ bench: BENCH, metric: `${s.label}: req/s, HTTPS ÷ HTTP (Nginx)`, unit: 'ratio', samples: vsHttp(s.id, 'rps') });
        rows.push({ bench: BENCH, metric: `${s.label}: p50 latency, HTTPS ÷ HTTP (Nginx)`, unit: 'ratio', samples: vsHttp(s.id, 'p50Ms') });
        rows.push({ bench: BENCH, metric: `${s.label}: p99 latency, HTTPS ÷ HTTP (Nginx)`, unit: 'ratio', samples: vsHttp(s.id, 'p99Ms') });
        rows.push({ bench: BENCH, metric: `${s.label}: Nginx CPU per request, HTTPS − HTTP`, unit: 'us', samples: figures[s.id]['nginx-https'].map((r, i) => r.cpuUsPerRequest - figures[s.id].nginx[i].cpuUsPerRequest) });
      }
      rows.push({ bench: BENCH, metric: 'stream: first chunk, HTTPS − HTTP (Nginx)', unit: 'ms', samples: streams['nginx-https'].map((v, i) => v.ttfcDeltaMs - streams.nginx[i].ttfcDeltaMs) });
      rows.push({ bench: BENCH, metric: 'stream: worst chunk, HTTPS − HTTP (Nginx)', unit: 'ms', samples: streams['nginx-https'].map((v, i) => v.worstChunkDeltaMs - streams.nginx[i].worstChunkDeltaMs) });
    }
    for (const s of scenarios.filter((x) => !x.only)) {
      // The upstream's own cost, for scale: what the stand-in spends on the same request.
      rows.push({ bench: BENCH, metric: `${s.label}: LiteLLM stand-in CPU per request (direct)`, unit: 'us', samples: figures[s.id].direct.map((r) => r.cpuUsPerRequest) });
    }
    const med = (sid, name, field) => median(figures[sid][name].map((r) => r[field]));
    const absolute = Object.fromEntries(
      scenarios.map((s) => [
        s.id,
        Object.fromEntries(
          pathsOf(s).map((p) => [
            p.name,
            { machineUsPerRequest: med(s.id, p.name, 'machineUsPerRequest'), rps: med(s.id, p.name, 'rps'), p50Ms: med(s.id, p.name, 'p50Ms'), p99Ms: med(s.id, p.name, 'p99Ms'), cpuUsPerRequest: med(s.id, p.name, 'cpuUsPerRequest'), runQueueUsPerRequest: med(s.id, p.name, 'runQueueUsPerRequest'), cpuOf: p.comm },
          ]),
        ),
      ]),
    );
    return {
      bench: BENCH,
      table: rows,
      details: {
        runs,
        durationS,
        connections,
        loadGenerator: 'wrk -t 1 (one thread)',
        streamIntervalMs: STREAM_INTERVAL_MS,
        streamGapsMs: Object.fromEntries(Object.entries(gaps).map(([name, g]) => [name, { median: median(g), max: Math.max(...g) }])),
        loadAverage1mPerRound: loadAverages,
        medians: absolute,
        perRound: figures,
        perRoundAtHalfLoad: paced,
      },
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    log(`${BENCH}: removing the stack (down -v)`);
    await stack.down();
    if (tlsScratch) await rm(tlsScratch, { recursive: true, force: true });
  }
}

/** One request (http, or https trusting `ca`: the bench's self-signed certificate); resolves {status, text}. */
function ask(url, { method, headers, body }, ca) {
  return new Promise((resolve, reject) => {
    const options = { method, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': Buffer.byteLength(body) }) }, ...(ca ? { ca, servername: 'localhost' } : {}) };
    const req = (url.startsWith('https:') ? https : http).request(url, options, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Busy CPU time of the whole machine since boot, in µs (/proc/stat: every CPU, every state but idle and iowait). */
async function machineBusyUs() {
  const cpu = (await readFile('/proc/stat', 'utf8').catch(() => '')).split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  if (cpu.length < 5) return NaN;
  const [user, nice, system, , , irq = 0, softirq = 0, steal = 0] = cpu; // not idle, not iowait
  return ((user + nice + system + irq + softirq + steal) * 1e6) / 100; // USER_HZ is 100 on Linux
}

async function loadAverage1m() {
  return Number((await readFile('/proc/loadavg', 'utf8').catch(() => 'NaN')).split(' ')[0]);
}

function fmt(x) {
  return x.toFixed(1);
}

/**
 * STREAM_PAIRS_PER_ROUND times: one stream through every path, all started together, so each Nginx
 * stream is compared with a direct stream the upstream served at the same moment. Per path, the round's
 * figure is the worst over its pairs (the targets are bounds on every chunk).
 */
async function measureStreams(paths, masterKey) {
  const body = JSON.stringify({ model: MOCK_MODEL, stream: true, messages: [{ role: 'user', content: 'Say something.' }] });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${masterKey}` };
  const agents = new Map(paths.map((p) => [p.name, p.ca ? new https.Agent({ keepAlive: true, maxSockets: 4, ca: p.ca, servername: 'localhost' }) : new http.Agent({ keepAlive: true, maxSockets: 4 })]));
  try {
    const once = () => Promise.all(paths.map((p) => timeStream({ url: `${p.base}/v1/chat/completions`, headers, body, agent: agents.get(p.name) })));
    await once(); // open the keep-alive connections, so connection setup is not in the figures
    const byPath = Object.fromEntries(paths.filter((p) => p.name !== 'direct').map((p) => [p.name, { ttfcDeltaMs: -Infinity, worstChunkDeltaMs: -Infinity, deltas: [] }]));
    const gapsMs = Object.fromEntries(paths.map((p) => [p.name, []]));
    for (let i = 0; i < STREAM_PAIRS_PER_ROUND; i++) {
      const results = await once();
      const direct = results[paths.findIndex((p) => p.name === 'direct')];
      paths.forEach((p, idx) => {
        const mine = results[idx];
        for (let k = 1; k < mine.arrivalsMs.length; k++) gapsMs[p.name].push(mine.arrivalsMs[k] - mine.arrivalsMs[k - 1]);
        if (p.name === 'direct') return;
        if (mine.arrivalsMs.length !== direct.arrivalsMs.length) {
          throw new Error(`stream via ${p.name}: ${mine.arrivalsMs.length} events, direct: ${direct.arrivalsMs.length}`);
        }
        const deltas = mine.arrivalsMs.map((t, k) => t - direct.arrivalsMs[k]);
        const v = byPath[p.name];
        v.ttfcDeltaMs = Math.max(v.ttfcDeltaMs, deltas[0]);
        v.worstChunkDeltaMs = Math.max(v.worstChunkDeltaMs, ...deltas);
        v.deltas.push(...deltas);
      });
    }
    for (const v of Object.values(byPath)) {
      v.medianChunkDeltaMs = median(v.deltas);
      delete v.deltas;
    }
    return { byPath, gapsMs };
  } finally {
    for (const a of agents.values()) a.destroy();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const variants = (argValue(args, '--variants', '') || '').split(',').map((v) => v.trim()).filter(Boolean);
  const report = await runDataPath({
    runs: Number(argValue(args, '--runs', 5)),
    durationS: Number(argValue(args, '--duration', 10)),
    connections: Number(argValue(args, '--connections', 64)),
    variants,
    tls: !args.includes('--no-tls'),
  });
  if (args.includes('--json')) console.log(JSON.stringify(report, null, 2));
  else if (report.skipped) console.log(`${BENCH}: skipped: ${report.skipped}`);
  else {
    console.log(renderTable(report.table));
    console.log('\nMedians (req/s, p50, p99; CPU and run-queue wait per request of the path\'s own processes: nginx, or node for direct):');
    for (const [sid, byPath] of Object.entries(report.details.medians)) {
      for (const [name, m] of Object.entries(byPath)) {
        console.log(`  ${sid.padEnd(7)} ${name.padEnd(24)} ${m.rps.toFixed(0).padStart(7)} req/s  p50 ${m.p50Ms.toFixed(2)} ms  p99 ${m.p99Ms.toFixed(2)} ms  ${m.cpuOf} cpu ${m.cpuUsPerRequest.toFixed(0)} µs  waiting ${m.runQueueUsPerRequest.toFixed(0)} µs  machine ${m.machineUsPerRequest.toFixed(0)} µs`);
      }
    }
    for (const [name, g] of Object.entries(report.details.streamGapsMs)) console.log(`  stream gap between chunks, ${name.padEnd(24)} median ${g.median.toFixed(1)} ms, max ${g.max.toFixed(1)} ms`);
  }
}
