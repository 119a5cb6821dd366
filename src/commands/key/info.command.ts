import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions, API_KEY_HELP } from '../shared/connection.command.js';

export function defineInfoCommand(parent: Command, action: ActionFactory): void {
  const command = parent
    .command('info')
    .description('Show one key (by alias, sk-… key or sha256 hash); the key itself is never printed')
    .argument('<key>', 'alias, sk-… key or sha256 hash; "-" reads it from stdin (a key in argv shows in "ps")');
  addConnectionOptions(command, 60)
    .addHelpText('after', API_KEY_HELP)
    .action(action('key info', () => import('./info.handler.js')));
}
