/**
 * Independent steps run side by side, with the outcome of running them one after another: every
 * step is waited for (none is left running behind an error), then the first failure *in argument
 * order* is thrown, so which error the user sees does not depend on which step lost a race (a
 * daemon that is down is named as such, not as a failed listing).
 */
export async function settleInOrder<T extends readonly unknown[]>(promises: { readonly [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const outcomes = await Promise.allSettled(promises);
  for (const outcome of outcomes) if (outcome.status === 'rejected') throw outcome.reason;
  return outcomes.map((o) => (o as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
