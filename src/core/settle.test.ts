import { describe, expect, it } from 'vitest';
import { settleInOrder } from './settle.js';

const later = <T>(ms: number, value: T, fail = false) => new Promise<T>((resolve, reject) => setTimeout(() => (fail ? reject(new Error(String(value))) : resolve(value)), ms));

describe('settleInOrder', () => {
  it('resolves every value, in argument order, typed', async () => {
    const [a, b] = await settleInOrder([later(20, 1), later(1, 'two')] as const);
    expect([a, b]).toEqual([1, 'two']);
  });

  it('throws the first failure in argument order, not the first in time, after every step has ended', async () => {
    let slowEnded = false;
    const slow = later(30, 'slow').then((v) => {
      slowEnded = true;
      return v;
    });
    const error = await settleInOrder([later(20, 'first', true), later(1, 'second', true), slow] as const).catch((e: Error) => e);
    expect((error as Error).message).toBe('first');
    expect(slowEnded).toBe(true);
  });
});
