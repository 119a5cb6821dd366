// wrk (Debian's `wrk` package) as the load generator, in its own process: C and epoll, so it takes
// far less of a 2-core machine than a JavaScript generator, and it reports latency in microseconds
// (autocannon's histogram has 1 ms resolution, too coarse for a sub-millisecond upstream).
//
// The request (method, body, headers with the key) lives in a Lua script written at mode 600, so the
// key never appears in wrk's arguments. The script's done() prints one JSON line with the figures.
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './stack.mjs';

export async function wrkUnavailableReason() {
  const probe = await run('wrk', ['--version'], { timeoutMs: 10_000 }).catch(() => null);
  // wrk --version prints its banner and exits 1; a missing binary rejects (ENOENT).
  if (!probe || !/wrk/.test(probe.stdout + probe.stderr)) return 'wrk is not installed (Debian: apt-get install -y wrk)';
  return null;
}

/** A Lua long string that cannot be closed by the value. */
export function luaString(value) {
  let eq = '=';
  while (value.includes(`]${eq}]`)) eq += '=';
  return `[${eq}[${value}]${eq}]`;
}

/**
 * `delayMs`: each connection waits that long after an answer before its next request (a paced load).
 * @param {{method: string, body?: string, headers: Record<string, string>, delayMs?: number}} request
 */
export function luaScript({ method, body, headers, delayMs }) {
  const lines = [`wrk.method = ${luaString(method)}`];
  if (delayMs !== undefined) lines.push(`delay = function() return ${Math.max(0, Math.round(delayMs))} end`);
  if (body !== undefined) lines.push(`wrk.body = ${luaString(body)}`);
  // The spaces matter: "[[" would open a Lua long string.
  for (const [k, v] of Object.entries(headers)) lines.push(`wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`);
  lines.push(
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"p50Us":%d,"p90Us":%d,"p99Us":%d,"maxUs":%d}\\n\',',
    '    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

/**
 * One wrk run. Throws when any response was not 2xx/3xx or a connection failed: a proxy that
 * answers errors fast must not look fast. (Requests slower than 10 s count in errors.timeout.)
 * @returns {Promise<{rps: number, p50Ms: number, p90Ms: number, p99Ms: number, maxMs: number, requests: number, errors: object}>}
 */
export async function wrkRun({ url, method = 'GET', body, headers = {}, connections = 64, durationS = 10, threads = 1, delayMs, scratchDir }) {
  const script = join(scratchDir, `wrk-${process.pid}-${Math.random().toString(36).slice(2)}.lua`);
  await writeFile(script, luaScript({ method, body, headers, delayMs }), { mode: 0o600 });
  try {
    const res = await run('wrk', ['-t', String(threads), '-c', String(connections), '-d', `${durationS}s`, '--timeout', '10s', '-s', script, url], {
      timeoutMs: (durationS + 60) * 1000,
    });
    const line = res.stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (res.code !== 0 || !line) throw new Error(`wrk ${url} failed (exit ${res.code}): ${(res.stderr || res.stdout).trim()}`);
    const r = JSON.parse(line.slice('WRK_JSON '.length));
    if (r.errors.status > 0 || r.errors.connect > 0) {
      throw new Error(`wrk ${url}: ${r.errors.status} non-2xx/3xx responses, ${r.errors.connect} connect errors of ${r.requests} requests`);
    }
    // Nothing completed (every request slower than the run, on a starved machine): 0 req/s, and no
    // latency figures rather than wrk's empty-histogram zeros.
    const latency = (us) => (r.requests > 0 ? us / 1000 : NaN);
    return {
      rps: r.requests / (r.durationUs / 1e6),
      p50Ms: latency(r.p50Us),
      p90Ms: latency(r.p90Us),
      p99Ms: latency(r.p99Us),
      maxMs: latency(r.maxUs),
      requests: r.requests,
      errors: r.errors,
    };
  } finally {
    await rm(script, { force: true });
  }
}
