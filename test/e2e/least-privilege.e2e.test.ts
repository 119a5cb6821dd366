// Upstream's images as they are (LiteLLM non-root, uid 65532, group-0 writable paths) and least
// privilege, on the real engine: the lifecycle as root and as an ordinary user in the docker group
// with every generated file at 600, LiteLLM never root, each container with only its variables,
// the admin port on loopback, and the Open WebUI key refused on a management route.
import { chmod, mkdtemp, readFile, rm, stat, writeFile, chown } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../testbed/engine.mjs';
import type { TestImages } from '../testbed/images.mjs';
import { cli, describeResult, destroyStack, docker, engineOrSkipReason, imageEnv, readEnv, testImages, type CliResult } from './helpers.js';
import { cliAs, ensureOrdinaryUser, ordinaryUserSkipReason, userDir, type OrdinaryUser } from './ordinary-user.js';

const skipReason = await engineOrSkipReason('least-privilege.e2e');
const userSkipReason = skipReason ?? (await ordinaryUserSkipReason());
if (userSkipReason && !skipReason) console.warn(`[least-privilege.e2e] ordinary-user run SKIPPED: ${userSkipReason}`);
const describeEngine = skipReason === null ? describe : describe.skip;

const UNREADABLE = 'Config file /app/config.yaml could not be read: [Errno 13] Permission denied';

describeEngine('the test images present what the upstream images expect', () => {
  let images: TestImages;
  const scratch: string[] = [];
  beforeAll(async () => {
    images = await testImages();
  });
  afterAll(async () => {
    for (const dir of scratch) await rm(dir, { recursive: true, force: true });
  });

  it('LiteLLM: USER 65532:65532, /app/docker-entrypoint.sh, writable paths 65532:0 with g=u, HOME=/app', async () => {
    const config = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config}}', images.litellm)) as { User: string; Entrypoint: string[]; Env: string[] };
    expect(config.User).toBe('65532:65532');
    expect(config.Entrypoint).toEqual(['/app/docker-entrypoint.sh']);
    expect(config.Env).toEqual(expect.arrayContaining(['HOME=/app', 'LITELLM_NON_ROOT=true']));
    // A first word that is not a flag runs as-is, like upstream's entrypoint.
    const probe = await docker('run', '--rm', images.litellm, 'sh', '-c', 'id -u; id -g; stat -c "%n %u:%g %A" /app /var/lib/litellm /var/run/litellm');
    const [uid, gid, ...paths] = probe.split('\n');
    expect([uid, gid]).toEqual(['65532', '65532']);
    for (const line of paths) expect(line, line).toMatch(/ 65532:0 drwxrwx/);
  });

  it('LiteLLM refuses to boot with upstream\'s error when its user cannot read a mode-600 config.yaml', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-e2e-unreadable-'));
    scratch.push(dir);
    const file = join(dir, 'config.yaml');
    await writeFile(file, 'general_settings:\n  master_key: os.environ/LITELLM_MASTER_KEY\n', { mode: 0o600 });
    await chown(file, 4242, 4242); // someone else's file: what a non-root host user's file is to uid 65532
    const refused = await run('docker', ['run', '--rm', '-v', `${file}:/app/config.yaml:ro`, '-e', 'LITELLM_MASTER_KEY=sk-e2e-0123456789abcdefghij', images.litellm, '--config', '/app/config.yaml', '--port', '4000'], { timeoutMs: 60_000 });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(UNREADABLE);
    // The design: run as the file's owner with group 0. It boots (and answers its liveness probe).
    const booted = await run(
      'docker',
      ['run', '--rm', '--user', '4242:0', '-v', `${file}:/app/config.yaml:ro`, '-e', 'LITELLM_MASTER_KEY=sk-e2e-0123456789abcdefghij', '-e', 'STANDIN_BOOT_DELAY_MS=0', '--entrypoint', 'sh', images.litellm, '-c',
        '/app/docker-entrypoint.sh --config /app/config.yaml --port 4000 & for i in $(seq 50); do python3 -c "import urllib.request; print(urllib.request.urlopen(\'http://localhost:4000/health/liveliness\').read().decode())" 2>/dev/null && exit 0; sleep 0.2; done; exit 1'],
      { timeoutMs: 60_000 },
    );
    expect(booted.code, booted.stderr).toBe(0);
    expect(booted.stdout).toContain("I'm alive!");
  });

  it('Nginx: the master runs as root and reads a mode-600 nginx.conf owned by a non-root host user', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-e2e-nginx-'));
    scratch.push(dir);
    const file = join(dir, 'nginx.conf');
    await writeFile(file, 'events {}\nhttp { server { listen 80; location / { return 204; } } }\n', { mode: 0o600 });
    await chown(file, 4242, 4242);
    const tested = await run('docker', ['run', '--rm', '-v', `${file}:/etc/nginx/nginx.conf:ro`, images.nginx, 'nginx', '-t'], { timeoutMs: 60_000 });
    expect(tested.code, tested.stderr).toBe(0);
    expect(tested.stderr).toMatch(/syntax is ok/);
  });

  it('PostgreSQL and Open WebUI images start as root (no USER), with their data in the volumes the compose file mounts', async () => {
    const pg = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config}}', images.postgres)) as { User?: string; Volumes: Record<string, unknown> };
    expect(pg.User ?? '').toBe('');
    expect(Object.keys(pg.Volumes)).toEqual(['/var/lib/postgresql/data']);
    const webui = JSON.parse(await docker('image', 'inspect', '--format', '{{json .Config}}', images.openWebui)) as { User?: string; Volumes: Record<string, unknown> };
    expect(webui.User ?? '').toBe('');
    expect(Object.keys(webui.Volumes)).toEqual(['/app/backend/data']);
  });
});

