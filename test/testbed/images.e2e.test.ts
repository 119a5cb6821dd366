// The test images on a real Docker engine: PostgreSQL behaves like postgres:16, the LiteLLM
// stand-in keeps hashed keys in it across restarts and reports a lost DB, and the broken
// variants fail the way they should. Needs Docker (and root for the first base-image build).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDockerEngine, run } from './engine.mjs';
import { ensureTestImages } from './images.mjs';

const engine = await ensureDockerEngine({ log: (line) => console.log(`[engine] ${line}`) });
if (!engine.ok) console.warn(`[images.e2e] skipping: no Docker engine (${engine.reason})`);
const describeDocker = engine.ok ? describe : describe.skip;

const RUN_ID = `aigw-e2e-${randomBytes(4).toString('hex')}`;
const NETWORK = `${RUN_ID}-net`;
const PG_VOLUME = `${RUN_ID}-pgdata`;
const PG = `${RUN_ID}-db`;
const LITELLM = `${RUN_ID}-litellm`;
const MASTER = `sk-${randomBytes(24).toString('hex')}`;
const DB_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;
const created: { containers: string[]; networks: string[]; volumes: string[] } = { containers: [], networks: [], volumes: [] };

type Images = Awaited<ReturnType<typeof ensureTestImages>>;
let images: Images;

