/** Secrets come from a CSPRNG; tests inject a deterministic source for snapshots. */
import { randomBytes } from 'node:crypto';

export interface RandomSource {
  bytes(n: number): Buffer;
}

export const cryptoRandom: RandomSource = { bytes: (n) => randomBytes(n) };

const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Unbiased random string over `alphabet` (rejection sampling). */
export function randomString(random: RandomSource, length: number, alphabet: string = URL_SAFE): string {
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of random.bytes(length * 2)) {
      if (byte < limit) out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

export const alphabets = { urlSafe: URL_SAFE, alphanumeric: ALPHANUMERIC };
