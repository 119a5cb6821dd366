import { execFile } from 'node:child_process';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../core/errors.js';
import { createTestContext, type TestContext } from '../../testing/context.js';
import { DoctorDocker, healthyContainers, TEST_POSTGRES_PASSWORD, TEST_UI_PASSWORD, writeGatewayFixture, type EngineFacts, type GatewayFixtureOptions } from '../../testing/doctor-fixtures.js';
import { FakeDocker, type FakeContainer } from '../../testing/fake-docker.js';
import { startStandin, TEST_MASTER_KEY, TEST_MODELS, TEST_SALT_KEY, type Standin } from '../../testing/litellm.js';
import { ALL_CHECKS } from './checks/index.js';
import { githubAnnotations, optionsSchema, outcome, render, run, type DoctorResult } from './doctor.handler.js';

let standin: Standin;
let virtualKey: string;

beforeAll(async () => {
  standin = await startStandin({ masterKey: TEST_MASTER_KEY, models: TEST_MODELS });
  const response = await fetch(`${standin.url}/key/generate`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_MASTER_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ key_alias: 'doctor-test' }),
  });
  virtualKey = ((await response.json()) as { key: string }).key;
});
afterAll(() => standin.close());

interface Scenario {
  fixture?: Partial<GatewayFixtureOptions>;
  containers?: (fixture: GatewayFixtureOptions) => FakeContainer[];
  daemon?: 'up' | 'down' | 'denied' | 'missing';
  compose?: { kind: 'plugin' | 'standalone'; version: string } | null;
  facts?: EngineFacts;
  env?: NodeJS.ProcessEnv;
  json?: boolean;
}

async function scenario(s: Scenario = {}): Promise<{ ctx: TestContext; engine: FakeDocker; dir: string; fixture: GatewayFixtureOptions }> {
  const fixture: GatewayFixtureOptions = { litellmPort: standin.port, virtualKey, ...s.fixture };
  const dir = await writeGatewayFixture(fixture);
  const engine = new FakeDocker({
    daemon: s.daemon ?? 'up',
    compose: s.compose === undefined ? { kind: 'plugin', version: '2.29.1' } : s.compose,
    containers: (s.containers ?? healthyContainers)(fixture),
  });
  const ctx = createTestContext({ dir, docker: new DoctorDocker(engine, s.facts), env: s.env ?? {}, json: s.json ?? false });
  return { ctx, engine, dir, fixture };
}

