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
    .addOption(
      new Option('--pull <policy>', 'images before "up": missing (pull what Docker lacks), always (pull every image), never (fail if one is missing)')
        .choices(['missing', 'always', 'never'])
        .env('AI_GATEWAY_PULL'),
    )
    .addHelpText(
      'after',
      `
Checks the published ports first, then pulls the images Docker does not have yet, as its own
phase (progress: a live line per image in a terminal, a line every few seconds otherwise; the
health timeout starts when the pull ends; Ctrl-C stops it and nothing is created). Then runs
"compose up -d" and polls every service until it is healthy (LiteLLM: until /health/readiness
reports its database connected). A service that turns unhealthy or exits ends the wait at once
with its last log lines; the containers are kept. Already running and healthy: nothing is
restarted. Changed files since the last start are applied.

Exit codes: 0 healthy, 3 Docker or a port is not usable, 4 a service did not become healthy,
7 an image could not be pulled (not found, login needed, network, disk full), 130 cancelled.`,
    )
    .action(action('start', () => import('./start.handler.js')));
}
