/** `ai-gateway logs`: flags and help only (the handler loads on demand). */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerLogs(program: Command, action: ActionFactory): void {
  program
    .command('logs')
    .description('Show the logs of the services (all, or the ones named), secrets masked')
    .argument('[service...]', 'postgres, litellm, open-webui, nginx (default: all)')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('-n, --tail <lines>', 'only the last <lines> lines of each service')
    .option('--since <time>', 'only lines since a time: 2026-01-02T15:04:05, or relative: 10m, 2h')
    .option('-t, --timestamps', 'prefix each line with its time')
    .addHelpText(
      'after',
      `
Examples:
  ai-gateway logs litellm --tail 100
  ai-gateway logs -f nginx open-webui
  ai-gateway logs --since 10m --json   one JSON document with the lines (not with --follow)`,
    )
    .action(action('logs', () => import('./logs.handler.js')));
}
