/** `ai-gateway scale`: flags and help only (the handler loads on demand). */
import type { Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerScale(program: Command, action: ActionFactory): void {
  program
    .command('scale')
    .summary('change the number of LiteLLM or Open WebUI replicas (ENGINE=swarm)')
    .description('Set the replicas of litellm and/or open-webui on a running swarm stack, wait until they run, and keep the count in .env.')
    .argument('<service=replicas...>', 'e.g. litellm=3, open-webui=2')
    .option('--timeout <seconds>', 'how long to wait for the replicas to run (default 180)')
    .option('--no-wait', 'return once Swarm accepted the new count')
    .addHelpText(
      'after',
      `
Replicas need ENGINE=swarm ("ai-gateway setup --engine swarm --replicas N"). A count that needs what
the stack does not run yet (Redis for a first second replica, PostgreSQL for Open WebUI, a larger
PostgreSQL max_connections) is refused with the setup command that adds it.

Examples:
  ai-gateway scale litellm=3
  ai-gateway scale litellm=2 --json`,
    )
    .action(action('scale', () => import('./scale.handler.js')));
}
