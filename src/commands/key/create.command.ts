import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions, API_KEY_HELP } from '../shared/connection.command.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function defineCreateCommand(parent: Command, action: ActionFactory): void {
  const command = parent
    .command('create')
    .description('Create a virtual key; it is printed once (it cannot be shown again)')
    .option('--alias <name>', 'unique name for the key (re-using one is refused; use "key rotate")')
    .option('--models <list>', 'comma-separated model names the key may use (default: all)')
    .option('--max-budget <usd>', 'spending limit in USD')
    .option('--budget-duration <duration>', 'budget reset period, e.g. 30d (s, m, h, d)')
    .option('--duration <duration>', 'expiry, e.g. 90d (default: never expires)')
    .option('--rpm <n>', 'requests per minute limit')
    .option('--tpm <n>', 'tokens per minute limit')
    .option('--max-parallel <n>', 'concurrent requests limit')
    .option('--team <id>', 'LiteLLM team id')
    .option('--user <id>', 'LiteLLM user id')
    .option('--metadata <key=value>', 'metadata entry (repeatable)', collect)
    .option('--save', 'write the key to .env as VIRTUAL_KEY (Open WebUI and apps use it)');
  addConnectionOptions(command, 60)
    .addHelpText('after', API_KEY_HELP)
    .action(action('key create', () => import('./create.handler.js')));
}
