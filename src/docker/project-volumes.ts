/**
 * The volumes Compose made for a project (found by its label, as Compose finds them). Setup asks
 * before generating secrets for a directory with no files: a PostgreSQL volume left by an earlier
 * gateway of the same name still expects the old password.
 */
import type { Context } from '../core/context.js';
import { z } from '../core/schema.js';
import { LABELS } from './containers.js';

/** `GET /volumes` as the Engine API answers it (Volumes is null on some engines when there are none). */
const volumeListSchema = z.object({ Volumes: z.nullable(z.array(z.object({ Name: z.string() }))) });

/**
 * The project's volume names, or null when the engine cannot be asked (no Docker, daemon down).
 * Straight from the local engine's socket when that is where the CLI would go (no child process
 * on setup's start-up path), else through the CLI.
 */
export async function projectVolumes(ctx: Pick<Context, 'docker'>, project: string): Promise<string[] | null> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.project}=${project}`] }));
  const answer = volumeListSchema.safeParse(await ctx.docker.engineGet?.(`/volumes?filters=${filters}`, { timeoutMs: 5_000 }));
  if (answer.success) return (answer.data.Volumes ?? []).map((volume) => volume.Name);
  try {
    const result = await ctx.docker.docker(['volume', 'ls', '--quiet', '--filter', `label=${LABELS.project}=${project}`], { timeoutMs: 5_000 });
    if (result.exitCode !== 0) return null;
    return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  } catch {
    return null; // no Docker here: nothing to protect on this engine
  }
}
