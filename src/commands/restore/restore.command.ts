/** `ai-gateway restore FILE`: flags and help only (the handler loads on demand). */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerRestore(program: Command, action: ActionFactory): void {
  program
    .command('restore')
    .description('Replace the gateway\'s database and Open WebUI data with a backup (checked first; asks to confirm)')
    .argument('<file>', 'an archive written by "ai-gateway backup"')
    .option('--force', 'restore even though the archive has no secrets and this .env\'s LITELLM_SALT_KEY is not the one the data was written with')
    .addHelpText(
      'after',
      `
Into the same gateway, or a directory set up fresh ("ai-gateway setup --yes --dir NEW" first).
Every part's checksum is checked before anything changes; then you type the project name (or pass
--yes); LiteLLM, Open WebUI and Nginx stop; PostgreSQL is restored in one transaction
(pg_restore --clean --if-exists) and Open WebUI's data volume replaced; secrets sealed in the
archive (backup --include-secrets) replace this .env's (passphrase: AI_GATEWAY_BACKUP_PASSPHRASE,
a prompt, or standard input); POSTGRES_PASSWORD stays this gateway's own. Then run "ai-gateway start".

Without secrets in the archive, this .env must hold the LITELLM_SALT_KEY the data was written with
(it decrypts the provider credentials LiteLLM stores): restore refuses otherwise, unless --force.`,
    )
    .action(action('restore', () => import('./restore.handler.js')));
}
