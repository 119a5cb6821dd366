#!/usr/bin/env node
/**
 * `ai-gateway backup` and `restore` against raw pg_dump / pg_restore, on the real stack (test
 * images, real Docker engine and PostgreSQL), with a generated database the size of a busy team's:
 * 10,000 virtual keys and 100,000 spend-log rows (LiteLLM's LiteLLM_SpendLogs columns).
 *
 * Per run, alternating so machine load hits both alike:
 *   A. `ai-gateway backup --output F` (pg_dump -Fc in the container, Open WebUI's volume, files,
 *      sha256 of each part, one tar);  B. `docker exec postgres pg_dump -Fc > F` alone.
 *   A. `ai-gateway restore F --yes` (checks every checksum, stops the app services, pg_restore
 *      --clean --if-exists in one transaction, the volume);  B. `docker exec -i postgres pg_restore
 *      --clean --if-exists --single-transaction < F` alone.
 * Targets: backup / pg_dump <= 1.2x, restore / pg_restore <= 1.2x (medians). Also: the archive size.
 *
 *   node bench/backup.mjs [--runs 5] [--json] [--keep]
 *
 * --keep leaves the seeded gateway running afterwards (its directory is printed) for a closer look,
 * e.g. `ai-gateway backup --verbose --dir DIR`; remove it with `ai-gateway stop --volumes --yes --dir DIR`.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { argValue, median, renderTable } from './lib/rows.mjs';
import { dockerUnavailableReason, dockerVersions, ROOT, run, startBenchStack } from './lib/stack.mjs';

const args = process.argv.slice(2);
const runs = Number(argValue(args, '--runs', process.env.BENCH_RUNS ?? '5')) || 5;
const json = args.includes('--json');
const keep = args.includes('--keep');
const BIN = join(ROOT, 'bin', 'ai-gateway.js');
const KEYS = Number(process.env.BENCH_BACKUP_KEYS ?? 10_000);
const SPEND_ROWS = Number(process.env.BENCH_BACKUP_SPEND_ROWS ?? 100_000);
const log = (line) => process.stderr.write(`${line}\n`);

function emit(doc) {
  if (json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  else if (doc.skipped) console.log(`backup: skipped (${doc.skipped})`);
  else console.log(renderTable(doc.table));
}

if (!existsSync(join(ROOT, 'dist', 'cli.js'))) {
  console.error('dist/ is missing: run "npm run build" first.');
  process.exit(2);
}
const unavailable = await dockerUnavailableReason();
if (unavailable) {
  emit({ bench: 'backup', table: [], skipped: unavailable });
  process.exit(0);
}

/** Spend-log rows of upstream's shape (schema.prisma LiteLLM_SpendLogs), with realistic payload sizes. */
const SEED_SQL = `
CREATE TABLE IF NOT EXISTS "LiteLLM_SpendLogs" (
  request_id text PRIMARY KEY, call_type text NOT NULL, api_key text NOT NULL DEFAULT '', spend double precision NOT NULL DEFAULT 0,
  total_tokens integer NOT NULL DEFAULT 0, prompt_tokens integer NOT NULL DEFAULT 0, completion_tokens integer NOT NULL DEFAULT 0,
  "startTime" timestamp(3) NOT NULL, "endTime" timestamp(3) NOT NULL, "completionStartTime" timestamp(3),
  model text NOT NULL DEFAULT '', model_id text DEFAULT '', model_group text DEFAULT '', custom_llm_provider text DEFAULT '',
  api_base text DEFAULT '', "user" text DEFAULT '', metadata jsonb DEFAULT '{}', cache_hit text DEFAULT '', cache_key text DEFAULT '',
  request_tags jsonb DEFAULT '[]', team_id text, end_user text, requester_ip_address text, messages jsonb DEFAULT '{}',
  response jsonb DEFAULT '{}', session_id text, status text, proxy_server_request jsonb DEFAULT '{}');
CREATE INDEX IF NOT EXISTS spendlogs_start ON "LiteLLM_SpendLogs" ("startTime");
CREATE INDEX IF NOT EXISTS spendlogs_key ON "LiteLLM_SpendLogs" (api_key);
INSERT INTO "LiteLLM_VerificationToken" (token, key_name, key_alias, spend, models, metadata, max_budget, budget_duration)
  SELECT encode(sha256(('bench-key-' || i)::bytea), 'hex'), 'sk-...' || lpad(i::text, 4, '0'), 'bench-' || i, random() * 10,
         ARRAY['gpt-4o-mini'], jsonb_build_object('team', 'bench', 'owner', 'user' || (i % 97)), 25, '30d'
  FROM generate_series(1, ${KEYS}) AS i;
INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, total_tokens, prompt_tokens, completion_tokens, "startTime", "endTime",
  "completionStartTime", model, model_group, custom_llm_provider, api_base, "user", metadata, cache_hit, request_tags, status, proxy_server_request)
  SELECT 'chatcmpl-' || md5(i::text), 'acompletion', encode(sha256(('bench-key-' || (i % ${KEYS} + 1))::bytea), 'hex'), random() / 100,
         300 + i % 900, 200 + i % 600, 100 + i % 300, now() - (i || ' seconds')::interval, now() - (i || ' seconds')::interval + interval '2 seconds',
         now() - (i || ' seconds')::interval + interval '300 milliseconds', 'gpt-4o-mini', 'gpt-4o-mini', 'openai', 'https://api.openai.com/v1', 'user' || (i % 97),
         jsonb_build_object('user_api_key_alias', 'bench-' || (i % ${KEYS} + 1), 'user_api_key_team_id', 'bench', 'requester_ip_address', '10.0.0.' || (i % 250),
                            'spend_logs_metadata', jsonb_build_object('trace', md5((i * 7)::text))),
         'False', '["bench"]', 'success', jsonb_build_object('model', 'gpt-4o-mini', 'messages', jsonb_build_array(jsonb_build_object('role', 'user', 'content', repeat('lorem ipsum ', 20))))
  FROM generate_series(1, ${SPEND_ROWS}) AS i;
ANALYZE;`;

