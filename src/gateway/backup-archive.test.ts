import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { create as createTar } from 'tar';
import { readTextIfExists } from '../core/files.js';
import { tempDir } from '../testing/context.js';
import { BACKUP_FORMAT, MANIFEST_FILE, fileDigest, packArchive, saltKeyFingerprint, unpackArchive, verifyArchive, type BackupManifest } from './backup-archive.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function archiveWith(parts: Record<string, string>, tweak: (m: BackupManifest) => void = () => {}): Promise<{ file: string; out: string }> {
  const work = await tempDir('aigw-pack-');
  const out = await tempDir('aigw-out-');
  dirs.push(work, out);
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    formatVersion: 1,
    createdAt: '2026-12-06T00:00:00.000Z',
    cliVersion: '0.1.0',
    project: 'p',
    images: [],
    parts: [],
    secrets: { included: false, saltKeyFingerprint: saltKeyFingerprint('sk-salt') },
  };
  for (const [name, text] of Object.entries(parts)) {
    await mkdir(join(work, name, '..'), { recursive: true });
    await writeFile(join(work, name), text);
    manifest.parts.push({ name, kind: 'file', ...(await fileDigest(join(work, name))) });
  }
  tweak(manifest);
  await writeFile(join(work, MANIFEST_FILE), JSON.stringify(manifest));
  const file = join(out, 'b.tar');
  await packArchive(work, [MANIFEST_FILE, ...Object.keys(parts)], file);
  return { file, out };
}

async function check(file: string) {
  const into = await tempDir('aigw-unpack-');
  dirs.push(into);
  // As restore does: the digests taken while unpacking.
  return verifyArchive(into, file, readTextIfExists, await unpackArchive(file, into));
}

describe('backup archive', () => {
  it('packs into one mode-600 file and verifies every part after unpacking', async () => {
    const { file } = await archiveWith({ 'database.pgdump': 'PGDMP...', 'files/config.yaml': 'model_list: []\n' });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const manifest = await check(file);
    expect(manifest.parts.map((p) => p.name)).toEqual(['database.pgdump', 'files/config.yaml']);
  });

  it('the digests taken while unpacking are those of the files written, and catch a byte changed inside the archive', async () => {
    const dump = [...Array(3000).keys()].map((i) => String.fromCharCode(32 + ((i * 7) % 95))).join('');
    const { file } = await archiveWith({ 'database.pgdump': dump, 'files/config.yaml': 'model_list: []\n' });
    const into = await tempDir('aigw-unpack-');
    dirs.push(into);
    const digests = await unpackArchive(file, into);
    for (const name of ['database.pgdump', 'files/config.yaml']) expect(digests.get(name)).toEqual(await fileDigest(join(into, name)));
    expect(digests.has(MANIFEST_FILE)).toBe(true);
    // One byte of the dump's data changed inside the tar (same length, headers intact).
    const bytes = await readFile(file);
    const at = bytes.indexOf(dump.slice(0, 64)) + 1000;
    expect(at).toBeGreaterThan(1000);
    bytes[at] = (bytes[at] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    await expect(check(file)).rejects.toMatchObject({ code: 'BACKUP_CORRUPT', message: expect.stringContaining('database.pgdump') });
  });

  it('refuses a part whose checksum does not match, and a part the manifest lists but the archive lacks', async () => {
    const { file } = await archiveWith({ 'database.pgdump': 'PGDMP' }, (m) => {
      m.parts[0] = { ...m.parts[0]!, sha256: 'f'.repeat(64) };
    });
    await expect(check(file)).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' });
    const missing = await archiveWith({ 'database.pgdump': 'PGDMP' }, (m) => {
      m.parts.push({ name: 'open-webui-data.tar.gz', kind: 'volume', bytes: 1, sha256: 'a'.repeat(64) });
    });
    await expect(check(missing.file)).rejects.toMatchObject({ code: 'BACKUP_CORRUPT' });
  });

  it('refuses a newer format, a file that is not a backup, and a manifest that is not one', async () => {
    const newer = await archiveWith({ 'database.pgdump': 'x' }, (m) => {
      m.formatVersion = 99;
    });
    await expect(check(newer.file)).rejects.toMatchObject({ code: 'BACKUP_TOO_NEW' });
    const dir = await tempDir('aigw-junk-');
    dirs.push(dir);
    await writeFile(join(dir, 'junk.tar'), 'this is not a tar archive at all'.repeat(40));
    await expect(check(join(dir, 'junk.tar'))).rejects.toMatchObject({ code: expect.stringMatching(/BACKUP_UNREADABLE/) });
    await writeFile(join(dir, MANIFEST_FILE), '{"format":"something-else"}');
    await createTar({ cwd: dir, file: join(dir, 'other.tar') }, [MANIFEST_FILE]);
    await expect(check(join(dir, 'other.tar'))).rejects.toMatchObject({ code: 'BACKUP_UNREADABLE' });
  });

  it('never writes outside the directory it unpacks into', async () => {
    const dir = await tempDir('aigw-evil-');
    dirs.push(dir);
    await mkdir(join(dir, 'a'));
    await writeFile(join(dir, 'a', 'x'), 'payload');
    // An entry named ../escaped.txt, written by a hand-made archive.
    const evil = join(dir, 'evil.tar');
    await createTar({ cwd: join(dir, 'a'), file: evil, preservePaths: true, onWriteEntry: (entry) => void (entry.path = '../escaped.txt') }, ['x']);
    const into = join(dir, 'into');
    await mkdir(into);
    await unpackArchive(evil, into).catch(() => {});
    await expect(readFile(join(dir, 'escaped.txt'))).rejects.toThrow();
  });

  it('fingerprints the salt key one way', () => {
    expect(saltKeyFingerprint('sk-one')).not.toBe(saltKeyFingerprint('sk-two'));
    expect(saltKeyFingerprint('sk-one')).not.toContain('sk-one');
    expect(saltKeyFingerprint(undefined)).toBeNull();
  });
});
