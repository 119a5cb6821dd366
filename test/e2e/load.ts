/**
 * A closed-loop load: `concurrency` workers each send one request after the other until the time is
 * up (or `until` settles), with actions at given offsets (kill a replica after 5 s). A request
 * counts as failed unless it answered 200. Used by the swarm suite and bench/swarm.mjs.
 */
export interface LoadResult {
  total: number;
  failed: number;
  /** Status codes of the failures (0 = no answer at all). */
  failures: Record<string, number>;
  elapsedMs: number;
  perSecond: number;
}

export async function runLoad(
  request: () => Promise<number>,
  options: { concurrency: number; durationMs?: number; until?: Promise<unknown>; at?: { afterMs: number; run: () => Promise<void> }[] },
): Promise<LoadResult> {
  const started = Date.now();
  let done = false;
  const stop = () => {
    done = true;
  };
  const timers: NodeJS.Timeout[] = [];
  if (options.durationMs !== undefined) timers.push(setTimeout(stop, options.durationMs));
  const finished = options.until?.finally(stop);
  const actions = (options.at ?? []).map(
    (a) =>
      new Promise<void>((resolve, reject) => {
        timers.push(setTimeout(() => a.run().then(resolve, reject), a.afterMs));
      }),
  );
  let total = 0;
  let failed = 0;
  const failures: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (!done) {
        const status = await request();
        total++;
        if (status !== 200) {
          failed++;
          failures[String(status)] = (failures[String(status)] ?? 0) + 1;
        }
      }
    }),
  );
  for (const t of timers) clearTimeout(t);
  await Promise.all([finished, ...actions]);
  const elapsedMs = Date.now() - started;
  return { total, failed, failures, elapsedMs, perSecond: total / (elapsedMs / 1000) };
}