async function docker(...args: string[]): Promise<string> {
  const res = await run('docker', args, { timeoutMs: 120_000 });
  if (res.code !== 0) throw new Error(`docker ${args.join(' ')} failed (${res.code}): ${res.stderr || res.stdout}`);
  return res.stdout.trim();
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

const health = (name: string) => docker('inspect', '--format', '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}', name);

async function hostUrl(container: string, port: number): Promise<string> {
  const mapping = (await docker('port', container, `${port}/tcp`)).split('\n')[0]!; // "127.0.0.1:49153"
  return `http://${mapping}`;
}

async function http(url: string, init: RequestInit & { key?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.key) headers.authorization = `Bearer ${init.key}`;
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
}

async function startPostgres() {
  await docker(
    'run', '-d', '--name', PG, '--network', NETWORK,
    '-e', 'POSTGRES_USER=litellm', '-e', `POSTGRES_PASSWORD=${DB_PASSWORD}`, '-e', 'POSTGRES_DB=litellm',
    '-v', `${PG_VOLUME}:/var/lib/postgresql/data`,
    // Over TCP: the first-boot init server listens on the socket only, so a socket check passes too early.
    '--health-cmd', 'pg_isready -h 127.0.0.1 -p 5432 -U litellm -d litellm', '--health-interval', '1s', '--health-timeout', '5s', '--health-retries', '30',
    images.postgres,
  );
  created.containers.push(PG);
}

async function startLiteLLM(name: string, image: string, extraEnv: string[] = []) {
  await docker(
    'run', '-d', '--name', name, '--network', NETWORK, '-p', '127.0.0.1::4000',
    '-e', `LITELLM_MASTER_KEY=${MASTER}`, '-e', `LITELLM_SALT_KEY=sk-${randomBytes(16).toString('hex')}`,
    '-e', `DATABASE_URL=postgresql://litellm:${DB_PASSWORD}@${PG}:5432/litellm`, '-e', 'STORE_MODEL_IN_DB=True',
    '-e', 'STANDIN_BOOT_DELAY_MS=1500',
    ...extraEnv.flatMap((e) => ['-e', e]),
    '--health-cmd', `python3 -c "import urllib.request; urllib.request.urlopen('http://localhost:4000/health/liveliness', timeout=2)"`,
    '--health-interval', '1s', '--health-timeout', '3s', '--health-retries', '60',
    image, '--port', '4000', '--num_workers', '2',
  );
  created.containers.push(name);
}

describeDocker('test images on a real Docker engine', () => {
  beforeAll(async () => {
    images = await ensureTestImages({ log: (line) => console.log(`[images] ${line}`) });
    await docker('network', 'create', NETWORK);
    created.networks.push(NETWORK);
    await docker('volume', 'create', PG_VOLUME);
    created.volumes.push(PG_VOLUME);
    await startPostgres();
  });

  afterAll(async () => {
    // Pass or fail, leave nothing behind (leftovers hold ports and come back with dockerd).
    for (const c of created.containers) await run('docker', ['rm', '-f', '-v', c], { timeoutMs: 60_000 });
    for (const n of created.networks) await run('docker', ['network', 'rm', n], { timeoutMs: 30_000 });
    for (const v of created.volumes) await run('docker', ['volume', 'rm', '-f', v], { timeoutMs: 30_000 });
  });

  it('runs PostgreSQL like postgres:16: healthy via pg_isready, as the postgres user, with password auth over TCP', async () => {
    await waitFor('postgres healthy', async () => ((await health(PG)) === 'healthy' ? true : undefined));
    expect(await docker('exec', PG, 'ps', '-o', 'user=', '-p', '1')).toBe('postgres');
    const viaTcp = await docker('exec', '-e', `PGPASSWORD=${DB_PASSWORD}`, PG, 'psql', '-h', '127.0.0.1', '-U', 'litellm', '-d', 'litellm', '-tAc', 'select current_user');
    expect(viaTcp).toBe('litellm');
    const wrong = await run('docker', ['exec', '-e', 'PGPASSWORD=wrong', PG, 'psql', '-h', '127.0.0.1', '-U', 'litellm', '-d', 'litellm', '-c', 'select 1']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/password authentication failed/);
  });

  it('boots the LiteLLM stand-in: port closed during "migrations", then healthy via the python3 healthcheck', async () => {
    await startLiteLLM(LITELLM, images.litellm);
    const url = await hostUrl(LITELLM, 4000);
    const early = await fetch(`${url}/health/liveliness`, { signal: AbortSignal.timeout(2000) }).then((r) => r.status, () => 'refused');
    expect(early).not.toBe(200); // docker-proxy accepts, then drops: the proxy is still "migrating"
    await waitFor('litellm healthy', async () => ((await health(LITELLM)) === 'healthy' ? true : undefined));
    expect((await run('docker', ['exec', LITELLM, 'sh', '-c', 'command -v curl || command -v wget'])).code).not.toBe(0);
    const ready = await http(`${url}/health/readiness`);
    expect([ready.status, ready.json]).toEqual([200, { status: 'healthy', db: 'connected' }]);
    expect((await http(`${url}/openapi.json`)).json.info.title).toBe('LiteLLM API');
  });

  it('stores keys hashed in LiteLLM_VerificationToken and keeps them across a container restart', async () => {
    let url = await hostUrl(LITELLM, 4000);
    const gen = await http(`${url}/key/generate`, { method: 'POST', key: MASTER, body: JSON.stringify({ key_alias: 'survivor', models: [] }) });
    expect(gen.status).toBe(200);
    const rawKey: string = gen.json.key;
    const hash = createHash('sha256').update(rawKey).digest('hex');
    expect(gen.json.token).toBe(hash);

    const rows = await docker('exec', PG, 'psql', '-U', 'litellm', '-d', 'litellm', '-tAc', `select token || '|' || key_alias from "LiteLLM_VerificationToken"`);
    expect(rows.split('\n')).toContain(`${hash}|survivor`);
    const dump = await docker('exec', PG, 'pg_dump', '-U', 'litellm', '-d', 'litellm', '--data-only');
    expect(dump).not.toContain(rawKey); // only the hash is stored

    await docker('restart', '-t', '10', LITELLM);
    url = await hostUrl(LITELLM, 4000);
    await waitFor('litellm ready after restart', async () => ((await http(`${url}/health/readiness`).catch(() => undefined))?.status === 200 ? true : undefined));
    const info = await http(`${url}/key/info`, { key: rawKey });
    expect(info.status).toBe(200);
    expect(info.json.info.key_alias).toBe('survivor');
    expect((await http(`${url}/key/list?key_alias=survivor`, { key: MASTER })).json.keys).toEqual([hash]);
  });

  it('reports readiness 503 within seconds of PostgreSQL stopping, and recovers when it is back', async () => {
    const url = await hostUrl(LITELLM, 4000);
    await docker('stop', '-t', '10', PG);
    const down = await waitFor('readiness 503', async () => {
      const res = await http(`${url}/health/readiness`);
      return res.status === 503 ? res : undefined;
    }, 15_000);
    expect(down.json).toEqual({ status: 'healthy', db: 'disconnected' });
    expect((await http(`${url}/health/liveliness`)).status).toBe(200); // liveness does not depend on the DB

    await docker('start', PG);
    await waitFor('readiness back to 200', async () => ((await http(`${url}/health/readiness`)).status === 200 ? true : undefined), 30_000);
    const list = await http(`${url}/key/list?key_alias=survivor`, { key: MASTER });
    expect(list.json.total_count).toBe(1); // the data survived the PostgreSQL restart
  });

  it('builds an exit-after-boot variant that dies with code 3 and a P1001 line', async () => {
    const name = `${RUN_ID}-exit`;
    await startLiteLLM(name, images.litellmExitAfterBoot, ['STANDIN_BOOT_DELAY_MS=300']);
    const state = await waitFor('exit', async () => {
      const s = await docker('inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', name);
      return s.startsWith('exited') ? s : undefined;
    }, 30_000);
    expect(state).toBe('exited 3');
    const logs = await run('docker', ['logs', name]);
    expect(logs.stderr).toMatch(/P1001: Can't reach database server/);
  });

  it('builds a never-ready variant whose healthcheck never passes', async () => {
    const name = `${RUN_ID}-wedged`;
    await startLiteLLM(name, images.litellmNeverReady, ['STANDIN_BOOT_DELAY_MS=300']);
    await new Promise((r) => setTimeout(r, 5000));
    expect(await docker('inspect', '--format', '{{.State.Status}}', name)).toBe('running');
    expect(await health(name)).not.toBe('healthy');
    const probe = await run('docker', ['exec', name, 'python3', '-c', "import urllib.request; urllib.request.urlopen('http://localhost:4000/health/liveliness', timeout=2)"]);
    expect(probe.code).not.toBe(0);
  });

  it('stops the stand-in containers promptly on SIGTERM', async () => {
    const started = Date.now();
    await docker('stop', '-t', '10', LITELLM);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await docker('inspect', '--format', '{{.State.ExitCode}}', LITELLM)).toBe('0');
  });

  it('runs Nginx like nginx:alpine, new enough for upstream resolve: workers as nginx, wget but no curl, logs to stdout, conf.d included', async () => {
    const name = `${RUN_ID}-nginx`;
    await docker('run', '-d', '--name', name, '--network', NETWORK, '-p', '127.0.0.1::80', images.nginx);
    created.containers.push(name);
    const version = /nginx\/(\d+)\.(\d+)\.(\d+)/.exec((await run('docker', ['exec', name, 'nginx', '-v'])).stderr);
    expect(version).not.toBeNull();
    const [major, minor, patch] = (version ?? []).slice(1).map(Number) as [number, number, number];
    expect(major * 1_000_000 + minor * 1000 + patch).toBeGreaterThanOrEqual(1_027_003);
    const base = await hostUrl(name, 80);
    const page = await waitFor('the default page', async () => {
      const res = await fetch(`${base}/`).catch(() => undefined);
      return res?.ok ? res.text() : undefined;
    });
    expect(page).toContain('Welcome to nginx!');
    expect(await docker('exec', name, 'sh', '-c', 'ps -o user= -C nginx 2>/dev/null || for p in /proc/[0-9]*; do [ "$(cat $p/comm)" = nginx ] && stat -c %U $p; done')).toMatch(/nginx/);
    expect((await run('docker', ['exec', name, 'sh', '-c', 'command -v wget'])).code).toBe(0);
    expect((await run('docker', ['exec', name, 'sh', '-c', 'command -v curl'])).code).not.toBe(0);
    await waitFor('the access log line on stdout', async () => ((await run('docker', ['logs', name])).stdout.includes('"GET / HTTP/1.1" 200') ? true : undefined), 10_000);
  });
});
