// Types for load.mjs.
export interface LoadResult {
  total: number;
  failed: number;
  /** Status codes of the failures (0 = no answer at all). */
  failures: Record<string, number>;
  elapsedMs: number;
  perSecond: number;
}
export function runLoad(
  request: () => Promise<number>,
  options: { concurrency: number; durationMs?: number; until?: Promise<unknown>; at?: { afterMs: number; run: () => Promise<void> }[] },
): Promise<LoadResult>;
