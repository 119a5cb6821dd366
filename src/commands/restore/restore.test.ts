import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BACKUP_FORMAT, MANIFEST_FILE, fileDigest, packArchive, saltKeyFingerprint, type BackupManifest } from '../../gateway/backup-archive.js';
import { createTestContext, rejection, tempDir } from '../../testing/context.js';
import { FIXTURE_SECRETS, writeGatewayFixture } from '../../testing/gateway-fixture.js';
import { optionsSchema, run } from './restore.handler.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** An archive without secrets whose data was written under `saltKey`. */
async function archive(saltKey: string): Promise<string> {
  const work = await tempDir('aigw-arch-');
  dirs.push(work);
  await writeFile(join(work, 'database.pgdump'), 'PGDMP fake dump');
  await mkdir(join(work, 'files'));
  await writeFile(join(work, 'files', 'config.yaml'), 'model_list: []\n');
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: 1,
    createdAt: '2026-12-01T00:00:00.000Z',
    cliVersion: '0.1.0',
    project: 'old',
    images: [],
    parts: [
      { name: 'database.pgdump', kind: 'database', ...(await fileDigest(join(work, 'database.pgdump'))) },
      { name: 'files/config.yaml', kind: 'file', ...(await fileDigest(join(work, 'files', 'config.yaml'))) },
    ],
    secrets: { included: false, saltKeyFingerprint: saltKeyFingerprint(saltKey) },
  };
  await writeFile(join(work, MANIFEST_FILE), JSON.stringify(manifest));
  const file = join(work, 'b.tar');
  await packArchive(work, [MANIFEST_FILE, 'database.pgdump', 'files/config.yaml'], file);
  return file;
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
