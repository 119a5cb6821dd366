/**
 * The backup archive: one tar file (mode 600) holding a manifest and the parts it lists, each with
 * its size and sha256 so `restore` can check the archive whole before it touches anything.
 *
 *   manifest.json            what made it, when, from which images (references and digests), the parts
 *   database.pgdump          pg_dump --format=custom of LiteLLM's database (keys, spend, budgets)
 *   open-webui-data.tar.gz   Open WebUI's data volume (users, chats, its settings)
 *   files/...                config.yaml, the compose files, nginx/nginx.conf
 *   secrets.env.sealed       .env, only with --include-secrets, sealed with a passphrase (core/secret-box.ts)
 *
 * tar itself comes from the maintained `tar` package (node-tar), which also refuses entries that
 * would land outside the directory they are unpacked into.
 */
import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { ReadEntry } from 'tar';
import { UserError } from '../core/errors.js';
import { z } from '../core/schema.js';

export const BACKUP_FORMAT = 'ai-gateway-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const PARTS = {
  database: 'database.pgdump',
  openWebuiData: 'open-webui-data.tar.gz',
  secrets: 'secrets.env.sealed',
} as const;
/** Generated files kept under files/ in the archive, by their path in the gateway directory. */
export const FILES_PREFIX = 'files';

const partSchema = z.object({
  name: z.string(),
  /** What it is, for a person reading the manifest. */
  kind: z.enum(['database', 'volume', 'file', 'secrets']),
  bytes: z.number(),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
});
export type BackupPart = z.output<typeof partSchema>;

const imageSchema = z.object({
  service: z.string(),
  reference: z.string(),
  id: z.nullable(z.string()),
  digest: z.nullable(z.string()),
});

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.number(),
  createdAt: z.string(),
  cliVersion: z.string(),
  project: z.string(),
  images: z.array(imageSchema),
  parts: z.array(partSchema),
  secrets: z.object({
    included: z.boolean(),
    /** A one-way fingerprint of LITELLM_SALT_KEY: restore compares it without the key itself. */
    saltKeyFingerprint: z.nullable(z.string()),
  }),
});
export type BackupManifest = z.output<typeof manifestSchema>;

export interface PartDigest {
  bytes: number;
  sha256: string;
}

/** Where a part's bytes are written: hashed and counted on their way to the file. */
export interface PartSink {
  /** Write the part here (a child's stdout is piped into it); ending it finishes the file. */
  stream: Writable;
  /** Resolves once the file is written and closed, with the size and sha256 of what it holds. */
  done: Promise<PartDigest>;
}

/**
 * Creates `file` (mode 600, O_EXCL: never readable by others, never an existing file) and returns
 * a sink whose bytes are hashed as they are written: no second read of the part. With `gzip`, what
 * is written is compressed first (node:zlib, the level gzip uses by default), and the digest is the
 * compressed file's.
 */
export async function openPartSink(file: string, options: { gzip?: boolean } = {}): Promise<PartSink> {
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  await handle.chmod(0o600);
  const hash = createHash('sha256');
  let bytes = 0;
  const digesting = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const gzip = options.gzip ? createGzip() : null;
  const file$ = handle.createWriteStream();
  const done = (gzip ? pipeline(gzip, digesting, file$) : pipeline(digesting, file$)).then(() => ({ bytes, sha256: hash.digest('hex') }));
  // The caller may give up on the sink (the child failed): a rejection is then theirs to ignore.
  done.catch(() => {});
  return { stream: gzip ?? digesting, done };
}

