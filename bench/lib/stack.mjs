// A throwaway gateway on the real Docker engine, for the benchmarks: the test images of the e2e
// test bed, files rendered by `ai-gateway setup --yes`, started by `ai-gateway start` (falling back
// to `compose up -d` + a health poll when `start` fails), torn down with `down -v`.
//
// Secrets stay out of every process argument: the master key is read back from .env by this process.
import { spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { mkdtemp, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseEnv } from 'dotenv';
import YAML from 'yaml';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'bin', 'ai-gateway.js');

/** Run a program; resolves {code, stdout, stderr} (never rejects on a non-zero exit). */
export function run(file, args, { env = {}, input, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Why no Docker benchmark can run here, or null when an engine and a Compose CLI answer. */
export async function dockerUnavailableReason() {
  const info = await run('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 20_000 }).catch((e) => ({ code: 127, stderr: String(e.message) }));
  if (info.code !== 0) return `no Docker engine (docker info: ${(info.stderr || '').trim().split('\n')[0] || `exit ${info.code}`})`;
  if (!(await composeCli())) return 'no Docker Compose (neither `docker compose` nor `docker-compose`)';
  return null;
}

let composeCache;
/** `docker compose` (v2) when present, else `docker-compose` (v1); null when neither. */
export async function composeCli() {
  if (composeCache !== undefined) return composeCache;
  const v2 = await run('docker', ['compose', 'version'], { timeoutMs: 20_000 }).catch(() => ({ code: 1 }));
  if (v2.code === 0) return (composeCache = { program: 'docker', prefix: ['compose'] });
  const v1 = await run('docker-compose', ['version'], { timeoutMs: 20_000 }).catch(() => ({ code: 1 }));
  return (composeCache = v1.code === 0 ? { program: 'docker-compose', prefix: [] } : null);
}

/** Host PIDs of a container's processes named `comm` (e.g. every nginx process). */
export async function containerPids(container, comm) {
  const top = await run('docker', ['top', container, '-eo', 'pid,comm']);
  if (top.code !== 0) throw new Error(`docker top ${container}: ${top.stderr.trim()}`);
  return top.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter(([pid, name]) => pid && name === comm).map(([pid]) => Number(pid));
}

/**
 * Time the processes spent on a CPU and waiting for one, in ns (/proc/PID/schedstat: nanosecond
 * precision, unlike the 10 ms ticks of /proc/PID/stat). null when the kernel does not provide it.
 */
export async function schedTimesNs(pids) {
  let onCpu = 0;
  let waiting = 0;
  for (const pid of pids) {
    const text = await readFile(`/proc/${pid}/schedstat`, 'utf8').catch(() => null);
    if (text === null) return null;
    const [run, wait] = text.trim().split(/\s+/).map(Number);
    onCpu += run;
    waiting += wait;
  }
  return { onCpu, waiting };
}

/** Versions of what the figures depend on, for BENCHMARKS.md. */
export async function dockerVersions() {
  const engine = (await run('docker', ['version', '--format', '{{.Server.Version}}']).catch(() => ({ stdout: '' }))).stdout.trim();
  const cli = await composeCli();
  const compose = cli ? (await run(cli.program, [...cli.prefix, 'version', '--short']).catch(() => ({ stdout: '' }))).stdout.trim() : '';
  return { engine, compose: cli ? `${cli.prefix.length ? 'docker compose' : 'docker-compose'} ${compose}` : 'none' };
}

/**
 * Bring up a gateway with Nginx and the given extra model_list entries.
 * @param {{log: (line: string) => void, models?: object[], env?: Record<string,string>, profile?: string}} options
 *   env: extra .env lines (they reach the LiteLLM container through `env_file: .env`).
 */
export async function startBenchStack({ log, models = [], env = {}, profile = 'medium' }) {
  const { ensureTestImages } = await import('../../test/testbed/images.mjs');
  const images = await ensureTestImages({ log: (line) => log(`  images: ${line}`) });
  const dir = await mkdtemp(join(tmpdir(), 'aigw-bench-'));
  const projectName = `aigw-bench-${process.pid}-${Date.now().toString(36)}`;
  const imageEnv = {
    AI_GATEWAY_LITELLM_IMAGE: images.litellm,
    AI_GATEWAY_POSTGRES_IMAGE: images.postgres,
    AI_GATEWAY_OPEN_WEBUI_IMAGE: images.openWebui,
    AI_GATEWAY_NGINX_IMAGE: images.nginx,
  };
  const stack = new BenchStack(dir, projectName, images);
  try {
    const setup = await run(process.execPath, [BIN, 'setup', '--yes', '--ports', 'random', '--profile', profile, '--project-name', projectName, '--dir', dir], { env: imageEnv });
    if (setup.code !== 0) throw new Error(`ai-gateway setup failed (exit ${setup.code}): ${setup.stderr.trim()}`);

    // Models for the measurements: config.yaml keeps comments and the managed entries.
    const configPath = join(dir, 'config.yaml');
    const doc = YAML.parseDocument(await readFile(configPath, 'utf8'));
    const current = doc.toJS()?.model_list ?? [];
    doc.set('model_list', doc.createNode([...current, ...models]));
    await writeFile(configPath, String(doc), { mode: 0o600 });
    const extra = Object.entries(env).map(([k, v]) => `${k}=${v}`).join('\n');
    if (extra) await appendFile(join(dir, '.env'), `\n# bench/lib/stack.mjs\n${extra}\n`);

    stack.env = parseEnv(await readFile(join(dir, '.env'), 'utf8'));
    log(`  stack: ai-gateway start --dir ${dir}`);
    const started = await run(process.execPath, [BIN, 'start', '--dir', dir]);
    if (started.code !== 0) {
      // `start` is the operate helper's; the benchmark needs a running stack, not a passing `start`.
      log(`  stack: ai-gateway start exited ${started.code}; falling back to compose up -d + health poll`);
      log(started.stderr.trim().split('\n').slice(-4).map((l) => `    ${l}`).join('\n'));
      const up = await stack.compose(['up', '-d']);
      if (up.code !== 0) throw new Error(`compose up failed: ${up.stderr.trim()}`);
      await stack.waitHealthy(300_000);
    }
    stack.env = parseEnv(await readFile(join(dir, '.env'), 'utf8')); // start may have added VIRTUAL_KEY
    return stack;
  } catch (err) {
    await stack.down().catch(() => {});
    throw err;
  }
}

export class BenchStack {
  constructor(dir, projectName, images) {
    this.dir = dir;
    this.projectName = projectName;
    this.images = images;
    this.env = {};
    /** Extra containers (Nginx variants) to remove on teardown. */
    this.extraContainers = [];
  }

  get masterKey() {
    return this.env.LITELLM_MASTER_KEY;
  }

  get nginxUrl() {
    return `http://127.0.0.1:${this.env.NGINX_PORT}`;
  }

  get litellmUrl() {
    return `http://127.0.0.1:${this.env.LITELLM_PORT}`;
  }

  get network() {
    return `${this.projectName}_gateway`;
  }

  async compose(args) {
    const cli = await composeCli();
    const d = this.dir;
    const base = [...cli.prefix, '-p', this.projectName, '--project-directory', d, '-f', join(d, 'docker-compose.yml'), '-f', join(d, 'docker-compose.override.yml'), '--env-file', join(d, '.env')];
    return run(cli.program, [...base, ...args]);
  }

  /** Poll `docker inspect` until every container of the project is healthy. */
  async waitHealthy(timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const ps = await run('docker', ['ps', '-a', '--filter', `label=com.docker.compose.project=${this.projectName}`, '--format', '{{.Names}} {{.Status}}']);
      const lines = ps.stdout.trim().split('\n').filter(Boolean);
      if (lines.length >= 4 && lines.every((l) => l.includes('(healthy)'))) return;
      const exited = lines.find((l) => / Exited /.test(l));
      if (exited) throw new Error(`a container exited: ${exited}`);
      if (Date.now() > deadline) throw new Error(`not healthy after ${timeoutMs / 1000} s: ${lines.join('; ')}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** The container of a Compose service (v1 names it P_service_1, v2 P-service-1). */
  async container(service) {
    const ps = await run('docker', ['ps', '-q', '--filter', `label=com.docker.compose.project=${this.projectName}`, '--filter', `label=com.docker.compose.service=${service}`]);
    const id = ps.stdout.trim().split('\n')[0];
    if (!id) throw new Error(`no running ${service} container in ${this.projectName}`);
    return id;
  }

  /** POST /key/generate with the master key, directly on the LiteLLM port. */
  async createVirtualKey(body) {
    const res = await fetch(`${this.litellmUrl}/key/generate`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.masterKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST /key/generate: ${res.status} ${await res.text()}`);
    return (await res.json()).key;
  }

  /**
   * Another Nginx of the stack's image on the stack's network, with `confText` as its nginx.conf,
   * published on a random loopback port. Returns its base URL and container once /health answers.
   */
  async addNginx(name, confText, { tlsDir } = {}) {
    const confPath = join(this.dir, `nginx-${name}.conf`);
    await writeFile(confPath, confText, { mode: 0o644 });
    const container = `${this.projectName}-nginx-${name}`;
    // With tlsDir (cert.pem, key.pem): HTTPS on 443 as the gateway serves it, tls/ read-only.
    const inner = tlsDir ? 443 : 80;
    const mounts = ['-v', `${confPath}:/etc/nginx/nginx.conf:ro`, ...(tlsDir ? ['-v', `${tlsDir}:/etc/nginx/tls:ro`] : [])];
    const created = await run('docker', ['run', '-d', '--name', container, '--network', this.network, '-p', `127.0.0.1::${inner}`, ...mounts, this.images.nginx]);
    if (created.code !== 0) throw new Error(`nginx variant ${name}: ${created.stderr.trim()}`);
    this.extraContainers.push(container);
    const port = (await run('docker', ['port', container, `${inner}/tcp`])).stdout.trim().split('\n')[0].split(':').pop();
    const url = `${tlsDir ? 'https' : 'http'}://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const ok = await probeHealth(`${url}/health`);
      if (ok) return { url, container };
      if (Date.now() > deadline) {
        const logs = await run('docker', ['logs', '--tail', '20', container]);
        throw new Error(`nginx variant ${name} did not answer /health: ${logs.stderr.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Remove everything: variant containers, the stack with its volumes, the directory. */
  async down() {
    for (const c of this.extraContainers) await run('docker', ['rm', '-f', '-v', c]).catch(() => {});
    this.extraContainers = [];
    if (await composeCli()) await this.compose(['down', '-v', '--remove-orphans']).catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** GET url → true on 2xx; https without verifying (the bench's own self-signed certificate). */
function probeHealth(url) {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode >= 200 && res.statusCode < 300);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}
