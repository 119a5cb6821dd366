import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions, API_KEY_HELP } from '../shared/connection.command.js';

export function defineRevokeCommand(parent: Command, action: ActionFactory): void {
  const command = parent
    .command('revoke')
    .description('Delete a key (asks first; --yes to skip); removes VIRTUAL_KEY from .env when it was that key')
    .argument('<key>', 'alias, sk-… key or sha256 hash; "-" reads it from stdin (a key in argv shows in "ps")');
  addConnectionOptions(command, 60)
    .addHelpText('after', API_KEY_HELP)
    .action(action('key revoke', () => import('./revoke.handler.js')));
}
