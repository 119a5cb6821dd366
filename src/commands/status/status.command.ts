/** `ai-gateway status`: flags and help only (the handler loads on demand). */
import { Option, type Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerStatus(program: Command, action: ActionFactory): void {
  program
    .command('status')
    .description('Show each service (state, health, ports, image), the URLs, and whether files changed since the last start')
    .addOption(new Option('-o, --output <format>', 'table (default), json (same as --json), or env (URLs and the virtual key, for eval and CI)').choices(['table', 'json', 'env']).default('table'))
    .addHelpText(
      'after',
      `
Examples:
  ai-gateway status
  ai-gateway status --json            versioned JSON document (schemaVersion)
  eval "$(ai-gateway status -o env)"  exports OPENAI_BASE_URL, OPENAI_API_KEY (the virtual key), AI_GATEWAY_* URLs

-o env is the only place status prints the virtual key; the master key is never printed.`,
    )
    .hook('preAction', (command) => {
      // -o json is --json: one JSON document on stdout, decided before the output is built.
      if (command.opts().output === 'json') command.parent?.setOptionValue('json', true);
    })
    .action(action('status', () => import('./status.handler.js')));
}
