import { describe, expect, it } from 'vitest';
import { sha256Hex } from './crypto.js';

describe('crypto', () => {
  it('sha256Hex is the standard digest', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
