// @ts-check
/**
 * A closed-loop load: `concurrency` workers each send one request after the other until the time is
 * up (or `until` settles), with actions at given offsets (kill a replica after 5 s). A request
 * counts as failed unless it answered 200. Used by the swarm suite and bench/swarm.mjs.
 * @param {() => Promise<number>} request  resolves the status code (0 = no answer at all)
 * @param {{ concurrency: number, durationMs?: number, until?: Promise<unknown>, at?: { afterMs: number, run: () => Promise<void> }[] }} options
 * @returns {Promise<import('./load.d.mts').LoadResult>}
 */
export async function runLoad(request, options) {
  const started = Date.now();
  let done = false;
  const stop = () => {
    done = true;
  };
  /** @type {NodeJS.Timeout[]} */
  const timers = [];
  if (options.durationMs !== undefined) timers.push(setTimeout(stop, options.durationMs));
  const finished = options.until?.finally(stop);
  const actions = (options.at ?? []).map(
    (a) =>
      new Promise((resolve, reject) => {
        timers.push(setTimeout(() => a.run().then(resolve, reject), a.afterMs));
      }),
  );
  let total = 0;
  let failed = 0;
  /** @type {Record<string, number>} */
  const failures = {};
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
