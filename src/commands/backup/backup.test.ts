import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readTextIfExists } from '../../core/files.js';
import { interruptRunningWork } from '../../core/interrupt.js';
import { unpackArchive, verifyArchive } from '../../gateway/backup-archive.js';
import { createTestContext, rejection, tempDir } from '../../testing/context.js';
import { FakeDocker, fakeContainer, type DockerHandler } from '../../testing/fake-docker.js';
import { writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { formatBytes, optionsSchema, run } from './backup.handler.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function gateway() {
  const { dir } = await writeGatewayFixture();
  dirs.push(dir);
  return dir;
}

// Every check below runs before the engine: the default test context throws on any docker call.
describe('backup: bad input stops before the engine and writes nothing', () => {
  it('refuses a config.yaml with a pasted secret unless the secrets are sealed, naming where it is', async () => {
    const dir = await gateway();
    await writeFile(join(dir, 'config.yaml'), 'model_list:\n  - model_name: m\n    litellm_params: {model: openai/x, api_key: sk-pasted-0123456789}\n');
    const ctx = createTestContext({ dir });
    const error = await rejection(run(ctx, optionsSchema.parse({})));
    expect(error).toMatchObject({ code: 'CONFIG_HAS_SECRETS', exitCode: 2 });
    expect(error.message).toContain('model_list[0].litellm_params.api_key');
    expect(error.message).not.toContain('sk-pasted');
    expect(await readdir(dir)).not.toContain('backups');
  });

  it('never overwrites an existing archive', async () => {
    const dir = await gateway();
    await writeFile(join(dir, 'old.tar'), 'keep me');
    const error = await rejection(run(createTestContext({ dir }), optionsSchema.parse({ output: join(dir, 'old.tar') })));
    expect(error).toMatchObject({ code: 'BACKUP_EXISTS', exitCode: 2 });
  });

  it('--include-secrets needs a passphrase, of 12 characters or more, never from a flag', async () => {
    const dir = await gateway();
    const none = await rejection(run(createTestContext({ dir }), optionsSchema.parse({ includeSecrets: true })));
    expect(none).toMatchObject({ code: 'PASSPHRASE_REQUIRED', exitCode: 2 });
    expect(none.hint).toContain('AI_GATEWAY_BACKUP_PASSPHRASE');
    const short = await rejection(run(createTestContext({ dir, env: { AI_GATEWAY_BACKUP_PASSPHRASE: 'short' } }), optionsSchema.parse({ includeSecrets: true })));
    expect(short).toMatchObject({ code: 'PASSPHRASE_TOO_SHORT', exitCode: 2 });
    const fromStdin = await rejection(run(createTestContext({ dir, readStdin: async () => 'tiny\n' }), optionsSchema.parse({ includeSecrets: true })));
    expect(fromStdin).toMatchObject({ code: 'PASSPHRASE_TOO_SHORT' });
  });

  it('rejects --keep that is not a whole number of at least 1', () => {
    expect(optionsSchema.safeParse({ keep: '0' }).success).toBe(false);
    expect(optionsSchema.safeParse({ keep: '2.5' }).success).toBe(false);
    expect(optionsSchema.parse({ keep: '3' }).keep).toBe(3);
  });

  it('a stopped gateway is named, with the start command, and nothing is written', async () => {
    const dir = await gateway();
    const docker = new FakeDocker({ containers: [] });
    const error = await rejection(run(createTestContext({ dir, docker }), optionsSchema.parse({})));
    expect(error).toMatchObject({ code: 'GATEWAY_NOT_RUNNING', exitCode: 3 });
    expect(error.hint).toContain(`ai-gateway start --dir ${dir}`);
    expect(await readdir(dir)).not.toContain('backups');
  });
});

const VOLUME = 'gw_open_webui_data';
const DUMP = `PGDMP${'custom-format bytes '.repeat(500)}`;
const VOLUME_TAR = 'a tar of ./webui.db and ./uploads/';

/** A running gateway whose Open WebUI mounts its data volume; `onDocker` answers exec, cp, pause, run. */
function runningGateway(onDocker: DockerHandler, webui: Partial<Parameters<typeof fakeContainer>[1]> = {}) {
  const docker = new FakeDocker({
    volumes: [VOLUME],
    containers: [
      fakeContainer('postgres'),
      fakeContainer('litellm'),
      fakeContainer('open-webui', { mounts: [{ Type: 'volume', Name: VOLUME, Destination: '/app/backend/data' }], ...webui }),
      fakeContainer('nginx'),
    ],
  });
  docker.onDocker = onDocker;
  return docker;
}

const engineAnswers: DockerHandler = (args) => {
  if (args[0] === 'exec' && args.includes('pg_dump')) return { stdout: DUMP, stderr: '', exitCode: 0 };
  if (args[0] === 'cp' || args[0] === 'run') return { stdout: VOLUME_TAR, stderr: '', exitCode: 0 };
  if (args[0] === 'pause' || args[0] === 'unpause') return { stdout: '', stderr: '', exitCode: 0 };
  return undefined;
};

