/**
 * `ai-gateway setup` through the real binary: exit codes, one JSON document on stdout, a real
 * read-only directory, and processes killed with SIGKILL in the middle of a run.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import getPort from 'get-port';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin', 'ai-gateway.js');
const FILES = ['.env', 'config.yaml', 'docker-compose.yml', 'docker-compose.override.yml', 'nginx/nginx.conf', '.gitignore'];

/** Secrets supplied up front make every output byte predictable (old-or-new checks need that). */
const SECRETS_ENV = {
  AI_GATEWAY_MASTER_KEY: 'sk-cli-master-0123456789abcdefghijklmnop',
  AI_GATEWAY_SALT_KEY: 'sk-cli-salt-0123456789abcdefghijklmnopqr',
  AI_GATEWAY_POSTGRES_PASSWORD: 'PgCli0123456789abcdefghijklmnopq',
  AI_GATEWAY_UI_PASSWORD: 'UiCli0123456789abcde',
  AI_GATEWAY_WEBUI_SECRET_KEY: 'WbCli0123456789abcdefghijklmnopqrstuvwxyzABCDEFG',
};

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, NO_COLOR: '1', CI: '', ...env } }, (error, stdout, stderr) => {
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function newDir(name = 'gw'): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'aigw-cli-')), name);
}

async function contents(dir: string): Promise<Record<string, string | null>> {
  const out: Record<string, string | null> = {};
  for (const file of FILES) out[file] = await readFile(join(dir, file), 'utf8').catch(() => null);
  return out;
}

const servers: Server[] = [];
async function occupy(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((done) => server.listen({ port: 0, host: '127.0.0.1' }, done));
  return (server.address() as { port: number }).port;
}

beforeAll(() => {
  // Like test/cli.test.ts: the binary runs dist/, which `npm test` builds first.
  if (!existsSync(join(root, 'dist', 'cli.js'))) throw new Error('dist/ is missing: run "npm run build" (npm test does it)');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
});

