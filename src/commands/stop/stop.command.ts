/** `ai-gateway stop`: flags and help only (the handler loads on demand). */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerStop(program: Command, action: ActionFactory): void {
  program
    .command('stop')
    .description('Stop and remove the containers; the data volumes are kept')
    .option('--volumes', 'also delete the data volumes (database, keys, chat history): asks you to type the project name, or pass --yes')
    .addHelpText(
      'after',
      `
"stop" runs "compose down": containers and the network go, the volumes (PostgreSQL with every
virtual key, Open WebUI's data) stay, and the next "ai-gateway start" finds them again.
"stop --volumes" deletes them too, after you type the project name (or with --yes).
With ENGINE=swarm it runs "docker stack rm" and removes the stack's secrets; volumes as above.`,
    )
    .action(action('stop', () => import('./stop.handler.js')));
}
