#!/usr/bin/env node
// Bench: `ai-gateway key create` and `ai-gateway models` against the in-process LiteLLM stand-in,
// compared with the same request made by curl in the same run (interleaved, so machine noise hits
// every variant alike). Overhead = CLI median - bare `node -e 0` median - curl median: what our
// code adds on top of starting Node and making the HTTP request. Target: <= 150 ms (issue 11: undici,
// node:crypto and node:fs/promises as they are, not hand-written replacements tuned for 50 ms).
//
//   npm run build && node bench/keys.mjs [--runs 15] [--json]   (--json: bench/lib/rows.mjs format)
//
// Keys never go on a command line, not even curl's: curl reads its Authorization header from a
// mode-600 file (-H @file).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLiteLLMStandin } from '../test/standins/litellm.mjs';
import { argValue, renderTable, summarize } from './lib/rows.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'ai-gateway.js');
const args = process.argv.slice(2);
const runs = Number(argValue(args, '--runs', '')) || Number(process.env.BENCH_RUNS) || 15;
const asJson = args.includes('--json');
const MASTER = `sk-bench-${Date.now().toString(36)}-0123456789abcdef`;

// Wall time, and CPU time (user + sys, via GNU time when installed): on a busy machine wall time
// mostly measures the neighbours, CPU time still measures us.
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

function time(file, argv, env = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const [cmd, args] = GNU_TIME ? [GNU_TIME, ['-f', '\n@cpu %U %S', file, ...argv]] : [file, argv];
    const child = spawn(cmd, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const cpu = /@cpu ([\d.]+) ([\d.]+)\s*$/.exec(stderr);
      if (code !== 0) reject(new Error(`${file} ${argv.join(' ')} exited ${code}: ${stderr || stdout}`));
      else resolve({ ms, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : null, stdout });
    });
  });
}

const standin = await startLiteLLMStandin({
  masterKey: MASTER,
  models: [
    { model_name: 'gpt-4o-mini', litellm_params: { model: 'openai/gpt-4o-mini', mock_response: 'hi' } },
    { model_name: 'claude-haiku', litellm_params: { model: 'anthropic/claude-3-haiku', mock_response: 'hi' } },
  ],
});
const dir = await mkdtemp(join(tmpdir(), 'aigw-bench-keys-'));
try {
  await writeFile(
    join(dir, '.env'),
    [`COMPOSE_PROJECT_NAME=bench`, 'USE_NGINX=no', 'WEBUI_PORT=3999', `LITELLM_PORT=${standin.port}`, `LITELLM_MASTER_KEY=${MASTER}`, ''].join('\n'),
    { mode: 0o600 },
  );
  await writeFile(join(dir, 'docker-compose.yml'), 'services: {}\n');
  await writeFile(join(dir, 'docker-compose.override.yml'), 'services: {}\n', { mode: 0o600 });
  const cli = (...argv) => time(process.execPath, [bin, '--dir', dir, ...argv]);

  // One saved key for `models` (what apps use), and the curl header files.
  const saved = JSON.parse((await cli('key', 'create', '--alias', 'bench-app', '--save', '--json')).stdout);
  const masterHeader = join(dir, 'master.header');
  const appHeader = join(dir, 'app.header');
  await writeFile(masterHeader, `Authorization: Bearer ${MASTER}\nContent-Type: application/json\n`, { mode: 0o600 });
  await writeFile(appHeader, `Authorization: Bearer ${saved.key}\n`, { mode: 0o600 });
  const curlCreate = () => time('curl', ['-sf', '-o', '/dev/null', '-X', 'POST', '-H', `@${masterHeader}`, '-d', '{"metadata":{"created_by":"bench"}}', `${standin.url}/key/generate`]);
  const curlModels = () => time('curl', ['-sf', '-o', '/dev/null', '-H', `@${appHeader}`, `${standin.url}/v1/models`]);

  const variants = {
    'node -e 0': () => time(process.execPath, ['-e', '0']),
    'ai-gateway key create': () => cli('key', 'create', '--json'),
    'curl POST /key/generate': curlCreate,
    'ai-gateway models': () => cli('models', '--json'),
    'curl GET /v1/models': curlModels,
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, { ms: [], cpuMs: [] }]));
  for (const run of Object.values(variants)) await run(); // warm the file cache and the compile cache
  for (let i = 0; i < runs; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const r = await run();
      samples[name].ms.push(r.ms);
      if (r.cpuMs !== null) samples[name].cpuMs.push(r.cpuMs);
    }
  }

  // Per round: what the CLI adds on top of starting Node and making the same request with curl.
  const perRound = (field, cli, curl) => samples[cli][field].map((v, i) => v - samples['node -e 0'][field][i] - samples[curl][field][i]);
  const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ')[0] || null;
  const note = `${availableParallelism()} cores, load ${load ?? '?'}`;
  const rows = [
    { bench: 'keys', metric: 'key create overhead (wall) beyond node -e 0 + curl', unit: 'ms', samples: perRound('ms', 'ai-gateway key create', 'curl POST /key/generate'), target: { op: '<=', value: 150 }, note },
    { bench: 'keys', metric: 'models overhead (wall) beyond node -e 0 + curl', unit: 'ms', samples: perRound('ms', 'ai-gateway models', 'curl GET /v1/models'), target: { op: '<=', value: 150 }, note },
    ...Object.entries(samples).map(([name, v]) => ({ bench: 'keys', metric: `${name} (wall)`, unit: 'ms', samples: v.ms })),
  ];
  if (GNU_TIME) {
    rows.push(
      { bench: 'keys', metric: 'key create overhead (cpu) beyond node -e 0 + curl', unit: 'ms', samples: perRound('cpuMs', 'ai-gateway key create', 'curl POST /key/generate') },
      { bench: 'keys', metric: 'models overhead (cpu) beyond node -e 0 + curl', unit: 'ms', samples: perRound('cpuMs', 'ai-gateway models', 'curl GET /v1/models') },
      { bench: 'keys', metric: 'node -e 0 (cpu)', unit: 'ms', samples: samples['node -e 0'].cpuMs },
    );
  }
  const pass = rows.every((row) => !row.target || summarize(row).pass);
  if (asJson) console.log(JSON.stringify({ bench: 'keys', node: process.version, cores: availableParallelism(), loadAverage1m: load, table: rows }, null, 2));
  else {
    console.log(`bench/keys.mjs: ${runs} interleaved rounds, Node ${process.version}, ${note}`);
    console.log(renderTable(rows));
  }
  process.exitCode = pass ? 0 : 1;
} finally {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
}
