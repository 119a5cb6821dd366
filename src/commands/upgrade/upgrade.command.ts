/** `ai-gateway upgrade`: flags and help only (the handler loads on demand). */
import { Option, type Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerUpgrade(program: Command, action: ActionFactory): void {
  program
    .command('upgrade')
    .description('Move the gateway to new images safely: backup, pull, health-gated start, rollback by itself on failure')
    .option('--to <version>', 'use the pinned images of this ai-gateway CLI version (another version: run it with npx, see below)')
    .option('--litellm-image <image>', 'LiteLLM image to move to (default: this CLI\'s pinned release)')
    .option('--postgres-image <image>', 'PostgreSQL image to move to')
    .option('--open-webui-image <image>', 'Open WebUI image to move to')
    .option('--nginx-image <image>', 'Nginx image to move to (1.27.3 or newer)')
    .option('--dry-run', 'show current and target images, change nothing')
    .option('--no-backup', 'skip the backup taken before anything changes (then a failed migration cannot be undone)')
    .addOption(new Option('--timeout <seconds>', 'how long the new (and, on failure, the old) stack may take to become healthy, after the pull').env('AI_GATEWAY_START_TIMEOUT'))
    .addHelpText(
      'after',
      `
Steps: show current -> target per image; confirm (type the project name, or --yes); back up
(as "ai-gateway backup", unless --no-backup); pull the new images (progress; nothing changes if a
pull fails); start the stack on them and wait for health. .env names the new images only after
every service is healthy; until then Compose reads a copy (.ai-gateway/compose-upgrade.env, 600).

If the new stack does not become healthy (a failing migration, a crash at boot), upgrade rolls back
by itself: when a new LiteLLM, Open WebUI or PostgreSQL container started (they migrate their data
on boot), the pre-upgrade backup is restored; the previous images start again; the error names what
failed, with its logs (exit 8). Exit 9: the rollback failed too; the hint names the backup to restore.

--to VERSION: the pins are built into each CLI version, so another version's are used by running it:
  npx @ai-gateway/cli@VERSION upgrade

Examples:
  ai-gateway upgrade --dry-run
  ai-gateway upgrade --yes
  ai-gateway upgrade --litellm-image docker.litellm.ai/berriai/litellm:v1.111.0 --yes --json`,
    )
    .action(action('upgrade', () => import('./upgrade.handler.js')));
}