const commands = (docker: FakeDocker) => docker.calls.map((c) => c.args.slice(0, 2).join(' '));

async function unpacked(file: string) {
  const into = await tempDir('aigw-unpacked-');
  dirs.push(into);
  await unpackArchive(file, into);
  return { into, manifest: await verifyArchive(into, file, readTextIfExists) };
}

describe('backup of a running gateway (fake engine)', () => {
  it("copies Open WebUI's data out of its own paused container (docker cp, no container made); every digest matches", async () => {
    const dir = await gateway();
    const docker = runningGateway(engineAnswers);
    const output = join(dir, 'out', 'b.tar');
    const result = await run(createTestContext({ dir, docker }), optionsSchema.parse({ output }));

    // The volume is read through the container that mounts it, at its mount point, while paused.
    const cp = docker.calls.find((c) => c.args[0] === 'cp');
    expect(cp?.args).toEqual(['cp', 'gw_open-webui_1:/app/backend/data/.', '-']);
    const order = commands(docker);
    expect(order.indexOf('pause gw_open-webui_1')).toBeLessThan(order.indexOf(`cp gw_open-webui_1:/app/backend/data/.`));
    expect(order.indexOf('unpause gw_open-webui_1')).toBeGreaterThan(order.indexOf(`cp gw_open-webui_1:/app/backend/data/.`));
    expect(docker.calls.some((c) => c.args[0] === 'run')).toBe(false);
    // The daemon's version is asked only to explain a failure.
    expect(docker.calls.some((c) => c.args[0] === 'version')).toBe(false);
    // One image inspect for every service's image, not one each.
    expect(docker.calls.filter((c) => c.args[0] === 'image')).toHaveLength(1);
    expect(result.manifest.images.map((i) => i.service)).toEqual(['litellm', 'nginx', 'open-webui', 'postgres']);
    expect(result.manifest.images.every((i) => i.id?.startsWith('sha256:') && i.digest?.includes('@sha256:'))).toBe(true);

    // The archive: mode 600, every part's digest matches what restore recomputes.
    expect((await stat(output)).mode & 0o777).toBe(0o600);
    const { into, manifest } = await unpacked(output);
    expect(manifest.parts.map((p) => p.name)).toEqual(expect.arrayContaining(['database.pgdump', 'open-webui-data.tar.gz', 'files/config.yaml']));
    expect(await readFile(join(into, 'database.pgdump'), 'utf8')).toBe(DUMP);
    // The volume part stays a gzipped tar (format 1): gzipped here, as tar -czf did in the container.
    expect(gunzipSync(await readFile(join(into, 'open-webui-data.tar.gz'))).toString()).toBe(VOLUME_TAR);
    // Nothing is left beside the archive.
    expect(await readdir(join(dir, 'out'))).toEqual(['b.tar']);
  });

  it('carries tls/: the certificate as a file; its key only sealed with --include-secrets, else left out with a warning', async () => {
    const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHsecretkeymaterial\n-----END PRIVATE KEY-----\n';
    const dir = await gateway();
    await mkdir(join(dir, 'tls'), { mode: 0o700 });
    await writeFile(join(dir, 'tls', 'cert.pem'), 'CERT\n', { mode: 0o600 });
    await writeFile(join(dir, 'tls', 'key.pem'), KEY, { mode: 0o600 });

    const plainCtx = createTestContext({ dir, docker: runningGateway(engineAnswers) });
    const plain = await run(plainCtx, optionsSchema.parse({ output: join(dir, 'out', 'plain.tar') }));
    expect(plain.manifest.parts.map((p) => p.name)).toContain('files/tls/cert.pem');
    expect(plain.manifest.parts.some((p) => p.name.includes('key.pem'))).toBe(false);
    expect(plainCtx.captured.all()).toContain('tls/key.pem (the HTTPS private key) is not in the archive');

    const sealed = await run(createTestContext({ dir, docker: runningGateway(engineAnswers), env: { AI_GATEWAY_BACKUP_PASSPHRASE: 'correct horse battery staple 42' } }), optionsSchema.parse({ output: join(dir, 'out', 'sealed.tar'), includeSecrets: true }));
    expect(sealed.manifest.parts).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'files/tls/key.pem.sealed', kind: 'secrets' })]));
    const { into } = await unpacked(join(dir, 'out', 'sealed.tar'));
    expect((await readFile(join(into, 'files', 'tls', 'key.pem.sealed'))).includes(Buffer.from('secretkeymaterial'))).toBe(false);
  });

  it('reads the volume through a throwaway container when no container mounts it, or when docker cp fails', async () => {
    const dir = await gateway();
    const unmounted = runningGateway(engineAnswers, { mounts: [] });
    await run(createTestContext({ dir, docker: unmounted }), optionsSchema.parse({ output: join(dir, 'a.tar') }));
    const runCall = unmounted.calls.find((c) => c.args[0] === 'run');
    expect(runCall?.args).toEqual(expect.arrayContaining(['--log-driver', 'none', '-v', `${VOLUME}:/data:ro`]));
    expect(unmounted.calls.some((c) => c.args[0] === 'cp')).toBe(false);

    const refusing = runningGateway((args, engine, options) =>
      args[0] === 'cp' ? { stdout: '', stderr: 'Error response from daemon: cannot copy from this container', exitCode: 1 } : engineAnswers(args, engine, options),
    );
    await run(createTestContext({ dir, docker: refusing }), optionsSchema.parse({ output: join(dir, 'b.tar') }));
    const order = commands(refusing);
    expect(order).toContain('cp gw_open-webui_1:/app/backend/data/.');
    const ran = order.findIndex((c) => c.startsWith('run '));
    expect(ran).toBeGreaterThan(order.indexOf('cp gw_open-webui_1:/app/backend/data/.'));
    // Still paused while the throwaway container reads it.
    expect(ran).toBeLessThan(order.indexOf('unpause gw_open-webui_1'));
    const { into } = await unpacked(join(dir, 'b.tar'));
    expect(await readFile(join(into, 'open-webui-data.tar.gz'), 'utf8')).toBe(VOLUME_TAR);
  });

  it('a failed pg_dump is a typed error; Open WebUI is resumed and no archive or temp file is left', async () => {
    const dir = await gateway();
    const docker = runningGateway((args, engine, options) =>
      args[0] === 'exec' ? { stdout: '', stderr: 'pg_dump: error: connection to server failed', exitCode: 1 } : engineAnswers(args, engine, options),
    );
    const output = join(dir, 'out', 'b.tar');
    const error = await rejection(run(createTestContext({ dir, docker }), optionsSchema.parse({ output })));
    expect(error).toMatchObject({ code: 'PG_DUMP_FAILED', exitCode: 3 });
    expect(error.message).toContain('connection to server failed');
    expect(commands(docker)).toContain('unpause gw_open-webui_1');
    expect(await readdir(join(dir, 'out'))).toEqual([]);
  });

  it('Ctrl-C (or a closed output pipe) while Open WebUI is paused: the children are stopped, Open WebUI resumed, nothing written, exit 130', async () => {
    const dir = await gateway();
    const listenersBefore = process.listenerCount('SIGINT');
    const docker = runningGateway((args, engine, options) => {
      const stopped = { stdout: '', stderr: '', exitCode: -1, cancelled: true };
      if (args[0] === 'exec' && args.includes('pg_dump')) {
        // A dump that runs until it is stopped.
        return new Promise((resolve) => options.signal?.addEventListener('abort', () => resolve(stopped), { once: true }));
      }
      if (args[0] === 'cp') {
        interruptRunningWork(); // what src/cli.ts does when our reader goes away, and Ctrl-C does
        return options.signal?.aborted ? stopped : engineAnswers(args, engine, options);
      }
      return engineAnswers(args, engine, options);
    });
    const output = join(dir, 'out', 'b.tar');
    const error = await rejection(run(createTestContext({ dir, docker }), optionsSchema.parse({ output })));
    expect(error).toMatchObject({ code: 'CANCELLED', exitCode: 130 });
    expect(error.message).toBe('Backup cancelled: no archive was written, and Open WebUI runs again.');
    const order = commands(docker);
    expect(order.indexOf('unpause gw_open-webui_1')).toBeGreaterThan(order.indexOf('pause gw_open-webui_1'));
    expect(await readdir(join(dir, 'out'))).toEqual([]);
    // Node's own Ctrl-C handling is back once the backup has ended.
    expect(process.listenerCount('SIGINT')).toBe(listenersBefore);
    expect(interruptRunningWork()).toBe(false);
  });

  it('a failed look-up is explained by the daemon check: Docker not installed, not running', async () => {
    const dir = await gateway();
    const down = await rejection(run(createTestContext({ dir, docker: new FakeDocker({ daemon: 'down' }) }), optionsSchema.parse({})));
    expect(down).toMatchObject({ code: 'DOCKER_DAEMON_UNREACHABLE' });
    // No docker binary: the listing fails with no message, but the user is told Docker is not installed.
    const error = await rejection(run(createTestContext({ dir, docker: new FakeDocker({ daemon: 'missing' }) }), optionsSchema.parse({})));
    expect(error).toMatchObject({ code: 'DOCKER_NOT_INSTALLED' });
  });
});

describe('formatBytes', () => {
  it('reads as a person would', () => {
    expect([formatBytes(12), formatBytes(2048), formatBytes(5 * 1024 * 1024 + 1), formatBytes(300 * 1024 ** 3)]).toEqual(['12 B', '2.0 KiB', '5.0 MiB', '300 GiB']);
  });
});