describe('ai-gateway setup (the binary)', () => {
  it('setup --yes --json exits 0 with exactly one JSON document on stdout and no secret anywhere', async () => {
    const dir = await newDir();
    const result = await cli(['setup', '--yes', '--json', '--dir', dir, '--ports', 'random']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { ok: boolean; command: string; schemaVersion: number; files: { file: string; action: string }[]; urls: { api: string } };
    expect(doc).toMatchObject({ ok: true, command: 'setup', schemaVersion: 1 });
    expect(doc.files.map((f) => f.action)).toEqual(FILES.map(() => 'create'));
    expect(doc.urls.api).toMatch(/^http:\/\/127\.0\.0\.1:\d{5}\/api\/litellm\/v1$/);
    for (const file of FILES) expect((await stat(join(dir, file))).mode & 0o777, file).toBe(0o600);
    const env = await readFile(join(dir, '.env'), 'utf8');
    for (const key of ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY']) {
      const value = new RegExp(`^${key}=(.*)$`, 'm').exec(env)?.[1] as string;
      expect(value.length).toBeGreaterThanOrEqual(20);
      expect(result.stdout + result.stderr).not.toContain(value);
    }
  });

  it('a second setup --yes changes nothing and says so', async () => {
    const dir = await newDir();
    expect((await cli(['setup', '--yes', '--dir', dir, '--ports', 'random'])).code).toBe(0);
    const before = await contents(dir);
    const again = await cli(['setup', '--yes', '--dir', dir]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/\.env\s+unchanged/);
    expect(await contents(dir)).toEqual(before);
  });

  it('an invalid port exits 2 with the rule and the next step, writing nothing', async () => {
    const dir = await newDir();
    const result = await cli(['setup', '--yes', '--dir', dir, '--nginx-port', 'abc']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('✖ --nginx-port: a port is a whole number between 1 and 65535 (got "abc").');
    expect(result.stderr).toMatch(/→ Pick a port between 1024 and 65535/);
    expect(existsSync(dir)).toBe(false);
  });

  it('a busy port exits 3 with a JSON error naming the flag and a free port', async () => {
    const dir = await newDir();
    const port = await occupy();
    const result = await cli(['setup', '--yes', '--json', '--dir', dir, '--nginx-port', String(port), '--ports', 'random']);
    expect(result.code).toBe(3);
    const doc = JSON.parse(result.stdout) as { ok: boolean; error: { code: string; hint: string; details: { suggestion: number } } };
    expect(doc).toMatchObject({ ok: false, error: { code: 'PORT_IN_USE' } });
    expect(doc.error.hint).toContain(`--nginx-port ${doc.error.details.suggestion}`);
    expect(existsSync(dir)).toBe(false);
  });

  it('a weak master key from the environment exits 2 and the key is not echoed', async () => {
    const dir = await newDir();
    const result = await cli(['setup', '--yes', '--dir', dir, '--ports', 'random'], { AI_GATEWAY_MASTER_KEY: 'sk-weak' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/AI_GATEWAY_MASTER_KEY: LITELLM_MASTER_KEY must be "sk-" followed by at least 20/);
    expect(existsSync(dir)).toBe(false);
  });

  const isRoot = process.getuid?.() === 0;
  const canUnshare = isRoot && existsSync('/usr/bin/unshare');
  if (!canUnshare) it.skip(`read-only directory tests skipped: ${isRoot ? 'unshare is not installed' : 'they need root for a read-only mount (src/commands/setup/setup.test.ts covers a non-writable directory for other users)'}`, () => {});
  it.skipIf(!canUnshare)('a read-only directory exits 3 with a clear message and every file intact (real read-only mount)', async () => {
    const dir = await newDir();
    expect((await cli(['setup', '--yes', '--dir', dir, '--ports', 'random'])).code).toBe(0);
    const before = await contents(dir);
    // Root ignores file modes, so make the directory read-only for real, in a private mount namespace.
    const script = `mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "$2" "$3" setup --yes --dir "$1" --profile large`;
    const result = await new Promise<{ code: number; stderr: string }>((done) => {
      execFile('unshare', ['-m', 'sh', '-c', script, 'sh', dir, process.execPath, bin], { env: { ...process.env, NO_COLOR: '1' } }, (error, _stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toMatch(/✖ Cannot write .* \(EROFS\): the gateway directory is not writable\. Nothing was changed\./);
    expect(await contents(dir)).toEqual(before);
  });

  it.skipIf(!canUnshare)('a directory that cannot be created exits 3', async () => {
    const parent = await newDir('parent');
    await mkdir(parent);
    const script = `mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && exec "$2" "$3" setup --yes --dir "$1/gw" --ports random`;
    const code = await new Promise<number>((done) => {
      execFile('unshare', ['-m', 'sh', '-c', script, 'sh', parent, process.execPath, bin], (error) => done(error ? Number((error as { code?: number }).code ?? 1) : 0));
    });
    expect(code).toBe(3);
    expect(await readdir(parent)).toEqual([]);
  });
});

describe('setup killed with SIGKILL at any moment', () => {
  it('leaves every file either old or new, always mode 600, and the next run finishes the job', async () => {
    const env = { ...SECRETS_ENV, AI_GATEWAY_PROJECT_NAME: 'aigw-kill' };
    // Version A (old) and the version B a changed run produces, computed on undisturbed copies.
    const a = await newDir();
    // Free ports, not fixed ones: the test must not depend on what else this host runs.
    const [nginxPort, litellmPort, webuiPort] = await freePorts(3);
    expect((await cli(['setup', '--yes', '--dir', a, '--nginx-port', String(nginxPort), '--litellm-port', String(litellmPort)], env)).code).toBe(0);
    const old = await contents(a);
    const changeArgs = ['setup', '--yes', '--profile', 'large', '--budget', 'prod', '--no-nginx', '--webui-port', String(webuiPort)];
    const b = await newDir();
    await cp(a, b, { recursive: true });
    const started = Date.now();
    expect((await cli([...changeArgs, '--dir', b], { ...env, AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-kill-0123456789' })).code).toBe(0);
    const fullRunMs = Date.now() - started;
    const fresh = await contents(b);
    expect(fresh['.env']).not.toBe(old['.env']);
    expect(fresh['config.yaml']).not.toBe(old['config.yaml']);
    expect(fresh['docker-compose.yml']).not.toBe(old['docker-compose.yml']);

    const delays = Array.from({ length: 10 }, (_, i) => Math.round((fullRunMs * (i + 1)) / 10));
    const outcomes = new Set<string>();
    for (const delay of delays) {
      const dir = await newDir();
      await cp(a, dir, { recursive: true });
      const child = spawn(process.execPath, [bin, ...changeArgs, '--dir', dir], {
        env: { ...process.env, ...env, AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-kill-0123456789', NO_COLOR: '1', CI: '' },
        stdio: 'ignore',
      });
      const exited = new Promise((done) => child.once('exit', done)); // it may finish before the kill
      await new Promise((done) => setTimeout(done, delay));
      child.kill('SIGKILL');
      await exited;

      const now = await contents(dir);
      for (const file of FILES) {
        const isOld = now[file] === old[file];
        const isNew = now[file] === fresh[file];
        expect(isOld || isNew, `${file} after a kill at ${delay} ms is neither the old nor the new version`).toBe(true);
        if (now[file] !== null) expect((await stat(join(dir, file))).mode & 0o777, file).toBe(0o600);
        outcomes.add(`${file}:${isNew && !isOld ? 'new' : 'old'}`);
      }
      // A temp file left by the kill is private too, and the next run removes it.
      for (const sub of ['', 'nginx']) {
        for (const name of (await readdir(join(dir, sub))).filter((n) => n.endsWith('.ai-gateway-tmp'))) {
          expect((await stat(join(dir, sub, name))).mode & 0o777).toBe(0o600);
        }
      }
      const finish = await cli([...changeArgs, '--dir', dir], { ...env, AI_GATEWAY_OPENAI_API_KEY: 'sk-openai-kill-0123456789' });
      expect(finish.code, finish.stderr).toBe(0);
      expect(await contents(dir)).toEqual(fresh);
      expect((await readdir(dir)).filter((n) => n.endsWith('.ai-gateway-tmp') || n === '.ai-gateway.lock')).toEqual([]);
    }
    // The kills landed both before and after the writes (otherwise this test proves little).
    expect(outcomes.has('.env:old')).toBe(true);
  }, 300_000);
});

/** `count` distinct ports free on this host right now. */
async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await getPort({ host: '127.0.0.1', exclude: ports });
    ports.push(port);
  }
  return ports;
}
