#!/usr/bin/env node
// Bench: `ai-gateway key create` and `ai-gateway models` against the in-process LiteLLM stand-in,
// compared with the same request made by curl in the same run (interleaved, so machine noise hits
// every variant alike). Overhead = CLI median - bare `node -e 0` median - curl median: what our
// code adds on top of starting Node and making the HTTP request. Target: < 50 ms.
//
//   npm run build && node bench/keys.mjs [--runs 15] [--json]
//
// Keys never go on a command line, not even curl's: curl reads its Authorization header from a
// mode-600 file (-H @file).
import { spawn } from 'node:child_process';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLiteLLMStandin } from '../test/standins/litellm.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'ai-gateway.js');
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 15;
const asJson = args.includes('--json');
const MASTER = `sk-bench-${Date.now().toString(36)}-0123456789abcdef`;

function time(file, argv, env = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code !== 0) reject(new Error(`${file} ${argv.join(' ')} exited ${code}: ${stderr || stdout}`));
      else resolve({ ms, stdout });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

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
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (const run of Object.values(variants)) await run(); // warm the file cache and the compile cache
  for (let i = 0; i < runs; i++) for (const [name, run] of Object.entries(variants)) samples[name].push((await run()).ms);

  const med = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const overhead = {
    'key create': med['ai-gateway key create'] - med['node -e 0'] - med['curl POST /key/generate'],
    models: med['ai-gateway models'] - med['node -e 0'] - med['curl GET /v1/models'],
  };
  const report = { runs, node: process.version, medianMs: med, overheadMs: overhead, targetMs: 50, pass: Object.values(overhead).every((v) => v < 50) };
  if (asJson) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`bench/keys.mjs: ${runs} interleaved runs, Node ${process.version}, medians in ms`);
    for (const [name, ms] of Object.entries(med)) console.log(`  ${name.padEnd(26)} ${ms.toFixed(1).padStart(7)}`);
    for (const [name, ms] of Object.entries(overhead)) console.log(`  overhead ${name.padEnd(17)} ${ms.toFixed(1).padStart(7)}  (target < 50: ${ms < 50 ? 'ok' : 'OVER'})`);
  }
  process.exitCode = report.pass ? 0 : 1;
} finally {
  await standin.close();
  await rm(dir, { recursive: true, force: true });
}
