// Virtual keys on the real stack: Docker engine, Compose, PostgreSQL, Nginx, with the test images
// (test/testbed). Runs the built CLI (bin/ai-gateway.js) as a user would:
//   setup → start (creates the Open WebUI key and hands it to Open WebUI) → key create --save →
//   the key works through Nginx, streams arrive chunk by chunk → stop + start keeps the key →
//   revoked key gets 401 → admin paths through Nginx get 403.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ensureDockerEngine, run } from '../testbed/engine.mjs';
import { ensureTestImages } from '../testbed/images.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'ai-gateway.js');
const MOCK_MODEL = 'e2e-mock';
const MOCK_TEXT = 'one two three four five six seven eight';

const engine = await ensureDockerEngine({ log: (line) => console.log(`[engine] ${line}`) });
if (!engine.ok) console.warn(`[keys.e2e] skipping: no Docker engine (${engine.reason})`);
const describeDocker = engine.ok ? describe : describe.skip;

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

let dir = '';
const project = `aigw-keys-${randomBytes(3).toString('hex')}`;

function cli(args: string[], timeoutMs = 600_000): Promise<Cli> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, '--dir', dir, ...args],
      { env: { ...process.env, NO_COLOR: '1', CI: '1' }, timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

async function cliJson<T>(args: string[]): Promise<T> {
  const result = await cli([...args, '--json']);
  if (result.code !== 0) throw new Error(`ai-gateway ${args.join(' ')} exited ${result.code}:\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout) as T;
}

async function envValue(name: string): Promise<string | undefined> {
  const text = await readFile(join(dir, '.env'), 'utf8');
  return new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1]?.replace(/^['"]|['"]$/g, '') || undefined;
}

/** The API base URL through Nginx, read back from `.env` (setup picked random ports). */
async function nginxBase(): Promise<string> {
  return `http://127.0.0.1:${await envValue('NGINX_PORT')}`;
}

async function get(url: string, key: string) {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` }, signal: AbortSignal.timeout(15_000) });
  return { status: response.status, text: await response.text() };
}

describeDocker('virtual keys on the real stack', () => {
  const secrets: string[] = [];

  beforeAll(async () => {
    const images = await ensureTestImages({ log: (line) => console.log(`[images] ${line}`) });
    dir = await mkdtemp(join(tmpdir(), 'aigw-keys-e2e-'));
    const setup = await cli([
      'setup', '--yes', '--ports', 'random', '--profile', 'small', '--budget', 'test', '--project-name', project,
      '--litellm-image', images.litellm, '--postgres-image', images.postgres, '--open-webui-image', images.openWebui, '--nginx-image', images.nginx,
    ]);
    if (setup.code !== 0) throw new Error(`setup failed (${setup.code}):\n${setup.stdout}\n${setup.stderr}`);
    // A model that answers offline (mock_response is a real LiteLLM feature), for the streaming check.
    const configPath = join(dir, 'config.yaml');
    const doc = parseDocument(await readFile(configPath, 'utf8'));
    const list = doc.get('model_list');
    const entry = doc.createNode({ model_name: MOCK_MODEL, litellm_params: { model: 'openai/e2e-mock', mock_response: MOCK_TEXT } });
    if (list && typeof list === 'object' && 'add' in list) (list as { add(v: unknown): void }).add(entry);
    else doc.set('model_list', doc.createNode([entry.toJSON()]));
    await writeFile(configPath, doc.toString(), { mode: 0o600 });
    for (const name of ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY']) {
      const value = await envValue(name);
      if (value) secrets.push(value);
    }
  }, 900_000);

  afterAll(async () => {
    if (!dir) return;
    const down = await cli(['stop', '--volumes', '--yes'], 300_000);
    if (down.code !== 0) {
      // Leftovers hold ports and come back with dockerd: remove them by project label.
      const ids = await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`]);
      if (ids.stdout.trim()) await run('docker', ['rm', '-f', '-v', ...ids.stdout.trim().split('\n')]);
    }
    await rm(dir, { recursive: true, force: true });
  }, 600_000);

  it('start creates the Open WebUI key, saves it, and Open WebUI runs with it (not the master key)', async () => {
    const start = await cliJson<{ openWebuiKey: string; healthy: boolean }>(['start']);
    expect(start.healthy).toBe(true);
    expect(start.openWebuiKey).toBe('created');
    const key = await envValue('VIRTUAL_KEY');
    expect(key).toMatch(/^sk-/);
    const ids = await run('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', 'label=com.docker.compose.service=open-webui']);
    const env = await run('docker', ['inspect', '--format', '{{range .Config.Env}}{{println .}}{{end}}', ids.stdout.trim()]);
    const fromContainer = /^OPENAI_API_KEY=(.*)$/m.exec(env.stdout)?.[1];
    expect(fromContainer).toBe(key);
    const info = await cliJson<{ info: { alias: string; maxBudget: number; inEnv: boolean } }>(['key', 'info', 'open-webui']);
    expect(info.info).toMatchObject({ alias: 'open-webui', maxBudget: 15, inEnv: true });
  });

  let appKey = '';
  it('key create --save, then GET /api/litellm/v1/models through Nginx with that key', async () => {
    const created = await cliJson<{ key: string; saved: boolean }>(['key', 'create', '--alias', 'e2e-app', '--models', MOCK_MODEL, '--save']);
    appKey = created.key;
    expect(created.saved).toBe(true);
    expect(await envValue('VIRTUAL_KEY')).toBe(appKey);
    const models = await get(`${await nginxBase()}/api/litellm/v1/models`, appKey);
    expect(models.status).toBe(200);
    expect((JSON.parse(models.text) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual([MOCK_MODEL]);
    const viaCli = await cliJson<{ models: { id: string }[] }>(['models']);
    expect(viaCli.models.map((m) => m.id)).toEqual([MOCK_MODEL]);
  });

  it('a streamed chat completion through Nginx arrives chunk by chunk, not buffered', async () => {
    const response = await fetch(`${await nginxBase()}/api/litellm/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${appKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MOCK_MODEL, stream: true, messages: [{ role: 'user', content: 'count' }] }),
      signal: AbortSignal.timeout(30_000),
    });
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    const arrivals: number[] = [];
    let text = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const chunk = decoder.decode(value, { stream: true });
      const events = chunk.split('\n').filter((l) => l.startsWith('data: ')).length;
      for (let i = 0; i < events; i++) arrivals.push(performance.now());
      text += chunk;
    }
    expect(text).toContain('data: [DONE]');
    const words = MOCK_TEXT.split(' ').length;
    expect(arrivals.length).toBeGreaterThanOrEqual(words);
    // The stand-in sends one event every 100 ms: buffered, they would all land at once.
    const distinctReads = new Set(arrivals.map((t) => Math.round(t))).size;
    expect(distinctReads).toBeGreaterThanOrEqual(words - 1);
    expect((arrivals.at(-1) as number) - (arrivals[0] as number)).toBeGreaterThan((words - 2) * 60);
  });

  it('the key still works after stop + start, and start keeps the saved key', async () => {
    const stop = await cli(['stop']);
    expect(stop.code).toBe(0);
    const start = await cliJson<{ openWebuiKey: string }>(['start']);
    expect(start.openWebuiKey).toBe('kept');
    expect((await get(`${await nginxBase()}/api/litellm/v1/models`, appKey)).status).toBe(200);
  });

  it('a revoked key gets 401 through Nginx, and VIRTUAL_KEY leaves .env', async () => {
    const revoked = await cliJson<{ removedFromEnv: boolean }>(['key', 'revoke', 'e2e-app', '--yes']);
    expect(revoked.removedFromEnv).toBe(true);
    expect(await envValue('VIRTUAL_KEY')).toBeUndefined();
    expect((await get(`${await nginxBase()}/api/litellm/v1/models`, appKey)).status).toBe(401);
  });

  it('admin paths through Nginx get 403, even with the master key', async () => {
    const master = (await envValue('LITELLM_MASTER_KEY')) as string;
    const base = await nginxBase();
    for (const path of ['/api/litellm/key/list', '/api/litellm/key/info', '/api/litellm/model/info']) {
      expect((await get(`${base}${path}`, master)).status, path).toBe(403);
    }
    const generate = await fetch(`${base}/api/litellm/key/generate`, { method: 'POST', headers: { authorization: `Bearer ${master}`, 'content-type': 'application/json' }, body: '{}' });
    expect(generate.status).toBe(403);
    // Pointed at Nginx, the CLI explains instead of failing obscurely.
    const viaNginx = await cli(['key', 'list', '--base-url', `${base}/api/litellm`, '--json']);
    expect(viaNginx.code).toBe(5);
    expect(JSON.parse(viaNginx.stdout).error.code).toBe('ADMIN_PATH_FORBIDDEN');
  });

  it('start again (alias exists, .env lost the key) rotates the Open WebUI key', async () => {
    // VIRTUAL_KEY was removed by the revoke above; the open-webui alias still exists.
    const start = await cliJson<{ openWebuiKey: string }>(['start']);
    expect(start.openWebuiKey).toBe('rotated');
    const key = (await envValue('VIRTUAL_KEY')) as string;
    expect((await get(`${await nginxBase()}/api/litellm/v1/models`, key)).status).toBe(200);
    const list = await cliJson<{ keys: { alias: string | null }[] }>(['key', 'list']);
    expect(list.keys.filter((k) => k.alias === 'open-webui')).toHaveLength(1);
  });

  it('no secret reached the output of key, models and openapi', async () => {
    const runs = await Promise.all([cli(['key', 'list']), cli(['key', 'list', '--json']), cli(['models', '--master']), cli(['openapi', '--json']), cli(['key', 'info', 'open-webui'])]);
    const key = (await envValue('VIRTUAL_KEY')) as string;
    for (const r of runs) {
      for (const secret of [...secrets, key, appKey]) expect(r.stdout + r.stderr).not.toContain(secret);
    }
  });
});
