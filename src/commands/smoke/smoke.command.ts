/** `ai-gateway smoke`: flags and help only (the handler loads on demand). */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions } from '../shared/connection.command.js';

export function registerSmoke(program: Command, action: ActionFactory): void {
  const command = program
    .command('smoke')
    .description('CI gate after start: list models, one chat completion and one streamed completion through the public URL')
    .option('--model <id>', 'the model to try (default: the first non-wildcard model the key lists)');
  addConnectionOptions(command, 60)
    .addHelpText(
      'after',
      `
Uses the public API URL (through Nginx when enabled) and the app key: VIRTUAL_KEY from .env,
one piped to --api-key -, or AI_GATEWAY_API_KEY / LITELLM_PROXY_API_KEY (never an argument).
Without a usable model the completion steps are skipped (not failed).

Examples:
  ai-gateway smoke
  ai-gateway smoke --json --model gpt-4o-mini

Exit codes: 0 every step passed or was skipped, 6 a step failed, 2 no key to test with.`,
    )
    .action(action('smoke', () => import('./smoke.handler.js')));
}
