/** `ai-gateway service install|uninstall|status`: start the gateway at boot with systemd. */
import { Option, type Command } from 'commander';
import { registerOnly, type ActionFactory } from '../../core/command.js';

const scopeOption = () =>
  new Option('--scope <scope>', 'system (root: /etc/systemd/system) or user (~/.config/systemd/user; needs lingering to run at boot)').choices(['system', 'user']);

const SUBCOMMANDS = [
  [
    'install',
    (service: Command, action: ActionFactory) =>
      service
        .command('install')
        .description('Write and enable a systemd unit that starts this gateway at boot and stops it at shutdown')
        .addOption(scopeOption())
        .option('--print', 'only print the unit (nothing is written or enabled)')
        .option('--timeout <seconds>', 'how long the start at boot may take, pulls included (default 900)')
        .action(action('service install', () => import('./install.handler.js'))),
  ],
  [
    'uninstall',
    (service: Command, action: ActionFactory) =>
      service
        .command('uninstall')
        .description('Disable and remove the unit (the gateway keeps running until you stop it)')
        .addOption(scopeOption())
        .action(action('service uninstall', () => import('./uninstall.handler.js'))),
  ],
  [
    'status',
    (service: Command, action: ActionFactory) =>
      service
        .command('status')
        .description('Is a unit installed for this gateway, enabled, active; is lingering on (user units)')
        .addOption(scopeOption())
        .action(action('service status', () => import('./status.handler.js'))),
  ],
] as const;

export function registerService(program: Command, action: ActionFactory, only?: string): void {
  const service = program
    .command('service')
    .description('Start the gateway at boot: install, uninstall or inspect its systemd unit')
    .addHelpText(
      'after',
      `
The unit runs "ai-gateway start" at boot (after Docker) and "ai-gateway stop" at shutdown. As root
it is a system unit; otherwise a user unit, which runs at boot only with lingering on
("loginctl enable-linger $USER": install says so). Without systemd, install says what to do
instead (the containers already restart with Docker: "restart: unless-stopped").`,
    );
  registerOnly(SUBCOMMANDS, only, (define) => define(service, action));
}