const byId = (result: DoctorResult, id: string) => {
  const found = result.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in the report`);
  return found;
};

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const SECRETS = [TEST_MASTER_KEY, TEST_SALT_KEY, TEST_POSTGRES_PASSWORD, TEST_UI_PASSWORD];

describe('doctor on a healthy stack', () => {
  it('passes every check, reports each id once, exits 0 and prints no secret', async () => {
    const { ctx } = await scenario();
    const result = await run(ctx, optionsSchema.parse({}));
    const failed = result.checks.filter((c) => c.status === 'fail');
    expect(failed).toEqual([]);
    expect(result.checks.map((c) => c.id)).toEqual(ALL_CHECKS.map((c) => c.id));
    expect(outcome(result)).toEqual({ ok: true, exitCode: 0 });
    expect(byId(result, 'stack.containers')).toMatchObject({ status: 'ok', finding: expect.stringContaining('3/3 services running and healthy') });
    expect(byId(result, 'api.readiness')).toMatchObject({ status: 'ok', finding: expect.stringContaining('database connected') });
    expect(byId(result, 'api.openapi')).toMatchObject({ status: 'ok', finding: expect.stringMatching(/OpenAPI 3\.\d+\.\d+, .* \d+ paths/) });
    expect(byId(result, 'api.models-direct')).toMatchObject({ status: 'ok', finding: expect.stringContaining('2 models (gpt-4o-mini, claude-haiku)') });
    expect(byId(result, 'api.models-nginx')).toMatchObject({ status: 'skipped', finding: 'Skipped: Nginx is not used (USE_NGINX=no)' });
    expect(byId(result, 'files.gitignore').status).toBe('skipped'); // a temp dir is not a repository
    ctx.out.result('doctor', result, render, outcome(result).ok);
    const printed = ctx.captured.all();
    for (const secret of [...SECRETS, virtualKey]) expect(printed).not.toContain(secret);
    expect(printed).toMatch(/^Environment\n {2}✔ docker command: docker client/m);
    expect(printed).toMatch(/✔ \d+ ok, 0 warnings, 0 failed, \d+ skipped\./);
  });

  it('--json is one versioned document with one entry per check and a summary', async () => {
    const { ctx } = await scenario({ json: true });
    const result = await run(ctx, optionsSchema.parse({}));
    ctx.out.result('doctor', result, render, outcome(result).ok);
    const doc = JSON.parse(ctx.captured.stdout.join('')) as { schemaVersion: number; ok: boolean; checks: Record<string, unknown>[]; summary: Record<string, number> };
    expect(doc.schemaVersion).toBe(1);
    expect(doc.ok).toBe(true);
    expect(doc.checks).toHaveLength(ALL_CHECKS.length);
    for (const check of doc.checks) expect(Object.keys(check).sort()).toEqual(['details', 'finding', 'fix', 'group', 'id', 'status', 'title']);
    const total = Object.values(doc.summary).reduce((a, b) => a + b, 0);
    expect(total).toBe(ALL_CHECKS.length);
  });
});

describe('doctor: environment', () => {
  it('without the docker command: environment.docker fails and everything needing Docker is skipped, exit 6', async () => {
    const { ctx } = await scenario({ daemon: 'missing' });
    const result = await run(ctx, optionsSchema.parse({}));
    expect(byId(result, 'environment.docker')).toMatchObject({ status: 'fail', finding: 'The "docker" command is not on PATH.', fix: expect.stringContaining('Install Docker Engine') });
    for (const id of ['environment.daemon', 'environment.compose', 'stack.containers', 'api.readiness']) {
      expect(byId(result, id).status, id).toBe('skipped');
    }
    expect(byId(result, 'files.env').status).toBe('ok'); // files are still checked
    expect(outcome(result)).toEqual({ ok: false, exitCode: ExitCode.checksFailed });
  });

  it('with the daemon down: environment.daemon fails with the cause and the fix; stack and API are skipped', async () => {
    const { ctx } = await scenario({ daemon: 'down' });
    const result = await run(ctx, optionsSchema.parse({}));
    expect(byId(result, 'environment.daemon')).toMatchObject({ status: 'fail', finding: expect.stringContaining('not running or not reachable'), fix: expect.stringContaining('systemctl start docker'), details: { code: 'DOCKER_DAEMON_UNREACHABLE' } });
    expect(byId(result, 'stack.containers')).toMatchObject({ status: 'skipped', finding: 'Skipped: environment.daemon failed.' });
    expect(byId(result, 'api.logs').status).toBe('skipped');
  });

  it('Compose v1 is a warning naming the v2 plugin; no Compose at all fails', async () => {
    const v1 = await run((await scenario({ compose: { kind: 'standalone', version: '1.29.2' } })).ctx, optionsSchema.parse({ check: 'environment.compose' }));
    expect(v1.checks).toEqual([expect.objectContaining({ id: 'environment.compose', status: 'warn', finding: expect.stringContaining('docker-compose 1.29.2 (Compose v1)'), fix: expect.stringContaining('docker-compose-plugin') })]);
    const none = await run((await scenario({ compose: null })).ctx, optionsSchema.parse({ check: 'environment.compose,files.compose' }));
    expect(byId(none, 'environment.compose')).toMatchObject({ status: 'fail', details: { code: 'COMPOSE_MISSING' } });
    expect(byId(none, 'files.compose').status).toBe('skipped');
  });

  it('memory below the profile fails, a little below warns, more workers than CPUs warns', async () => {
    const mb = 1024 ** 2;
    const low = await run((await scenario({ facts: { memoryBytes: 512 * mb } })).ctx, optionsSchema.parse({ check: 'environment.resources' }));
    expect(low.checks[0]).toMatchObject({ status: 'fail', finding: expect.stringContaining('profile small needs ~1.4 GB'), fix: expect.stringContaining('--profile small') });
    const tight = await run((await scenario({ facts: { memoryBytes: 1300 * mb } })).ctx, optionsSchema.parse({ check: 'environment.resources' }));
    expect(tight.checks[0]?.status).toBe('warn');
    const cpus = await run((await scenario({ fixture: { env: { RESOURCE_PROFILE: 'large', RESOURCE_LIMITS: 'no' } }, facts: { cpus: 2 } })).ctx, optionsSchema.parse({ check: 'environment.resources' }));
    expect(cpus.checks[0]).toMatchObject({ status: 'warn', finding: expect.stringContaining('runs 6 LiteLLM workers on 2 CPUs') });
    // With limits (the default) the workers follow the CPUs LiteLLM gets: no contention to warn about.
    const capped = await run((await scenario({ fixture: { env: { RESOURCE_PROFILE: 'large' } }, facts: { cpus: 2, memoryBytes: 16 * 1024 * mb } })).ctx, optionsSchema.parse({ check: 'environment.resources' }));
    expect(capped.checks[0]).toMatchObject({ status: 'ok', details: { workers: 2 } });
  });
});

describe('doctor: files', () => {
  it('a secret file readable by others fails; --fix sets mode 600 and says so', async () => {
    const { ctx, dir } = await scenario();
    await chmod(join(dir, '.env'), 0o644);
    await chmod(join(dir, 'config.yaml'), 0o640);
    const before = await run(ctx, optionsSchema.parse({ check: 'files.modes' }));
    expect(before.checks[0]).toMatchObject({ status: 'fail', finding: 'Secret files readable by others: .env (644), config.yaml (640).', fix: expect.stringContaining('ai-gateway doctor --fix') });
    const fixed = await run(ctx, optionsSchema.parse({ check: 'files.modes', fix: true }));
    expect(fixed.checks[0]).toMatchObject({ status: 'ok', repaired: 'set mode 600 on .env, config.yaml' });
    expect(fixed.fixed).toEqual([{ id: 'files.modes', action: 'set mode 600 on .env, config.yaml' }]);
    expect((await stat(join(dir, '.env'))).mode & 0o777).toBe(0o600);
    expect(render(fixed, ctx.out.style)).toContain('fixed: set mode 600 on .env, config.yaml');
  });

  it('a missing file fails naming it and setup as the fix', async () => {
    const { ctx, dir } = await scenario();
    await writeFile(join(dir, 'x'), '');
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, 'docker-compose.override.yml'));
    const result = await run(ctx, optionsSchema.parse({ group: 'files' }));
    expect(byId(result, 'files.present')).toMatchObject({ status: 'fail', finding: 'Missing: docker-compose.override.yml.', fix: expect.stringContaining('ai-gateway setup --dir') });
    expect(byId(result, 'files.compose').status).toBe('skipped');
  });

  it('no .env: files.present says this is not a gateway directory; the environment is still checked', async () => {
    const { ctx, dir } = await scenario();
    const { rm } = await import('node:fs/promises');
    await rm(join(dir, '.env'));
    const result = await run(ctx, optionsSchema.parse({}));
    expect(byId(result, 'files.present')).toMatchObject({ status: 'fail', finding: expect.stringContaining('is not a gateway directory: there is no .env') });
    expect(byId(result, 'environment.daemon').status).toBe('ok');
    expect(byId(result, 'environment.resources').finding).toContain('the default; no readable .env');
    expect(byId(result, 'stack.containers').status).toBe('skipped');
  });

  it('the publicly known master key and a short password fail, naming the variables but never the values', async () => {
    const { ctx } = await scenario({ fixture: { env: { LITELLM_MASTER_KEY: 'sk-1234', POSTGRES_PASSWORD: 'short' } } });
    const result = await run(ctx, optionsSchema.parse({ check: 'files.env' }));
    const check = result.checks[0];
    expect(check?.status).toBe('fail');
    expect(check?.finding).toContain('LITELLM_MASTER_KEY must not be the publicly known example key');
    expect(check?.finding).toContain('POSTGRES_PASSWORD must be at least 8 characters long (got 5)');
    expect(check?.fix).toContain('Remove the LITELLM_MASTER_KEY line');
    expect(check?.finding).not.toContain('short');
  });

  it('an Nginx image older than 1.27.3 (no upstream resolve) fails with the fix; the default passes', async () => {
    const old = await scenario({ fixture: { nginxPort: 3999, env: { NGINX_IMAGE: 'nginx:1.25-alpine' } } });
    const result = await run(old.ctx, optionsSchema.parse({ check: 'files.nginx-image' }));
    expect(result.checks[0]).toMatchObject({
      status: 'fail',
      finding: 'NGINX_IMAGE=nginx:1.25-alpine is Nginx 1.25; the rendered nginx.conf needs 1.27.3 or newer (upstream "resolve") and an older one refuses to start.',
      fix: expect.stringContaining('--nginx-image nginx:1.30-alpine'),
    });
    const current = await scenario({ fixture: { nginxPort: 3999 } });
    expect((await run(current.ctx, optionsSchema.parse({ check: 'files.nginx-image' }))).checks[0]).toMatchObject({ status: 'ok', finding: expect.stringContaining('nginx:1.30-alpine') });
    const none = await scenario();
    expect((await run(none.ctx, optionsSchema.parse({ check: 'files.nginx-image' }))).checks[0]).toMatchObject({ status: 'skipped' });
  });

  it('a missing salt key and a malformed .env line fail with the line number', async () => {
    const missing = await scenario({ fixture: { env: { LITELLM_SALT_KEY: '' } } });
    const result = await run(missing.ctx, optionsSchema.parse({ check: 'files.env' }));
    expect(result.checks[0]?.finding).toContain('LITELLM_SALT_KEY is missing');
    const broken = await scenario();
    const envPath = join(broken.dir, '.env');
    await writeFile(envPath, `${await readFile(envPath, 'utf8')}this line is not an assignment\n`, { mode: 0o600 });
    const parsed = await run(broken.ctx, optionsSchema.parse({ check: 'files.env' }));
    expect(parsed.checks[0]).toMatchObject({ status: 'fail', finding: expect.stringMatching(/\.env line \d+ is not KEY=VALUE/), details: { code: 'ENV_PARSE_ERROR' } });
  });

  it('invalid YAML in config.yaml and compose files rejected by Compose fail with the place', async () => {
    const { ctx, dir, engine } = await scenario();
    await writeFile(join(dir, 'config.yaml'), 'model_list:\n  - model_name: [unclosed\n', { mode: 0o600 });
    engine.onCompose = (sub) => (sub === 'config' ? { stdout: '', stderr: 'services.litellm.ports contains an invalid type, it should be a number, or an object', exitCode: 1 } : undefined);
    const result = await run(ctx, optionsSchema.parse({ group: 'files' }));
    expect(byId(result, 'files.config')).toMatchObject({ status: 'fail', details: { code: 'INVALID_CONFIG_YAML' }, finding: expect.stringMatching(/not valid YAML \(line \d+, column \d+\)/) });
    expect(byId(result, 'files.compose')).toMatchObject({ status: 'fail', finding: expect.stringContaining('docker compose config rejects the files: services.litellm.ports contains an invalid type') });
  });

  it('in a git repository: .env not ignored fails; --fix adds the .gitignore lines', async () => {
    const { ctx, dir } = await scenario();
    await promisify(execFile)('git', ['init', '-q', dir]);
    const before = await run(ctx, optionsSchema.parse({ check: 'files.gitignore' }));
    expect(before.checks[0]).toMatchObject({ status: 'fail', finding: expect.stringContaining('.env is not ignored by git'), fix: '"ai-gateway doctor --fix" adds the missing lines to .gitignore.' });
    const fixed = await run(ctx, optionsSchema.parse({ check: 'files.gitignore', fix: true }));
    expect(fixed.checks[0]).toMatchObject({ status: 'ok', repaired: expect.stringContaining('added .env, ') });
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toMatch(/^\.env$/m);
    // A .env already tracked stays a failure: untracking it is the user's call.
    await promisify(execFile)('git', ['-C', dir, 'add', '-f', '.env']);
    const tracked = await run(ctx, optionsSchema.parse({ check: 'files.gitignore', fix: true }));
    expect(tracked.checks[0]).toMatchObject({ status: 'fail', finding: expect.stringContaining('.env is tracked by git'), fix: expect.stringContaining('git -C') });
  });

  it('files changed since the last start are drift (warn, with start as the fix)', async () => {
    const { ctx, dir, engine } = await scenario();
    const { fingerprintFiles, writeStartRecord } = await import('../../docker/start-record.js');
    const containers = Object.fromEntries(engine.containers.map((c) => [c.service, c.id]));
    await writeStartRecord(ctx, dir, { version: 1, project: 'gw', startedAt: '2026-01-01T00:00:00.000Z', files: await fingerprintFiles(ctx, dir), containers });
    expect((await run(ctx, optionsSchema.parse({ check: 'files.drift' }))).checks[0]?.status).toBe('ok');
    await writeFile(join(dir, 'config.yaml'), 'model_list: []\n', { mode: 0o600 });
    const drifted = await run(ctx, optionsSchema.parse({ check: 'files.drift' }));
    expect(drifted.checks[0]).toMatchObject({ status: 'warn', finding: expect.stringContaining('changed since the last start: config.yaml'), fix: expect.stringContaining('ai-gateway start') });
  });
});

describe('doctor: stack', () => {
  it('a stopped stack fails stack.containers with start as the fix; API checks are skipped with the reason', async () => {
    const { ctx } = await scenario({ fixture: { litellmPort: await freePort() }, containers: () => [] });
    const result = await run(ctx, optionsSchema.parse({}));
    expect(byId(result, 'stack.containers')).toMatchObject({ status: 'fail', finding: 'The stack is not running.', fix: 'Start it: "ai-gateway start".' });
    expect(byId(result, 'api.readiness')).toMatchObject({ status: 'skipped', finding: expect.stringContaining('litellm has no container') });
    expect(byId(result, 'stack.ports')).toMatchObject({ status: 'ok', finding: expect.stringContaining('free for "ai-gateway start"') });
  });

  it('an exited and an unhealthy service fail, naming them and the logs command', async () => {
    const { ctx } = await scenario({
      containers: (f) => healthyContainers(f).map((c) => (c.service === 'postgres' ? { ...c, state: 'exited', exitCode: 137 } : c.service === 'open-webui' ? { ...c, health: 'unhealthy' } : c)),
    });
    const result = await run(ctx, optionsSchema.parse({ check: 'stack.containers' }));
    expect(result.checks[0]).toMatchObject({
      status: 'fail',
      finding: 'Not healthy: postgres (exited, exit code 137), open-webui (unhealthy).',
      fix: expect.stringContaining('"ai-gateway logs postgres", "ai-gateway logs open-webui"'),
    });
  });

  it('a service killed for memory fails as OOM-killed, naming the profile or flag that gives it more', async () => {
    const { ctx } = await scenario({
      containers: (f) => healthyContainers(f).map((c) => (c.service === 'litellm' ? { ...c, state: 'restarting', exitCode: 137, oomKilled: true, memoryLimitBytes: 1920 * 1024 * 1024 } : c)),
    });
    const result = await run(ctx, optionsSchema.parse({ check: 'stack.containers' }));
    expect(result.checks[0]).toMatchObject({
      status: 'fail',
      finding: 'litellm was OOM-killed (it used all of its 1920 MB memory limit).',
      fix: expect.stringMatching(/"ai-gateway setup --no-limits", then "ai-gateway start"\.$/),
      details: { oomKilled: ['litellm'] },
    });
  });

  it('ports: 0.0.0.0 warns; a PostgreSQL port nobody asked for fails; a port other than .env fails', async () => {
    const open = await scenario({ fixture: { bind: '0.0.0.0' } });
    expect((await run(open.ctx, optionsSchema.parse({ check: 'stack.ports' }))).checks[0]).toMatchObject({ status: 'warn', finding: expect.stringContaining('reachable from the network'), fix: expect.stringContaining('--bind 127.0.0.1') });
    const pg = await scenario({ containers: (f) => healthyContainers(f).map((c) => (c.service === 'postgres' ? { ...c, ports: [{ containerPort: 5432, hostIp: '127.0.0.1', hostPort: 5432 }] } : c)) });
    expect((await run(pg.ctx, optionsSchema.parse({ check: 'stack.ports' }))).checks[0]).toMatchObject({ status: 'fail', finding: expect.stringContaining('PostgreSQL is published on 127.0.0.1:5432 although EXPOSE_POSTGRES=no') });
    const moved = await scenario({ containers: (f) => healthyContainers(f).map((c) => (c.service === 'litellm' ? { ...c, ports: [{ containerPort: 4000, hostIp: '127.0.0.1', hostPort: 4999 }] } : c)) });
    expect((await run(moved.ctx, optionsSchema.parse({ check: 'stack.ports' }))).checks[0]).toMatchObject({ status: 'fail', finding: expect.stringContaining(`litellm publishes 127.0.0.1:4999, but LITELLM_PORT=${standin.port} in .env`) });
  });

  it("ports: behind Nginx, LiteLLM's admin port belongs on 127.0.0.1 even with BIND_ADDRESS=0.0.0.0", async () => {
    const nginxPort = await freePort();
    const lan = await scenario({ fixture: { bind: '0.0.0.0', nginxPort } });
    const ok = (await run(lan.ctx, optionsSchema.parse({ check: 'stack.ports' }))).checks[0];
    expect(ok).toMatchObject({ status: 'warn', finding: expect.stringContaining(`nginx 0.0.0.0:${nginxPort}`) });
    expect(ok?.finding).not.toContain('litellm 0.0.0.0');
    const exposed = await scenario({
      fixture: { bind: '0.0.0.0', nginxPort },
      containers: (f) => healthyContainers(f).map((c) => (c.service === 'litellm' ? { ...c, ports: (c.ports ?? []).map((p) => ({ ...p, hostIp: '0.0.0.0' })) } : c)),
    });
    expect((await run(exposed.ctx, optionsSchema.parse({ check: 'stack.ports' }))).checks[0]).toMatchObject({
      status: 'fail',
      finding: expect.stringContaining(`litellm is bound to 0.0.0.0:${standin.port}, but the LiteLLM admin port belongs on 127.0.0.1 (EXPOSE_ADMIN=no)`),
    });
  });

  it('a stopped stack whose port is taken fails stack.ports with the owner and a free port to move to', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { ctx } = await scenario({ fixture: { webuiPort: port }, containers: () => [] });
      const result = await run(ctx, optionsSchema.parse({ check: 'stack.ports' }));
      expect(result.checks[0]).toMatchObject({ status: 'fail', finding: expect.stringContaining(`port ${port} on 127.0.0.1 (Open WebUI) is in use by`), fix: expect.stringContaining('--webui-port') });
    } finally {
      blocker.close();
    }
  });

  it('the network: missing fails, reported with its containers when present', async () => {
    const ok = await run((await scenario()).ctx, optionsSchema.parse({ check: 'stack.network' }));
    expect(ok.checks[0]).toMatchObject({ status: 'ok', finding: 'gw_gateway with 3 containers' });
    const missing = await run((await scenario({ facts: { networks: null } })).ctx, optionsSchema.parse({ check: 'stack.network' }));
    expect(missing.checks[0]).toMatchObject({ status: 'fail', finding: expect.stringContaining('No network of project gw exists') });
  });
});

describe('doctor: API', () => {
  it('PostgreSQL gone under a running proxy: readiness fails naming the database', async () => {
    const { ctx } = await scenario();
    standin.setDbUp(false);
    try {
      const result = await run(ctx, optionsSchema.parse({ group: 'api' }));
      expect(byId(result, 'api.readiness')).toMatchObject({ status: 'fail', finding: expect.stringContaining('LiteLLM is not ready'), fix: expect.stringContaining('PostgreSQL is down or unreachable') });
      expect(byId(result, 'api.liveliness').status).toBe('ok');
    } finally {
      standin.setDbUp(true);
    }
  });

  it('without VIRTUAL_KEY the model listing warns with the way to create one', async () => {
    const { ctx } = await scenario({ fixture: { virtualKey: '' } });
    const result = await run(ctx, optionsSchema.parse({ check: 'api.models-direct' }));
    expect(result.checks[0]).toMatchObject({ status: 'warn', fix: expect.stringContaining('ai-gateway key create --alias app --save') });
  });

  it('a revoked VIRTUAL_KEY fails with the typed error', async () => {
    const { ctx } = await scenario({ fixture: { virtualKey: 'sk-not-a-key-the-proxy-knows-0123' } });
    const result = await run(ctx, optionsSchema.parse({ check: 'api.models-direct' }));
    expect(result.checks[0]).toMatchObject({ status: 'fail', details: { code: 'VIRTUAL_KEY_REJECTED' } });
    expect(JSON.stringify(result)).not.toContain('sk-not-a-key-the-proxy-knows-0123');
  });

  describe('through Nginx', () => {
    let nginx: Server;
    let nginxPort: number;
    /** A stand-in Nginx: 403 on admin paths except the ones in `leaks`, proxies /v1/models. */
    const leaks = new Set<string>();
    /** When set, `/` answers what Nginx says when Open WebUI's address went stale. */
    let webuiGone = false;
    beforeAll(async () => {
      nginx = createServer((req, res) => {
        if (req.url === '/') {
          res.writeHead(webuiGone ? 502 : 200, { 'content-type': 'text/html' });
          res.end(webuiGone ? '<html><center><h1>502 Bad Gateway</h1></center></html>' : '<html>Open WebUI</html>');
          return;
        }
        const path = (req.url ?? '').replace(/^\/api\/litellm/, '');
        if (path === '/v1/models') {
          void fetch(`${standin.url}/v1/models`, { headers: { authorization: String(req.headers.authorization ?? '') } }).then(async (r) => {
            res.writeHead(r.status, { 'content-type': 'application/json' });
            res.end(await r.text());
          });
          return;
        }
        res.writeHead(leaks.has(path) ? 200 : 403, { 'content-type': 'application/json' });
        res.end('{}');
      });
      await new Promise<void>((resolve) => nginx.listen(0, '127.0.0.1', resolve));
      nginxPort = (nginx.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => nginx.close(() => resolve())));

    it('the key works through Nginx and every admin family is refused', async () => {
      const { ctx } = await scenario({ fixture: { nginxPort } });
      const result = await run(ctx, optionsSchema.parse({ group: 'api' }));
      expect(byId(result, 'api.models-nginx')).toMatchObject({ status: 'ok', finding: expect.stringContaining(`http://127.0.0.1:${nginxPort}/api/litellm/v1/models with VIRTUAL_KEY in .env: 2 models`) });
      expect(byId(result, 'api.admin-blocked')).toMatchObject({ status: 'ok', finding: expect.stringMatching(/^16 admin paths under .* answered 403$/) });
    });

    it("the API base answers LiteLLM's 401 and / answers Open WebUI through Nginx; a 502 fails, naming the route", async () => {
      const { ctx } = await scenario({ fixture: { nginxPort } });
      const good = await run(ctx, optionsSchema.parse({ check: 'api.routes-nginx' }));
      expect(good.checks[0]).toMatchObject({
        status: 'ok',
        finding: `http://127.0.0.1:${nginxPort}/api/litellm/v1/models → 401 from LiteLLM; http://127.0.0.1:${nginxPort}/ → 200 from Open WebUI`,
      });
      webuiGone = true;
      try {
        const { ctx: again, dir } = await scenario({ fixture: { nginxPort } });
        const bad = await run(again, optionsSchema.parse({ check: 'api.routes-nginx' }));
        expect(bad.checks[0]).toMatchObject({
          status: 'fail',
          finding: `http://127.0.0.1:${nginxPort}/ gives 502 Bad Gateway: Nginx cannot reach open-webui`,
          fix: expect.stringContaining(`ai-gateway logs nginx open-webui --dir ${dir}`),
        });
      } finally {
        webuiGone = false;
      }
    });

    it('an admin path Nginx lets through fails, naming it', async () => {
      leaks.add('/key/generate');
      leaks.add('/metrics');
      try {
        const { ctx } = await scenario({ fixture: { nginxPort } });
        const result = await run(ctx, optionsSchema.parse({ check: 'api.admin-blocked' }));
        expect(result.checks[0]).toMatchObject({ status: 'fail', finding: 'Nginx does not refuse /key/generate (200), /metrics (200).', fix: expect.stringContaining('ai-gateway setup') });
      } finally {
        leaks.clear();
      }
    });
  });

  it('error lines in recent logs warn, with the lines (secrets masked)', async () => {
    const { ctx } = await scenario({
      containers: (f) => healthyContainers(f).map((c) => (c.service === 'litellm' ? { ...c, logs: ['INFO: started', `ERROR: could not connect with ${TEST_MASTER_KEY}`, 'Traceback (most recent call last):'] } : c)),
    });
    const result = await run(ctx, optionsSchema.parse({ check: 'api.logs' }));
    expect(result.checks[0]).toMatchObject({ status: 'warn', finding: expect.stringContaining('2 error lines in the recent logs of litellm'), fix: '"Read them in context: "ai-gateway logs litellm --tail 100".'.slice(1) });
    ctx.out.result('doctor', result, render);
    expect(ctx.captured.all()).toContain('litellm: Traceback (most recent call last):');
    expect(ctx.captured.all()).not.toContain(TEST_MASTER_KEY);
  });
});

