/** Time as a dependency, so waits and timeouts are testable without sleeping. */
import { setTimeout as delay } from 'node:timers/promises';

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without error) when `signal` aborts: a wait can be woken up. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: async (ms, signal) => {
    if (signal?.aborted) return;
    try {
      await delay(ms, undefined, signal ? { signal } : undefined);
    } catch (error) {
      if ((error as Error).name !== 'AbortError') throw error;
    }
  },
};
