/** `ai-gateway start`: flags and help only (the handler loads on demand). */
import { Option, type Command } from 'commander';
import type { ActionFactory } from '../../core/command.js';

export function registerStart(program: Command, action: ActionFactory): void {
  program
    .command('start')
    .description('Start the stack and wait until every service is healthy; prints where everything is')
    .addOption(
      new Option('--timeout <seconds>', 'longest wait for health (default: from the resource profile, 180 s or more: LiteLLM migrates its database on every boot)').env(
        'AI_GATEWAY_START_TIMEOUT',
      ),
    )
    .option('--no-wait', 'return once the containers are created, without waiting for health')
    .addHelpText(
      'after',
      `
Checks the published ports first, runs "compose up -d", then polls every service until it is
healthy (LiteLLM: until /health/readiness reports its database connected). A service that turns
unhealthy or exits ends the wait at once with its last log lines; the containers are kept.
Already running and healthy: nothing is restarted. Changed files since the last start are applied.

Exit codes: 0 healthy, 3 Docker or a port is not usable, 4 a service did not become healthy.`,
    )
    .action(action('start', () => import('./start.handler.js')));
}
