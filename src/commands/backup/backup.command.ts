/** `ai-gateway backup`: flags and help only (the handler loads on demand). */
import { Option, type Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerBackup(program: Command, action: ActionFactory): void {
  program
    .command('backup')
    .description('Write one archive (mode 600) of the database, Open WebUI\'s data and the gateway\'s files, while it runs')
    .option('-o, --output <file>', 'where to write the archive (default: backups/ai-gateway-backup-<project>-<UTC time>.tar)')
    .option('--include-secrets', 'also store .env (every key and password), encrypted with a passphrase: AI_GATEWAY_BACKUP_PASSPHRASE, a hidden prompt, or standard input')
    .addOption(new Option('--keep <n>', 'afterwards, keep only the newest N archives of this gateway in the output directory').env('AI_GATEWAY_BACKUP_KEEP'))
    .addHelpText(
      'after',
      `
The database is dumped with pg_dump inside the running postgres container: consistent, and the
gateway keeps serving. Open WebUI is paused for the seconds its data volume takes to copy.
Without --include-secrets the archive holds no secret: restoring it needs the same LITELLM_SALT_KEY
in the target's .env (restore checks). Restore with "ai-gateway restore FILE".

Examples:
  ai-gateway backup
  AI_GATEWAY_BACKUP_PASSPHRASE=... ai-gateway backup --include-secrets --keep 7
  ai-gateway backup --output /mnt/backups/gateway.tar --json`,
    )
    .action(action('backup', () => import('./backup.handler.js')));
}
