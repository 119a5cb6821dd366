import { describe, expect, it } from 'vitest';
import { randomBytes, sha256Hex } from './crypto.js';

describe('crypto', () => {
  it('random bytes: the size asked for, different every time, and spread over every byte value', () => {
    expect(randomBytes(0)).toHaveLength(0);
    expect(randomBytes(48)).toHaveLength(48);
    expect(randomBytes(32).equals(randomBytes(32))).toBe(false);
    const seen = new Set(randomBytes(64 * 1024));
    expect(seen.size).toBe(256); // 64 KiB of uniform bytes miss a value with probability ~1e-110
  });

  it('sha256Hex is the standard digest', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
