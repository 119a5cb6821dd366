import { Option, type Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';
import { addConnectionOptions } from '../shared/connection.command.js';

export function registerModelsCommand(program: Command, action: ActionFactory): void {
  const command = program
    .command('models')
    .description('List the model ids your key can use (VIRTUAL_KEY from .env, through Nginx when enabled)')
    .option('--master', 'use the master key instead: every model the proxy serves')
    .addOption(new Option('--details', 'add each model\'s upstream provider/model (from /model/info, LiteLLM direct)'));
  addConnectionOptions(command, 30)
    .addHelpText(
      'after',
      `
The key is VIRTUAL_KEY from the gateway's .env (what your apps use), or one piped to --api-key -,
or AI_GATEWAY_API_KEY / LITELLM_PROXY_API_KEY from the environment. Keys are never arguments.`,
    )
    .action(action('models', () => import('./models.handler.js')));
}
