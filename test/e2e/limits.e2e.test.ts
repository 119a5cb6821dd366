// Memory limits and log rotation on the real engine (docker-compose v1): a LiteLLM that outgrows
// its memory limit is reported OOM-killed by start, status and doctor; a container whose log
// passes max-size is rotated and `ai-gateway logs` still reads it.
import { randomUUID } from 'node:crypto';
import { chown, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import type { TestImages } from '../testbed/images.mjs';
import { cliAs, ensureOrdinaryUser, ordinaryUserSkipReason } from './ordinary-user.js';
import { cli, describeResult, destroyStack, docker, engineOrSkipReason, http, imageEnv, readEnv, testImages } from './helpers.js';

const skipReason = await engineOrSkipReason('limits.e2e');
const describeEngine = skipReason === null ? describe : describe.skip;

async function newGateway(images: TestImages, args: string[], litellm?: string): Promise<{ dir: string; project: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-e2e-limits-'));
  const result = await cli(dir, ['setup', '--yes', '--ports', 'random', ...args], imageEnv(images, litellm ? { litellm } : {}));
  if (result.exitCode !== 0) throw new Error(`setup failed: ${describeResult(result)}`);
  return { dir, project: (await readEnv(dir)).get('COMPOSE_PROJECT_NAME') ?? '' };
}

async function serviceContainer(project: string, service: string): Promise<string> {
  const id = (await docker('ps', '-a', '-q', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`)).trim().split('\n')[0];
  if (!id) throw new Error(`${service} has no container`);
  return id;
}

describeEngine('limits and log rotation (real engine, docker-compose v1)', () => {
  let images: TestImages;
  const stacks: { dir: string; project: string }[] = [];

  beforeAll(async () => {
    images = await testImages();
  });

  afterAll(async () => {
    for (const stack of stacks) await destroyStack(stack.dir, stack.project);
  });

  it('a LiteLLM over its memory limit: start, status and doctor say OOM-killed and name the fix', async () => {
    const gateway = await newGateway(images, ['--profile', 'small'], images.litellmAllocates);
    stacks.push(gateway);
    // The small profile gives LiteLLM 1216 MB; this stand-in holds 256 MB, so lower its limit by hand.
    const overridePath = join(gateway.dir, 'docker-compose.override.yml');
    const override = parseDocument(await readFile(overridePath, 'utf8'));
    expect(override.getIn(['services', 'litellm', 'mem_limit'])).toBe('1216m');
    override.setIn(['services', 'litellm', 'mem_limit'], '96m');
    await writeFile(overridePath, override.toString(), { mode: 0o600 });

    const start = await cli(gateway.dir, ['start', '--json', '--timeout', '300'], imageEnv(images, { litellm: images.litellmAllocates }));
    expect(start.exitCode, describeResult(start)).toBe(4);
    const doc = JSON.parse(start.stdout) as { error: { code: string; message: string; hint: string; details: { oomKilled: boolean; memoryLimitBytes: number } } };
    expect(doc.error.code, describeResult(start)).toBe('SERVICE_OOM_KILLED');
    expect(doc.error.message).toMatch(/^litellm was OOM-killed \(it used all of its 96 MB memory limit\)/);
    expect(doc.error.details).toMatchObject({ oomKilled: true, memoryLimitBytes: 96 * 1024 * 1024 });
    expect(doc.error.hint).toContain('setup --no-limits');

    // Keep it down after its next kill, so the engine keeps State.OOMKilled (a restart clears it).
    const id = await serviceContainer(gateway.project, 'litellm');
    await docker('update', '--restart', 'no', id);
    let state = '';
    for (let i = 0; i < 120 && state !== 'exited true'; i++) {
      state = (await docker('inspect', '--format', '{{.State.Status}} {{.State.OOMKilled}}', id)).trim();
      if (state !== 'exited true') await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(state).toBe('exited true');

    const status = await cli(gateway.dir, ['status', '--json']);
    expect(status.exitCode, describeResult(status)).toBe(0);
    const statusDoc = JSON.parse(status.stdout) as { oomKilled: { service: string; message: string; hint: string }[] };
    expect(statusDoc.oomKilled).toEqual([expect.objectContaining({ service: 'litellm', message: 'litellm was OOM-killed (it used all of its 96 MB memory limit).' })]);
    const human = await cli(gateway.dir, ['status']);
    expect(human.stdout).toMatch(/litellm\s+exited \(137, OOM-killed\)/);

    const doctor = await cli(gateway.dir, ['doctor', '--json', '--check', 'stack.containers']);
    const doctorDoc = JSON.parse(doctor.stdout) as { checks: { id: string; status: string; finding: string; fix: string }[] };
    expect(doctorDoc.checks[0]).toMatchObject({ id: 'stack.containers', status: 'fail', finding: 'litellm was OOM-killed (it used all of its 96 MB memory limit).', fix: expect.stringContaining('setup --no-limits') });
  });

  it('logs past max-size are rotated: docker keeps max-file files, `logs` reads across them, doctor reports the bound', async () => {
    const gateway = await newGateway(images, ['--log-max-size', '10k', '--log-max-files', '2']);
    stacks.push(gateway);
    const start = await cli(gateway.dir, ['start', '--timeout', '300'], imageEnv(images));
    expect(start.exitCode, describeResult(start)).toBe(0);
    const nginx = await serviceContainer(gateway.project, 'nginx');
    expect(JSON.parse(await docker('inspect', '--format', '{{json .HostConfig.LogConfig}}', nginx))).toEqual({ Type: 'json-file', Config: { 'max-file': '2', 'max-size': '10k' } });

    // Nginx's access log goes to stdout: ~400 requests write ~80 kB, eight times the two files.
    const port = (await readEnv(gateway.dir)).get('NGINX_PORT');
    const first = `first-${randomUUID()}`;
    const last = `last-${randomUUID()}`;
    await http(`http://127.0.0.1:${port}/api/litellm/v1/models?${first}`);
    for (let i = 0; i < 40; i++) await Promise.all(Array.from({ length: 10 }, () => http(`http://127.0.0.1:${port}/api/litellm/v1/models?filler=${'x'.repeat(40)}`)));
    // Nginx buffers its access log per worker (buffer=64k flush=1s): ask with the marker once a
    // second until a line of it is in the newest lines `logs` reads.
    let tail = '';
    for (let i = 0; i < 30 && !tail.includes(last); i++) {
      await http(`http://127.0.0.1:${port}/api/litellm/v1/models?${last}`);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      tail = (await cli(gateway.dir, ['logs', 'nginx', '--tail', '20'])).stdout;
    }
    expect(tail).toContain(last);

    const logs = await cli(gateway.dir, ['logs', 'nginx']);
    expect(logs.exitCode, describeResult(logs)).toBe(0);
    expect(logs.stdout).toContain(last);
    expect(logs.stdout).not.toContain(first); // rotated away

    const doctor = await cli(gateway.dir, ['doctor', '--json', '--check', 'stack.logs']);
    const check = (JSON.parse(doctor.stdout) as { checks: { status: string; finding: string; details: { containers: { service: string; boundBytes: number; sizeBytes: number | null }[] } }[] }).checks[0];
    expect(check?.status, doctor.stdout).toBe('ok');
    const nginxLog = check?.details.containers.find((c) => c.service === 'nginx');
    expect(nginxLog?.boundBytes).toBe(20 * 1024);
    if (process.getuid?.() === 0) {
      // Root reads the json-file: within the bound (one line of slack: Docker rotates before the write that would pass it).
      expect(nginxLog?.sizeBytes).toBeGreaterThan(10 * 1024);
      expect(nginxLog?.sizeBytes).toBeLessThanOrEqual(20 * 1024 + 1024);
      const logPath = (await docker('inspect', '--format', '{{.LogPath}}', nginx)).trim();
      await expect(stat(`${logPath}.1`)).resolves.toBeTruthy();
      await expect(stat(`${logPath}.2`)).rejects.toMatchObject({ code: 'ENOENT' });
    } else {
      expect(nginxLog?.sizeBytes).toBeNull();
      expect(check?.finding).toContain('sizes need root to read');
    }

    // An ordinary user in the docker group cannot read the log files: doctor still gives the bound.
    if ((await ordinaryUserSkipReason()) === null) {
      const user = await ensureOrdinaryUser();
      await chown(gateway.dir, user.uid, user.gid);
      await chown(join(gateway.dir, '.env'), user.uid, user.gid);
      const asUser = await cliAs(user, gateway.dir, ['doctor', '--json', '--check', 'stack.logs']);
      const userCheck = (JSON.parse(asUser.stdout) as { checks: { status: string; finding: string; details: { containers: { service: string; boundBytes: number; sizeBytes: number | null }[] } }[] }).checks[0];
      expect(userCheck, describeResult(asUser)).toMatchObject({ status: 'ok', finding: expect.stringContaining('sizes need root to read') });
      expect(userCheck?.details.containers.find((c) => c.service === 'nginx')).toMatchObject({ boundBytes: 20 * 1024, sizeBytes: null });
    }
  });
});
