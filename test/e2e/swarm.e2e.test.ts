// ENGINE=swarm on a real single-node swarm (created and left by this file when the engine was not
// in one; a swarm that was there before is left as it was): two LiteLLM replicas behind Nginx, a key
// made through one replica that works on every request, a replica killed under load, a rolling
// update under load, and an update to an image that crashes at boot, rolled back by Swarm itself.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EnvFile } from '../../src/gateway/env-file.js';
import { run } from '../testbed/engine.mjs';
import type { TestImages } from '../testbed/images.mjs';
import { cli, describeResult, docker, engineOrSkipReason, readEnv, testImages } from './helpers.js';
import { runLoad } from '../testbed/load.mjs';

const skipReason = await engineOrSkipReason('swarm.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

const MODEL = 'swarm-mock';
const SECRET_KEYS = ['LITELLM_MASTER_KEY', 'LITELLM_SALT_KEY', 'POSTGRES_PASSWORD', 'UI_PASSWORD', 'WEBUI_SECRET_KEY', 'REDIS_PASSWORD', 'VIRTUAL_KEY'];

async function swarmState(): Promise<string> {
  return (await run('docker', ['info', '--format', '{{.Swarm.LocalNodeState}}'])).stdout.trim();
}

describeEngine('Docker Swarm: replicas, rolling updates, rollback (real engine, single-node swarm)', () => {
  let images: TestImages;
  let dir = '';
  let project = '';
  let createdSwarm = false;
  let nginx = '';
  let key = '';

  const swarmCli = (args: string[], timeoutMs?: number) => cli(dir, args, {}, timeoutMs);
  const replicas = async () => {
    const status = await swarmCli(['status', '--json']);
    const doc = JSON.parse(status.stdout) as { services: { service: string; replicas?: string; image: string | null }[] };
    return doc.services.find((s) => s.service === 'litellm');
  };
  const setImage = async (image: string) => {
    const env = await readEnv(dir);
    env.set('LITELLM_IMAGE', image);
    await writeFile(join(dir, '.env'), env.toString(), { mode: 0o600 });
  };
  const chat = (): Promise<number> =>
    fetch(`${nginx}/api/litellm/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (r) => {
        await r.arrayBuffer();
        return r.status;
      },
      () => 0,
    );

  beforeAll(async () => {
    images = await testImages();
    const state = await swarmState();
    if (state === 'inactive') {
      await docker('swarm', 'init', '--advertise-addr', '127.0.0.1');
      createdSwarm = true;
    } else if (state !== 'active') throw new Error(`the engine's swarm state is "${state}"; this suite needs inactive or an active manager`);
    dir = await mkdtemp(join(tmpdir(), 'aigw-swarm-e2e-'));
    project = `aigw-swarm-${process.pid}`;
    const setup = await swarmCli([
      'setup', '--yes', '--ports', 'random', '--profile', 'small', '--project-name', project, '--engine', 'swarm', '--replicas', '2',
      '--litellm-image', images.litellm, '--postgres-image', images.postgres, '--open-webui-image', images.openWebui,
      '--nginx-image', images.nginx, '--redis-image', images.redis,
    ]);
    if (setup.exitCode !== 0) throw new Error(`setup failed: ${describeResult(setup)}`);
    // A model that answers offline (mock_response is a real LiteLLM feature).
    const configPath = join(dir, 'config.yaml');
    const doc = parseDocument(await readFile(configPath, 'utf8'));
    doc.set('model_list', doc.createNode([{ model_name: MODEL, litellm_params: { model: 'openai/swarm-mock', mock_response: 'pong' } }]));
    await writeFile(configPath, doc.toString(), { mode: 0o600 });
    nginx = `http://127.0.0.1:${(await readEnv(dir)).get('NGINX_PORT')}`;
  }, 900_000);

  afterAll(async () => {
    try {
      if (dir) {
        const stop = await swarmCli(['stop', '--volumes', '--yes'], 300_000);
        if (stop.exitCode !== 0) {
          console.warn(`[swarm.e2e] stop failed, cleaning by label: ${describeResult(stop)}`);
          await run('docker', ['stack', 'rm', project]);
        }
        for (const kind of ['secret', 'config'] as const) {
          const names = (await run('docker', [kind, 'ls', '--format', '{{.Name}}'])).stdout.split('\n').filter((n) => n.startsWith(`${project}_`));
          if (names.length > 0) await run('docker', [kind, 'rm', ...names]);
        }
        const containers = (await run('docker', ['ps', '-aq', '--filter', `label=com.docker.stack.namespace=${project}`])).stdout.split('\n').filter(Boolean);
        if (containers.length > 0) await run('docker', ['rm', '-f', ...containers], { timeoutMs: 60_000 });
        const networks = (await run('docker', ['network', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`])).stdout.split('\n').filter(Boolean);
        if (networks.length > 0) await run('docker', ['network', 'rm', ...networks], { timeoutMs: 60_000 });
        const volumes = (await run('docker', ['volume', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`])).stdout.split('\n').filter(Boolean);
        if (volumes.length > 0) await run('docker', ['volume', 'rm', '-f', ...volumes], { timeoutMs: 60_000 });
        await rm(dir, { recursive: true, force: true });
      }
    } finally {
      if (createdSwarm) await run('docker', ['swarm', 'leave', '--force'], { timeoutMs: 120_000 });
    }
  }, 600_000);

  it('starts two LiteLLM replicas behind Nginx; no secret in any service spec; a key made through one replica works on every request', async () => {
    const start = await swarmCli(['start', '--timeout', '300']);
    expect(start.exitCode, describeResult(start)).toBe(0);
    expect(await replicas()).toMatchObject({ replicas: '2/2', image: images.litellm });

    const env = EnvFile.parse(await readFile(join(dir, '.env'), 'utf8'));
    const specs = await docker('service', 'inspect', ...(await docker('service', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).split('\n'));
    for (const name of SECRET_KEYS) {
      const value = env.get(name);
      if (value) expect(specs, `${name} in a service spec`).not.toContain(value);
    }

    const created = await swarmCli(['key', 'create', '--json', '--alias', 'swarm-e2e']);
    expect(created.exitCode, describeResult(created)).toBe(0);
    key = (JSON.parse(created.stdout) as { key: string }).key;
    const statuses = await Promise.all(Array.from({ length: 30 }, () => chat()));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    // Both replicas answered: each logs the requests it served.
    const logs = await docker('service', 'logs', '--raw', '--no-trunc', `${project}_litellm`).catch(() => '');
    const served = (await run('docker', ['service', 'ps', '-q', '--filter', 'desired-state=running', `${project}_litellm`])).stdout.split('\n').filter(Boolean);
    expect(served).toHaveLength(2);
    expect(logs).toContain('POST /v1/chat/completions');
  }, 420_000);

  it('a replica killed during 20 s of load costs under 1% of requests and heals to 2/2', async () => {
    const task = (await docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${project}_litellm`)).split('\n')[0] as string;
    let killedAt = 0;
    const load = await runLoad(chat, {
      durationMs: 20_000,
      concurrency: 6,
      at: [{ afterMs: 5_000, run: async () => { killedAt = Date.now(); await docker('kill', task); } }],
    });
    expect(load.total).toBeGreaterThan(100);
    expect(load.failed / load.total, JSON.stringify(load)).toBeLessThan(0.01);
    let healedAt = 0;
    for (let i = 0; i < 120 && healedAt === 0; i++) {
      if ((await replicas())?.replicas === '2/2' && !(await docker('ps', '-q', '--filter', `label=com.docker.swarm.service.name=${project}_litellm`)).includes(task)) healedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 1000));
    }
    expect(healedAt, 'back to 2/2').toBeGreaterThan(0);
    console.log(`[swarm.e2e] kill: ${load.failed}/${load.total} failed, healed ${((healedAt - killedAt) / 1000).toFixed(1)} s after the kill`);
  });

  it('a rolling update to a new image under load completes with 0 failed requests', async () => {
    await setImage(images.litellmNext);
    let start: Awaited<ReturnType<typeof swarmCli>> | undefined;
    const load = await runLoad(chat, {
      concurrency: 4,
      until: swarmCli(['start', '--timeout', '300']).then((r) => {
        start = r;
      }),
    });
    expect(start?.exitCode, start && describeResult(start)).toBe(0);
    expect(await replicas()).toMatchObject({ replicas: '2/2', image: images.litellmNext });
    expect(load.total).toBeGreaterThan(100);
    expect(load.failed, JSON.stringify(load)).toBe(0);
    console.log(`[swarm.e2e] rolling update: ${load.total} requests, ${load.failed} failed, ${(load.elapsedMs / 1000).toFixed(1)} s`);
  });

  it('an update to an image that crashes at boot is rolled back by Swarm; start says so (exit 4) and the old replicas keep serving', async () => {
    await setImage(images.litellmExitAfterBoot);
    const start = await swarmCli(['start', '--json', '--timeout', '300']);
    expect(start.exitCode, describeResult(start)).toBe(4);
    expect((JSON.parse(start.stdout) as { error: { code: string } }).error.code).toBe('UPDATE_ROLLED_BACK');
    expect(await replicas()).toMatchObject({ replicas: '2/2', image: images.litellmNext });
    const statuses = await Promise.all(Array.from({ length: 10 }, () => chat()));
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const status = await swarmCli(['status', '--json']);
    expect((JSON.parse(status.stdout) as { failedTasks: { image: string }[] }).failedTasks.some((t) => t.image === images.litellmExitAfterBoot)).toBe(true);
  });

  it('scale litellm=3 runs a third replica and keeps the count in .env; status, logs and doctor see the replicas', async () => {
    await setImage(images.litellmNext); // the image that runs (the rolled-back one stays out of .env)
    const scaled = await swarmCli(['scale', 'litellm=3', '--timeout', '120']);
    expect(scaled.exitCode, describeResult(scaled)).toBe(0);
    expect(scaled.stdout).toContain('litellm: 2 → 3 replica(s), 3 running');
    expect((await readEnv(dir)).get('LITELLM_REPLICAS')).toBe('3');
    const status = await swarmCli(['status']);
    expect(status.stdout).toMatch(/litellm\s+3\/3\s+healthy/);
    const logs = await swarmCli(['logs', 'litellm', '--tail', '3']);
    expect(logs.exitCode, describeResult(logs)).toBe(0);
    expect(logs.stdout).toMatch(new RegExp(`${project}_litellm\\.[123]\\.`));
    const doctor = await swarmCli(['doctor', '--json']);
    const report = JSON.parse(doctor.stdout) as { checks: { id: string; status: string; finding: string }[] };
    expect(report.checks.filter((c) => c.status === 'fail'), describeResult(doctor)).toEqual([]);
    expect(report.checks.find((c) => c.id === 'stack.containers')?.status).toBe('ok');
    const env = await readEnv(dir);
    for (const name of SECRET_KEYS) if (env.get(name)) expect(logs.stdout + status.stdout + doctor.stdout).not.toContain(env.get(name));
  });

  it('stop --volumes removes the stack with its secrets, configs and volumes', async () => {
    const stop = await swarmCli(['stop', '--volumes', '--yes'], 300_000);
    expect(stop.exitCode, describeResult(stop)).toBe(0);
    const left = async (...args: string[]) => (await run('docker', args)).stdout.split('\n').filter(Boolean);
    expect(await left('ps', '-aq', '--filter', `label=com.docker.stack.namespace=${project}`)).toEqual([]);
    expect(await left('volume', 'ls', '-q', '--filter', `label=com.docker.stack.namespace=${project}`)).toEqual([]);
    expect((await left('secret', 'ls', '--format', '{{.Name}}')).filter((n) => n.startsWith(`${project}_`))).toEqual([]);
    expect((await left('config', 'ls', '--format', '{{.Name}}')).filter((n) => n.startsWith(`${project}_`))).toEqual([]);
  });
});
