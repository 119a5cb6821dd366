import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, MANIFEST_FILE, fileDigest, packArchive, saltKeyFingerprint, type BackupManifest } from '../../gateway/backup-archive.js';
import { interruptRunningWork } from '../../core/interrupt.js';
import { createTestContext, rejection, tempDir } from '../../testing/context.js';
import { scriptedPrompts } from '../../testing/prompts.js';
import { FakeDocker, fakeContainer, type DockerHandler } from '../../testing/fake-docker.js';
import { FIXTURE_SECRETS, writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { seal } from '../../core/secret-box.js';
import { optionsSchema, run } from './restore.handler.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

type Part = { name: string; kind: BackupManifest['parts'][number]['kind']; content: string | Buffer };

/** An archive of `parts` with its manifest, as backup packs one. */
async function packed(parts: Part[], secrets: BackupManifest['secrets']): Promise<string> {
  const work = await tempDir('aigw-arch-');
  dirs.push(work);
  for (const part of parts) {
    await mkdir(join(work, part.name, '..'), { recursive: true });
    await writeFile(join(work, part.name), part.content);
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: 1,
    createdAt: '2026-12-01T00:00:00.000Z',
    cliVersion: '0.1.0',
    project: 'old',
    images: [],
    parts: await Promise.all(parts.map(async ({ name, kind }) => ({ name, kind, ...(await fileDigest(join(work, name))) }))),
    secrets,
  };
  await writeFile(join(work, MANIFEST_FILE), JSON.stringify(manifest));
  const file = join(work, 'b.tar');
  await packArchive(work, [MANIFEST_FILE, ...parts.map((p) => p.name)], file);
  return file;
}

/** An archive without secrets whose data was written under `saltKey` (with Open WebUI's volume when `volume`). */
async function archive(saltKey: string, volume = false): Promise<string> {
  return packed(
    [
      { name: 'database.pgdump', kind: 'database', content: 'PGDMP fake dump' },
      { name: 'files/config.yaml', kind: 'file', content: 'model_list: []\n' },
      ...(volume ? [{ name: 'open-webui-data.tar.gz', kind: 'volume' as const, content: 'gzipped tar of the volume' }] : []),
    ],
    { included: false, saltKeyFingerprint: saltKeyFingerprint(saltKey) },
  );
}

describe('restore checks everything before it changes anything', () => {
  it('names a missing archive', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const error = await rejection(run(createTestContext({ dir, yes: true }), optionsSchema.parse({ args: [join(dir, 'nope.tar')] })));
    expect(error).toMatchObject({ code: 'BACKUP_NOT_FOUND', exitCode: 2 });
  });

  it('refuses an archive without secrets when .env holds another salt key, and --force overrides it', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive('sk-another-salt-key-0123456789');
    const envBefore = await readFile(join(dir, '.env'), 'utf8');
    const error = await rejection(run(createTestContext({ dir, yes: true }), optionsSchema.parse({ args: [file] })));
    expect(error).toMatchObject({ code: 'SALT_KEY_MISMATCH', exitCode: 2 });
    expect(error.hint).toContain('--force');
    expect(await readFile(join(dir, '.env'), 'utf8')).toBe(envBefore);
    // With --force the checks pass and the engine is asked next (the test context has none).
    const forced = await rejection(run(createTestContext({ dir, yes: true }), optionsSchema.parse({ args: [file], force: true })));
    expect(forced.message).toMatch(/Unexpected docker call/);
  });

  it('with the same salt key, asks for the project name before touching the engine (none without a TTY)', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY);
    const error = await rejection(run(createTestContext({ dir }), optionsSchema.parse({ args: [file] })));
    expect(error).toMatchObject({ exitCode: 2 });
    expect(error.hint ?? error.message).toMatch(/--yes/);
  });
});