type Runner = (dir: string, args: string[], env?: Record<string, string>) => Promise<CliResult>;

interface StartJson {
  ok: boolean;
  healthy: boolean;
  openWebuiKey: string;
  urls: { local: { api: string; litellmDirect: string } };
}

/** setup → start → checks → stop → start → stop --volumes, run by `runner`; files owned by `uid`. */
function lifecycle(label: string, prepare: () => Promise<{ runner: Runner; dir: string; uid: number; litellmUser: string }>, skip: string | null) {
  (skip === null ? describeEngine : describe.skip)(`the lifecycle ${label}`, () => {
    let runner: Runner;
    let dir = '';
    let project = '';
    let uid = 0;
    let litellmUser = '';
    let env: Record<string, string> = {};
    let urls: StartJson['urls']['local'];

    beforeAll(async () => {
      const images = await testImages();
      env = imageEnv(images);
      ({ runner, dir, uid, litellmUser } = await prepare());
      const setup = await runner(dir, ['setup', '--yes', '--ports', 'random', '--bind', '0.0.0.0'], { ...env, AI_GATEWAY_OPENAI_API_KEY: 'sk-e2e-provider-0123456789' });
      expect(setup.exitCode, describeResult(setup)).toBe(0);
      project = (await readEnv(dir)).get('COMPOSE_PROJECT_NAME') ?? '';
    });

    afterAll(async () => {
      await destroyStack(dir, project);
      await rm(dir, { recursive: true, force: true });
    });

    it('setup writes every generated file at 600, owned by the user who ran it (config.yaml handed to LiteLLM\'s uid when root)', async () => {
      for (const file of ['.env', 'config.yaml', 'docker-compose.yml', 'docker-compose.override.yml', 'nginx/nginx.conf']) {
        const s = await stat(join(dir, file));
        expect((s.mode & 0o777).toString(8), file).toBe('600');
        expect(s.uid, file).toBe(file === 'config.yaml' ? Number(litellmUser.split(':')[0]) : uid);
      }
      const doctor = await runner(dir, ['doctor', '--check', 'files.modes', '--json'], env);
      expect(doctor.exitCode, describeResult(doctor)).toBe(0);
    });

    it('start is healthy with LiteLLM running as a non-root user of group 0', async () => {
      const start = await runner(dir, ['start', '--json'], env);
      expect(start.exitCode, describeResult(start)).toBe(0);
      const doc = JSON.parse(start.stdout) as StartJson;
      expect(doc).toMatchObject({ ok: true, healthy: true, openWebuiKey: 'created' });
      urls = doc.urls.local;
      const id = await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=litellm');
      expect(await docker('inspect', '--format', '{{.Config.User}}', id)).toBe(litellmUser);
      expect(await docker('exec', id, 'id', '-u')).not.toBe('0');
    });

    it('setup in an empty directory under the same project name refuses (exit 2, nothing written): the engine, asked over its socket, still has the volumes', async () => {
      const again = join(dir, 'again');
      const refused = await runner(again, ['setup', '--yes', '--ports', 'random', '--project-name', project, '--json', '--verbose'], env);
      expect(refused.exitCode, describeResult(refused)).toBe(2);
      const doc = JSON.parse(refused.stdout) as { error: { code: string; message: string } };
      expect(doc.error.code).toBe('ENV_MISSING');
      expect(doc.error.message).toContain(`${project}_postgres_data`);
      expect(refused.stderr).toMatch(/GET \/volumes\?filters=\S+ on \/var\/run\/docker\.sock → ok/);
      expect(refused.stderr).not.toContain('docker volume ls');
      expect(await stat(again).then(() => true, () => false)).toBe(false);
    });

    it('PostgreSQL serves as postgres from a data directory it chowned; Open WebUI runs as root and writes /app/backend/data', async () => {
      const id = (service: string) => docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`);
      const pg = await id('postgres');
      expect(await docker('exec', pg, 'stat', '-c', '%U %a', '/var/lib/postgresql/data')).toBe('postgres 700');
      expect(await docker('exec', pg, 'ps', '-o', 'user=', '-p', '1')).toBe('postgres');
      const webui = await id('open-webui');
      expect(await docker('exec', webui, 'id', '-u')).toBe('0');
      expect(await docker('exec', webui, 'sh', '-c', 'touch /app/backend/data/.probe && rm /app/backend/data/.probe && echo ok')).toBe('ok');
    });

    it('each container gets only the variables it reads', async () => {
      const envOf = async (service: string) => {
        const id = await docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`);
        return (await docker('inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', id)).split('\n').map((l) => l.split('=')[0]);
      };
      const litellm = await envOf('litellm');
      expect(litellm).toEqual(expect.arrayContaining(['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'DATABASE_URL', 'UI_PASSWORD', 'OPENAI_API_KEY']));
      for (const name of ['WEBUI_SECRET_KEY', 'VIRTUAL_KEY', 'POSTGRES_PASSWORD', 'COMPOSE_PROJECT_NAME']) expect(litellm, name).not.toContain(name);
      const webui = await envOf('open-webui');
      for (const name of ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD']) expect(webui, name).not.toContain(name);
      expect(webui).toContain('ENABLE_OLLAMA_API');
      const nginxEnv = await envOf('nginx');
      for (const name of ['LITELLM_MASTER_KEY', 'WEBUI_SECRET_KEY', 'VIRTUAL_KEY']) expect(nginxEnv, name).not.toContain(name);
    });

    it("--bind 0.0.0.0 publishes Nginx; LiteLLM's admin port stays on 127.0.0.1", async () => {
      const id = (service: string) => docker('ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`);
      expect(await docker('port', await id('nginx'), '80/tcp')).toMatch(/^0\.0\.0\.0:\d+/);
      expect(await docker('port', await id('litellm'), '4000/tcp')).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(urls.litellmDirect).toMatch(/^http:\/\/(127\.0\.0\.1|localhost):\d+$/);
      const doctor = await runner(dir, ['doctor', '--check', 'stack.ports', '--json'], env);
      expect(doctor.exitCode, describeResult(doctor)).toBe(0);
      const check = (JSON.parse(doctor.stdout) as { checks: { id: string; status: string; finding: string }[] }).checks.find((c) => c.id === 'stack.ports');
      // Only Nginx is on all interfaces (as asked, hence the warning); LiteLLM on loopback is no failure.
      expect(check?.status, doctor.stdout).toBe('warn');
      expect(check?.finding).toMatch(/nginx 0\.0\.0\.0:\d+/);
      expect(check?.finding).not.toMatch(/litellm/);
    });

    it('the Open WebUI key lists models but is refused on management routes (straight to LiteLLM, past Nginx)', async () => {
      const key = (await readEnv(dir)).get('VIRTUAL_KEY') as string;
      const call = (path: string, method = 'GET') =>
        fetch(`${urls.litellmDirect}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect((await call('/v1/models')).status).toBe(200);
      for (const path of ['/key/generate', '/key/list']) {
        const res = await call(path, path === '/key/generate' ? 'POST' : 'GET');
        expect(res.status, path).toBe(403);
        expect(((await res.json()) as { detail: string }).detail).toContain(`Virtual key is not allowed to call this route. Only allowed to call routes: ['llm_api_routes']. Tried to call route: ${path}`);
      }
    });

    it('stop, start again (healthy, key kept), stop --volumes', async () => {
      expect((await runner(dir, ['stop'], env)).exitCode).toBe(0);
      const again = await runner(dir, ['start', '--json'], env);
      expect(again.exitCode, describeResult(again)).toBe(0);
      expect(JSON.parse(again.stdout)).toMatchObject({ healthy: true, openWebuiKey: 'kept' });
      const down = await runner(dir, ['stop', '--volumes', '--yes'], env);
      expect(down.exitCode, describeResult(down)).toBe(0);
      expect((await stat(join(dir, '.env'))).mode & 0o777).toBe(0o600);
      expect((await readFile(join(dir, '.env'), 'utf8')).length).toBeGreaterThan(0);
    });
  });
}

lifecycle(
  'as root (LiteLLM as 65532:0, config.yaml handed to uid 65532)',
  async () => {
    const dir = await mkdtemp(join(tmpdir(), 'aigw-e2e-root-'));
    await chmod(dir, 0o700);
    return { runner: (d, args, env) => cli(d, args, env), dir, uid: process.getuid?.() ?? 0, litellmUser: process.getuid?.() === 0 ? '65532:0' : `${process.getuid?.()}:0` };
  },
  null,
);

let user: OrdinaryUser | undefined;
lifecycle(
  'as an ordinary user in the docker group (LiteLLM as that uid with group 0)',
  async () => {
    user ??= await ensureOrdinaryUser();
    const u = user;
    return { runner: (d, args, env) => cliAs(u, d, args, env), dir: await userDir(u), uid: u.uid, litellmUser: `${u.uid}:0` };
  },
  userSkipReason,
);