describe('doctor: selection, annotations, exit codes', () => {
  it('--check runs dependencies silently and reports only what was asked; unknown ids and groups are usage errors', async () => {
    const { ctx } = await scenario();
    const result = await run(ctx, optionsSchema.parse({ check: 'stack.containers' }));
    expect(result.checks.map((c) => c.id)).toEqual(['stack.containers']);
    await expect(run(ctx, optionsSchema.parse({ check: 'files.nope' }))).rejects.toMatchObject({ code: 'UNKNOWN_CHECK', exitCode: ExitCode.usage });
    await expect(run(ctx, optionsSchema.parse({ group: 'network' }))).rejects.toMatchObject({ code: 'UNKNOWN_CHECK_GROUP', hint: expect.stringContaining('environment, files, stack, api') });
  });

  it('inside GitHub Actions: failures and warnings become annotations (stdout in human mode, stderr with --json)', async () => {
    const human = await scenario({ daemon: 'down', env: { GITHUB_ACTIONS: 'true' } });
    const result = await run(human.ctx, optionsSchema.parse({}));
    expect(result.annotations).toContainEqual(expect.stringMatching(/^::error title=ai-gateway doctor \(environment\.daemon\)::The Docker daemon .* — /));
    human.ctx.out.result('doctor', result, render, false);
    expect(human.ctx.captured.stdout.join('')).toContain('::error title=ai-gateway doctor (environment.daemon)::');

    const json = await scenario({ daemon: 'down', env: { GITHUB_ACTIONS: 'true' }, json: true });
    const jsonResult = await run(json.ctx, optionsSchema.parse({}));
    json.ctx.out.result('doctor', jsonResult, render, false);
    expect(JSON.parse(json.ctx.captured.stdout.join(''))).not.toHaveProperty('annotations');
    expect(json.ctx.captured.stderr.join('')).toContain('::error title=ai-gateway doctor (environment.daemon)::');

    const outside = await run((await scenario({ daemon: 'down' })).ctx, optionsSchema.parse({}));
    expect(outside.annotations).toBeUndefined();
  });

  it('annotations escape newlines and percent signs so one finding stays one annotation', () => {
    const [line] = githubAnnotations([{ id: 'api.logs', group: 'api', title: 't', status: 'warn', finding: '2 lines:\n  a 100%', fix: 'look', details: null }]);
    expect(line).toBe('::warning title=ai-gateway doctor (api.logs)::2 lines:%0A  a 100%25 — look');
  });
});

