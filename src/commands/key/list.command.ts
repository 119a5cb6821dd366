import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions, API_KEY_HELP } from '../shared/connection.command.js';

export function defineListCommand(parent: Command, action: ActionFactory): void {
  const command = parent.command('list').description('List every virtual key (all pages): alias, masked name, spend/budget, models, expiry, blocked');
  addConnectionOptions(command, 60)
    .addHelpText('after', API_KEY_HELP)
    .action(action('key list', () => import('./list.handler.js')));
}
