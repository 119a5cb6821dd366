import { describe, expect, it } from 'vitest';
import { open, seal } from './secret-box.js';

describe('secret box (scrypt + AES-256-GCM)', () => {
  const secret = Buffer.from('LITELLM_SALT_KEY=sk-salt-value-that-must-stay-hidden\n');

  it('opens what it sealed with the same passphrase, and the sealed bytes hold no plaintext', async () => {
    const sealed = await seal(secret, 'a long enough passphrase');
    expect(sealed.includes(Buffer.from('sk-salt-value'))).toBe(false);
    expect((await open(sealed, 'a long enough passphrase')).equals(secret)).toBe(true);
  });

  it('seals the same plaintext differently each time (random salt and iv)', async () => {
    const [one, two] = await Promise.all([seal(secret, 'passphrase number one'), seal(secret, 'passphrase number one')]);
    expect(one.equals(two)).toBe(false);
  });

  it('refuses a wrong passphrase and a tampered ciphertext with WRONG_PASSPHRASE', async () => {
    const sealed = await seal(secret, 'the right passphrase');
    await expect(open(sealed, 'the wrong passphrase')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE', exitCode: 2 });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    await expect(open(tampered, 'the right passphrase')).rejects.toMatchObject({ code: 'WRONG_PASSPHRASE' });
  });

  it('names a file that is not a sealed box', async () => {
    await expect(open(Buffer.from('plain text\nmore'), 'whatever passphrase')).rejects.toMatchObject({ code: 'SECRETS_UNREADABLE' });
  });
});
