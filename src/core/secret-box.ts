/**
 * Passphrase encryption for the secrets a backup may carry (`backup --include-secrets`):
 * scrypt derives a 256-bit key from the passphrase and a random salt, AES-256-GCM encrypts and
 * authenticates. Both from node:crypto: no hand-written cryptography. A wrong passphrase and a
 * tampered file look the same (the GCM tag does not match) and are reported as such.
 *
 * Format: one JSON header line (kdf parameters, salt, iv, tag; all public), then the ciphertext.
 */
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';
import { UserError } from './errors.js';

const scrypt = promisify(scryptCallback) as (password: string, salt: Buffer, keylen: number, options: ScryptOptions) => Promise<Buffer>;

const MAGIC = 'ai-gateway-secret-box';
/** N = 2^17, r = 8: ~128 MiB and a few hundred ms per derivation, OWASP's scrypt floor. */
const KDF = { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 } as const;
export const MIN_PASSPHRASE_LENGTH = 12;

interface Header {
  format: typeof MAGIC;
  version: 1;
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  iv: string;
  tag: string;
}

export async function seal(plaintext: Buffer, passphrase: string): Promise<Buffer> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await scrypt(passphrase.normalize('NFC'), salt, 32, KDF);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const header: Header = {
    format: MAGIC,
    version: 1,
    kdf: 'scrypt',
    N: KDF.N,
    r: KDF.r,
    p: KDF.p,
    salt: salt.toString('base64'),
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
  return Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ciphertext]);
}

export async function open(sealed: Buffer, passphrase: string, what = 'the encrypted secrets'): Promise<Buffer> {
  const newline = sealed.indexOf(0x0a);
  let header: Header;
  try {
    header = JSON.parse(sealed.subarray(0, newline).toString('utf8')) as Header;
    if (newline < 0 || header.format !== MAGIC || header.version !== 1 || header.kdf !== 'scrypt' || header.cipher !== 'aes-256-gcm') throw new Error('header');
  } catch {
    throw new UserError('SECRETS_UNREADABLE', `${what} are not in a format this version reads.`, {
      hint: 'Restore with the ai-gateway version that made the backup (its manifest names it).',
    });
  }
  const key = await scrypt(passphrase.normalize('NFC'), Buffer.from(header.salt, 'base64'), 32, {
    N: header.N,
    r: header.r,
    p: header.p,
    maxmem: Math.max(KDF.maxmem, 128 * header.N * header.r * 2),
  });
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(header.iv, 'base64'));
  decipher.setAuthTag(Buffer.from(header.tag, 'base64'));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(newline + 1)), decipher.final()]);
  } catch {
    throw new UserError('WRONG_PASSPHRASE', `The passphrase does not open ${what} (wrong passphrase, or the file was altered).`, {
      hint: 'Give the passphrase used for "ai-gateway backup --include-secrets" (prompt, AI_GATEWAY_BACKUP_PASSPHRASE, or standard input).',
    });
  }
}