/** Runs a program with stdin from / stdout to a file, timing it (seconds). */
function timed(file, argv, { stdinFile, stdoutFile, env } = {}) {
  return new Promise(async (resolve, reject) => {
    const stdin = stdinFile ? await open(stdinFile, 'r') : null;
    const stdout = stdoutFile ? await open(stdoutFile, 'w', 0o600) : null;
    const started = process.hrtime.bigint();
    const child = spawn(file, argv, { stdio: [stdin ? stdin.fd : 'ignore', stdout ? stdout.fd : 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', CI: '1', ...env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout?.on('data', () => {});
    child.on('error', reject);
    child.on('close', async (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      await stdin?.close();
      await stdout?.close();
      if (code !== 0) reject(new Error(`${file} ${argv.slice(0, 4).join(' ')} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      else resolve(seconds);
    });
  });
}

log(`backup: starting a gateway, then ${KEYS} keys and ${SPEND_ROWS} spend rows`);
const stack = await startBenchStack({ log });
const work = await mkdtemp(join(tmpdir(), 'aigw-bench-backup-'));
try {
  const pg = await stack.container('postgres');
  const user = stack.env.POSTGRES_USER;
  const db = stack.env.POSTGRES_DB;
  const seeded = await run('docker', ['exec', '-i', pg, 'psql', '-q', '-v', 'ON_ERROR_STOP=1', '-U', user, '-d', db], { input: SEED_SQL, timeoutMs: 600_000 });
  if (seeded.code !== 0) throw new Error(`seeding failed: ${seeded.stderr.trim()}`);
  const size = (await run('docker', ['exec', pg, 'psql', '-tA', '-U', user, '-d', db, '-c', 'SELECT pg_size_pretty(pg_database_size(current_database()))'])).stdout.trim();
  log(`backup: database is ${size}`);

  const samples = { backup: [], dump: [], restore: [], pgRestore: [] };
  let archiveBytes = 0;
  let dumpBytes = 0;
  for (let i = 0; i < runs; i++) {
    const archive = join(work, `a-${i}.tar`);
    const dump = join(work, `b-${i}.pgdump`);
    const pair = [
      async () => samples.backup.push(await timed(process.execPath, [BIN, 'backup', '--dir', stack.dir, '--output', archive])),
      async () => samples.dump.push(await timed('docker', ['exec', pg, 'pg_dump', '--format=custom', '-U', user, '-d', db], { stdoutFile: dump })),
    ];
    for (const step of i % 2 ? pair.reverse() : pair) await step();
    archiveBytes = statSync(archive).size;
    dumpBytes = statSync(dump).size;
    const restorePair = [
      async () => samples.restore.push(await timed(process.execPath, [BIN, 'restore', archive, '--yes', '--dir', stack.dir])),
      async () =>
        samples.pgRestore.push(
          await timed('docker', ['exec', '-i', pg, 'pg_restore', '--clean', '--if-exists', '--no-owner', '--no-privileges', '--single-transaction', '-U', user, '-d', db], { stdinFile: dump }),
        ),
    ];
    for (const step of i % 2 ? restorePair.reverse() : restorePair) await step();
    log(`backup: run ${i + 1}/${runs}: backup ${samples.backup[i].toFixed(2)} s vs pg_dump ${samples.dump[i].toFixed(2)} s; restore ${samples.restore[i].toFixed(2)} s vs pg_restore ${samples.pgRestore[i].toFixed(2)} s`);
    await rm(archive, { force: true });
    await rm(dump, { force: true });
  }
  const ratio = (a, b) => a.map((x, i) => x / b[i]);
  const note = `${KEYS} keys, ${SPEND_ROWS} spend rows, database ${size}; archive ${(archiveBytes / 1048576).toFixed(1)} MiB, raw dump ${(dumpBytes / 1048576).toFixed(1)} MiB`;
  const table = [
    { bench: 'backup', metric: 'ai-gateway backup', unit: 's', samples: samples.backup, note },
    { bench: 'backup', metric: 'pg_dump -Fc alone (reference)', unit: 's', samples: samples.dump, note },
    { bench: 'backup', metric: 'backup / pg_dump', unit: 'ratio', samples: ratio(samples.backup, samples.dump), target: { op: '<=', value: 1.2 }, note },
    { bench: 'backup', metric: 'ai-gateway restore --yes', unit: 's', samples: samples.restore, note },
    { bench: 'backup', metric: 'pg_restore --clean --single-transaction alone (reference)', unit: 's', samples: samples.pgRestore, note },
    { bench: 'backup', metric: 'restore / pg_restore', unit: 'ratio', samples: ratio(samples.restore, samples.pgRestore), target: { op: '<=', value: 1.2 }, note },
  ];
  log(`backup: ${note}`);
  emit({ bench: 'backup', table, details: { runs, keys: KEYS, spendRows: SPEND_ROWS, databaseSize: size, archiveBytes, dumpBytes, ...(await dockerVersions()) } });
  process.exitCode = median(table[2].samples) <= 1.2 && median(table[5].samples) <= 1.2 ? 0 : 1;
} finally {
  if (keep) log(`backup: --keep: the gateway stays up in ${stack.dir} (remove it: node bin/ai-gateway.js stop --volumes --yes --dir ${stack.dir})`);
  else await stack.down().catch(() => {});
  await rm(work, { recursive: true, force: true });
}
