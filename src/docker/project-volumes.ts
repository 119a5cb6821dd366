/**
 * The volumes Compose made for a project (found by its label, as Compose finds them). Setup asks
 * before generating secrets for a directory with no files: a PostgreSQL volume left by an earlier
 * gateway of the same name still expects the old password.
 */
import type { Context } from '../core/context.js';
import type { ExecResult } from '../core/docker-client.js';
import { z } from '../core/schema.js';
import { LABELS } from './compose-labels.js';

/** `GET /volumes` as the Engine API answers it (Volumes is null on some engines when there are none). */
const volumeListSchema = z.object({ Volumes: z.nullable(z.array(z.object({ Name: z.string() }))) });

/**
 * Names of the volumes carrying every one of `labels` (`key=value`), or the CLI's failed run.
 * Straight from the local engine's socket when that is where the CLI would go (no child process),
 * else `docker volume ls`.
 */
export async function volumesLabelled(ctx: Pick<Context, 'docker'>, labels: string[], timeoutMs: number): Promise<{ names: string[] } | { failed: ExecResult }> {
  const filters = encodeURIComponent(JSON.stringify({ label: labels }));
  const answer = volumeListSchema.safeParse(await ctx.docker.engineGet?.(`/volumes?filters=${filters}`, { timeoutMs }));
  if (answer.success) return { names: (answer.data.Volumes ?? []).map((volume) => volume.Name) };
  const result = await ctx.docker.docker(['volume', 'ls', '--quiet', ...labels.flatMap((label) => ['--filter', `label=${label}`])], { timeoutMs });
  if (result.exitCode !== 0) return { failed: result };
  return { names: result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '') };
}

/** The project's volume names (setup's guard), or null when the engine cannot be asked (no Docker, daemon down). */
export async function projectVolumes(ctx: Pick<Context, 'docker'>, project: string): Promise<string[] | null> {
  try {
    const listed = await volumesLabelled(ctx, [`${LABELS.project}=${project}`], 5_000);
    return 'names' in listed ? listed.names : null;
  } catch {
    return null; // no Docker here: nothing to protect on this engine
  }
}
