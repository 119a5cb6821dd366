/**
 * The volumes Compose made for a project (found by its label, as Compose finds them). Setup asks
 * before generating secrets for a directory with no files: a PostgreSQL volume left by an earlier
 * gateway of the same name still expects the old password.
 */
import type { Context } from '../core/context.js';
import { LABELS } from './containers.js';

/** The project's volume names, or null when the engine cannot be asked (no Docker, daemon down). */
export async function projectVolumes(ctx: Pick<Context, 'docker'>, project: string): Promise<string[] | null> {
  try {
    const result = await ctx.docker.docker(['volume', 'ls', '--quiet', '--filter', `label=${LABELS.project}=${project}`], { timeoutMs: 5_000 });
    if (result.exitCode !== 0) return null;
    return result.stdout.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  } catch {
    return null; // no Docker here: nothing to protect on this engine
  }
}