describe('stack.logs', () => {
  it('reports the bound per container, the size when readable, warns about unrotated logs and past 1 GB', async () => {
    const { mkdtemp, writeFile: write, truncate } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(join(tmpdir(), 'aigw-logs-'));
    const logPath = join(dir, 'c-json.log');
    await write(logPath, 'x'.repeat(3000));
    await write(`${logPath}.1`, 'x'.repeat(2000));
    const rotated = await scenario({ containers: (f) => healthyContainers(f).map((c) => (c.service === 'litellm' ? { ...c, logPath } : c)) });
    const bounded = (await run(rotated.ctx, optionsSchema.parse({ check: 'stack.logs' }))).checks[0];
    expect(bounded).toMatchObject({ status: 'ok', finding: expect.stringMatching(/^Logs rotated: 5 kB readable now, at most .*litellm 5 kB of 5 x 20m/) });
    expect(bounded?.details?.containers).toContainEqual({ service: 'litellm', driver: 'json-file', maxSize: '20m', maxFiles: 5, boundBytes: 100 * 1024 * 1024, sizeBytes: 5000 });

    const old = await scenario({ containers: (f) => healthyContainers(f).map((c) => (c.service === 'postgres' ? { ...c, logConfig: { Type: 'json-file', Config: {} } } : c)) });
    expect((await run(old.ctx, optionsSchema.parse({ check: 'stack.logs' }))).checks[0]).toMatchObject({
      status: 'warn',
      finding: 'Logs without rotation (they grow until the disk is full): postgres.',
      fix: expect.stringContaining('then "ai-gateway start" recreates the containers'),
    });

    await truncate(logPath, 1024 ** 3 + 1); // sparse: no disk used
    const big = (await run(rotated.ctx, optionsSchema.parse({ check: 'stack.logs' }))).checks[0];
    expect(big).toMatchObject({ status: 'warn', finding: expect.stringMatching(/^Container logs take 1\.0 GB/), fix: expect.stringContaining('--log-max-size 10m') });
  });
});
