import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions, API_KEY_HELP } from '../shared/connection.command.js';

export function defineRotateCommand(parent: Command, action: ActionFactory): void {
  const command = parent
    .command('rotate')
    .description('Replace a key with a new one with the same settings; switches .env if it held the old key, then deletes the old key')
    .argument('<alias>', 'alias (or sk-… key / sha256 hash) of the key to replace; "-" reads it from stdin')
    .option('--duration <duration>', 'expiry of the new key, e.g. 90d (default: when the old one would have expired)')
    .option('--no-expiry', 'the new key never expires');
  addConnectionOptions(command, 60)
    .addHelpText('after', API_KEY_HELP)
    .action(action('key rotate', () => import('./rotate.handler.js')));
}