/** sha256 and size of a file, streamed. */
export async function fileDigest(path: string): Promise<PartDigest> {
  const hash = createHash('sha256');
  let bytes = 0;
  // 1 MiB reads: a dump of hundreds of MiB is hashed in a few hundred steps, not thousands.
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** Identifies the salt key without revealing it (it is 43 random characters: a hash cannot be reversed). */
export function saltKeyFingerprint(saltKey: string | undefined): string | null {
  if (!saltKey) return null;
  return createHash('sha256').update(`ai-gateway salt-key fingerprint\0${saltKey}`).digest('hex').slice(0, 32);
}

/**
 * Packs `entries` (paths relative to `workDir`, manifest first) into `output`: written to a mode-600
 * temp file beside it, flushed, then renamed, so a failure never leaves half an archive under the name.
 */
export async function packArchive(workDir: string, entries: string[], output: string): Promise<void> {
  const temp = join(dirname(output), `.${Date.now()}-${process.pid}.backup-partial`);
  const handle = await open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  await handle.chmod(0o600);
  try {
    // node-tar is loaded when the archive is written or read, not while the data is still being copied.
    const { create: createTar } = await import('tar');
    await pipeline(createTar({ cwd: workDir, portable: true }, entries), createWriteStream('', { fd: handle, flush: true }));
    await rename(temp, output);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Unpacks the archive into `workDir` (private, empty); only regular files under the expected names.
 * Returns each file's size and sha256, taken as node-tar writes it (its `transform` hook), so that
 * verifyArchive need not read every part again.
 */
export async function unpackArchive(file: string, workDir: string): Promise<Map<string, PartDigest>> {
  const digests = new Map<string, PartDigest>();
  try {
    const { extract: extractTar } = await import('tar');
    await extractTar({
      file,
      cwd: workDir,
      strict: true,
      filter: (path, entry) => ('type' in entry ? entry.type === 'File' || entry.type === 'Directory' : true) && !path.split('/').includes('..'),
      // A pass-through: what node-tar writes to the file is what was hashed. (Its type names
      // ReadEntry; any stream it can pipe into the file is what the option takes.)
      transform: (entry) => {
        if (entry.type !== 'File') return undefined;
        const hash = createHash('sha256');
        let bytes = 0;
        const name = entry.path;
        return new Transform({
          transform(chunk: Buffer, _encoding, callback) {
            hash.update(chunk);
            bytes += chunk.length;
            callback(null, chunk);
          },
          flush(callback) {
            digests.set(name, { bytes, sha256: hash.digest('hex') });
            callback();
          },
        }) as unknown as ReadEntry;
      },
    });
    return digests;
  } catch (error) {
    throw new UserError('BACKUP_UNREADABLE', `${file} is not a readable ai-gateway backup: ${(error as Error).message}.`, {
      hint: 'Check the file (a copy cut short?); "tar -tf FILE" lists what it holds.',
    });
  }
}

/**
 * Reads and checks the manifest and every part's size and checksum; throws naming the first bad part.
 * `unpacked`: the digests unpackArchive took; a part not among them is read and hashed here.
 */
export async function verifyArchive(
  workDir: string,
  file: string,
  readText: (path: string) => Promise<string | null>,
  unpacked: ReadonlyMap<string, PartDigest> = new Map(),
): Promise<BackupManifest> {
  const text = await readText(join(workDir, MANIFEST_FILE));
  if (text === null) {
    throw new UserError('BACKUP_UNREADABLE', `${file} has no ${MANIFEST_FILE}: it is not an ai-gateway backup.`, { hint: 'Pass a file made by "ai-gateway backup".' });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new UserError('BACKUP_UNREADABLE', `${file}: ${MANIFEST_FILE} is not JSON.`, { hint: 'Pass a file made by "ai-gateway backup".' });
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    throw new UserError('BACKUP_UNREADABLE', `${file}: ${MANIFEST_FILE} is not an ai-gateway backup manifest (${result.error.issues[0]?.path.join('.') ?? ''}: ${result.error.issues[0]?.message ?? 'invalid'}).`, {
      hint: 'Pass a file made by "ai-gateway backup".',
    });
  }
  const manifest = result.data;
  if (manifest.formatVersion > BACKUP_FORMAT_VERSION) {
    throw new UserError('BACKUP_TOO_NEW', `${file} was written in backup format ${manifest.formatVersion} by ai-gateway ${manifest.cliVersion}; this version reads format ${BACKUP_FORMAT_VERSION}.`, {
      hint: `Upgrade the CLI (npm install -g @ai-gateway/cli@${manifest.cliVersion}) and restore again.`,
    });
  }
  for (const part of manifest.parts) {
    if (part.name.split('/').includes('..')) throw new UserError('BACKUP_CORRUPT', `${file}: the manifest names a part outside the archive (${part.name}).`, { hint: 'Do not restore this file.' });
    let actual: { bytes: number; sha256: string };
    try {
      actual = unpacked.get(part.name) ?? (await fileDigest(join(workDir, part.name)));
    } catch {
      throw new UserError('BACKUP_CORRUPT', `${file} lacks ${part.name}, which its manifest lists.`, { hint: 'The archive is incomplete (a copy cut short?): use another backup.' });
    }
    if (actual.bytes !== part.bytes || actual.sha256 !== part.sha256) {
      throw new UserError('BACKUP_CORRUPT', `${file}: ${part.name} does not match its checksum in the manifest (${actual.bytes} bytes, expected ${part.bytes}).`, {
        hint: 'The archive was damaged or altered: use another backup. Nothing was changed.',
      });
    }
  }
  return manifest;
}
