/**
 * What a successful `start` started: a fingerprint of every file the containers read and the
 * ids of the containers. `status` compares it with the disk and the engine, so a user is never
 * silently running stale configuration; `start` uses it to apply changed files (Compose
 * recreates containers whose compose config changed, but a bind-mounted file such as
 * config.yaml or nginx.conf only takes effect after a restart of its service).
 */
import { join } from 'node:path';
import { sha256Hex } from '../core/crypto.js';
import { z } from '../core/schema.js';
import type { Context } from '../core/context.js';
import { FILES } from '../gateway/layout.js';
import { SERVICES } from '../gateway/settings.js';
import type { ContainerInfo } from './containers.js';

export const RECORD_FILE = join('.ai-gateway', 'state.json');

/** Files whose content the running stack depends on. */
export const TRACKED_FILES = [FILES.env, FILES.compose, FILES.override, FILES.config, FILES.nginx, FILES.tlsCert, FILES.tlsKey] as const;

/**
 * Files Compose does not look into: a change needs a restart of the service mounting them.
 * (A change to .env or the compose files changes the service's config hash: `up -d` recreates it.)
 */
export const MOUNTED_FILES: Record<string, string> = {
  [FILES.config]: SERVICES.litellm,
  [FILES.nginx]: SERVICES.nginx,
  // A renewed certificate: Nginx reads it at its start.
  [FILES.tlsCert]: SERVICES.nginx,
  [FILES.tlsKey]: SERVICES.nginx,
};

const recordSchema = z.object({
  version: z.literal(1),
  project: z.string(),
  startedAt: z.string(),
  files: z.record(z.string(), z.nullable(z.string())),
  containers: z.record(z.string(), z.string()),
});
export type StartRecord = z.infer<typeof recordSchema>;

export type Fingerprints = Record<string, string | null>;

export async function fingerprintFiles(ctx: Context, dir: string): Promise<Fingerprints> {
  const prints: Fingerprints = {};
  for (const file of TRACKED_FILES) {
    const text = await ctx.fs.readText(join(dir, file));
    prints[file] = text === null ? null : sha256Hex(text);
  }
  return prints;
}

export async function readStartRecord(ctx: Context, dir: string): Promise<StartRecord | null> {
  const text = await ctx.fs.readText(join(dir, RECORD_FILE));
  if (text === null) return null;
  try {
    return recordSchema.parse(JSON.parse(text));
  } catch {
    return null; // unreadable record: treated as "unknown", the next start rewrites it
  }
}

export async function writeStartRecord(ctx: Context, dir: string, record: StartRecord): Promise<void> {
  await ctx.fs.mkdirp(join(dir, '.ai-gateway'));
  await ctx.fs.writeAtomic(join(dir, RECORD_FILE), `${JSON.stringify(record, null, 2)}\n`);
}

export async function removeStartRecord(ctx: Context, dir: string): Promise<void> {
  await ctx.fs.remove(join(dir, RECORD_FILE));
}

export interface Drift {
  /** false when there is no record to compare with (started by something else, or never). */
  known: boolean;
  /** Tracked files whose content changed since the last start. */
  changedFiles: string[];
  /** Services whose running container is not the one `start` started. */
  replacedContainers: string[];
}

export function compareWithRecord(record: StartRecord | null, current: Fingerprints, containers: Map<string, ContainerInfo>): Drift {
  if (!record) return { known: false, changedFiles: [], replacedContainers: [] };
  const changedFiles = TRACKED_FILES.filter((file) => (record.files[file] ?? null) !== (current[file] ?? null));
  const replacedContainers = Object.entries(record.containers)
    .filter(([service, id]) => {
      const container = containers.get(service);
      return container !== undefined && container.id !== id;
    })
    .map(([service]) => service);
  return { known: true, changedFiles, replacedContainers };
}

export function isDrifted(drift: Drift): boolean {
  return drift.changedFiles.length > 0 || drift.replacedContainers.length > 0;
}