describe('restore on a running gateway (fake engine)', () => {
  const VOLUME = 'gw_open_webui_data';
  function engine(onDocker: DockerHandler) {
    const docker = new FakeDocker({ volumes: [VOLUME], containers: ['postgres', 'litellm', 'open-webui', 'nginx'].map((s) => fakeContainer(s)) });
    docker.onDocker = onDocker;
    return docker;
  }
  const answers: DockerHandler = (args) => (['stop', 'exec', 'run'].includes(args[0] ?? '') ? { stdout: '', stderr: '', exitCode: 0 } : undefined);

  it('stops the app services while PostgreSQL is checked, then restores the database and the volume; the engine is asked once', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY, true);
    const docker = engine(answers);
    const result = await run(createTestContext({ dir, docker, yes: true }), optionsSchema.parse({ args: [file] }));
    expect(result.restored).toEqual(['database', 'open-webui-data']);
    const args = docker.calls.map((c) => c.args);
    expect(args.filter((a) => a[0] === 'volume')).toHaveLength(1);
    expect(args.find((a) => a[0] === 'stop')).toEqual(['stop', '--time', '30', 'gw_litellm_1', 'gw_open-webui_1', 'gw_nginx_1']);
    const at = (word: string) => args.findIndex((a) => a.includes(word));
    expect(at('pg_isready')).toBeGreaterThan(-1);
    expect(at('pg_restore')).toBeGreaterThan(at('pg_isready'));
    expect(at('pg_restore')).toBeGreaterThan(at('stop'));
    const restoreCall = docker.calls.find((c) => c.args.includes('pg_restore'));
    expect(restoreCall?.options.stdinFile).toMatch(/database\.pgdump$/);
    // The volume is emptied and unpacked by a throwaway container (docker cp cannot delete what the archive lacks).
    const volumeRun = docker.calls.find((c) => c.args[0] === 'run');
    expect(volumeRun?.args).toEqual(expect.arrayContaining(['--log-driver', 'none', '-v', `${VOLUME}:/data`]));
    expect(volumeRun?.options.stdinFile).toMatch(/open-webui-data\.tar\.gz$/);
  });

  it("a PostgreSQL whose own healthcheck (the same pg_isready) passed in the last seconds is not asked again; an older pass is", async () => {
    for (const [ageMs, asked] of [[1_000, 0], [60_000, 1]] as const) {
      const { dir } = await writeGatewayFixture();
      dirs.push(dir);
      const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY, true);
      const ctx = createTestContext({ dir, yes: true });
      const docker = new FakeDocker({
        volumes: [VOLUME],
        containers: [fakeContainer('postgres', { healthPassedAt: new Date(ctx.clock.now() - ageMs).toISOString() }), ...['litellm', 'open-webui', 'nginx'].map((s) => fakeContainer(s))],
      });
      docker.onDocker = answers;
      await run({ ...ctx, docker }, optionsSchema.parse({ args: [file] }));
      expect(docker.calls.filter((c) => c.args.includes('pg_isready')), `last pass ${ageMs} ms ago`).toHaveLength(asked);
      expect(docker.calls.some((c) => c.args.includes('pg_restore'))).toBe(true);
    }
  });

  it('a PostgreSQL not ready when first asked is waited for before pg_restore', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY, true);
    let asked = 0;
    const docker = engine((args, ...rest) => {
      if (!args.includes('pg_isready')) return answers(args, ...rest);
      asked += 1;
      return asked === 1 ? { stdout: '127.0.0.1:5432 - rejecting connections\n', stderr: '', exitCode: 1 } : { stdout: '127.0.0.1:5432 - accepting connections\n', stderr: '', exitCode: 0 };
    });
    const ctx = createTestContext({ dir, docker, yes: true });
    await run(ctx, optionsSchema.parse({ args: [file] }));
    const args = docker.calls.map((c) => c.args);
    const isReady = args.flatMap((a, i) => (a.includes('pg_isready') ? [i] : []));
    expect(isReady).toHaveLength(2);
    expect(args.findIndex((a) => a.includes('pg_restore'))).toBeGreaterThan(isReady[1] as number);
  });

  it('Ctrl-C (or a closed output pipe) before the data is replaced cancels: nothing stopped or changed, exit 130', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY, true);
    const docker = engine(answers);
    // Ctrl-C comes while the project name is being typed.
    const scripted = scriptedPrompts([{ id: 'restore.confirm', answer: 'gw' }]);
    const prompts = { ...scripted, input: async (question: Parameters<typeof scripted.input>[0]) => (interruptRunningWork(), scripted.input(question)) };
    const error = await rejection(run(createTestContext({ dir, docker, prompts }), optionsSchema.parse({ args: [file] })));
    expect(error).toMatchObject({ code: 'CANCELLED', exitCode: 130, message: 'Restore cancelled: nothing was changed.' });
    expect(docker.calls.some((c) => ['stop', 'run'].includes(c.args[0] ?? '') || c.args.includes('pg_restore'))).toBe(false);
    expect((await readdir(dir)).filter((name) => name.startsWith('.restore-') || name.endsWith('.lock'))).toEqual([]);
    expect(interruptRunningWork()).toBe(false); // Node's own Ctrl-C handling is back
  });

  it('Ctrl-C while the data is being replaced is deferred: the restore completes and says so', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY, true);
    const docker = engine((args, ...rest) => {
      if (args.includes('pg_restore')) {
        interruptRunningWork();
        expect(rest[1].signal).toBeUndefined(); // the children of this step are not stopped
      }
      return answers(args, ...rest);
    });
    const ctx = createTestContext({ dir, docker, yes: true });
    const result = await run(ctx, optionsSchema.parse({ args: [file] }));
    expect(result.restored).toEqual(['database', 'open-webui-data']);
    expect(ctx.captured.all()).toContain('Finishing the restore first: it cannot stop halfway');
  });

  it('with --yes the engine is read while the archive is checked, but a damaged archive is reported as such', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY, true);
    // One byte of the dump changed (same length): its checksum no longer matches.
    const bytes = await readFile(file);
    const at = bytes.indexOf('PGDMP fake dump');
    bytes[at + 6] = 'F'.charCodeAt(0);
    await writeFile(file, bytes);
    const down = new FakeDocker({ daemon: 'down' });
    const error = await rejection(run(createTestContext({ dir, docker: down, yes: true }), optionsSchema.parse({ args: [file] })));
    expect(error).toMatchObject({ code: 'BACKUP_CORRUPT' });
    expect(down.calls.map((c) => c.args[0])).toEqual(expect.arrayContaining(['version', 'ps', 'volume']));
    expect(down.calls.every((c) => ['version', 'ps', 'volume'].includes(c.args[0] ?? ''))).toBe(true);
  });

  it('a failed stop is a typed error and nothing is restored', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const file = await archive(FIXTURE_SECRETS.LITELLM_SALT_KEY, true);
    const docker = engine((args, e, options) => (args[0] === 'stop' ? { stdout: '', stderr: 'Error response from daemon: cannot stop container', exitCode: 1 } : answers(args, e, options)));
    const error = await rejection(run(createTestContext({ dir, docker, yes: true }), optionsSchema.parse({ args: [file] })));
    expect(error).toMatchObject({ code: 'DOCKER_FAILED' });
    expect(error.hint).toContain('Nothing was restored');
    expect(docker.calls.some((c) => c.args.includes('pg_restore') || c.args[0] === 'run')).toBe(false);
  });
});

