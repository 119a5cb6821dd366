/**
 * The passphrase that seals (backup --include-secrets) or opens (restore) a backup's secrets:
 * AI_GATEWAY_BACKUP_PASSPHRASE, else a hidden prompt (asked twice when sealing), else the first
 * line of standard input. Never a flag: it would show in `ps`.
 */
import type { Context } from '../core/context.js';
import { UserError } from '../core/errors.js';
import { MIN_PASSPHRASE_LENGTH } from '../core/secret-box.js';

export const PASSPHRASE_ENV = 'AI_GATEWAY_BACKUP_PASSPHRASE';
const HOW = `${PASSPHRASE_ENV}, the prompt, or one line on standard input`;

export async function readPassphrase(ctx: Context, purpose: 'seal' | 'open'): Promise<string> {
  let passphrase = ctx.env[PASSPHRASE_ENV];
  if (!passphrase && ctx.prompts.interactive) {
    passphrase = await ctx.prompts.password({
      id: `backup.passphrase.${purpose}`,
      message: purpose === 'seal' ? `Passphrase to encrypt the secrets (${MIN_PASSPHRASE_LENGTH}+ characters; needed to restore)` : 'Passphrase of the backup',
      validate: (value) => (purpose === 'open' || value.length >= MIN_PASSPHRASE_LENGTH ? true : `At least ${MIN_PASSPHRASE_LENGTH} characters.`),
      flagHint: PASSPHRASE_ENV,
    });
    if (purpose === 'seal') {
      const again = await ctx.prompts.password({ id: 'backup.passphrase.confirm', message: 'The same passphrase again', flagHint: PASSPHRASE_ENV });
      if (again !== passphrase) throw new UserError('PASSPHRASE_MISMATCH', 'The two passphrases differ; nothing was written.', { hint: 'Run the command again.' });
    }
  }
  if (!passphrase) {
    const stdin = await ctx.readStdin();
    passphrase = stdin?.split(/\r?\n/)[0] ?? '';
  }
  if (!passphrase) {
    throw new UserError('PASSPHRASE_REQUIRED', purpose === 'seal' ? '--include-secrets needs a passphrase to encrypt the secrets with.' : 'This backup holds encrypted secrets: a passphrase is needed to restore them.', {
      hint: `Give it through ${HOW}.`,
    });
  }
  if (purpose === 'seal' && passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new UserError('PASSPHRASE_TOO_SHORT', `The passphrase has ${passphrase.length} characters; at least ${MIN_PASSPHRASE_LENGTH} are needed.`, { hint: `Give a longer one through ${HOW}.` });
  }
  ctx.out.addSecret(passphrase);
  return passphrase;
}
