#!/usr/bin/env node
/**
 * Cold-start benchmark: `ai-gateway --version`, `--help` and `setup --yes --ports random --dir <tmp>` against a
 * bare `node -e 0`, interleaved in one run (so machine load hits every command alike), N rounds,
 * median wall time per command and its ratio to bare Node.
 *
 *   node bench/cold-start.mjs [--rounds 20] [--json]      (--runs is an alias of --rounds)
 *
 * --json prints the document bench/run.mjs reads (bench/lib/rows.mjs): one row per command with
 * one sample per round (that round's ratio to bare Node), so the verdict is on the median ratio.
 * Targets (issue 11: the platform's own modules, honestly measured): --version <= 1.3x bare node,
 * --help <= 1.5x, setup --yes --ports random <= 3.5x. Exit code 1 when a target is missed. Needs a build (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'ai-gateway.js');
const args = process.argv.slice(2);
const flag = (name) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : NaN);
const rounds = flag('--rounds') || flag('--runs') || Number(process.env.BENCH_ROUNDS) || 20;
const json = args.includes('--json');
const WARMUP = 2; // fills Node's compile cache, as any second run of the CLI would find it

if (!existsSync(join(root, 'dist', 'cli.js'))) {
  console.error('dist/ is missing: run "npm run build" first.');
  process.exit(2);
}

const scratch = mkdtempSync(join(tmpdir(), 'aigw-bench-'));
let setupRun = 0;

const env = { ...process.env, NO_COLOR: '1', CI: '' };
const commands = [
  { name: 'node -e 0', argv: ['-e', '0'] },
  { name: 'ai-gateway --version', argv: [bin, '--version'], target: 1.3 },
  { name: 'ai-gateway --help', argv: [bin, '--help'], target: 1.5 },
  {
    // --ports random: free ports in 49152-65535, so the run succeeds on a busy machine too.
    name: 'ai-gateway setup --yes --ports random',
    argv: () => [bin, 'setup', '--yes', '--ports', 'random', '--dir', join(scratch, `gw-${setupRun++}`)],
    target: 3.5,
  },
];

function timeOnce(command) {
  const argv = typeof command.argv === 'function' ? command.argv() : command.argv;
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${command.name} exited ${result.status}: ${result.stderr}`);
  return ms;
}

/** Per round: each command's wall time, taken in the same round as the bare-Node baseline. */
const samples = new Map(commands.map((c) => [c.name, []]));
try {
  for (let round = 0; round < rounds + WARMUP; round++) {
    // Rotate the order each round so no command always runs right after another.
    const order = commands.map((_, i) => commands[(i + round) % commands.length]);
    for (const command of order) {
      const ms = timeOnce(command);
      if (round >= WARMUP) samples.get(command.name).push(ms);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const base = samples.get('node -e 0');
const rows = commands.map((c) => {
  const ms = samples.get(c.name);
  const ratios = ms.map((value, i) => value / base[i]);
  const ratio = median(ratios);
  return { command: c.name, medianMs: Number(median(ms).toFixed(1)), ratio: Number(ratio.toFixed(2)), target: c.target ?? null, ok: c.target === undefined || ratio <= c.target, ms, ratios };
});

if (json) {
  const table = rows.flatMap((r) => [
    ...(r.target === null ? [] : [{ bench: 'cold-start', metric: `${r.command} ÷ node -e 0`, unit: 'ratio', samples: r.ratios, target: { op: '<=', value: r.target } }]),
    { bench: 'cold-start', metric: `${r.command} (wall)`, unit: 'ms', samples: r.ms },
  ]);
  console.log(JSON.stringify({ bench: 'cold-start', node: process.version, rounds, table }, null, 2));
} else {
  console.log(`Cold start, ${rounds} interleaved rounds (+${WARMUP} warm-up), Node ${process.version}; medians of wall time and of the per-round ratio:`);
  for (const r of rows) {
    const target = r.target === null ? 'baseline' : `target <= ${r.target}x ${r.ok ? 'ok' : 'MISSED'}`;
    console.log(`  ${r.command.padEnd(24)} ${String(r.medianMs).padStart(7)} ms  ${r.ratio.toFixed(2)}x  (${target})`);
  }
}
process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
