#!/usr/bin/env node
// `npm run bench`: every benchmark of the project, one table of min / median / max over the runs.
//
//   npm run bench [-- --runs 5] [--only data-path,keys] [--markdown] [--json] [--no-build]
//
// Each bench is its own process (`node bench/<name>.mjs --json --runs N`), so one bench's children,
// stand-ins and containers never share an event loop or a heap with another's. The format they print
// is described in bench/lib/rows.mjs. Benches that need Docker are skipped, with a message, when no
// engine answers. Exit code 1 when a bench failed or a median missed its target.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism, totalmem, release, cpus } from 'node:os';
import { join } from 'node:path';
import { argValue, renderMarkdown, renderTable, summarize } from './lib/rows.mjs';
import { ROOT, dockerUnavailableReason, dockerVersions, run } from './lib/stack.mjs';

const BENCHES = [
  { name: 'cold-start', what: '`ai-gateway --version`, `--help`, `setup --yes --ports random` ÷ bare `node -e 0`', docker: false },
  { name: 'keys', what: '`key create` / `models` overhead over node + curl (in-process LiteLLM stand-in)', docker: false },
  { name: 'readiness', what: 'readiness latency on the real stack', docker: true },
  { name: 'data-path', what: 'Nginx vs direct to LiteLLM, and Nginx over HTTPS vs plain HTTP, on the real stack (wrk, 64 connections)', docker: true },
  { name: 'swarm', what: 'ENGINE=swarm: req/s through Nginx with 1 and 2 LiteLLM replicas, a replica killed and a rolling update under load', docker: true },
  { name: 'backup', what: '`backup` / `restore` vs raw pg_dump / pg_restore, 10,000 keys + 100,000 spend rows', docker: true },
  { name: 'first-start', what: 'first start from a throttled local registry: pull seconds, boot seconds', docker: true },
];

const args = process.argv.slice(2);
const runs = Number(argValue(args, '--runs', process.env.BENCH_RUNS ?? 5));
const only = argValue(args, '--only', '').split(',').map((s) => s.trim()).filter(Boolean);
const asJson = args.includes('--json');
const log = (line) => process.stderr.write(`${line}\n`);

if (!Number.isInteger(runs) || runs < 1) {
  log(`--runs must be a whole number >= 1 (got ${argValue(args, '--runs', '')}); the suite's figures use 5 or more.`);
  process.exit(2);
}
const unknown = only.filter((name) => !BENCHES.some((b) => b.name === name));
if (unknown.length) {
  log(`Unknown bench ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}.`);
  process.exit(2);
}
if (runs < 5) log(`note: ${runs} run(s); the figures in BENCHMARKS.md use at least 5.`);

/** Run one bench script; its progress (stderr) goes straight to ours, its JSON document is returned. */
function runBench(file) {
  // Start-up figures are single process runs of a few ms, noisy one by one: at least 30 interleaved
  // rounds for them (seconds in all), whatever --runs says for the long benches.
  const rounds = file.endsWith('cold-start.mjs') ? Math.max(runs, 30) : runs;
  // backup/restore: one pair's ratio swings by ±0.2 on a 2-core VM (the disk, and the previous
  // command's aftermath: PostgreSQL writing out and analysing 113 MB), so at least 15 pairs (~10 s
  // each); BENCHMARKS.md, backup section, has the passes that showed it.
  const benchRuns = file.endsWith('backup.mjs') ? Math.max(runs, 15) : runs;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, '--json', '--runs', String(benchRuns), '--rounds', String(rounds)], {
      env: { ...process.env, BENCH_RUNS: String(benchRuns), BENCH_ROUNDS: String(rounds), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', (err) => resolve({ error: err.message }));
    child.on('close', (code) => {
      try {
        resolve({ code, report: JSON.parse(stdout) });
      } catch {
        resolve({ code, error: `exit ${code}, and stdout is not one JSON document: ${stdout.trim().slice(0, 300) || '(empty)'}` });
      }
    });
  });
}

/** The rows of a bench's document: `table`, or rows of the same shape under `rows`. */
function tableOf(report) {
  if (Array.isArray(report.table)) return report.table;
  if (Array.isArray(report.rows) && report.rows.every((r) => Array.isArray(r?.samples) && typeof r.metric === 'string')) return report.rows;
  return null;
}

async function machine() {
  const load = (await readFile('/proc/loadavg', 'utf8').catch(() => '')).split(' ').slice(0, 3).join(' ');
  const wrk = await run('wrk', ['--version'], { timeoutMs: 10_000 }).then((r) => (r.stdout + r.stderr).split('\n')[0].replace(/\s*Copyright.*$/, '').trim(), () => 'wrk not installed');
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    kernel: release(),
    node: process.version,
    ...(await dockerVersions()),
    wrk,
    loadAverage: load,
  };
}

if (!args.includes('--no-build')) {
  log('bench: npm run build (the CLI benches run dist/)');
  const built = await run('npm', ['run', 'build'], { timeoutMs: 300_000 });
  if (built.code !== 0) {
    log(`npm run build failed:\n${built.stdout}${built.stderr}`);
    process.exit(1);
  }
}

const dockerReason = await dockerUnavailableReason();
const results = [];
for (const bench of BENCHES) {
  if (only.length && !only.includes(bench.name)) continue;
  const file = join(ROOT, 'bench', `${bench.name}.mjs`);
  if (!existsSync(file)) {
    results.push({ bench: bench.name, skipped: `bench/${bench.name}.mjs is not in this checkout` });
    continue;
  }
  if (bench.docker && dockerReason) {
    results.push({ bench: bench.name, skipped: dockerReason });
    log(`bench: ${bench.name} skipped: ${dockerReason}`);
    continue;
  }
  log(`bench: ${bench.name} — ${bench.what}`);
  const started = Date.now();
  const { code, report, error } = await runBench(file);
  const seconds = Math.round((Date.now() - started) / 1000);
  if (error) results.push({ bench: bench.name, error, seconds });
  else if (report.skipped) results.push({ bench: bench.name, skipped: report.skipped, seconds });
  else if (!tableOf(report)) results.push({ bench: bench.name, error: `exit ${code}, and its JSON has no "table" (see bench/lib/rows.mjs)`, seconds });
  else results.push({ bench: bench.name, table: tableOf(report), exitCode: code, seconds, report });
}

const rows = results.flatMap((r) => r.table ?? []);
const missed = rows.filter((row) => summarize(row).pass === false);
const failed = results.filter((r) => r.error);
const info = await machine();

if (asJson) {
  console.log(JSON.stringify({ schemaVersion: 1, runs, machine: info, results, ok: !failed.length && !missed.length }, null, 2));
} else {
  console.log(`Benchmarks: ${runs} runs each; min / median / max of the per-run figure; verdict on the median.`);
  console.log(`Machine: ${info.cores} cores (${info.cpu}), ${info.memoryGiB} GiB, Linux ${info.kernel}, Node ${info.node}, Docker ${info.engine || 'none'}, ${info.compose}, ${info.wrk}; load average ${info.loadAverage}`);
  console.log('');
  console.log(args.includes('--markdown') ? renderMarkdown(rows) : renderTable(rows));
  for (const r of results) {
    if (r.skipped) console.log(`\n${r.bench}: skipped: ${r.skipped}`);
    if (r.error) console.log(`\n${r.bench}: FAILED: ${r.error}`);
  }
}
process.exitCode = failed.length || missed.length ? 1 : 0;