describe('restore: the HTTPS certificate', () => {
  const PASSPHRASE = 'correct horse battery staple 42';
  const CERT = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
  const KEY = '-----BEGIN PRIVATE KEY-----\nMIGHfakeprivatekeymaterial\n-----END PRIVATE KEY-----\n';

  /** An archive with secrets (.env sealed) and tls/: the certificate as a file, the key sealed (or left out). */
  async function tlsArchive(withKey: boolean): Promise<string> {
    return packed(
      [
        { name: 'database.pgdump', kind: 'database', content: 'PGDMP fake dump' },
        { name: 'secrets.env.sealed', kind: 'secrets', content: await seal(Buffer.from(`LITELLM_SALT_KEY=${FIXTURE_SECRETS.LITELLM_SALT_KEY}\n`), PASSPHRASE) },
        { name: 'files/tls/cert.pem', kind: 'file', content: CERT },
        ...(withKey ? [{ name: 'files/tls/key.pem.sealed', kind: 'secrets' as const, content: await seal(Buffer.from(KEY), PASSPHRASE) }] : []),
      ],
      { included: true, saltKeyFingerprint: saltKeyFingerprint(FIXTURE_SECRETS.LITELLM_SALT_KEY) },
    );
  }

  const engine = () => {
    const docker = new FakeDocker({ containers: ['postgres', 'litellm', 'open-webui', 'nginx'].map((s) => fakeContainer(s)) });
    docker.onDocker = (args) => (['stop', 'exec', 'run'].includes(args[0] ?? '') ? { stdout: '', stderr: '', exitCode: 0 } : undefined);
    return docker;
  };
  const restore = async (dir: string, file: string) =>
    run(createTestContext({ dir, docker: engine(), yes: true, env: { AI_GATEWAY_BACKUP_PASSPHRASE: PASSPHRASE } }), optionsSchema.parse({ args: [file] }));

  it('into a gateway without tls/: the certificate and the opened key land at 600, and the next step is named', async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    const result = await restore(dir, await tlsArchive(true));
    expect(result.restored).toContain('tls');
    expect(await readFile(join(dir, 'tls', 'cert.pem'), 'utf8')).toBe(CERT);
    expect(await readFile(join(dir, 'tls', 'key.pem'), 'utf8')).toBe(KEY);
    for (const file of ['cert.pem', 'key.pem']) expect(((await stat(join(dir, 'tls', file))).mode & 0o777).toString(8)).toBe('600');
    expect(result.notes.join('\n')).toContain(`ai-gateway setup --yes --tls files --dir ${dir}`);
    expect(JSON.stringify(result)).not.toContain('fakeprivatekeymaterial');
  });

  it("a gateway's own tls/ is never replaced; an archive without the key says what to do", async () => {
    const { dir } = await writeGatewayFixture();
    dirs.push(dir);
    await mkdir(join(dir, 'tls'), { mode: 0o700 });
    await writeFile(join(dir, 'tls', 'cert.pem'), 'MINE', { mode: 0o600 });
    await writeFile(join(dir, 'tls', 'key.pem'), 'MY KEY', { mode: 0o600 });
    const kept = await restore(dir, await tlsArchive(true));
    expect(kept.restored).not.toContain('tls');
    expect(await readFile(join(dir, 'tls', 'cert.pem'), 'utf8')).toBe('MINE');
    expect(kept.notes.join('\n')).toContain('was kept');

    const { dir: bare } = await writeGatewayFixture();
    dirs.push(bare);
    const noKey = await restore(bare, await tlsArchive(false));
    expect(noKey.restored).not.toContain('tls');
    expect(await stat(join(bare, 'tls')).then(() => true, () => false)).toBe(false);
    expect(noKey.notes.join('\n')).toContain('not its private key');
  });
});
