// The whole life of a gateway on a real Docker engine with docker-compose v1, real PostgreSQL and
// real Nginx: setup -> start -> status -> stop -> start again (data kept) -> stop --volumes.
// Every step runs the BUILT CLI (`npm run test:e2e` builds it first).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestImages } from '../testbed/images.mjs';
import {
  cli,
  describeResult,
  destroyStack,
  engineOrSkipReason,
  http,
  imageEnv,
  projectContainerIds,
  projectVolumes,
  readEnv,
  setupGateway,
  testImages,
} from './helpers.js';

const skipReason = await engineOrSkipReason('lifecycle.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

interface StartJson {
  ok: boolean;
  healthy: boolean;
  alreadyRunning: boolean;
  openWebuiKey: string;
  urls: { local: { api: string; openWebui: string; adminUi: string; litellmDirect: string } };
  services: { service: string; state: string; health: string | null }[];
  firstStart: boolean;
}

describeEngine('gateway lifecycle on a real engine (docker-compose v1)', () => {
  let images: TestImages;
  let dir = '';
  let project = '';
  let env: Record<string, string> = {};
  let master = '';
  let urls: StartJson['urls']['local'];
  let persistentKey = '';

  beforeAll(async () => {
    images = await testImages();
    env = imageEnv(images);
    const gateway = await setupGateway(images);
    dir = gateway.dir;
    project = gateway.project;
    master = gateway.env.get('LITELLM_MASTER_KEY') ?? '';
  });

  afterAll(async () => {
    await destroyStack(dir, project);
  });

  it('start brings every service to healthy and prints where everything is', async () => {
    const result = await cli(dir, ['start', '--json'], env);
    expect(result.exitCode, describeResult(result)).toBe(0);
    const doc = JSON.parse(result.stdout) as StartJson;
    expect(doc).toMatchObject({ ok: true, healthy: true, alreadyRunning: false, openWebuiKey: 'created' });
    expect(doc.services.map((s) => `${s.service}:${s.state}:${s.health}`)).toEqual([
      'postgres:running:healthy',
      'litellm:running:healthy',
      'open-webui:running:healthy',
      'nginx:running:healthy',
    ]);
    urls = doc.urls.local;
    expect(result.stdout + result.stderr).not.toContain(master);

    const front = urls.openWebui.replace(/\/$/, '');
    expect((await http(`${front}/health`)).status).toBe(200);
    const readiness = await http(`${front}/api/litellm/health/readiness`);
    expect(readiness.status).toBe(200);
    expect(readiness.json).toMatchObject({ status: 'healthy', db: 'connected' });
    expect((await http(urls.openWebui)).status).toBe(200);
    expect((await http(urls.adminUi.replace(/\/ui$/, '/health/liveliness'))).status).toBe(200);

    const virtualKey = (await readEnv(dir)).get('VIRTUAL_KEY') ?? '';
    expect(virtualKey).toMatch(/^sk-/);
    expect((await http(`${urls.api}/models`, { key: virtualKey })).status).toBe(200);

    // The first start says who becomes Open WebUI's administrator; through Nginx, that holds.
    expect(doc.firstStart).toBe(true);
    const admin = await http(`${front}/api/v1/auths/signup`, { method: 'POST', body: { name: 'Owner', email: 'owner@example.com', password: 'first-account' } });
    expect(admin.status).toBe(200);
    expect((admin.json as { role: string }).role).toBe('admin');
    expect((await http(`${front}/api/v1/auths/signup`, { method: 'POST', body: { name: 'Late', email: 'late@example.com', password: 'second' } })).status).toBe(403);
  });

  it('status shows the healthy stack as a table, --json and -o env', async () => {
    const table = await cli(dir, ['status'], env);
    expect(table.exitCode, describeResult(table)).toBe(0);
    expect(table.stdout).toContain(`${project} is running and healthy`);
    expect(table.stdout).toMatch(/litellm\s+running\s+healthy\s+127\.0\.0\.1:\d+->4000\/tcp/);
    expect(table.stdout).toContain('Files: unchanged since the last start.');

    const json = await cli(dir, ['status', '--json'], env);
    const doc = JSON.parse(json.stdout) as { schemaVersion: number; state: string; healthy: boolean; drift: { known: boolean; changedFiles: string[] } };
    expect(doc).toMatchObject({ schemaVersion: 1, state: 'running', healthy: true, drift: { known: true, changedFiles: [] } });

    const envOut = await cli(dir, ['status', '-o', 'env'], env);
    expect(envOut.exitCode, describeResult(envOut)).toBe(0);
    expect(envOut.stdout).not.toContain(master);
    const evaluated = execFileSync('sh', ['-c', `${envOut.stdout}\nprintf '%s\\n%s' "$OPENAI_BASE_URL" "$OPENAI_API_KEY"`], { encoding: 'utf8' }).split('\n');
    expect(evaluated[0]).toBe(urls.api);
    expect(evaluated[1]).toBe((await readEnv(dir)).get('VIRTUAL_KEY'));
  });

  it('start on the running, healthy stack says so and restarts nothing', async () => {
    const before = await projectContainerIds(project);
    const result = await cli(dir, ['start'], env);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(result.stdout).toContain('already running and healthy; nothing was restarted');
    expect(await projectContainerIds(project)).toEqual(before);
  });

  it('logs shows a service log with secrets masked', async () => {
    const result = await cli(dir, ['logs', 'litellm', '--tail', '20'], env);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(result.stdout).toMatch(/litellm_1\s+\|/);
    expect(result.stdout).not.toContain(master);
  });

  it('stop removes the containers and keeps the data', async () => {
    const created = await http(`${urls.litellmDirect}/key/generate`, { method: 'POST', key: master, body: { key_alias: 'e2e-survives-restart' } });
    expect(created.status).toBe(200);
    persistentKey = (created.json as { key: string }).key;

    const result = await cli(dir, ['stop'], env);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(result.stdout).toContain(`Stopped ${project}`);
    expect(result.stdout).toContain('Data kept in');
    expect(await projectContainerIds(project)).toEqual([]);
    expect(await projectVolumes(project)).toEqual([`${project}_open_webui_data`, `${project}_postgres_data`]);

    const again = await cli(dir, ['stop'], env);
    expect(again.exitCode, describeResult(again)).toBe(0);
    expect(again.stdout).toContain('Nothing to stop');
  });

  it('while stopped: status shows the URLs and the services stopped; key, models and openapi say it is not running at once', async () => {
    const status = await cli(dir, ['status'], env);
    expect(status.exitCode, describeResult(status)).toBe(0);
    expect(status.stdout).toContain(`${project} is stopped`);
    expect(status.stdout).toContain(urls.api);
    expect(status.stdout).toMatch(/litellm\s+stopped/);

    for (const args of [['key', 'list'], ['models', '--master'], ['openapi']]) {
      const result = await cli(dir, [...args, '--json'], env);
      expect(result.exitCode, describeResult(result)).toBe(3);
      const error = (JSON.parse(result.stdout) as { error: { code: string; message: string; hint: string } }).error;
      expect(error.code).toBe('GATEWAY_NOT_RUNNING');
      expect(error.message).toContain(`The gateway in ${dir} is not running: no container of project ${project} exists`);
      expect(error.hint).toContain(`ai-gateway start --dir ${dir}`);
      // Not the 30-60 s wait for a proxy that is booting (loose bound: a busy CI machine, not a benchmark).
      expect(result.durationMs, args.join(' ')).toBeLessThan(15_000);
    }
  });

  it('start again finds the data: the key made before the stop still works, the Open WebUI key is kept', async () => {
    const virtualKey = (await readEnv(dir)).get('VIRTUAL_KEY');
    const result = await cli(dir, ['start', '--json'], env);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ healthy: true, openWebuiKey: 'kept', firstStart: false });
    expect((await readEnv(dir)).get('VIRTUAL_KEY')).toBe(virtualKey);
    expect((await http(`${urls.api}/models`, { key: persistentKey })).status).toBe(200);
  });

  it('stop --volumes --yes deletes the data and says what it deleted', async () => {
    const result = await cli(dir, ['stop', '--volumes', '--yes'], env);
    expect(result.exitCode, describeResult(result)).toBe(0);
    expect(result.stdout).toContain(`Deleted volumes: ${project}_open_webui_data, ${project}_postgres_data.`);
    expect(await projectContainerIds(project)).toEqual([]);
    expect(await projectVolumes(project)).toEqual([]);
  });
});
