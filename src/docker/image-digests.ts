/**
 * What each image reference resolved to when the gateway last started: `.ai-gateway/images.json`.
 * A tag can be moved (or re-pushed) under the same name; the digest says which build ran. An image
 * that never came from a registry (built or tagged locally) has no RepoDigest: its image id is
 * recorded instead, so the record always names one exact image.
 */
import { join } from 'node:path';
import type { Context } from '../core/context.js';
import { z } from '../core/schema.js';
import type { ServiceImage } from './images.js';

export const IMAGES_FILE = join('.ai-gateway', 'images.json');

const entrySchema = z.object({
  service: z.string(),
  reference: z.string(),
  /** `repo@sha256:…` from the registry; null for a local-only image. */
  digest: z.nullable(z.string()),
  /** The engine's image id (`sha256:…`). */
  id: z.nullable(z.string()),
});
const recordSchema = z.object({
  version: z.literal(1),
  recordedAt: z.string(),
  images: z.array(entrySchema),
});
export type ImageDigest = z.infer<typeof entrySchema>;
export type ImageDigestRecord = z.infer<typeof recordSchema>;

/** Asks the engine what each reference is now (one `docker image inspect` per reference, in parallel). */
export async function resolveDigests(ctx: Context, images: ServiceImage[]): Promise<ImageDigest[]> {
  return Promise.all(
    images.map(async ({ service, image }) => {
      const result = await ctx.docker.docker(['image', 'inspect', '--format', '{{json .RepoDigests}} {{.Id}}', image], { timeoutMs: 30_000 });
      if (result.exitCode !== 0) return { service, reference: image, digest: null, id: null };
      return { service, reference: image, ...parseInspect(result.stdout, image) };
    }),
  );
}

/** `["repo@sha256:…"] sha256:…` → the digest of the reference's own repository (else the first), and the id. */
export function parseInspect(stdout: string, reference: string): { digest: string | null; id: string | null } {
  const line = stdout.trim();
  const space = line.lastIndexOf(' ');
  const id = space >= 0 ? line.slice(space + 1) : null;
  let digests: string[] = [];
  try {
    const parsed: unknown = JSON.parse(space >= 0 ? line.slice(0, space) : line);
    if (Array.isArray(parsed)) digests = parsed.filter((d): d is string => typeof d === 'string');
  } catch {
    digests = [];
  }
  const repository = repositoryOf(reference);
  const digest = digests.find((d) => d.slice(0, d.indexOf('@')) === repository) ?? digests[0] ?? null;
  return { digest, id: id && id.startsWith('sha256:') ? id : null };
}

/** `registry:5000/name:tag` → `registry:5000/name`; `name@sha256:…` → `name`. */
export function repositoryOf(reference: string): string {
  const at = reference.indexOf('@');
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference;
  const slash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.lastIndexOf(':');
  return colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
}

export async function recordImageDigests(ctx: Context, dir: string, images: ServiceImage[]): Promise<ImageDigestRecord> {
  const record: ImageDigestRecord = { version: 1, recordedAt: new Date(ctx.clock.now()).toISOString(), images: await resolveDigests(ctx, images) };
  await ctx.fs.mkdirp(join(dir, '.ai-gateway'));
  await ctx.fs.writeAtomic(join(dir, IMAGES_FILE), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}

export async function readImageDigests(ctx: Context, dir: string): Promise<ImageDigestRecord | null> {
  const text = await ctx.fs.readText(join(dir, IMAGES_FILE));
  if (text === null) return null;
  try {
    return recordSchema.parse(JSON.parse(text));
  } catch {
    return null; // unreadable: the next start writes it again
  }
}

/** What to show for one image: the digest (short), or the local image id. */
export function shortIdentity(entry: ImageDigest): string {
  if (entry.digest) return entry.digest.slice(entry.digest.indexOf('@') + 1, entry.digest.indexOf('@') + 1 + 19);
  if (entry.id) return `${entry.id.slice(0, 19)} (local image, no registry digest)`;
  return 'unknown (not in the engine)';
}
